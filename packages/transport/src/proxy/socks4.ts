/**
 * The SOCKS4 handshake, with the SOCKS4a extension for host names, sans-IO.
 *
 * Theory of operation: SOCKS4 (Ying-Da Lee, "SOCKS: A protocol for TCP proxy across firewalls")
 * carries an IPv4 address and a user id; SOCKS4a ("SOCKS 4A: A Simple Extension to SOCKS 4")
 * sends DSTIP 0.0.0.1 and the host name after the user id, for the proxy to resolve. An IPv4 target
 * goes out as SOCKS4, any other name as SOCKS4a; there is no IPv6 and no password. The reply is 8
 * bytes: VN 0, CD 90 granted, 91 rejected or failed, 92 and 93 the ident checks.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { ipv4Bytes, ipv6Bytes } from './address.js';
import { type Handshake, bytesOf, failure, handshake, utf8 } from './handshake.js';
import type { ProxyTarget } from './handshake.js';

const REPLY_LENGTH = 8;

/**
 * The SOCKS4 (or 4a, for a host name) handshake to `target`, with `userId`. Throws
 * {@link InvalidArgumentError} for an IPv6 target, or a NUL in the user id or host.
 *
 * @example
 * ```ts
 * const handshake = socks4Handshake({ host: 'ftp.example.com', port: 21 }, 'alice');
 * ```
 */
export function socks4Handshake(target: ProxyTarget, userId = ''): Handshake {
  if (ipv6Bytes(target.host) !== undefined) throw new InvalidArgumentError('SOCKS4 cannot carry an IPv6 target; use socks5://');
  if (userId.includes('\0') || target.host.includes('\0')) throw new InvalidArgumentError('a SOCKS4 user id or host cannot contain NUL');
  const v4 = ipv4Bytes(target.host);
  const user = utf8(userId);
  const head = [0x04, 0x01, target.port >> 8, target.port & 0xff];
  const request =
    v4 !== undefined
      ? bytesOf(head, v4, user, [0])
      : bytesOf(head, [0, 0, 0, 1], user, [0], utf8(target.host), [0]);
  return handshake(
    request,
    (buffer) => {
      if (buffer.byteLength < REPLY_LENGTH) return { kind: 'more' };
      // VN is 0 by the protocol; some servers answer 4.
      if (buffer[0] !== 0x00 && buffer[0] !== 0x04) return failure('protocol', `the proxy answered with version ${buffer[0]}, not SOCKS4`);
      const code = buffer[1]!;
      if (code === 90) return { kind: 'open', used: REPLY_LENGTH };
      if (code === 91) return failure('refused', 'request rejected or failed (SOCKS4 reply 91)');
      if (code === 92) return failure('auth', 'the proxy cannot reach an ident server on this host (SOCKS4 reply 92)');
      if (code === 93) return failure('auth', 'the ident server does not confirm the user id (SOCKS4 reply 93)');
      return failure('protocol', `the proxy answered with unknown SOCKS4 reply ${code}`);
    },
    REPLY_LENGTH,
  );
}
