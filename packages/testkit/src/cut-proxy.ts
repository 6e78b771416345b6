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
 * data connections carried, for tests that must show nothing was sent twice. Linux only: other
 * loopback addresses than 127.0.0.1 exist there without configuration.
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

interface ArmedCut {
  readonly after: number;
  readonly all: boolean;
  /** Data connections still to let pass. */
  skip: number;
  readonly resolve: (report: CutReport) => void;
  readonly reject: (error: Error) => void;
}

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
      for (const s of [client, upstream]) if (!s.destroyed) s.resetAndDestroy();
    };
    const resetCut = (): void => {
      resetBoth();
      if (cut?.all) dropAll();
    };
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (cut && moved >= cut.after) return; // cut already: the reset is on its way
        if (cut && moved + chunk.length >= cut.after) {
          const part = chunk.subarray(0, cut.after - moved);
          moved = cut.after;
          cutting = true;
          from.pause();
          // Let the part reach the kernel first, so the peer can receive it before the reset.
          dataBytes += part.length;
          to.write(part, () => {
            resetCut();
            cut.resolve({ bytes: moved });
          });
          return;
        }
        moved += chunk.length;
        if (data) dataBytes += chunk.length;
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => from.resume());
      from.on('end', () => {
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
    for (const s of open) if (!s.destroyed) s.resetAndDestroy();
  };

  const close = (): Promise<void> => {
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
    close,
    [Symbol.asyncDispose]: close,
  };
}
