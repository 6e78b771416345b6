// Why this file is long: one arbitrary per listing format, each writing lines with the variations real servers produce.
/**
 * Listing lines for tests: fast-check arbitraries that produce a listing line together with the
 * entry it must parse to, and {@link plainListingEntry} to compare parsed entries with `toEqual`.
 *
 * Theory of operation: each arbitrary draws the parts of an entry first (type, permissions, owner,
 * size, time, name) and then writes the line the way a server would, with the variations real
 * servers produce: padding widths, day `02` or ` 2`, group column or not, device numbers, ACL
 * markers, ISO dates, names with leading, inner and trailing spaces, `;`, ` -> ` (in non-links) and
 * non-ASCII characters; MLSD facts in any order and letter case; DOS 12- and 24-hour clocks with
 * two- and four-digit years. A line and its expected entry therefore make a round trip:
 * `plainListingEntry(parseListingLine(sample.line, format, { now: sample.now }))` equals
 * `sample.expected`.
 *
 * Needs `fast-check` (an optional peer dependency of the codec).
 *
 * @module
 */
import fc from 'fast-check';
import type { ListingEntry, ListingEntryType, ListingTimePrecision } from '../list/types.js';
import { formatFtpTime } from '../time.js';

/**
 * A listing entry with `facts` as a `Map`: what the arbitraries below expect a line to parse to, and
 * what {@link plainListingEntry} makes of an entry.
 *
 * @example
 * ```ts
 * const plain: PlainListingEntry = { name: 'a', type: 'file', size: 6, raw: '…' };
 * ```
 */
export interface PlainListingEntry {
  readonly name: string;
  readonly type: ListingEntryType;
  readonly size?: number;
  readonly modifiedAt?: Date;
  readonly precision?: ListingTimePrecision;
  readonly permissions?: string;
  readonly target?: string;
  readonly owner?: string;
  readonly group?: string;
  readonly facts?: ReadonlyMap<string, string>;
  readonly raw: string;
}

/**
 * A listing line, the entry it parses to, and the `now` to parse it with (unix lines with a
 * year-less date need it).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbUnixListingLine(), ({ line, expected, now }) => {
 *   expect(plainListingEntry(parseListingLine(line, 'unix', { now })!)).toEqual(expected);
 * }));
 * ```
 */
export interface ListingLineSample {
  readonly line: string;
  readonly expected: PlainListingEntry;
  readonly now: Date;
}

/**
 * An entry as a {@link PlainListingEntry}: a copy in which `facts`, a read-only view of an MLSD
 * line's facts, becomes a `Map`, so that `toEqual` can compare it with an expected `Map`. Entries are
 * plain objects already, so entries without facts can be compared as they are; this is for MLSD.
 *
 * @example
 * ```ts
 * expect(plainListingEntry(parseMlsdLine('type=file;size=6; a'))).toEqual({
 *   name: 'a', type: 'file', size: 6, facts: new Map([['type', 'file'], ['size', '6']]), raw: 'type=file;size=6; a',
 * });
 * ```
 */
export function plainListingEntry(entry: ListingEntry): PlainListingEntry {
  return entry.facts === undefined ? { ...entry } : { ...entry, facts: new Map(entry.facts) };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MINUTE = 60_000;
const DAY = 86_400_000;

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function spaces(n: number): string {
  return ' '.repeat(n);
}

/** Days in `month` (1–12) of `year`: day 0 of the next month is the last day of this one. */
function daysIn(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

/** A UTC date at midnight or to the minute, years 1000–9999 (what listings can state). */
function utcDate(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, 0, 0);
  return d;
}

/** Characters for names: the awkward ones often, anything else (but line breaks) sometimes. */
const nameChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'Z', '0', '7', '.', '_', '-') },
  { weight: 3, arbitrary: fc.constantFrom(' ', ';', '; ', ' -> ', '->', '=', ',', '\t', '+', '[', '#') },
  { weight: 2, arbitrary: fc.constantFrom('é', 'ü', 'ß', '日本', '😀', '\u00a0', 'Ω') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);

/** A file name as a server may list it: non-empty, no line break, not `.` or `..`. */
function arbName(): fc.Arbitrary<string> {
  return fc
    .array(nameChar, { minLength: 1, maxLength: 12 })
    .map((parts) => parts.join(''))
    .filter((name) => !/[\r\n]/.test(name) && name !== '.' && name !== '..');
}

/** An owner or group column: a user name (never a month name) or a number. */
const arbPrincipal = fc.oneof(
  fc.nat({ max: 65535 }).map(String),
  fc
    .tuple(fc.constantFrom('u', 'ftp', 'www', 'x', 'nobody', 'staff'), fc.stringMatching(/^[a-z0-9_-]{0,6}$/))
    .map(([head, tail]) => head + tail),
);

