// Why this file is long: the collector's two walks, the vote and the joining of wrapped records share one record of the lines.
/**
 * The listing engine: how the lines of a listing reach the format parsers, how the format is
 * chosen, and what is skipped. The public face (`listing.ts`) and the incremental parser
 * (`listing-stream.ts`) both drive it; users never see it.
 *
 * Theory of operation: a listing is text, one entry per line. RFC 959 leaves the LIST format to
 * the server, so the format is detected, not assumed. Every non-blank line is offered to the format
 * parsers (formats.ts) in a single pass, each parser counts the lines it accepts, and the format
 * with the most wins, as lftp does. basic-ftp instead decides from a single line and then
 * mis-parses mixed or prefixed output. The results of every parser are kept during the pass, so
 * the winner's entries need no second parse. Parsers return `undefined` instead of throwing, so a
 * garbage line costs a few character comparisons, not an exception, and they read each line in
 * place in the listing text, copying out only what an entry keeps.
 *
 * The formats never accept the same line, and the first character shows which common one can: a
 * digit DOS (`12-31-20`) or unix after an inode column, `+` only EPLF, a letter MLSD (a fact name)
 * or, for the letters `ls` prints as a file type, unix; other unix type characters (`-`, `?`) only
 * unix. A unix line and an MLSD line exclude each other: a unix line has no `=` before the space
 * after its mode, which MLSD requires. A line that starts with a space or a tab is never offered to
 * MLSD while detecting: RFC 3659 allows an entry without facts (` name`), but while detecting such
 * a line is far more often an indented line of `ls`, `dir` or OS/2 output, and reading it as a
 * fact-less MLSD entry made junk entries; a forced `mlsd` format still reads it. Lines none of
 * those take are offered to the less common formats in turn (`readRare`). So a line goes only to
 * the parsers that could take it, and the counts are the same as if every parser had read every
 * line (`test/listing.test.ts` checks this on generated, corpus and random lines).
 *
 * Besides entries, a parser may answer SKIP (a header or trailer of its format: it votes, names no
 * entry) or PENDING (VMS: a file name whose record the next line completes). The engine keeps a
 * PENDING line and offers the format the two lines joined by `\n`; if they do not make a record,
 * the first line is reported as unparsed and the second read on its own. A parser may also mark a
 * line it accepts as too plain to vote (`context.weak`: a bare PDS member name): it becomes an
 * entry only when its format wins on other lines.
 *
 * The caller's own line parser (`parseLine`) is tried first on every line; what it takes is kept
 * in place whatever format wins and does not vote.
 *
 * The only lines skipped on purpose are blank lines and `ls`'s `total N` (in any of the languages
 * of {@link isTotal}), and the only entries left out are `.` and `..` (and MLSD's `cdir`/`pdir`),
 * which name the directory itself and its parent and are a classic path-traversal hazard for naive
 * mirroring.
 *
 * @module
 */
import { LocalProtocolError } from '../errors.js';
import { DMY, type LineResult, MDY, PENDING, SKIP, YMD } from './context.js';
import { parseDosLine } from './dos.js';
import { parseEplfLine } from './eplf.js';
import {
  contextOf,
  DOS,
  EPLF,
  FORMATS,
  foundOf,
  HOOK,
  MLSD,
  MLSD_SCRATCH,
  mlsdLine,
  type ParseScratch,
  parseScratch,
  parseWith,
  readRare,
  UNIX,
  unixLine,
  VMS,
} from './formats.js';
import { mlsdSelfOrParent } from './mlsd-reader.js';
import type { ListingEntry, ListingEntryType, ListingResult, ParseListingOptions, UnparsedLine } from './types.js';

export { formatIndex, mayContinue, type ParseScratch, parseScratch, parseWith, releaseScratch } from './formats.js';

/** `options.now` as a time, NaN without one. @internal (listing-stream.ts) */
export function nowOf(options: ParseListingOptions): number {
  const now = options.now;
  if (now === undefined) return Number.NaN;
  const time = now instanceof Date ? now.getTime() : Number.NaN;
  if (Number.isNaN(time)) throw new LocalProtocolError('options.now must be a valid Date');
  return time;
}

