/**
 * The Deno adapter: `Deno.connect`, `Deno.startTls`, `Deno.connectTls` and `Deno.listen`. The
 * implementation is `internal/deno-adapter.ts`; this entry says what it can do and exports it.
 *
 * What Deno 2.9 cannot do, measured (see the README), and how this adapter reports it:
 * - TLS session resumption: `Deno.startTls` and `Deno.connectTls` build a new rustls client
 *   configuration for every connection and take or expose no session, so `capabilities.sessionReuse`
 *   is false, `tlsSession()` returns `undefined` and a `session` option is ignored. Servers that
 *   insist on reuse (vsftpd `require_ssl_reuse`, ProFTPD) refuse data connections from Deno; the
 *   client reports it as a `TlsError` with `reason: 'session-reuse'`. Deno's `node:tls` resumes only
 *   on its default trust path and by a synthetic-session rule (README, "Deno and TLS session reuse";
 *   `scripts/deno-session-reuse.ts` reproduces both).
 * - `rejectUnauthorized: false`, TLS version limits and client certificates on `startTls` are
 *   refused with a {@link TlsError} instead of being silently ignored. Client certificates work on
 *   `connect({ tls })` when `servername` is absent or equal to `host`.
 * - `ca` adds to Deno's root store rather than replacing it.
 * - `TlsInfo` has neither the protocol version nor whether a session was resumed.
 * - The peer's certificate cannot be read (a `TlsConn` reports only the ALPN protocol), so
 *   `peerCertificate()` is absent and `tls.pin` is refused with a {@link TlsError}.
 * - TLS cannot be ended on a connection that goes on (`Deno.startTls` takes the TCP conn over), so
 *   `stopTls()` is absent and `stoppable` is refused with a {@link TlsError}.
 * - `Deno.connect` cannot bind a local address: `localAddress` is refused with an
 *   `InvalidArgumentError`. `family` works: a name is looked up in that family first.
 * - A TLS handshake that times out or is aborted leaves its TCP socket open until the peer closes it.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport/deno';
 * const conn = await transport.connect({ host: 'ftp.example.com', port: 21, timeout: 10_000 });
 * ```
 *
 * @module
 */
import { createDenoTransport } from './internal/deno-adapter.js';
import type { Capabilities, Connection, ConnectOptions, Listener, ListenOptions, Transport } from './types.js';

/**
 * What the Deno adapter can do (measured by the conformance suite, see the README): no session
 * resumption, no resumption report, no client certificate on `startTls`, no TLS version limits, no
 * peer certificate (so no pins), no ending TLS on a connection that goes on, no local address.
 *
 * @example
 * ```ts
 * import { capabilities } from '@ftpkit/transport/deno';
 * if (!capabilities.sessionReuse) console.warn('servers with require_ssl_reuse will refuse data connections');
 * ```
 */
export const capabilities: Capabilities = Object.freeze({
  sessionReuse: false,
  reportsResumption: false,
  clientCertificates: false,
  tlsVersionLimits: false,
  writeSettlesWhenSent: true,
  peerCertificate: false,
  stopTls: false,
  localAddress: false,
});

/**
 * The Deno transport.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport/deno';
 * const control = await transport.connect({ host: 'ftp.example.com', port: 21 });
 * await control.startTls({ servername: 'ftp.example.com' }); // after "234"
 * ```
 */
export const transport: Transport = createDenoTransport(capabilities);

/**
 * Open a TCP connection, or a TLS one when `options.tls` is given.
 *
 * @example
 * ```ts
 * import { connect } from '@ftpkit/transport/deno';
 * const conn = await connect({ host: '127.0.0.1', port: 990, tls: { servername: 'localhost' } });
 * ```
 */
export function connect(options: ConnectOptions): Promise<Connection> {
  return transport.connect(options);
}

/**
 * Listen for one inbound connection (active-mode FTP).
 *
 * @example
 * ```ts
 * import { listen } from '@ftpkit/transport/deno';
 * const listener = await listen({ host: '127.0.0.1' });
 * const data = await listener.accept({ timeout: 10_000 });
 * listener.close();
 * ```
 */
export function listen(options: ListenOptions): Promise<Listener> {
  return transport.listen(options);
}

export {
  ConnectionError,
  InvalidArgumentError,
  ProxyAuthError,
  ProxyError,
  ProxyRefusedError,
  ProxyTargetError,
  TimeoutError,
  TlsError,
  TransportError,
  abortReason,
  type ProxyErrorCode,
  type TlsErrorReason,
  type TransportErrorCode,
} from './errors.js';
export {
  parseProxyUrl,
  resolveProxy,
  withProxy,
  type Proxy,
  type ProxyOptions,
  type ProxyProtocol,
  type ResolvedProxy,
} from './proxy/index.js';
export type {
  Address,
  Capabilities,
  Connection,
  ConnectOptions,
  Listener,
  ListenOptions,
  PeerCertificate,
  RuntimeName,
  TlsInfo,
  TlsOptions,
  TlsSession,
  TlsVersion,
  Transport,
} from './types.js';
