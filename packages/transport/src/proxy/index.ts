/**
 * The proxy support every runtime entry exports: {@link withProxy}, and the parsing of proxy URLs.
 *
 * @module
 */
export { withProxy } from './tunnel.js';
export { parseProxyUrl, resolveProxy, type Proxy, type ProxyOptions, type ProxyProtocol, type ResolvedProxy } from './url.js';
