/**
 * A NAT between a client and a real FTP server, on loopback, for active-mode tests: the server sees
 * the client at a public address that the client does not have, and reaches the client's
 * active-mode listener only through the NAT's port forwarding.
 *
 * Theory of operation: three loopback addresses play three parts.
 * - `host` (127.0.0.4 by default) is the server as the client sees it: the proxy mirrors the
 *   server's control port and passive range there (as the cut and delay proxies do), and dials the
 *   server **from** `publicHost`, so every connection the server sees comes from the client's
 *   public address (source NAT). A client that sends `PORT` with its own address would name an
 *   address that is not the one the server sees; vsftpd, ProFTPD, Pure-FTPd and pyftpdlib refuse
 *   that by default (FTP bounce protection).
 * - `publicHost` (127.0.0.3 by default) is the client's public address. The proxy listens there on
 *   `activePorts` (a few ports of a reserved block) and forwards each connection to the same port
 *   on `inside`, dialled **from** `host`, so the client sees it come from the server's address, as
 *   behind a real NAT (destination NAT, port forwarding).
 * - `inside` is where the client listens: its own address, which nothing outside the NAT can reach.
 *
 * So an active-mode transfer completes only if the client advertises `publicHost` with a port of
 * `activePorts` and listens on `inside` on the same port. Nothing is rewritten, so explicit TLS works
 * end to end, and CCC is not needed on loopback (a real NAT that rewrites PORT would need it).
 *
 * Only loopback addresses (127.0.0.0/8) are accepted. Linux only (other loopback addresses than
 * 127.0.0.1 exist there without configuration).
 *
 * @example
 * ```ts
 * await using server = await startServer('vsftpd');
 * await using nat = await startNatProxy({ target: server, inside: '127.0.0.2' });
 * const client = await Client.connect({
 *   host: nat.host, port: nat.port, user: server.user, password: server.password,
 *   mode: 'active', localAddress: '127.0.0.2', activeAddress: nat.publicHost, activePorts: nat.activePorts,
 * });
 * ```
 *
 * @module
 */
import { connect, type Socket } from 'node:net';
import { checkLoopback, PortMirror, splice, type MirrorTarget } from './port-mirror.js';
import { reservePorts } from './ports.js';

/** Options of {@link startNatProxy}. */
export interface NatProxyOptions {
  /** The server (a `RunningServer` fits). */
  readonly target: MirrorTarget;
  /** The client's own address, where it listens in active mode. */
  readonly inside: string;
  /** The server's address as the client sees it. Default `127.0.0.4`. */
  readonly host?: string;
  /** The client's address as the server sees it. Default `127.0.0.3`. */
  readonly publicHost?: string;
  /** How many ports the NAT forwards from `publicHost` to `inside`. Default 5. */
  readonly forwardedPorts?: number;
}

/** A running NAT. Close it with {@link NatProxy.close} or `await using`. */
export interface NatProxy extends AsyncDisposable {
  /** Where clients connect: the server's mirror. */
  readonly host: string;
  /** The control port, the same as the server's. */
  readonly port: number;
  /** The client's public address, for `activeAddress`. */
  readonly publicHost: string;
  /** The forwarded ports, for `activePorts`. */
  readonly activePorts: { readonly min: number; readonly max: number };
  /** Connections the server made to the client that the NAT forwarded. */
  forwarded(): number;
  /** Connections the client made to the server through the NAT. */
  outbound(): number;
  /** Close every listener, reset every connection and give the ports back. Idempotent. */
  close(): Promise<void>;
}

/** Start a NAT in front of `target` for a client at `inside` (see the module notes). */
export async function startNatProxy(options: NatProxyOptions): Promise<NatProxy> {
  const { target, inside } = options;
  const host = options.host ?? '127.0.0.4';
  const publicHost = options.publicHost ?? '127.0.0.3';
  const count = options.forwardedPorts ?? 5;
  for (const address of [host, publicHost, inside]) checkLoopback('startNatProxy', address, target.host);
  if (target.host.includes(':')) throw new Error('startNatProxy: IPv4 loopback only');
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error(`startNatProxy: forwardedPorts must be 1 to 100, not ${count}`);
  const block = await reservePorts(publicHost);
  const activePorts = Object.freeze({ min: block.control, max: block.control + count - 1 });
  const mirror = new PortMirror();
  let forwarded = 0;
  let outbound = 0;

  /** Connect `from` (accepted) to `to` at `port`, dialling from `via`. */
  const bridge = (from: Socket, to: string, port: number, via: string): void => {
    mirror.track(from);
    const upstream = connect({ host: to, port, localAddress: via, allowHalfOpen: true });
    mirror.track(upstream);
    splice(from, upstream);
  };

  try {
    // Out: the client's connections, to the server, from the public address.
    await mirror.listen('startNatProxy', host, target, (port) => (socket) => {
      outbound++;
      bridge(socket, target.host, port, publicHost);
    });
    // In: the server's connections to the public address, forwarded to the client, from the server's face.
    const inbound: MirrorTarget = { host: inside, port: activePorts.min, passivePorts: { min: activePorts.min + 1, max: activePorts.max } };
    await mirror.listen('startNatProxy', publicHost, inbound, (port) => (socket) => {
      forwarded++;
      bridge(socket, inside, port, host);
    });
  } catch (err) {
    await block.release();
    throw err;
  }

  const close = async (): Promise<void> => {
    await mirror.close();
    await block.release();
  };
  return {
    host,
    port: target.port,
    publicHost,
    activePorts,
    forwarded: () => forwarded,
    outbound: () => outbound,
    close,
    [Symbol.asyncDispose]: close,
  };
}
