// Why this file is long: the scratch layout, the column scan and the date shapes it stops at change together.
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
 * -rw-r--r--    1 u      g            6  3. Mär 15:40 German
 * -rw-r--r--    1 u      g            6 6月  3日 12:00 Japanese
 * 1234567    8 -rw-r--r-- 1 u g       6 2024-03-01 12:34:56.123456789 +0100 ls -lis --full-time
 * ```
 *
 * After the ten-character mode (and an optional ACL / extended-attribute / SELinux marker `+`,
 * `@` or `.`, which the link count may follow without a space), {@link readUnixLine} reads columns
 * one at a time by hand, until the last columns read form a date with a size (or a device's
 * `major, minor`) just before it and at least one column (links or owner) before that. Requiring
 * all of that means an owner called `Jan` does not end the scan early. The dates it stops at:
 * `Mon DD HH:MM`, `Mon DD YYYY`, the month in any language of `months.ts` and the day first or
 * second (`3 mars 15:40`, `3. Mär 2024`), CJK (`6月 3日 12:00`, `2024年6月3日`), and numeric
 * (`YYYY-MM-DD` or `YYYY/MM/DD`, alone or with `HH:MM[:SS[.fraction]]`, and the UTC offset that
 * `--full-time` prints after it; `MM-DD HH:MM`, the recent date of `--time-style=iso`). The mode
 * is read by `mode.ts`. Exactly one space follows the date; everything after it is the
 * name, so leading, inner and trailing spaces survive. Only a symlink's name is split at ` -> ` (at
 * the first arrow), so a file called `a -> b` stays whole.
 *
 * Less common shapes take a slower path that the common line never reaches: one or two numeric
 * columns before the mode (`ls -i`'s inode, `ls -s`'s blocks), and a nine-character mode without
 * the type letter (StingRay FTP), whose type is then `unknown` and whose other columns are not
 * trusted for owner and group. NetPresenz (Mac OS) writes the two fork sizes where the links and
 * owner would be, or `folder`: it names no owner. An owner or group with spaces ends at the first
 * gap of several spaces. A size beyond 2^53 - 1, which a `number` cannot hold exactly, leaves
 * `size` out rather than rounding it. One reader serves every shape of line (measurements:
 * "Listing parse" in `packages/bench/RESULTS.md`).
 *
 * Dates carry no zone, and `ls` prints server-local time: they are read at the server's offset
 * from UTC that the caller gives (UTC without one). `Mon DD HH:MM` omits the year (`ls` does this
 * for dates within six months); it is inferred from the caller's `now`, taken in the server's zone,
 * as the most recent such date no more than one day after `now` (the day of slack absorbs a server
 * clock slightly ahead, or an offset not given). Without `now` such an entry gets no `modifiedAt`
 * rather than a guessed year.
 *
 * The reader reads the line in place inside the whole listing (`text[start, end)`) and slices out
 * only what the entry keeps. Listings repeat themselves: vsftpd lists a folder of files written
 * together as lines that differ in the name only. So the reader keeps the line it read last up to
 * the end of its date (its head) with what the head said, and a line that starts with the same
 * head, and the character that ended that date, says the same: only its name is read. The head
 * decides every column before the name as long as the date was read from its own three columns
 * (`Mon DD HH:MM`, `Mon DD YYYY`; other shapes look past the date, at a zone or a clock), and only
 * such heads are kept (measurements: "Listing parse, cold" in `packages/bench/RESULTS.md`). What it
 * remembers between lines (that head, the columns of the line being read, the last day converted,
 * recent owner strings) belongs to the one {@link UnixScratch} of one parse, never to the module.
 *
 * @module
 */
import { civilToEpoch, daysInMonth } from '../time.js';
import { DAY as DAY_PRECISION, MDY, MINUTE, type ReadContext, readContext, SECOND } from './context.js';
import { clock, clockFollows, isoDay, recentYear, utcOf, wallClockAt, yearWindow } from './dates.js';
import { bigSize, decimal } from './digits.js';
import { timedEntry } from './entry.js';
import { cjkDateAt, englishMonth, englishMonthDay, monthDayAt, yearAt } from './months.js';
import { entryType, permissionsAt, unusualMode } from './mode.js';
import { clearRecent, type Recent, recentOf } from './recent.js';
import type { ListingEntry, ListingEntryType } from './types.js';

const SPACE = 0x20;
const COMMA = 0x2c;
const COLON = 0x3a;
const HYPHEN = 0x2d;
const SLASH = 0x2f;
/**
 * Columns read before giving up: links, owner and group (either may contain spaces on some Windows
 * servers), the size or device numbers, then the date. A line needing more is not `ls -l`.
 */
const MAX_COLUMNS = 16;
/** What {@link sizeBefore} returns when the column is not a size. */
const NOT_A_SIZE = -2;

// The parts of a UnixScratch, and the slots of its two number arrays.
const INTS = 0;
const DOUBLES = 1;
const STARTS = 2;
const ENDS = 3;
const PERMISSIONS = 4;
const OWNERS = 5;
const GROUPS = 6;
const CONTEXT = 7;
const LINE = 8;
// The parts of `line`, the head of the line read last and what it said (see the module comment).
const HEAD = 0;
const SOURCE = 1;
const LINE_TYPE = 2;
const LINE_PERMISSIONS = 3;
const LINE_OWNER = 4;
const LINE_GROUP = 5;
/** In `ints`: the last day {@link midnight} converted, as `(year * 16 + month) * 32 + day` (-1: none). */
const DAY = 0;
/** In `ints`, set by {@link sizeBefore}: the first column of the size (the major number for devices). */
const FIRST_SIZE_COLUMN = 1;
/** In `ints`, three slots: the window of `now` that year-less dates are placed in (`yearWindow`). */
const NOW_YEAR = 2;
const LIMIT_YEAR = 3;
const LIMIT_KEY = 4;
/** In `ints`, set by {@link dateEndingAt}: the precision of the date (context.ts codes). */
const PRECISION = 5;
/** In `ints`, set by {@link dateEndingAt}: where the date ends (after a `--full-time` offset, if any). */
const DATE_END = 6;
/** In `doubles`: the caller's `now`, epoch milliseconds, NaN without one. */
const NOW = 0;
/** In `doubles`: the time of {@link DAY}. */
const DAY_TIME = 1;
/** In `doubles`, set by {@link dateEndingAt}: the time of the date in UTC, NaN when unknown. */
const TIME = 2;
/** In `ints`, set by {@link dateEndingAt}: 1 when it read the date from its own three columns alone. */
const OWN_COLUMNS = 7;
/**
 * In `ints`, for the head in `line`: where it starts in `source`, its length (0: no head), and its
 * last two characters as `c1 << 16 | c2`, which a line must repeat before the head is copied out.
 */
const HEAD_START = 8;
const HEAD_LENGTH = 9;
const HEAD_TAIL = 10;
/** In `ints` and `doubles`: the precision, size and time that the head in `line` states. */
const LINE_PRECISION = 11;
const LINE_SIZE = 3;
const LINE_TIME = 4;

/**
 * What the unix lines of one parse remember from one line to the next: the year window of `now`,
 * the last day converted to a time, the column boundaries of the line being read, the permission,
 * owner and group strings a listing repeats (see recent.ts), and the head of the line read last.
 * A parse makes one with {@link unixScratch} and passes it to every {@link readUnixLine} call, so
 * two parses, even interleaved line by line, never share any of it. An array of arrays rather than an object with
 * fields, for speed: `packages/bench/RESULTS.md`, "Listing parse: per-parse state", says why.
 *
 * @internal
 */
export type UnixScratch = [
  ints: Int32Array,
  doubles: Float64Array,
  starts: Int32Array,
  ends: Int32Array,
  permissions: Recent,
  owners: Recent,
  groups: Recent,
  context: ReadContext,
  line: [head: string, source: string, type: ListingEntryType, permissions: string, owner: string | undefined, group: string | undefined],
];

/**
 * The scratch space of one parse's unix lines; `now` is epoch milliseconds, or NaN (see the module
 * comment on year-less dates), `context` the read context of the parse, which holds the server's
 * offset from UTC (UTC without one).
 *
 * @internal
 * @example
 * ```ts
 * const scratch = unixScratch(Date.now());
 * const line = 'crw-rw-rw- 1 root root 1, 3 Jan  1  2020 null';
 * readUnixLine(line, 0, line.length, scratch)?.type; // 'unknown'
 * ```
 */
export function unixScratch(now: number, context: ReadContext = readContext(now, 0, MDY)): UnixScratch {
  const ints = new Int32Array(12);
  const doubles = new Float64Array(5);
  ints[DAY] = -1;
  doubles[NOW] = now;
  if (now === now) yearWindow(wallClockAt(now, context.offset, context.zone), ints, NOW_YEAR);
  return [ints, doubles, new Int32Array(MAX_COLUMNS), new Int32Array(MAX_COLUMNS), [], [], [], context, ['', '', 'file', '', undefined, undefined]];
}

/**
 * Forget the strings `scratch` remembers from the listing (a long owner, or the head of the line
 * read last, may be a slice that keeps the whole listing text alive), at the end of a piece of a
 * streamed listing.
 *
 * @internal
 */
export function releaseUnixScratch(scratch: UnixScratch): void {
  clearRecent(scratch[PERMISSIONS]);
  clearRecent(scratch[OWNERS]);
  clearRecent(scratch[GROUPS]);
  const line = scratch[LINE];
  line[HEAD] = line[SOURCE] = line[LINE_PERMISSIONS] = '';
  line[LINE_OWNER] = line[LINE_GROUP] = undefined;
  scratch[INTS][HEAD_LENGTH] = 0;
}

/**
 * The `ls -l` line `text[start, end)` (no line ending) as an entry, or `undefined` when it is not
 * one, read with the scratch space of its parse. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = '-rw-r--r-- 1 u g 6 Jan 02  2020 hello.txt';
 * readUnixLine(line, 0, line.length, unixScratch(Number.NaN))?.size; // 6
 * ```
 */
