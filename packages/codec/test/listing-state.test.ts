/**
 * Every listing parse owns its state: two parses running interleaved in one process, piece by
 * piece or line by line, never see each other's, and the listing modules keep none of their own
 * (no module-level variables, no exported out-parameters, nothing a parse leaves behind).
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as context from '../src/list/context.js';
import * as dates from '../src/list/dates.js';
import * as dos from '../src/list/dos.js';
import * as engine from '../src/list/engine.js';
import { collect, collected, collector, finishCollecting, parseScratch, reportUnparsed } from '../src/list/engine.js';
import * as entry from '../src/list/entry.js';
import * as eplf from '../src/list/eplf.js';
import * as facts from '../src/list/facts.js';
import * as formats from '../src/list/formats.js';
import * as mlsd from '../src/list/mlsd.js';
import * as mlsdReader from '../src/list/mlsd-reader.js';
import { mlsdError, mlsdScratch, mlsdSelfOrParent, readMlsdLine } from '../src/list/mlsd-reader.js';
import * as mode from '../src/list/mode.js';
import * as months from '../src/list/months.js';
import * as mvs from '../src/list/mvs.js';
import * as mvsJes from '../src/list/mvs-jes.js';
import * as netware from '../src/list/netware.js';
import * as nonstop from '../src/list/nonstop.js';
import * as os2 from '../src/list/os2.js';
import * as os400 from '../src/list/os400.js';
import * as recent from '../src/list/recent.js';
import * as scan from '../src/list/scan.js';
import * as unix from '../src/list/unix.js';
import * as vms from '../src/list/vms.js';
import { readUnixLine, unixScratch } from '../src/list/unix.js';
import * as listing from '../src/listing.js';
import { type ListingFormat, type ListingResult, parseListing } from '../src/listing.js';
import * as listingStream from '../src/listing-stream.js';
import { ListingParser } from '../src/listing-stream.js';
import { arbMlsdLine, arbUnixListingLine } from '../src/testing/listing.js';

/** Two `now`s far enough apart that a year-less date lands in different years. */
const NOW_A = new Date('2026-11-25T15:58:00Z');
const NOW_B = new Date('2031-03-01T00:00:00Z');

/** A listing: its text, the options to parse it with, and where to cut it into pieces. */
interface Sample {
  readonly text: string;
  readonly options: { readonly now?: Date; readonly format?: ListingFormat };
  readonly cuts: readonly number[];
}

const arbLines = (line: fc.Arbitrary<{ readonly line: string }>) =>
  fc.array(line, { minLength: 1, maxLength: 80 }).map((lines) => `${lines.map((l) => l.line).join('\r\n')}\r\n`);

const withCuts = (text: string, options: Sample['options']): fc.Arbitrary<Sample> =>
  fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 40 }).map((cuts) => ({ text, options, cuts: [...cuts].sort((a, b) => a - b) }));

/** Unix listings with one `now` or the other, and MLSD listings, detected or given. */
const arbSample: fc.Arbitrary<Sample> = fc.oneof(
  arbLines(arbUnixListingLine({ now: NOW_A })).chain((text) => withCuts(text, { now: NOW_A })),
  arbLines(arbUnixListingLine({ now: NOW_B })).chain((text) => withCuts(text, { now: NOW_B })),
  arbLines(arbUnixListingLine({ now: NOW_A })).chain((text) => withCuts(text, {})),
  arbLines(arbMlsdLine()).chain((text) => withCuts(text, { format: 'mlsd' })),
  arbLines(arbMlsdLine()).chain((text) => withCuts(text, {})),
);

function pieces({ text, cuts }: Sample): string[] {
  const out: string[] = [];
  let from = 0;
  for (const to of cuts) {
    out.push(text.slice(from, to));
    from = to;
  }
  out.push(text.slice(from));
  return out;
}

