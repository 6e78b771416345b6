/**
 * The Bun adapter: Bun's own `node:net` and `node:tls`.
 *
 * Bun's native `Bun.connect`/`upgradeTLS` API was measured against Bun's `node:net` for this choice
 * (see the README): a plain `node:net` loop reached 89–99 % of a `Bun.connect` loop, and only
 * `node:net` can cancel a connect that is still in progress. `Bun.connect` returns no handle before the connection is open,
 * so a timed-out or aborted connect to a host that drops SYNs kept its socket in SYN-SENT until the
 * kernel gave up (about two minutes); `socket.destroy()` under `node:net` closes it at once. Bun's
 * `node:tls` also has the `session` event, so the newest TLS 1.3 ticket is kept as on Node, and
 * `isSessionReused()`, client certificates and version limits all work, and so do the peer's
 * certificate (pins), `stopTls` on a `stoppable` connection and `localAddress`.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport/bun';
 * const conn = await transport.connect({ host: 'ftp.example.com', port: 21, timeout: 10_000 });
 * ```
 *
 * @module
 */
import { createNetTransport } from './internal/net-adapter.js';
import type { Capabilities, Connection, ConnectOptions, Listener, ListenOptions, Transport } from './types.js';

/**
 * What the Bun adapter can do (measured by the conformance suite under Bun, see the README).
 *
 * @example
 * ```ts
 * import { capabilities } from '@ftpkit/transport/bun';
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
 * The Bun transport.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport/bun';
 * const control = await transport.connect({ host: 'ftp.example.com', port: 21 });
 * await control.startTls({ servername: 'ftp.example.com' }); // after "234"
 * const data = await transport.connect({
 *   host: 'ftp.example.com', port: 50000,
 *   tls: { servername: 'ftp.example.com', session: control.tlsSession() },
 * });
 * ```
 */
export const transport: Transport = createNetTransport('bun', capabilities);

/**
 * Open a TCP connection, or a TLS one when `options.tls` is given.
 *
 * @example
 * ```ts
 * import { connect } from '@ftpkit/transport/bun';
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
 * import { listen } from '@ftpkit/transport/bun';
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
