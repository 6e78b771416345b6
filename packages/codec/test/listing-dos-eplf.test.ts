/**
 * DOS/IIS and EPLF listing lines: each format's columns, clocks and facts, and the round trip of
 * generated lines. Unix lines, detection and the public functions are in listing.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type ListingEntry, parseListingLine } from '../src/listing.js';
import { arbDosListingLine } from '../src/testing/listing.js';

/** A parsed entry, which must exist. Entries are plain objects: `toEqual` sees every field. */
function plain(entry: ListingEntry | undefined): ListingEntry {
  expect(entry).toBeDefined();
  return entry!;
}

describe('DOS / IIS lines', () => {
  const dos = (line: string) => parseListingLine(line, 'dos');

  test('IIS directory, 12-hour clock, two-digit year', () => {
    const line = '12-31-20  10:00PM       <DIR>          name';
    expect(plain(dos(line))).toEqual({ name: 'name', type: 'directory', modifiedAt: new Date('2020-12-31T22:00:00Z'), precision: 'minute', raw: line });
  });

  test('IIS file and a 24-hour clock with a four-digit year; names with spaces', () => {
    expect(plain(dos('12-31-20  10:00AM                 1234 report 2020.xlsx'))).toMatchObject({ name: 'report 2020.xlsx', type: 'file', size: 1234 });
    expect(plain(dos('01-02-2020  03:04   1234 a b.txt'))).toMatchObject({
      name: 'a b.txt',
      size: 1234,
      modifiedAt: new Date('2020-01-02T03:04:00Z'),
    });
  });

  test('12 AM is midnight and 12 PM is noon', () => {
    expect(dos('01-01-21  12:00AM                    0 a')?.modifiedAt?.toISOString()).toBe('2021-01-01T00:00:00.000Z');
    expect(dos('01-01-21  12:30PM                    0 a')?.modifiedAt?.toISOString()).toBe('2021-01-01T12:30:00.000Z');
    expect(dos('01-01-21  01:05 pm                   0 a')?.modifiedAt?.toISOString()).toBe('2021-01-01T13:05:00.000Z');
  });

  test('two-digit years pivot like POSIX %y: 69–99 → 19xx, 00–68 → 20xx', () => {
    expect(dos('06-15-68  01:05PM                  512 a')?.modifiedAt?.getUTCFullYear()).toBe(2068);
    expect(dos('06-15-69  01:05PM                  512 a')?.modifiedAt?.getUTCFullYear()).toBe(1969);
    expect(dos('07-04-99  12:30PM              1048576 a')?.modifiedAt?.getUTCFullYear()).toBe(1999);
    expect(dos('07-04-00  12:30PM              1048576 a')?.modifiedAt?.getUTCFullYear()).toBe(2000);
  });

  test('names keep leading spaces: one space after a size, ten after <DIR>', () => {
    expect(dos('12-31-20  10:00PM                 1234  lead')?.name).toBe(' lead');
    expect(dos('12-31-20  10:00PM       <DIR>           lead')?.name).toBe(' lead');
    expect(dos('12-31-20  10:00PM <DIR> short')?.name).toBe('short');
  });

  test.each([
    ['month 13', '13-31-20  10:00PM       <DIR>          a'],
    ['31 April', '04-31-20  10:00PM       <DIR>          a'],
    ['13 PM', '12-31-20  13:00PM       <DIR>          a'],
    ['hour 24', '12-31-2020  24:00       <DIR>          a'],
    ['no name', '12-31-20  10:00PM                 1234 '],
    ['not a size', '12-31-20  10:00PM                 12k4 a'],
    ['unix line', '-rw-r--r-- 1 u g 6 Jan 02  2020 a'],
    ['one-digit month', '1-31-20  10:00PM       <DIR>          a'],
  ])('%s is not a DOS line', (_what, line) => {
    expect(dos(line)).toBeUndefined();
  });

  test('property: generated lines parse to the entry they were made from', () => {
    fc.assert(
      fc.property(arbDosListingLine(), ({ line, expected }) => {
        expect(parseListingLine(line, 'dos')).toStrictEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('EPLF lines', () => {
  const eplf = (line: string) => parseListingLine(line, 'eplf');

  test('a file: r, size, modification time in Unix seconds', () => {
    const line = '+i8388621.48594,m825718503,r,s280,\tdjb.html';
    expect(plain(eplf(line))).toEqual({ name: 'djb.html', type: 'file', size: 280, modifiedAt: new Date(825718503 * 1000), precision: 'second', raw: line });
  });

  test('a directory, permissions, unknown facts, names with spaces and commas', () => {
    expect(plain(eplf('+i8388621.50690,m824255907,/,\t514'))).toMatchObject({ name: '514', type: 'directory' });
    expect(plain(eplf('+up755,/,x-new-fact,\tmy dir, v2'))).toMatchObject({ name: 'my dir, v2', type: 'directory', permissions: 'rwxr-xr-x' });
    expect(plain(eplf('+i1,\tneither'))).toMatchObject({ type: 'unknown' });
    expect(plain(eplf('+r,s6\tno final comma'))).toMatchObject({ type: 'file', size: 6 });
  });

  test.each([
    ['no plus', 'i1,r,s6,\ta'],
    ['no tab', '+i1,r,s6, a'],
    ['no name', '+i1,r,s6,\t'],
    ['bad size', '+r,s6x,\ta'],
    ['bad time', '+r,m-1,\ta'],
    ['bad permissions', '+r,up999,\ta'],
  ])('%s is not an EPLF line', (_what, line) => {
    expect(eplf(line)).toBeUndefined();
  });
});
