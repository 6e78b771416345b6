/**
 * Unix `ls -l` listing lines, the answer of nearly every server to `LIST`.
 *
 * Theory of operation: no standard defines this format (RFC 959 §4.1.3 only says LIST output is
 * meant for humans), so the parser anchors on the one part every variant shares, the date, and
 * reads the columns around it:
 *
 * ```text
 * drwxr-xr-x+   2 owner  group      4096 Nov 25 15:40 name
 * -rw-r--r--    1 1001   1001          6 Jan  2  2020 name with  spaces
 * crw-rw-rw-    1 root   root       1,  3 Jan  1  2020 null
 * lrwxrwxrwx    1 u                    3 2020-01-02 15:40 link -> target
 * ```
 *
 * After the ten-character mode (and an optional ACL / extended-attribute / SELinux marker `+`,
 * `@` or `.`), the scanner ({@link scanUnixLine}) reads columns one at a time by hand, until the
 * last three columns read form a date (`Mon DD HH:MM`, `Mon DD YYYY`) or the last two an ISO date
 * (`YYYY-MM-DD HH:MM`, from busybox or `ls --time-style=long-iso`), with a size (or a device's
 * `major, minor`) just before and at least one column (links or owner) before that. Requiring all
 * of that means an owner called `Jan` does not end the scan early. Exactly one space follows the
 * date; everything after it is the name, so leading, inner and trailing spaces survive. Only a
 * symlink's name is split at ` -> ` (at the first arrow), so a file called `a -> b` stays whole.
 *
 * Nearly every line has one shape (mode, links, owner, group, size, `Mon DD` and a time or year),
 * read first, either by one regular expression ({@link matchCommonLine}) or by a hand scan of just
 * that shape ({@link readCommonLine}); both read exactly what the scanner would, and leave every
 * other line to it. Which of the two is used depends on how warm V8's compiler is likely to be (see
 * {@link parseUnixLine}): the expression in a process that has parsed little, the hand scan after.
 *
 * Dates carry no zone, and `ls` prints server-local time: they are taken as UTC, the only choice
 * that does not depend on the client's zone. `Mon DD HH:MM` omits the year (`ls` does this for
 * dates within six months); it is inferred from the caller's `now` as the most recent such date no
 * more than one day after `now` (the day of slack absorbs a server in a zone ahead of UTC, or a
 * clock slightly ahead). Without `now` such an entry gets no `modifiedAt` rather than a guessed year.
 *
 * The parser reads the line in place inside the whole listing (`text[start, end)`) and slices out
 * only what the entry keeps.
 *
 * @module
 */
import type { ListingEntry, ListingEntryType } from './types.js';
import { civilToEpoch, daysInMonth } from '../time.js';
import { timedEntry } from './entry.js';
import { Recent } from './recent.js';

const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;
const COMMA = 0x2c;
const COLON = 0x3a;
const HYPHEN = 0x2d;
const DAY_MS = 86_400_000;
/** The last instant a `Date` can hold (ECMA-262 §21.4.1.22). */
const MAX_TIME = 8.64e15;
/**
 * Columns read before giving up: links, owner and group (either may contain spaces on some Windows
 * servers), the size or device numbers, then the date. A line needing more is not `ls -l`.
 */
const MAX_COLUMNS = 16;

/** Type of entry by the first character of the mode, as `ls` prints it. */
function entryType(c: number): ListingEntryType | undefined {
  switch (c) {
    case 0x2d: // '-' regular file
      return 'file';
    case 0x64: // 'd'
      return 'directory';
    case 0x6c: // 'l'
      return 'symlink';
    case 0x62: // 'b' block device
    case 0x63: // 'c' character device
    case 0x70: // 'p' FIFO
    case 0x73: // 's' socket
    case 0x44: // 'D' Solaris door
    case 0x50: // 'P' Solaris event port
    case 0x6e: // 'n' HP-UX network special
    case 0x77: // 'w' BSD whiteout
    case 0x3f: // '?' unknown to ls
      return 'unknown';
    default:
      return undefined;
  }
}

/** Characters `ls` prints in the nine permission positions (`l`/`L`: mandatory locking). */
const PERMISSION_CHARS = new Uint8Array(128);
for (const c of 'rwxsStTlL-') PERMISSION_CHARS[c.charCodeAt(0)] = 1;

