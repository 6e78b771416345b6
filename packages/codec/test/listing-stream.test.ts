/**
 * The incremental listing parser: chunking invariance against `parseListing` first (any split of a
 * listing in one format, down to one character per piece, gives exactly its entries, format and
 * unparsed lines), then the line bound, the CR/LF split, the bounded unparsed report and the vote.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LocalProtocolError, RemoteProtocolError } from '../src/errors.js';
import { type ListingEntry, type ListingFormat, parseListing } from '../src/listing.js';
import { DEFAULT_MAX_LISTING_LINE, ListingParser, type ListingParserOptions } from '../src/listing-stream.js';
import { arbDosListingLine, arbMlsdLine, arbUnixListingLine, type ListingLineSample } from '../src/testing/listing.js';

const NOW = new Date('2026-11-25T15:58:00Z');
const UNIX = '-rw-r--r--    1 ftp      ftp          1024 Jan 02  2020 ';

/** Feed `pieces` and end; everything the parser gave, and the parser. */
function stream(pieces: readonly string[], options: ListingParserOptions = {}): { entries: ListingEntry[]; parser: ListingParser } {
  const parser = new ListingParser(options);
  const entries: ListingEntry[] = [];
  for (const piece of pieces) entries.push(...parser.push(piece));
  entries.push(...parser.end());
  return { entries, parser };
}

/** `text` cut at the given points. */
function cut(text: string, points: readonly number[]): string[] {
  const pieces: string[] = [];
  let from = 0;
  for (const to of [...points].sort((a, b) => a - b)) {
    pieces.push(text.slice(from, to));
    from = to;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/** A listing text and a split of it into pieces: few cuts, many, or one character per piece. */
function arbSplit(text: string): fc.Arbitrary<readonly string[]> {
  return fc.oneof(
    fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 8 }).map((points) => cut(text, points)),
    fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 200 }).map((points) => cut(text, points)),
    fc.constant([...text]),
  );
}

/** What the stream must match: `parseListing`'s answer on the whole text. */
function expectSameAsWhole(text: string, pieces: readonly string[], options: ListingParserOptions = {}): void {
  const whole = parseListing(text, options);
  const { entries, parser } = stream(pieces, options);
  expect(entries).toEqual(whole.entries);
  expect(parser.format).toBe(whole.format);
  expect(parser.unparsed).toEqual(whole.unparsed.slice(0, 16)); // the first 16 are kept
  expect(parser.unparsedCount).toBe(whole.unparsed.length);
}

/** A listing of `lines` in one format, with the extras servers add, joined by CRLF or LF. */
const arbListing = (line: fc.Arbitrary<ListingLineSample>) =>
  fc
    .record({
      lines: fc.array(line, { maxLength: 150 }),
      total: fc.boolean(),
      dots: fc.boolean(),
      blanks: fc.array(fc.nat(), { maxLength: 3 }),
      // Lines no format takes (an `ls` error, say): fewer than a tenth, so the vote cannot change.
      garbage: fc.array(fc.nat(), { maxLength: 3 }),
      eol: fc.constantFrom('\r\n', '\n'),
      last: fc.boolean(),
    })
    .map(({ lines, total, dots, blanks, garbage, eol, last }) => {
      const all = lines.map((l) => l.line);
      for (const at of blanks) all.splice(at % (all.length + 1), 0, '');
      if (all.length >= 10 * garbage.length) for (const at of garbage) all.splice(at % (all.length + 1), 0, 'ls: cannot access secret: Permission denied');
      if (dots) all.unshift(`${UNIX.replace('-rw', 'drw')}.`, `${UNIX.replace('-rw', 'drw')}..`);
      if (total) all.unshift('total 42');
      return all.join(eol) + (last ? eol : '');
    });

