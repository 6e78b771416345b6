/**
 * `@ftpkit/transport`: one small socket interface, with one adapter per runtime.
 *
 * The bare import is the adapter of the runtime you are on, picked by export condition (`deno`,
 * `bun`, `node`); `@ftpkit/transport/node`, `/deno` and `/bun` name one explicitly. Every entry
 * exports the same names: the adapter (`transport`, `connect`, `listen`, `capabilities`), the error
 * classes and the types. This file is what the type checker reads for the bare import (its adapter
 * names are typed as the Node adapter's, which have the same types on every runtime); at run time
 * the bare import loads `node.js`, `deno.js` or `bun.js`.
 *
 * @example
 * ```ts
 * import { transport, ConnectionError } from '@ftpkit/transport';
 * try {
 *   const conn = await transport.connect({ host: 'ftp.example.com', port: 21, timeout: 10_000 });
 * } catch (err) {
 *   if (err instanceof ConnectionError) console.error(err.osCode); // 'ECONNREFUSED', ...
 * }
 * ```
 *
 * @module
 */
export { capabilities, connect, listen, transport } from './node.js';
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
