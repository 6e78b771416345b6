/**
 * A pool of logged-in sessions for parallel transfers.
 *
 * Theory of operation: a {@link Pool} holds up to `size` {@link Client}s, all made from one frozen
 * option set, and leases one to each call (leases.ts: idle first, then a new connection while there
 * is room, then a FIFO queue; a session that failed at the connection level is dropped).
 *
 * Session state must not leak from one call to the next (curl CVE-2023-27535 reused FTP connections
 * across different account and TLS settings). So identity is keyed by construction, not checked per
 * call: every session of a pool shares the one immutable option set (host, port, user, password,
 * account, TLS settings), fixed when the pool is made; there is no way to lease a session with other
 * credentials. The working directory is the one state a call could change, and the pool offers no
 * `cd`: paths are best absolute, and relative ones resolve against the login directory, which is the
 * same for every session. {@link Pool.use}, the escape hatch that hands out a raw `Client`, checks the
 * directory afterwards and moves back (or drops the session) if it changed.
 *
 * The calls a Pool shares with `Client` are written once in {@link RemoteCalls}, over `run`, which here
 * is "lease a session, run on it, give it back", with a concurrency of the pool's size: the tree
 * transfers and mirror's checksums keep that many sessions busy. Many-item calls (`downloadMany`,
 * `uploadMany`, the tree transfers and segmented downloads) are fail-fast: the first error aborts the
 * rest, and the call rejects with that error once everything it started has settled (see parallel.ts
 * for why).
 *
 * With the `retry` option, the pool retries, not its sessions: each attempt of a call leases a
 * session, a session that failed at the connection level is dropped and its slot refilled, and the
 * next attempt runs on whichever session is healthy. Each file of a many-item or tree call is
 * retried on its own, before the fail-fast rule sees its error.
 *
 * `limitRate` is one bandwidth budget for the whole pool: the pool makes it on its transport's clock
 * and hands it to every session it connects (driver/throttle.ts), so all their transfers draw on it
 * together. A many-item call's own `limitRate` is one budget for its items.
 *
 * @module
 */