describe('chunking invariance: any split gives what parseListing gives', () => {
  const property = (format: ListingFormat, line: fc.Arbitrary<ListingLineSample>, forced: boolean) =>
    fc.assert(
      fc.property(
        arbListing(line).chain((text) => fc.tuple(fc.constant(text), arbSplit(text))),
        ([text, pieces]) => expectSameAsWhole(text, pieces, { now: NOW, ...(forced ? { format } : {}) }),
      ),
      { numRuns: 150 },
    );

  test('unix ls -l listings, detected', () => property('unix', arbUnixListingLine({ now: NOW }), false));
  test('MLSD listings, given as MLSD', () => property('mlsd', arbMlsdLine(), true));
  test('MLSD listings, detected', () => property('mlsd', arbMlsdLine(), false));
  test('DOS/IIS listings, detected', () => property('dos', arbDosListingLine(), false));

  test('unix listings whose lines share their start, as vsftpd lists a folder of files written together', () => {
    // A few lines, each repeated with other names: the reader keeps the start of the line read last.
    const arbShared = fc
      .tuple(fc.array(arbUnixListingLine({ now: NOW }), { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom('a', 'b c', ' d', 'e -> f', '.', 'g\th')), { maxLength: 120 }))
      .map(([samples, picks]) =>
        picks
          .map(([i, name]) => {
            const { line, expected } = samples[i % samples.length]!;
            const tail = expected.target === undefined ? expected.name : `${expected.name} -> ${expected.target}`;
            return line.endsWith(tail) ? line.slice(0, line.length - tail.length) + name : line;
          })
          .join('\r\n'),
      );
    fc.assert(
      fc.property(arbShared.chain((text) => fc.tuple(fc.constant(text), arbSplit(text))), ([text, pieces]) => expectSameAsWhole(text, pieces, { now: NOW })),
      { numRuns: 150 },
    );
  });

  test('EPLF and IIS samples, split at every offset', () => {
    for (const name of ['eplf.txt', 'iis.txt', 'iis-4digit.txt']) {
      const text = readFileSync(new URL(`./fixtures/listings/${name}`, import.meta.url), 'utf8');
      for (let at = 0; at <= text.length; at++) expectSameAsWhole(text, [text.slice(0, at), text.slice(at)]);
      expectSameAsWhole(text, [...text]);
    }
  });

  test('real servers: every LIST and MLSD transfer captured, one character per piece', () => {
    let listings = 0;
    for (const server of ['vsftpd', 'proftpd', 'pure-ftpd', 'pyftpdlib', 'ftp-srv']) {
      const transcript = readFileSync(new URL(`./fixtures/servers/${server}.txt`, import.meta.url), 'utf8');
      // Each transfer: a `[data N bytes; lines as JSON …]` marker, then one JSON string per line.
      for (const block of transcript.split(/^ {2}\[data [^\n]*lines as JSON[^\n]*\n/m).slice(1)) {
        const lines = /^(?: {2}"[^\n]*\n)*/.exec(block)![0].split('\n').filter((l) => l !== '');
        const text = lines.map((l) => JSON.parse(l.trim()) as string).join('');
        expectSameAsWhole(text, [...text], { now: NOW });
        listings++;
      }
    }
    expect(listings).toBeGreaterThan(10);
  });
});

describe('line endings', () => {
  test('a CR at the end of one piece and its LF at the start of the next end one line', () => {
    const { entries, parser } = stream([`${UNIX}a\r`, `\n${UNIX}b\r`, '\n'], { now: NOW });
    expect(entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(entries.map((e) => e.raw)).toEqual([`${UNIX}a`, `${UNIX}b`]);
    expect(parser.unparsedCount).toBe(0);
  });

  test('bare LF, a last line without an ending, and a CR inside a line (kept, as parseListing keeps it)', () => {
    const text = `${UNIX}a\n${UNIX}b\rc\n${UNIX}last`;
    expectSameAsWhole(text, cut(text, [3, 70, 71]), { now: NOW });
    expect(stream([text]).entries.map((e) => e.name)).toEqual(['a', 'b\rc', 'last']);
  });

  test('blank lines, total N, . and .. are skipped; line numbers count every line', () => {
    const { entries, parser } = stream(['total 8\r\n\r\n', `${UNIX}.\r\n${UNIX}..\r\n`, 'oops\r\n', `${UNIX}x\r\n`]);
    expect(entries.map((e) => e.name)).toEqual(['x']);
    expect(parser.unparsed).toEqual([{ line: 'oops', index: 4 }]);
  });
});

describe('the line bound', () => {
  test('a line of exactly maxLineLength passes, CR or not; one more character is a RemoteProtocolError', () => {
    const max = 100;
    const name = 'n'.repeat(max - UNIX.length);
    expect(stream([`${UNIX}${name}\r`, '\n'], { maxLineLength: max }).entries.map((e) => e.name)).toEqual([name]);
    expect(stream([`${UNIX}${name}`], { maxLineLength: max }).entries.map((e) => e.name)).toEqual([name]);
    expect(() => stream([`${UNIX}${name}x\r\n`], { maxLineLength: max })).toThrow(RemoteProtocolError);
    expect(() => stream([`${UNIX}${name}x`], { maxLineLength: max })).toThrow(RemoteProtocolError);
  });

  test('an endless line fails as soon as it passes the bound, without holding more, and the error is sticky', () => {
    const parser = new ListingParser({ maxLineLength: 1000 });
    parser.push(`${UNIX}ok\r\n`);
    let error: unknown;
    let pushed = 0;
    try {
      for (; pushed < 1_000_000; pushed++) parser.push('x'.repeat(100));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RemoteProtocolError);
    expect((error as RemoteProtocolError).code).toBe('ERR_FTP_REMOTE_PROTOCOL');
    expect((error as Error).message).toMatch(/line 2 is longer than 1000 characters/);
    expect(pushed).toBe(10); // 1100 characters: past 1000 + a CR
    expect(() => parser.push('\n')).toThrow(error as Error);
    expect(() => parser.end()).toThrow(error as Error);
  });

  test('the default bound is 64 Ki characters', () => {
    expect(DEFAULT_MAX_LISTING_LINE).toBe(65536);
    expect(new ListingParser().maxLineLength).toBe(65536);
    expect(() => stream(['x'.repeat(65537), '\n'])).toThrow(RemoteProtocolError);
  });
});

describe('the vote over the first lines', () => {
  test('entries come out once 64 lines are in, before the listing ends', () => {
    const parser = new ListingParser({ now: NOW });
    const lines = Array.from({ length: 100 }, (_, i) => `${UNIX}f${i}\r\n`);
    const early = lines.slice(0, 63).flatMap((l) => parser.push(l));
    expect(early).toEqual([]);
    expect(parser.format).toBeUndefined();
    expect(parser.push(lines[63]!).map((e) => e.name)).toEqual(Array.from({ length: 64 }, (_, i) => `f${i}`));
    expect(parser.format).toBe('unix');
    expect(parser.push(lines[64]!).map((e) => e.name)).toEqual(['f64']);
    expect(lines.slice(65).flatMap((l) => parser.push(l))).toHaveLength(35);
    expect(parser.end()).toEqual([]);
  });

  test('a window where no format fits decides nothing: the next one votes', () => {
    const garbage = Array.from({ length: 70 }, (_, i) => `garbage line ${i}`);
    const text = [...garbage, `${UNIX}a`, `${UNIX}b`].join('\r\n');
    expectSameAsWhole(text, cut(text, [500, 1500]), { now: NOW });
    const { entries, parser } = stream([text]);
    expect(entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(parser.format).toBe('unix');
    expect(parser.unparsedCount).toBe(70);
  });

  test('a forced format never votes: entries come out line by line', () => {
    const parser = new ListingParser({ format: 'mlsd' });
    expect(parser.format).toBe('mlsd');
    expect(parser.push('type=cdir; .\r\ntype=file;size=6; a b\r\n').map((e) => e.name)).toEqual(['a b']);
    expect(parser.push('type=dir; sub\r').map((e) => e.name)).toEqual([]);
    expect(parser.push('\n').map((e) => e.name)).toEqual(['sub']);
  });
});

describe('unparsed lines are reported, and the report is bounded', () => {
  test('all are counted, the first 16 kept with their line numbers', () => {
    const lines = [...Array.from({ length: 64 }, (_, i) => `${UNIX}f${i}`), ...Array.from({ length: 1000 }, (_, i) => `noise ${i}`)];
    const { entries, parser } = stream([lines.join('\n')]);
    expect(entries).toHaveLength(64);
    expect(parser.unparsedCount).toBe(1000);
    expect(parser.unparsed).toHaveLength(16);
    expect(parser.unparsed[0]).toEqual({ line: 'noise 0', index: 64 });
    expect(parser.unparsed[15]).toEqual({ line: 'noise 15', index: 79 });
    expect(Object.isFrozen(parser.unparsed[0])).toBe(true);
  });
});

describe('misuse', () => {
  test('bad options and push after end are LocalProtocolError', () => {
    expect(() => new ListingParser({ maxLineLength: 0 })).toThrow(LocalProtocolError);
    expect(() => new ListingParser({ format: 'cpm' as ListingFormat })).toThrow(LocalProtocolError);
    expect(() => new ListingParser({ now: new Date(Number.NaN) })).toThrow(LocalProtocolError);
    const parser = new ListingParser();
    parser.end();
    expect(parser.end()).toEqual([]);
    expect(() => parser.push('x\n')).toThrow(LocalProtocolError);
  });
});
