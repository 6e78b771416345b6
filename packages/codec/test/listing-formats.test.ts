/**
 * What the listing engine does across formats: time zones and precision, the caller's line
 * parser, records wrapped over two lines, headers that vote without being entries, lines too plain
 * to vote; then, over the corpus of every family, streaming (any split gives what parseListing
 * gives), garbage (never an exception, every line accounted for) and linear time.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LocalProtocolError } from '../src/errors.js';
import { PENDING } from '../src/list/context.js';
import { parseScratch, parseWith, skipped } from '../src/list/engine.js';
import { FORMATS } from '../src/list/formats.js';
import { type ListingEntry, type ListingFormat, parseListing, parseListingLine } from '../src/listing.js';
import { ListingParser, type ListingParserOptions } from '../src/listing-stream.js';
import { CORPUS, CORPUS_NOW } from './support/listing-corpus.js';
import { fastestWithin, scalesLinearly } from './support/timing.js';

const NOW = CORPUS_NOW;

/** Feed `pieces` to a ListingParser and end it. */
function stream(pieces: readonly string[], options: ListingParserOptions = {}) {
  const parser = new ListingParser(options);
  const entries: ListingEntry[] = [];
  for (const piece of pieces) entries.push(...parser.push(piece));
  entries.push(...parser.end());
  return { entries, format: parser.format, unparsed: parser.unparsed, unparsedCount: parser.unparsedCount };
}

describe('time zones and precision', () => {
  const lines: [ListingFormat, string, string][] = [
    ['unix', '-rw-r--r-- 1 u g 6 Jan 02 10:00 a', '2024-01-02T10:00:00Z'],
    ['unix', '-rw-r--r-- 1 u g 6 Jan 02  2020 a', '2020-01-02T00:00:00Z'],
    ['dos', '01-02-20  10:00AM                  6 a', '2020-01-02T10:00:00Z'],
    ['vms', 'A.TXT;1  1/4  2-JAN-2020 10:00:00  [U]  (RWED,RWED,RE,RE)', '2020-01-02T10:00:00Z'],
    ['mvs', 'A         01.00 2020/01/02 2020/01/02 10:00     1     1     0 U', '2020-01-02T10:00:00Z'],
    ['os400', 'U                6 01/02/20 10:00:00 *STMF      a', '2020-01-02T10:00:00Z'],
    ['os2', '                 6      A          01-02-20   10:00  a', '2020-01-02T10:00:00Z'],
    ['netware', '- [RWCEAFMS] u                          6 Jan 02 10:00 a', '2024-01-02T10:00:00Z'],
    ['nonstop', 'A             101                6 02-Jan-20 10:00:00 1,1     "NUNU"', '2020-01-02T10:00:00Z'],
  ];

  test.each(lines)('%s: the offset applies to the LIST time: %s', (format, line, utc) => {
    const local = new Date(utc).getTime();
    for (const minutes of [0, 60, -300, 345, 1440, -1440]) {
      const entry = parseListingLine(line, format, { now: NOW, timeZoneOffset: minutes });
      expect(entry?.modifiedAt?.getTime()).toBe(local - minutes * 60_000);
    }
  });

  test('MLSD and EPLF times are UTC by definition: the offset does not apply', () => {
    const mlsd = parseListingLine('type=file;modify=20200102100000; a', 'mlsd', { timeZoneOffset: 120 });
    expect(mlsd?.modifiedAt?.toISOString()).toBe('2020-01-02T10:00:00.000Z');
    expect(mlsd?.precision).toBe('second');
    const eplf = parseListingLine('+m1577959200,r,\ta', 'eplf', { timeZoneOffset: 120 });
    expect(eplf?.modifiedAt?.toISOString()).toBe('2020-01-02T10:00:00.000Z');
    expect(eplf?.precision).toBe('second');
  });

  test('a line that states its own offset (ls --full-time) keeps it, whatever the option', () => {
    const line = '-rw-r--r-- 1 u g 6 2024-03-01 12:00:00.000000000 -0500 a';
    expect(parseListingLine(line, 'unix', { timeZoneOffset: 120 })?.modifiedAt?.toISOString()).toBe('2024-03-01T17:00:00.000Z');
  });

  test('a year-less date is placed by now in the server zone, not in UTC', () => {
    // 2024-12-31 23:30 UTC is already 2025-01-01 00:30 at UTC+01:00.
    const now = new Date('2024-12-31T23:30:00Z');
    const line = '-rw-r--r-- 1 u g 6 Jan  1 00:15 a';
    expect(parseListingLine(line, 'unix', { now, timeZoneOffset: 60 })?.modifiedAt?.toISOString()).toBe('2024-12-31T23:15:00.000Z');
    // At UTC-10:00 it is 13:30 on 31 December: 16 June 11:00 is more than a day ahead, so last year.
    const june = new Date('2024-06-15T12:00:00Z');
    expect(parseListingLine('-rw-r--r-- 1 u g 6 Jun 16 11:00 a', 'unix', { now: june, timeZoneOffset: -600 })?.modifiedAt?.toISOString()).toBe('2023-06-16T21:00:00.000Z');
    expect(parseListingLine('-rw-r--r-- 1 u g 6 Jun 16 11:00 a', 'unix', { now: june })?.modifiedAt?.toISOString()).toBe('2024-06-16T11:00:00.000Z');
  });

  test('every entry with a time says how precise it is, and only those', () => {
    for (const c of CORPUS) {
      if (c.expected === null || c.expected === 'skip') continue;
      const result = parseListing(c.lines.join('\n'), { ...c.options, format: c.format, now: NOW });
      for (const entry of result.entries) expect('precision' in entry, c.shape).toBe(entry.modifiedAt !== undefined);
    }
    // A year alone has no time of day: the day is all it states.
    expect(parseListingLine('-rw-r--r-- 1 u g 6 Jan 02  2020 a', 'unix')?.precision).toBe('day');
    expect(parseListingLine('-rw-r--r-- 1 u g 6 Jan 02 10:00 a', 'unix', { now: NOW })?.precision).toBe('minute');
    expect(parseListingLine('-rw-r--r-- 1 u g 6 Jan 02 10:00 a', 'unix')).not.toHaveProperty('precision');
  });
});

