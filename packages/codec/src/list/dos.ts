/**
 * DOS-style listing lines, as sent by Microsoft IIS (in its default "MS-DOS" directory listing
 * style) and by servers imitating it.
 *
 * Theory of operation: IIS prints each entry as fixed columns,
 *
 * ```text
 * 12-31-20  10:00PM       <DIR>          name
 * 12-31-20  10:00PM                 1234 name
 * 01-02-2020  03:04   1234 a b.txt
 * ```
 *
 * that is `MM-DD-YY` (or `MM-DD-YYYY` with four-digit years enabled), two spaces, the time on a
 * 12-hour clock with `AM`/`PM` (or a 24-hour clock), then either `<DIR>` or the size right-aligned
 * in a 20-column field, one space, and the name. The parser hand-scans those columns (no regex).
 * Names keep inner and trailing spaces and, for files, leading ones: exactly one space follows the
 * size. After `<DIR>` IIS pads with ten spaces so directory names line up with file names; when
 * that padding is there exactly ten spaces are skipped, otherwise every space is.
 *
 * Two-digit years follow the POSIX `strptime` `%y` pivot: 69–99 are 1969–1999 and 00–68 are
 * 2000–2068. Times carry no zone (IIS prints server-local time) and are taken as UTC.
 *
 * @module
 */
import type { ListingEntry, ListingEntryType } from './types.js';
import { civilToEpoch, daysInMonth } from '../time.js';
import { timedEntry } from './entry.js';

const SPACE = 0x20;
const ZERO = 0x30;
const HYPHEN = 0x2d;
const COLON = 0x3a;
/** IIS pads `<DIR>` with this many spaces so that names start in the same column as for files. */
const IIS_DIR_PADDING = 10;

/** Value of the digit at `i`, or -1. */
function digit(line: string, i: number): number {
  const d = line.charCodeAt(i) - ZERO;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Two digits at `i`, or -1. */
function two(line: string, i: number): number {
  const a = digit(line, i);
  const b = digit(line, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Parse the DOS/IIS listing line `text[start, end)`, or return `undefined` when it is not one.
 * Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = '12-31-20  10:00PM       <DIR>          name';
 * parseDosLine(line, 0, line.length)?.type; // 'directory'
 * ```
 */
export function parseDosLine(text: string, start: number, end: number): ListingEntry | undefined {
  // Reads stop at `end`; a stray read at `end` itself sees a line terminator or nothing, which no
  // check accepts.
  const n = end;
  if (end - start < 20) return undefined;
  const line = text;
  const o = start;
  // MM-DD-YY or MM-DD-YYYY
  const month = two(line, o);
  const day = two(line, o + 3);
  if (month < 1 || month > 12 || line.charCodeAt(o + 2) !== HYPHEN || line.charCodeAt(o + 5) !== HYPHEN) return undefined;
  let year = two(line, o + 6);
  if (year < 0) return undefined;
  let i = o + 8;
  const more = two(line, i);
  if (more >= 0) {
    year = year * 100 + more;
    i += 2;
  } else {
    // POSIX strptime %y: 69–99 → 19xx, 00–68 → 20xx.
    year += year >= 69 ? 1900 : 2000;
  }
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  if (line.charCodeAt(i) !== SPACE) return undefined;
  while (i < n && line.charCodeAt(i) === SPACE) i++;

  // H:MM or HH:MM, optionally followed by AM/PM (with or without a space).
  let hour = digit(line, i);
  if (hour < 0) return undefined;
  i++;
  const second = digit(line, i);
  if (second >= 0) {
    hour = hour * 10 + second;
    i++;
  }
  if (line.charCodeAt(i) !== COLON) return undefined;
  const minute = two(line, i + 1);
  if (minute < 0 || minute > 59) return undefined;
  i += 3;
  let j = i;
  while (j < n && line.charCodeAt(j) === SPACE) j++;
  const a = line.charCodeAt(j) | 0x20;
  if ((a === 0x61 || a === 0x70) && (line.charCodeAt(j + 1) | 0x20) === 0x6d) {
    // 12-hour clock: 12:xxAM is just after midnight, 12:xxPM just after noon.
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (a === 0x70 ? 12 : 0);
    i = j + 2;
  } else if (hour > 23) {
    return undefined;
  }
  if (line.charCodeAt(i) !== SPACE) return undefined;
  while (i < n && line.charCodeAt(i) === SPACE) i++;

  let type: ListingEntryType;
  let size = -1;
  if (line.startsWith('<DIR>', i)) {
    type = 'directory';
    i += 5;
    let spaces = 0;
    while (i + spaces < n && line.charCodeAt(i + spaces) === SPACE) spaces++;
    if (spaces === 0) return undefined;
    i += spaces >= IIS_DIR_PADDING ? IIS_DIR_PADDING : spaces;
  } else {
    type = 'file';
    const first = i;
    size = 0;
    for (; i < n; i++) {
      const d = digit(line, i);
      if (d < 0) break;
      size = size * 10 + d;
    }
    if (i === first || i - first > 16 || size > Number.MAX_SAFE_INTEGER) return undefined;
    if (line.charCodeAt(i) !== SPACE) return undefined;
    i++;
  }
  if (i >= n) return undefined;

  return timedEntry(line.slice(i, n), type, size, civilToEpoch(year, month, day, hour, minute, 0, 0), undefined, undefined, undefined, undefined, line.slice(o, n));
}
