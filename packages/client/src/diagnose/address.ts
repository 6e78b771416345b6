/**
 * What kind of address a server names, for the diagnosis of a PASV reply: an address a client
 * beyond a NAT cannot reach (private, shared, link-local, loopback) is the usual sign of a server
 * behind NAT that advertises its inside address.
 *
 * @module
 */
import { ipFamily } from '@ftpkit/codec';
import { canonicalIp } from '../driver/data-channel.js';

/**
 * The scope of an IP address:
 * - `loopback`: 127.0.0.0/8, ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3);
 * - `private`: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) and fc00::/7 (RFC 4193);
 * - `shared`: 100.64.0.0/10, carrier-grade NAT (RFC 6598);
 * - `link-local`: 169.254.0.0/16 (RFC 3927), fe80::/10 (RFC 4291 §2.5.6);
 * - `unspecified`: 0.0.0.0 and :: (some servers mean "the control host" by it);
 * - `public`: anything else.
 */
export type AddressScope = 'loopback' | 'private' | 'shared' | 'link-local' | 'unspecified' | 'public';

/**
 * The scope of `host`, an IP address in text form (an IPv4-mapped IPv6 address counts as its IPv4
 * address), or undefined when it is not one (a host name).
 *
 * @example
 * ```ts
 * addressScope('127.0.0.1'); // 'loopback'
 * addressScope('fe80::1');   // 'link-local'
 * addressScope('ftp.example.com'); // undefined
 * ```
 */
export function addressScope(host: string): AddressScope | undefined {
  if (ipFamily(host) === undefined) return undefined;
  const ip = canonicalIp(host);
  if (!ip.includes(':')) return ipv4Scope(ip.split('.').map(Number) as [number, number, number, number]);
  const words = ip.split(':').map((word) => Number.parseInt(word, 16));
  const first = words[0] ?? 0;
  if (words.every((word) => word === 0)) return 'unspecified';
  if (words.slice(0, 7).every((word) => word === 0) && words[7] === 1) return 'loopback';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xfe00) === 0xfc00) return 'private';
  return 'public';
}

function ipv4Scope([a, b]: readonly [number, number, number, number]): AddressScope {
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'shared';
  if (a === 169 && b === 254) return 'link-local';
  return 'public';
}
