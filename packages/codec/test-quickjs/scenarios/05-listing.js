// requires: parseListing
// Directory listings parsed inside the bare engine (unix `ls -l` lines, as vsftpd sends them).
import { assert, equal, test } from 'harness';
import { parseListing } from '@ftpkit/codec';

const unix = [
  'total 12',
  'drwxr-xr-x    2 ftp      ftp          4096 Mar 04  2021 pub',
  '-rw-r--r--    1 ftp      ftp        123456 Jan 12 09:30 report.csv',
  '-rw-r--r--    1 ftp      ftp            42 Jan 12 09:31 name with spaces.txt',
  'lrwxrwxrwx    1 ftp      ftp            11 Feb 01  2020 latest -> pub/v2.tar',
  'drwxr-xr-x    2 ftp      ftp          4096 Mar 04  2021 .',
  'drwxr-xr-x    2 ftp      ftp          4096 Mar 04  2021 ..',
  '',
].join('\r\n');

const result = parseListing(unix);
const byName = new Map(result.entries.map((e) => [e.name, e]));

test('the format is detected as unix', () => {
  equal(result.format, 'unix');
});

test('four entries; `.`, `..` and `total` are not entries; nothing unparsed', () => {
  equal(result.entries.map((e) => e.name), ['pub', 'report.csv', 'name with spaces.txt', 'latest']);
  equal(result.unparsed.length, 0, 'unparsed lines');
});

test('types, sizes and symlink target', () => {
  equal(byName.get('pub').type, 'directory');
  equal(byName.get('report.csv').type, 'file');
  equal(byName.get('report.csv').size, 123456);
  equal(byName.get('latest').type, 'symlink');
  equal(byName.get('latest').target, 'pub/v2.tar');
});

test('each entry keeps its raw line', () => {
  equal(byName.get('name with spaces.txt').raw, '-rw-r--r--    1 ftp      ftp            42 Jan 12 09:31 name with spaces.txt');
});

test('a date with a year has that year', () => {
  const when = byName.get('pub').modifiedAt;
  assert(when !== undefined, 'modifiedAt present');
  const d = when instanceof Date ? when : new Date(when);
  equal(d.getUTCFullYear(), 2021);
});

test('entries are frozen plain objects: spread and JSON carry modifiedAt', () => {
  const entry = byName.get('pub');
  assert(Object.isFrozen(entry), 'frozen');
  assert({ ...entry }.modifiedAt instanceof Date, 'spread keeps modifiedAt');
  equal(JSON.parse(JSON.stringify(entry)).modifiedAt, '2021-03-04T00:00:00.000Z');
});

test('a line that fits no format is reported, not dropped', () => {
  const mixed = parseListing(`${unix}this is not a listing line\r\n`);
  equal(mixed.entries.length, 4);
  assert(mixed.unparsed.length === 1, `one unparsed line, got ${JSON.stringify(mixed.unparsed)}`);
});

test('a year-less date takes its year from `now`', () => {
  const { entries } = parseListing(unix, { now: new Date(Date.UTC(2026, 10, 25, 12, 0, 0)) });
  const report = entries.find((e) => e.name === 'report.csv');
  equal(report.modifiedAt.toISOString(), '2026-01-12T09:30:00.000Z');
});

test('an MLSD listing, with cdir and pdir left out', () => {
  const mlsd = [
    'type=cdir;modify=20240101120000;perm=flcdmpe; .',
    'type=pdir;modify=20240101120000;perm=flcdmpe; ..',
    'modify=20240304142200;perm=adfr;size=1024;type=file;unique=FD00U1;UNIX.mode=0644; my report; v2.csv',
    'modify=20230101000000.5;perm=flcdmpe;type=dir;unique=FD00U2; sub dir',
    '',
  ].join('\r\n');
  const result = parseListing(mlsd);
  equal(result.format, 'mlsd');
  equal(result.unparsed.length, 0, 'unparsed lines');
  equal(result.entries.map((e) => [e.name, e.type, e.size]), [
    ['my report; v2.csv', 'file', 1024],
    ['sub dir', 'directory', undefined],
  ]);
  equal(result.entries[0].modifiedAt.toISOString(), '2024-03-04T14:22:00.000Z');
  equal(result.entries[1].modifiedAt.toISOString(), '2023-01-01T00:00:00.500Z');
  equal(result.entries[0].facts.get('unique'), 'FD00U1');
  equal(JSON.parse(JSON.stringify(result.entries[0])).facts['unix.mode'], '0644');
});
