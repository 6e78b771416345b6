/**
 * The listing engine: how the lines of a listing reach the format parsers, how the format is
 * chosen, and what is skipped. The public face (`listing.ts`) and the incremental parser
 * (`listing-stream.ts`) both drive it; users never see it.
 *
 * Theory of operation: a listing is text, one entry per line. RFC 959 leaves the LIST format to
 * the server, so the format is detected, not assumed. Every non-blank line is offered to the format
 * parsers (unix `ls -l`, DOS/IIS, EPLF, MLSD) in a single pass, each parser counts the lines it
 * accepts, and the format with the most wins, as lftp does. basic-ftp instead decides from a single
 * line and then mis-parses mixed or prefixed output. The results of every parser are kept during
 * the pass, so the winner's entries need no second parse. Parsers return `undefined` instead of
 * throwing, so a garbage line costs a few character comparisons, not an exception, and they read
 * each line in place in the listing text, copying out only what an entry keeps.
 *
 * The four formats never accept the same line, and the first character shows which can: a digit
 * only DOS (`12-31-20`), `+` only EPLF, a space only MLSD (a line without facts), a letter MLSD (a
 * fact name) or, for the letters `ls` prints as a file type, unix; other unix type characters (`-`,
 * `?`) only unix. A unix line and an MLSD line exclude each other: a unix line has no `=` before the
 * space after its ten-character mode, which MLSD requires. So a line is offered only to the one or
 * two parsers that could take it, and the counts are the same as if every parser had read every
 * line (`test/listing.test.ts` checks this on generated and random lines).
 *
 * The only lines skipped on purpose are blank lines and `ls`'s `total N`, and the only entries left
 * out are `.` and `..` (and MLSD's `cdir`/`pdir`), which name the directory itself and its parent
 * and are a classic path-traversal hazard for naive mirroring.
 *
 * @module
 */
import { LocalProtocolError } from '../errors.js';
import { parseDosLine } from './dos.js';
import { parseEplfLine } from './eplf.js';
import { type MlsdScratch, mlsdScratch, mlsdSelfOrParent, readMlsdLine, releaseMlsdScratch } from './mlsd-reader.js';
import type { ListingEntry, ListingFormat, ListingResult, ParseListingOptions, UnparsedLine } from './types.js';
import { readUnixLine, releaseUnixScratch, type UnixScratch, unixScratch } from './unix.js';

// The order breaks ties (which need identical counts).
const FORMATS = ['mlsd', 'unix', 'dos', 'eplf'] as const satisfies readonly ListingFormat[];
const MLSD = 0;
const UNIX = 1;
const DOS = 2;
const EPLF = 3;

/** The index of `format` in the engine's tables, -1 for none. @internal (listing-stream.ts) */
export function formatIndex(format: ListingFormat | undefined): number {
  if (format === undefined) return -1;
  const index = (FORMATS as readonly string[]).indexOf(format);
  if (index < 0) throw new LocalProtocolError('Unknown listing format: expected unix, dos, eplf or mlsd');
  return index;
}

/** `options.now` as a time, NaN without one. @internal (listing-stream.ts) */
export function nowOf(options: ParseListingOptions): number {
  const now = options.now;
  if (now === undefined) return Number.NaN;
  const time = now instanceof Date ? now.getTime() : Number.NaN;
  if (Number.isNaN(time)) throw new LocalProtocolError('options.now must be a valid Date');
  return time;
}

/**
 * The scratch space of one parse, and with it everything the parse remembers from one line to the
 * next: `now` (epoch milliseconds, or NaN, for year-less unix dates) and the scratch spaces of the
 * unix and MLSD readers, made when first needed (DOS and EPLF lines need no memory). The parse (a
 * {@link Collector}, a `ListingParser`, one `parseListingLine` call) makes one with
 * {@link parseScratch} and passes it down to the format readers, so that no two parses, not even
 * two interleaved line by line, share any state. An array rather than an object with fields, for
 * speed: `packages/bench/RESULTS.md`, "Listing parse: per-parse state", says why.
 *
 * @internal
 */
export type ParseScratch = [now: number, unix: UnixScratch | undefined, mlsd: MlsdScratch | undefined];
// The parts of a ParseScratch.
const NOW = 0;
const UNIX_SCRATCH = 1;
const MLSD_SCRATCH = 2;

/** The scratch space of a new parse; `now` is epoch milliseconds or NaN. @internal */
export function parseScratch(now: number): ParseScratch {
  return [now, undefined, undefined];
}

