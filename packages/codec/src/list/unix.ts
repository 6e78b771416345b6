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
 * `@` or `.`), {@link readUnixLine} reads columns one at a time by hand, until the last three
 * columns read form a date (`Mon DD HH:MM`, `Mon DD YYYY`) or the last two an ISO date
 * (`YYYY-MM-DD HH:MM`, from busybox or `ls --time-style=long-iso`), with a size (or a device's
 * `major, minor`) just before and at least one column (links or owner) before that. Requiring all
 * of that means an owner called `Jan` does not end the scan early. Exactly one space follows the
 * date; everything after it is the name, so leading, inner and trailing spaces survive. Only a
 * symlink's name is split at ` -> ` (at the first arrow), so a file called `a -> b` stays whole.
 * One reader serves every shape of line, the common one included (measurements: "Listing parse"
 * in `packages/bench/RESULTS.md`).
 *
 * Dates carry no zone, and `ls` prints server-local time: they are taken as UTC, the only choice
 * that does not depend on the client's zone. `Mon DD HH:MM` omits the year (`ls` does this for
 * dates within six months); it is inferred from the caller's `now` as the most recent such date no
 * more than one day after `now` (the day of slack absorbs a server in a zone ahead of UTC, or a
 * clock slightly ahead). Without `now` such an entry gets no `modifiedAt` rather than a guessed year.
 *
 * The reader reads the line in place inside the whole listing (`text[start, end)`) and slices out
 * only what the entry keeps. What it remembers between lines (the columns of the line being read,
 * the last day converted, recent owner strings) belongs to the one {@link UnixScratch} of one
 * parse, never to the module.
 *
 * @module
 */
import { civilToEpoch, daysInMonth } from '../time.js';
import { decimal } from './digits.js';
import { timedEntry } from './entry.js';
import { clearRecent, type Recent, recentOf } from './recent.js';
import type { ListingEntry, ListingEntryType } from './types.js';

const SPACE = 0x20;
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
/** What {@link sizeBefore} returns when the column is not a size. */
const NOT_A_SIZE = -2;

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

/**
 * Characters `ls` prints in the nine permission positions (`l`/`L`: mandatory locking). A lookup
 * table, filled once here and only read after.
 */
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

/** `H:MM` or `HH:MM` in `text[start, end)` as minutes since midnight, or -1. */
function clock(text: string, start: number, end: number): number {
  const colon = end - 3;
  if (colon <= start || colon - start > 2 || text.charCodeAt(colon) !== COLON) return -1;
  const hours = decimal(text, start, colon);
  const minutes = decimal(text, colon + 1, end);
  return hours < 0 || hours > 23 || minutes < 0 || minutes > 59 ? -1 : hours * 60 + minutes;
}

// The parts of a UnixScratch, and the slots of its two number arrays.
const INTS = 0;
const DOUBLES = 1;
const STARTS = 2;
const ENDS = 3;
const PERMISSIONS = 4;
const OWNERS = 5;
const GROUPS = 6;
/** In `ints`: the last day {@link midnight} converted, as `(year * 16 + month) * 32 + day` (-1: none). */
const DAY = 0;
/** In `ints`, set by {@link sizeBefore}: the first column of the size (the major number for devices). */
const FIRST_SIZE_COLUMN = 1;
/** In `ints`: the UTC year of `now`. */
const NOW_YEAR = 2;
/** In `ints`: the UTC year of `now` plus one day, the latest instant a year-less date may name. */
const LIMIT_YEAR = 3;
/** In `ints`: month, day and minute of `now` plus one day, ordered as in {@link inferYear}. */
const LIMIT_KEY = 4;
/** In `doubles`: the caller's `now`, epoch milliseconds, NaN without one. */
const NOW = 0;
/** In `doubles`: the time of {@link DAY}. */
const DAY_TIME = 1;
/** In `doubles`, set by {@link dateEndingAt}: the time of the date, NaN when unknown. */
const TIME = 2;

/**
 * What the unix lines of one parse remember from one line to the next: the year window of `now`,
 * the last day converted to a time, the column boundaries of the line being read, and the
 * permission, owner and group strings a listing repeats (see recent.ts). A parse makes one with
 * {@link unixScratch} and passes it to every {@link readUnixLine} call, so two parses, even
 * interleaved line by line, never share any of it. An array of arrays rather than an object with
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
];

/**
 * The scratch space of one parse's unix lines; `now` is epoch milliseconds, or NaN (see the module
 * comment on year-less dates).
 *
 * @internal
 * @example
 * ```ts
 * const scratch = unixScratch(Date.now());
 * const line = 'crw-rw-rw- 1 root root 1, 3 Jan  1  2020 null';
 * readUnixLine(line, 0, line.length, scratch)?.type; // 'unknown'
 * ```
 */
export function unixScratch(now: number): UnixScratch {
  const ints = new Int32Array(5);
  const doubles = new Float64Array(3);
  ints[DAY] = -1;
  doubles[NOW] = now;
  if (now === now) {
    const limit = new Date(Math.min(now + DAY_MS, MAX_TIME));
    ints[NOW_YEAR] = new Date(now).getUTCFullYear();
    ints[LIMIT_YEAR] = limit.getUTCFullYear();
    ints[LIMIT_KEY] = (limit.getUTCMonth() * 32 + limit.getUTCDate()) * 1440 + limit.getUTCHours() * 60 + limit.getUTCMinutes();
  }
  return [ints, doubles, new Int32Array(MAX_COLUMNS), new Int32Array(MAX_COLUMNS), [], [], []];
}

