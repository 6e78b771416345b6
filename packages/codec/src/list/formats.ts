/**
 * The table of listing formats: their names, their readers, and the scratch space a parse reads
 * them with. The engine (`engine.ts`) decides which lines go where; this module only knows how to
 * hand a line to the reader of one format.
 *
 * Theory of operation: every format has an index, which is also its place in the tie-break order
 * of the vote (identical counts only). The readers of unix and MLSD lines keep scratch space of
 * their own between lines (see `unix.ts`, `mlsd-reader.ts`); the others need only the parse's
 * {@link ReadContext}. A {@link ParseScratch} holds all of it for one parse (a `Collector`, a
 * `ListingParser`, one `parseListingLine` call), so that no two parses, not even two interleaved
 * line by line, share any state. An array rather than an object with fields, for speed:
 * `packages/bench/RESULTS.md`, "Listing parse: per-parse state", says why.
 *
 * The less common formats (VMS onwards) are offered a line only when the common ones have refused
 * it, in the order of the table, by {@link readRare}; their readers refuse a line of another
 * format within its first columns.
 *
 * @module
 */
import { LocalProtocolError } from '../errors.js';
import { type LineResult, MDY, PENDING, type ReadContext, readContext } from './context.js';
import { parseDosLine } from './dos.js';
import { parseEplfLine } from './eplf.js';
import { type MlsdScratch, mlsdScratch, readMlsdLine, releaseMlsdScratch } from './mlsd-reader.js';
import { readMvsLine } from './mvs.js';
import { readJesLine } from './mvs-jes.js';
import { readNetwareLine } from './netware.js';
import { readNonstopLine } from './nonstop.js';
import { readOs2Line } from './os2.js';
import { readOs400Line } from './os400.js';
import type { ListingFormat, ListingLineParser, TimeZoneOffsetFunction } from './types.js';
import { readUnixLine, releaseUnixScratch, type UnixScratch, unixScratch } from './unix.js';
import { readVmsLine } from './vms.js';

/** The formats, by index. The order breaks ties (which need identical counts). @internal */
export const FORMATS = ['mlsd', 'unix', 'dos', 'eplf', 'vms', 'mvs', 'os400', 'os2', 'netware', 'nonstop'] as const satisfies readonly ListingFormat[];
/** Format indexes. @internal */
export const MLSD = 0;
/** See {@link MLSD}. @internal */
export const UNIX = 1;
/** See {@link MLSD}. @internal */
export const DOS = 2;
/** See {@link MLSD}. @internal */
export const EPLF = 3;
/** See {@link MLSD}. @internal */
export const VMS = 4;
const MVS = 5;
const OS400 = 6;
const OS2 = 7;
const NETWARE = 8;
const NONSTOP = 9;

/** The index of `format` in the table, -1 for none. @internal */
export function formatIndex(format: ListingFormat | undefined): number {
  if (format === undefined) return -1;
  const index = (FORMATS as readonly string[]).indexOf(format);
  if (index < 0) throw new LocalProtocolError(`Unknown listing format: expected one of ${FORMATS.join(', ')}`);
  return index;
}

/**
 * The scratch space of one parse: `now` (epoch milliseconds, or NaN), the unix and MLSD readers'
 * scratch spaces, made when first needed, the read context of the other readers, the caller's
 * line parser, and the reader's answer that {@link readRare} leaves.
 *
 * @internal
 */
export type ParseScratch = [
  now: number,
  unix: UnixScratch | undefined,
  mlsd: MlsdScratch | undefined,
  context: ReadContext,
  hook: ListingLineParser | undefined,
  found: LineResult,
];
// The parts of a ParseScratch.
const NOW = 0;
const UNIX_SCRATCH = 1;
/** @internal */
export const MLSD_SCRATCH = 2;
const CONTEXT = 3;
/** @internal */
export const HOOK = 4;
const FOUND = 5;

/**
 * The scratch space of a new parse: `now` epoch milliseconds or NaN, the server's `offset` from UTC
 * in milliseconds, the date `order` (context.ts), the caller's line parser, and the server's
 * offset as a function of the date (`zone`, which wins over `offset` when given). @internal
 */
export function parseScratch(now: number, offset = 0, order = MDY, hook?: ListingLineParser, zone?: TimeZoneOffsetFunction): ParseScratch {
  return [now, undefined, undefined, readContext(now, offset, order, zone), hook, undefined];
}

/** The read context of the parse that `scratch` belongs to. @internal */
export function contextOf(scratch: ParseScratch): ReadContext {
  return scratch[CONTEXT];
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
  scratch[FOUND] = undefined;
}

/** Read a unix line with the scratch space of its parse. @internal */
export function unixLine(text: string, start: number, end: number, scratch: ParseScratch): LineResult {
  return readUnixLine(text, start, end, (scratch[UNIX_SCRATCH] ??= unixScratch(scratch[NOW], scratch[CONTEXT])));
}

/** Read an MLSD line with the scratch space of its parse. @internal */
export function mlsdLine(text: string, start: number, end: number, scratch: ParseScratch): LineResult {
  return readMlsdLine(text, start, end, (scratch[MLSD_SCRATCH] ??= mlsdScratch()));
}

/** Parse `text[start, end)` in the format of index `format`. @internal */
export function parseWith(format: number, text: string, start: number, end: number, scratch: ParseScratch): LineResult {
  const context = scratch[CONTEXT];
  context.weak = false;
  switch (format) {
    case MLSD:
      return mlsdLine(text, start, end, scratch);
    case UNIX:
      return unixLine(text, start, end, scratch);
    case DOS:
      return parseDosLine(text, start, end, context);
    case EPLF:
      return parseEplfLine(text, start, end);
    case VMS:
      return readVmsLine(text, start, end, context);
    case MVS:
      return readMvsLine(text, start, end, context) ?? readJesLine(text, start, end);
    case OS400:
      return readOs400Line(text, start, end, context);
    case OS2:
      return readOs2Line(text, start, end, context);
    case NETWARE:
      return readNetwareLine(text, start, end, context);
    case NONSTOP:
      return readNonstopLine(text, start, end, context);
    default:
      return undefined;
  }
}

/**
 * Offer `text[start, end)` to the less common formats in turn: the index of the first that accepts
 * it, or -1. Its answer, `undefined` when none accepts, is left for {@link foundOf}: never the
 * answer to an earlier line, which would make a line none reads look like the first half of a
 * wrapped VMS record and swallow the line after it.
 * @internal
 */
export function readRare(text: string, start: number, end: number, scratch: ParseScratch): number {
  for (let format = VMS; format < FORMATS.length; format++) {
    const result = parseWith(format, text, start, end, scratch);
    if (result !== undefined) {
      scratch[FOUND] = result;
      return format;
    }
  }
  scratch[FOUND] = undefined;
  return -1;
}

/** What the reader that {@link readRare} found answered. @internal */
export function foundOf(scratch: ParseScratch): LineResult {
  return scratch[FOUND];
}

/** Could `line` be the first half of a record that the next line completes (a wrapped VMS name)? @internal */
export function mayContinue(line: string, scratch: ParseScratch): boolean {
  return readVmsLine(line, 0, line.length, scratch[CONTEXT]) === PENDING;
}
