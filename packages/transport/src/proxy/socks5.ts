/**
 * The SOCKS5 handshake (RFC 1928), with username/password authentication (RFC 1929), sans-IO.
 *
 * Theory of operation: the greeting offers "no authentication" (0x00), and username/password (0x02)
 * too when credentials are given. The proxy picks one; after a 0x02 pick the credentials go out and
 * their status comes back. Then CONNECT goes out with the target as an IPv4 or IPv6 literal or, for
 * any other host, as a domain name the proxy resolves (ATYP 3: "remote DNS", curl's `socks5h`). The
 * reply's length depends on its address type, at most 4 + 1 + 255 + 2 = 262 bytes, which bounds it.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { ipv4Bytes, ipv6Bytes } from './address.js';
import { type Handshake, type Phase, type PhaseResult, type ProxyTarget, bytesOf, failure, handshake, utf8 } from './handshake.js';

/** RFC 1928 §6: the longest reply, with a 255-byte domain name. */
export const SOCKS5_MAX_REPLY = 262;

const VERSION = 0x05;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;
const CONNECT = 0x01;

/** RFC 1928 §6 reply codes, and which failure each one is. */
const REPLIES: Readonly<Record<number, { reason: 'refused' | 'unreachable'; text: string }>> = {
  0x01: { reason: 'unreachable', text: 'general SOCKS server failure' },
  0x02: { reason: 'refused', text: 'connection not allowed by ruleset' },
  0x03: { reason: 'unreachable', text: 'network unreachable' },
  0x04: { reason: 'unreachable', text: 'host unreachable' },
  0x05: { reason: 'unreachable', text: 'connection refused by the target' },
  0x06: { reason: 'unreachable', text: 'TTL expired' },
  0x07: { reason: 'refused', text: 'command not supported' },
  0x08: { reason: 'refused', text: 'address type not supported' },
};

/** Username and password for RFC 1929. */
export interface ProxyCredentials {
  readonly username: string;
  readonly password: string;
}

/** The target as RFC 1928 §5 writes it: ATYP, address, port (network order). */
export function socks5Address(target: ProxyTarget): Uint8Array {
  const port = [target.port >> 8, target.port & 0xff];
  const v4 = ipv4Bytes(target.host);
  if (v4 !== undefined) return bytesOf([0x01], v4, port);
  const v6 = ipv6Bytes(target.host);
  if (v6 !== undefined) return bytesOf([0x04], v6, port);
  const name = utf8(target.host);
  if (name.byteLength === 0 || name.byteLength > 255) throw new InvalidArgumentError('a SOCKS5 target host name must be 1 to 255 bytes');
  return bytesOf([0x03, name.byteLength], name, port);
}

/** RFC 1929 §2: VER 1, ULEN, UNAME, PLEN, PASSWD. */
function credentialsRequest(credentials: ProxyCredentials): Uint8Array {
  const user = utf8(credentials.username);
  const pass = utf8(credentials.password);
  if (user.byteLength === 0 || user.byteLength > 255) throw new InvalidArgumentError('a SOCKS5 proxy username must be 1 to 255 bytes');
  if (pass.byteLength > 255) throw new InvalidArgumentError('a SOCKS5 proxy password must be at most 255 bytes');
  return bytesOf([0x01, user.byteLength], user, [pass.byteLength], pass);
}

/**
 * The SOCKS5 handshake that opens a tunnel to `target`, with `credentials` if the proxy asks for
 * them. Throws {@link InvalidArgumentError} for a host name or credentials RFC 1928/1929 cannot carry.
 *
 * @example
 * ```ts
 * const handshake = socks5Handshake({ host: 'ftp.example.com', port: 21 }, { username: 'u', password: 'p' });
 * ```
 */
export function socks5Handshake(target: ProxyTarget, credentials?: ProxyCredentials): Handshake {
  const connect = bytesOf([VERSION, CONNECT, 0x00], socks5Address(target));
  const auth = credentials === undefined ? undefined : credentialsRequest(credentials);
  const methods = auth === undefined ? [NO_AUTH] : [NO_AUTH, USER_PASS];

  const reply: Phase = (buffer) => {
    if (buffer.byteLength < 5) return { kind: 'more' };
    if (buffer[0] !== VERSION) return failure('protocol', `the proxy answered CONNECT with version ${buffer[0]}, not SOCKS5`);
    const code = buffer[1]!;
    if (code !== 0x00) {
      const known = REPLIES[code];
      return known === undefined
        ? failure('refused', `the proxy refused with unassigned SOCKS5 reply ${code}`)
        : failure(known.reason, `${known.text} (SOCKS5 reply ${code})`);
    }
    const type = buffer[3];
    const length = type === 0x01 ? 4 : type === 0x04 ? 16 : type === 0x03 ? 1 + buffer[4]! : -1;
    if (length < 0) return failure('protocol', `the proxy's reply has unknown address type ${type}`);
    const used = 4 + length + 2;
    return buffer.byteLength < used ? { kind: 'more' } : { kind: 'open', used };
  };

  const authStatus: Phase = (buffer) => {
    if (buffer.byteLength < 2) return { kind: 'more' };
    // RFC 1929 §2 says VER 1; some proxies answer with 5, the SOCKS version. Both carry the status.
    if (buffer[0] !== 0x01 && buffer[0] !== VERSION) return failure('protocol', `the proxy answered the credentials with version ${buffer[0]}`);
    if (buffer[1] !== 0x00) return failure('auth', `the proxy refused the username and password (RFC 1929 status ${buffer[1]})`);
    return { kind: 'next', used: 2, send: connect, next: reply };
  };

  const method: Phase = (buffer): PhaseResult => {
    if (buffer.byteLength < 2) return { kind: 'more' };
    if (buffer[0] !== VERSION) return failure('protocol', `the proxy answered with version ${buffer[0]}, not SOCKS5`);
    const chosen = buffer[1]!;
    if (chosen === NO_ACCEPTABLE) {
      return failure('auth', auth === undefined ? 'the proxy requires authentication, and no username and password were given' : 'the proxy accepts neither no authentication nor username and password');
    }
    if (!methods.includes(chosen)) return failure('protocol', `the proxy chose authentication method ${chosen}, which was not offered`);
    if (chosen === USER_PASS) return { kind: 'next', used: 2, send: auth!, next: authStatus };
    return { kind: 'next', used: 2, send: connect, next: reply };
  };

  return handshake(bytesOf([VERSION, methods.length], methods), method, SOCKS5_MAX_REPLY);
}
