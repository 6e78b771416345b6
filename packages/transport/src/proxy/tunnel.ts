/**
 * `withProxy`: a transport whose connections go through a SOCKS5, SOCKS4/4a or HTTP CONNECT proxy,
 * over any other transport.
 *
 * Theory of operation: `connect()` opens a plain connection to the proxy with the inner transport,
 * runs the proxy's handshake (`socks5.ts`, `socks4.ts`, `http-connect.ts`, sans-IO) over it, and
 * hands out a {@link Connection} that reads and writes the tunnel. TLS runs inside the tunnel: with
 * `tls` (implicit FTPS, protected data connections) the tunnel is upgraded with the inner
 * connection's own `startTls`, as AUTH TLS upgrades a direct one, so session reuse works wherever
 * the runtime has it (the session a control connection exported resumes on a data connection
 * through the proxy as it would directly). The certificate is checked against the target's name,
 * not the proxy's. The connect's `timeout` and `signal` cover all of it: the connection to the
 * proxy, the handshake and the TLS handshake. A tunnel's `remoteAddress` is the target as asked
 * (a host name stays a name: the proxy resolved it), so an FTP client opens its passive data
 * connections to the control connection's host, through the proxy too.
 *
 * `listen()` is refused: an active-mode data connection comes from the server to the client, and a
 * CONNECT-only proxy cannot carry that (SOCKS5 BIND would need a proxy that allows it and a
 * server that connects to the proxy's address; ftpkit supports passive mode only through proxies).
 *
 * @module
 */
import { ConnectionError, InvalidArgumentError, ProxyAuthError, ProxyError, ProxyRefusedError, ProxyTargetError, TimeoutError, TlsError } from '../errors.js';
import { type StartTlsOptions, addressOf, checkEndpoint } from '../internal/common.js';
import { Deadline } from '../internal/deadline.js';
import type { Address, Connection, ConnectOptions, Listener, TlsInfo, TlsSession, Transport } from '../types.js';
import { bareHost } from './address.js';
import { END, type Handshake, type ProxyFailure, type ProxyTarget } from './handshake.js';
import { httpConnectHandshake } from './http-connect.js';
import { socks4Handshake } from './socks4.js';
import { socks5Handshake } from './socks5.js';
import { type Proxy, type ResolvedProxy, resolveProxy } from './url.js';

/** The handshake `proxy` speaks, to `target`. Throws InvalidArgumentError for a target it cannot carry. */
function handshakeFor(proxy: ResolvedProxy, target: ProxyTarget): Handshake {
  const credentials = proxy.username === undefined ? undefined : { username: proxy.username, password: proxy.password ?? '' };
  switch (proxy.protocol) {
    case 'socks5':
      return socks5Handshake(target, credentials);
    case 'socks4':
      return socks4Handshake(target, proxy.username);
    case 'http':
      return httpConnectHandshake(target, credentials);
  }
}

