/**
 * Incremental reply framing and parsing.
 *
 * Theory of operation: bytes arrive in arbitrary chunks. The parser scans for LF without decoding
 * anything, keeping at most one unfinished line (bounded by `maxLineBytes`). A complete line drops
 * its trailing CR (bare LF is tolerated: several servers emit it) and only then is decoded as UTF-8
 * or latin1. Lines are grouped into replies by RFC 959 §4.2: `ddd-` opens a multi-line reply and
 * only `ddd ` with the same code closes it; every line in between, including ones that look like
 * other replies, belongs to it. The total size of one reply is bounded by `maxReplyBytes`.
 *
 * Any violation is a {@link RemoteProtocolError}, and it is sticky: once the stream is broken, every
 * later call reports the same error, because nothing after a framing fault can be trusted.
 *
 * Before the first reply (the greeting), two other protocols are recognised by their first bytes and
 * named, since "malformed reply" would not tell the user what is wrong: an SSH identification line
 * (`SSH-`, RFC 4253 §4.2: the user meant SFTP) as the first line is {@link SshServerError}, and a
 * TLS record (the stream's first byte a TLS content type, 20–23, RFC 8446 §5.1: the port speaks
 * implicit FTPS) is {@link TlsModeError}. No FTP reply can start either way: a reply starts with a
 * digit. Both are decided on what came first, so any split of the bytes gives the same error.
 *
 * @module
 */
import { RemoteProtocolError, SshServerError, TlsModeError } from './errors.js';
import { freezeReply, replyKind, type Reply } from './reply.js';
import { decodeText, type TextEncodingName } from './text.js';

/** Options of {@link ReplyParser}. */
export interface ReplyParserOptions {
  /** How reply text is decoded. Default `'utf8'` (RFC 2640). Can be changed later. */
  readonly encoding?: TextEncodingName;
  /**
   * Longest accepted line in bytes, CRLF excluded. Default 16 KiB: the same bound h11 places on an
   * HTTP header block, and four times Linux's PATH_MAX, so a 257 or MLST reply naming the deepest
   * legal path still fits.
   */
  readonly maxLineBytes?: number;
  /**
   * Largest accepted reply in bytes, all lines together, each counted with its CRLF. Default 1 MiB.
   * basic-ftp stops at 64 KiB, which cuts off `STAT dir` listings of a few thousand files; 1 MiB
   * keeps memory bounded while letting those through.
   */
  readonly maxReplyBytes?: number;
}

/** Default for {@link ReplyParserOptions.maxLineBytes}. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;
/** Default for {@link ReplyParserOptions.maxReplyBytes}. */
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const DIGIT_0 = 0x30;
const SPACE = 0x20;
const HYPHEN = 0x2d;
/** RFC 8446 §5.1 ContentType: change_cipher_spec (20), alert (21), handshake (22), application_data (23). */
const TLS_FIRST = 0x14;
const TLS_LAST = 0x17;
/** RFC 4253 §4.2: an SSH server's identification line starts with this. */
const SSH_PREFIX = 'SSH-';

interface OpenReply {
  code: number;
  lines: string[];
  bytes: number;
}

/**
 * Turns control-connection bytes into {@link Reply} objects.
 *
 * @example
 * ```ts
 * const parser = new ReplyParser();
 * const bytes = new TextEncoder().encode('220 ready\r\n331 Password');
 * parser.push(bytes.subarray(0, 5));   // []
 * parser.push(bytes.subarray(5));      // [Reply 220]
 * parser.push(new TextEncoder().encode(' please\r\n')); // [Reply 331]
 * parser.end();                        // throws if a reply was cut off
 * ```
 */
export class ReplyParser {
  /** Encoding used for lines completed from now on. */
  encoding: TextEncodingName;
  readonly maxLineBytes: number;
  readonly maxReplyBytes: number;

  #partial: Uint8Array;
  #partialLength = 0;
  #open: OpenReply | undefined;
  #error: RemoteProtocolError | undefined;
  /** A byte has arrived since the start (or the last reset). */
  #started = false;
  /** A reply has been completed since the start (or the last reset): the greeting is behind us. */
  #greeted = false;
  /** Scratch list of line ends, reused across chunks. */
  readonly #ends: number[] = [];

