/**
 * What the format readers of one parse are told, and what they can answer besides an entry.
 *
 * Theory of operation: a reader is handed one line and answers with an entry, `undefined` (not a
 * line of its format), {@link SKIP} (a line of its format that names no entry: a header such as
 * z/OS's `Volume Unit Referred ...`, a trailer such as VMS's `Total of 3 files`) or {@link PENDING}
 * (the first half of a record that the next line completes: VMS wraps a long file name onto a line
 * of its own). SKIP lines vote for their format like entries do, so that a listing of an empty
 * directory that is only a header is still recognised; PENDING lines are joined to the next line by
 * the engine (`engine.ts`), never by the reader, which keeps readers free of memory between lines.
 *
 * The {@link ReadContext} carries the options that shape how a line reads (the server's offset from
 * UTC, fixed or a function of the date, `now` for year-less dates, the order of numeric dates) and
 * one answer back: `weak`, set by a
 * reader whose accepted line is too plain to vote (a bare PDS member name, which NLST output of
 * any server also looks like). A parse makes one context, so two parses never share it.
 *
 * @module
 */
import type { ListingEntry, ListingTimePrecision, TimeZoneOffsetFunction } from './types.js';

/** A line of the format that names no entry (a header, a trailer). @internal */
export const SKIP = 1;
/** A line that starts a record the next line completes. @internal */
export const PENDING = 2;

/** What a format reader answers for one line. @internal */
export type LineResult = ListingEntry | undefined | typeof SKIP | typeof PENDING;

/** Date part orders, as numbers (see `ListingDateOrder`). @internal */
export const MDY = 0;
/** See {@link MDY}. @internal */
export const DMY = 1;
/** See {@link MDY}. @internal */
export const YMD = 2;

/** Precision codes the readers pass around, as numbers. @internal */
export const DAY = 0;
/** See {@link DAY}. @internal */
export const MINUTE = 1;
/** See {@link DAY}. @internal */
export const SECOND = 2;

/** The precision names, by code. @internal */
export const PRECISIONS = ['day', 'minute', 'second'] as const satisfies readonly ListingTimePrecision[];

/**
 * The options of one parse as its readers need them, and the reader's `weak` answer.
 *
 * @internal
 * @example
 * ```ts
 * const context = readContext(Number.NaN, 60 * 60_000, MDY); // a server at UTC+01:00
 * const berlin = readContext(Number.NaN, 0, MDY, (wall) => (isSummer(wall) ? 120 : 60)); // one with DST
 * ```
 */
export interface ReadContext {
  /** The current time, epoch milliseconds, NaN without one. */
  readonly now: number;
  /** The server's offset from UTC, milliseconds, east positive: subtracted from LIST times. */
  readonly offset: number;
  /** The server's offset as a function of its wall clock, when it has no one offset (`dates.ts: utcOf`). */
  readonly zone: TimeZoneOffsetFunction | undefined;
  /** {@link MDY}, {@link DMY} or {@link YMD}. */
  readonly order: number;
  /** Set by a reader: the line it has just accepted does not vote. */
  weak: boolean;
}

/** A new context. @internal */
export function readContext(now: number, offset: number, order: number, zone?: TimeZoneOffsetFunction): ReadContext {
  return { now, offset, zone, order, weak: false };
}
