/**
 * The HTTP CONNECT handshake (RFC 9110 §9.3.6), with Basic authentication (RFC 7617), sans-IO.
 *
 * Theory of operation: one request, `CONNECT host:port HTTP/1.1` with a `Host` header and, when
 * credentials are given, `Proxy-Authorization: Basic`. The answer's head is read up to its blank
 * line; interim 1xx heads before it are skipped (RFC 9110 §15.2). A 2xx opens the tunnel, and the
 * bytes after the head are the target's (a 2xx to CONNECT has no body). Anything else fails: 407
 * (and 401, tinyproxy's answer to wrong credentials) is authentication, any other 4xx a refusal, a 5xx (502, 503, 504, tinyproxy's "500 Unable to
 * connect") the target out of the proxy's reach. Bare LF line ends are accepted (RFC 9112 §2.2).
 *
 * The head is bounded at 16 KiB (h11's default bound on an incomplete event): a proxy that sends
 * endless headers fails the handshake instead of filling memory.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { hostForUrl } from './address.js';
import { type Handshake, type PhaseResult, type ProxyTarget, failure, handshake, printable, utf8 } from './handshake.js';
import type { ProxyCredentials } from './socks5.js';

/** The bound on the proxy's answer (all heads, interim ones included). */
export const HTTP_MAX_HEAD = 16 * 1024;

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** RFC 4648 §4 base64 of `bytes`. */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += BASE64[a >> 2]! + BASE64[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : BASE64[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : BASE64[c & 63]!;
  }
  return out;
}

/** The end of the head that starts at `from`: the index after its blank line, or -1. */
function headEnd(buffer: Uint8Array, from: number): number {
  for (let i = from; i < buffer.byteLength; i++) {
    if (buffer[i] !== 0x0a) continue;
    if (buffer[i + 1] === 0x0a) return i + 2;
    if (buffer[i + 1] === 0x0d && buffer[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** The status line at `from`, without its line end. */
function statusLine(buffer: Uint8Array, from: number): string {
  let end = from;
  while (end < buffer.byteLength && buffer[end] !== 0x0a) end++;
  if (end > from && buffer[end - 1] === 0x0d) end--;
  // latin1: a status line is ASCII; anything else is shown as '?' and then fails the pattern.
  let text = '';
  for (let i = from; i < end; i++) text += String.fromCharCode(buffer[i]!);
  return text;
}

/**
 * The HTTP CONNECT handshake to `target`, with Basic credentials if given. Throws
 * {@link InvalidArgumentError} for a host with spaces or line ends, or a username with a colon
 * (RFC 7617 §2 cannot carry one).
 *
 * @example
 * ```ts
 * const handshake = httpConnectHandshake({ host: 'ftp.example.com', port: 21 }, { username: 'u', password: 'p' });
 * ```
 */
export function httpConnectHandshake(target: ProxyTarget, credentials?: ProxyCredentials): Handshake {
  if (/[\s\0]/.test(target.host)) throw new InvalidArgumentError('an HTTP CONNECT target host cannot contain spaces, NUL or line ends');
  const authority = `${hostForUrl(target.host)}:${target.port}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (credentials !== undefined) {
    if (credentials.username.includes(':')) throw new InvalidArgumentError('an HTTP proxy username cannot contain a colon (RFC 7617)');
    if (/[\r\n\0]/.test(credentials.username + credentials.password)) throw new InvalidArgumentError('HTTP proxy credentials cannot contain CR, LF or NUL');
    lines.push(`Proxy-Authorization: Basic ${base64(utf8(`${credentials.username}:${credentials.password}`))}`);
  }
  const request = utf8(`${lines.join('\r\n')}\r\n\r\n`);

  return handshake(
    request,
    (buffer): PhaseResult => {
      let start = 0;
      for (;;) {
        // The status line is judged as soon as it is complete: a peer of another protocol (an SSH
        // banner, an FTP greeting) never sends the blank line a head ends with.
        if (buffer.indexOf(0x0a, start) < 0) return { kind: 'more' };
        const line = statusLine(buffer, start);
        const match = STATUS_LINE.exec(line);
        if (match === null) return failure('protocol', `the proxy's answer is no HTTP/1.x status line: "${printable(line)}"`);
        const end = headEnd(buffer, start);
        if (end < 0) return { kind: 'more' };
        const status = Number(match[1]);
        const said = `HTTP ${status}${match[2] ? ` ${printable(match[2])}` : ''}`;
        if (status >= 100 && status < 200) {
          start = end; // an interim answer: the final one follows
          continue;
        }
        if (status >= 200 && status < 300) return { kind: 'open', used: end };
        // 407 is the proxy's own challenge (RFC 9110 §15.5.8); tinyproxy 1.11 answers wrong
        // credentials with 401, which from a proxy to CONNECT can mean nothing else.
        if (status === 407 || status === 401) {
          return failure('auth', credentials === undefined ? `the proxy requires authentication, and no username and password were given (${said})` : `the proxy refused the username and password (${said})`);
        }
        if (status >= 500 && status < 600) return failure('unreachable', `the proxy could not connect to the target (${said})`);
        return failure('refused', `the proxy refused the CONNECT request (${said})`);
      }
    },
    HTTP_MAX_HEAD,
  );
}