describe('the caller line parser', () => {
  const custom = (line: string): ListingEntry | null | undefined => {
    if (line.startsWith('FILE ')) return { name: line.slice(5), type: 'file', raw: line };
    if (line.startsWith('#')) return null;
    return undefined;
  };
  const text = ['# banner', '-rw-r--r-- 1 u g 6 Jan 02  2020 a', 'FILE custom one', '-rw-r--r-- 1 u g 6 Jan 02  2020 b', 'garbage'].join('\r\n');

  test('is tried first; its entries keep their place; null leaves a line out; the rest goes on as before', () => {
    const result = parseListing(text, { parseLine: custom });
    expect(result.format).toBe('unix');
    expect(result.entries.map((e) => e.name)).toEqual(['a', 'custom one', 'b']);
    expect(result.unparsed).toEqual([{ line: 'garbage', index: 4 }]);
    expect(Object.isFrozen(result.entries[1])).toBe(true);
  });

  test('its lines do not vote; when nothing else fits, its entries are the listing', () => {
    const result = parseListing('FILE x\r\nFILE y\r\nFILE z\r\n-rw-r--r-- 1 u g 6 Jan 02  2020 a\r\n', { parseLine: custom });
    expect(result.format).toBe('unix');
    expect(result.entries.map((e) => e.name)).toEqual(['x', 'y', 'z', 'a']);
    const only = parseListing('FILE x\r\nsomething\r\n', { parseLine: custom });
    expect(only.format).toBeUndefined();
    expect(only.entries.map((e) => e.name)).toEqual(['x']);
    expect(only.unparsed.map((u) => u.line)).toEqual(['something']);
  });

  test('instead of the built-in parsers: null for every other line', () => {
    const result = parseListing(text, { parseLine: (line) => custom(line) ?? null });
    expect(result.entries.map((e) => e.name)).toEqual(['custom one']);
    expect(result.unparsed).toEqual([]);
  });

  test('. and .. are left out as always; a missing raw is the line; a bad answer or a throw is the caller’s error', () => {
    const dots = parseListing('FILE .\r\nFILE ..\r\nFILE x\r\n', { parseLine: (l) => ({ name: l.slice(5), type: 'file' }) as ListingEntry });
    expect(dots.entries).toEqual([{ name: 'x', type: 'file', raw: 'FILE x' }]);
    expect(() => parseListing('a\r\n', { parseLine: () => ({ name: '', type: 'file', raw: '' }) })).toThrow(LocalProtocolError);
    expect(() => parseListing('a\r\n', { parseLine: () => ({ name: 'a', type: 'folder', raw: '' }) as unknown as ListingEntry })).toThrow(LocalProtocolError);
    expect(() =>
      parseListing('a\r\n', {
        parseLine: () => {
          throw new RangeError('mine');
        },
      }),
    ).toThrow(RangeError);
  });

  test('the streaming parser gives the same, with a given format and detecting', () => {
    for (const format of [undefined, 'unix'] as const) {
      const options = { parseLine: custom, ...(format ? { format } : {}) };
      const whole = parseListing(text, options);
      const streamed = stream([...text], options);
      expect(streamed.entries).toEqual(whole.entries);
      expect(streamed.unparsedCount).toBe(whole.unparsed.length);
    }
  });
});

