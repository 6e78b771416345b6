/**
 * Replies for tests: {@link formatReply}, the inverse of the reply parser, and fast-check
 * arbitraries that generate replies, reply streams and ways to cut bytes into chunks.
 *
 * Theory of operation: `formatReply` writes a {@link Reply} the way a server would, such that
 * `new ReplyParser().push(formatReply(r))` gives back a reply deep-equal to `r`. The parser keeps
 * the lines of a multi-line reply as written, except that it drops a `ddd-` prefix repeating the
 * reply's own code; so every inner line can be written with that prefix and come back unchanged,
 * and a line that would otherwise read as the closing line must be. The arbitraries lean towards
 * the lines that trip parsers: inner lines that look like other replies (`150 x` inside a 226),
 * lines that look like the reply's own closing line, FEAT-style lines with a leading space, empty
 * lines, and multi-byte UTF-8.
 *
 * Needs `fast-check` (an optional peer dependency of the codec).
 *
 * @module
 */
import fc from 'fast-check';
import { LocalProtocolError } from '../errors.js';
import { createReply, replyKind, type Reply } from '../reply.js';
import { encodeText, type TextEncodingName } from '../text.js';

/**
 * Options of {@link formatReply}.
 *
 * @example
 * ```ts
 * const sloppy: FormatReplyOptions = { lineEnding: '\n', innerPrefix: 'when-needed' };
 * formatReply(createReply(211, ['Features:', ' UTF8', 'End']), sloppy); // "211-Features:\n UTF8\n211 End\n"
 * ```
 */
export interface FormatReplyOptions {
  /** Line terminator. Default `'\r\n'` (RFC 959 §4.2); `'\n'` imitates sloppy servers. */
  readonly lineEnding?: '\r\n' | '\n';
  /** Encoding of the text. Default `'utf8'`. */
  readonly encoding?: TextEncodingName;
  /**
   * How inner lines of a multi-line reply are written. `'always'` (default) prefixes each with
   * `ddd-`, as ftp-srv does; `'when-needed'` writes them bare, as most servers do, and prefixes only
   * a line the parser would otherwise read as the end of the reply or as carrying the prefix.
   */
  readonly innerPrefix?: 'always' | 'when-needed';
}

/**
 * Serialize a reply as a server sends it: `ddd text` for one line; `ddd-first`, the inner lines,
 * and `ddd last` for several (RFC 959 §4.2). Throws {@link LocalProtocolError} for a line that
 * cannot be written so that it reads back the same: one containing LF, one ending in CR when
 * `lineEnding` is `'\n'`, or a character `encoding` cannot represent.
 *
 * @example
 * ```ts
 * const bytes = formatReply(createReply(211, ['Features:', ' UTF8', 'End']));
 * // "211-Features:\r\n211- UTF8\r\n211 End\r\n"
 * new ReplyParser().push(bytes); // [a reply deep-equal to the one formatted]
 * ```
 */
export function formatReply(reply: Reply, options: FormatReplyOptions = {}): Uint8Array {
  const { code, lines } = reply;
  const eol = options.lineEnding ?? '\r\n';
  const encoding = options.encoding ?? 'utf8';
  const always = (options.innerPrefix ?? 'always') === 'always';
  if (replyKind(code) === undefined || lines.length === 0) throw new LocalProtocolError('Not a reply');
  const out: string[] = [];
  const last = lines.length - 1;
  for (const [i, line] of lines.entries()) {
    if (line.includes('\n')) throw new LocalProtocolError('A reply line cannot contain LF');
    // Only CRLF protects a trailing CR: the parser drops one CR before the LF.
    if (eol === '\n' && line.endsWith('\r')) throw new LocalProtocolError('A reply line ending in CR needs CRLF line endings');
    if (i === last) out.push(`${code} ${line}`);
    else if (i === 0 || always || needsPrefix(code, line)) out.push(`${code}-${line}`);
    else out.push(line);
  }
  const bytes = encodeText(out.join(eol) + eol, encoding);
  if (bytes === undefined) throw new LocalProtocolError(`A reply line cannot be encoded as ${encoding}`);
  return bytes;
}

/** RFC 959 §4.2: a bare inner line starting with the reply's code and a space, a hyphen or nothing is misread. */
function needsPrefix(code: number, line: string): boolean {
  const rest = line.startsWith(String(code)) ? line.charAt(3) : 'x';
  return rest === '' || rest === ' ' || rest === '-';
}

