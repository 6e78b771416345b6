/**
 * `timeZoneOffset` as a function of the date: a zone with daylight saving time reads each LIST
 * time at the offset in force on that date, asked by the server's wall clock; a constant function
 * reads as the number does, in every format and in the streaming parser; a bad answer is the
 * caller's error, never a made-up time; times that carry their own zone are never asked about.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LocalProtocolError } from '../src/errors.js';
import { type ListingFormat, parseListing, parseListingLine, type TimeZoneOffsetFunction } from '../src/listing.js';
import { ListingParser } from '../src/listing-stream.js';
import { CORPUS, CORPUS_NOW } from './support/listing-corpus.js';
import { scalesLinearly } from './support/timing.js';

const HOUR = 3_600_000;

/** The last Sunday of `month` (0–11) of `year`, 00:00, as a wall clock read as UTC. */
function lastSunday(year: number, month: number): number {
  const end = Date.UTC(year, month + 1, 0);
  return end - new Date(end).getUTCDay() * 86_400_000;
}

/**
 * Central European Time by the EU's rule: +02:00 from the last Sunday of March 02:00 (local, when
 * the clocks jump to 03:00) to the last Sunday of October 03:00 (local, when they go back to
 * 02:00), +01:00 otherwise. A wall clock in the skipped hour gets the winter offset, one in the
 * repeated hour the summer one: the choices `Date` makes.
 */
const cet: TimeZoneOffsetFunction = (wall) => {
  const year = new Date(wall).getUTCFullYear();
  return wall >= lastSunday(year, 2) + 3 * HOUR && wall < lastSunday(year, 9) + 3 * HOUR ? 120 : 60;
};

/** Each format's line at 2024-03-31 (the switch) 01:30 and 2024-03-31 04:30 local, by a template. */
const TEMPLATES: [ListingFormat, (day: string, clock: string) => string][] = [
  ['unix', (day, clock) => `-rw-r--r-- 1 u g 6 2024-03-${day} ${clock} a`],
  ['dos', (day, clock) => `03-${day}-24  ${clock}                  6 a`],
  ['vms', (day, clock) => `A.TXT;1  1/4  ${day}-MAR-2024 ${clock}:00  [U]  (RWED,RWED,RE,RE)`],
  ['os400', (day, clock) => `U                6 03/${day}/24 ${clock}:00 *STMF      a`],
  ['nonstop', (day, clock) => `A             101                6 ${day}-Mar-24 ${clock}:00 1,1     "NUNU"`],
];