describe('records over two lines, headers, lines too plain to vote', () => {
  const header = 'Directory DKA100:[PUB]';
  const wrapped = ['A_LONG_FILE_NAME_THAT_WRAPS.TXT;1', '                         1/4   2-JAN-2020 10:00:00  [U]  (RWED,RWED,RE,RE)'];
  const normal = 'B.TXT;1                   1/4   2-JAN-2020 10:00:00  [U]  (RWED,RWED,RE,RE)';

  test('a wrapped VMS record is one entry, whose raw keeps both lines, detected or given', () => {
    for (const format of [undefined, 'vms'] as const) {
      const result = parseListing([header, '', ...wrapped, normal].join('\r\n'), format ? { format } : {});
      expect(result.format).toBe('vms');
      expect(result.entries.map((e) => e.name)).toEqual(['A_LONG_FILE_NAME_THAT_WRAPS.TXT;1', 'B.TXT;1']);
      expect(result.entries[0]!.raw).toBe(wrapped.join('\n'));
      expect(result.unparsed).toEqual([]);
    }
  });

  test('a name that no record follows is unparsed, and the next line is read on its own', () => {
    for (const format of [undefined, 'vms'] as const) {
      const result = parseListing([wrapped[0], normal, wrapped[0]].join('\n'), format ? { format } : {});
      expect(result.entries.map((e) => e.name)).toEqual(['B.TXT;1']);
      expect(result.unparsed).toEqual([
        { line: wrapped[0], index: 0 },
        { line: wrapped[0], index: 2 },
      ]);
    }
  });

  test('after a wrapped record, a line no format reads is unparsed and never joins the line after it', () => {
    const unclosed = 'C.TXT;1                   1/4   2-JAN-2020 10:00:00  [U  (RWED,RWED,RE,RE)';
    const text = [...wrapped, unclosed, normal].join('\n');
    for (const result of [parseListing(text), stream([text])]) {
      expect(result.entries.map((e) => [e.name, e.raw])).toEqual([
        ['A_LONG_FILE_NAME_THAT_WRAPS.TXT;1', wrapped.join('\n')],
        ['B.TXT;1', normal],
      ]);
    }
    expect(parseListing(text).unparsed).toEqual([{ line: unclosed, index: 2 }]);
  });

  test('streamed, a wrapped record survives any split, and the vote waits for the rest of a record', () => {
    const lines = [header, ...Array.from({ length: 62 }, (_, i) => normal.replace('B.TXT', `F${i}.TXT`)), ...wrapped, normal];
    const text = `${lines.join('\r\n')}\r\n`;
    const whole = parseListing(text);
    expect(whole.entries).toHaveLength(64);
    for (let at = 0; at <= text.length; at += 7) {
      const streamed = stream([text.slice(0, at), text.slice(at)]);
      expect(streamed.entries).toEqual(whole.entries);
      expect(streamed.unparsedCount).toBe(0);
    }
  });

  test('headers and trailers vote for their format but are neither entries nor unparsed', () => {
    const result = parseListing(['Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname', 'garbage'].join('\n'));
    expect(result).toEqual({ format: 'mvs', entries: [], unparsed: [{ line: 'garbage', index: 1 }] });
  });

  test('bare member names do not vote: an upper-case NLST is not a z/OS listing, a member list with its header is', () => {
    const names = ['README', 'INSTALL', 'COPYING'];
    expect(parseListing(names.join('\n'))).toMatchObject({ format: undefined, entries: [] });
    expect(parseListing(names.join('\n')).unparsed).toHaveLength(3);
    const members = parseListing([' Name     VV.MM   Created       Changed      Size  Init   Mod   Id', ...names].join('\n'));
    expect(members.format).toBe('mvs');
    expect(members.entries.map((e) => e.name)).toEqual(names);
  });

  test('total lines in other languages are skipped like total', () => {
    const result = parseListing(['insgesamt 8', 'razem 8', 'celkem 8', 'összesen 8', '합계 8', '-rw-r--r-- 1 u g 6 Jan 02  2020 a'].join('\n'));
    expect(result.entries.map((e) => e.name)).toEqual(['a']);
    expect(result.unparsed).toEqual([]);
    expect(parseListing('insgesamt viel\n').unparsed).toHaveLength(1);
  });
});

