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
 * `@` or `.`), columns are read one at a time by a hand scan (no regex, no split), until the last
 * three columns read form a date (`Mon DD HH:MM`, `Mon DD YYYY`) or the last two an ISO date
 * (`YYYY-MM-DD HH:MM`, from busybox or `ls --time-style=long-iso`), with a size (or a device's
 * `major, minor`) just before and at least one column (links or owner) before that. Requiring all
 * of that means an owner called `Jan` does not end the scan early. Exactly one space follows the
 * date; everything after it is the name, so leading, inner and trailing spaces survive. Only a
 * symlink's name is split at ` -> ` (at the first arrow), so a file called `a -> b` stays whole.
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
import type { ListingEntry, ListingEntryType } from '../listing.js';
import { civilToEpoch, daysInMonth } from '../time.js';
import { makeTimedEntry } from './entry.js';

const SPACE = 0x20;
const ZERO = 0x30;
const COMMA = 0x2c;
const COLON = 0x3a;
const HYPHEN = 0x2d;
const DAY_MS = 86_400_000;
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
const doubles = new Float64Array(2);
const MEMO_NOW = 0; // the `now` whose year is in memoYear
const DATE_TIME = 1; // set by dateEndingAt: epoch milliseconds, NaN when unknown
doubles[MEMO_NOW] = Number.NaN;
let memoYear = 0;

/**
 * The most recent `month`/`day` `minutes` (UTC) no later than one day after `now`, or NaN when
 * `now` is NaN. Looks back up to eight years, far enough to reach a 29 February.
 */
function inferYear(month: number, day: number, minutes: number, now: number): number {
  if (now !== now) return Number.NaN;
  if (now !== doubles[MEMO_NOW]) {
    doubles[MEMO_NOW] = now;
    memoYear = new Date(now).getUTCFullYear();
  }
  const limit = now + DAY_MS;
  for (let year = memoYear + 1; year >= memoYear - 8; year--) {
    if (day > daysInMonth(year, month + 1)) continue;
    const t = civilToEpoch(year, month + 1, day, 0, minutes, 0, 0);
    if (t <= limit) return t;
  }
  return Number.NaN;
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

// Consecutive lines of a listing mostly repeat their permissions, owner and group. Reusing the
// previous string when the text matches saves allocations that would outlive the parse.
let lastPermissions = '---------';
let lastOwner = '';
let lastGroup = '';

/**
 * Is `text[start, end)` exactly `same`? A loop: faster than `startsWith` for these few characters.
 *
 * @internal
 * @example
 * ```ts
 * sameAs('-rw-r--r-- 1 ftp', 13, 16, 'ftp'); // true
 * ```
 */
export function sameAs(text: string, start: number, end: number, same: string): boolean {
  if (same.length !== end - start) return false;
  for (let i = 0; i < same.length; i++) if (text.charCodeAt(start + i) !== same.charCodeAt(i)) return false;
  return true;
}

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
  lastOwner = '';
  lastGroup = '';
  lastPermissions = '---------';
}

function ownerText(text: string, start: number, end: number): string {
  if (!sameAs(text, start, end, lastOwner)) lastOwner = text.slice(start, end);
  return lastOwner;
}

function groupText(text: string, start: number, end: number): string {
  if (!sameAs(text, start, end, lastGroup)) lastGroup = text.slice(start, end);
  return lastGroup;
}

/**
 * Parse the `ls -l` line `text[start, end)` (no line ending), or return `undefined` when it is not
 * one. `now` (epoch milliseconds, or NaN) resolves year-less dates. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = '-rw-r--r-- 1 u g 6 Jan 02  2020 hello.txt';
 * parseUnixLine(line, 0, line.length, Number.NaN)?.size; // 6
 * ```
 */
export function parseUnixLine(text: string, start: number, end: number, now: number): ListingEntry | undefined {
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
    if (!firstIsLinks) owner = ownerText(text, starts[0]!, ends[0]!);
  } else if (before === 2 && !firstIsLinks) {
    owner = ownerText(text, starts[0]!, ends[0]!);
    group = groupText(text, starts[1]!, ends[1]!);
  } else {
    owner = ownerText(text, starts[1]!, ends[1]!);
    if (before > 2) group = groupText(text, starts[2]!, ends[before - 1]!);
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
  if (!sameAs(text, start + 1, start + 10, lastPermissions)) lastPermissions = text.slice(start + 1, start + 10);
  return makeTimedEntry(name, type, size, time, lastPermissions, target, owner, group, text.slice(start, end));
}

const RWX = ['---', '--x', '-w-', '-wx', 'r--', 'r-x', 'rw-', 'rwx'] as const;

/**
 * The nine-character `ls` permission string of a numeric mode (`0o4755` → `rwsr-xr-x`), as MLSD's
 * `UNIX.mode` and EPLF's `up` facts give it. File-type bits above `0o7777` are ignored.
 *
 * @internal
 * @example
 * ```ts
 * modeToPermissions(0o644);  // 'rw-r--r--'
 * modeToPermissions(0o1777); // 'rwxrwxrwt'
 * ```
 */
export function modeToPermissions(mode: number): string {
  let user: string = RWX[(mode >> 6) & 7]!;
  let group: string = RWX[(mode >> 3) & 7]!;
  let other: string = RWX[mode & 7]!;
  // setuid / setgid / sticky replace the execute letter, lower case when execute is also set.
  if (mode & 0o4000) user = user.slice(0, 2) + (mode & 0o100 ? 's' : 'S');
  if (mode & 0o2000) group = group.slice(0, 2) + (mode & 0o010 ? 's' : 'S');
  if (mode & 0o1000) other = other.slice(0, 2) + (mode & 0o001 ? 't' : 'T');
  return user + group + other;
}