/** Month index (0–11) of the three-letter English abbreviation at `at`, any case, or -1. */
function monthIndex(text: string, at: number): number {
  const key = ((text.charCodeAt(at) | 0x20) << 16) | ((text.charCodeAt(at + 1) | 0x20) << 8) | (text.charCodeAt(at + 2) | 0x20);
  switch (key) {
    case 0x6a616e: return 0; // jan
    case 0x666562: return 1; // feb
    case 0x6d6172: return 2; // mar
    case 0x617072: return 3; // apr
    case 0x6d6179: return 4; // may
    case 0x6a756e: return 5; // jun
    case 0x6a756c: return 6; // jul
    case 0x617567: return 7; // aug
    case 0x736570: return 8; // sep
    case 0x6f6374: return 9; // oct
    case 0x6e6f76: return 10; // nov
    case 0x646563: return 11; // dec
    default: return -1;
  }
}

/** Decimal value of `text[start, end)`, or -1 if empty, not all digits, or beyond 2^53. */
function decimal(text: string, start: number, end: number): number {
  if (end <= start || end - start > 16) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value <= Number.MAX_SAFE_INTEGER ? value : -1;
}

/** `H:MM` or `HH:MM` in `text[start, end)` as minutes since midnight, or -1. */
function clock(text: string, start: number, end: number): number {
  const colon = end - 3;
  if (colon <= start || colon - start > 2 || text.charCodeAt(colon) !== COLON) return -1;
  const hours = decimal(text, start, colon);
  const minutes = decimal(text, colon + 1, end);
  return hours < 0 || hours > 23 || minutes < 0 || minutes > 59 ? -1 : hours * 60 + minutes;
}

// Doubles kept between calls live in a Float64Array: a module-level `let` holding a double would
// box it in a fresh heap number on every assignment, and this runs once per line.
const doubles = new Float64Array(5);
const MEMO_NOW = 0; // the `now` that memoYear, limitYear and limitKey describe
const DATE_TIME = 1; // set by dateEndingAt: epoch milliseconds, NaN when unknown
const MEMO_MIDNIGHT = 2; // the start of the day memoDay names
const LAST_NOW = 3; // the `now` lastDate was read with
const LAST_TIME = 4; // the time of lastDate
doubles[MEMO_NOW] = Number.NaN;
/** The date text of the last line {@link matchCommonLine} read (`Nov 25 16:58`), or ''. */
let lastDate = '';
/** The UTC year of `now`. */
let memoYear = 0;
/** The UTC year of `now` plus one day, the latest instant a year-less date may name. */
let limitYear = 0;
/** Month, day and minute of `now` plus one day, ordered as in {@link inferYear}. */
let limitKey = 0;
/** The last day {@link midnight} converted, as `(year * 16 + month) * 32 + day`. */
let memoDay = -1;

/**
 * Epoch milliseconds of `year`-`month` (0–11)-`day` 00:00 UTC. The files of a directory share
 * few days, so the last answer is kept.
 */
function midnight(year: number, month: number, day: number): number {
  const key = (year * 16 + month) * 32 + day;
  if (key !== memoDay) {
    memoDay = key;
    doubles[MEMO_MIDNIGHT] = civilToEpoch(year, month + 1, day, 0, 0, 0, 0);
  }
  return doubles[MEMO_MIDNIGHT]!;
}

/**
 * The most recent `month`/`day` `minutes` (UTC) no later than one day after `now`, or NaN when
 * `now` is NaN. Looks back up to eight years, far enough to reach a 29 February.
 */
function inferYear(month: number, day: number, minutes: number, now: number): number {
  if (now !== now) return Number.NaN;
  if (now !== doubles[MEMO_NOW]) {
    doubles[MEMO_NOW] = now;
    memoYear = new Date(now).getUTCFullYear();
    const limit = new Date(Math.min(now + DAY_MS, MAX_TIME));
    limitYear = limit.getUTCFullYear();
    limitKey = (limit.getUTCMonth() * 32 + limit.getUTCDate()) * 1440 + limit.getUTCHours() * 60 + limit.getUTCMinutes();
  }
  // A date falls later in a later year, so it is in the limit's year when it is not after the limit
  // within that year (month, day and minute ordered as one number), else in the year before; a
  // 29 February goes back on to a leap year. These dates have whole minutes, as the key does.
  let year = (month * 32 + day) * 1440 + minutes <= limitKey ? limitYear : limitYear - 1;
  while (day > daysInMonth(year, month + 1)) if (--year < memoYear - 8) return Number.NaN;
  return midnight(year, month, day) + minutes * 60_000;
}

