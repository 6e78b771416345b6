/**
 * Directory listings: the public face of the LIST and MLSD parsers.
 *
 * Theory of operation: a listing is text, one entry per line, and RFC 959 leaves the LIST format to
 * the server, so the format is detected, not assumed: every line is offered to the format parsers
 * that could take it and the format that accepts the most lines wins, as lftp does (basic-ftp
 * decides from a single line and then mis-parses mixed or prefixed output). `list/engine.ts` holds
 * that engine, `list/*.ts` the format parsers and `list/types.ts` the types; this module only
 * checks options and walks the input through the engine.
 *
 * Nothing is dropped silently: a line that the chosen format cannot parse is reported in
 * `unparsed` with its line number. The only lines skipped on purpose are blank lines and `ls`'s
 * `total N`, and the only entries left out are `.` and `..` (and MLSD's `cdir`/`pdir`), which name
 * the directory itself and its parent and are a classic path-traversal hazard for naive mirroring.
 *
 * Every entry keeps its `raw` line. Dates in LIST listings are server-local without a zone; they
 * are read at the offset the caller gives (`timeZoneOffset`: fixed, or a function of the date for a
 * zone with daylight saving time; UTC without one), and every entry with a time says how precise it
 * is (see `list/unix.ts` for how a missing year is inferred from `now`).
 * The codec never reads the clock or the host's time zone: both come from the caller.
 *
 * @module
 */
import { FtpReplyError, LocalProtocolError } from './errors.js';
import { PENDING, SKIP } from './list/context.js';
import { chompedLength, collected, collector, finishCollecting, formatIndex, parseScratch, parseWith, scratchOf, skipped, walkLines, walkText } from './list/engine.js';
import type { ListingEntry, ListingFormat, ListingResult, ParseListingOptions } from './list/types.js';
import { isFileSystemRefusal, type Reply } from './reply.js';

export type {
  ListingDateOrder,
  ListingEntry,
  ListingEntryType,
  ListingFormat,
  ListingLineParser,
  ListingResult,
  ListingTimePrecision,
  ParseListingOptions,
  TimeZoneOffsetFunction,
  UnparsedLine,
} from './list/types.js';

/**
 * Parse a whole directory listing (the text of a LIST or MLSD data transfer). Lines end in CRLF or
 * LF. Never throws on server text: lines that fit no format are returned in `unparsed`. Throws
 * {@link LocalProtocolError} only for bad options.
 *
 * @example
 * ```ts
 * const result = parseListing(
 *   'drwxr-xr-x 2 ftp ftp 4096 Nov 25 15:40 sub\r\n-rw-r--r-- 1 ftp ftp 6 Jan 02  2020 hello.txt\r\n',
 *   { now: new Date('2026-11-25T15:58:00Z') },
 * );
 * result.format;                     // 'unix'
 * result.entries.map((e) => e.name); // ['sub', 'hello.txt']
 * result.entries[0].modifiedAt;      // 2026-11-25T15:40:00.000Z
 * ```
 */
export function parseListing(text: string, options: ParseListingOptions = {}): ListingResult {
  const c = collector(formatIndex(options.format), scratchOf(options));
  walkText(text, c, false);
  if (finishCollecting(c)) walkText(text, c, true);
  return collected(c);
}

/**
 * Parse a single line in a known format; `undefined` when the line is not in that format (or is
 * blank, or a header or trailer that names no entry, or the first half of a VMS record wrapped
 * over two lines: give both, joined by `\n`). Unlike {@link parseListing} it does not leave out
 * `.`, `..`, `cdir` or `pdir`; `options.parseLine` is not used.
 *
 * @example
 * ```ts
 * parseListingLine('01-02-2020  03:04   1234 a b.txt', 'dos');
 * // { name: 'a b.txt', type: 'file', size: 1234, modifiedAt: 2020-01-02T03:04:00.000Z, raw: '…' }
 * parseListingLine('not a listing', 'unix'); // undefined
 * ```
 */