/** The records of one family, as a listing: any selection, in any order, repeated. */
function arbFamilyListing(family: string): fc.Arbitrary<string> {
  const records = CORPUS.filter((c) => c.family === family && c.options === undefined && c.expected !== null).map((c) => c.lines.join('\r\n'));
  return fc
    .record({ picks: fc.array(fc.constantFrom(...records), { minLength: 1, maxLength: 150 }), eol: fc.constantFrom('\r\n', '\n') })
    .map(({ picks, eol }) => picks.join('\r\n').replaceAll('\r\n', eol) + eol);
}

const families = [...new Set(CORPUS.map((c) => c.family))];

describe('streaming every family: any split gives what parseListing gives', () => {
  test.each(families)('%s', (family) => {
    fc.assert(
      fc.property(
        arbFamilyListing(family).chain((text) => fc.tuple(fc.constant(text), fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 30 }))),
        ([text, points]) => {
          const cuts = [...points].sort((a, b) => a - b);
          const pieces = cuts.map((to, i) => text.slice(i === 0 ? 0 : cuts[i - 1], to)).concat(text.slice(cuts.at(-1) ?? 0));
          const whole = parseListing(text, { now: NOW });
          const streamed = stream(pieces, { now: NOW });
          expect(streamed.entries).toEqual(whole.entries);
          expect(streamed.format).toBe(whole.format);
          expect(streamed.unparsedCount).toBe(whole.unparsed.length);
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** Characters and pieces that the formats' readers look for, to make lines that almost fit. */
const PIECES = [
  ...' \t-:;/.,[]()*"+=$#@<>%',
  '0', '12', '2024', '99', 'Jan', 'MAR', 'мая', '6月', '3日', '2024年', '월', 'márc.', 'AM', 'PM',
  '<DIR>', '<JUNCTION>', ';1', '.DIR;1', '1/4', '2-JAN-2020', '[U,G]', '(RWED,RWED,RE,)', '%RMS',
  'PO', 'PS', 'VSAM', 'FB', '01.04', '2024/06/03', '000008', 'JOB01234', 'OUTPUT', 'spool files', 'Migrated',
  '*DIR', '*FILE', 'QSYS', '06/11/97', '12:27:39', 'DIR', 'A', '05-12-97', 'd [RWCEAFMS]', '"NUNU"', '255,255', '12-Apr-24',
  '-rw-r--r--', 'drwxr-xr-x+', 'rw-r--r--', 'type=file;', 'total', 'insgesamt', 'Directory', 'Total of', 'Volume', 'Name', 'File',
];
const arbNearLine = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }).map((parts) => parts.join('')),
  fc.constantFrom(...CORPUS.flatMap((c) => c.lines)).chain((line) =>
    fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...PIECES)).map(([at, drop, piece]) => {
      const i = at % (line.length + 1);
      return line.slice(0, i) + piece + line.slice(i + drop);
    }),
  ),
  fc.string({ maxLength: 60 }),
);