// Column boundaries of the line being parsed, and what the date and size checks found. The codec
// is synchronous and never re-entered, so module-level scratch space serves every call.
const starts = new Int32Array(MAX_COLUMNS);
const ends = new Int32Array(MAX_COLUMNS);
/** Set by {@link dateEndingAt}: the column holding the size (or minor number). */
let sizeColumn = 0;
/** Set by {@link sizeBefore}: the first column of the size (the major number for devices). */
let firstSizeColumn = 0;
/** Set by {@link sizeBefore}: the size, -1 for devices. */
let sizeValue = -1;

/** Does a date end at column `k`? Sets {@link sizeColumn} and `doubles[DATE_TIME]` when it does. */
function dateEndingAt(text: string, k: number, now: number): boolean {
  const s2 = starts[k]!;
  const e2 = ends[k]!;
  // ISO: YYYY-MM-DD HH:MM
  if (k >= 3 && ends[k - 1]! - starts[k - 1]! === 10) {
    const s = starts[k - 1]!;
    if (text.charCodeAt(s + 4) === HYPHEN && text.charCodeAt(s + 7) === HYPHEN) {
      const year = decimal(text, s, s + 4);
      const month = decimal(text, s + 5, s + 7);
      const day = decimal(text, s + 8, s + 10);
      const minutes = clock(text, s2, e2);
      if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || minutes < 0) return false;
      sizeColumn = k - 2;
      doubles[DATE_TIME] = civilToEpoch(year, month, day, 0, minutes, 0, 0);
      return true;
    }
  }
  // Mon DD (HH:MM | YYYY)
  if (k < 4) return false;
  const s0 = starts[k - 2]!;
  if (ends[k - 2]! - s0 !== 3 || ends[k - 1]! - starts[k - 1]! > 2) return false;
  const month = monthIndex(text, s0);
  if (month < 0) return false;
  const day = decimal(text, starts[k - 1]!, ends[k - 1]!);
  if (day < 1 || day > daysInMonth(2000, month + 1)) return false; // 2000: allow 29 February for now
  const year = e2 - s2 === 4 ? decimal(text, s2, e2) : -1;
  if (year >= 0) {
    if (day > daysInMonth(year, month + 1)) return false;
    doubles[DATE_TIME] = civilToEpoch(year, month + 1, day, 0, 0, 0, 0);
  } else {
    const minutes = clock(text, s2, e2);
    if (minutes < 0) return false;
    doubles[DATE_TIME] = inferYear(month, day, minutes, now);
  }
  sizeColumn = k - 3;
  return true;
}

/**
 * Is column `z` a size, or the minor of `major, minor`, or a `major,minor` pair, with at least
 * one column before it? Sets {@link firstSizeColumn} and {@link sizeValue}.
 */
function sizeBefore(text: string, z: number): boolean {
  const value = decimal(text, starts[z]!, ends[z]!);
  if (value >= 0) {
    const prev = z - 1;
    if (prev >= 1 && text.charCodeAt(ends[prev]! - 1) === COMMA && decimal(text, starts[prev]!, ends[prev]! - 1) >= 0) {
      firstSizeColumn = prev;
      sizeValue = -1;
      return true;
    }
    firstSizeColumn = z;
    sizeValue = value;
    return z >= 1;
  }
  let comma = -1;
  for (let i = starts[z]!; i < ends[z]!; i++) {
    if (text.charCodeAt(i) === COMMA) {
      comma = i;
      break;
    }
  }
  if (comma < 0 || decimal(text, starts[z]!, comma) < 0 || decimal(text, comma + 1, ends[z]!) < 0) return false;
  firstSizeColumn = z;
  sizeValue = -1;
  return z >= 1;
}

// A listing repeats its permissions, owners and groups: entries share the strings (see recent.ts).
const permissionTexts = new Recent();
const owners = new Recent();
const groups = new Recent();