/**
 * Forget what `scratch` remembers from the text, so that no listing text outlives the call that
 * brought it (unless an entry the caller keeps holds it). @internal
 */
export function releaseScratch(scratch: ParseScratch): void {
  const unix = scratch[UNIX_SCRATCH];
  const mlsd = scratch[MLSD_SCRATCH];
  if (unix !== undefined) releaseUnixScratch(unix);
  if (mlsd !== undefined) releaseMlsdScratch(mlsd);
}

/** Read a unix line with the scratch space of its parse. */
function unixLine(text: string, start: number, end: number, scratch: ParseScratch): ListingEntry | undefined {
  return readUnixLine(text, start, end, (scratch[UNIX_SCRATCH] ??= unixScratch(scratch[NOW])));
}

/** Read an MLSD line with the scratch space of its parse. */
function mlsdLine(text: string, start: number, end: number, scratch: ParseScratch): ListingEntry | undefined {
  return readMlsdLine(text, start, end, (scratch[MLSD_SCRATCH] ??= mlsdScratch()));
}

/** Parse `text[start, end)` in the format of index `format`. @internal (listing-stream.ts) */
export function parseWith(format: number, text: string, start: number, end: number, scratch: ParseScratch): ListingEntry | undefined {
  switch (format) {
    case MLSD:
      return mlsdLine(text, start, end, scratch);
    case UNIX:
      return unixLine(text, start, end, scratch);
    case DOS:
      return parseDosLine(text, start, end);
    case EPLF:
      return parseEplfLine(text, start, end);
    default:
      return undefined;
  }
}

const UNITS = 'KMGTPEkmgtpe';

