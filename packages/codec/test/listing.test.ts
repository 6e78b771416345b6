import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FtpReplyError, LocalProtocolError } from '../src/errors.js';
import { PENDING } from '../src/list/context.js';
import { parseScratch, parseWith, skipped } from '../src/list/engine.js';
import { contextOf, FORMATS } from '../src/list/formats.js';
import { readUnixLine, unixScratch } from '../src/list/unix.js';
import { detectListingFormat, type ListingEntry, type ListingFormat, parseListing, parseListingLine, parseStatListing } from '../src/listing.js';
import { createReply } from '../src/reply.js';
import { arbDosListingLine, arbMlsdLine, arbUnixListingLine, plainListingEntry } from '../src/testing/listing.js';
import { CORPUS } from './support/listing-corpus.js';
import { fastestWithin } from './support/timing.js';

const NOW = new Date('2026-11-25T15:58:00Z');

/** Parse one unix line; `now` null parses without a `now`. */
function unix(line: string, now: Date | null = NOW): ListingEntry | undefined {
  return parseListingLine(line, 'unix', now === null ? {} : { now });
}

/** A parsed entry, which must exist. Entries are plain objects: `toEqual` sees every field. */
function plain(entry: ListingEntry | undefined): ListingEntry {
  expect(entry).toBeDefined();
  return entry!;
}