/**
 * Forget the strings remembered from the last listing (a long owner may be a slice that keeps the
 * whole listing text alive). Called at the end of every listing parse.
 *
 * @internal
 * @example
 * ```ts
 * releaseUnixScratch();
 * ```
 */
export function releaseUnixScratch(): void {
  lastDate = '';
  permissionTexts.clear();
  owners.clear();
  groups.clear();
}

/**
 * The full `ls -l` scanner: every variant the module describes. {@link parseUnixLine} calls it for
 * the lines that are not of the common shape ({@link COMMON_LINE}); for those that are, it gives the
 * same entry as {@link matchCommonLine} and {@link readCommonLine}.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'crw-rw-rw- 1 root root 1, 3 Jan  1  2020 null';
 * scanUnixLine(line, 0, line.length, Number.NaN)?.type; // 'unknown'
 * ```
 */
export function scanUnixLine(text: string, start: number, end: number, now: number): ListingEntry | undefined {
  if (end - start < 16) return undefined;
  const type = entryType(text.charCodeAt(start));
  if (type === undefined) return undefined;
  for (let i = start + 1; i < start + 10; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || PERMISSION_CHARS[c] === 0) return undefined;
  }
  let i = start + 10;
  const marker = text.charCodeAt(i);
  if (marker === 0x2b || marker === 0x40 || marker === 0x2e) i++; // '+' ACL, '@' xattr, '.' SELinux
  if (text.charCodeAt(i) !== SPACE) return undefined;

  // Columns are runs of characters above U+0020. The loops need no bounds check: `text[end]` is a
  // line terminator or past the end (NaN), and both stop them.
  let count = 0;
  for (;;) {
    while (text.charCodeAt(i) === SPACE) i++;
    const from = i;
    while (text.charCodeAt(i) > SPACE) i++;
    if (i === from || i > end) return undefined; // a control character, or the line ended
    starts[count] = from;
    ends[count] = i;
    // Every date ends in a 4-character year or H:MM, or a 5-character HH:MM: a cheap first filter.
    const width = i - from;
    if (count >= 3 && (width === 4 || width === 5) && dateEndingAt(text, count, now) && sizeBefore(text, sizeColumn)) break;
    if (++count === MAX_COLUMNS) return undefined;
  }
  // The date ends at a space; exactly that one space separates it from the name.
  if (i + 1 >= end) return undefined;
  const time = doubles[DATE_TIME]!;
  const size = sizeValue;
  const before = firstSizeColumn;

  // Columns before the size: [links] owner [group].
  let owner: string | undefined;
  let group: string | undefined;
  const firstIsLinks = decimal(text, starts[0]!, ends[0]!) >= 0;
  if (before === 1) {
    if (!firstIsLinks) owner = owners.of(text, starts[0]!, ends[0]!);
  } else if (before === 2 && !firstIsLinks) {
    owner = owners.of(text, starts[0]!, ends[0]!);
    group = groups.of(text, starts[1]!, ends[1]!);
  } else {
    owner = owners.of(text, starts[1]!, ends[1]!);
    if (before > 2) group = groups.of(text, starts[2]!, ends[before - 1]!);
  }

  let name = text.slice(i + 1, end);
  let target: string | undefined;
  if (type === 'symlink') {
    const arrow = name.indexOf(' -> ');
    if (arrow > 0) {
      if (arrow + 4 < name.length) target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  }
  const permissions = permissionTexts.of(text, start + 1, start + 10);
  return timedEntry(name, type, size, time, permissions, target, owner, group, text.slice(start, end));
}

/**
 * The common shape of an `ls -l` line: mode, links, owner, group, size, `Mon D HH:MM` or
 * `Mon D YYYY`, one space, the name. Owner and group exclude `,` (the scanner would read `12, 34` as
 * device numbers), every column excludes what the scanner's columns exclude, and both readers
 * refuse the dates the scanner would refuse (31 April, 24:00), so whatever fits this shape the
 * scanner reads the same way. Devices, ISO dates, a missing group, month names not in title case
 * and tabs are left to the scanner. {@link matchCommonLine} matches it with this expression
 * (sticky, at the line's start), {@link readCommonLine} by hand; they accept the same lines.
 */