/**
 * Options of {@link arbReply} and {@link arbReplyStream}.
 *
 * @example
 * ```ts
 * const latin1: ArbReplyOptions = { charset: 'latin1', maxLines: 3 };
 * fc.assert(fc.property(arbReply(latin1), (reply) => {
 *   const parser = new ReplyParser({ encoding: 'latin1' });
 *   expect(parser.push(formatReply(reply, { encoding: 'latin1' }))).toEqual([reply]);
 * }));
 * ```
 */
export interface ArbReplyOptions {
  /**
   * Characters of the text: `'ascii'`, `'latin1'` (U+0000–U+00FF) or `'unicode'` (any code point,
   * default). CR and LF never appear; use `'latin1'` with a parser set to latin1.
   */
  readonly charset?: 'ascii' | 'latin1' | 'unicode';
  /** Most lines in one reply. Default 6. */
  readonly maxLines?: number;
  /** Longest line text in characters. Default 40. */
  readonly maxLineLength?: number;
}

/**
 * Any reply the parser can produce, leaning towards awkward inner lines.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbReply(), (reply) => {
 *   expect(new ReplyParser().push(formatReply(reply))).toEqual([reply]);
 * }));
 * ```
 */
export function arbReply(options: ArbReplyOptions = {}): fc.Arbitrary<Reply> {
  const text = arbLineText(options);
  const maxLength = options.maxLines ?? 6;
  // Common codes first, so that collisions between a reply and the codes inside it happen often.
  const code = fc.oneof(fc.constantFrom(150, 211, 214, 220, 226, 227, 229, 230, 250, 257, 331, 421, 550), fc.integer({ min: 100, max: 699 }));
  return code.chain((own) =>
    fc.array(arbReplyLine(own, text), { minLength: 1, maxLength }).map((lines) => createReply(own, lines)),
  );
}

/**
 * A sequence of replies, as a server sends them one after the other on one connection.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbReplyStream(), (replies) => {
 *   const bytes = concat(replies.map((r) => formatReply(r)));
 *   expect(new ReplyParser().push(bytes)).toEqual(replies);
 * }));
 * ```
 */
export function arbReplyStream(options: ArbReplyOptions & { readonly maxReplies?: number } = {}): fc.Arbitrary<Reply[]> {
  return fc.array(arbReply(options), { maxLength: options.maxReplies ?? 8 });
}

/**
 * Ways to cut `bytes` into consecutive chunks, empty chunks included. The chunks are copies, as
 * separate socket reads would be, and joined they are `bytes` again.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbChunks(bytes), (chunks) => {
 *   const parser = new ReplyParser();
 *   expect(chunks.flatMap((chunk) => parser.push(chunk))).toEqual(new ReplyParser().push(bytes));
 * }));
 * ```
 */
export function arbChunks(bytes: Uint8Array, options: { readonly maxChunks?: number } = {}): fc.Arbitrary<Uint8Array[]> {
  const cuts = fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: (options.maxChunks ?? 16) - 1 });
  return cuts.map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const to of [...sorted, bytes.length]) {
      chunks.push(bytes.slice(from, to));
      from = to;
    }
    return chunks;
  });
}

function arbLineText(options: ArbReplyOptions): fc.Arbitrary<string> {
  const charset = options.charset ?? 'unicode';
  const unit =
    charset === 'unicode'
      ? fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }))
      : fc.integer({ min: 0, max: charset === 'ascii' ? 0x7f : 0xff }).map((c) => String.fromCharCode(c));
  // CR and LF end lines; they are exercised by the parser's own tests, not inside generated text.
  const safe = unit.map((c) => (c === '\r' || c === '\n' ? ' ' : c));
  return fc.string({ unit: safe, maxLength: options.maxLineLength ?? 40 });
}

function arbReplyLine(own: number, text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const code = fc.integer({ min: 100, max: 699 });
  const sep = fc.constantFrom(' ', '-', '');
  return fc.oneof(
    { weight: 4, arbitrary: text },
    // Looks like another reply: "150 Opening data connection" inside a 226.
    { weight: 1, arbitrary: fc.tuple(code, sep, text).map(([c, s, t]) => `${c}${s}${t}`) },
    // Looks like this reply's own lines, including its closing line.
    { weight: 1, arbitrary: fc.tuple(sep, text).map(([s, t]) => `${own}${s}${t}`) },
    // FEAT and HELP style.
    { weight: 1, arbitrary: text.map((t) => ` ${t}`) },
    { weight: 1, arbitrary: fc.constant('') },
  );
}