import { transport as defaultTransport } from '@ftpkit/transport';
import type { CallOptions, DirectoryTransferOptions, Progress, TransferOptions, TransferResult, VerifyMethod } from './calls.js';
import type { Client } from './client.js';
import { clockOf, type Clock } from './driver/clock.js';
import { callLimit, RateLimit, sharing } from './driver/throttle.js';
import { InvalidArgumentError } from './errors.js';
import { stat } from './io/fs.js';
import type { DownloadDestination } from './io/sinks.js';
import type { UploadSource } from './io/sources.js';
import type { Attempt } from './ops/conn.js';
import { retriedDownload, retriedUpload } from './retried-transfers.js';
import { checkTransport, parseUrl, poolSize, resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { runAll } from './parallel.js';
import { Leases, type PoolStats } from './leases.js';
import { feed, progressMeter, sumOrUndefined } from './progress.js';
import { RemoteCalls } from './remote.js';
import { segmentedDownload } from './segmented.js';
import type { ListTimeZoneState } from './time-zone.js';

/**
 * Default number of sessions. FileZilla allows 2 simultaneous transfers by default and lftp's `pget`
 * uses 5 connections; 4 fills a high-latency link without tripping the per-address connection
 * limits many servers set (Pure-FTPd and ProFTPD setups often allow 5 or fewer per address).
 */
const DEFAULT_SIZE = 4;


/** Options of a {@link Pool}: a Client's options (except `signal`: each call takes its own) and `size`. */
export interface PoolOptions extends Omit<ClientOptions, 'signal'> {
  /**
   * Most sessions open at once. Default 4, or fewer where the transport limits connections: on
   * Cloudflare Workers (6 connections per request) at most 3, the default there too.
   */
  readonly size?: number;
}

/** Options of {@link Pool.download}. */
export interface PoolDownloadOptions extends TransferOptions {
  /**
   * Fetch the file in this many ranges at once, each on its own session (lftp's `pget -n`). Needs a
   * file path as the destination, binary mode and no `startAt`. Capped at the pool's size and at one
   * range per MiB; the download falls back to a single stream when the file is smaller than 2 MiB or
   * the server lacks SIZE or REST. An interrupted segmented download resumes on the next call (its
   * state file sits beside the target), so two segmented downloads must not share one target path.
   */
  readonly segments?: number;
}

/** Options of {@link Pool.downloadMany} and {@link Pool.uploadMany}. */
export interface ManyOptions extends CallOptions {
  /** Progress of all items together. `total` is known when every item's size is (uploads of files and bytes). */
  readonly onProgress?: (progress: Progress) => void;
  /** `'binary'` (default) or `'ascii'`, for every item. */
  readonly mode?: 'binary' | 'ascii';
  /**
   * The call's bandwidth limit in bytes per second, one budget for all its items together, under
   * the pool's own `limitRate`. Default: none of its own.
   *
   * @example
   * ```ts
   * await pool.uploadMany([{ from: './a.bin', to: '/incoming/a.bin' }], { limitRate: 1024 * 1024 });
   * ```
   */
  readonly limitRate?: number;
  /**
   * Check every item as a single transfer's `verify` does (`'size'` or `'checksum'`). The first
   * mismatch fails the call with `VerifyError`, under the fail-fast rule. Default `false`.
   *
   * @example
   * ```ts
   * await pool.downloadMany([{ from: '/pub/a.bin', to: './a.bin' }], { verify: 'checksum' });
   * ```
   */
  readonly verify?: VerifyMethod | false | undefined;
}

/** Options of the Pool's directory transfers: the same as a Client's, {@link DirectoryTransferOptions}. */
export type PoolDirectoryOptions = DirectoryTransferOptions;

/** One download of {@link Pool.downloadMany}: remote path → local destination. */
export interface DownloadItem {
  readonly from: string;
  readonly to: DownloadDestination;
}

/** One upload of {@link Pool.uploadMany}: local source → remote path. */
export interface UploadItem {
  readonly from: UploadSource;
  readonly to: string;
}

export type { PoolStats };

/**
 * Up to `size` logged-in sessions to one server, for parallel transfers. The pool connects lazily and
 * offers the Client's calls ({@link RemoteCalls}); each runs on whichever session is free, and the
 * tree transfers and mirror spread their files over the sessions.
 *
 * A pool is made with `new Pool(...)`, not an async `connect`: it does no I/O until the first call,
 * so there is nothing to await and nothing that can fail at construction. A wrong password shows up
 * as the first call's `FtpReplyError`.
 *
 * There is no `cd`: a pooled session's working directory would leak into the next call that gets it.
 * Use absolute paths (relative ones start at the login directory).
 *
 * @example
 * ```ts
 * await using pool = new Pool('ftpes://alice:secret@files.example.com', { size: 8 });
 * await pool.downloadMany(
 *   ['a.bin', 'b.bin', 'c.bin'].map((name) => ({ from: `/pub/${name}`, to: `./${name}` })),
 *   { onProgress: (p) => console.log(p.bytes, p.total) },
 * );
 * await pool.download('/pub/big.iso', './big.iso', { segments: 8 });
 * ```
 */
export class Pool extends RemoteCalls implements AsyncDisposable {
  readonly #resolved: ResolvedOptions;
  readonly #size: number;
  readonly #sessions: Leases;
  /** Aborted by `close()`: no new attempt of a retried call, and a retry's wait ends. */
  readonly #closing = new AbortController();
  readonly #clock: Clock;
  /** The bandwidth budget all sessions share (see the module comment). */
  readonly #limit: RateLimit;
  /** The login directory, per session, once {@link Pool.use} has asked for it. */
  readonly #home = new WeakMap<Client, string>();

  /**
   * Make a pool from a URL (`ftp://`, `ftpes://`, `ftps://`) or options; `overrides` win over both.
   * No connection is made until the first call.
   *
   * @example
   * ```ts
   * const pool = new Pool({ host: 'files.example.com', user: 'alice', password: 'secret', secure: true, size: 6 });
   * ```
   */
  constructor(target: string | PoolOptions, overrides: Partial<PoolOptions> = {}) {
    super();
    const { size: asked, ...options }: PoolOptions = typeof target === 'string' ? { ...parseUrl(target), ...overrides } : { ...target, ...overrides };
    const transport = options.transport ?? defaultTransport;
    const size = poolSize(asked, DEFAULT_SIZE, transport);
    this.#size = size;
    this.#clock = clockOf(transport);
    this.#limit = new RateLimit(this.#clock, options.limitRate);
    // One frozen option set for every session: nothing a call does can give one session another identity.
    const frozen: Readonly<ClientOptions> = Object.freeze({
      ...options,
      ...(options.tls ? { tls: Object.freeze({ ...options.tls }) } : {}),
      ...(options.timeouts ? { timeouts: Object.freeze({ ...options.timeouts }) } : {}),
      ...sharing(this.#limit),
    });
    this.#resolved = Object.freeze(resolveOptions(frozen));
    checkTransport(this.#resolved, transport);
    this.#sessions = new Leases(frozen, size);
  }

  get options(): ResolvedOptions {
    return this.#resolved;
  }

  /**
   * How many sessions are open, idle and awaited.
   *
   * @example
   * ```ts
   * const { open, idle, waiting } = pool.stats;
   * ```
   */
  get stats(): PoolStats {
    return this.#sessions.stats;
  }

  /** True once {@link Pool.close} has been called. */
  get closed(): boolean {
    return this.#sessions.closed;
  }

  /**
   * The LIST time zone of each open session, in the order they were opened
   * ({@link Client.listTimeZone}): with `listTimeZone: 'auto'` each session learns it from its own
   * first LIST-based listing, so a session that has not listed yet is still `'pending'`.
   *
   * @example
   * ```ts
   * const pool = new Pool({ host: 'legacy.example.com', listTimeZone: 'auto', size: 4 });
   * await pool.mirror({ direction: 'download', remote: '/pub', local: './pub' });
   * for (const { zone, auto, reason } of pool.listTimeZones) console.log(zone, auto, reason ?? '');
   * ```
   */
  get listTimeZones(): ListTimeZoneState[] {
    return this.#sessions.sessions.map((client) => client.listTimeZone);
  }

  /**
   * Download on a free session, or with `segments`, in ranges across several sessions at once.
   * Progress, `signal` and errors are as for {@link Client.download}; a segmented download reports
   * the bytes of all its ranges together.
   *
   * @example
   * ```ts
   * await pool.download('/pub/big.iso', './big.iso', { segments: 8, onProgress: (p) => console.log(p.bytes, p.total) });
   * ```
   */
  override download(remotePath: string, destination: DownloadDestination, options: PoolDownloadOptions = {}): Promise<TransferResult> {
    const { segments, ...rest } = options;
    if (segments === undefined || segments <= 1) return super.download(remotePath, destination, rest);
    if (typeof destination !== 'string') return Promise.reject(new InvalidArgumentError('A segmented download needs a file path as its destination'));
    if (rest.mode === 'ascii' || rest.startAt) {
      return Promise.reject(new InvalidArgumentError('A segmented download is binary and resumes by itself: drop mode "ascii" and startAt'));
    }
    return segmentedDownload(this.runner(), remotePath, destination, {
      ...rest,
      segments: Math.min(segments, this.#size),
    });
  }

  /**
   * Download many files at once, one per free session, with progress summed over all of them.
   * Results come back in item order. Fail-fast: the first error aborts the others and, once they
   * have settled, is what the call rejects with; files finished before it stay (each one is complete:
   * a download to a path is renamed into place only when whole).
   *
   * @example
   * ```ts
   * const results = await pool.downloadMany([
   *   { from: '/pub/a.bin', to: './a.bin' },
   *   { from: '/pub/b.bin', to: './b.bin' },
   * ]);
   * console.log(results.map((r) => r.bytes));
   * ```
   */
  async downloadMany(items: readonly DownloadItem[], options: ManyOptions = {}): Promise<TransferResult[]> {
    const meter = progressMeter(options.onProgress, undefined);
    const paced = this.#paced(options);
    return runAll(items, this.#size, options.signal, (item, signal) =>
      retriedDownload(this.runner(), item.from, item.to, { signal, ...transferOf(options), ...progressOf(meter, options), ...paced }),
    );
  }

  /**
   * Upload many files at once, one per free session, with progress summed over all of them. Same
   * fail-fast rule as {@link Pool.downloadMany}.
   *
   * @example
   * ```ts
   * await pool.uploadMany([
   *   { from: './a.bin', to: '/incoming/a.bin' },
   *   { from: new TextEncoder().encode('hi'), to: '/incoming/hi.txt' },
   * ]);
   * ```
   */
  async uploadMany(items: readonly UploadItem[], options: ManyOptions = {}): Promise<TransferResult[]> {
    const total = options.onProgress && options.mode !== 'ascii' ? await totalOf(items.map((i) => i.from)) : undefined;
    const meter = progressMeter(options.onProgress, total);
    const paced = this.#paced(options);
    return runAll(items, this.#size, options.signal, (item, signal) =>
      retriedUpload(this.runner(), item.from, item.to, 'STOR', { signal, ...transferOf(options), ...progressOf(meter, options), ...paced }),
    );
  }

  /**
   * Lease one session for a sequence of your own (raw commands, `site`, a `cd` you need). Afterwards
   * the pool checks the working directory and moves back to the login directory if it changed, or
   * drops the session if it cannot. Raw commands that would change the login or the TLS setup are
   * refused by the session (see {@link Client.send}).
   *
   * @example
   * ```ts
   * const reply = await pool.use((client) => client.site('CHMOD 644 /incoming/a.txt'));
   * ```
   */
  use<T>(fn: (client: Client) => Promise<T>, options: CallOptions = {}): Promise<T> {
    return this.#sessions.with(options.signal, async (client) => {
      let home = this.#home.get(client);
      if (home === undefined) {
        home = await client.pwd(options);
        this.#home.set(client, home);
      }
      try {
        return await fn(client);
      } finally {
        await this.#restoreHome(client, home);
      }
    });
  }

  /**
   * Close every session (QUIT after its running call) and refuse new calls. Calls waiting for a
   * session are rejected with `ConnectionError`. Safe to call twice.
   *
   * @example
   * ```ts
   * const pool = new Pool('ftp://files.example.com');
   * try { await pool.list('/'); } finally { await pool.close(); }
   * ```
   */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#sessions.close();
  }

  /** `await using pool = new Pool(...)` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  protected runCall<T>(options: CallOptions, work: (attempt: Attempt) => Promise<T>): Promise<T> {
    // A lease per attempt: a session that failed at the connection level is dropped when given back,
    // so the next attempt runs on another one, or on a new connection in its slot.
    return work((fn) => this.#sessions.with(options.signal, (client) => RemoteCalls.runOn(client, options, fn)));
  }

  protected get concurrency(): number {
    return this.#size;
  }

  protected get closing(): AbortSignal {
    return this.#closing.signal;
  }

  protected get clock(): Clock {
    return this.#clock;
  }

  protected get sharedLimit(): RateLimit {
    return this.#limit;
  }

  /** A many-item call's one budget for all its items, when it sets `limitRate`. */
  #paced(options: ManyOptions): { readonly callLimit?: RateLimit } {
    const limit = callLimit(this.#limit, options.limitRate);
    return limit ? { callLimit: limit } : {};
  }

  async #restoreHome(client: Client, home: string): Promise<void> {
    if (client.closed) return;
    try {
      if ((await client.pwd()) !== home) await client.cd(home);
    } catch {
      // Cannot tell or fix where the session is: it must not serve another call.
      this.#sessions.drop(client);
    }
  }
}

/** Each item's progress, fed to the aggregate meter. */
function progressOf(meter: ReturnType<typeof progressMeter>, options: { readonly onProgress?: unknown }): Pick<TransferOptions, 'onProgress'> {
  return options.onProgress ? { onProgress: feed(meter) } : {};
}

/** What each item of a many-item call takes from the call's options: the mode and the verification. */
function transferOf(options: ManyOptions): Pick<TransferOptions, 'mode' | 'verify'> {
  return { ...(options.mode ? { mode: options.mode } : {}), ...(options.verify ? { verify: options.verify } : {}) };
}

/** Bytes an upload of these sources moves, when all are files or byte arrays. */
async function totalOf(sources: readonly UploadSource[]): Promise<number | undefined> {
  const sizes = await Promise.all(
    sources.map(async (s) => (typeof s === 'string' ? (await stat(s).catch(() => undefined))?.size : s instanceof Uint8Array ? s.length : undefined)),
  );
  return sumOrUndefined(sizes);
}