export function readUnixLine(text: string, start: number, end: number, scratch: UnixScratch): ListingEntry | undefined {
  // A line that starts with the head of the line read last (see the module comment). The head is
  // copied out of its line only once a line ends its date with the same two characters.
  const ints = scratch[INTS];
  const length = ints[HEAD_LENGTH]!;
  const dateEnd = start + length;
  if (length !== 0 && dateEnd + 1 < end && text.charCodeAt(dateEnd) <= SPACE) {
    const line = scratch[LINE];
    let head = line[HEAD];
    if (head === '' && ((text.charCodeAt(dateEnd - 2) << 16) | text.charCodeAt(dateEnd - 1)) === ints[HEAD_TAIL]) {
      const from = ints[HEAD_START]!;
      head = line[HEAD] = line[SOURCE].slice(from, from + length);
    }
    if (head !== '' && text.startsWith(head, start)) {
      const doubles = scratch[DOUBLES];
      return entryAt(text, start, dateEnd, end, line[LINE_TYPE], doubles[LINE_SIZE]!, doubles[LINE_TIME]!, ints[LINE_PRECISION]!, line[LINE_PERMISSIONS], line[LINE_OWNER], line[LINE_GROUP]);
    }
  }
  return readColumns(text, start, end, scratch);
}

/** {@link readUnixLine} column by column, for a line that does not start with the head kept. */
function readColumns(text: string, start: number, end: number, scratch: UnixScratch): ListingEntry | undefined {
  if (end - start < 15) return undefined;
  let mode = start;
  let type = entryType(text.charCodeAt(start));
  let nine = false;
  if (type === undefined || !permissionsAt(text, start + 1)) {
    const found = unusualMode(text, start, end);
    if (found < 0) return undefined;
    mode = Math.floor(found / 16);
    nine = found % 16 === 9;
    type = nine ? 'unknown' : entryType(text.charCodeAt(mode));
  }
  let i = nine ? mode + 9 : mode + 10;
  const marker = text.charCodeAt(i);
  if (marker === 0x2b || marker === 0x40 || marker === 0x2e) {
    i++; // '+' ACL, '@' xattr, '.' SELinux; the link count may follow at once, and is then digits only
    let digits = i;
    while (text.charCodeAt(digits) - 0x30 >>> 0 <= 9) digits++;
    if (text.charCodeAt(i) !== SPACE && (digits === i || text.charCodeAt(digits) > SPACE)) return undefined;
  } else if (marker !== SPACE) return undefined;

  // Columns are runs of characters above U+0020. The loops need no bounds check: `text[end]` is a
  // line terminator or past the end (NaN), and both stop them.
  const starts = scratch[STARTS];
  const ends = scratch[ENDS];
  let count = 0;
  let size = NOT_A_SIZE;
  for (;;) {
    while (text.charCodeAt(i) === SPACE) i++;
    const from = i;
    while (text.charCodeAt(i) > SPACE) i++;
    if (i === from || i > end) return undefined; // a control character, or the line ended
    starts[count] = from;
    ends[count] = i;
    // A cheap first filter before the shapes are tried: every date ends in a four-digit year (or
    // `2024年`), a clock (`H:MM`, `HH:MM`, with seconds a colon at 1 or 2), an ISO date, or a
    // CJK mark. A short number ends only `Mon DD YYYY`, which has the day, the month, the size and
    // one more column before it: in an earlier column (a folder's size `4096`) it ends no date.
    const width = i - from;
    if (count >= 3 && width >= 4) {
      const last = text.charCodeAt(i - 1);
      if (
        (count >= 4 && width <= 5 && last - 0x30 >>> 0 <= 9) ||
        last > 0x3000 ||
        text.charCodeAt(from + 2) === COLON ||
        text.charCodeAt(from + 1) === COLON ||
        (width === 10 && text.charCodeAt(from + 4) - HYPHEN >>> 0 <= SLASH - HYPHEN)
      ) {
        const sizeColumn = dateEndingAt(text, count, end, scratch);
        if (sizeColumn >= 0) {
          size = sizeBefore(text, sizeColumn, scratch);
          if (size !== NOT_A_SIZE) break;
        }
      }
    }
    if (++count === MAX_COLUMNS) return undefined;
  }
  const ints = scratch[INTS];
  i = ints[DATE_END]!;
  // The date ends at a space; exactly that one space separates it from the name.
  if (i + 1 >= end) return undefined;
  const time = scratch[DOUBLES][TIME]!;
  const before = ints[FIRST_SIZE_COLUMN]!;

  // Columns before the size: links owner group (the common case), or fewer, or a group with
  // spaces. Without the type letter the columns are not those of ls: none is taken.
  const owners = scratch[OWNERS];
  let owner: string | undefined;
  let group: string | undefined;
  if (nine) {
    // StingRay: links, size and size again; nothing to name an owner by.
  } else if (before > 2) {
    const split = before > 3 ? groupStart(starts, ends, before) : 2;
    owner = recentOf(owners, text, starts[1]!, ends[split - 1]!);
    group = recentOf(scratch[GROUPS], text, starts[split]!, ends[before - 1]!);
  } else if (decimal(text, starts[0]!, ends[0]!) >= 0) {
    // links owner; or NetPresenz (Mac OS), whose two numbers are the forks that the size sums.
    const forks = before === 2 ? decimal(text, starts[1]!, ends[1]!) : -1;
    if (before === 2 && (forks < 0 || decimal(text, starts[0]!, ends[0]!) + forks !== size)) owner = recentOf(owners, text, starts[1]!, ends[1]!);
  } else if (before === 2 || type !== 'directory' || !text.startsWith('folder ', starts[0]!)) {
    // owner [group], no links; NetPresenz writes `folder` there for a directory.
    owner = recentOf(owners, text, starts[0]!, ends[0]!);
    if (before === 2) group = recentOf(scratch[GROUPS], text, starts[1]!, ends[1]!);
  }

  const permissions = recentOf(scratch[PERMISSIONS], text, nine ? mode : mode + 1, nine ? mode + 9 : mode + 10);
  const precision = ints[PRECISION]!;
  // The head decided all of this when the mode starts the line and the date was read from its own
  // columns: kept for the next line.
  if (mode === start && !nine && ints[OWN_COLUMNS] === 1) {
    const line = scratch[LINE];
    line[HEAD] = '';
    line[SOURCE] = text;
    line[LINE_TYPE] = type!;
    line[LINE_PERMISSIONS] = permissions;
    line[LINE_OWNER] = owner;
    line[LINE_GROUP] = group;
    ints[HEAD_START] = start;
    ints[HEAD_LENGTH] = i - start;
    ints[HEAD_TAIL] = (text.charCodeAt(i - 2) << 16) | text.charCodeAt(i - 1);
    ints[LINE_PRECISION] = precision;
    const doubles = scratch[DOUBLES];
    doubles[LINE_SIZE] = size;
    doubles[LINE_TIME] = time;
  }
  return entryAt(text, start, i, end, type!, size, time, precision, permissions, owner, group);
}