export function parseListingLine(line: string, format: ListingFormat, options: Omit<ParseListingOptions, 'format'> = {}): ListingEntry | undefined {
  const index = formatIndex(format);
  if (index < 0) throw new LocalProtocolError('A listing format is required');
  const { parseLine: _unused, ...rest } = options;
  const scratch = scratchOf(rest);
  const end = chompedLength(line);
  if (skipped(line, 0, end)) return undefined;
  const result = parseWith(index, line, 0, end, scratch);
  return result === SKIP || result === PENDING ? undefined : result;
}

/**
 * True when `reply`, a refusal of `LIST -a [path]`, may be about the `-a` flag rather than the path,
 * so that plain `LIST [path]` must be tried before the refusal counts. `ls -l` style servers hide
 * dotfiles unless asked (vsftpd), so clients try `-a` first; a server that does not take the flag
 * may say so (500–504 but 503, RFC 959 §4.2.1's syntax replies), or take `-a path` for a name and
 * answer as its file system does (45x, 55x: `550 -a up: No such file`). Replies about the
 * connection or the login (x2z: 421, 425, 426, 522; x3z: 530), 503 (bad sequence) and anything
 * not negative say nothing about the flag.
 *
 * @example
 * ```ts
 * listFlagRefused(createReply(501, ['Invalid option']));        // true
 * listFlagRefused(createReply(550, ['-a up: No such file']));   // true
 * listFlagRefused(createReply(425, ['No data connection']));    // false
 * ```
 */
export function listFlagRefused(reply: Reply): boolean {
  const negative = reply.kind === 'transient' || reply.kind === 'permanent';
  // RFC 959 §4.2.1: the second digit groups replies by what they are about; 0 is syntax, 5 the file system.
  const syntax = negative && reply.code !== 503 && Math.floor(reply.code / 10) % 10 === 0;
  return syntax || isFileSystemRefusal(reply);
}

/**
 * The format that parses the most of `lines`, or `undefined` when none parses any. Blank lines and
 * `total N` do not count. This is the detection {@link parseListing} performs.
 *
 * @example
 * ```ts
 * detectListingFormat(['+i1.2,m825718503,r,s280,\tdjb.html', '+i1.3,m824255907,/,\tpub']); // 'eplf'
 * ```
 */
export function detectListingFormat(lines: readonly string[]): ListingFormat | undefined {
  const c = collector(-1, parseScratch(Number.NaN));
  walkLines(lines, 0, lines.length, false, c, false);
  finishCollecting(c);
  return collected(c).format;
}

/**
 * Parse the listing inside a reply to `STAT path` (RFC 959 §4.1.3: "the status command [...] with
 * an argument [...] is analogous to the LIST command, except that data shall be transferred over
 * the control connection"). The first and last reply lines are the server's own text; the lines in
 * between are the listing, where many servers indent each with one space (so that no line starts
 * with digits, RFC 959 §4.2) — that one space is removed. Replies 211, 212 and 213 are accepted; any
 * other code throws {@link FtpReplyError}. Unparsed indexes refer to `reply.lines`.
 *
 * @example
 * ```ts
 * const reply = createReply(213, ['Status of hello.txt:', ' -rw-r--r-- 1 u g 6 Jan  2  2020 hello.txt', 'End']);
 * parseStatListing(reply).entries[0].name; // 'hello.txt'
 * ```
 */
export function parseStatListing(reply: Reply, options: ParseListingOptions = {}): ListingResult {
  if (reply.code < 211 || reply.code > 213) throw new FtpReplyError(reply, 'STAT');
  const lines = reply.lines;
  const c = collector(formatIndex(options.format), scratchOf(options));
  walkLines(lines, 1, lines.length - 1, true, c, false);
  if (finishCollecting(c)) walkLines(lines, 1, lines.length - 1, true, c, true);
  return collected(c);
}
