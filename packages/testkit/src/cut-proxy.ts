/**
 * A TCP proxy in front of a real FTP server that can kill a data connection mid-transfer, the way a
 * dropped network or a crashed middlebox does, for resume tests.
 *
 * Theory of operation: the proxy mirrors a server listening on 127.0.0.1 onto another loopback
 * address (127.0.0.2 by default) with the same port numbers: the control port and every port of the
 * server's passive range. A client connects to the mirror address and, since it opens passive data
 * connections to the control host (EPSV carries only a port; ftpkit ignores the host of PASV), its
 * data connections go through the proxy too, with no reply rewritten. That is what makes it work
 * under explicit TLS, where the proxy cannot read the control connection. Bytes are forwarded with
 * back-pressure and half-closes are passed on, so an uncut session is byte-for-byte the server's.
 *
 * `cutNextData(n)` arms a cut: once `n` bytes (both directions counted; TLS records included) have
 * passed on the next data connection, both of its sides are reset (RST). The client sees a reset or a
 * short stream, the server a failed read or write, as on a real network. With `{ all: true }` every
 * connection through the proxy, control connections included, is reset at that moment: a dropped
 * network rather than a dropped transfer; `skip` lets that many data connections pass first (a cut
 * in the middle of a tree transfer). `dropAll()` resets everything now. `dataBytes()` counts what the
 * data connections carried, for tests that must show nothing was sent twice.
 *
 * `dropAtRandom({ seed, intervalMs })` is a bad network left running, for soak runs: at intervals
 * drawn from the seed it resets one data connection (`dataShare` of the drops), every connection
 * (`allShare`), or else one control connection, until stopped. `drops()` counts every reset the
 * proxy made, by kind. Linux only: other loopback addresses than 127.0.0.1 exist there without
 * configuration.
 *
 * @example
 * ```ts
 * await using server = await startServer('vsftpd');
 * await using proxy = await startCutProxy({ target: server });
 * const cut = proxy.cutNextData(100_000);
 * const client = await Client.connect({ host: proxy.host, port: proxy.port, user: server.user, password: server.password });
 * await client.downloadToBytes('/big.bin').catch(() => {}); // fails: the data connection was reset
 * console.log(await cut); // { bytes: 100000 }
 * ```
 *
 * @module
 */
import { connect, type Socket } from 'node:net';
import { PortMirror, type MirrorTarget } from './port-mirror.js';
import { seededRandom } from './random.js';
import { reset } from '@ftpkit/test-server';

/** What {@link startCutProxy} forwards to: a server on 127.0.0.1 (a `RunningServer` fits). */
export type CutProxyTarget = MirrorTarget;

/** Options of {@link startCutProxy}. */
export interface CutProxyOptions {
  readonly target: CutProxyTarget;
  /** The loopback address to mirror the server on. Default `127.0.0.2`. */
  readonly host?: string;
}

/** A cut that happened: how many bytes the data connection had carried when it was reset. */
export interface CutReport {
  readonly bytes: number;
}

/** A running proxy. Close it with {@link CutProxy.close} or `await using`. */
export interface CutProxy extends AsyncDisposable {
  /** Where clients connect (the mirror address). */
  readonly host: string;
  /** The control port, the same as the server's. */
  readonly port: number;
  /**
   * Reset both sides of the next data connection once `bytes` bytes have passed through it. Resolves
   * when the cut happens; rejects if the connection ends first (the transfer was shorter), or when the
   * cut is disarmed by another `cutNextData` or by `close()`.
   */
  cutNextData(bytes: number, options?: CutOptions): Promise<CutReport>;
  /** Reset every connection through the proxy now, control connections included (a dropped network). */
  dropAll(): void;
  /** Data connections proxied so far. */
  dataConnections(): number;
  /** Bytes the data connections carried so far, both directions (TLS records included). */
  dataBytes(): number;
  /**
   * Start dropping connections at random (see {@link RandomDropOptions}) until the returned handle
   * is stopped or the proxy closes. One schedule at a time: a new one stops the one before.
   */
  dropAtRandom(options: RandomDropOptions): RandomDrops;
  /** Every reset the proxy made so far, by kind: cuts, `dropAll()` and random drops together. */
  drops(): DropCounts;
  /** Close every listener and reset every proxied connection. Idempotent. */
  close(): Promise<void>;
}

/** How a cut of {@link CutProxy.cutNextData} falls. */
export interface CutOptions {
  /** Reset every connection through the proxy, control ones included, not only the data connection. Default false. */
  readonly all?: boolean;
  /** Data connections to let pass before the one cut. Default 0. */
  readonly skip?: number;
}

/**
 * How {@link CutProxy.dropAtRandom} drops. The schedule (when, and which kind) is drawn from `seed`
 * alone, so a seed replays it; what each drop hits depends on what is open at that moment.
 */