/** The scratch space of a parse with `options`, which it checks. @internal (listing.ts, listing-stream.ts) */
export function scratchOf(options: ParseListingOptions): ParseScratch {
  const zone = options.timeZoneOffset;
  const offset = typeof zone === 'function' ? 0 : (zone ?? 0);
  if (!Number.isInteger(offset) || offset < -1440 || offset > 1440) {
    throw new LocalProtocolError('options.timeZoneOffset must be a whole number of minutes from -1440 to 1440, or a function of the date that gives one');
  }
  const order = options.dateOrder ?? 'mdy';
  if (order !== 'mdy' && order !== 'dmy' && order !== 'ymd') throw new LocalProtocolError("options.dateOrder must be 'mdy', 'dmy' or 'ymd'");
  const hook = options.parseLine;
  if (hook !== undefined && typeof hook !== 'function') throw new LocalProtocolError('options.parseLine must be a function');
  return parseScratch(nowOf(options), offset * 60_000, order === 'dmy' ? DMY : order === 'ymd' ? YMD : MDY, hook, typeof zone === 'function' ? zone : undefined);
}

const UNITS = 'KMGTPEkmgtpe';

/**
 * The word `ls` prints before the number of blocks, in the languages of `months.ts` and CJK
 * (coreutils translations of "total"). A line that is one of them and a number is not an entry.
 */
const TOTALS = ['total', 'insgesamt', 'totale', 'totaal', 'totalt', 'razem', 'итого', 'összesen', 'celkem', '合計', '总用量', '總用量', '합계'] as const;

/** Is `text[start, end)` a `total` line in another language than English? (English: {@link skipped}.) */
function isTotal(text: string, start: number, end: number): boolean {
  for (const word of TOTALS) {
    if (!text.startsWith(word, start) || text.charCodeAt(start + word.length) !== 0x20) continue;
    let i = start + word.length;
    while (i < end && text.charCodeAt(i) === 0x20) i++;
    if (i >= end) return false;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (!(c >= 0x30 && c <= 0x39) && c !== 0x2e && c !== 0x2c && !(i === end - 1 && UNITS.includes(text[i]!))) return false;
    }
    return true;
  }
  return false;
}

/** Is `text[start, end)` blank (spaces and tabs only) or `ls`'s `total 123` / `total 1.5M`? @internal */
export function skipped(text: string, start: number, end: number): boolean {
  if (end <= start) return true;
  const first = text.charCodeAt(start);
  if (first === 0x74) {
    // 't'; MLSD's `type=` is refused at its second letter.
    if (text.charCodeAt(start + 1) !== 0x6f) return false;
    if (!text.startsWith('total ', start)) return isTotal(text, start, end);
    let i = start + 6;
    while (i < end && text.charCodeAt(i) === 0x20) i++;
    if (i >= end) return false;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      const digit = c >= 0x30 && c <= 0x39;
      if (!digit && c !== 0x2e && c !== 0x2c && !(i === end - 1 && UNITS.includes(text[i]!))) return false;
    }
    return true;
  }
  if (first !== 0x20 && first !== 0x09) return (first < 128 ? MAY_BE_TOTAL[first] === 1 : first > 0x3000 || first === 0xf6 || first === 0x438) && isTotal(text, start, end);
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/**
 * The ASCII first characters of the words of {@link TOTALS} other than `t` (the others: `ö`, `и`
 * and CJK, tested beside it): a filter that lets the common line through without a search. Filled
 * once here and only read after.
 */
const MAY_BE_TOTAL = new Uint8Array(128);
for (const word of TOTALS) if (word[0] !== 't' && word.charCodeAt(0) < 128) MAY_BE_TOTAL[word.charCodeAt(0)] = 1;

/**
 * `.` and `..` (any format) and MLSD `cdir`/`pdir`: the directory itself and its parent. `format`
 * is the format that has just read `entry` with `scratch`. @internal
 */
export function excluded(entry: ListingEntry, format: number, scratch: ParseScratch): boolean {
  const name = entry.name;
  return name === '.' || name === '..' || (format === MLSD && mlsdSelfOrParent(scratch[MLSD_SCRATCH]!));
}

const TYPES: readonly ListingEntryType[] = ['file', 'directory', 'symlink', 'unknown'];

/** What the caller's line parser returned, checked and frozen (a copy, when it was not frozen). */
function hookEntry(got: unknown, line: string): ListingEntry {
  const entry = got as ListingEntry;
  if (typeof got !== 'object' || typeof entry.name !== 'string' || entry.name.length === 0 || !TYPES.includes(entry.type)) {
    throw new LocalProtocolError('options.parseLine must return an entry with a name and a type, null or undefined');
  }
  if (Object.isFrozen(entry) && typeof entry.raw === 'string') return entry;
  return Object.freeze({ ...entry, raw: typeof entry.raw === 'string' ? entry.raw : line });
}

