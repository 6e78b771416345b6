// requires: parseListing ListingParser
// The listing formats beyond unix and MLSD, inside the bare engine: month tables, CJK dates, time
// zones and the line parser hook must need no host API (no Intl, no clock).
import { equal, test } from 'harness';
import { ListingParser, parseListing } from '@ftpkit/codec';

const now = new Date('2024-06-15T12:00:00Z');

test('each family is detected and read', () => {
  const families = [
    ['vms', ['Directory DKA100:[PUB]', 'WELCOME.TXT;3  2/4  19-MAR-2019 13:30:18  [SYSTEM]  (RWED,RWED,RE,RE)'], 'WELCOME.TXT;3'],
    ['mvs', ['Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname', 'USR003 3390   2024/06/03  1   15  FB      80 27920  PO  USER1.CNTL'], 'USER1.CNTL'],
    ['os400', ['QSYS            77824 02/23/00 15:09:55 *DIR       QOpenSys/'], 'QOpenSys'],
    ['os2', ['                 0           DIR   05-12-97   16:44  PSFONTS'], 'PSFONTS'],
    ['netware', ['d [RWCEAFMS] admin                     512 Nov 10 10:38 Public'], 'Public'],
    ['nonstop', ['PAYROLL       101            18944 12-Apr-24 13:49:32 200,17  "NUNU"'], 'PAYROLL'],
  ];
  for (const [format, lines, name] of families) {
    const result = parseListing(lines.join('\r\n'), { now });
    equal(result.format, format, format);
    equal(result.entries.map((e) => e.name), [name], format);
  }
});

test('month names in other languages and CJK dates', () => {
  const result = parseListing(['-rw-r--r-- 1 u g 6 15. Mär 10:30 de', '-rw-r--r-- 1 u g 6 márc. 15  2023 hu', '-rw-r--r-- 1 u g 6 6月  3日 12:00 ja'].join('\n'), { now });
  equal(result.entries.map((e) => [e.name, e.modifiedAt.toISOString(), e.precision]), [
    ['de', '2024-03-15T10:30:00.000Z', 'minute'],
    ['hu', '2023-03-15T00:00:00.000Z', 'day'],
    ['ja', '2024-06-03T12:00:00.000Z', 'minute'],
  ]);
});

test('the server offset applies to LIST times', () => {
  const entry = parseListing('-rw-r--r-- 1 u g 6 Jun 14 09:30 a\n', { now, timeZoneOffset: 120 }).entries[0];
  equal(entry.modifiedAt.toISOString(), '2024-06-14T07:30:00.000Z');
});

test('an offset function of the date reads each time at its own offset, with no host API', () => {
  // A made-up zone: +02:00 from April to September, +01:00 otherwise (by the wall clock's month).
  const zone = (wall) => (new Date(wall).getUTCMonth() >= 3 && new Date(wall).getUTCMonth() <= 8 ? 120 : 60);
  const text = '-rw-r--r-- 1 u g 6 Jun 14 09:30 summer\n-rw-r--r-- 1 u g 6 Jan 14  2024 winter\n';
  const times = parseListing(text, { now, timeZoneOffset: zone }).entries.map((e) => [e.name, e.modifiedAt.toISOString()]);
  equal(times, [
    ['summer', '2024-06-14T07:30:00.000Z'],
    ['winter', '2024-01-13T23:00:00.000Z'],
  ]);
  const parser = new ListingParser({ now, timeZoneOffset: zone });
  const entries = [...parser.push('01-14-24  09:30AM  6 dos\r\n'), ...parser.end()];
  equal(entries[0].modifiedAt.toISOString(), '2024-01-14T08:30:00.000Z');
});

test('a wrapped VMS record and the line parser hook, streamed', () => {
  const parser = new ListingParser({ parseLine: (line) => (line.startsWith('#') ? null : undefined) });
  const text = '# banner\r\nA_LONG_NAME.TXT;1\r\n   1/4   2-JAN-2020 10:00:00  [U]  (RWED,RWED,RE,RE)\r\n';
  const names = [];
  for (const c of text) for (const entry of parser.push(c)) names.push(entry.name);
  for (const entry of parser.end()) names.push(entry.name);
  equal(names, ['A_LONG_NAME.TXT;1']);
  equal(parser.format, 'vms');
  equal(parser.unparsedCount, 0);
});
