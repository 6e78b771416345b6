/**
 * FTP time values: MDTM replies, MLSD `modify` facts and MFMT arguments.
 *
 * Theory of operation: RFC 3659 §2.3 defines one textual time, `YYYYMMDDHHMMSS[.F+]`, always in
 * UTC ("Coordinated Universal Time, [...] the time-val MUST be expressed in UTC"). Parsing is a
 * hand scan, not a regex: the value arrives once per MLSD line, so it sits on the listing hot path.
 * Every field is range-checked against the calendar (month 13 or 31 April is a
 * {@link RemoteProtocolError}, never a silently normalised date), and the fraction keeps
 * millisecond precision by truncation, so a parsed time never rounds up into the next second.
 *
 * The codec never reads the clock: these functions only convert between text and `Date`.
 *
 * @module
 */
import { FtpReplyError, LocalProtocolError, RemoteProtocolError } from './errors.js';
import type { Reply } from './reply.js';

/**
 * Options of {@link formatFtpTime}.
 *
 * @example
 * ```ts
 * formatFtpTime(new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 60)), { fraction: true }); // '20200102030405.060'
 * ```
 */
export interface FormatFtpTimeOptions {
  /**
   * Append `.sss` milliseconds (RFC 3659 §2.3 allows any number of fraction digits). Default
   * `false`: many servers accept only the 14 mandatory digits in MFMT, so the default truncates to
   * whole seconds.
   */
  readonly fraction?: boolean;
}

const ZERO = 0x30;

/** Days in each month of a non-leap year, January first. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Days in `month` (1–12) of `year`, by the proleptic Gregorian calendar that `Date` uses; 0 for a
 * month out of range. Shared with the listing parsers, which validate dates the same way.
 *
 * @internal
 * @example
 * ```ts
 * daysInMonth(2024, 2); // 29
 * ```
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return MONTH_DAYS[month - 1] ?? 0;
}

/**
 * Milliseconds since the Unix epoch of a proleptic Gregorian UTC date and time, by integer
 * arithmetic (Howard Hinnant's days-from-civil). Unlike `Date.UTC` it takes years 0–99 literally and
 * is cheap enough to call once per listing line. Out-of-range seconds or minutes carry over, as
 * with `Date.UTC`.
 *
 * @internal
 * @example
 * ```ts
 * civilToEpoch(1970, 1, 2, 0, 0, 0, 0); // 86400000
 * ```
 */
export function civilToEpoch(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  const y = month <= 2 ? year - 1 : year;
  // Integer division by truncation (`| 0`), adjusted so that it floors for negative years too.
  const era = ((y < 0 ? y - 399 : y) / 400) | 0;
  const yearOfEra = y - era * 400;
  const dayOfYear = (((153 * ((month + 9) % 12) + 2) / 5) | 0) + day - 1; // March-based
  const dayOfEra = yearOfEra * 365 + ((yearOfEra / 4) | 0) - ((yearOfEra / 100) | 0) + dayOfYear;
  const days = era * 146097 + dayOfEra - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
}

/** The value of the two decimal digits at `at` (the caller keeps them in bounds), or -1. */
function two(text: string, at: number): number {
  const tens = text.charCodeAt(at) - ZERO;
  const units = text.charCodeAt(at + 1) - ZERO;
  // One unsigned comparison each rules out both sides of '0'..'9'.
  return tens >>> 0 > 9 || units >>> 0 > 9 ? -1 : tens * 10 + units;
}

/**
 * Milliseconds since the epoch of an RFC 3659 time-val occupying `text[start, end)`, or `NaN` when
 * it is malformed or names an impossible instant. The fast path of the MLSD parser, which must not
 * pay for an exception per bad line.
 *
 * @internal
 * @example
 * ```ts
 * ftpTimeToEpoch('modify=20200102030405;', 7, 21); // 1577934245000
 * ```
 */
