/**
 * DOS-style listing lines, as sent by Microsoft IIS (in its default "MS-DOS" directory listing
 * style), by servers imitating it, and by servers that pass on the output of Windows `dir`.
 *
 * Theory of operation: IIS prints each entry as fixed columns,
 *
 * ```text
 * 12-31-20  10:00PM       <DIR>          name
 * 12-31-20  10:00PM                 1234 name
 * 01-02-2020  03:04   1234 a b.txt
 * 2024/03/01  14:05    <JUNCTION>     Documents [C:\Users\Public\Documents]
 * 01.03.2024  14:05         1.234.567 Bericht.pdf
 * ```
 *
 * that is the date, two spaces, the time on a 12-hour clock with `AM`/`PM` (or a 24-hour clock),
 * then either a tag (`<DIR>`, or the reparse points of `dir`: `<JUNCTION>`, `<SYMLINK>`,
 * `<SYMLINKD>`) or the size right-aligned in a 20-column field, one space, and the name. The
 * parser hand-scans those columns (no regex). Names keep inner and trailing spaces and, for files,
 * leading ones: exactly one space follows the size. The tag and the spaces after it fill 15
 * columns (`<DIR>` and ten spaces) so that names line up; when that padding is there, exactly it is
 * skipped, otherwise every space is. A link's target, which `dir` writes in brackets after the
 * name, becomes `target`.
 *
 * Dates: IIS writes `MM-DD-YY` or `MM-DD-YYYY`; `dir` writes the date of the server's locale:
 * `YYYY-MM-DD`, `YYYY/MM/DD`, `DD.MM.YYYY`, or `MM/DD/YYYY` and `DD/MM/YYYY`, which only the
 * caller's `dateOrder` tells apart. Sizes may carry the locale's thousands separators (`1,234,567`,
 * `1.234.567`), in groups of three digits. Times carry no zone and are read at the server's offset.
 * Two-digit years follow the POSIX `%y` pivot (see dates.ts).
 *
 * The header and summary lines of `dir` (` Volume in drive C ...`, ` Directory of ...`,
 * `  3 File(s)  1,234 bytes`) are recognised as part of the format and name no entry.
 *
 * @module
 */
import { MDY, MINUTE, type ReadContext, SECOND, SKIP } from './context.js';
import { clock, numericDate, utcOf } from './dates.js';
import { timedEntry } from './entry.js';
import type { ListingEntry, ListingEntryType } from './types.js';

const SPACE = 0x20;
/** A tag and the spaces after it fill this many columns, so that names start in one column. */
const TAG_FIELD = 15;
/** The tags that take the place of a size, and the type each stands for. */
const TAGS: readonly (readonly [string, ListingEntryType])[] = [
  ['<DIR>', 'directory'],
  ['<JUNCTION>', 'symlink'],
  ['<SYMLINKD>', 'symlink'],
  ['<SYMLINK>', 'symlink'],
];

/** The context of a parse without options, for a line read on its own. */
const PLAIN: ReadContext = Object.freeze({ now: Number.NaN, offset: 0, zone: undefined, order: MDY, weak: false });

/**
 * Parse the DOS/IIS listing line `text[start, end)`: an entry, {@link SKIP} for a `dir` header or
 * summary line, or `undefined` when it is neither. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = '12-31-20  10:00PM       <DIR>          name';
 * (parseDosLine(line, 0, line.length) as ListingEntry).type; // 'directory'
 * ```
 */