export interface RandomDropOptions {
  readonly seed: number;
  /** The mean time between drops: each wait is drawn uniformly from half to one and a half of it. */
  readonly intervalMs: number;
  /**
   * The share of drops that reset one data connection. One open then (carrying data both ways still)
   * is picked at random; with none open, the next one is reset after a random number of bytes below
   * `dataCutBytes`, and one that ends before keeps the drop owed. One drop is owed at most: a data
   * drop that finds one owed already is missed, so that drops never pile up faster than data
   * connections come (every connection would be cut, and a transfer that starts over never ends).
   * Default 0.7.
   */
  readonly dataShare?: number;
  /** The share of drops that reset every connection, control connections included. Default 0.3. */
  readonly allShare?: number;
  /** The bound of the byte count a deferred data drop cuts at. Default 64 KiB. */
  readonly dataCutBytes?: number;
}

/** The drops of one {@link CutProxy.dropAtRandom} schedule so far. */
export interface RandomDropReport {
  /** One data connection reset (at once, or deferred to the next one). */
  readonly data: number;
  /** Every connection reset. */
  readonly all: number;
  /** One control connection reset. */
  readonly control: number;
  /** Drops that found nothing to reset: a control drop with no control connection open, a data drop with one owed already. */
  readonly missed: number;
  /** A data drop drawn with no data connection open, still waiting for one: 0 or 1. */
  readonly owed: number;
  /** What the schedule drew, in order: the kind, and when it was due (ms from the start). */
  readonly schedule: readonly { readonly kind: 'data' | 'all' | 'control'; readonly at: number }[];
}

/** A running random-drop schedule. `stop()` (or `using`) ends it; idempotent. */
export interface RandomDrops extends Disposable {
  stop(): void;
  report(): RandomDropReport;
}

/** Resets a proxy made, by kind. */
export interface DropCounts {
  /** One data connection (`cutNextData` without `all`, random data drops). */
  readonly data: number;
  /** One control connection (random control drops). */
  readonly control: number;
  /** Everything at once (`dropAll()`, a cut with `all`, random `all` drops). */
  readonly all: number;
}

/** One proxied connection: both its sockets, and whether it is a data connection. */
interface Pair {
  readonly data: boolean;
  /** Neither side has ended: bytes may still flow both ways. */
  live: boolean;
  resetBoth(): void;
  /** Cut this connection once it has carried `after` bytes (a deferred random data drop). */
  cutAt(after: number, done: (cut: boolean) => void): void;
}