export function ftpTimeToEpoch(text: string, start: number, end: number): number {
  const length = end - start;
  // RFC 3659 §2.3: time-val = 14DIGIT [ "." 1*DIGIT ]
  if (length < 14 || length === 15 || end > text.length) return Number.NaN;
  const century = two(text, start);
  const yearOfCentury = two(text, start + 2);
  const year = century < 0 || yearOfCentury < 0 ? -1 : century * 100 + yearOfCentury;
  const month = two(text, start + 4);
  const day = two(text, start + 6);
  const hour = two(text, start + 8);
  const minute = two(text, start + 10);
  const second = two(text, start + 12);
  // RFC 3659 §2.3 ranges: year 1000–9999, month 01–12, day 01–31, hour 00–23, minute 00–59,
  // second 00–60 ("with 60 being used only at a leap second").
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return Number.NaN;
  let millis = 0;
  if (length > 14) {
    if (text.charCodeAt(start + 14) !== 0x2e) return Number.NaN; // '.'
    // Any number of fraction digits is legal; keep milliseconds, truncating so that
    // 59.9999 never becomes the next minute.
    let scale = 100;
    for (let i = start + 15; i < end; i++) {
      const d = text.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) return Number.NaN;
      millis += d * scale;
      scale /= 10;
    }
    millis = Math.floor(millis);
  }
  // A leap second (ss = 60) cannot be represented by Date; it carries into the next minute, which is
  // what POSIX time does with it too.
  return civilToEpoch(year, month, day, hour, minute, second, millis);
}

/**
 * Parse an RFC 3659 §2.3 time-val (`YYYYMMDDHHMMSS` with an optional `.fraction`, always UTC).
 * Fraction digits of any length are accepted and truncated to milliseconds. Throws
 * {@link RemoteProtocolError} when the text is malformed or names an impossible date such as
 * month 13. A leap second (`ss` = 60) becomes the first instant of the next minute.
 *
 * @example
 * ```ts
 * parseFtpTime('20200102030405').toISOString();       // '2020-01-02T03:04:05.000Z'
 * parseFtpTime('20200102030405.1239').toISOString();  // '2020-01-02T03:04:05.123Z'
 * parseFtpTime('20201302030405');                      // throws RemoteProtocolError
 * ```
 */
export function parseFtpTime(text: string): Date {
  const epoch = ftpTimeToEpoch(text, 0, text.length);
  if (Number.isNaN(epoch)) throw new RemoteProtocolError('Malformed time value: expected YYYYMMDDHHMMSS[.sss] (RFC 3659 §2.3)');
  return new Date(epoch);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * Format a `Date` as an RFC 3659 §2.3 time-val in UTC, for MFMT (and the MLSD formatter). Without
 * `fraction` the milliseconds are dropped (truncated). Throws {@link LocalProtocolError} for an
 * invalid `Date` or a year outside 1000–9999, which the time-val cannot express.
 *
 * @example
 * ```ts
 * const when = new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 60));
 * formatFtpTime(when);                      // '20200102030405'
 * formatFtpTime(when, { fraction: true });  // '20200102030405.060'
 * ```
 */
export function formatFtpTime(date: Date, options: FormatFtpTimeOptions = {}): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new LocalProtocolError('Cannot format an invalid Date as an FTP time');
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) throw new LocalProtocolError('FTP times cover the years 1000 to 9999 only (RFC 3659 §2.3)');
  const text =
    pad(year, 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2);
  return options.fraction === true ? `${text}.${pad(date.getUTCMilliseconds(), 3)}` : text;
}

/**
 * The modification time carried by a reply to `MDTM path` (RFC 3659 §3.1: `213 time-val`).
 * Whitespace around the value is tolerated; anything else around it is not, because guessing at
 * junk is how clients end up with wrong dates. A reply other than 213 throws {@link FtpReplyError}
 * (the server refused, for example `550` for a directory); a 213 whose text is not a time-val throws
 * {@link RemoteProtocolError}.
 *
 * @example
 * ```ts
 * parseMdtmReply(createReply(213, ['20200102030405'])).toISOString(); // '2020-01-02T03:04:05.000Z'
 * parseMdtmReply(createReply(213, ['20200102030405.000 ']));         // ftp-srv sends milliseconds
 * parseMdtmReply(createReply(550, ['Not a plain file']));            // throws FtpReplyError
 * ```
 */
export function parseMdtmReply(reply: Reply): Date {
  if (reply.code !== 213) throw new FtpReplyError(reply, 'MDTM');
  const text = reply.text.trim();
  const epoch = ftpTimeToEpoch(text, 0, text.length);
  if (Number.isNaN(epoch)) throw new RemoteProtocolError('Malformed MDTM reply: expected 213 YYYYMMDDHHMMSS[.sss] (RFC 3659 §3.1)');
  return new Date(epoch);
}
