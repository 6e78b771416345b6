/**
 * The reply to SIZE (RFC 3659 §4).
 *
 * Theory of operation: a 213 reply whose whole text is the size in octets, `213 6`. The size drives
 * resume offsets and progress, so only exactly that is accepted: digits, with blanks around them
 * tolerated, fitting a safe integer. Anything else is a {@link RemoteProtocolError} rather than a
 * number that might be wrong.
 *
 * @module
 */
import { RemoteProtocolError } from './errors.js';
import type { Reply } from './reply.js';

/**
 * Read the size from the reply to SIZE. Throws {@link RemoteProtocolError} for another code, a
 * multi-line reply, text that is not a decimal number, or a size beyond
 * `Number.MAX_SAFE_INTEGER` (8 PiB, where a `number` stops counting octets exactly). Rule out
 * negative replies (550 for a directory or a missing file) before calling.
 *
 * @example
 * ```ts
 * parseSizeReply(createReply(213, ['6']));      // 6
 * parseSizeReply(createReply(213, ['a lot']));  // throws RemoteProtocolError
 * ```
 */
export function parseSizeReply(reply: Reply): number {
  if (reply.code !== 213) throw new RemoteProtocolError(`Expected a 213 reply to SIZE, got ${reply.code}`);
  // RFC 3659 §4.2: size-response = "213" SP 1*DIGIT CRLF, on one line.
  const match = reply.lines.length === 1 ? /^[ \t]*(\d+)[ \t]*$/.exec(reply.text) : null;
  const size = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(size)) throw new RemoteProtocolError('Malformed 213 reply to SIZE: not a size in octets');
  return size;
}

/**
 * The size a 125/150 reply announces for a download: vsftpd and ProFTPD end it with `(N bytes)`
 * (`150 Opening BINARY mode data connection for big.bin (8388608 bytes)`). Undefined when it does
 * not say. Informational text, so nothing else is read from it; after REST, servers differ on
 * whether it counts the whole file (vsftpd) or what is left (ProFTPD).
 *
 * @example
 * ```ts
 * parseAnnouncedSize(createReply(150, ['Opening BINARY mode data connection for a.bin (6 bytes).'])); // 6
 * parseAnnouncedSize(createReply(150, ['File status okay'])); // undefined
 * ```
 */
export function parseAnnouncedSize(reply: Reply): number | undefined {
  const match = /\((\d+) bytes\)/i.exec(reply.text);
  const size = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(size) ? size : undefined;
}
