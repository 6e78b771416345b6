/**
 * A pool of logged-in sessions for parallel transfers.
 *
 * Theory of operation: a {@link Pool} holds up to `size` {@link Client}s, all made from one frozen
 * option set. Each call leases one: an idle session if there is one, else a new connection while
 * there is room, else it waits in a FIFO queue; a session that is given back goes straight to the
 * first waiter. Sessions are connected lazily, on the first call that needs one, and reused. A session
 * that is closed, or whose call failed at the connection level (`ConnectionError`, `TimeoutError`,
 * `TlsError`), is dropped; its slot is refilled by the next call that needs one.
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
 * Many-item calls (`downloadMany`, `uploadMany`, the directory transfers and segmented downloads) are
 * fail-fast: the first error aborts the rest, and the call rejects with that error once everything it
 * started has settled (see parallel.ts for why).
 *
 * @module
 */
import type { ListingEntry } from '@ftpkit/codec';
import {
  Client,
  progressMeter,
  type CallOptions,
  type DirectoryTransferOptions,
  type DirectoryTransferResult,
  type Progress,
  type TransferOptions,
  type TransferResult,
} from './client.js';
import { ConnectionError, FtpReplyError, InvalidArgumentError, TimeoutError, TlsError, abortError } from './errors.js';
import { join, mkdir as mkdirLocal, readdir, stat } from './fs.js';
import { parseUrl, resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { runAll } from './parallel.js';
import { remoteJoin, safeLocalName } from './paths.js';
import { segmentedDownload } from './segmented.js';
import type { DownloadDestination, UploadSource } from './transfers.js';

/**
 * Default number of sessions. FileZilla allows 2 simultaneous transfers by default and lftp's `pget`
 * uses 5 connections; 4 fills a high-latency link without tripping the per-address connection
 * limits many servers set (Pure-FTPd and ProFTPD setups often allow 5 or fewer per address).
 */
const DEFAULT_SIZE = 4;

/** Options of a {@link Pool}: a Client's options (except `signal`: each call takes its own) and `size`. */
export interface PoolOptions extends Omit<ClientOptions, 'signal'> {
  /** Most sessions open at once. Default 4. */
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
}

/** Options of the Pool's directory transfers. */
export interface PoolDirectoryOptions extends DirectoryTransferOptions {
  /** Progress of all files together, with `total` from the listing (download) or the local files (upload). */
  readonly onProgress?: (progress: Progress) => void;
}

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

/** What a pool holds right now (see {@link Pool.stats}). */
export interface PoolStats {
  /** The most sessions the pool opens. */
  readonly size: number;
  /** Sessions open or being opened. */
  readonly open: number;
  /** Open sessions with nothing to do. */
  readonly idle: number;
  /** Calls waiting for a session. */
  readonly waiting: number;
}

interface Waiter {
  /** A session handed over, or `undefined`: a slot was freed, connect a new one. */
  readonly take: (client: Client | undefined) => void;
  readonly fail: (error: unknown) => void;
}

type MutableDirectoryResult = { files: number; directories: number; bytes: number; skipped: { path: string; reason: string }[] };

/**
 * Up to `size` logged-in sessions to one server, for parallel transfers. The pool connects lazily and
 * offers the Client's calls; each runs on whichever session is free.
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
export class Pool implements AsyncDisposable {
  readonly #options: Readonly<ClientOptions>;
  readonly #resolved: ResolvedOptions;
  readonly #size: number;
  readonly #all = new Set<Client>();
  readonly #idle: Client[] = [];
  readonly #waiters: Waiter[] = [];
  /** Sessions being connected (they hold a slot before they exist). */
  #connecting = 0;
  #closed = false;
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
    const { size = DEFAULT_SIZE, ...options }: PoolOptions = typeof target === 'string' ? { ...parseUrl(target), ...overrides } : { ...target, ...overrides };
    if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError(`Pool size must be a positive integer, not ${size}`);
    this.#size = size;
    // One frozen option set for every session: nothing a call does can give one session another identity.
    this.#options = Object.freeze({
      ...options,
      ...(options.tls ? { tls: Object.freeze({ ...options.tls }) } : {}),
      ...(options.timeouts ? { timeouts: Object.freeze({ ...options.timeouts }) } : {}),
    });
    this.#resolved = Object.freeze(resolveOptions(this.#options));
  }

  /**
   * The options every session uses, defaults applied. Password included: do not log this object.
   *
   * @example
   * ```ts
   * console.log(pool.options.host, pool.options.secure);
   * ```
   */
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
    return { size: this.#size, open: this.#all.size + this.#connecting, idle: this.#idle.length, waiting: this.#waiters.length };
  }

  /** True once {@link Pool.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * List a directory on a free session (see {@link Client.list}).
   *
   * @example
   * ```ts
   * const entries = await pool.list('/pub');
   * ```
   */
  list(path?: string, options: CallOptions = {}): Promise<ListingEntry[]> {
    return this.#with(options, (c) => c.list(path, options));
  }

  /**
   * List a directory as the listing arrives, on one session held for the whole loop (see
   * {@link Client.listEntries}). The session goes back to the pool when the loop ends, however it
   * ends; leaving early aborts the transfer first. Calls made inside the loop run on the other
   * sessions, so with `size: 1` awaiting one there never returns.
   *
   * @example
   * ```ts
   * for await (const entry of pool.listEntries('/incoming')) {
   *   if (entry.type === 'file') await pool.download(`/incoming/${entry.name}`, `./in/${safeLocalName(entry.name)}`);
   * }
   * ```
   */
  async *listEntries(path?: string, options: CallOptions = {}): AsyncGenerator<ListingEntry, void, undefined> {
    const client = await this.#acquire(options.signal);
    let failure: unknown;
    try {
      yield* client.listEntries(path, options);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      this.#release(client, failure);
    }
  }

  /**
   * Facts about one path (see {@link Client.stat}).
   *
   * @example
   * ```ts
   * const { size, modifiedAt } = await pool.stat('/pub/file.bin');
   * ```
   */
  stat(path: string, options: CallOptions = {}): Promise<ListingEntry> {
    return this.#with(options, (c) => c.stat(path, options));
  }

  /**
   * Size in bytes (SIZE).
   *
   * @example
   * ```ts
   * const bytes = await pool.size('/pub/file.bin');
   * ```
   */
  size(path: string, options: CallOptions = {}): Promise<number> {
    return this.#with(options, (c) => c.size(path, options));
  }

  /**
   * Modification time (MDTM).
   *
   * @example
   * ```ts
   * const when = await pool.lastModified('/pub/file.bin');
   * ```
   */
  lastModified(path: string, options: CallOptions = {}): Promise<Date> {
    return this.#with(options, (c) => c.lastModified(path, options));
  }

  /**
   * Set the modification time (MFMT).
   *
   * @example
   * ```ts
   * await pool.setLastModified('/pub/file.bin', new Date('2024-01-01T00:00:00Z'));
   * ```
   */
  setLastModified(path: string, date: Date, options: CallOptions = {}): Promise<void> {
    return this.#with(options, (c) => c.setLastModified(path, date, options));
  }

  /**
   * Delete a file (DELE).
   *
   * @example
   * ```ts
   * await pool.remove('/incoming/old.txt');
   * ```
   */
  remove(path: string, options: CallOptions = {}): Promise<void> {
    return this.#with(options, (c) => c.remove(path, options));
  }

  /**
   * Rename or move (RNFR + RNTO).
   *
   * @example
   * ```ts
   * await pool.rename('/incoming/a.tmp', '/incoming/a.txt');
   * ```
   */
  rename(from: string, to: string, options: CallOptions = {}): Promise<void> {
    return this.#with(options, (c) => c.rename(from, to, options));
  }

  /**
   * Create a directory; with `recursive`, parents too (see {@link Client.mkdir}).
   *
   * @example
   * ```ts
   * await pool.mkdir('/incoming/2024/01', { recursive: true });
   * ```
   */
  mkdir(path: string, options: CallOptions & { readonly recursive?: boolean } = {}): Promise<void> {
    return this.#with(options, (c) => c.mkdir(path, options));
  }

  /**
   * Remove a directory; with `recursive`, its contents first, on one session (see {@link Client.rmdir}).
   *
   * @example
   * ```ts
   * await pool.rmdir('/incoming/old', { recursive: true });
   * ```
   */
  rmdir(path: string, options: CallOptions & { readonly recursive?: boolean } = {}): Promise<void> {
    return this.#with(options, (c) => c.rmdir(path, options));
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
  download(remotePath: string, destination: DownloadDestination, options: PoolDownloadOptions = {}): Promise<TransferResult> {
    const { segments, ...rest } = options;
    if (segments === undefined || segments <= 1) return this.#with(options, (c) => c.download(remotePath, destination, rest));
    if (typeof destination !== 'string') return Promise.reject(new InvalidArgumentError('A segmented download needs a file path as its destination'));
    if (rest.mode === 'ascii' || rest.startAt) {
      return Promise.reject(new InvalidArgumentError('A segmented download is binary and resumes by itself: drop mode "ascii" and startAt'));
    }
    return segmentedDownload((fn, signal) => this.#with(signal ? { signal } : {}, fn), remotePath, destination, {
      ...rest,
      segments: Math.min(segments, this.#size),
    });
  }

  /**
   * Download into memory.
   *
   * @example
   * ```ts
   * const text = new TextDecoder().decode(await pool.downloadToBytes('/pub/readme.txt'));
   * ```
   */
  downloadToBytes(remotePath: string, options: TransferOptions = {}): Promise<Uint8Array> {
    return this.#with(options, (c) => c.downloadToBytes(remotePath, options));
  }

  /**
   * Upload on a free session (see {@link Client.upload}).
   *
   * @example
   * ```ts
   * await pool.upload('./report.csv', '/incoming/report.csv');
   * ```
   */
  upload(source: UploadSource, remotePath: string, options: TransferOptions = {}): Promise<TransferResult> {
    return this.#with(options, (c) => c.upload(source, remotePath, options));
  }

  /**
   * Append to a remote file (APPE).
   *
   * @example
   * ```ts
   * await pool.append(new TextEncoder().encode('one more line\n'), '/logs/app.log');
   * ```
   */
  append(source: UploadSource, remotePath: string, options: Omit<TransferOptions, 'startAt'> = {}): Promise<TransferResult> {
    return this.#with(options, (c) => c.append(source, remotePath, options));
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
    return runAll(items, this.#size, options.signal, (item, signal) =>
      this.download(item.from, item.to, { signal, ...modeOf(options), ...feed(meter, options) }),
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
    return runAll(items, this.#size, options.signal, (item, signal) =>
      this.upload(item.from, item.to, { signal, ...modeOf(options), ...feed(meter, options) }),
    );
  }

  /**
   * Download a remote tree: the folders are listed (several at once), then the files are fetched
   * across sessions. Names from the server are checked with {@link safeLocalName} (an unsafe one
   * fails the call with `UnsafePathError`); symbolic links are skipped and reported unless
   * `followSymlinks` is set. Fail-fast like {@link Pool.downloadMany}.
   *
   * @example
   * ```ts
   * const { files, bytes, skipped } = await pool.downloadDir('/pub/site', './site');
   * ```
   */
  async downloadDir(remoteDir: string, localDir: string, options: PoolDirectoryOptions = {}): Promise<DirectoryTransferResult> {
    const result: MutableDirectoryResult = { files: 0, directories: 0, bytes: 0, skipped: [] };
    const files: { from: string; to: string; size: number | undefined }[] = [];
    const walk = async (remote: string, local: string, signal: AbortSignal | undefined): Promise<void> => {
      await mkdirLocal(local, { recursive: true });
      result.directories++;
      const folders: { remote: string; local: string }[] = [];
      for (const entry of await this.list(remote, signal ? { signal } : {})) {
        const name = safeLocalName(entry.name);
        const child = { remote: remoteJoin(remote, name), local: join(local, name) };
        if (entry.type === 'symlink' && !options.followSymlinks) {
          result.skipped.push({ path: child.remote, reason: 'symbolic link (followSymlinks is off)' });
        } else if (entry.type === 'directory') {
          folders.push(child);
        } else if (entry.type === 'file' || entry.type === 'symlink') {
          files.push({ from: child.remote, to: child.local, size: entry.type === 'file' ? entry.size : undefined });
        } else {
          result.skipped.push({ path: child.remote, reason: 'unknown entry type' });
        }
      }
      await runAll(folders, folders.length, signal, (f, s) => walk(f.remote, f.local, s));
    };
    await walk(remoteDir, localDir, options.signal);
    const meter = progressMeter(options.onProgress, sizeOrUndefined(files.map((f) => f.size)));
    await runAll(files, this.#size, options.signal, async (file, signal) => {
      const { bytes } = await this.download(file.from, file.to, { signal, ...feed(meter, options) });
      result.files++;
      result.bytes += bytes;
    });
    result.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return result;
  }

  /**
   * Upload a local tree: the folders are created level by level (several at once), then the files
   * are sent across sessions. Symbolic links are skipped and reported unless `followSymlinks` is
   * set. Fail-fast like {@link Pool.downloadMany}.
   *
   * @example
   * ```ts
   * const { files, directories } = await pool.uploadDir('./site', '/www/site');
   * ```
   */
  async uploadDir(localDir: string, remoteDir: string, options: PoolDirectoryOptions = {}): Promise<DirectoryTransferResult> {
    const result: MutableDirectoryResult = { files: 0, directories: 0, bytes: 0, skipped: [] };
    const levels: string[][] = [];
    const files: { from: string; to: string; size: number }[] = [];
    const walk = async (local: string, remote: string, depth: number): Promise<void> => {
      result.directories++;
      for (const entry of await readdir(local, { withFileTypes: true })) {
        const from = join(local, entry.name);
        const to = remoteJoin(remote, entry.name);
        if (entry.isSymbolicLink() && !options.followSymlinks) {
          result.skipped.push({ path: from, reason: 'symbolic link (followSymlinks is off)' });
          continue;
        }
        const info = entry.isSymbolicLink() || entry.isFile() ? await stat(from) : undefined;
        if (entry.isDirectory() || info?.isDirectory()) {
          (levels[depth] ??= []).push(to);
          await walk(from, to, depth + 1);
        } else if (info?.isFile()) {
          files.push({ from, to, size: info.size });
        } else {
          result.skipped.push({ path: from, reason: 'not a regular file or directory' });
        }
      }
    };
    await walk(localDir, remoteDir, 0);
    await this.mkdir(remoteDir, { recursive: true, ...signalOf(options) });
    for (const level of levels) {
      await runAll(level, this.#size, options.signal, (dir, signal) => this.#mkdirOne(dir, signal));
    }
    const meter = progressMeter(options.onProgress, sizeOrUndefined(files.map((f) => f.size)));
    await runAll(files, this.#size, options.signal, async (file, signal) => {
      const { bytes } = await this.upload(file.from, file.to, { signal, ...feed(meter, options) });
      result.files++;
      result.bytes += bytes;
    });
    return result;
  }

  /**
   * Lease one session for a sequence of your own (raw commands, `site`, a `cd` you need). Afterwards
   * the pool checks the working directory and moves back to the login directory if it changed, or
   * drops the session if it cannot; do not send USER, PASS, ACCT, REIN or PROT through it.
   *
   * @example
   * ```ts
   * const reply = await pool.use((client) => client.site('CHMOD 644 /incoming/a.txt'));
   * ```
   */
  use<T>(fn: (client: Client) => Promise<T>, options: CallOptions = {}): Promise<T> {
    return this.#with(options, async (client) => {
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
    this.#closed = true;
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter.fail(closedError());
    this.#idle.length = 0;
    await Promise.all([...this.#all].map((c) => c.close()));
  }

  /** `await using pool = new Pool(...)` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- leasing ---------------------------------------------------------------------------------

  async #with<T>(options: CallOptions, fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.#acquire(options.signal);
    let result: T;
    try {
      result = await fn(client);
    } catch (err) {
      this.#release(client, err);
      throw err;
    }
    this.#release(client, undefined);
    return result;
  }

  async #acquire(signal: AbortSignal | undefined): Promise<Client> {
    for (;;) {
      if (this.#closed) throw closedError();
      if (signal?.aborted) throw abortError(signal);
      const idle = this.#idle.pop();
      if (idle) {
        if (!idle.closed) return idle;
        this.#drop(idle);
        continue;
      }
      if (this.#all.size + this.#connecting < this.#size) return this.#connect(signal);
      const handed = await this.#wait(signal);
      if (handed) return handed;
      // A slot was freed for us: loop and connect (or take an idle session that appeared).
    }
  }

  async #connect(signal: AbortSignal | undefined): Promise<Client> {
    this.#connecting++;
    let client: Client;
    try {
      client = await Client.connect(this.#options, signal ? { signal } : {});
    } catch (err) {
      this.#connecting--;
      this.#slotFreed();
      throw err;
    }
    this.#connecting--;
    this.#all.add(client);
    if (this.#closed) {
      this.#drop(client);
      throw closedError();
    }
    return client;
  }

  #wait(signal: AbortSignal | undefined): Promise<Client | undefined> {
    return new Promise<Client | undefined>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.#waiters.indexOf(waiter);
        if (at !== -1) this.#waiters.splice(at, 1);
        reject(abortError(signal));
      };
      const waiter: Waiter = {
        take: (client) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(client);
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #release(client: Client, error: unknown): void {
    if (!this.#all.has(client)) return; // dropped already (Pool.use could not restore it)
    if (this.#closed || client.closed || isConnectionLevel(error)) {
      this.#drop(client);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.take(client);
    else this.#idle.push(client);
  }

  #drop(client: Client): void {
    if (!this.#all.delete(client)) return;
    client.close().catch(() => {});
    this.#slotFreed();
  }

  #slotFreed(): void {
    if (!this.#closed) this.#waiters.shift()?.take(undefined);
  }

  // --- helpers of the compound calls -----------------------------------------------------------

  /** MKD one folder whose parent exists; if that fails, `mkdir -p` tells an existing folder from an error. */
  async #mkdirOne(path: string, signal: AbortSignal): Promise<void> {
    try {
      await this.mkdir(path, { signal });
    } catch (err) {
      if (!(err instanceof FtpReplyError)) throw err;
      await this.mkdir(path, { signal, recursive: true });
    }
  }

  async #restoreHome(client: Client, home: string): Promise<void> {
    if (client.closed) return;
    try {
      if ((await client.pwd()) !== home) await client.cd(home);
    } catch {
      // Cannot tell or fix where the session is: it must not serve another call.
      this.#drop(client);
    }
  }
}

