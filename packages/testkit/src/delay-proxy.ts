/**
 * A TCP proxy in front of a real FTP server that adds latency, for benchmarks over a "slow" link on
 * a machine without netem (`tc qdisc … netem delay` needs root and a kernel module that containers
 * and firecracker VMs usually lack).
 *
 * Theory of operation: like {@link startCutProxy}, the proxy mirrors a server on 127.0.0.1 onto
 * another loopback address (127.0.0.2 by default) with the same port numbers: the control port and
 * every port of the server's passive range. Clients open passive data connections to the control
 * host (EPSV carries only a port; ftpkit ignores the host of PASV by default, and basic-ftp and curl
 * use EPSV with vsftpd), so data goes through the proxy too, with no reply rewritten, and explicit TLS
 * works end to end.
 *
 * Each direction of each connection is a timed queue: a chunk read at time t is written on at
 * t + `delayMs`, in order, and end-of-stream (FIN) is queued like data, so it never overtakes bytes.
 * `delayMs` is one-way: 10 ms each way is a 20 ms round trip. Back-pressure is kept: the reading side
 * is paused while more than `bufferBytes` are queued or the writing side is not draining.
 * `bufferBytes` plays the part of the TCP window on a real link (throughput ≤ bufferBytes / delay):
 * the default 4 MiB is close to Linux's default `tcp_rmem` maximum (6 MiB), so one stream over
 * 20 ms RTT tops out near 400 MB/s, as it would on a fast real link.
 *
 * What a proxy cannot model: the client's own TCP handshake completes at once (the kernel answers
 * the SYN). The proxy charges that round trip to the server side instead, by dialling the server one
 * full round trip (2 × `delayMs`) after accepting. So the server sees each connection when it would
 * on a real link, while a client that waits for its connect before sending the transfer command may
 * gain up to one round trip per data connection against a real link. Every client gets the same.
 * There is no loss, jitter or bandwidth cap.
 *
 * Only loopback addresses (127.0.0.0/8, ::1) are accepted, for both sides: this is a test tool, not a
 * relay. Linux only for 127.0.0.2 (other loopback addresses exist there without configuration).
 *
 * @example
 * ```ts
 * await using server = await startServer('vsftpd', { tls: false });
 * await using proxy = await startDelayProxy({ target: server, delayMs: 10 }); // 20 ms RTT
 * const client = await Client.connect({ host: proxy.host, port: proxy.port, user: server.user, password: server.password });
 * ```
 *
 * @module
 */
import { connect, type Socket } from 'node:net';
import { checkLoopback, PortMirror, type MirrorTarget } from './port-mirror.js';
import { reset } from '@ftpkit/test-server';

/** What {@link startDelayProxy} forwards to: a server on loopback (a `RunningServer` fits). */
export type DelayProxyTarget = MirrorTarget;

/** Options of {@link startDelayProxy}. */
export interface DelayProxyOptions {
  readonly target: DelayProxyTarget;
  /** The loopback address to mirror the server on. Default `127.0.0.2`. */
  readonly host?: string;
  /** Added one-way delay in each direction, in milliseconds. Default 10 (20 ms round trip). */
  readonly delayMs?: number;
  /** Most bytes queued per direction per connection before the sender is paused. Default 4 MiB. */
  readonly bufferBytes?: number;
}