export function parseDosLine(text: string, start: number, end: number, context: ReadContext = PLAIN): ListingEntry | undefined | typeof SKIP {
  const first = text.charCodeAt(start);
  if (first === SPACE) return dirSummary(text, start, end);
  // Reads stop at `end`; a stray read at `end` itself sees a line terminator or nothing, which no
  // check accepts.
  const n = end;
  if (end - start < 18 || first - 0x30 >>> 0 > 9) return undefined;
  let i = start;
  while (i < n && text.charCodeAt(i) !== SPACE) i++;
  // Two-digit month and day (`MM-DD-YY`, `DD.MM.YYYY`) or a year first (`YYYY/MM/DD`).
  const twoFirst = text.charCodeAt(start + 2) - 0x30 >>> 0 > 9;
  if (twoFirst ? text.charCodeAt(start + 5) !== text.charCodeAt(start + 2) : i - start !== 10) return undefined;
  // IIS's MM-DD-YY is month first whatever the locale; `dir`'s slashes follow the caller's order.
  const hyphen = text.charCodeAt(start + 2) === 0x2d;
  const day = i - start > 10 ? Number.NaN : numericDate(text, start, i, hyphen ? MDY : context.order);
  if (day !== day || text.charCodeAt(i) !== SPACE) return undefined;
  while (i < n && text.charCodeAt(i) === SPACE) i++;

  // H:MM or HH:MM (or with seconds), optionally followed by AM/PM (with or without a space).
  const from = i;
  while (i < n && text.charCodeAt(i) > SPACE && (text.charCodeAt(i) | 0x20) !== 0x61 && (text.charCodeAt(i) | 0x20) !== 0x70) i++;
  let ms = clock(text, from, i);
  if (ms < 0) return undefined;
  const precision = i - from > 5 ? SECOND : MINUTE;
  let j = i;
  while (j < n && text.charCodeAt(j) === SPACE) j++;
  const a = text.charCodeAt(j) | 0x20;
  if ((a === 0x61 || a === 0x70) && (text.charCodeAt(j + 1) | 0x20) === 0x6d) {
    // 12-hour clock: 12:xxAM is just after midnight, 12:xxPM just after noon.
    const hour = Math.floor(ms / 3_600_000);
    if (hour < 1 || hour > 12) return undefined;
    ms += ((hour % 12) + (a === 0x70 ? 12 : 0) - hour) * 3_600_000;
    i = j + 2;
  }
  if (text.charCodeAt(i) !== SPACE) return undefined;
  while (i < n && text.charCodeAt(i) === SPACE) i++;

  let type: ListingEntryType = 'file';
  let size = -1;
  let tag = -1;
  for (let t = 0; t < TAGS.length; t++) if (text.startsWith(TAGS[t]![0], i)) tag = t;
  if (tag >= 0) {
    type = TAGS[tag]![1];
    const width = TAGS[tag]![0].length;
    i += width;
    let spaces = 0;
    while (i + spaces < n && text.charCodeAt(i + spaces) === SPACE) spaces++;
    if (spaces === 0) return undefined;
    i += spaces >= TAG_FIELD - width ? TAG_FIELD - width : spaces;
  } else {
    const sizeStart = i;
    while (i < n && text.charCodeAt(i) > SPACE) i++;
    size = sizeOf(text, sizeStart, i);
    if (size === NOT_A_SIZE || text.charCodeAt(i) !== SPACE) return undefined;
    i++;
  }
  if (i >= n) return undefined;

  let name = text.slice(i, n);
  let target: string | undefined;
  if (type === 'symlink' && name.endsWith(']')) {
    const open = name.lastIndexOf(' [');
    if (open > 0) {
      target = name.slice(open + 2, -1);
      name = name.slice(0, open);
    }
  }
  return timedEntry(name, type, size, utcOf(day + ms, context), precision, undefined, target, undefined, undefined, text.slice(start, n));
}

const NOT_A_SIZE = -2;

/**
 * The size `text[start, end)`: digits, optionally grouped by threes with `,` or `.`. -1 for a size
 * beyond 2^53 - 1 (up to 19 digits, what a 64-bit size holds), {@link NOT_A_SIZE} for anything
 * else.
 */
function sizeOf(text: string, start: number, end: number): number {
  const separator = end - start > 4 ? text.charCodeAt(end - 4) : 0;
  const grouped = separator === 0x2c || separator === 0x2e;
  let value = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (grouped && (end - i) % 4 === 0) {
      if (c !== separator || i === start) return NOT_A_SIZE;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9) return NOT_A_SIZE;
    value = value * 10 + d;
    digits++;
  }
  if (digits === 0 || digits > 19) return NOT_A_SIZE;
  return value <= Number.MAX_SAFE_INTEGER && digits <= 16 ? value : -1;
}

/** The header and summary lines of Windows `dir` (English): {@link SKIP}, else `undefined`. */
function dirSummary(text: string, start: number, end: number): typeof SKIP | undefined {
  let i = start;
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  if (i === start + 1) {
    for (const lead of ['Volume in drive ', 'Volume Serial Number is ', 'Directory of ']) if (text.startsWith(lead, i)) return SKIP;
    return undefined;
  }
  if (text.startsWith('Total Files Listed:', i)) return SKIP;
  const count = i;
  while (i < end && text.charCodeAt(i) - 0x30 >>> 0 <= 9) i++;
  if (i === count || text.charCodeAt(i) !== SPACE) return undefined;
  const rest = text.slice(i, end).trim();
  return /^(?:File|Dir)\(s\) +[0-9.,]+ bytes(?: free)?$/.test(rest) ? SKIP : undefined;
}