/** Per-item progress turned into increments of the aggregate meter. */
function feed(meter: ReturnType<typeof progressMeter>, options: { readonly onProgress?: unknown }): Pick<TransferOptions, 'onProgress'> {
  if (!options.onProgress) return {};
  let seen = 0;
  return {
    onProgress: (p) => {
      meter.add(p.bytes - seen);
      seen = p.bytes;
    },
  };
}

function closedError(): ConnectionError {
  return new ConnectionError('The pool is closed');
}

/** Failures after which a session is not worth keeping, even if it has not noticed yet. */
function isConnectionLevel(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof TimeoutError || error instanceof TlsError;
}

function signalOf(options: CallOptions): CallOptions {
  return options.signal ? { signal: options.signal } : {};
}

function modeOf(options: ManyOptions): Pick<TransferOptions, 'mode'> {
  return options.mode ? { mode: options.mode } : {};
}

/** The sum, when every size is known. */
function sizeOrUndefined(sizes: readonly (number | undefined)[]): number | undefined {
  let total = 0;
  for (const size of sizes) {
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}

/** Bytes an upload of these sources moves, when all are files or byte arrays. */
async function totalOf(sources: readonly UploadSource[]): Promise<number | undefined> {
  const sizes = await Promise.all(
    sources.map(async (s) => (typeof s === 'string' ? (await stat(s).catch(() => undefined))?.size : s instanceof Uint8Array ? s.length : undefined)),
  );
  return sizeOrUndefined(sizes);
}