/**
 * Can a unix line start with character `c` (`ls`'s file type letters)? A table, not a call: the
 * engine asks for every line, mostly while the JIT has not yet compiled it. Filled once here and
 * only read after.
 */
const UNIX_FIRST = new Uint8Array(128);
for (const c of '-dlbcpsDPnw?CMmFQSTr') UNIX_FIRST[c.charCodeAt(0)] = 1;

/** In a collector's runs: a line no format accepted. */
const NONE = -1;
/** In a collector's runs: a line the caller's line parser took (or left out). */
const TAKEN = -2;

/**
 * The listing engine, fed one line at a time by {@link collect}. With a forced format it parses
 * each line once. When detecting, it offers each line to the formats that could accept it, keeps
 * each format's entries, and records which format accepted the line, so the winner is known at the
 * end ({@link finishCollecting}) without parsing anything twice. Lines themselves are not kept: in
 * the rare case that the winner rejected some, the source is walked again through
 * {@link reportUnparsed}. Lines are never copied out of the text unless an entry or a report keeps
 * them (or a VMS name waits for the rest of its record). listing-stream.ts votes with one over the
 * first lines of a listing, and parses the rest with one in a forced format, taking its entries as
 * they come ({@link takeCollected}). The scratch space it reads the lines with is the parse's own
 * ({@link ParseScratch}), given by whoever runs the parse.
 *
 * An array and functions rather than a class, for the reason the scratch spaces are arrays: V8
 * compiles `collect` against the hidden class of what it is given, and an instance's class dies
 * with the last instance at a full collection, taking the compiled engine with it
 * (`packages/bench/RESULTS.md`, "Listing parse, cold").
 *
 * @internal
 */
export type Collector = [
  forced: number,
  scratch: ParseScratch,
  byFormat: ListingEntry[][],
  /** Entries of the caller's line parser, for a listing in which no format wins. */
  hooked: ListingEntry[],
  hits: number[],
  /**
   * Which format accepted each non-blank line ({@link NONE}, {@link TAKEN}), run-length encoded as
   * (format, count) pairs: a listing in one format is one run, so the record costs nothing per line.
   */
  runs: number[],
  unparsed: UnparsedLine[],
  /** A line that PENDING left, waiting for the next, and its line number. */
  waiting: string | undefined,
  waitingIndex: number,
  /** After {@link finishCollecting}: the winning format, or -1. */
  winner: number,
  /** Position of {@link reportUnparsed} in `runs`. */
  run: number,
  left: number,
];
// The parts of a Collector.
const FORCED = 0;
const SCRATCH = 1;
const BY_FORMAT = 2;
const HOOKED = 3;
const HITS = 4;
const RUNS = 5;
const UNPARSED = 6;
const WAITING = 7;
const WAITING_INDEX = 8;
const WINNER = 9;
const RUN = 10;
const LEFT = 11;

/** A collector of the lines of one parse in format `forced` (-1: detect), read with `scratch`. @internal */
export function collector(forced: number, scratch: ParseScratch): Collector {
  return [forced, scratch, FORMATS.map(() => []), [], FORMATS.map(() => 0), [], [], undefined, 0, -1, 0, 0];
}

/**
 * Take line `index`, `text[start, end)` (line ending excluded). Kept small, with the rare cases in
 * functions of their own: it runs for every line, often in the interpreter, and V8 compiles a
 * function sooner the smaller it is.
 *
 * @internal
 */