function osCodeOf(error: unknown): string | undefined {
  const code = (error as { osCode?: unknown } | null)?.osCode;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a failed connect to the proxy itself is: a refusal, a timeout, or the proxy out of reach. */
function reachFailure(proxy: ResolvedProxy, error: unknown): unknown {
  if (error instanceof TimeoutError) return new TimeoutError(`Connecting to the proxy ${proxy.label}: ${error.message}`, { cause: error });
  if (!(error instanceof ConnectionError)) return error; // an abort, a bad argument
  const osCode = osCodeOf(error);
  if (osCode === 'ECONNREFUSED') return new ProxyRefusedError(`The proxy ${proxy.label} refused the connection (ECONNREFUSED)`, { proxy: proxy.label, cause: error, osCode });
  return new ProxyError(`Cannot reach the proxy ${proxy.label}: ${error.message}`, { proxy: proxy.label, cause: error, osCode });
}

/** The error a handshake's failure is; it names the proxy, never the target. */
function failureError(proxy: ResolvedProxy, failure: ProxyFailure): ProxyError {
  const options = { proxy: proxy.label };
  switch (failure.reason) {
    case 'refused':
      return new ProxyRefusedError(`The proxy ${proxy.label} refused the request: ${failure.detail}`, options);
    case 'auth':
      return new ProxyAuthError(`Authentication with the proxy ${proxy.label} failed: ${failure.detail}`, options);
    case 'unreachable':
      return new ProxyTargetError(`The proxy ${proxy.label} could not reach the target: ${failure.detail}`, options);
    case 'protocol':
      return new ProxyError(`The proxy ${proxy.label} broke its protocol: ${failure.detail}`, options);
  }
}

/** Run `handshake` over `conn` within `limits`; resolves with the target's bytes that came with the last reply. */
async function negotiate(
  conn: Connection,
  handshake: Handshake,
  proxy: ResolvedProxy,
  limits: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined },
): Promise<Uint8Array> {
  const deadline = new Deadline(limits, `The handshake with the proxy ${proxy.label}`, (reason) => conn.destroy(reason instanceof Error ? reason : undefined));
  try {
    await conn.write(handshake.request);
    for (;;) {
      const chunk = await conn.read();
      if (chunk !== null && chunk.byteLength === 0) continue;
      const step = handshake.receive(chunk ?? END);
      for (const bytes of step.send) await conn.write(bytes);
      if (step.state === 'open') return step.leftover;
      if (step.state === 'failed') throw failureError(proxy, step.failure);
    }
  } catch (error) {
    if (deadline.fired) throw deadline.reason;
    if (error instanceof ProxyError) throw error;
    throw new ProxyError(`The connection to the proxy ${proxy.label} failed during its handshake: ${messageOf(error)}`, {
      proxy: proxy.label,
      cause: error,
      osCode: osCodeOf(error),
    });
  } finally {
    deadline.clear();
  }
}

/** A connection through a proxy's tunnel: the inner connection, with the target's first bytes in front. */
class TunnelConnection implements Connection {
  readonly #inner: Connection;
  /** The name the certificate is checked against: the target's, never the proxy's. */
  readonly #servername: string;
  /** Bytes of the target that came with the proxy's last reply, handed out by the first `read()`. */
  #leftover: Uint8Array | undefined;
  readonly remoteAddress: Address;
  /** The inner connection's, where it has one (CCC), so `stopTls` is present exactly when it works. */
  readonly stopTls?: NonNullable<Connection['stopTls']>;
  /** The inner connection's, where it has one: a pin is checked on the TLS inside the tunnel. */
  readonly peerCertificate?: NonNullable<Connection['peerCertificate']>;

  constructor(inner: Connection, target: ProxyTarget, leftover: Uint8Array) {
    this.#inner = inner;
    this.#servername = target.host;
    this.#leftover = leftover.byteLength > 0 ? leftover : undefined;
    this.remoteAddress = addressOf(target.host, target.port);
    if (inner.stopTls !== undefined) this.stopTls = (options) => inner.stopTls!(options);
    if (inner.peerCertificate !== undefined) this.peerCertificate = () => inner.peerCertificate!();
  }

  get localAddress(): Address {
    return this.#inner.localAddress;
  }

  get tls(): TlsInfo | undefined {
    return this.#inner.tls;
  }

  get closed(): Promise<void> {
    return this.#inner.closed;
  }

  /** True while bytes of the target wait in front of the inner connection's. */
  get hasLeftover(): boolean {
    return this.#leftover !== undefined;
  }

  tlsSession(): TlsSession | undefined {
    return this.#inner.tlsSession();
  }

  read(): Promise<Uint8Array | null> {
    const leftover = this.#leftover;
    if (leftover === undefined) return this.#inner.read();
    this.#leftover = undefined;
    return Promise.resolve(leftover);
  }

  recycle(chunk: Uint8Array): void {
    // The leftover is a copy of the handshake's buffer, not the adapter's memory: recycling it
    // there would hand the adapter a buffer it never lent. Its own chunks go back to it.
    this.#inner.recycle?.(chunk);
  }

  setReadAhead(bytes: number | undefined): void {
    this.#inner.setReadAhead?.(bytes);
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.#inner.write(bytes);
  }

  startTls(options: StartTlsOptions): Promise<void> {
    // RFC 4217 §4 / CVE-2021-22947: plaintext that came before the upgrade is dropped, like the
    // adapter drops its own unread bytes.
    this.#leftover = undefined;
    return this.#inner.startTls({ ...options, servername: options.servername ?? this.#servername });
  }

