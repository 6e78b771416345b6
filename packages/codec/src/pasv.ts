/**
 * Data-connection addresses: PASV and EPSV replies in, PORT and EPRT arguments out.
 *
 * Theory of operation: in passive mode the server says where to connect, in a 227 reply to PASV
 * (RFC 959 §4.1.2) or a 229 reply to EPSV (RFC 2428 §3). In active mode the client says where the
 * server should connect, with PORT (RFC 959 §4.1.2) or EPRT (RFC 2428 §2). The reply parsers read
 * server text, so whatever they cannot read exactly is a {@link RemoteProtocolError}: a port that
 * was guessed would send the transfer somewhere the server never offered. The formatters take the
 * caller's address and throw {@link LocalProtocolError} for anything they could not write
 * unambiguously.
 *
 * {@link parsePortArgument} and {@link parseEprtArgument} are the formatters' inverses, for servers
 * and test doubles that read what a client sent. The codec names errors after the side of the FTP
 * conversation that produced the bad text: the client side is local, the server side is remote.
 * Their input comes from the client side, so they throw {@link LocalProtocolError}, the same error
 * the client would have got had it tried to format that address itself.
 *
 * Addresses are checked by the small validators below rather than a host API (the codec has no
 * `node:net`). They accept the canonical dotted quad and the RFC 4291 §2.2 text forms of IPv6, and
 * nothing else, so no garbage ever turns into an address.
 *
 * @module
 */
import { LocalProtocolError, RemoteProtocolError } from './errors.js';
import type { Reply } from './reply.js';

/**
 * A host and a TCP port. `host` is an IPv4 or IPv6 address in text form.
 *
 * @example
 * ```ts
 * const where: HostPort = { host: '127.0.0.1', port: 32268 };
 * formatPort(where); // '127,0,0,1,126,12'
 * ```
 */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * What a 229 reply carries: only the port. RFC 2428 §3 leaves the network protocol and address
 * empty, so the client connects to the host of the control connection.
 *
 * @example
 * ```ts
 * const { port }: EpsvPort = parseEpsv(reply); // reply: 229 Entering Extended Passive Mode (|||6446|)
 * ```
 */
export interface EpsvPort {
  readonly port: number;
}

/**
 * Read the address of a 227 reply to PASV.
 *
 * The numbers `h1,h2,h3,h4,p1,p2` may stand anywhere in the text, with or without parentheses
 * (`227 Entering Passive Mode (127,0,0,1,126,12).`, `227 =127,0,0,1,126,12`). Throws
 * {@link RemoteProtocolError} for another reply code, for text without exactly six comma-separated
 * numbers in a row, for a number above 255 and for port 0. Rule out negative replies before calling.
 *
 * @example
 * ```ts
 * parsePasv(createReply(227, ['Entering Passive Mode (127,0,0,1,126,12).']));
 * // { host: '127.0.0.1', port: 32268 }
 * ```
 */
