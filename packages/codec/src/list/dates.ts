/**
 * The dates and clocks of listing lines, read in place: the pieces every LIST format shares.
 *
 * Theory of operation: each function reads one column `text[start, end)` and answers a number
 * (never a `Date`, never an exception): a day as epoch milliseconds at 00:00 UTC, or a time of day
 * in milliseconds, or NaN / -1 when the column is not what was asked for. Every field is checked
 * against the calendar (31 April, hour 24, month 13 are refused, never rolled over), so that an
 * almost-date makes its line unparsed rather than an entry with a made-up time.
 *
 * Two-digit years follow the POSIX `strptime` `%y` pivot: 69–99 are 1969–1999, 00–68 are
 * 2000–2068. A numeric date whose part order the format leaves open (`06/11/97`) is read in the
 * order the caller gives (see `ListingDateOrder`); one that is impossible in that order is refused.
 *
 * A date and clock read from a line is the server's wall clock, a number as if it were UTC. It
 * becomes UTC in one place, {@link utcOf}: minus the caller's fixed offset, or minus what the
 * caller's offset function answers for that wall clock (a zone with daylight saving time has one
 * offset in winter and another in summer, so the offset depends on the date read). The function's
 * answer is checked like the fixed offset; the codec never asks the host for a zone.
 *
 * @module
 */
import { LocalProtocolError } from '../errors.js';
import { civilToEpoch, daysInMonth } from '../time.js';
import { DMY, type ReadContext, YMD } from './context.js';
import type { TimeZoneOffsetFunction } from './types.js';
import { decimal } from './digits.js';
import { englishMonth } from './months.js';
import { indexIn } from './scan.js';

const COLON = 0x3a;

/** A two-digit year by the POSIX `%y` pivot. @internal */
export function fullYear(twoDigits: number): number {
  return twoDigits + (twoDigits >= 69 ? 1900 : 2000);
}

/** Epoch milliseconds of `year`-`month` (1–12)-`day` 00:00 UTC, or NaN for an impossible date. @internal */
export function dayTime(year: number, month: number, day: number): number {
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  return civilToEpoch(year, month, day, 0, 0, 0, 0);
}

/**
 * A clock `H:MM`, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (the fraction truncated to
 * milliseconds) in `text[start, end)`, with `separator` between the parts (`:` unless told), as
 * milliseconds since midnight; -1 when it is not one.
 *
 * @internal
 * @example
 * ```ts
 * clock('9:05', 0, 4);      // 32_700_000
 * clock('12:60', 0, 5);     // -1
 * ```
 */
export function clock(text: string, start: number, end: number, separator = COLON): number {
  const first = text.charCodeAt(start + 1) === separator ? start + 1 : text.charCodeAt(start + 2) === separator ? start + 2 : -1;
  if (first < 0 || end - first < 3) return -1;
  const hours = decimal(text, start, first);
  const minutes = decimal(text, first + 1, first + 3);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return -1;
  let ms = (hours * 60 + minutes) * 60_000;
  if (end === first + 3) return ms;
  if (text.charCodeAt(first + 3) !== separator || end - first < 6) return -1;
  const seconds = decimal(text, first + 4, first + 6);
  // Second 60 is a leap second (POSIX allows it in struct tm); it carries into the next minute.
  if (seconds < 0 || seconds > 60) return -1;
  ms += seconds * 1000;
  if (end === first + 6) return ms;
  const dot = text.charCodeAt(first + 6);
  if ((dot !== 0x2e && dot !== 0x2c) || end === first + 7) return -1; // '.' or ','
  let scale = 100;
  for (let i = first + 7; i < end; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    ms += d * scale;
    scale /= 10;
  }
  return Math.floor(ms);
}

/**
 * An all-numeric date `text[start, end)`: three parts separated by one of `/`, `-` or `.`; a
 * four-digit part is the year (first or last), two-digit years pivot by {@link fullYear}. When the
 * year is first the order is year, month, day; when last, `order` (MDY or DMY) decides, and a
 * `.`-separated date with the year last is always day first (the European convention). A date that
 * is all two-digit parts is read in `order`, YMD included. Epoch milliseconds at 00:00 UTC, or NaN.
 *
 * @internal
 * @example
 * ```ts
 * numericDate('06/11/97', 0, 8, MDY); // 11 June 1997
 * numericDate('2024-03-01', 0, 10, MDY); // 1 March 2024
 * ```
 */