const COMMON_LINE =
  /[-dlpsDPnw?][rwxsStTlL-]{9}[+@.]? +\d+ +([^\x00-\x20,]+) +([^\x00-\x20,]+) +(\d{1,16}) +((Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d\d?) +(?:(\d\d?):(\d\d)|(\d{4}))) /y;
const OWNER = 1;
const GROUP = 2;
const SIZE = 3;
const DATE = 4;
const MONTH = 5;
const DAY = 6;
const HOURS = 7;
const MINUTES = 8;
const YEAR = 9;
/** The month alternatives of {@link COMMON_LINE}, three letters each: `indexOf / 3` is the month. */
const MONTH_NAMES = 'JanFebMarAprMayJunJulAugSepOctNovDec';
/** The types {@link COMMON_LINE} admits: every type but devices (`b`, `c`). */
const COMMON_TYPES = new Uint8Array(128);
for (const c of '-dlpsDPnw?') COMMON_TYPES[c.charCodeAt(0)] = 1;
/** What {@link commonTime} returns for a date the scanner must judge. */
const NOT_COMMON = -Infinity;

/**
 * Epoch milliseconds of a common-shape date (`year` -1 for `HH:MM`), NaN for a year-less date
 * without `now`, or {@link NOT_COMMON} for an impossible one.
 */
function commonTime(month: number, day: number, year: number, hours: number, minutes: number, now: number): number {
  // Day 29 to 31 of a short month, in any year or (29 February) in the year given.
  if (day < 1 || (day > 28 && day > daysInMonth(year < 0 ? 2000 : year, month + 1))) return NOT_COMMON;
  if (year >= 0) return midnight(year, month, day);
  if (hours > 23 || minutes > 59) return NOT_COMMON;
  return inferYear(month, day, hours * 60 + minutes, now);
}