export function parsePasv(reply: Reply): HostPort {
  if (reply.code !== 227) throw new RemoteProtocolError(`Expected a 227 reply to PASV, got ${reply.code}`);
  // RFC 1123 §4.1.2.6: the parentheses of RFC 959 are not reliable, so scan the text for the
  // numbers. A run of comma-separated numbers is taken whole: part of a longer run (seven numbers,
  // a thousands separator) is never read as an address. The scan is by hand, in one pass, because
  // a backtracking regular expression is quadratic on a long run of digits from a hostile server.
  const text = reply.text;
  let i = 0;
  while (i < text.length) {
    if (!isDigitCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let fields = 1;
    for (;;) {
      while (isDigitCode(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) !== 0x2c || !isDigitCode(text.charCodeAt(i + 1))) break;
      fields++;
      i++;
    }
    if (fields === 6) return fromSixBytes(text.slice(start, i).split(','), RemoteProtocolError, 'Malformed 227 reply');
  }
  throw new RemoteProtocolError('Malformed 227 reply: no h1,h2,h3,h4,p1,p2 in the text');
}

/**
 * Read the port of a 229 reply to EPSV.
 *
 * RFC 2428 §3 writes it as `(<d><d><d><port><d>)`, where the delimiter `d` is any printable ASCII
 * character (33–126): `|` by recommendation, `!` on some IBM servers. The first parenthesised group
 * of that shape counts. Throws {@link RemoteProtocolError} for another reply code, for text without
 * such a group, and for a port outside 1–65535.
 *
 * @example
 * ```ts
 * parseEpsv(createReply(229, ['Entering Extended Passive Mode (|||6446|)'])); // { port: 6446 }
 * parseEpsv(createReply(229, ['Entering Extended Passive Mode (!!!6446!)'])); // { port: 6446 }
 * ```
 */
export function parseEpsv(reply: Reply): EpsvPort {
  if (reply.code !== 229) throw new RemoteProtocolError(`Expected a 229 reply to EPSV, got ${reply.code}`);
  const text = reply.text;
  for (let open = text.indexOf('('); open !== -1; open = text.indexOf('(', open + 1)) {
    const digits = epsvPortAt(text, open + 1);
    if (digits === undefined) continue;
    const port = Number(digits);
    if (port < 1 || port > 65535) throw new RemoteProtocolError('Malformed 229 reply: port out of range');
    return Object.freeze({ port });
  }
  throw new RemoteProtocolError('Malformed 229 reply: no (|||port|) in the text');
}

/**
 * The digits of the port when `<d><d><d><digits><d>)` starts at `at`, else undefined. The delimiter
 * may itself be a digit (RFC 2428 §2 allows 33–126), so the closing `)` decides where it is.
 */
function epsvPortAt(text: string, at: number): string | undefined {
  const d = text.charCodeAt(at);
  if (!(d >= 33 && d <= 126) || text.charCodeAt(at + 1) !== d || text.charCodeAt(at + 2) !== d) return undefined;
  const start = at + 3;
  let end = start;
  while (isDigitCode(text.charCodeAt(end))) end++;
  if (isDigitCode(d)) end--; // the last digit of the run is the closing delimiter
  if (end <= start || text.charCodeAt(end) !== d || text.charCodeAt(end + 1) !== 0x29) return undefined;
  return text.slice(start, end);
}

/**
 * The argument of PORT for an IPv4 address: `h1,h2,h3,h4,p1,p2` (RFC 959 §4.1.2). Throws
 * {@link LocalProtocolError} for an IPv6 address (use {@link formatEprt}), a host that is not a
 * dotted quad, or a port outside 1–65535.
 *
 * @example
 * ```ts
 * formatPort({ host: '192.168.1.2', port: 6275 }); // '192,168,1,2,24,131'
 * encodeCommand(commands.port(formatPort({ host: '127.0.0.1', port: 6275 })));
 * ```
 */
export function formatPort(address: HostPort): string {
  const { host, port } = address;
  checkLocalPort(port, 'PORT');
  if (!isIpv4(host)) {
    throw new LocalProtocolError(isIpv6(host) ? 'PORT carries only IPv4 addresses; use EPRT' : 'PORT needs an IPv4 address');
  }
  return `${host.replaceAll('.', ',')},${port >> 8},${port & 0xff}`;
}

/**
 * The argument of EPRT: `|1|<IPv4>|<port>|` or `|2|<IPv6>|<port>|` (RFC 2428 §2), the protocol
 * number taken from the address. Throws {@link LocalProtocolError} for a host that is neither
 * (zone identifiers such as `%eth0` and brackets are refused) or a port outside 1–65535.
 *
 * @example
 * ```ts
 * formatEprt({ host: '127.0.0.1', port: 6275 }); // '|1|127.0.0.1|6275|'
 * formatEprt({ host: '::1', port: 6275 });       // '|2|::1|6275|'
 * ```
 */
export function formatEprt(address: HostPort): string {
  const { host, port } = address;
  checkLocalPort(port, 'EPRT');
  const family = ipFamily(host);
  if (family === undefined) throw new LocalProtocolError('EPRT needs an IPv4 or IPv6 address');
  return `|${family === 4 ? 1 : 2}|${host}|${port}|`;
}

/**
 * Read a PORT argument, `h1,h2,h3,h4,p1,p2`, as a client sends it. Throws
 * {@link LocalProtocolError} (see the module notes) unless it is exactly six numbers 0–255 and the
 * port is not 0.
 *
 * @example
 * ```ts
 * parsePortArgument('127,0,0,1,126,12'); // { host: '127.0.0.1', port: 32268 }
 * ```
 */
export function parsePortArgument(arg: string): HostPort {
  const fields = arg.split(',');
  if (fields.length !== 6) throw new LocalProtocolError('Malformed PORT argument: expected h1,h2,h3,h4,p1,p2');
  return fromSixBytes(fields, LocalProtocolError, 'Malformed PORT argument');
}

/**
 * Read an EPRT argument, `<d><net-prt><d><net-addr><d><tcp-port><d>` (RFC 2428 §2), as a client
 * sends it. The delimiter is any printable ASCII character. Throws {@link LocalProtocolError} (see
 * the module notes) when the shape is wrong, the protocol is not 1 (IPv4) or 2 (IPv6), the address
 * does not match it, or the port is outside 1–65535.
 *
 * @example
 * ```ts
 * parseEprtArgument('|2|::1|6275|'); // { host: '::1', port: 6275 }
 * ```
 */
export function parseEprtArgument(arg: string): HostPort {
  const d = arg.charCodeAt(0);
  const parts = d >= 33 && d <= 126 ? arg.split(arg.charAt(0)) : [];
  const [before, family, host, digits, after] = parts;
  if (parts.length !== 5 || before !== '' || after !== '' || host === undefined || digits === undefined) {
    throw new LocalProtocolError('Malformed EPRT argument: expected <d>proto<d>address<d>port<d>');
  }
  const valid = family === '1' ? isIpv4(host) : family === '2' ? isIpv6(host) : false;
  if (!valid) throw new LocalProtocolError('Malformed EPRT argument: protocol and address do not match');
  if (!/^\d{1,5}$/.test(digits)) throw new LocalProtocolError('Malformed EPRT argument: bad port');
  const port = Number(digits);
  checkLocalPort(port, 'EPRT');
  return Object.freeze({ host, port });
}

/**
 * The IP version of an address in text form, or `undefined` when it is neither a canonical dotted
 * quad (no leading zeros) nor an RFC 4291 §2.2 IPv6 address (without zone or brackets).
 *
 * @example
 * ```ts
 * ipFamily('10.0.0.1');    // 4
 * ipFamily('fe80::1');     // 6
 * ipFamily('::ffff:1.2.3.4'); // 6
 * ipFamily('010.0.0.1');   // undefined
 * ```
 */
export function ipFamily(host: string): 4 | 6 | undefined {
  return isIpv4(host) ? 4 : isIpv6(host) ? 6 : undefined;
}

/** Six decimal fields of 0–255 → address and port; `Err` says whose text it was. */
function fromSixBytes(
  fields: readonly string[],
  Err: typeof LocalProtocolError | typeof RemoteProtocolError,
  what: string,
): HostPort {
  const bytes: number[] = [];
  for (const field of fields) {
    // RFC 959 §4.1.2 writes each field as a decimal byte; more than three digits is not one.
    if (!/^\d{1,3}$/.test(field) || Number(field) > 255) throw new Err(`${what}: a field is not a number 0-255`);
    bytes.push(Number(field));
  }
  const [h1, h2, h3, h4, p1, p2] = bytes as [number, number, number, number, number, number];
  const port = p1 * 256 + p2;
  if (port === 0) throw new Err(`${what}: port 0`);
  return Object.freeze({ host: `${h1}.${h2}.${h3}.${h4}`, port });
}

function checkLocalPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LocalProtocolError(`${what} needs a port 1-65535`);
}

function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** A dotted quad with no leading zeros: `010` would be octal to some resolvers and decimal to others. */
function isIpv4(text: string): boolean {
  return typeof text === 'string' && IPV4.test(text);
}

/**
 * RFC 4291 §2.2: eight groups of 1–4 hex digits, at most one `::` standing for one or more zero
 * groups, and optionally a dotted quad as the last 32 bits.
 */
function isIpv6(text: string): boolean {
  // 45 characters is the longest form: six full groups and a full dotted quad.
  if (typeof text !== 'string' || text.length < 2 || text.length > 45) return false;
  const gap = text.indexOf('::');
  if (gap !== -1 && text.includes('::', gap + 1)) return false;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  const groups = [...(head === '' ? [] : head.split(':')), ...(tail === '' ? [] : tail.split(':'))];
  let bits = 0;
  for (const [i, group] of groups.entries()) {
    if (HEX_GROUP.test(group)) bits += 16;
    else if (i === groups.length - 1 && (gap === -1 || tail !== '') && isIpv4(group)) bits += 32; // only at the very end
    else return false;
  }
  return gap === -1 ? bits === 128 : bits <= 112;
}
