/**
 * A TCP proxy in front of a real FTP server that forgets idle connections, the way a NAT gateway or
 * a stateful firewall does, for keep-alive tests.
 *
 * Theory of operation: like {@link startCutProxy}, the proxy mirrors a server listening on 127.0.0.1
 * onto another loopback address (127.0.0.2 by default) with the same port numbers, the control port
 * and every port of the server's passive range, so that the client's control connection and its
 * passive data connections all pass through it with no reply rewritten (explicit TLS works end to
 * end). Each proxied connection has its own idle timer, restarted by every chunk in either direction.
 * When a connection has been silent both ways for `idleMs`, the proxy forgets it: with `'reset'` (the
 * default) both sides get a TCP RST, as when a NAT that has dropped its entry answers the next
 * packet; with `'silent'` the proxy stops forwarding and leaves both sides hanging, as when it drops
 * packets instead, until `close()`. A long transfer whose control connection says nothing thus loses
 * its control connection while its data connection, busy, lives on.
 *
 * Only loopback addresses (127.0.0.0/8, ::1) are accepted, for both sides. Linux only for 127.0.0.2
 * (other loopback addresses exist there without configuration).
 *
 * @example
 * ```ts
 * await using server = await startServer('vsftpd');
 * await using proxy = await startIdleProxy({ target: server, idleMs: 1000 });
 * const client = await Client.connect({ host: proxy.host, port: proxy.port, user: server.user, password: server.password });
 * // a transfer longer than a second whose control connection stays silent loses it
 * console.log(proxy.forgotten()); // [{ connection: 'control', port: 2121 }]
 * ```
 *
 * @module
 */
import { connect, type Socket } from 'node:net';
import { checkLoopback, PortMirror, type MirrorTarget } from './port-mirror.js';
import { reset } from '@ftpkit/test-server';

/** What {@link startIdleProxy} forwards to: a server on loopback (a `RunningServer` fits). */
export type IdleProxyTarget = MirrorTarget;

/** Options of {@link startIdleProxy}. */
export interface IdleProxyOptions {
  readonly target: IdleProxyTarget;
  /** The loopback address to mirror the server on. Default `127.0.0.2`. */
  readonly host?: string;
  /** How long a connection may be silent in both directions before it is forgotten, in milliseconds. */
  readonly idleMs: number;
  /** How a forgotten connection ends: `'reset'` (RST both sides, the default) or `'silent'` (nothing passes any more). */
  readonly forget?: 'reset' | 'silent';
}

/** A connection the proxy forgot for being idle. */
export interface Forgotten {
  /** The control connection, or a data connection (one of the passive ports). */
  readonly connection: 'control' | 'data';
  /** The port it was proxied on. */
  readonly port: number;
}

/** A running idle proxy. Close it with {@link IdleProxy.close} or `await using`. */
export interface IdleProxy extends AsyncDisposable {
  /** Where clients connect (the mirror address). */
  readonly host: string;
  /** The control port, the same as the server's. */
  readonly port: number;
  /** The idle limit, in milliseconds. */
  readonly idleMs: number;
  /** The connections forgotten so far, in order. */
  forgotten(): readonly Forgotten[];
  /** Connections proxied so far (control and data). */
  connections(): number;
  /** Close every listener and reset every proxied connection. Idempotent. */
  close(): Promise<void>;
}

/** Start a proxy mirroring `target` onto `host` (default 127.0.0.2) that forgets connections idle for `idleMs`. */
export async function startIdleProxy(options: IdleProxyOptions): Promise<IdleProxy> {
  const { target, idleMs } = options;
  const host = options.host ?? '127.0.0.2';
  const forget = options.forget ?? 'reset';
  checkLoopback('startIdleProxy', host, target.host);
  if (!(idleMs > 0)) throw new Error(`startIdleProxy: idleMs must be positive, not ${idleMs}`);
  const mirror = new PortMirror();
  const forgotten: Forgotten[] = [];
  let count = 0;

  const accept = (port: number, data: boolean) => (client: Socket): void => {
    count++;
    mirror.track(client);
    const upstream = connect({ host: target.host, port, allowHalfOpen: true, noDelay: true });
    mirror.track(upstream);
    client.setNoDelay(true);
    let gone = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const teardown = (): void => {
      clearTimeout(timer);
      for (const s of [client, upstream]) reset(s);
    };
    const idle = (): void => {
      gone = true;
      forgotten.push({ connection: data ? 'data' : 'control', port });
      if (forget === 'reset') teardown();
      else for (const s of [client, upstream]) s.pause();
    };
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(idle, idleMs);
    };
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (gone) return;
        touch();
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => {
        if (!gone) from.resume();
      });
      from.on('end', () => {
        if (!gone) to.end();
      });
      // A reset on one side is passed on as a reset, not as a clean end.
      from.on('error', teardown);
      from.on('close', () => {
        clearTimeout(timer);
        if (!gone && !to.destroyed && !to.writableEnded) to.destroy();
      });
    };
    touch();
    forward(client, upstream);
    forward(upstream, client);
  };

  await mirror.listen('startIdleProxy', host, target, accept);
  const close = (): Promise<void> => mirror.close();

  return {
    host,
    port: target.port,
    idleMs,
    forgotten: () => [...forgotten],
    connections: () => count,
    close,
    [Symbol.asyncDispose]: close,
  };
}