const arbPermissions = fc
  .tuple(
    fc.constantFrom('r', '-'),
    fc.constantFrom('w', '-'),
    fc.constantFrom('x', '-', 's', 'S'),
    fc.constantFrom('r', '-'),
    fc.constantFrom('w', '-'),
    fc.constantFrom('x', '-', 's', 'S'),
    fc.constantFrom('r', '-'),
    fc.constantFrom('w', '-'),
    fc.constantFrom('x', '-', 't', 'T'),
  )
  .map((chars) => chars.join(''));

/** A `now` between 1971 and 9998, to the millisecond. */
const arbNow = fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(9998, 0, 1) }).map((t) => new Date(t));

/** The date columns of an `ls -l` line, the time they state and to what precision. */
interface UnixDate {
  readonly text: string;
  readonly time: Date;
  readonly precision: ListingTimePrecision;
}

function arbUnixDate(now: Date): fc.Arbitrary<UnixDate> {
  const withYear = fc
    .record({
      year: fc.integer({ min: 1000, max: 9999 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      dayStyle: fc.constantFrom('padded', 'spaced', 'bare'),
      gap: fc.integer({ min: 1, max: 2 }),
    })
    .filter(({ year, month, day }) => day <= daysIn(year, month))
    .map(({ year, month, day, dayStyle, gap }) => ({
      text: `${MONTHS[month - 1]} ${dayText(day, dayStyle)}${spaces(gap)}${year}`,
      time: utcDate(year, month, day),
      precision: 'day' as const,
    }));
  // `Mon DD HH:MM`: a time at most a day after `now` and less than a year before it, so that the
  // most recent matching date is this one.
  const recent = fc
    .record({ back: fc.integer({ min: 0, max: 363 * 24 * 60 }), dayStyle: fc.constantFrom('padded', 'spaced', 'bare') })
    .map(({ back, dayStyle }) => {
      const t = Math.floor((now.getTime() + DAY) / MINUTE) * MINUTE - back * MINUTE;
      const d = new Date(t);
      return {
        text: `${MONTHS[d.getUTCMonth()]} ${dayText(d.getUTCDate(), dayStyle)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`,
        time: d,
        precision: 'minute' as const,
      };
    })
    .filter(({ time }) => time.getUTCFullYear() >= 1000);
  const iso = fc
    .record({
      year: fc.integer({ min: 1000, max: 9999 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
    })
    .filter(({ year, month, day }) => day <= daysIn(year, month))
    .map(({ year, month, day, hour, minute }) => ({
      text: `${year}-${two(month)}-${two(day)} ${two(hour)}:${two(minute)}`,
      time: utcDate(year, month, day, hour, minute),
      precision: 'minute' as const,
    }));
  return fc.oneof(withYear, recent, iso);
}

function dayText(day: number, style: string): string {
  return style === 'padded' ? two(day) : style === 'spaced' ? String(day).padStart(2, ' ') : String(day);
}

/**
 * Options of {@link arbUnixListingLine}.
 *
 * @example
 * ```ts
 * const now = new Date('2026-11-25T15:58:00Z');
 * fc.array(arbUnixListingLine({ now })); // lines of one listing, all parsed with the same `now`
 * ```
 */
export interface UnixListingLineOptions {
  /**
   * The `now` that year-less dates (`Nov 25 15:40`) are written against. Default: a different
   * `now` drawn for every line; give one to build a whole listing parsed with a single `now`.
   */
  readonly now?: Date;
}

/**
 * `ls -l` lines as vsftpd, ProFTPD, Pure-FTPd, busybox and ftp-srv print them: files, directories,
 * symlinks (`name -> target`), devices (`major, minor` instead of a size), FIFOs; with or without
 * the group column; with ACL / xattr / SELinux markers; year, time or ISO dates.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbUnixListingLine(), ({ line, expected, now }) => {
 *   expect(plainListingEntry(parseListingLine(line, 'unix', { now })!)).toEqual(expected);
 * }));
 * ```
 */
export function arbUnixListingLine(options: UnixListingLineOptions = {}): fc.Arbitrary<ListingLineSample> {
  const arbThisNow = options.now === undefined ? arbNow : fc.constant(options.now);
  return arbThisNow.chain((now) =>
    fc
      .record({
        kind: fc.constantFrom('-', '-', 'd', 'l', 'c', 'b', 'p'),
        permissions: arbPermissions,
        marker: fc.constantFrom('', '', '+', '@', '.'),
        links: fc.integer({ min: 1, max: 9999 }),
        owner: arbPrincipal,
        group: fc.option(arbPrincipal, { nil: undefined }),
        size: fc.oneof(fc.nat({ max: 99999 }), fc.maxSafeNat()),
        device: fc.tuple(fc.nat({ max: 255 }), fc.nat({ max: 65535 }), fc.boolean()),
        date: arbUnixDate(now),
        name: arbName(),
        target: arbName(),
        pads: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 5, maxLength: 5 }),
      })
      .filter(({ kind, name, target }) => kind !== 'l' || `${name} -> ${target}`.indexOf(' -> ') === name.length)
      // `1 6 7` without a group is also a NetPresenz line (two fork sizes and their sum, no owner),
      // which is how the reader takes it: such a line says nothing certain about an owner.
      .filter(({ kind, links, owner, group, size }) => group !== undefined || kind === 'c' || kind === 'b' || !/^\d+$/.test(owner) || links + Number(owner) !== size)
      .map(({ kind, permissions, marker, links, owner, group, size, device, date, name, target, pads }) => {
        const [p0, p1, p2, p3, p4] = pads as [number, number, number, number, number];
        const isDevice = kind === 'c' || kind === 'b';
        const sizeText = isDevice ? `${device[0]},${device[2] ? spaces(p3) : ''}${device[1]}` : String(size);
        const groupText = group === undefined ? '' : `${spaces(p2)}${group}`;
        const shown = kind === 'l' ? `${name} -> ${target}` : name;
        const line = `${kind}${permissions}${marker}${spaces(p0)}${links}${spaces(p1)}${owner}${groupText}${spaces(p3)}${sizeText}${spaces(p4)}${date.text} ${shown}`;
        const type: ListingEntryType = kind === '-' ? 'file' : kind === 'd' ? 'directory' : kind === 'l' ? 'symlink' : 'unknown';
        const expected: { -readonly [K in keyof PlainListingEntry]?: PlainListingEntry[K] } = { name, type };
        if (!isDevice) expected.size = size;
        expected.modifiedAt = date.time;
        expected.precision = date.precision;
        expected.permissions = permissions;
        if (kind === 'l') expected.target = target;
        expected.owner = owner;
        if (group !== undefined) expected.group = group;
        expected.raw = line;
        return { line, expected: expected as PlainListingEntry, now };
      }),
  );
}

/** A fact name written in any letter case, as servers do (`Size`, `size`, `SIZE`). */
function arbCase(name: string): fc.Arbitrary<string> {
  return fc.constantFrom(name, name.toLowerCase(), name.toUpperCase(), name.charAt(0).toUpperCase() + name.slice(1).toLowerCase());
}

const RWX = ['---', '--x', '-w-', '-wx', 'r--', 'r-x', 'rw-', 'rwx'];

function modeText(mode: number): string {
  let user = RWX[(mode >> 6) & 7]!;
  let group = RWX[(mode >> 3) & 7]!;
  let other = RWX[mode & 7]!;
  if (mode & 0o4000) user = user.slice(0, 2) + (mode & 0o100 ? 's' : 'S');
  if (mode & 0o2000) group = group.slice(0, 2) + (mode & 0o010 ? 's' : 'S');
  if (mode & 0o1000) other = other.slice(0, 2) + (mode & 0o001 ? 't' : 'T');
  return user + group + other;
}

/**
 * MLSD lines (RFC 3659 §7): facts in any order and letter case (`type` file, dir or a ProFTPD /
 * Pure-FTPd symlink, `size`, `modify` with or without a fraction, `perm`, `UNIX.mode`,
 * `UNIX.owner`, `UNIX.group`, `unique`), then one space and a name that may contain spaces and `;`.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbMlsdLine(), ({ line, expected }) => {
 *   expect(plainListingEntry(parseMlsdLine(line))).toEqual(expected);
 * }));
 * ```
 */
export function arbMlsdLine(): fc.Arbitrary<ListingLineSample> {
  const arbType = fc.oneof(
    fc.constant({ value: 'file', type: 'file' as ListingEntryType, target: undefined }),
    fc.constant({ value: 'dir', type: 'directory' as ListingEntryType, target: undefined }),
    fc.constant({ value: 'OS.unix=symlink', type: 'symlink' as ListingEntryType, target: undefined }),
    fc.constant({ value: 'OS.unix=slink:', type: 'symlink' as ListingEntryType, target: undefined }),
    fc.stringMatching(/^[a-z0-9/._-]{1,10}$/).map((t) => ({ value: `OS.unix=slink:${t}`, type: 'symlink' as ListingEntryType, target: t })),
  );
  const arbModify = fc
    .record({ t: fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), fraction: fc.boolean() })
    .map(({ t, fraction }) => {
      const time = new Date(fraction ? t : t - (t % 1000));
      return { value: formatFtpTime(time, { fraction }), time };
    });
  const fact = <T>(name: string, value: fc.Arbitrary<T>) => fc.option(fc.tuple(arbCase(name), value), { nil: undefined });
  return fc
    .record({
      type: fact('type', arbType),
      size: fact('size', fc.maxSafeNat()),
      modify: fact('modify', arbModify),
      perm: fact('perm', fc.subarray(['a', 'd', 'f', 'r', 'w', 'e', 'l', 'c', 'm', 'p']).map((p) => p.join(''))),
      mode: fact('UNIX.mode', fc.integer({ min: 0, max: 0o7777 })),
      owner: fact('UNIX.owner', arbPrincipal),
      group: fact('UNIX.group', arbPrincipal),
      unique: fact('unique', fc.stringMatching(/^[0-9a-fA-FgU]{1,12}$/)),
      order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
      name: arbName(),
      now: arbNow,
    })
    .map(({ type, size, modify, perm, mode, owner, group, unique, order, name, now }) => {
      const facts: [string, string][] = [];
      if (type) facts.push([type[0], type[1].value]);
      if (size) facts.push([size[0], String(size[1])]);
      if (modify) facts.push([modify[0], modify[1].value]);
      if (perm) facts.push([perm[0], perm[1]]);
      if (mode) facts.push([mode[0], `0${mode[1].toString(8).padStart(3, '0')}`]);
      if (owner) facts.push([owner[0], owner[1]]);
      if (group) facts.push([group[0], group[1]]);
      if (unique) facts.push([unique[0], unique[1]]);
      // Shuffle by the drawn keys, so that any fact may come first.
      const keyed = facts.map((f, i) => ({ f, k: order[i] ?? 0, i })).sort((a, b) => a.k - b.k || a.i - b.i);
      const ordered = keyed.map(({ f }) => f);
      const line = `${ordered.map(([k, v]) => `${k}=${v};`).join('')} ${name}`;
      const expected: { -readonly [K in keyof PlainListingEntry]?: PlainListingEntry[K] } = { name, type: type ? type[1].type : 'unknown' };
      if (size) expected.size = size[1];
      if (modify) {
        expected.modifiedAt = modify[1].time;
        expected.precision = 'second';
      }
      if (mode) expected.permissions = modeText(mode[1]);
      else if (perm) expected.permissions = perm[1];
      if (type?.[1].target !== undefined) expected.target = type[1].target;
      if (owner) expected.owner = owner[1];
      if (group) expected.group = group[1];
      expected.facts = new Map(ordered.map(([k, v]) => [k.toLowerCase(), v]));
      expected.raw = line;
      return { line, expected: expected as PlainListingEntry, now };
    });
}

/**
 * Microsoft IIS / DOS listing lines: `MM-DD-YY` or `MM-DD-YYYY`, a 12-hour (`10:00PM`) or 24-hour
 * clock, `<DIR>` or a size, then the name, in the IIS column layout.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbDosListingLine(), ({ line, expected }) => {
 *   expect(plainListingEntry(parseListingLine(line, 'dos')!)).toEqual(expected);
 * }));
 * ```
 */
export function arbDosListingLine(): fc.Arbitrary<ListingLineSample> {
  return fc
    .record({
      fourDigitYear: fc.boolean(),
      year: fc.integer({ min: 1969, max: 2068 }),
      longYear: fc.integer({ min: 1000, max: 9999 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      twelveHour: fc.boolean(),
      directory: fc.boolean(),
      size: fc.oneof(fc.nat({ max: 99999 }), fc.maxSafeNat()),
      name: arbName(),
      now: arbNow,
    })
    .filter(({ fourDigitYear, year, longYear, month, day }) => day <= daysIn(fourDigitYear ? longYear : year, month))
    .map(({ fourDigitYear, year, longYear, month, day, hour, minute, twelveHour, directory, size, name, now }) => {
      const fullYear = fourDigitYear ? longYear : year;
      const date = `${two(month)}-${two(day)}-${fourDigitYear ? String(longYear) : two(year % 100)}`;
      const clock = twelveHour ? `${two(hour % 12 === 0 ? 12 : hour % 12)}:${two(minute)}${hour < 12 ? 'AM' : 'PM'}` : `${two(hour)}:${two(minute)}`;
      // IIS: `<DIR>` padded by ten spaces, or the size right-aligned in 20 columns, then one space.
      const column = directory ? `       <DIR>${spaces(10)}` : `${String(size).padStart(20)} `;
      const line = `${date}  ${clock}${twelveHour ? '' : '     '}${column}${name}`;
      const expected: { -readonly [K in keyof PlainListingEntry]?: PlainListingEntry[K] } = {
        name,
        type: directory ? 'directory' : 'file',
      };
      if (!directory) expected.size = size;
      expected.modifiedAt = utcDate(fullYear, month, day, hour, minute);
      expected.precision = 'minute';
      expected.raw = line;
      return { line, expected: expected as PlainListingEntry, now };
    });
}