/** The entry of a common-shape line whose name starts at `nameStart`. */
function commonEntry(text: string, start: number, end: number, nameStart: number, size: number, time: number, owner: string, group: string): ListingEntry {
  const first = text.charCodeAt(start);
  // Devices are not common, so every other type letter is 'unknown'.
  const type: ListingEntryType = first === 0x2d ? 'file' : first === 0x64 ? 'directory' : first === 0x6c ? 'symlink' : 'unknown';
  let name = text.slice(nameStart, end);
  let target: string | undefined;
  if (type === 'symlink') {
    const arrow = name.indexOf(' -> ');
    if (arrow > 0) {
      if (arrow + 4 < name.length) target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  }
  return timedEntry(name, type, size, time, permissionTexts.of(text, start + 1, start + 10), target, owner, group, text.slice(start, end));
}

/**
 * The entry of a common-shape line ({@link COMMON_LINE}), found by the expression; `undefined` for
 * any other line, which says nothing about whether it is `ls -l`.
 *
 * @internal
 * @example
 * ```ts
 * const line = '-rw-r--r--    1 1001     1001            6 Jan 02  2020 hello.txt';
 * matchCommonLine(line, 0, line.length, Number.NaN)?.size; // 6
 * ```
 */
export function matchCommonLine(text: string, start: number, end: number, now: number): ListingEntry | undefined {
  // Written out in full rather than sharing commonTime and commonEntry with readCommonLine: this is
  // the path of a cold process, where every call costs, and measurably so.
  COMMON_LINE.lastIndex = start;
  const match = COMMON_LINE.exec(text);
  // The pattern cannot cross a line terminator, so a match ends within the line.
  const nameStart = COMMON_LINE.lastIndex;
  if (match === null || nameStart >= end) return undefined;
  // Unary plus, not Number(): one bytecode instead of a call while this runs in the interpreter.
  const size = +match[SIZE]!;
  if (size > Number.MAX_SAFE_INTEGER) return undefined;
  // The files of a directory share few dates, often one: the last date's time is kept by its text.
  let time: number;
  const date = match[DATE]!;
  if (date === lastDate && now === doubles[LAST_NOW]) time = doubles[LAST_TIME]!;
  else {
    const month = MONTH_NAMES.indexOf(match[MONTH]!) / 3;
    const day = +match[DAY]!;
    const yearText = match[YEAR];
    const year = yearText === undefined ? -1 : +yearText;
    if (day < 1 || (day > 28 && day > daysInMonth(year < 0 ? 2000 : year, month + 1))) return undefined;
    if (year >= 0) time = midnight(year, month, day);
    else {
      const hours = +match[HOURS]!;
      const minutes = +match[MINUTES]!;
      if (hours > 23 || minutes > 59) return undefined;
      time = inferYear(month, day, hours * 60 + minutes, now);
    }
    lastDate = date;
    doubles[LAST_NOW] = now;
    doubles[LAST_TIME] = time;
  }
  const first = text.charCodeAt(start);
  // Devices are not common, so every other type letter is 'unknown'.
  const type: ListingEntryType = first === 0x2d ? 'file' : first === 0x64 ? 'directory' : first === 0x6c ? 'symlink' : 'unknown';
  let name = text.slice(nameStart, end);
  let target: string | undefined;
  if (first === 0x6c) {
    const arrow = name.indexOf(' -> ');
    if (arrow > 0) {
      if (arrow + 4 < name.length) target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  }
  const permissions = permissionTexts.of(text, start + 1, start + 10);
  return timedEntry(name, type, size, time, permissions, target, owners.same(match[OWNER]!), groups.same(match[GROUP]!), text.slice(start, end));
}

/** Month (0–11) of the title-case English abbreviation at `at`, or -1. */
function commonMonth(text: string, at: number): number {
  switch ((text.charCodeAt(at) << 16) | (text.charCodeAt(at + 1) << 8) | text.charCodeAt(at + 2)) {
    case 0x4a616e: return 0; // Jan
    case 0x466562: return 1; // Feb
    case 0x4d6172: return 2; // Mar
    case 0x417072: return 3; // Apr
    case 0x4d6179: return 4; // May
    case 0x4a756e: return 5; // Jun
    case 0x4a756c: return 6; // Jul
    case 0x417567: return 7; // Aug
    case 0x536570: return 8; // Sep
    case 0x4f6374: return 9; // Oct
    case 0x4e6f76: return 10; // Nov
    case 0x446563: return 11; // Dec
    default: return -1;
  }
}

/**
 * {@link matchCommonLine} by hand: the same lines, the same entries, and nothing allocated but the
 * entry. The loops need no bounds check: `text[end]` is a line terminator or past the end (NaN),
 * and each loop stops there.
 *
 * @internal
 * @example
 * ```ts
 * const line = '-rw-r--r--    1 1001     1001            6 Jan 02  2020 hello.txt';
 * readCommonLine(line, 0, line.length, Number.NaN)?.size; // 6
 * ```
 */
export function readCommonLine(text: string, start: number, end: number, now: number): ListingEntry | undefined {
  const first = text.charCodeAt(start);
  if (first > 127 || COMMON_TYPES[first] === 0) return undefined;
  for (let k = start + 1; k < start + 10; k++) {
    const c = text.charCodeAt(k);
    if (c > 127 || PERMISSION_CHARS[c] === 0) return undefined;
  }
  let i = start + 10;
  let c = text.charCodeAt(i);
  if (c === 0x2b || c === 0x40 || c === 0x2e) c = text.charCodeAt(++i); // '+' ACL, '@' xattr, '.' SELinux
  if (c !== SPACE) return undefined;
  while ((c = text.charCodeAt(++i)) === SPACE);
  // Links.
  if (c < ZERO || c > NINE) return undefined;
  while ((c = text.charCodeAt(++i)) >= ZERO && c <= NINE);
  if (c !== SPACE) return undefined;
  while ((c = text.charCodeAt(++i)) === SPACE);
  // Owner and group.
  const ownerStart = i;
  while (c > SPACE && c !== COMMA) c = text.charCodeAt(++i);
  const ownerEnd = i;
  if (c !== SPACE || ownerEnd === ownerStart) return undefined;
  while ((c = text.charCodeAt(++i)) === SPACE);
  const groupStart = i;
  while (c > SPACE && c !== COMMA) c = text.charCodeAt(++i);
  const groupEnd = i;
  if (c !== SPACE || groupEnd === groupStart) return undefined;
  while ((c = text.charCodeAt(++i)) === SPACE);
  // Size.
  const sizeStart = i;
  let size = 0;
  while (c >= ZERO && c <= NINE) {
    size = size * 10 + (c - ZERO);
    c = text.charCodeAt(++i);
  }
  if (c !== SPACE || i === sizeStart || i - sizeStart > 16 || size > Number.MAX_SAFE_INTEGER) return undefined;
  while ((c = text.charCodeAt(++i)) === SPACE);
  // Mon D
  const month = commonMonth(text, i);
  i += 3;
  if (month < 0 || text.charCodeAt(i) !== SPACE) return undefined;
  while ((c = text.charCodeAt(++i)) === SPACE);
  let day = c - ZERO;
  if (day < 0 || day > 9) return undefined;
  c = text.charCodeAt(++i);
  if (c >= ZERO && c <= NINE) {
    day = day * 10 + (c - ZERO);
    c = text.charCodeAt(++i);
  }
  if (c !== SPACE) return undefined;
  while ((c = text.charCodeAt(++i)) === SPACE);
  // HH:MM, H:MM or YYYY, then one space.
  const numberStart = i;
  let value = 0;
  while (c >= ZERO && c <= NINE) {
    value = value * 10 + (c - ZERO);
    c = text.charCodeAt(++i);
  }
  const digits = i - numberStart;
  let time: number;
  if (c === COLON && (digits === 1 || digits === 2)) {
    const tens = text.charCodeAt(i + 1) - ZERO;
    const units = text.charCodeAt(i + 2) - ZERO;
    if (tens < 0 || tens > 9 || units < 0 || units > 9) return undefined;
    i += 3;
    time = commonTime(month, day, -1, value, tens * 10 + units, now);
  } else {
    if (digits !== 4) return undefined;
    time = commonTime(month, day, value, 0, 0, now);
  }
  if (text.charCodeAt(i) !== SPACE || i + 1 >= end || time === NOT_COMMON) return undefined;
  return commonEntry(text, start, end, i + 1, size, time, owners.of(text, ownerStart, ownerEnd), groups.of(text, groupStart, groupEnd));
}

/**
 * Which reading of the common shape is the faster depends on what V8 has compiled. It runs a hand
 * scan such as {@link readCommonLine} in its bytecode interpreter until that has seen a few
 * thousand lines, and there one call of {@link COMMON_LINE} (compiled to machine code on its second
 * use) is several times faster: a cold process parses 20,000 lines in two thirds of the time with
 * the expression. Once compiled, the hand scan is the faster by a third, since it allocates nothing
 * per line but the entry, where the expression's match array and captured strings fill the young
 * generation and make the collector run more often.
 *
 * So the hand scan is used where its warm-up pays for itself: in a listing long enough to repay it
 * on its own (about 50,000 lines, hence {@link LONG_LISTING} characters of text) and once the
 * process has parsed {@link WARM_AFTER} lines, by when the expression has lost more than the warm-up
 * costs. Both accept the same lines and give the same entries (`test/listing.test.ts` checks this
 * on generated and mutated lines), so the choice changes nothing but speed.
 */
const LONG_LISTING = 3_000_000;
/** See {@link LONG_LISTING}. */
const WARM_AFTER = 100_000;
/** Common-shape lines parsed in this process, up to {@link WARM_AFTER}. */
let linesSeen = 0;

/**
 * Parse the `ls -l` line `text[start, end)` (no line ending), or return `undefined` when it is not
 * one. `now` (epoch milliseconds, or NaN) resolves year-less dates. Never throws. Lines of the
 * common shape take {@link matchCommonLine} or {@link readCommonLine}; the rest {@link scanUnixLine}.
 *
 * @internal
 * @example
 * ```ts
 * const line = '-rw-r--r-- 1 u g 6 Jan 02  2020 hello.txt';
 * parseUnixLine(line, 0, line.length, Number.NaN)?.size; // 6
 * ```
 */
export function parseUnixLine(text: string, start: number, end: number, now: number): ListingEntry | undefined {
  let entry: ListingEntry | undefined;
  if (linesSeen < WARM_AFTER) {
    linesSeen++;
    entry = text.length < LONG_LISTING ? matchCommonLine(text, start, end, now) : readCommonLine(text, start, end, now);
  } else {
    entry = readCommonLine(text, start, end, now);
  }
  return entry ?? scanUnixLine(text, start, end, now);
}
