/**
 * The Node adapter: `node:net` and `node:tls`.
 *
 * Everything works here: TLS session resumption for TLS 1.2 and TLS 1.3 (the newest ticket is kept,
 * from the `session` event), `TlsInfo.resumed`, client certificates, TLS version limits, the peer's
 * certificate and pins (a connection that resumed a session reports the certificate of the
 * handshake that made it: Node has none of its own for it), `stopTls` on a `stoppable` connection,
 * and `localAddress`.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport/node';
 * const conn = await transport.connect({ host: 'ftp.example.com', port: 21, timeout: 10_000 });
 * ```
 *
 * @module
 */
import { createNetTransport } from './internal/net-adapter.js';
import type { Capabilities, Connection, ConnectOptions, Listener, ListenOptions, Transport } from './types.js';

/**
 * What the Node adapter can do (measured by the conformance suite, see the README).
 *
 * @example
 * ```ts
 * import { capabilities } from '@ftpkit/transport/node';
 * capabilities.sessionReuse; // true
 * ```
 */
export const capabilities: Capabilities = Object.freeze({
  sessionReuse: true,
  reportsResumption: true,
  clientCertificates: true,
  tlsVersionLimits: true,
  writeSettlesWhenSent: false,
  peerCertificate: true,
  stopTls: true,
  localAddress: true,
});

/**
 * The Node transport.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport/node';
 * const control = await transport.connect({ host: 'ftp.example.com', port: 21 });
 * await control.startTls({ servername: 'ftp.example.com' });          // after "234"
 * const data = await transport.connect({
 *   host: 'ftp.example.com', port: 50000,
 *   tls: { servername: 'ftp.example.com', session: control.tlsSession() },
 * });
 * ```
 */
export const transport: Transport = createNetTransport('node', capabilities);

/**
 * Open a TCP connection, or a TLS one when `options.tls` is given.
 *
 * @example
 * ```ts
 * import { connect } from '@ftpkit/transport/node';
 * const conn = await connect({ host: '127.0.0.1', port: 21, timeout: 5000 });
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
 * import { listen } from '@ftpkit/transport/node';
 * const listener = await listen({ host: control.localAddress.host });
 * // send PORT/EPRT with listener.address.port, then:
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