export function numericDate(text: string, start: number, end: number, order: number): number {
  // Find the two separators: the parts are 1–4 digits.
  let a = -1;
  let b = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2f || c === 0x2d || c === 0x2e) {
      if (a < 0) a = i;
      else if (b < 0) b = i;
      else return Number.NaN;
    } else if (c < 0x30 || c > 0x39) return Number.NaN;
  }
  if (b < 0 || text.charCodeAt(a) !== text.charCodeAt(b)) return Number.NaN;
  const dots = text.charCodeAt(a) === 0x2e;
  const w0 = a - start;
  const w1 = b - a - 1;
  const w2 = end - b - 1;
  const p0 = decimal(text, start, a);
  const p1 = decimal(text, a + 1, b);
  const p2 = decimal(text, b + 1, end);
  if (p0 < 0 || p1 < 0 || p2 < 0 || w1 < 1 || w1 > 2) return Number.NaN;
  if (w0 === 4) return w2 <= 2 ? dayTime(p0, p1, p2) : Number.NaN;
  if (w0 > 2 || (w2 !== 2 && w2 !== 4)) return Number.NaN;
  const year = w2 === 4 ? p2 : fullYear(p2);
  if (w2 === 4 && dots) return dayTime(year, p1, p0);
  if (w2 === 2 && order === YMD) return w0 === 2 ? dayTime(fullYear(p0), p1, p2) : Number.NaN;
  return order === DMY ? dayTime(year, p1, p0) : dayTime(year, p0, p1);
}

/**
 * A date `D-MON-YYYY` or `DD-Mon-YY` (VMS, HP NonStop): day, English month abbreviation in any
 * case, year of four or two digits. Epoch milliseconds at 00:00 UTC, or NaN.
 *
 * @internal
 * @example
 * ```ts
 * dashMonthDate('5-MAR-1993', 0, 10); // 5 March 1993
 * ```
 */
export function dashMonthDate(text: string, start: number, end: number): number {
  const first = indexIn(text, 0x2d, start, end);
  if (first < start + 1 || first > start + 2 || text.charCodeAt(first + 4) !== 0x2d) return Number.NaN;
  const day = decimal(text, start, first);
  const month = englishMonth(text, first + 1);
  const yearWidth = end - first - 5;
  const year = decimal(text, first + 5, end);
  if (day < 1 || month < 0 || year < 0 || (yearWidth !== 4 && yearWidth !== 2)) return Number.NaN;
  return dayTime(yearWidth === 2 ? fullYear(year) : year, month + 1, day);
}

const DAY_MS = 86_400_000;
/** The last instant a `Date` can hold (ECMA-262 §21.4.1.22). */
const MAX_TIME = 8.64e15;
/** The widest offset from UTC a zone may have, minutes: a day, as for `timeZoneOffset` itself. */
const MAX_OFFSET_MINUTES = 1440;

/**
 * What `zone` answers for the server's wall clock `wall`, as milliseconds; a
 * {@link LocalProtocolError} when it is not a whole number of minutes from -1440 to 1440 (a
 * caller's bug, which a made-up time would hide).
 *
 * @internal
 */
export function zoneOffsetMs(zone: TimeZoneOffsetFunction, wall: number): number {
  const minutes = zone(wall);
  if (!Number.isInteger(minutes) || minutes < -MAX_OFFSET_MINUTES || minutes > MAX_OFFSET_MINUTES) {
    throw new LocalProtocolError(`options.timeZoneOffset returned ${String(minutes)} for ${new Date(wall).toISOString().slice(0, 16)}: it must return a whole number of minutes from -1440 to 1440`);
  }
  return minutes * 60_000;
}

/**
 * The UTC time of the server's wall clock `wall` (epoch milliseconds as if UTC; NaN stays NaN):
 * the one place a LIST time meets the server's zone.
 *
 * @internal
 * @example
 * ```ts
 * utcOf(Date.UTC(2024, 0, 2, 10, 0), readContext(Number.NaN, 60 * 60_000, MDY)); // 09:00 UTC
 * ```
 */
export function utcOf(wall: number, context: ReadContext): number {
  const zone = context.zone;
  if (zone === undefined) return wall - context.offset;
  return wall === wall ? wall - zoneOffsetMs(zone, wall) : wall;
}