interface ArmedCut {
  readonly after: number;
  readonly all: boolean;
  /** Data connections still to let pass. */
  skip: number;
  readonly resolve: (report: CutReport) => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_DATA_SHARE = 0.7;
const DEFAULT_ALL_SHARE = 0.3;
const DEFAULT_DATA_CUT_BYTES = 64 * 1024;

/** Start a proxy mirroring `target` (on 127.0.0.1) onto `host` (default 127.0.0.2). */
export async function startCutProxy(options: CutProxyOptions): Promise<CutProxy> {
  const { target } = options;
  const host = options.host ?? '127.0.0.2';
  const mirror = new PortMirror();
  const track = (socket: Socket): void => mirror.track(socket);
  let armed: ArmedCut | undefined;
  let dataCount = 0;
  let dataBytes = 0;
  const open = new Set<Socket>();
  const pairs = new Set<Pair>();
  const counts = { data: 0, control: 0, all: 0 };
  /** Deferred random data drops: each takes the next data connection that opens. */
  const owedCuts: ((pair: Pair) => void)[] = [];
  let stopRandom: (() => void) | undefined;

  const accept = (port: number, data: boolean) => (client: Socket): void => {
    track(client);
    const upstream = connect({ host: target.host, port, allowHalfOpen: true });
    track(upstream);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    let cut: ArmedCut | undefined;
    if (data) {
      dataCount++;
      if (armed && armed.skip > 0) armed.skip--;
      else {
        cut = armed;
        armed = undefined;
      }
    }
    let moved = 0;
    /** The cut has begun: nothing but the reset may follow (no FIN that would read as a clean end). */
    let cutting = false;
    const resetBoth = (): void => {
      for (const s of [client, upstream]) reset(s);
    };
    const resetCut = (): void => {
      resetBoth();
      if (cut?.all) dropAll();
      else counts.data++;
    };
    const pair: Pair = {
      data,
      live: true,
      resetBoth,
      cutAt: (after, done) => {
        if (cut) return done(false);
        let told = false;
        const tell = (happened: boolean): void => {
          if (!told) done(happened);
          told = true;
        };
        cut = { after: moved + after, all: false, skip: 0, resolve: () => tell(true), reject: () => tell(false) };
      },
    };
    pairs.add(pair);
    client.on('close', () => {
      pair.live = false;
      pairs.delete(pair);
    });
    if (data) owedCuts.shift()?.(pair);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (cut && moved >= cut.after) return; // cut already: the reset is on its way
        if (cut && moved + chunk.length >= cut.after) {
          const falling = cut;
          const part = chunk.subarray(0, falling.after - moved);
          moved = falling.after;
          cutting = true;
          from.pause();
          // Let the part reach the kernel first, so the peer can receive it before the reset.
          dataBytes += part.length;
          to.write(part, () => {
            resetCut();
            falling.resolve({ bytes: moved });
          });
          return;
        }
        moved += chunk.length;
        if (data) dataBytes += chunk.length;
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => from.resume());
      from.on('end', () => {
        pair.live = false;
        if (!cutting) to.end();
      });
      // A reset on one side is passed on as a reset, not as a clean end.
      from.on('error', () => resetBoth());
      from.on('close', () => {
        if (!cutting && !to.destroyed && !to.writableEnded) to.destroy();
        cut?.reject(new Error(`data connection closed after ${moved} bytes, before the cut at ${cut.after}`));
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  };

  const dropAll = (): void => {
    counts.all++;
    for (const s of open) reset(s);
  };

  const dropAtRandom = (options: RandomDropOptions): RandomDrops => {
    stopRandom?.();
    const dataShare = options.dataShare ?? DEFAULT_DATA_SHARE;
    const allShare = options.allShare ?? DEFAULT_ALL_SHARE;
    const cutBytes = options.dataCutBytes ?? DEFAULT_DATA_CUT_BYTES;
    if (!(options.intervalMs > 0) || dataShare < 0 || allShare < 0 || dataShare + allShare > 1 + 1e-9 || !(cutBytes >= 1)) {
      throw new Error('dropAtRandom: intervalMs above 0, shares from 0 that add up to at most 1, dataCutBytes from 1');
    }
    // The schedule draws from its own generator and the victims from another, so that what happens
    // to be open (timing) never shifts the schedule a seed replays.
    const schedule = seededRandom(options.seed);
    const victims = seededRandom(options.seed ^ 0x5bd1e995);
    const report = { data: 0, all: 0, control: 0, missed: 0, schedule: [] as { kind: 'data' | 'all' | 'control'; at: number }[] };
    let stopped = false;
    const mine: ((pair: Pair) => void)[] = [];
    const pick = <T>(items: T[]): T | undefined => items[Math.floor(victims() * items.length)];
    /** A deferred data drop: the next data connection, after a random count of bytes; owed again if it ends first. */
    const owe = (): void => {
      const take = (pair: Pair): void => {
        const at = mine.indexOf(take);
        if (at < 0 || stopped) return;
        mine.splice(at, 1);
        pair.cutAt(1 + Math.floor(victims() * cutBytes), (cut) => {
          if (stopped) return;
          if (cut) report.data++;
          else if (mine.length === 0) owe();
          else report.missed++;
        });
      };
      mine.push(take);
      owedCuts.push(take);
    };
    const drop = (kind: 'data' | 'all' | 'control'): void => {
      if (kind === 'all') {
        report.all++;
        dropAll();
        return;
      }
      const live = [...pairs].filter((p) => p.data === (kind === 'data') && p.live);
      const victim = pick(live);
      if (victim === undefined) {
        if (kind === 'data' && mine.length === 0) owe();
        else report.missed++;
        return;
      }
      report[kind]++;
      counts[kind]++;
      victim.resetBoth();
    };
    const started = performance.now();
    let due = 0;
    let timer: ReturnType<typeof setTimeout>;
    const next = (): void => {
      due += options.intervalMs * (0.5 + schedule());
      const r = schedule();
      const kind = r < dataShare ? 'data' : r < dataShare + allShare ? 'all' : 'control';
      timer = setTimeout(() => {
        report.schedule.push({ kind, at: Math.round(due) });
        drop(kind);
        next();
      }, Math.max(0, started + due - performance.now()));
    };
    next();
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      for (const take of mine.splice(0)) owedCuts.splice(owedCuts.indexOf(take), 1);
      if (stopRandom === stop) stopRandom = undefined;
    };
    stopRandom = stop;
    return {
      stop,
      report: () => ({ ...report, owed: mine.length, schedule: [...report.schedule] }),
      [Symbol.dispose]: stop,
    };
  };

  const close = (): Promise<void> => {
    stopRandom?.();
    armed?.reject(new Error('cut proxy closed'));
    armed = undefined;
    return mirror.close();
  };

  await mirror.listen('startCutProxy', host, target, accept);

  return {
    host,
    port: target.port,
    cutNextData: (bytes, options = {}) => {
      armed?.reject(new Error('cut disarmed by a newer cutNextData'));
      const cut = new Promise<CutReport>(
        (resolve, reject) => (armed = { after: Math.max(1, bytes), all: options.all ?? false, skip: options.skip ?? 0, resolve, reject }),
      );
      cut.catch(() => {}); // a caller that does not wait for the cut must not see an unhandled rejection
      return cut;
    },
    dropAll,
    dataConnections: () => dataCount,
    dataBytes: () => dataBytes,
    dropAtRandom,
    drops: () => ({ ...counts }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