/**
 * Forget the strings `scratch` remembers from the listing (a long owner may be a slice that keeps
 * the whole listing text alive), at the end of a piece of a streamed listing.
 *
 * @internal
 */
export function releaseUnixScratch(scratch: UnixScratch): void {
  clearRecent(scratch[PERMISSIONS]);
  clearRecent(scratch[OWNERS]);
  clearRecent(scratch[GROUPS]);
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
    // Every date ends in a 4-character year or H:MM, or a 5-character HH:MM: a cheap first filter.
    const width = i - from;
    if (count >= 3 && (width === 4 || width === 5)) {
      const sizeColumn = dateEndingAt(text, count, scratch);
      if (sizeColumn >= 0) {
        size = sizeBefore(text, sizeColumn, scratch);
        if (size !== NOT_A_SIZE) break;
      }
    }
    if (++count === MAX_COLUMNS) return undefined;
  }
  // The date ends at a space; exactly that one space separates it from the name.
  if (i + 1 >= end) return undefined;
  const time = scratch[DOUBLES][TIME]!;
  const before = scratch[INTS][FIRST_SIZE_COLUMN]!;

  // Columns before the size: links owner group (the common case), or fewer, or a group with spaces.
  const owners = scratch[OWNERS];
  let owner: string | undefined;
  let group: string | undefined;
  if (before > 2) {
    owner = recentOf(owners, text, starts[1]!, ends[1]!);
    group = recentOf(scratch[GROUPS], text, starts[2]!, ends[before - 1]!);
  } else if (decimal(text, starts[0]!, ends[0]!) >= 0) {
    if (before === 2) owner = recentOf(owners, text, starts[1]!, ends[1]!); // links owner
  } else {
    owner = recentOf(owners, text, starts[0]!, ends[0]!); // owner [group], no links
    if (before === 2) group = recentOf(scratch[GROUPS], text, starts[1]!, ends[1]!);
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
  const permissions = recentOf(scratch[PERMISSIONS], text, start + 1, start + 10);
  return timedEntry(name, type, size, time, permissions, target, owner, group, text.slice(start, end));
}

/**
 * Does a date end at column `k`: `Mon DD HH:MM`, `Mon DD YYYY` (columns `k - 2` to `k`) or ISO
 * `YYYY-MM-DD HH:MM` (`k - 1` and `k`)? Returns the column where the size must then be, or -1, and
 * leaves the time in the scratch space (NaN for a year-less date without `now`).
 */
function dateEndingAt(text: string, k: number, scratch: UnixScratch): number {
  const starts = scratch[STARTS];
  const ends = scratch[ENDS];
  const s2 = starts[k]!;
  const e2 = ends[k]!;
  const s1 = starts[k - 1]!;
  const e1 = ends[k - 1]!;
  if (e1 - s1 === 10 && text.charCodeAt(s1 + 4) === HYPHEN && text.charCodeAt(s1 + 7) === HYPHEN) {
    const year = decimal(text, s1, s1 + 4);
    const month = decimal(text, s1 + 5, s1 + 7);
    const day = decimal(text, s1 + 8, s1 + 10);
    const minutes = clock(text, s2, e2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || minutes < 0) return -1;
    scratch[DOUBLES][TIME] = civilToEpoch(year, month, day, 0, minutes, 0, 0);
    return k - 2;
  }
  if (k < 4) return -1;
  const s0 = starts[k - 2]!;
  if (ends[k - 2]! - s0 !== 3 || e1 - s1 > 2) return -1;
  const month = monthIndex(text, s0);
  if (month < 0) return -1;
  const day = decimal(text, s1, e1);
  if (day < 1 || day > daysInMonth(2000, month + 1)) return -1; // 2000: allow 29 February for now
  const year = e2 - s2 === 4 ? decimal(text, s2, e2) : -1;
  if (year >= 0) {
    if (day > daysInMonth(year, month + 1)) return -1;
    scratch[DOUBLES][TIME] = midnight(year, month, day, scratch);
  } else {
    const minutes = clock(text, s2, e2);
    if (minutes < 0) return -1;
    scratch[DOUBLES][TIME] = inferYear(month, day, minutes, scratch);
  }
  return k - 3;
}

/**
 * The size in column `z` (-1 for a device's `major, minor`, or `major,minor` in one column), when
 * there is at least one column before it; else {@link NOT_A_SIZE}. Leaves the first column of the
 * size (the major number for devices) in the scratch space.
 */
function sizeBefore(text: string, z: number, scratch: UnixScratch): number {
  const starts = scratch[STARTS];
  const ends = scratch[ENDS];
  const value = decimal(text, starts[z]!, ends[z]!);
  if (value >= 0) {
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
 * The most recent `month`/`day` `minutes` (UTC) no later than one day after `now`, or NaN when
 * `now` is NaN. Looks back up to eight years, far enough to reach a 29 February.
 */
function inferYear(month: number, day: number, minutes: number, scratch: UnixScratch): number {
  const now = scratch[DOUBLES][NOW]!;
  if (now !== now) return Number.NaN;
  const ints = scratch[INTS];
  // A date falls later in a later year, so it is in the limit's year when it is not after the limit
  // within that year (month, day and minute ordered as one number), else in the year before; a
  // 29 February goes back on to a leap year. These dates have whole minutes, as the key does.
  let year = (month * 32 + day) * 1440 + minutes <= ints[LIMIT_KEY]! ? ints[LIMIT_YEAR]! : ints[LIMIT_YEAR]! - 1;
  const oldest = ints[NOW_YEAR]! - 8;
  while (day > daysInMonth(year, month + 1)) if (--year < oldest) return Number.NaN;
  return midnight(year, month, day, scratch) + minutes * 60_000;
}