/**
 * The server's wall clock at the instant `now`, as a number as if UTC: `now` plus the offset in
 * force. A function is asked by wall clock, so it is asked twice: at `now` read as a wall clock,
 * then at the wall clock that answer gives, which is right but within hours of a switch, where the
 * day of slack of {@link yearWindow} absorbs the difference.
 *
 * @internal
 */
export function wallClockAt(now: number, offset: number, zone: TimeZoneOffsetFunction | undefined): number {
  if (zone === undefined) return now + offset;
  const bounded = Math.max(-MAX_TIME, Math.min(now, MAX_TIME));
  return now + zoneOffsetMs(zone, bounded + zoneOffsetMs(zone, bounded));
}

/**
 * The window that year-less dates (`Nov 25 15:40`) are placed in, for the server's wall clock
 * `local` at the current time ({@link wallClockAt}): writes to `out[at]`, `out[at + 1]` and
 * `out[at + 2]` the server's current year, the year one day later (the latest such a date may
 * name, the day of slack absorbing a server clock slightly ahead) and that limit's month, day and
 * minute as one number (see {@link recentYear}).
 *
 * @internal
 */
export function yearWindow(local: number, out: Int32Array, at: number): void {
  const bounded = Math.max(-MAX_TIME, Math.min(local, MAX_TIME));
  const limit = new Date(Math.min(bounded + DAY_MS, MAX_TIME));
  out[at] = new Date(bounded).getUTCFullYear();
  out[at + 1] = limit.getUTCFullYear();
  out[at + 2] = (limit.getUTCMonth() * 32 + limit.getUTCDate()) * 1440 + limit.getUTCHours() * 60 + limit.getUTCMinutes();
}

/**
 * The year of the most recent `month` (0–11) / `day` / `minutes` after midnight no later than the
 * window's limit ({@link yearWindow}), or -1 when there is none in the eight years before `nowYear`
 * (a 29 February may need that many). A date falls later in a later year, so it is in the limit's
 * year when it is not after the limit within that year (month, day and minute ordered as one
 * number), else in the year before; a 29 February goes back on to a leap year.
 *
 * @internal
 */
export function recentYear(month: number, day: number, minutes: number, nowYear: number, limitYear: number, limitKey: number): number {
  let year = (month * 32 + day) * 1440 + minutes <= limitKey ? limitYear : limitYear - 1;
  while (day > daysInMonth(year, month + 1)) if (--year < nowYear - 8) return -1;
  return year;
}

/**
 * The UTC time of the most recent `month` (0–11) / `day` at `ms` after midnight on the server of
 * `context`, by the window of its `now`; NaN without `now`. For the formats that meet year-less
 * dates rarely; the unix reader keeps its window in its scratch space instead.
 *
 * @internal
 * @example
 * ```ts
 * recentDate(10, 25, 0, readContext(Date.UTC(2026, 10, 25, 16), 0, MDY)); // 25 November 2026
 * ```
 */
export function recentDate(month: number, day: number, ms: number, context: ReadContext): number {
  const now = context.now;
  if (now !== now) return Number.NaN;
  const window = new Int32Array(3);
  yearWindow(wallClockAt(now, context.offset, context.zone), window, 0);
  const year = recentYear(month, day, Math.floor(ms / 60_000), window[0]!, window[1]!, window[2]!);
  return year < 0 ? Number.NaN : utcOf(civilToEpoch(year, month + 1, day, 0, 0, 0, 0) + ms, context);
}

/**
 * `YYYY-MM-DD` or `YYYY/MM/DD` in `text[s, e)` (ten characters) at 00:00 UTC, or NaN.
 *
 * @internal
 */
export function isoDay(text: string, s: number, e: number): number {
  const separator = text.charCodeAt(s + 4);
  if ((separator !== 0x2d && separator !== 0x2f) || text.charCodeAt(s + 7) !== separator) return Number.NaN; // '-' or '/'
  const year = decimal(text, s, s + 4);
  const month = decimal(text, s + 5, s + 7);
  const day = decimal(text, s + 8, e);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  return civilToEpoch(year, month, day, 0, 0, 0, 0);
}

/**
 * Is the column after `from` (past its spaces, before `end`) a {@link clock}?
 *
 * @internal
 */
export function clockFollows(text: string, from: number, end: number): boolean {
  let i = from;
  while (i < end && text.charCodeAt(i) === 0x20) i++;
  const s = i;
  while (i < end && text.charCodeAt(i) > 0x20) i++;
  return i > s && clock(text, s, i) >= 0;
}