/** The lines of `text` as `walkText` takes them: `[start, end, index]`, CR and blank lines left out. */
function lines(text: string): [number, number, number][] {
  const out: [number, number, number][] = [];
  let start = 0;
  for (let index = 0; start < text.length; index++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    if (end > start) out.push([start, end, index]);
    start = next;
  }
  return out;
}

describe('two parses interleaved never see each other', () => {
  test('property: two ListingParsers fed alternately give what each gives alone', () => {
    fc.assert(
      fc.property(arbSample, arbSample, (a, b) => {
        const parsers = [new ListingParser(a.options), new ListingParser(b.options)];
        const got = [[], []] as ListingResult['entries'][number][][];
        const queues = [pieces(a), pieces(b)];
        // Alternate one piece each, then drain whichever has pieces left.
        while (queues[0]!.length > 0 || queues[1]!.length > 0) {
          for (const k of [0, 1]) {
            const piece = queues[k]!.shift();
            if (piece !== undefined) got[k]!.push(...parsers[k]!.push(piece));
          }
        }
        for (const k of [0, 1]) got[k]!.push(...parsers[k]!.end());
        [a, b].forEach((sample, k) => {
          const alone = parseListing(sample.text, sample.options);
          expect(got[k]).toStrictEqual(alone.entries);
          expect(parsers[k]!.format).toBe(alone.format);
          expect(parsers[k]!.unparsedCount).toBe(alone.unparsed.length);
        });
      }),
      { numRuns: 150 },
    );
  });

  test('property: two parses fed line by line, alternately, give what each gives alone', () => {
    fc.assert(
      fc.property(arbSample, arbSample, (a, b) => {
        const samples = [a, b];
        const collectors = samples.map(
          (sample) => collector(sample.options.format === 'mlsd' ? 0 : -1, parseScratch(sample.options.now?.getTime() ?? Number.NaN)),
        );
        const walks = samples.map((sample) => lines(sample.text));
        const longest = Math.max(walks[0]!.length, walks[1]!.length);
        for (let i = 0; i < longest; i++) {
          for (const k of [0, 1]) {
            const line = walks[k]![i];
            if (line !== undefined) collect(collectors[k]!, samples[k]!.text, ...line);
          }
        }
        const again = collectors.map((c) => finishCollecting(c));
        for (let i = 0; i < longest; i++) {
          for (const k of [0, 1]) {
            const line = walks[k]![i];
            if (again[k] && line !== undefined) reportUnparsed(collectors[k]!, samples[k]!.text, ...line);
          }
        }
        samples.forEach((sample, k) => expect(collected(collectors[k]!)).toStrictEqual(parseListing(sample.text, sample.options)));
      }),
      { numRuns: 150 },
    );
  });

  test('unix readers with different nows, reading alternately, each infer years from their own', () => {
    const line = '-rw-r--r-- 1 u g 6 Nov 25 15:40 hello.txt';
    const a = unixScratch(NOW_A.getTime());
    const b = unixScratch(NOW_B.getTime());
    const none = unixScratch(Number.NaN);
    for (let round = 0; round < 3; round++) {
      expect(readUnixLine(line, 0, line.length, a)?.modifiedAt?.toISOString()).toBe('2026-11-25T15:40:00.000Z');
      expect(readUnixLine(line, 0, line.length, b)?.modifiedAt?.toISOString()).toBe('2030-11-25T15:40:00.000Z');
      expect(readUnixLine(line, 0, line.length, none)?.modifiedAt).toBeUndefined();
    }
  });

  test('MLSD readers keep their own cdir/pdir flag, refusal reason and fact names', () => {
    const a = mlsdScratch();
    const b = mlsdScratch();
    const cdir = 'type=cdir;modify=20200102030405; /pub';
    const file = 'Size=6;TYPE=file; a.txt';
    expect(readMlsdLine(cdir, 0, cdir.length, a)?.type).toBe('directory');
    expect(readMlsdLine(file, 0, file.length, b)?.type).toBe('file');
    expect([mlsdSelfOrParent(a), mlsdSelfOrParent(b)]).toEqual([true, false]);
    expect(readMlsdLine('size', 0, 4, b)).toBeUndefined();
    expect(readMlsdLine(file, 0, file.length, a)?.size).toBe(6);
    expect([mlsdError(a), mlsdError(b)]).toEqual(['', 'a fact without "="']);
    // Each learnt the fact names of its own lines, in their own spelling, and reads on correctly.
    const other = 'TYPE=dir;modify=20200102030405; d';
    expect(readMlsdLine(other, 0, other.length, a)).toMatchObject({ name: 'd', type: 'directory', modifiedAt: new Date('2020-01-02T03:04:05Z') });
    expect(readMlsdLine(other, 0, other.length, b)).toMatchObject({ name: 'd', type: 'directory', modifiedAt: new Date('2020-01-02T03:04:05Z') });
  });
});

