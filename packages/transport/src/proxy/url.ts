/**
 * The proxy a connection goes through: parsed from a URL (`socks5://user:pass@host:1080`,
 * `http://host:3128`) or given as an object, checked, and named without its credentials.
 *
 * Schemes, as curl spells them: `socks5` and `socks5h` (both let the proxy resolve host names:
 * ftpkit never resolves a name itself before a proxy), `socks4` and `socks4a` (an IPv4 target as
 * SOCKS4, a name as SOCKS4a), and `http` (HTTP CONNECT). A port left out is 1080, as in curl, for
 * every scheme. `https` proxies (TLS to the proxy itself) are not supported and are refused.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { bareHost, hostForUrl, ipv6Bytes } from './address.js';

/** The proxy protocols `withProxy` speaks. */
export type ProxyProtocol = 'socks5' | 'socks4' | 'http';

/**
 * A proxy given field by field instead of as a URL (no percent-encoding of the password needed).
 *
 * @example
 * ```ts
 * const proxy: ProxyOptions = { protocol: 'socks5', host: '127.0.0.1', port: 1080, username: 'alice', password: 's3cr:t@' };
 * ```
 */
export interface ProxyOptions {
  readonly protocol: ProxyProtocol;
  readonly host: string;
  /** Default 1080. */
  readonly port?: number | undefined;
  /** SOCKS5: RFC 1929 username; SOCKS4: the user id; HTTP: Basic authentication. */
  readonly username?: string | undefined;
  /** SOCKS5 and HTTP only. */
  readonly password?: string | undefined;
}

/** A proxy URL or {@link ProxyOptions}: what `withProxy` and the client's `proxy` option take. */
export type Proxy = string | ProxyOptions;

/** A checked proxy, with the name errors and logs give it. */
export interface ResolvedProxy {
  readonly protocol: ProxyProtocol;
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** `scheme://host:port`, without credentials: what errors and logs call it. */
  readonly label: string;
}

const SCHEMES: Readonly<Record<string, ProxyProtocol>> = {
  socks5: 'socks5',
  socks5h: 'socks5',
  socks4: 'socks4',
  socks4a: 'socks4',
  http: 'http',
};

/** curl's default proxy port, for every scheme. */
export const DEFAULT_PROXY_PORT = 1080;

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InvalidArgumentError(`the proxy URL's ${what} has a malformed percent-encoding`);
  }
}

/**
 * Parse a proxy URL. Errors never repeat the URL, which may hold a password.
 *
 * @example
 * ```ts
 * parseProxyUrl('socks5://alice:secret@127.0.0.1:1080').label; // 'socks5://127.0.0.1:1080'
 * ```
 */
export function parseProxyUrl(url: string): ResolvedProxy {
  if (typeof url !== 'string') throw new InvalidArgumentError('a proxy must be a URL string or proxy options');
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#@]*)\/?$/.exec(url.trim());
  if (match === null) throw new InvalidArgumentError('the proxy is not a URL of the form scheme://[user[:password]@]host[:port]');
  const scheme = match[1]!.toLowerCase();
  const protocol = SCHEMES[scheme];
  if (protocol === undefined) {
    throw new InvalidArgumentError(
      scheme === 'https'
        ? 'https:// proxies (TLS to the proxy) are not supported; use http://, socks5:// or socks4://'
        : `unsupported proxy scheme "${scheme}"; use socks5://, socks5h://, socks4://, socks4a:// or http://`,
    );
  }
  const hostPort = match[3]!;
  const portMatch = /^(.*?)(?::(\d*))?$/.exec(hostPort)!;
  // An IPv6 literal keeps its colons inside brackets.
  const bracketed = /^(\[[^\]]*\])(?::(\d*))?$/.exec(hostPort);
  const host = bareHost(bracketed ? bracketed[1]! : portMatch[1]!);
  const portText = bracketed ? bracketed[2] : portMatch[2];
  const port = portText === undefined || portText === '' ? DEFAULT_PROXY_PORT : Number(portText);
  let username: string | undefined;
  let password: string | undefined;
  if (match[2] !== undefined) {
    const colon = match[2].indexOf(':');
    username = decode(colon < 0 ? match[2] : match[2].slice(0, colon), 'username');
    password = colon < 0 ? undefined : decode(match[2].slice(colon + 1), 'password');
  }
  return resolveProxy({ protocol, host, port, username, password });
}

/**
 * Check a proxy given as a URL or as options, and name it.
 *
 * @example
 * ```ts
 * resolveProxy({ protocol: 'http', host: '127.0.0.1', port: 3128 }).label; // 'http://127.0.0.1:3128'
 * ```
 */
export function resolveProxy(proxy: Proxy): ResolvedProxy {
  if (typeof proxy === 'string') return parseProxyUrl(proxy);
  if (typeof proxy !== 'object' || proxy === null) throw new InvalidArgumentError('a proxy must be a URL string or proxy options');
  const { protocol } = proxy;
  if (protocol !== 'socks5' && protocol !== 'socks4' && protocol !== 'http') {
    throw new InvalidArgumentError('proxy protocol must be "socks5", "socks4" or "http"');
  }
  const host = typeof proxy.host === 'string' ? bareHost(proxy.host) : '';
  if (host === '' || /[\s/@?#[\]]/.test(host) || (host.includes(':') && ipv6Bytes(host) === undefined)) {
    throw new InvalidArgumentError('the proxy needs a host name or IP address (and a numeric port)');
  }
  const port = proxy.port ?? DEFAULT_PROXY_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError('the proxy port must be an integer from 1 to 65535');
  const username = proxy.username === '' && proxy.password === undefined ? undefined : proxy.username;
  const password = proxy.password;
  if (password !== undefined && username === undefined) throw new InvalidArgumentError('a proxy password needs a username');
  if (protocol === 'socks4' && password !== undefined) throw new InvalidArgumentError('SOCKS4 has no password; use socks5://user:password@host');
  return Object.freeze({ protocol, host, port, username, password, label: `${protocol}://${hostForUrl(host)}:${port}` });
}