  constructor(options: ReplyParserOptions = {}) {
    this.encoding = options.encoding ?? 'utf8';
    this.maxLineBytes = positive(options.maxLineBytes, DEFAULT_MAX_LINE_BYTES, 'maxLineBytes');
    this.maxReplyBytes = positive(options.maxReplyBytes, DEFAULT_MAX_REPLY_BYTES, 'maxReplyBytes');
    this.#partial = new Uint8Array(Math.min(256, this.maxLineBytes + 2));
  }

  /** True when a reply or line has started but not finished. */
  get pending(): boolean {
    return this.#open !== undefined || this.#partialLength > 0;
  }

  /**
   * Feed bytes; returns the replies they complete, in order. Throws {@link RemoteProtocolError} on
   * malformed or oversized input, after which the parser stays broken.
   */
  push(chunk: Uint8Array): Reply[] {
    const out: Reply[] = [];
    this.pushEach(chunk, (reply) => out.push(reply));
    return out;
  }

  /**
   * Like {@link ReplyParser.push}, but hands each reply to `onReply` as soon as it is complete, so
   * replies that precede a fault in the same chunk are not lost.
   */
  pushEach(chunk: Uint8Array, onReply: (reply: Reply) => void): void {
    if (this.#error) throw this.#error;
    try {
      this.#scan(chunk, onReply);
    } catch (err) {
      if (err instanceof RemoteProtocolError) this.#error = err;
      throw err;
    }
  }

  /**
   * The server closed the connection. Throws {@link RemoteProtocolError} (sticky) if a line or a
   * multi-line reply was cut off.
   */
  end(): void {
    if (this.#error) throw this.#error;
    if (this.pending) {
      this.#error = new RemoteProtocolError('Connection closed in the middle of a reply');
      throw this.#error;
    }
  }

  /** Forget everything, including a sticky error (for example after reconnecting). */
  reset(): void {
    this.#partialLength = 0;
    this.#open = undefined;
    this.#error = undefined;
    this.#started = false;
    this.#greeted = false;
  }

  #scan(chunk: Uint8Array, onReply: (reply: Reply) => void): void {
    const n = chunk.length;
    // The stream's first byte tells a TLS record from a greeting (a record may hold no line end).
    if (n > 0 && !this.#started) {
      this.#started = true;
      if (chunk[0]! >= TLS_FIRST && chunk[0]! <= TLS_LAST) throw new TlsModeError('tls');
    }
    let start = 0;
    if (this.#partialLength > 0) {
      // Finish the line carried over from an earlier chunk.
      const lf = chunk.indexOf(LF);
      if (lf === -1) {
        this.#keep(chunk);
        return;
      }
      this.#keep(chunk.subarray(0, lf));
      const line = this.#partial.subarray(0, this.#partialLength);
      this.#partialLength = 0;
      const length = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
      if (length > this.maxLineBytes) throw this.#lineTooLong();
      this.#line(decodeText(line.subarray(0, length), this.encoding), length, onReply);
      start = lf + 1;
    }
    // Frame every complete line of the rest of the chunk on bytes first, checking the line bound,
    // then decode them all with one call: a LF byte never occurs inside a UTF-8 sequence, so the
    // decoded text splits at exactly the same places.
    const ends = this.#ends;
    ends.length = 0;
    let pos = start;
    let tooLong = false;
    for (let lf = chunk.indexOf(LF, pos); lf !== -1; lf = chunk.indexOf(LF, pos)) {
      const length = lf > pos && chunk[lf - 1] === CR ? lf - pos - 1 : lf - pos;
      if (length > this.maxLineBytes) {
        tooLong = true;
        break;
      }
      ends.push(lf);
      pos = lf + 1;
    }
    if (ends.length > 0) {
      const text = decodeText(chunk.subarray(start, ends[ends.length - 1]), this.encoding);
      let from = 0;
      let lineStart = start;
      for (let i = 0; i < ends.length; i++) {
        const lf = ends[i]!;
        const to = i + 1 < ends.length ? text.indexOf('\n', from) : text.length;
        const cr = to > from && text.charCodeAt(to - 1) === CR;
        const bytes = lf - lineStart - (cr ? 1 : 0);
        this.#line(text.slice(from, cr ? to - 1 : to), bytes, onReply);
        from = to + 1;
        lineStart = lf + 1;
      }
    }
    if (tooLong) throw this.#lineTooLong();
    if (pos < n) this.#keep(chunk.subarray(pos));
  }

  /** Append to the unfinished line, refusing to grow past the line bound (+1 for a trailing CR). */
  #keep(bytes: Uint8Array): void {
    const needed = this.#partialLength + bytes.length;
    if (needed > this.maxLineBytes + 1) throw this.#lineTooLong();
    if (needed > this.#partial.length) {
      const grown = new Uint8Array(Math.min(Math.max(needed, this.#partial.length * 2), this.maxLineBytes + 1));
      grown.set(this.#partial.subarray(0, this.#partialLength));
      this.#partial = grown;
    }
    this.#partial.set(bytes, this.#partialLength);
    this.#partialLength = needed;
  }

  #lineTooLong(): RemoteProtocolError {
    return new RemoteProtocolError(`Reply line longer than ${this.maxLineBytes} bytes`);
  }

  /** One decoded line (terminator removed) and its size in bytes. */
  #line(line: string, byteLength: number, onReply: (reply: Reply) => void): void {
    const open = this.#open;
    const code = replyCode(line);
    if (open === undefined) {
      if (line.length === 0) return; // stray blank line between replies: carries nothing
      if (code === undefined) {
        if (!this.#greeted && line.startsWith(SSH_PREFIX)) throw new SshServerError(line);
        throw new RemoteProtocolError('Malformed reply: expected a three-digit code');
      }
      const sep = line.length > 3 ? line.charCodeAt(3) : SPACE;
      if (sep !== SPACE && sep !== HYPHEN) throw new RemoteProtocolError('Malformed reply: expected space or hyphen after the code');
      // Each line counts with a two-byte terminator however it ended, so the bound is the size of the
      // reply as sent with CRLF, and a one-line reply is held to it as well.
      const bytes = byteLength + 2;
      this.#checkSize(bytes);
      const text = line.slice(4);
      if (sep === SPACE) this.#deliver(onReply, freezeReply(code, replyKind(code)!, [text]));
      else this.#open = { code, lines: [text], bytes };
      return;
    }
    open.bytes += byteLength + 2;
    this.#checkSize(open.bytes);
    // RFC 959 §4.2: only the opening code followed by a space (or nothing) ends a multi-line reply.
    if (code === open.code && (line.length === 3 || line.charCodeAt(3) === SPACE)) {
      open.lines.push(line.slice(4));
      this.#open = undefined;
      this.#deliver(onReply, freezeReply(open.code, replyKind(open.code)!, open.lines));
      return;
    }
    const own = code === open.code && line.charCodeAt(3) === HYPHEN; // "211-foo" inside a 211 reply: drop the repeat
    open.lines.push(own ? line.slice(4) : line);
  }

  #deliver(onReply: (reply: Reply) => void, reply: Reply): void {
    this.#greeted = true;
    onReply(reply);
  }

  #checkSize(bytes: number): void {
    if (bytes > this.maxReplyBytes) throw new RemoteProtocolError(`Reply larger than ${this.maxReplyBytes} bytes`);
  }
}

/** The reply code at the start of a line (first digit 1–6), or undefined. */
function replyCode(line: string): number | undefined {
  if (line.length < 3) return undefined;
  const a = line.charCodeAt(0) - DIGIT_0;
  const b = line.charCodeAt(1) - DIGIT_0;
  const c = line.charCodeAt(2) - DIGIT_0;
  if (a < 1 || a > 6 || b < 0 || b > 9 || c < 0 || c > 9) return undefined;
  return a * 100 + b * 10 + c;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
