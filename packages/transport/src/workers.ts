/**
 * The Cloudflare Workers adapter: `connect()` of `cloudflare:sockets`, and `socket.startTls()`. The
 * implementation is `internal/workers-adapter.ts`; this entry says what it can do and exports it.
 *
 * What Workers cannot do, measured under workerd (see the README and the guide "Running on
 * Cloudflare Workers"), and how this adapter reports it:
 * - Listening: the Workers API has no listening socket, so `listen()` rejects with an
 *   `InvalidArgumentError` and `capabilities.listen` is false. FTP runs in passive mode only.
 * - A CA of your own, `rejectUnauthorized: false`, client certificates and TLS version limits are
 *   refused with a {@link TlsError}. Production Workers trust the public CAs only; workerd trusts
 *   the `trustedCertificates` of its network service.
 * - TLS sessions: the runtime resumes them by itself, by host name
 *   (`capabilities.sessionReuseByHost`); none can be exported or given, so `tlsSession()` is
 *   `undefined` and a `session` option is ignored.
 * - `TlsInfo` has neither the protocol version nor whether a session was resumed.
 * - Connections: at most 6 open at once per request on Cloudflare (`capabilities.maxConnections`);
 *   more wait in a queue. workerd does not enforce the limit.
 * - Sockets belong to the request that opened them: a connection cannot outlive its request or be
 *   used from another one.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport/workers';
 * const conn = await transport.connect({ host: 'ftp.example.com', port: 21, timeout: 10_000 });
 * ```
 *
 * @module
 */
import { createWorkersTransport } from './internal/workers-adapter.js';
import type { Capabilities, Connection, ConnectOptions, Listener, ListenOptions, Transport } from './types.js';

/**
 * What the Workers adapter can do (measured under workerd, see the README): passive mode only, no
 * session export (the runtime resumes sessions by host itself), no CA, client certificate or version
 * limits, at most 6 connections per request.
 *
 * @example
 * ```ts
 * import { capabilities } from '@ftpkit/transport/workers';
 * capabilities.listen; // false: use passive mode
 * capabilities.maxConnections; // 6
 * ```
 */
export const capabilities: Capabilities = Object.freeze({
  sessionReuse: false,
  reportsResumption: false,
  clientCertificates: false,
  tlsVersionLimits: false,
  writeSettlesWhenSent: false,
  listen: false,
  maxConnections: 6,
  sessionReuseByHost: true,
});

/**
 * The Workers transport.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport/workers';
 * const control = await transport.connect({ host: 'ftp.example.com', port: 21 });
 * await control.startTls({ servername: 'ftp.example.com' }); // after "234"
 * ```
 */
export const transport: Transport = createWorkersTransport(capabilities);

/**
 * Open a TCP connection, or a TLS one when `options.tls` is given.
 *
 * @example
 * ```ts
 * import { connect } from '@ftpkit/transport/workers';
 * const conn = await connect({ host: 'ftp.example.com', port: 990, tls: {} });
 * ```
 */
export function connect(options: ConnectOptions): Promise<Connection> {
  return transport.connect(options);
}

/**
 * Always rejects with an `InvalidArgumentError`: Workers cannot listen (active-mode FTP). Here so
 * that every entry exports the same names.
 *
 * @example
 * ```ts
 * import { listen } from '@ftpkit/transport/workers';
 * await listen({ host: '127.0.0.1' }).catch((err) => console.error(err.message)); // use passive mode
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