/** A running delay proxy. Close it with {@link DelayProxy.close} or `await using`. */
export interface DelayProxy extends AsyncDisposable {
  /** Where clients connect (the mirror address). */
  readonly host: string;
  /** The control port, the same as the server's. */
  readonly port: number;
  /** The one-way delay in milliseconds. */
  readonly delayMs: number;
  /** Connections proxied so far (control and data). */
  connections(): number;
  /** Close every listener and reset every proxied connection. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_DELAY_MS = 10;
const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Forward `from` to `to`, each chunk `delayMs` late, in order, FIN included. `fail` tears the whole
 * connection down (both sockets) on an error of either side.
 */
function delayedPipe(from: Socket, to: Socket, delayMs: number, bufferBytes: number, fail: () => void): void {
  /** `null` is the end of the stream. */
  const queue: { chunk: Buffer | null; due: number }[] = [];
  let queued = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let blocked = false; // `to` asked us to wait for 'drain'
  let pausedByUs = false;

  const schedule = (): void => {
    if (timer || blocked || queue.length === 0 || to.destroyed) return;
    const head = queue[0] as { due: number };
    timer = setTimeout(flush, Math.max(0, head.due - performance.now()));
  };
  const flush = (): void => {
    timer = undefined;
    const now = performance.now();
    while (!blocked && queue.length > 0 && (queue[0] as { due: number }).due <= now) {
      const { chunk } = queue.shift() as { chunk: Buffer | null };
      if (to.destroyed) return;
      if (chunk === null) {
        to.end();
        return;
      }
      queued -= chunk.length;
      if (!to.write(chunk)) {
        blocked = true;
        to.once('drain', () => {
          blocked = false;
          flush();
        });
      }
    }
    if (pausedByUs && !blocked && queued < bufferBytes) {
      pausedByUs = false;
      from.resume();
    }
    schedule();
  };

  from.on('data', (chunk: Buffer) => {
    queue.push({ chunk, due: performance.now() + delayMs });
    queued += chunk.length;
    if (queued >= bufferBytes && !pausedByUs) {
      pausedByUs = true;
      from.pause();
    }
    schedule();
  });
  from.on('end', () => {
    queue.push({ chunk: null, due: performance.now() + delayMs });
    schedule();
  });
  // A reset on one side is passed on as a reset, not as a clean end.
  from.on('error', fail);
  to.on('close', () => clearTimeout(timer));
}

/**
 * Start a proxy mirroring `target` onto `host` (default 127.0.0.2) with `delayMs` added each way.
 * Rejects when a port cannot be bound (another proxy on the same address and ports, for instance).
 */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const { target } = options;
  const host = options.host ?? '127.0.0.2';
  const delayMs = options.delayMs ?? DEFAULT_DELAY_MS;
  const bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
  checkLoopback('startDelayProxy', host, target.host);
  if (!(delayMs >= 0) || !(bufferBytes > 0)) throw new Error(`startDelayProxy: bad delayMs ${delayMs} or bufferBytes ${bufferBytes}`);
  const mirror = new PortMirror();
  const track = (socket: Socket): void => mirror.track(socket);
  let count = 0;

  const accept = (port: number) => (client: Socket): void => {
    count++;
    track(client);
    client.setNoDelay(true);
    // Buffer what the client sends until the upstream exists: the delayed pipe reads from `client` at once.
    client.pause();
    const timer = setTimeout(() => {
      if (client.destroyed) return;
      const upstream = connect({ host: target.host, port, allowHalfOpen: true, noDelay: true });
      track(upstream);
      const fail = (): void => {
        for (const s of [client, upstream]) reset(s);
      };
      delayedPipe(client, upstream, delayMs, bufferBytes, fail);
      delayedPipe(upstream, client, delayMs, bufferBytes, fail);
      client.resume();
      // A clean close needs nothing: each FIN travels through its queue and Node destroys a socket
      // once both of its halves are done. Closing with an error tears the other side down at once.
      upstream.on('close', (hadError) => hadError && fail());
      client.on('close', (hadError) => hadError && fail());
    }, 2 * delayMs);
    client.on('error', () => clearTimeout(timer));
    client.on('close', () => clearTimeout(timer));
  };

  await mirror.listen('startDelayProxy', host, target, (port) => accept(port));
  const close = (): Promise<void> => mirror.close();

  return { host, port: target.port, delayMs, connections: () => count, close, [Symbol.asyncDispose]: close };
}