  end(): Promise<void> {
    return this.#inner.end();
  }

  destroy(error?: Error): void {
    this.#leftover = undefined;
    this.#inner.destroy(error);
  }
}

/** The time left of `timeout` since `started`, or undefined when there is no timeout. */
function remaining(timeout: number | undefined, started: number): number | undefined {
  if (timeout === undefined || !Number.isFinite(timeout)) return undefined;
  return Math.max(0, timeout - (Date.now() - started));
}

async function connectThrough(inner: Transport, proxy: ResolvedProxy, options: ConnectOptions): Promise<Connection> {
  const { host, port, tls, timeout, signal, ...rest } = options;
  checkEndpoint(host, port);
  if (port === 0) throw new InvalidArgumentError('port must be an integer from 1 to 65535 through a proxy');
  const target: ProxyTarget = { host: bareHost(host), port };
  const handshake = handshakeFor(proxy, target); // refuses what the proxy's protocol cannot carry before connecting
  const started = Date.now();
  const limits = () => {
    const left = remaining(timeout, started);
    return { ...(left === undefined ? {} : { timeout: left }), ...(signal === undefined ? {} : { signal }) };
  };
  let conn: Connection;
  try {
    conn = await inner.connect({ ...rest, host: proxy.host, port: proxy.port, ...limits() });
  } catch (error) {
    throw reachFailure(proxy, error);
  }
  let tunnel: TunnelConnection;
  try {
    tunnel = new TunnelConnection(conn, target, await negotiate(conn, handshake, proxy, limits()));
  } catch (error) {
    conn.destroy();
    throw error;
  }
  if (tls !== undefined) {
    try {
      // Implicit TLS: the target speaks first in TLS, so plaintext before the handshake is a peer
      // that does not (a plain FTP port's greeting), as OpenSSL would say of it on a direct connection.
      if (tunnel.hasLeftover) throw new TlsError('the peer did not answer in TLS (it sent plain text first)', { reason: 'not-tls' });
      await tunnel.startTls({ ...tls, ...limits() });
    } catch (error) {
      tunnel.destroy();
      throw error;
    }
  }
  return tunnel;
}

/**
 * A transport whose `connect()` goes through `proxy` (SOCKS5 with or without username/password,
 * SOCKS4/4a, or HTTP CONNECT with Basic authentication), using `transport` to reach the proxy.
 *
 * - Host names are resolved by the proxy (SOCKS5 and SOCKS4a send them as names).
 * - `tls` on `connect()` runs TLS inside the tunnel, checked against the target's name, and a
 *   connection's `startTls()` upgrades inside the tunnel (explicit FTPS); TLS sessions resume
 *   through the tunnel wherever `transport.capabilities.sessionReuse` is true.
 * - `timeout` and `signal` cover the connect to the proxy, the proxy's handshake and TLS.
 * - `listen()` rejects with a {@link ProxyError}: only passive mode works through a proxy.
 * - Failures name the proxy (`scheme://host:port`, no credentials): {@link ProxyRefusedError},
 *   {@link ProxyAuthError}, {@link ProxyTargetError}, else {@link ProxyError}.
 *
 * Throws {@link InvalidArgumentError} for a proxy URL or options it cannot use.
 *
 * @example
 * ```ts
 * import { transport, withProxy } from '@ftpkit/transport';
 * const proxied = withProxy(transport, 'socks5://alice:secret@127.0.0.1:1080');
 * const control = await proxied.connect({ host: 'ftp.example.com', port: 21, timeout: 10_000 });
 * ```
 */
export function withProxy(transport: Transport, proxy: Proxy): Transport {
  const resolved = resolveProxy(proxy);
  return Object.freeze({
    runtime: transport.runtime,
    capabilities: transport.capabilities,
    connect: (options: ConnectOptions) => connectThrough(transport, resolved, options),
    listen: (): Promise<Listener> =>
      Promise.reject(
        new ProxyError(`Active mode cannot go through the proxy ${resolved.label}: the server would have to connect to this host; use passive mode`, {
          proxy: resolved.label,
        }),
      ),
  });
}