describe('the listing modules keep no state of their own', () => {
  const modules = { context, dates, dos, engine, entry, eplf, facts, formats, listing, listingStream, mlsd, mlsdReader, mode, months, mvs, mvsJes, netware, nonstop, os2, os400, recent, scan, unix, vms };

  /** Every exported binding that is not a function or class, by module and name. */
  function bindings(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [module, namespace] of Object.entries(modules)) {
      for (const [name, value] of Object.entries(namespace)) if (typeof value !== 'function') out[`${module}.${name}`] = value;
    }
    return out;
  }

  test('no exported binding changes when listings are parsed: nothing is handed out through module variables', () => {
    const before = bindings();
    parseListing('type=cdir; /pub\r\ntype=file;size=6; a\r\n', { format: 'mlsd' });
    expect(() => mlsd.parseFacts('size')).toThrow();
    expect(() => mlsd.parseMlsdLine('type=file')).toThrow();
    parseListing('-rw-r--r-- 1 u g 6 Nov 25 15:40 a\r\ncrw-rw-rw- 1 root root 1, 3 Jan  1  2020 null\r\n', { now: NOW_A });
    new ListingParser().push('drwxr-xr-x 2 u g 4096 Jan 02  2020 d\r\n');
    parseListing('Directory D:[X]\r\nA.B;1\r\n 1/4 2-JAN-2020 10:00 [U] (RWED,,,)\r\n-rw-r--r-- 1 u g 6 15. Mär 10:30 a\r\n', { timeZoneOffset: 60, dateOrder: 'dmy' });
    for (const line of ['QSYS 77824 02/23/00 15:09:55 *DIR a/', 'PAYROLL 01.04 2023/11/02 2024/06/03 14:52 76 70 3 U', 'd [RWCEAFMS] a 512 Nov 10 10:38 P']) parseListing(line);
    expect(listing.parseListingLine('type=cdir; /pub', 'mlsd')?.type).toBe('directory');
    expect(bindings()).toStrictEqual(before);
  });

  test('no listing source declares a module-level variable or scratch space', () => {
    const root = new URL('../src/', import.meta.url);
    const files = [
      'listing.ts',
      'listing-stream.ts',
      ...readdirSync(new URL('list/', root))
        .filter((name) => name.endsWith('.ts'))
        .map((name) => `list/${name}`),
    ];
    const found: string[] = [];
    for (const file of files) {
      readFileSync(new URL(file, root), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // Top level only: declarations start at column 0. A `Uint8Array` filled at load is a
          // read-only lookup table; scratch arrays, `let`s and stateful expressions are not allowed.
          if (/^(export )?(let|var) /.test(line) || /^(export )?const \w+(: [^=]+)? = new (Int32Array|Float64Array|Map|Set|Recent)\b/.test(line) || /^(export )?const \w+ = \/.*\/[a-z]*[gy]/.test(line)) {
            found.push(`${file}:${i + 1}: ${line}`);
          }
        });
    }
    expect(found).toEqual([]);
  });
});