/** Is `text[start, end)` blank (spaces and tabs only) or `ls`'s `total 123` / `total 1.5M`? @internal */
export function skipped(text: string, start: number, end: number): boolean {
  if (end <= start) return true;
  const first = text.charCodeAt(start);
  if (first === 0x74) {
    // 't'
    if (!text.startsWith('total ', start)) return false;
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
  if (first !== 0x20 && first !== 0x09) return false;
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/**
 * `.` and `..` (any format) and MLSD `cdir`/`pdir`: the directory itself and its parent. `format`
 * is the format that has just read `entry` with `scratch`. @internal
 */
export function excluded(entry: ListingEntry, format: number, scratch: ParseScratch): boolean {
  const name = entry.name;
  return name === '.' || name === '..' || (format === MLSD && mlsdSelfOrParent(scratch[MLSD_SCRATCH]!));
}

/**
 * Can a unix line start with character `c` (`ls`'s file type letters)? A table, not a call: the
 * engine asks for every line, mostly while the JIT has not yet compiled it. Filled once here and
 * only read after.
 */
const UNIX_FIRST = new Uint8Array(128);
for (const c of '-dlbcpsDPnw?') UNIX_FIRST[c.charCodeAt(0)] = 1;

/**
 * The listing engine, fed one line at a time by the functions below (a class rather than closures
 * made per call, which defeat V8's inlining from one listing to the next). With a forced format it
 * parses each line once. When detecting, it offers each line to the formats that could accept it,
 * keeps each format's entries, and records which format accepted the line, so the winner is known
 * at the end without parsing anything twice. Lines themselves are not kept: in the rare case that
 * the winner rejected some, the source is walked again through {@link Collector.report}. Lines are
 * never copied out of the text unless an entry or a report keeps them. listing-stream.ts votes with
 * one over the first lines of a listing. The scratch space it reads the lines with is the parse's
 * own ({@link ParseScratch}), given by whoever runs the parse.
 *
 * @internal
 */
export class Collector {
  readonly #forced: number;
  readonly #scratch: ParseScratch;
  readonly #byFormat: ListingEntry[][] = [[], [], [], []];
  readonly #hits = [0, 0, 0, 0];
  /**
   * Which format accepted each non-blank line (-1: none), run-length encoded as (format, count)
   * pairs: a listing in one format is one run, so the record costs nothing per line.
   */
  readonly #runs: number[] = [];
  readonly #unparsed: UnparsedLine[] = [];
  /** After {@link Collector.finish}: the winning format, or -1. */
  #winner = -1;
  /** Position of {@link Collector.report} in {@link Collector.#runs}. */
  #run = 0;
  #left = 0;

  constructor(forced: number, scratch: ParseScratch) {
    this.#forced = forced;
    this.#scratch = scratch;
  }

  /** Take line `index`, `text[start, end)` (line ending excluded). */
  add(text: string, start: number, end: number, index: number): void {
    const first = text.charCodeAt(start);
    if ((first === 0x74 || first === 0x20 || first === 0x09 || end <= start) && skipped(text, start, end)) return;
    const forced = this.#forced;
    const scratch = this.#scratch;
    if (forced >= 0) {
      const entry = parseWith(forced, text, start, end, scratch);
      if (entry === undefined) this.#unparsed.push(Object.freeze({ line: text.slice(start, end), index }));
      else if (!excluded(entry, forced, scratch)) this.#byFormat[forced]!.push(entry);
      return;
    }
    // The one format that can accept the line, by its first character (see the module comment).
    // Written out rather than calling a helper: this runs for every line, often in the interpreter.
    let entry: ListingEntry | undefined;
    let format = -1;
    if (first >= 0x30 && first <= 0x39) {
      entry = parseDosLine(text, start, end);
      if (entry !== undefined) format = DOS;
    } else if (first === 0x2b) {
      entry = parseEplfLine(text, start, end);
      if (entry !== undefined) format = EPLF;
    } else {
      if (first < 128 && UNIX_FIRST[first] === 1) {
        entry = unixLine(text, start, end, scratch);
        if (entry !== undefined) format = UNIX;
      }
      // The MLSD reader refuses at once what starts with neither a letter nor a space.
      if (format < 0) {
        entry = mlsdLine(text, start, end, scratch);
        if (entry !== undefined) format = MLSD;
      }
    }
    const runs = this.#runs;
    const last = runs.length - 2;
    if (last >= 0 && runs[last] === format) runs[last + 1]!++;
    else runs.push(format, 1);
    if (format >= 0) {
      this.#hits[format]!++;
      if (!excluded(entry!, format, scratch)) this.#byFormat[format]!.push(entry!);
    }
  }

  /**
   * Pick the winner. True when some lines must be reported as unparsed, which takes walking the
   * source again through {@link Collector.report}.
   */
  finish(): boolean {
    if (this.#forced >= 0) {
      this.#winner = this.#forced;
      return false;
    }
    const hits = this.#hits;
    let best = 0;
    for (let format = 1; format < FORMATS.length; format++) if (hits[format]! > hits[best]!) best = format;
    this.#winner = hits[best]! > 0 ? best : -1;
    const runs = this.#runs;
    for (let k = 0; k < runs.length; k += 2) if (runs[k] !== this.#winner || this.#winner < 0) return true;
    return false;
  }

  /** Second walk, same lines as {@link Collector.add}: keep those the winner did not accept. */
  report(text: string, start: number, end: number, index: number): void {
    if (skipped(text, start, end)) return;
    const runs = this.#runs;
    while (this.#left === 0) {
      this.#left = runs[this.#run + 1]!;
      this.#run += 2;
    }
    this.#left--;
    const format = runs[this.#run - 2]!;
    if (format < 0 || format !== this.#winner) this.#unparsed.push(Object.freeze({ line: text.slice(start, end), index }));
  }

  result(): ListingResult {
    const winner = this.#winner;
    return Object.freeze({
      format: winner >= 0 ? FORMATS[winner] : undefined,
      entries: Object.freeze(winner >= 0 ? this.#byFormat[winner]! : []),
      unparsed: Object.freeze(this.#unparsed),
    });
  }
}

/**
 * Feed the lines of `text` (CRLF or LF) to `collector`: {@link Collector.add}, or
 * {@link Collector.report} when `again`. @internal
 */
export function walkText(text: string, collector: Collector, again: boolean): void {
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
      if (again) collector.report(text, start, end, index);
      else collector.add(text, start, end, index);
    }
    index++;
    start = next;
  }
}

/**
 * Feed `lines[from, to)` to `collector`, each without a trailing CR and, with `indent`, without one
 * leading space. @internal
 */
export function walkLines(lines: readonly string[], from: number, to: number, indent: boolean, collector: Collector, again: boolean): void {
  for (let i = from; i < to; i++) {
    const line = lines[i]!;
    const start = indent && line.charCodeAt(0) === 0x20 ? 1 : 0;
    if (again) collector.report(line, start, chompedLength(line), i);
    else collector.add(line, start, chompedLength(line), i);
  }
}

/** Length of `line` without its trailing CR, if it has one. @internal */
export function chompedLength(line: string): number {
  const n = line.length;
  return n > 0 && line.charCodeAt(n - 1) === 0x0d ? n - 1 : n;
}