export function collect(c: Collector, text: string, start: number, end: number, index: number): void {
  const first = text.charCodeAt(start);
  if ((first === 0x74 || first === 0x20 || first === 0x09 || end <= start || (first < 128 ? MAY_BE_TOTAL[first] === 1 : first > 0x3000 || first === 0xf6 || first === 0x438)) && skipped(text, start, end)) return;
  const scratch = c[SCRATCH];
  if ((c[WAITING] !== undefined || scratch[HOOK] !== undefined) && special(c, text, start, end)) return;
  const forced = c[FORCED];
  if (forced >= 0) {
    collectForced(c, forced, text, start, end, index);
    return;
  }
  // The one common format that can accept the line, by its first character (see the module
  // comment). Written out rather than calling a helper.
  let result: LineResult;
  let format = -1;
  if (first >= 0x30 && first <= 0x39) {
    result = parseDosLine(text, start, end, contextOf(scratch));
    if (result !== undefined) format = DOS;
    else {
      result = unixLine(text, start, end, scratch);
      if (result !== undefined) format = UNIX;
    }
  } else if (first === 0x2b) {
    result = parseEplfLine(text, start, end);
    if (result !== undefined) format = EPLF;
  } else if (first === 0x20 || first === 0x09) {
    // Indented: never a fact-less MLSD entry while detecting.
    result = parseDosLine(text, start, end, contextOf(scratch));
    if (result !== undefined) format = DOS;
    else {
      result = unixLine(text, start, end, scratch);
      if (result !== undefined) format = UNIX;
    }
  } else {
    if (first < 128 && UNIX_FIRST[first] === 1) {
      result = unixLine(text, start, end, scratch);
      if (result !== undefined) format = UNIX;
    }
    // The MLSD reader refuses at once what does not start with a letter.
    if (format < 0) {
      result = mlsdLine(text, start, end, scratch);
      if (result !== undefined) format = MLSD;
    }
  }
  if (format < 0) {
    collectRare(c, text, start, end, index);
    return;
  }
  // accept(), written out: this runs for every line.
  const runs = c[RUNS];
  const last = runs.length - 2;
  if (last >= 0 && runs[last] === format) runs[last + 1]!++;
  else runs.push(format, 1);
  c[HITS][format]!++;
  if (typeof result === 'object' && !excluded(result, format, scratch)) c[BY_FORMAT][format]!.push(result);
}

/** The caller's line parser, and a waiting line: true when either has taken this one. */
function special(c: Collector, text: string, start: number, end: number): boolean {
  if (c[SCRATCH][HOOK] !== undefined && hook(c, text, start, end)) return true;
  return c[WAITING] !== undefined && join(c, text, start, end);
}

/** {@link collect} in a forced format. */
function collectForced(c: Collector, forced: number, text: string, start: number, end: number, index: number): void {
  const scratch = c[SCRATCH];
  const result = parseWith(forced, text, start, end, scratch);
  if (result === undefined) c[UNPARSED].push(Object.freeze({ line: text.slice(start, end), index }));
  else if (result === PENDING) wait(c, text, start, end, index);
  else if (result !== SKIP && !excluded(result, forced, scratch)) c[BY_FORMAT][forced]!.push(result);
}

/** {@link collect} for a line no common format took: the less common ones, or none. */
function collectRare(c: Collector, text: string, start: number, end: number, index: number): void {
  const scratch = c[SCRATCH];
  const format = readRare(text, start, end, scratch);
  const result = foundOf(scratch);
  if (result === PENDING) {
    wait(c, text, start, end, index);
    return;
  }
  if (format >= 0 && contextOf(scratch).weak) {
    // Too plain to vote: recorded for its format, kept, not counted.
    record(c, format, 1);
    if (typeof result === 'object' && !excluded(result, format, scratch)) c[BY_FORMAT][format]!.push(result);
    return;
  }
  accept(c, format, result);
}

/** Record a line's verdict; count it and keep its entry when a format accepted it. */
function accept(c: Collector, format: number, result: LineResult): void {
  record(c, format, 1);
  if (format >= 0) {
    c[HITS][format]!++;
    if (typeof result === 'object' && !excluded(result, format, c[SCRATCH])) c[BY_FORMAT][format]!.push(result);
  }
}

/** Append `count` lines of verdict `format` to the run-length record. */
function record(c: Collector, format: number, count: number): void {
  if (c[FORCED] >= 0) return;
  const runs = c[RUNS];
  const last = runs.length - 2;
  if (last >= 0 && runs[last] === format) runs[last + 1]! += count;
  else runs.push(format, count);
}

/** Offer the line to the caller's line parser: true when it took the line (or left it out). */
function hook(c: Collector, text: string, start: number, end: number): boolean {
  const line = text.slice(start, end);
  const got = c[SCRATCH][HOOK]!(line);
  if (got === undefined) return false;
  flush(c);
  record(c, TAKEN, 1);
  if (got !== null) {
    const entry = hookEntry(got, line);
    if (entry.name !== '.' && entry.name !== '..') {
      for (const entries of c[BY_FORMAT]) entries.push(entry);
      c[HOOKED].push(entry);
    }
  }
  return true;
}

/** Keep a PENDING line for the next. */
function wait(c: Collector, text: string, start: number, end: number, index: number): void {
  c[WAITING] = text.slice(start, end);
  c[WAITING_INDEX] = index;
}