describe('garbage and almost-listing lines', () => {
  const allFormats = [undefined, ...FORMATS] as const;

  test('property: never an exception, and every line is an entry, a header, or reported', () => {
    fc.assert(
      fc.property(fc.array(arbNearLine, { maxLength: 20 }), fc.constantFrom(...allFormats), (lines, format) => {
        const clean = lines.map((l) => l.replace(/[\r\n]/g, ''));
        const text = clean.join('\r\n');
        const result = parseListing(text, { now: NOW, ...(format ? { format } : {}) });
        const reported = new Set(result.unparsed.map((u) => u.index));
        const raws = result.entries.map((e) => e.raw).join('\n');
        clean.forEach((line, index) => {
          if (skipped(line, 0, line.length)) return expect(reported.has(index)).toBe(false);
          // A line that is neither in an entry nor reported must be a header its format accepts.
          if (!reported.has(index) && !raws.includes(line)) {
            const k = FORMATS.indexOf(result.format!);
            const answer = k < 0 ? undefined : parseWith(k, line, 0, line.length, parseScratch(NOW.getTime()));
            expect(answer, line).toBeDefined();
          }
        });
        for (const u of result.unparsed) expect(clean[u.index]).toBe(u.line);
      }),
      { numRuns: 1500 },
    );
  });

  test('property: the streaming parser counts every unparsed line that parseListing reports', () => {
    fc.assert(
      fc.property(fc.array(arbNearLine, { maxLength: 80 }), fc.constantFrom(...allFormats), (lines, format) => {
        const text = `${lines.map((l) => l.replace(/[\r\n]/g, '')).join('\n')}\n`;
        const options = { now: NOW, ...(format ? { format } : {}) };
        expect(stream([text], options).unparsedCount).toBe(parseListing(text, options).unparsed.length);
      }),
      { numRuns: 300 },
    );
  });

  test('every format reader refuses, never guesses, on lines of other families', () => {
    for (const c of CORPUS) {
      for (const [k, format] of FORMATS.entries()) {
        if (format === c.format) continue;
        for (const line of c.lines) {
          const answer = parseWith(k, line, 0, line.length, parseScratch(NOW.getTime()));
          // MLSD takes any indented line as a fact-less entry when it is given as the format.
          if (format === 'mlsd' && /^[ \t]/.test(line)) continue;
          expect(answer === undefined || answer === PENDING, `${format} took ${c.family} line ${line}`).toBe(true);
        }
      }
    }
  });
});

describe('linear time: no line makes any reader search beyond it', () => {
  /** Parsing `text` in `format`, as work to time. */
  const parse = (text: string, format: ListingFormat | undefined) => () => parseListing(text, { now: NOW, ...(format ? { format } : {}) });
  /** Parsing `line` repeated `n` times, as work to time for each `n`. */
  const repeated = (line: string, format: ListingFormat | undefined) => (n: number) => parse(`${line}\n`.repeat(n), format);

  test('property: a long listing of near-miss lines, and one very long line, parse in bounded time in every format', async () => {
    await fc.assert(
      fc.asyncProperty(arbNearLine.filter((l) => l.length > 0 && !/[\r\n]/.test(l)), fc.constantFrom(undefined, ...FORMATS), async (line, format) => {
        // Quadratic behaviour on 40,000 lines or a 400,000-character line would take minutes.
        const many = `${line}\n`.repeat(Math.ceil(40_000 / Math.max(1, line.length / 10)));
        const long = line.repeat(Math.ceil(400_000 / line.length));
        expect(await fastestWithin(parse(many, format), 3000)).toBeLessThan(3000);
        expect(await fastestWithin(parse(long, format), 3000)).toBeLessThan(3000);
      }),
      { numRuns: 60 },
    );
  });

  test('every corpus line cut after an opening bracket, quote or separator, repeated, scales linearly', async () => {
    const cuts = new Set<string>();
    for (const line of CORPUS.flatMap((c) => c.lines)) {
      for (let i = 0; i < line.length; i++) if ('[("<'.includes(line[i]!)) cuts.add(line.slice(0, i + 1));
    }
    for (const line of cuts) expect(await scalesLinearly(repeated(line, undefined), 10_000), line).toMatchObject({ linear: true });
  });

  test('the searches that could run on: unclosed brackets, missing separators, a name waiting for its record', async () => {
    for (const line of ['[', '(', 'A.B;1', 'Directory [', '-rw-r--r-- 1 u g 6 Jan 02  2020', ' Name ', '*', 'd [', '2024年', '.DIR;1 1/4 2-JAN-2020', 'A.B;1 1 [U', 'A.B;1 1 (R']) {
      for (const format of [undefined, 'unix', 'vms', 'mvs', 'netware'] as const) {
        expect(await scalesLinearly(repeated(line, format), 10_000), `${line} ${format}`).toMatchObject({ linear: true });
        expect(await fastestWithin(parse(line.repeat(200_000 / line.length), format), 3000), `${line} ${format}`).toBeLessThan(3000);
      }
    }
  });
});