describe('unix ls -l lines', () => {
  test('vsftpd: numeric owner and group, day with a leading zero', () => {
    const line = '-rw-r--r--    1 1001     1001            6 Jan 02  2020 hello.txt';
    expect(plain(unix(line))).toEqual({
      name: 'hello.txt',
      type: 'file',
      size: 6,
      modifiedAt: new Date('2020-01-02T00:00:00Z'),
      precision: 'day',
      permissions: 'rw-r--r--',
      owner: '1001',
      group: '1001',
      raw: line,
    });
  });

  test('ProFTPD: day padded with a space; a year-less date takes its year from now', () => {
    expect(unix('-rw-r--r--   1 ftpuser  ftpuser         6 Jan  2  2020 hello.txt')?.modifiedAt?.toISOString()).toBe('2020-01-02T00:00:00.000Z');
    expect(unix('drwxr-xr-x   2 ftpuser  ftpuser      4096 Nov 25 15:40 sub')?.modifiedAt?.toISOString()).toBe('2026-11-25T15:40:00.000Z');
  });

  test('without now a year-less date gives no modifiedAt, never a guessed year', () => {
    const entry = unix('drwxr-xr-x   2 ftpuser  ftpuser      4096 Nov 25 15:40 sub', null);
    expect(entry?.name).toBe('sub');
    expect(entry?.modifiedAt).toBeUndefined();
    expect(unix('-rw-r--r-- 1 u g 6 Jan 02  2020 a', null)?.modifiedAt?.toISOString()).toBe('2020-01-02T00:00:00.000Z');
  });

  test('year inference: the most recent such date no more than a day after now', () => {
    const now = new Date('2026-11-25T15:58:00Z');
    const at = (date: string) => unix(`-rw-r--r-- 1 u g 1 ${date} f`, now)?.modifiedAt?.toISOString();
    expect(at('Nov 25 15:40')).toBe('2026-11-25T15:40:00.000Z');
    expect(at('Nov 26 15:58')).toBe('2026-11-26T15:58:00.000Z'); // exactly a day ahead: this year
    expect(at('Nov 26 15:59')).toBe('2025-11-26T15:59:00.000Z'); // a minute more: last year
    expect(at('Dec 31 23:59')).toBe('2025-12-31T23:59:00.000Z');
    expect(at('Jan 01 00:00')).toBe('2026-01-01T00:00:00.000Z');
    // Near New Year a server ahead of UTC can list a time in the next year.
    const newYearsEve = new Date('2026-12-31T22:00:00Z');
    expect(unix('-rw-r--r-- 1 u g 1 Jan  1 05:00 f', newYearsEve)?.modifiedAt?.toISOString()).toBe('2027-01-01T05:00:00.000Z');
    // 29 February goes back to the last leap year.
    expect(at('Feb 29 12:00')).toBe('2024-02-29T12:00:00.000Z');
  });

  test('without the group column (ls -o / -G)', () => {
    expect(plain(unix('-rw-r--r--  1 joe  6 Jan 02  2020 a'))).toMatchObject({ owner: 'joe', size: 6, name: 'a' });
    expect(unix('-rw-r--r--  1 joe  6 Jan 02  2020 a')?.group).toBeUndefined();
  });

  test('without links, owner and group only', () => {
    expect(plain(unix('-rw-r--r--  ftp ftp  6 Jan 02  2020 a'))).toMatchObject({ owner: 'ftp', group: 'ftp', size: 6 });
  });

  test('ftp-srv: single spaces, link count 1', () => {
    expect(plain(unix('-rw-r--r-- 1 1001 1001            6 Jan 02  2020 hello.txt'))).toMatchObject({ name: 'hello.txt', size: 6, owner: '1001', group: '1001' });
  });

  test('Pure-FTPd: numeric owner, group name', () => {
    expect(plain(unix('-rw-r--r--    1 1001       ftpuser             6 Jan  2  2020 hello.txt'))).toMatchObject({ owner: '1001', group: 'ftpuser' });
  });

  test('owner or group with spaces (some Windows servers)', () => {
    expect(plain(unix('-rw-r--r--   1 owner  domain users   6 Jan 02  2020 a'))).toMatchObject({ owner: 'owner', group: 'domain users', size: 6 });
  });

  test('an owner called Jan does not end the scan early', () => {
    expect(plain(unix('-rw-r--r-- 1 Jan 12 2020 Jan 02  2020 file'))).toMatchObject({ owner: 'Jan', group: '12', size: 2020, name: 'file' });
  });

  test('devices: major, minor instead of a size', () => {
    for (const line of ['crw-rw-rw- 1 root root 1, 3 Jan 1 2020 null', 'crw-rw-rw- 1 root root 1,   3 Jan  1  2020 null', 'brw-rw---- 1 root disk 8,0 Jan 1 2020 null']) {
      const entry = plain(unix(line));
      expect(entry).toMatchObject({ name: 'null', type: 'unknown', owner: 'root' });
      expect(entry.size).toBeUndefined();
      expect(entry.modifiedAt?.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    }
  });

  test('FIFOs, sockets, doors: unknown type, size kept', () => {
    expect(plain(unix('prw-r--r-- 1 u g 0 Jan 02  2020 fifo'))).toMatchObject({ type: 'unknown', size: 0 });
    expect(plain(unix('srwxrwxrwx 1 u g 0 Jan 02  2020 sock'))).toMatchObject({ type: 'unknown' });
  });

  test('symlinks: name and target split at the first arrow', () => {
    expect(plain(unix('lrwxrwxrwx    1 1001     1001            9 Nov 25 15:40 link-to-hello -> hello.txt'))).toMatchObject({
      name: 'link-to-hello',
      type: 'symlink',
      target: 'hello.txt',
      size: 9,
    });
    expect(plain(unix('lrwxrwxrwx 1 u g 9 Nov 25 15:40 a b -> c -> d'))).toMatchObject({ name: 'a b', target: 'c -> d' });
    expect(unix('lrwxrwxrwx 1 u g 9 Nov 25 15:40 dangling')).toMatchObject({ name: 'dangling', type: 'symlink' });
    expect(unix('lrwxrwxrwx 1 u g 9 Nov 25 15:40 dangling')?.target).toBeUndefined();
  });

  test('a file whose name contains " -> " is not split', () => {
    const entry = plain(unix('-rw-r--r-- 1 u g 9 Nov 25 15:40 a -> b'));
    expect(entry.name).toBe('a -> b');
    expect(entry.target).toBeUndefined();
  });

  test('names keep leading, inner and trailing spaces', () => {
    expect(unix('-rw-r--r-- 1 u g 9 Jan 02  2020  lead')?.name).toBe(' lead');
    expect(unix('-rw-r--r-- 1 u g 9 Jan 02 15:40   three  spaces  ')?.name).toBe('  three  spaces  ');
    expect(unix('-rw-r--r-- 1 u g 9 2020-01-02 15:40 tab\there')?.name).toBe('tab\there');
  });

  test('ISO dates (busybox, ls --time-style=long-iso)', () => {
    expect(plain(unix('-rw-r--r--    1 root     root          1234 2020-01-02 15:40 a.txt'))).toMatchObject({
      name: 'a.txt',
      size: 1234,
      modifiedAt: new Date('2020-01-02T15:40:00Z'),
    });
    expect(unix('-rw-r--r-- 1 root 1234 2020-02-30 15:40 a')).toBeUndefined();
  });

  test('ACL, extended-attribute and SELinux markers after the mode', () => {
    for (const marker of ['+', '@', '.']) {
      expect(unix(`drwxr-xr-x${marker}  2 u g 4096 Jan 02  2020 d`)).toMatchObject({ type: 'directory', permissions: 'rwxr-xr-x', name: 'd' });
    }
  });

  test('a link count right after the marker is digits only (a property found `+1=2`, which an MLSD fact takes)', () => {
    for (const marker of ['+', '@', '.']) {
      expect(unix(`drwxr-xr-x${marker}12 u g 4096 Jan 02  2020 d`)).toMatchObject({ type: 'directory', owner: 'u', group: 'g', name: 'd' });
      for (const glued of ['1=2', '1a', 'x1']) expect(unix(`drwxr-xr-x${marker}${glued} u g 4096 Jan 02  2020 d`)).toBeUndefined();
    }
    const line = 'drwxrwxr-x+1=2 build build 12288 May 30 18:02 artifacts';
    expect(detectListingFormat([line])).toBe('mlsd');
  });

  test('setuid, setgid, sticky and mandatory-locking letters in the mode', () => {
    expect(unix('-rwsr-Sr-T 1 u g 1 Jan 02  2020 f')?.permissions).toBe('rwsr-Sr-T');
    expect(unix('-rw-r-lr-- 1 u g 1 Jan 02  2020 f')?.permissions).toBe('rw-r-lr--');
  });

  test('case-insensitive month names', () => {
    expect(unix('-rw-r--r-- 1 u g 1 JAN 02  2020 f')?.modifiedAt?.toISOString()).toBe('2020-01-02T00:00:00.000Z');
  });

  test('huge sizes: exact up to 2^53 - 1; up to 2^63 - 1 the entry has no size rather than a rounded one', () => {
    expect(unix('-rw-r--r-- 1 u g 9007199254740991 Jan 02  2020 f')?.size).toBe(Number.MAX_SAFE_INTEGER);
    const big = '-rw-r--r-- 1 u g 9007199254740993 Jan 02  2020 f';
    expect(unix(big)).toStrictEqual({ name: 'f', type: 'file', modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', permissions: 'rw-r--r--', owner: 'u', group: 'g', raw: big });
    expect(unix('-rw-r--r-- 1 u g 9223372036854775807 Jan 02  2020 f')?.size).toBeUndefined();
    expect(unix('-rw-r--r-- 1 u g 9223372036854775807 Jan 02  2020 f')?.name).toBe('f');
    expect(unix('-rw-r--r-- 1 u g 9223372036854775808 Jan 02  2020 f')).toBeUndefined();
  });

  test.each([
    ['total', 'total 12'],
    ['garbage', 'hello world'],
    ['no name', '-rw-r--r-- 1 u g 6 Jan 02  2020'],
    ['no name after the space', '-rw-r--r-- 1 u g 6 Jan 02  2020 '],
    ['bad mode letter', '-rw-r--r-q 1 u g 6 Jan 02  2020 a'],
    ['bad type letter', 'xrw-r--r-- 1 u g 6 Jan 02  2020 a'],
    ['impossible date', '-rw-r--r-- 1 u g 6 Feb 30  2020 a'],
    ['bad month', '-rw-r--r-- 1 u g 6 Foo 02  2020 a'],
    ['bad time', '-rw-r--r-- 1 u g 6 Jan 02 25:40 a'],
    ['size not a number', '-rw-r--r-- 1 u g 6k Jan 02  2020 a'],
    ['nothing before the size', '-rw-r--r-- 6 Jan 02  2020 a'],
    ['DOS line', '01-02-2020  03:04   1234 a b.txt'],
    ['MLSD line', 'type=file;size=6; a'],
  ])('%s is not a unix line', (_what, line) => {
    expect(unix(line)).toBeUndefined();
  });

  test('entries are frozen plain objects; modifiedAt is an own Date that spread, toEqual and JSON see', () => {
    const line = '-rw-r--r-- 1 u g 1 Jan 02  2020 f';
    const entry = unix(line)!;
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.getPrototypeOf(entry)).toBe(Object.prototype);
    expect(() => {
      (entry as { name: string }).name = 'x';
    }).toThrow(TypeError);
    const expected = { name: 'f', type: 'file', size: 1, modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', permissions: 'rw-r--r--', owner: 'u', group: 'g', raw: line };
    expect(Object.getOwnPropertyDescriptor(entry, 'modifiedAt')).toMatchObject({ enumerable: true, writable: false });
    expect(entry.modifiedAt).toBeInstanceOf(Date);
    expect(entry.modifiedAt).toBe(entry.modifiedAt); // one Date, not a new one per read
    expect({ ...entry }).toStrictEqual(expected);
    expect(entry).toStrictEqual(expected);
    // A different date is a different entry: toEqual compares modifiedAt.
    expect(entry).not.toEqual({ ...expected, modifiedAt: new Date('2020-01-03T00:00:00Z') });
    expect(JSON.parse(JSON.stringify(entry))).toEqual({ ...expected, modifiedAt: '2020-01-02T00:00:00.000Z' });
    expect(structuredClone(entry)).toEqual(expected);
    expect('facts' in entry).toBe(false);
  });

  test('a field the line does not state is not a property at all', () => {
    const entry = unix('crw-rw-rw- 1 root 1, 3 Jan 1 2020 null')!;
    expect(Object.keys(entry)).toEqual(['name', 'type', 'modifiedAt', 'precision', 'permissions', 'owner', 'raw']);
    expect(Object.keys(unix('-rw-r--r-- 1 u g 1 Nov 25 15:40 f', null)!)).toEqual(['name', 'type', 'size', 'permissions', 'owner', 'group', 'raw']);
  });

  test('property: generated lines parse to the entry they were made from', () => {
    fc.assert(
      fc.property(arbUnixListingLine(), ({ line, expected, now }) => {
        expect(parseListingLine(line, 'unix', { now })).toStrictEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * A line with a few random edits: characters replaced, inserted or deleted, drawn from the ones that
 * separate or end the columns of an `ls -l` line, so that a line falls just outside a shape.
 */
function arbEdited(arbLine: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const char = fc.constantFrom(' ', ' ', ',', ':', '-', '0', '9', 'J', 'a', 'x', '\t', '+', '=', ';', '\u00a0', '\u0001');
  const edit = fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), char);
  return fc.tuple(arbLine, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([line, edits]) => {
    let out = line;
    for (const [at, kind, c] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      out = kind === 'replace' ? out.slice(0, i) + c + out.slice(i + 1) : kind === 'insert' ? out.slice(0, i) + c + out.slice(i) : out.slice(0, i) + out.slice(i + 1);
    }
    return out;
  });
}

describe('unix: one reader for every line shape', () => {
  const read = (line: string, now: number) => readUnixLine(line, 0, line.length, unixScratch(now));

  /** `line` read in place, between other lines of a listing, with a scratch space that has read them. */
  function inPlace(before: readonly string[], line: string, after: readonly string[], now: number): ListingEntry | undefined {
    const text = [...before, line, ...after].join('\r\n');
    const scratch = unixScratch(now);
    let start = 0;
    for (const other of before) {
      readUnixLine(text, start, start + other.length, scratch);
      start += other.length + 2;
    }
    return readUnixLine(text, start, start + line.length, scratch);
  }

  test('property: a line reads the same in place inside a listing, after other lines, as on its own', () => {
    const arbLine = arbUnixListingLine({ now: NOW }).map((s) => s.line);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(arbLine, arbEdited(arbLine)), { maxLength: 4 }),
        fc.oneof(arbLine, arbEdited(arbLine)),
        fc.array(fc.oneof(arbLine, arbEdited(arbLine)), { maxLength: 2 }),
        fc.boolean(),
        (before, line, after, withNow) => {
          fc.pre(!line.includes('\n') && !line.includes('\r'));
          const now = withNow ? NOW.getTime() : Number.NaN;
          expect(inPlace(before, line, after, now)).toStrictEqual(read(line, now));
        },
      ),
      { numRuns: 2000 },
    );
  });

  /** Where the date of a generated line ends (its name follows one character later), or -1. */
  function dateEndOf({ line, expected }: { readonly line: string; readonly expected: ListingEntry }): number {
    const tail = expected.target === undefined ? expected.name : `${expected.name} -> ${expected.target}`;
    return line.endsWith(tail) ? line.length - tail.length - 1 : -1;
  }

  /** What may follow the start of another line: a name, nothing, or a character that changes a column. */
  const arbTail = fc.oneof(
    fc.constantFrom('', ' ', '  ', ' a', '  a', '\ta', ' \t', 'x a', '0 a', ':00 a', ' -> b', ' a -> b', ' a -> ', ' .', ' ..', '\u0001a', '\u00a0a'),
    fc.string({ unit: fc.constantFrom(' ', 'a', '0', ':', '-', '>', '\t', 'é'), maxLength: 6 }),
  );

  test('property: a line that starts like the line read before it, up to any point, reads as on its own', () => {
    const arbSample = arbUnixListingLine({ now: NOW });
    const arbStart = arbSample.chain((sample) => {
      const at = dateEndOf(sample);
      // Most cuts near the end of the date, where the head the reader keeps ends.
      const cut = at < 0 ? fc.nat({ max: sample.line.length }) : fc.oneof(fc.integer({ min: Math.max(0, at - 3), max: Math.min(sample.line.length, at + 2) }), fc.nat({ max: sample.line.length }));
      return fc.tuple(fc.constant(sample.line), cut);
    });
    fc.assert(
      fc.property(arbStart, arbTail, arbTail, arbSample, fc.boolean(), ([first, cut], tail, other, between, withNow) => {
        const now = withNow ? NOW.getTime() : Number.NaN;
        const line = first.slice(0, cut) + tail;
        const next = first.slice(0, cut) + other;
        fc.pre(!`${line}${next}`.includes('\n') && !`${line}${next}`.includes('\r'));
        expect(inPlace([first], line, [], now)).toStrictEqual(read(line, now));
        expect(inPlace([first, line], next, [], now)).toStrictEqual(read(next, now));
        expect(inPlace([first, first, line], next, [], now)).toStrictEqual(read(next, now));
        expect(inPlace([first, first, between.line, first], next, [], now)).toStrictEqual(read(next, now));
      }),
      { numRuns: 3000 },
    );
  });

  test('a line that starts like the one before reads its own name, and only a date read from its own columns is kept', () => {
    const head = '-rw-r--r--    1 1001     1001            0 Nov 25 16:58';
    const lines = [`${head} a`, `${head} b c`, `${head}\tt`, `${head}x d`, `${head} `, `${head}`, `${head}  e`, `${head.replace('-rw', 'lrw')} l -> t`];
    const listing = parseListing(lines.join('\n'), { now: NOW });
    expect(listing.entries.map((e) => [e.name, e.target])).toEqual([['a', undefined], ['b c', undefined], ['t', undefined], [' e', undefined], ['l', 't']]);
    expect(listing.unparsed.map((u) => u.index)).toEqual([3, 4, 5]);
    for (const entry of listing.entries) expect(entry).toStrictEqual(unix(entry.raw));
    // A line with another head in between: the head kept before is not the one to compare with.
    const short = '-rw-r--r-- 1 u g 1 Nov 25 16:58';
    const long = '-rw-r--r-- 1 u g 12 Nov 25 16:58';
    const longer = '-rw-r--r-- 1 u g 123 Nov 25 16:58';
    const mixed = [`${short} a`, `${short} b`, `${long} c`, `${short}  d`, `${short} e`, `${short} f`, `${longer} g`, `${short}58 h`];
    expect(parseListing(mixed.join('\n'), { now: NOW }).entries).toStrictEqual(mixed.map((l) => unix(l)).filter((e) => e !== undefined));
    expect(unix(mixed.at(-1)!)).toBeUndefined();
    // `--full-time` ends its date with a zone, an ISO date alone with a clock after it: the column
    // after the date decides those, so two lines that start alike may read differently.
    const full = '-rw-r--r-- 1 u g 6 2024-03-01 12:34:56.123456789';
    const iso = '-rw-r--r-- 1 u g 6 2024-03-01';
    for (const [a, b] of [[`${full} +0100 a`, `${full} +0100x b`], [`${iso} a`, `${iso} 12:00 b`], [`${iso} 12:00 b`, `${iso} a`]] as const) {
      expect(parseListing(`${a}\n${b}`, { now: NOW }).entries).toStrictEqual([a, b].map((l) => unix(l)).filter((e) => e !== undefined));
    }
  });

  test('a date read before is not reused with another now, nor a time with another date', () => {
    const line = '-rw-r--r-- 1 u g 1 Dec 31 23:59 f';
    expect(parseListingLine(line, 'unix', { now: new Date('2026-11-25T00:00:00Z') })?.modifiedAt?.toISOString()).toBe('2025-12-31T23:59:00.000Z');
    expect(parseListingLine(line, 'unix', { now: new Date('2027-01-02T00:00:00Z') })?.modifiedAt?.toISOString()).toBe('2026-12-31T23:59:00.000Z');
    expect(parseListingLine(line, 'unix')?.modifiedAt).toBeUndefined();
    const listing = parseListing(`${line}\n${line}\n-rw-r--r-- 1 u g 1 Dec 31 23:58 g\n${line}\n`, { now: NOW });
    expect(listing.entries.map((e) => e.modifiedAt?.toISOString())).toEqual([
      '2025-12-31T23:59:00.000Z',
      '2025-12-31T23:59:00.000Z',
      '2025-12-31T23:58:00.000Z',
      '2025-12-31T23:59:00.000Z',
    ]);
    // Entries never share a Date: changing one changes no other.
    expect(listing.entries[0]!.modifiedAt).not.toBe(listing.entries[1]!.modifiedAt);
  });

  test('property: listings whose lines repeat parse line for line', () => {
    const arbListing = fc
      .integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(9998, 0, 1) })
      .chain((t) => fc.tuple(fc.constant(new Date(t)), fc.array(arbUnixListingLine({ now: new Date(t) }), { minLength: 1, maxLength: 10 })));
    fc.assert(
      fc.property(arbListing, ([now, samples]) => {
        const lines = samples.flatMap((sample) => [sample, sample]);
        expect(parseListing(lines.map((sample) => sample.line).join('\n'), { now }).entries).toStrictEqual(lines.map((sample) => sample.expected));
      }),
      { numRuns: 200 },
    );
  });

  test('how a line parses does not depend on how many lines the process has parsed before', () => {
    const line = 'lrwxrwxrwx 1 u g 9 Nov 25 15:40 link -> hello.txt';
    const first = parseListingLine(line, 'unix', { now: NOW });
    const many = Array.from({ length: 120_000 }, (_, i) => `-rw-r--r-- 1 u g ${i} Jan 02  2020 f${i}`).join('\n');
    expect(parseListing(many, { now: NOW }).entries).toHaveLength(120_000);
    expect(parseListingLine(line, 'unix', { now: NOW })).toStrictEqual(first);
    expect(parseListing(`${many}\n${line}`, { now: NOW }).entries.at(-1)).toStrictEqual(first);
  });

  const entry = (fields: Omit<ListingEntry, 'raw' | 'permissions'> & { permissions?: string }) => ({ permissions: 'rw-r--r--', ...fields });
  test.each([
    ['-rw-r--r--    1 1001     1001            6 Jan 02  2020 hello.txt', entry({ name: 'hello.txt', type: 'file', size: 6, modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: '1001', group: '1001' })],
    ['drwxr-xr-x   2 ftpuser  ftpuser      4096 Nov 25 15:40 sub', entry({ name: 'sub', type: 'directory', size: 4096, modifiedAt: new Date('2026-11-25T15:40:00Z'), precision: 'minute', permissions: 'rwxr-xr-x', owner: 'ftpuser', group: 'ftpuser' })],
    ['lrwxrwxrwx 1 u g 9 Nov 25 15:40 link -> hello.txt', entry({ name: 'link', type: 'symlink', size: 9, modifiedAt: new Date('2026-11-25T15:40:00Z'), precision: 'minute', permissions: 'rwxrwxrwx', target: 'hello.txt', owner: 'u', group: 'g' })],
    ['drwxr-xr-x+  2 u g 4096 Feb 29  2024  leading space', entry({ name: ' leading space', type: 'directory', size: 4096, modifiedAt: new Date('2024-02-29T00:00:00Z'), precision: 'day', permissions: 'rwxr-xr-x', owner: 'u', group: 'g' })],
    ['prw-r--r-- 1 u g 0 Dec  1 9:05 fifo', entry({ name: 'fifo', type: 'unknown', size: 0, modifiedAt: new Date('2025-12-01T09:05:00Z'), precision: 'minute', owner: 'u', group: 'g' })],
    ['-rw-r--r-- 1 Jan 12 2020 Jan 02  2020 file', entry({ name: 'file', type: 'file', size: 2020, modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: 'Jan', group: '12' })],
  ])('the common shape: %s', (line, expected) => {
    expect(unix(line)).toStrictEqual({ ...expected, raw: line });
  });

  test.each([
    ['a device', 'crw-rw-rw- 1 root root 1, 3 Jan  1  2020 null', entry({ name: 'null', type: 'unknown', modifiedAt: new Date('2020-01-01T00:00:00Z'), precision: 'day', permissions: 'rw-rw-rw-', owner: 'root', group: 'root' })],
    ['an ISO date', '-rw-r--r-- 1 root root 1234 2020-01-02 15:40 a.txt', entry({ name: 'a.txt', type: 'file', size: 1234, modifiedAt: new Date('2020-01-02T15:40:00Z'), precision: 'minute', owner: 'root', group: 'root' })],
    ['no group column', '-rw-r--r--  1 joe  6 Jan 02  2020 a', entry({ name: 'a', type: 'file', size: 6, modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: 'joe' })],
    ['no links column', '-rw-r--r--  ftp ftp  6 Jan 02  2020 a', entry({ name: 'a', type: 'file', size: 6, modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: 'ftp', group: 'ftp' })],
    ['an upper-case month', '-rw-r--r-- 1 u g 1 JAN 02  2020 f', entry({ name: 'f', type: 'file', size: 1, modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: 'u', group: 'g' })],
    ['a group with a space', '-rw-r--r--   1 owner  domain users   6 Jan 02  2020 a', entry({ name: 'a', type: 'file', size: 6, modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: 'owner', group: 'domain users' })],
    ['a group that looks like a major number', '-rw-r--r-- 1 u 12, 34 Jan 02  2020 f', entry({ name: 'f', type: 'file', modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: 'u' })],
    ['a tab after the date', '-rw-r--r-- 1 u g 1 Jan 02  2020\tf', entry({ name: 'f', type: 'file', size: 1, modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: 'u', group: 'g' })],
    ['29 February of a common year', '-rw-r--r-- 1 u g 1 Feb 29  2023 f', undefined],
    ['31 April', '-rw-r--r-- 1 u g 1 Apr 31 12:00 f', undefined],
    ['a size beyond 2^53', '-rw-r--r-- 1 u g 9007199254740993 Jan 02  2020 f', entry({ name: 'f', type: 'file', modifiedAt: new Date('2020-01-02T00:00:00Z'), precision: 'day', owner: 'u', group: 'g' })],
    ['a size beyond 2^63 - 1', '-rw-r--r-- 1 u g 9223372036854775808 Jan 02  2020 f', undefined],
    ['hour 24', '-rw-r--r-- 1 u g 1 Jan 02 24:00 f', undefined],
    ['minute 60', '-rw-r--r-- 1 u g 1 Jan 02 12:60 f', undefined],
    ['no name', '-rw-r--r-- 1 u g 1 Jan 02 12:00 ', undefined],
  ])('%s', (_what, line, expected) => {
    expect(unix(line)).toStrictEqual(expected === undefined ? undefined : { ...expected, raw: line });
  });
});

describe('format detection offers a line only to the formats that could take it', () => {
  /**
   * Every format's reader, as detection offers lines to it: an indented line is not offered to
   * MLSD (a fact-less MLSD entry is far rarer than an indented line of `ls`, `dir` or OS/2 output).
   * A reader accepts a line when it answers anything but `undefined`: an entry, or SKIP for a header.
   */
  const readers = FORMATS.map((format, k) => (line: string) => {
    if (format === 'mlsd' && (line.startsWith(' ') || line.startsWith('\t'))) return undefined;
    const scratch = parseScratch(NOW.getTime());
    const result = parseWith(k, line, 0, line.length, scratch);
    return result === undefined ? undefined : { result, weak: contextOf(scratch).weak };
  });
  const corpusLines = CORPUS.flatMap((c) => c.lines);
  const arbAnyLine = fc.oneof(
    arbUnixListingLine().map((s) => s.line),
    arbMlsdLine().map((s) => s.line),
    arbDosListingLine().map((s) => s.line),
    fc.tuple(fc.nat({ max: 99999 }), fc.string({ maxLength: 8 })).map(([n, name]) => `+i${n},m${n},r,s${n},\t${name}x`),
    fc.constantFrom(...corpusLines),
    fc.string(),
    fc.string({ unit: fc.constantFrom('-', 'd', 'l', 'r', 'w', 'x', ' ', '1', '=', ';', 'type', 'size', '+', '\t', ',', '0', '12-31-20', 'Jan', '*DIR', '[RWCEAFMS]', ';1', 'PO', '/') }),
  );

  test('property: no line is accepted by two formats', () => {
    fc.assert(
      fc.property(fc.oneof(arbAnyLine, arbEdited(arbAnyLine)), (line) => {
        const accepted = readers.filter((read) => line.length > 0 && read(line) !== undefined).length;
        expect(accepted).toBeLessThanOrEqual(1);
      }),
      { numRuns: 3000 },
    );
  });

  test('property: the detected format is the one that every parser reading every line would pick', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arbAnyLine, arbEdited(arbAnyLine)), { maxLength: 12 }), (lines) => {
        const counts = FORMATS.map(() => 0);
        for (const raw of lines) {
          const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
          if (skipped(line, 0, line.length)) continue; // not offered to any format
          readers.forEach((read, k) => {
            const got = read(line);
            // A wrapped VMS name waits for the next line: the model does not join lines.
            fc.pre(got?.result !== PENDING);
            if (got !== undefined && !got.weak) counts[k]!++;
          });
        }
        let best = 0;
        for (let k = 1; k < FORMATS.length; k++) if (counts[k]! > counts[best]!) best = k;
        expect(detectListingFormat(lines)).toBe(counts[best]! > 0 ? FORMATS[best] : undefined);
      }),
      { numRuns: 500 },
    );
  });

  test('an indented line is never read as a fact-less MLSD entry while detecting; a forced mlsd format still reads it', () => {
    const indented = ['  drwxr-xr-x 2 u g 4096 Jan 02  2020', ' Volume in drive C is DATA', '     0           DIR   05-12-97   16:44  PSFONTS', ' some text'];
    for (const line of indented) {
      const result = parseListing(`${line}\r\n${line}\r\n`);
      expect(result.format).not.toBe('mlsd');
      expect(result.entries.every((e) => e.facts === undefined)).toBe(true);
    }
    expect(parseListing(' some text\r\n', { format: 'mlsd' }).entries.map((e) => e.name)).toEqual(['some text']);
  });
});