/** Offer the waiting line and this one, joined, to VMS: true when they made a record. */
function join(c: Collector, text: string, start: number, end: number): boolean {
  const joined = `${c[WAITING]!}\n${text.slice(start, end)}`;
  const result = parseWith(VMS, joined, 0, joined.length, c[SCRATCH]);
  if (result === undefined || result === SKIP || result === PENDING) {
    flush(c);
    return false;
  }
  c[WAITING] = undefined;
  const forced = c[FORCED];
  if (forced >= 0) {
    if (!excluded(result, VMS, c[SCRATCH])) c[BY_FORMAT][forced]!.push(result);
    return true;
  }
  record(c, VMS, 1);
  c[HITS][VMS]!++;
  accept(c, VMS, result);
  return true;
}

/** The waiting line, if any, did not make a record: it is unparsed. */
function flush(c: Collector): void {
  const waiting = c[WAITING];
  if (waiting === undefined) return;
  c[WAITING] = undefined;
  if (c[FORCED] >= 0) c[UNPARSED].push(Object.freeze({ line: waiting, index: c[WAITING_INDEX] }));
  else record(c, NONE, 1);
}

/**
 * The entries and unparsed lines gathered since the last call, in a forced format (the streaming
 * parser's way of taking them as they come). @internal
 */
export function takeCollected(c: Collector): [entries: ListingEntry[], unparsed: UnparsedLine[]] {
  const forced = c[FORCED];
  const entries = c[BY_FORMAT][forced]!;
  const unparsed = c[UNPARSED];
  c[BY_FORMAT][forced] = [];
  c[UNPARSED] = [];
  return [entries, unparsed];
}

/**
 * Pick the winner. True when some lines must be reported as unparsed, which takes walking the
 * source again through {@link reportUnparsed}. @internal
 */
export function finishCollecting(c: Collector): boolean {
  flush(c);
  const forced = c[FORCED];
  if (forced >= 0) {
    c[WINNER] = forced;
    return false;
  }
  const hits = c[HITS];
  let best = 0;
  for (let format = 1; format < FORMATS.length; format++) if (hits[format]! > hits[best]!) best = format;
  const winner = hits[best]! > 0 ? best : -1;
  c[WINNER] = winner;
  const runs = c[RUNS];
  for (let k = 0; k < runs.length; k += 2) if (runs[k] !== TAKEN && (runs[k] !== winner || winner < 0)) return true;
  return false;
}

/** Second walk, same lines as {@link collect}: keep those the winner did not accept. @internal */
export function reportUnparsed(c: Collector, text: string, start: number, end: number, index: number): void {
  if (skipped(text, start, end)) return;
  const runs = c[RUNS];
  while (c[LEFT] === 0) {
    c[LEFT] = runs[c[RUN] + 1]!;
    c[RUN] += 2;
  }
  c[LEFT]--;
  const format = runs[c[RUN] - 2]!;
  if (format === NONE || (format >= 0 && format !== c[WINNER])) c[UNPARSED].push(Object.freeze({ line: text.slice(start, end), index }));
}

/** What the collector found, after {@link finishCollecting}. @internal */
export function collected(c: Collector): ListingResult {
  const winner = c[WINNER];
  return Object.freeze({
    format: winner >= 0 ? FORMATS[winner] : undefined,
    entries: Object.freeze(winner >= 0 ? c[BY_FORMAT][winner]! : c[HOOKED]),
    unparsed: Object.freeze(c[UNPARSED]),
  });
}

/**
 * Feed the lines of `text` (CRLF or LF) to `c`: {@link collect}, or {@link reportUnparsed} when
 * `again`. @internal
 */
export function walkText(text: string, c: Collector, again: boolean): void {
  const n = text.length;
  let start = 0;
  let index = 0;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    const next = end + 1;
    // CRLF, or a bare LF from sloppy servers.
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    if (end > start) {
      if (again) reportUnparsed(c, text, start, end, index);
      else collect(c, text, start, end, index);
    }
    index++;
    start = next;
  }
}

/**
 * Feed `lines[from, to)` to `c`, each without a trailing CR and, with `indent`, without one
 * leading space. @internal
 */
export function walkLines(lines: readonly string[], from: number, to: number, indent: boolean, c: Collector, again: boolean): void {
  for (let i = from; i < to; i++) {
    const line = lines[i]!;
    const start = indent && line.charCodeAt(0) === 0x20 ? 1 : 0;
    if (again) reportUnparsed(c, line, start, chompedLength(line), i);
    else collect(c, line, start, chompedLength(line), i);
  }
}

/** Length of `line` without its trailing CR, if it has one. @internal */
export function chompedLength(line: string): number {
  const n = line.length;
  return n > 0 && line.charCodeAt(n - 1) === 0x0d ? n - 1 : n;
}