describe('timeZoneOffset as a function of the date', () => {
  test('a zone with daylight saving time: each time at the offset in force on its date, on both sides of the switch', () => {
    const lines = [
      '-rw-r--r-- 1 u g 6 Mar 30 12:00 before-spring',
      '-rw-r--r-- 1 u g 6 Mar 31 04:30 after-spring',
      '-rw-r--r-- 1 u g 6 Oct 26 12:00 before-autumn',
      '-rw-r--r-- 1 u g 6 Oct 27 04:30 after-autumn',
      '-rw-r--r-- 1 u g 6 Jul  1  2023 summer-day',
      '-rw-r--r-- 1 u g 6 Jan  1  2023 winter-day',
    ];
    const now = new Date('2024-11-15T12:00:00Z');
    const times = parseListing(lines.join('\n'), { now, timeZoneOffset: cet }).entries.map((e) => [e.name, e.modifiedAt?.toISOString(), e.precision]);
    expect(times).toEqual([
      ['before-spring', '2024-03-30T11:00:00.000Z', 'minute'],
      ['after-spring', '2024-03-31T02:30:00.000Z', 'minute'],
      ['before-autumn', '2024-10-26T10:00:00.000Z', 'minute'],
      ['after-autumn', '2024-10-27T03:30:00.000Z', 'minute'],
      // A day alone is that day's local midnight.
      ['summer-day', '2023-06-30T22:00:00.000Z', 'day'],
      ['winter-day', '2022-12-31T23:00:00.000Z', 'day'],
    ]);
  });

  test.each(TEMPLATES)('%s: read on both sides of the switch', (format, line) => {
    const winter = parseListingLine(line('31', '01:30'), format, { now: CORPUS_NOW, timeZoneOffset: cet });
    const summer = parseListingLine(line('31', '04:30'), format, { now: CORPUS_NOW, timeZoneOffset: cet });
    expect(winter?.modifiedAt?.toISOString()).toBe('2024-03-31T00:30:00.000Z');
    expect(summer?.modifiedAt?.toISOString()).toBe('2024-03-31T02:30:00.000Z');
  });

  test("is asked with the line's wall clock read as UTC, once per time read", () => {
    const asked: string[] = [];
    const zone: TimeZoneOffsetFunction = (wall) => {
      asked.push(new Date(wall).toISOString());
      return 60;
    };
    parseListing('-rw-r--r-- 1 u g 6 Jan 02  2020 a\n-rw-r--r-- 1 u g 6 Feb 03 10:20 b\n', { format: 'unix', now: CORPUS_NOW, timeZoneOffset: zone });
    // The second time once; the wall clock at `now` twice first (see wallClockAt), for the year of b.
    expect(asked).toEqual(['2024-06-15T12:00:00.000Z', '2024-06-15T13:00:00.000Z', '2020-01-02T00:00:00.000Z', '2024-02-03T10:20:00.000Z']);
  });

  test('places year-less dates by now in the zone: the wall clock at now is asked for', () => {
    // 31 December 23:30 UTC is already 1 January 00:30 in Berlin: 'Jan  1 00:15' is this year's.
    const now = new Date('2024-12-31T23:30:00Z');
    expect(parseListingLine('-rw-r--r-- 1 u g 6 Jan  1 00:15 a', 'unix', { now, timeZoneOffset: cet })?.modifiedAt?.toISOString()).toBe('2024-12-31T23:15:00.000Z');
    // The netware reader places year-less dates the same way.
    expect(parseListingLine('- [RWCEAFMS] u                          6 Jan 01 00:15 a', 'netware', { now, timeZoneOffset: cet })?.modifiedAt?.toISOString()).toBe(
      '2024-12-31T23:15:00.000Z',
    );
  });

  test('MLSD, EPLF and a line that states its own zone are never asked about', () => {
    const zone: TimeZoneOffsetFunction = () => {
      throw new Error('asked');
    };
    expect(parseListingLine('type=file;modify=20200102100000; a', 'mlsd', { timeZoneOffset: zone })?.modifiedAt?.toISOString()).toBe('2020-01-02T10:00:00.000Z');
    expect(parseListingLine('+m1577959200,r,\ta', 'eplf', { timeZoneOffset: zone })?.modifiedAt?.toISOString()).toBe('2020-01-02T10:00:00.000Z');
    const stated = '-rw-r--r-- 1 u g 6 2024-03-01 12:00:00.000000000 -0500 a';
    expect(parseListingLine(stated, 'unix', { timeZoneOffset: zone })?.modifiedAt?.toISOString()).toBe('2024-03-01T17:00:00.000Z');
  });

  test('an answer that is not a whole number of minutes from -1440 to 1440 is LocalProtocolError, never a made-up time', () => {
    for (const bad of [1441, -1441, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60' as unknown as number, undefined as unknown as number]) {
      expect(() => parseListing('-rw-r--r-- 1 u g 6 Jan 02  2020 a\n', { timeZoneOffset: () => bad })).toThrow(LocalProtocolError);
    }
    const parser = new ListingParser({ timeZoneOffset: () => 2000 });
    expect(() => [...parser.push('01-02-20  10:00AM  6 b\r\n'), ...parser.end()]).toThrow(LocalProtocolError);
    // A function that is not asked (an MLSD listing) is fine whatever it would say.
    expect(parseListing('type=file; a\r\n', { timeZoneOffset: () => 5000 }).entries).toHaveLength(1);
  });

  test('the streaming parser takes one too, across chunks', () => {
    const parser = new ListingParser({ now: CORPUS_NOW, timeZoneOffset: cet });
    const text = '-rw-r--r-- 1 u g 6 Jan 14  2024 winter\r\n-rw-r--r-- 1 u g 6 Jun 14 09:30 summer\r\n';
    const entries = [...parser.push(text.slice(0, 20)), ...parser.push(text.slice(20)), ...parser.end()];
    expect(entries.map((e) => e.modifiedAt?.toISOString())).toEqual(['2024-01-13T23:00:00.000Z', '2024-06-14T07:30:00.000Z']);
  });

  test('property: a constant function reads every corpus line as its number does', () => {
    const cases = CORPUS.filter((c) => c.expected !== null && c.expected !== 'skip' && c.options?.timeZoneOffset === undefined);
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.integer({ min: -1440, max: 1440 }), (c, minutes) => {
        const text = c.lines.join('\n');
        const options = { ...c.options, now: CORPUS_NOW, format: c.format };
        const byNumber = parseListing(text, { ...options, timeZoneOffset: minutes });
        const byFunction = parseListing(text, { ...options, timeZoneOffset: () => minutes });
        expect(byFunction).toEqual(byNumber);
      }),
    );
  });

  test('property: a time is its wall clock minus what the function says for that wall clock', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:00Z'), noInvalidDate: true }),
        fc.func(fc.integer({ min: -1440, max: 1440 })),
        (date, pick) => {
          const wall = Math.floor(date.getTime() / 60_000) * 60_000;
          const iso = new Date(wall).toISOString();
          const line = `-rw-r--r-- 1 u g 6 ${iso.slice(0, 10)} ${iso.slice(11, 16)} a`;
          // The generated function is pure: the same wall clock always gives the same answer.
          const zone: TimeZoneOffsetFunction = (w) => pick(w);
          const entry = parseListingLine(line, 'unix', { timeZoneOffset: zone });
          expect(entry?.modifiedAt?.getTime()).toBe(wall - zone(wall) * 60_000);
        },
      ),
    );
  });

  test('property: any pure function, any garbage: never an exception but its own, in linear time', async () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 80 }), { maxLength: 40 }), fc.integer({ min: -1440, max: 1440 }), (lines, minutes) => {
        const result = parseListing(lines.join('\n'), { now: CORPUS_NOW, timeZoneOffset: (wall) => (wall % 2 === 0 ? minutes : -minutes) });
        for (const entry of result.entries) if (entry.modifiedAt) expect(Number.isNaN(entry.modifiedAt.getTime())).toBe(false);
      }),
    );
    const line = '-rw-r--r-- 1 u g 6 Mar 31 04:30 a\n';
    const parse = (n: number) => {
      const text = line.repeat(n);
      return () => parseListing(text, { now: CORPUS_NOW, timeZoneOffset: cet });
    };
    expect(await scalesLinearly(parse, 10_000)).toMatchObject({ linear: true });
  });
});