describe('parseListing', () => {
  test('skips blank lines and total; leaves out . and ..; keeps raw lines; CRLF and LF', () => {
    const text = ['total 12', '', 'drwxr-xr-x 2 u g 4096 Jan 02  2020 .', 'drwxr-xr-x 2 u g 4096 Jan 02  2020 ..', '-rw-r--r-- 1 u g 2 Jan 02  2020 .hidden', '   ', '-rw-r--r-- 1 u g 3 Jan 02  2020 b'].join('\r\n');
    const result = parseListing(`${text}\n`);
    expect(result.format).toBe('unix');
    expect(result.entries.map((e) => e.name)).toEqual(['.hidden', 'b']);
    expect(result.unparsed).toEqual([]);
    expect(result.entries[1]?.raw).toBe('-rw-r--r-- 1 u g 3 Jan 02  2020 b');
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.entries)).toBe(true);
  });

  test('a line that fits no format is reported with its line number, never dropped', () => {
    const result = parseListing('-rw-r--r-- 1 u g 6 Jan 02  2020 a\r\n\r\nls: cannot open directory: Permission denied\r\n-rw-r--r-- 1 u g 6 Jan 02  2020 b');
    expect(result.entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(result.unparsed).toEqual([{ line: 'ls: cannot open directory: Permission denied', index: 2 }]);
  });

  test('lines in another format than the winner are reported', () => {
    const result = parseListing(['type=file;size=1; a', 'type=file;size=2; b', '-rw-r--r-- 1 u g 6 Jan 02  2020 c'].join('\n'));
    expect(result.format).toBe('mlsd');
    expect(result.entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(result.unparsed).toEqual([{ line: '-rw-r--r-- 1 u g 6 Jan 02  2020 c', index: 2 }]);
  });

  test('MLSD cdir and pdir are left out, whatever their names', () => {
    const result = parseListing('type=cdir; /home/u\r\ntype=pdir; /home\r\ntype=dir; sub\r\n');
    expect(result.entries.map((e) => e.name)).toEqual(['sub']);
    expect(result.unparsed).toEqual([]);
  });

  test('nothing recognisable: format undefined, every line unparsed (NLST output)', () => {
    const result = parseListing('hello.txt\r\nsub\r\nfile with space.txt\r\n');
    expect(result.format).toBeUndefined();
    expect(result.entries).toEqual([]);
    expect(result.unparsed.map((u) => u.index)).toEqual([0, 1, 2]);
  });

  test('empty text', () => {
    expect(parseListing('')).toEqual({ format: undefined, entries: [], unparsed: [] });
    expect(parseListing('\r\n\r\n')).toEqual({ format: undefined, entries: [], unparsed: [] });
  });

  test('a forced format parses with that format only', () => {
    const text = 'type=file;size=1; a\r\n-rw-r--r-- 1 u g 6 Jan 02  2020 c\r\n';
    const forced = parseListing(text, { format: 'unix' });
    expect(forced.format).toBe('unix');
    expect(forced.entries.map((e) => e.name)).toEqual(['c']);
    expect(forced.unparsed).toEqual([{ line: 'type=file;size=1; a', index: 0 }]);
  });

  test('bad options are a LocalProtocolError', () => {
    expect(() => parseListing('', { format: 'cpm' as ListingFormat })).toThrow(LocalProtocolError);
    expect(() => parseListing('', { now: new Date(Number.NaN) })).toThrow(LocalProtocolError);
    expect(() => parseListingLine('a', 'cpm' as ListingFormat)).toThrow(LocalProtocolError);
    for (const timeZoneOffset of [1441, -1441, 1.5, Number.NaN]) expect(() => parseListing('', { timeZoneOffset })).toThrow(LocalProtocolError);
    expect(() => parseListing('', { dateOrder: 'myd' as 'mdy' })).toThrow(LocalProtocolError);
    expect(() => parseListing('', { parseLine: 'x' as unknown as () => undefined })).toThrow(LocalProtocolError);
  });

  test('parseListingLine keeps . and .. (only listings leave them out)', () => {
    expect(parseListingLine('drwxr-xr-x 2 u g 4096 Jan 02  2020 .', 'unix')?.name).toBe('.');
    expect(parseListingLine('', 'unix')).toBeUndefined();
    expect(parseListingLine('-rw-r--r-- 1 u g 6 Jan 02  2020 a\r', 'unix')?.name).toBe('a');
  });

  test('property: generated listings of every format parse back entry for entry', () => {
    const arbListing = fc.oneof(
      // One listing is parsed with one `now`, so its year-less unix dates are written against it.
      fc
        .integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(9998, 0, 1) })
        .chain((t) => fc.array(arbUnixListingLine({ now: new Date(t) }), { minLength: 1, maxLength: 20 }))
        .map((s) => ({ format: 'unix' as const, samples: s })),
      fc.array(arbMlsdLine(), { minLength: 1, maxLength: 20 }).map((s) => ({ format: 'mlsd' as const, samples: s })),
      fc.array(arbDosListingLine(), { minLength: 1, maxLength: 20 }).map((s) => ({ format: 'dos' as const, samples: s })),
    );
    fc.assert(
      fc.property(arbListing, fc.constantFrom('\r\n', '\n'), ({ format, samples }, eol) => {
        const result = parseListing(samples.map((s) => s.line).join(eol) + eol, { now: samples[0]!.now });
        expect(result.format).toBe(format);
        expect(result.unparsed).toEqual([]);
        expect(result.entries.map(plainListingEntry)).toEqual(samples.map((s) => s.expected));
      }),
      { numRuns: 150 },
    );
  });

  test('lines whose facts have no ";" parse in linear time', async () => {
    // Each line's search for the next ";" would otherwise run on to the end of the listing: about
    // 10^11 character reads, hours. Linear takes well under a second on a quiet machine; the bound
    // leaves room for a busy one (Bun took 2.8 s with a soak running beside it).
    const text = 'a=b c\n'.repeat(200_000);
    expect(parseListing(text).entries.length).toBe(200_000);
    expect(await fastestWithin(() => parseListing(text), 10_000)).toBeLessThan(10_000);
  });

  test('property: any text gives a ListingResult, never an exception', () => {
    const arbLine = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('-', 'd', 'l', 'r', 'w', 'x', ' ', '1', '2', ':', 'Jan', '2020', '<DIR>', 'PM', '+', '\t', ',', ';', '=', 'type', 'size') }),
      arbUnixListingLine().map((s) => s.line),
      arbMlsdLine().map((s) => s.line),
    );
    fc.assert(
      fc.property(fc.array(arbLine, { maxLength: 12 }), fc.option(fc.constantFrom<ListingFormat>('unix', 'dos', 'eplf', 'mlsd'), { nil: undefined }), (lines, format) => {
        const text = lines.join('\r\n');
        const result = parseListing(text, format === undefined ? { now: NOW } : { now: NOW, format });
        // Every line is accounted for: an entry, left out, skipped, or unparsed.
        expect(result.entries.length + result.unparsed.length).toBeLessThanOrEqual(text.split('\n').length);
        for (const entry of result.entries) expect(text.includes(entry.raw)).toBe(true);
        for (const { line, index } of result.unparsed) expect(text.split('\n')[index]?.replace(/\r$/, '')).toBe(line);
      }),
    );
  });
});