/** The entry of the line `text[start, end)`, whose date ends at `dateEnd` and whose name follows it after one character. */
function entryAt(
  text: string,
  start: number,
  dateEnd: number,
  end: number,
  type: ListingEntryType,
  size: number,
  time: number,
  precision: number,
  permissions: string,
  owner: string | undefined,
  group: string | undefined,
): ListingEntry {
  let name = text.slice(dateEnd + 1, end);
  let target: string | undefined;
  if (type === 'symlink') {
    const arrow = name.indexOf(' -> ');
    if (arrow > 0) {
      if (arrow + 4 < name.length) target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  }
  return timedEntry(name, type, size, time, precision, permissions, target, owner, group, text.slice(start, end));
}

/**
 * Does a date end at column `k`? Returns the column where the size must then be, or -1, and leaves
 * the time (UTC; NaN for a year-less date without `now`), its precision and where it ends in the
 * scratch space. The shape of nearly every line, `Mon DD HH:MM` or `Mon DD YYYY` with an English
 * month, is read here, small enough to be compiled into the column scan; every shape, that one
 * included, by {@link anyDateEndingAt} (measurements: `packages/bench/RESULTS.md`, "Listing
 * parse: every listing format").
 */
function dateEndingAt(text: string, k: number, end: number, scratch: UnixScratch): number {
  const starts = scratch[STARTS];
  const ends = scratch[ENDS];
  const s = starts[k]!;
  const e = ends[k]!;
  const s0 = starts[k - 2]!;
  const s1 = starts[k - 1]!;
  const e1 = ends[k - 1]!;
  if (k < 4 || ends[k - 2]! - s0 !== 3 || e1 - s1 > 2) return anyDateEndingAt(text, k, end, scratch);
  const month = englishMonth(text, s0);
  const day = decimal(text, s1, e1);
  if (month < 0 || day < 1 || day > daysInMonth(2000, month + 1)) return anyDateEndingAt(text, k, end, scratch);
  const ints = scratch[INTS];
  const doubles = scratch[DOUBLES];
  const colon = e - 3;
  if (e - s === 4 && text.charCodeAt(colon) !== COLON) {
    const year = decimal(text, s, e);
    if (year < 0 || day > daysInMonth(year, month + 1)) return -1;
    ints[DATE_END] = e;
    ints[PRECISION] = DAY_PRECISION;
    ints[OWN_COLUMNS] = 1;
    doubles[TIME] = utc(midnight(year, month, day, scratch), scratch);
    return k - 3;
  }
  if (text.charCodeAt(colon) !== COLON || colon - s > 2 || colon === s) return anyDateEndingAt(text, k, end, scratch);
  const hours = decimal(text, s, colon);
  const minutes = decimal(text, colon + 1, e);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return -1;
  ints[DATE_END] = e;
  ints[PRECISION] = MINUTE;
  ints[OWN_COLUMNS] = 1;
  doubles[TIME] = inferYear(month, day, (hours * 60 + minutes) * 60_000, scratch);
  return k - 3;
}

/** {@link dateEndingAt} for every shape of the module comment. */
function anyDateEndingAt(text: string, k: number, end: number, scratch: UnixScratch): number {
  const starts = scratch[STARTS];
  const ends = scratch[ENDS];
  const ints = scratch[INTS];
  const doubles = scratch[DOUBLES];
  const s = starts[k]!;
  const e = ends[k]!;
  ints[DATE_END] = e;
  ints[OWN_COLUMNS] = 0;
  const colon = e - 3;
  if (text.charCodeAt(colon) === COLON || text.charCodeAt(s + 1) === COLON || text.charCodeAt(s + 2) === COLON) {
    // `H:MM` and `HH:MM`, by far the most common, read inline; seconds and fractions by `clock`.
    let ms: number;
    if (text.charCodeAt(colon) === COLON && colon - s <= 2) {
      const hours = decimal(text, s, colon);
      const minutes = decimal(text, colon + 1, e);
      if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return -1;
      ms = (hours * 60 + minutes) * 60_000;
      ints[PRECISION] = MINUTE;
    } else {
      ms = clock(text, s, e);
      if (ms < 0) return -1;
      ints[PRECISION] = e - s > 5 ? SECOND : MINUTE;
    }
    const s1 = starts[k - 1]!;
    const e1 = ends[k - 1]!;
    if (e1 - s1 === 10 && text.charCodeAt(s1 + 4) - HYPHEN >>> 0 <= SLASH - HYPHEN) {
      const day = isoDay(text, s1, e1);
      if (day !== day) return -1;
      const stated = zoneAfter(text, s, e, end, ints);
      doubles[TIME] = stated === stated ? day + ms - stated : utc(day + ms, scratch);
      return k - 2;
    }
    const cjk = text.charCodeAt(e1 - 1) > 0x3000 ? cjkDateAt(text, s1, e1) : -1;
    if (cjk >= 0) {
      doubles[TIME] = cjkTime(cjk, ms, scratch);
      return k - 2;
    }
    // `ls --time-style=iso` writes a recent date `MM-DD`, without the year.
    if (e1 - s1 === 5 && text.charCodeAt(s1 + 2) === HYPHEN) {
      const month = decimal(text, s1, s1 + 2);
      const day = decimal(text, s1 + 3, e1);
      if (month < 1 || month > 12 || day < 1 || day > daysInMonth(2000, month)) return -1;
      doubles[TIME] = inferYear(month - 1, day, ms, scratch);
      return k - 2;
    }
    // The size is then in column k - 3, after at least one other.
    if (k < 4) return -1;
    const monthDay = englishMonthDay(text, starts[k - 2]!, ends[k - 2]!, s1, e1) ?? monthDayAt(text, starts[k - 2]!, ends[k - 2]!, s1, e1);
    if (monthDay < 0) return -1;
    // Korean and Japanese may write the year in a column of its own before the month.
    const year = k >= 4 && text.charCodeAt(ends[k - 3]! - 1) > 0x3000 ? yearAt(text, starts[k - 3]!, ends[k - 3]!) : -1;
    if (year >= 0) {
      doubles[TIME] = utc(midnight(year, monthDay >> 5, monthDay & 31, scratch) + ms, scratch);
      return k - 4;
    }
    doubles[TIME] = inferYear(monthDay >> 5, monthDay & 31, ms, scratch);
    return k - 3;
  }
  ints[PRECISION] = DAY_PRECISION;
  const year = yearAt(text, s, e);
  if (year >= 0) {
    if (k < 4) return -1;
    const monthDay = englishMonthDay(text, starts[k - 2]!, ends[k - 2]!, starts[k - 1]!, ends[k - 1]!) ?? monthDayAt(text, starts[k - 2]!, ends[k - 2]!, starts[k - 1]!, ends[k - 1]!);
    if (monthDay < 0 || (monthDay & 31) > daysInMonth(year, (monthDay >> 5) + 1)) return -1;
    doubles[TIME] = utc(midnight(year, monthDay >> 5, monthDay & 31, scratch), scratch);
    return k - 3;
  }
  // A date alone (`ls --time-style=+%F`, a CJK date): unless a clock follows, which ends it instead.
  let day = Number.NaN;
  if (e - s === 10) day = isoDay(text, s, e);
  else if (text.charCodeAt(e - 1) > 0x3000) {
    const cjk = cjkDateAt(text, s, e);
    if (cjk >= 32 * 16) day = midnight(cjk >> 9, (cjk >> 5) & 15, cjk & 31, scratch);
  }
  if (day !== day || clockFollows(text, e, end)) return -1;
  doubles[TIME] = utc(day, scratch);
  return k - 1;
}

/**
 * The first column of the group when more than two columns lie between the links and the size (an
 * owner or group with spaces, as Windows servers have): after the first gap of several spaces,
 * since `ls` pads the owner column; with single spaces only, the owner is one word.
 */
function groupStart(starts: Int32Array, ends: Int32Array, before: number): number {
  for (let c = 2; c < before; c++) if (starts[c]! - ends[c - 1]! > 1) return c;
  return 2;
}

/**
 * The UTC offset that `ls --full-time` prints after a clock with a fraction (`+0100`), in
 * milliseconds, moving the date's end past it; NaN when there is none (the server's zone applies).
 */
function zoneAfter(text: string, clockStart: number, clockEnd: number, end: number, ints: Int32Array): number {
  let i = clockEnd;
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  const sign = text.charCodeAt(i);
  if (text.charCodeAt(clockStart + 8) !== 0x2e || i === clockEnd || (sign !== 0x2b && sign !== HYPHEN)) return Number.NaN;
  const hours = decimal(text, i + 1, i + 3);
  const minutes = decimal(text, i + 3, i + 5);
  const after = text.charCodeAt(i + 5);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || (after > SPACE && i + 5 < end)) return Number.NaN;
  ints[DATE_END] = i + 5;
  return (sign === HYPHEN ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

/** The time of a one-column CJK date (see `cjkDateAt`) at `ms` after midnight, UTC. */
function cjkTime(cjk: number, ms: number, scratch: UnixScratch): number {
  const year = cjk >> 9;
  const month = (cjk >> 5) & 15;
  const day = cjk & 31;
  if (year === 0) return inferYear(month, day, ms, scratch);
  if (day > daysInMonth(year, month + 1)) return Number.NaN;
  return utc(midnight(year, month, day, scratch) + ms, scratch);
}

/**
 * The size in column `z` (-1 for a device's `major, minor`, or `major,minor` in one column, or for
 * a size a `number` cannot hold exactly), when there is at least one column before it; else
 * {@link NOT_A_SIZE}. Leaves the first column of the size (the major number for devices) in the
 * scratch space.
 */
function sizeBefore(text: string, z: number, scratch: UnixScratch): number {
  const starts = scratch[STARTS];
  const ends = scratch[ENDS];
  const value = decimal(text, starts[z]!, ends[z]!);
  if (value >= 0 || bigSize(text, starts[z]!, ends[z]!)) {
    const prev = z - 1;
    if (prev >= 1 && text.charCodeAt(ends[prev]! - 1) === COMMA && decimal(text, starts[prev]!, ends[prev]! - 1) >= 0) {
      scratch[INTS][FIRST_SIZE_COLUMN] = prev;
      return -1;
    }
    scratch[INTS][FIRST_SIZE_COLUMN] = z;
    return z >= 1 ? value : NOT_A_SIZE;
  }
  let comma = -1;
  for (let i = starts[z]!; i < ends[z]!; i++) {
    if (text.charCodeAt(i) === COMMA) {
      comma = i;
      break;
    }
  }
  if (z < 1 || comma < 0 || decimal(text, starts[z]!, comma) < 0 || decimal(text, comma + 1, ends[z]!) < 0) return NOT_A_SIZE;
  scratch[INTS][FIRST_SIZE_COLUMN] = z;
  return -1;
}

/** The UTC time of the server's wall clock `wall` (dates.ts). */
function utc(wall: number, scratch: UnixScratch): number {
  return utcOf(wall, scratch[CONTEXT]);
}

/**
 * Epoch milliseconds of `year`-`month` (0–11)-`day` 00:00 UTC. The files of a directory share few
 * days, so the last answer is kept.
 */
function midnight(year: number, month: number, day: number, scratch: UnixScratch): number {
  const key = (year * 16 + month) * 32 + day;
  const ints = scratch[INTS];
  const doubles = scratch[DOUBLES];
  if (key !== ints[DAY]) {
    ints[DAY] = key;
    doubles[DAY_TIME] = civilToEpoch(year, month + 1, day, 0, 0, 0, 0);
  }
  return doubles[DAY_TIME]!;
}

/**
 * The most recent `month`/`day` at `ms` after midnight, in the server's zone, no later than one day
 * after `now` there (`recentYear` in dates.ts), as UTC; NaN when `now` is NaN.
 */
function inferYear(month: number, day: number, ms: number, scratch: UnixScratch): number {
  const doubles = scratch[DOUBLES];
  const now = doubles[NOW]!;
  if (now !== now) return Number.NaN;
  const ints = scratch[INTS];
  const year = recentYear(month, day, Math.floor(ms / 60_000), ints[NOW_YEAR]!, ints[LIMIT_YEAR]!, ints[LIMIT_KEY]!);
  return year < 0 ? Number.NaN : utc(midnight(year, month, day, scratch) + ms, scratch);
}