describe('detectListingFormat', () => {
  test('scores every line, not just one', () => {
    const lines = ['type=file;size=1; a', 'type=file;size=1; b', '-rw-r--r-- 1 u g 6 Jan 02  2020 c', 'type=dir; d'];
    expect(detectListingFormat(lines)).toBe('mlsd');
    // basic-ftp decides from the last line; a trailing odd line must not flip the verdict.
    expect(detectListingFormat(['-rw-r--r-- 1 u g 6 Jan 02  2020 a', '-rw-r--r-- 1 u g 6 Jan 02  2020 b', 'type=file; odd'])).toBe('unix');
  });

  test('each format, and none', () => {
    expect(detectListingFormat(['12-31-20  10:00PM       <DIR>          name'])).toBe('dos');
    expect(detectListingFormat(['+i8388621.48594,m825718503,r,s280,\tdjb.html'])).toBe('eplf');
    expect(detectListingFormat(['total 0', ''])).toBeUndefined();
    expect(detectListingFormat(['hello.txt'])).toBeUndefined();
    expect(detectListingFormat([])).toBeUndefined();
  });
});

describe('parseStatListing', () => {
  test('ProFTPD indents listing lines by one space', () => {
    const reply = createReply(213, ['Status of hello.txt:', ' -rw-r--r--   1 ftpuser  ftpuser         6 Jan  2  2020 hello.txt', 'End of status']);
    const result = parseStatListing(reply);
    expect(result.entries.map(plainListingEntry)).toEqual([
      {
        name: 'hello.txt',
        type: 'file',
        size: 6,
        modifiedAt: new Date('2020-01-02T00:00:00Z'),
        precision: 'day',
        permissions: 'rw-r--r--',
        owner: 'ftpuser',
        group: 'ftpuser',
        raw: '-rw-r--r--   1 ftpuser  ftpuser         6 Jan  2  2020 hello.txt',
      },
    ]);
  });

  test('212 (ftp-srv) and 211 are accepted; unparsed indexes refer to reply.lines', () => {
    const reply = createReply(212, ['Status begin', '-rw-r--r-- 1 1001 1001            6 Jan 02  2020 hello.txt', 'garbage', 'Status end']);
    const result = parseStatListing(reply, { now: NOW });
    expect(result.entries.map((e) => e.name)).toEqual(['hello.txt']);
    expect(result.unparsed).toEqual([{ line: 'garbage', index: 2 }]);
    expect(parseStatListing(createReply(211, ['System status: ok'])).entries).toEqual([]);
  });

  test('any other code is an FtpReplyError', () => {
    expect(() => parseStatListing(createReply(550, ['No such file']))).toThrow(FtpReplyError);
    expect(() => parseStatListing(createReply(214, ['Help']))).toThrow(FtpReplyError);
  });
});

describe('listFlagRefused', () => {
  test('syntax (50x but 503) and file-system (45x, 55x) refusals may be about the -a flag; connection, login and other replies are not', async () => {
    const { listFlagRefused } = await import('../src/listing.js');
    const { createReply } = await import('../src/reply.js');
    // A server that takes `LIST -a up` for the name `-a up` answers as its file system does (issue 16).
    for (const code of [500, 501, 502, 504, 450, 451, 452, 550, 551, 552, 553]) expect(listFlagRefused(createReply(code, ['x']))).toBe(true);
    for (const code of [421, 425, 426, 503, 522, 530, 532, 534, 150, 226, 250, 350]) expect(listFlagRefused(createReply(code, ['x']))).toBe(false);
  });
});
