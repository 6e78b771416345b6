// Why this file is long: it is data, one record per corpus line, grouped by family.
/**
 * The listing corpus: for every family and shape of listing line the codec reads, real-looking
 * lines and the entry each must give. Written for this project from the formats' documentation
 * (IBM z/OS Communications Server "IP User's Guide and Commands", IBM i "File and directory
 * entries in i5/OS format", the OpenVMS DCL `DIRECTORY` output, the HP NonStop FTP column layout,
 * GNU `ls` and the C library's locale data, Windows `dir`) and from users' bug reports of the
 * shapes they met; not copied from any other project's test suite.
 *
 * Each case is one record (one line, or two for a VMS name wrapped over two lines), the options it
 * is parsed with besides {@link CORPUS_NOW}, and what it must give: an entry (its fields other
 * than `raw`, which is the record's lines joined by `\n`), `'skip'` for a header or trailer that
 * names no entry, or `null` for a line that must be reported as unparsed: an almost-listing line
 * that an entry with made-up fields would misrepresent. `test/listing-corpus.test.ts` runs them.
 */
import type { ListingFormat, ListingTimePrecision, ParseListingOptions } from '../../src/list/types.js';

/** The `now` the corpus is parsed at: year-less dates are placed before it. */
export const CORPUS_NOW = new Date('2024-06-15T12:00:00Z');

/** An expected entry: the fields a line states, `modifiedAt` as an ISO string. */
export interface CorpusEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'unknown';
  readonly size?: number;
  readonly modifiedAt?: string;
  readonly precision?: ListingTimePrecision;
  readonly permissions?: string;
  readonly target?: string;
  readonly owner?: string;
  readonly group?: string;
}

/** One corpus record. */
export interface CorpusCase {
  /** The family (its listing format, or a group of unix shapes). */
  readonly family: string;
  readonly format: ListingFormat;
  /** What the record shows. */
  readonly shape: string;
  readonly lines: readonly string[];
  readonly expected: CorpusEntry | 'skip' | null;
  readonly options?: Omit<ParseListingOptions, 'format' | 'now'>;
}

const rw = 'rw-r--r--';

function unix(shape: string, line: string, expected: CorpusEntry | 'skip' | null, options?: CorpusCase['options']): CorpusCase {
  return { family: 'unix', format: 'unix', shape, lines: [line], expected, ...(options ? { options } : {}) };
}

function dated(shape: string, line: string, expected: CorpusEntry | null): CorpusCase {
  return { family: 'unix dates', format: 'unix', shape, lines: [line], expected };
}

/** A unix file entry owned by `owner`:`group` with mode rw-r--r--. */
function file(name: string, size: number, modifiedAt: string, precision: ListingTimePrecision, owner: string, group = 'users'): CorpusEntry {
  return { name, type: 'file', size, modifiedAt, precision, permissions: rw, owner, group };
}

export const CORPUS: readonly CorpusCase[] = [
  // ---- unix `ls -l` ------------------------------------------------------------------------------
  unix('ACL marker', 'drwxr-xr-x+  5 alice  staff      4096 Mar  3  2023 projects', {
    name: 'projects', type: 'directory', size: 4096, modifiedAt: '2023-03-03T00:00:00Z', precision: 'day', permissions: 'rwxr-xr-x', owner: 'alice', group: 'staff',
  }),
  unix('extended-attribute marker (macOS)', '-rw-r--r--@  1 bob  staff  12288 Jun  2 09:15 .DS_Store', file('.DS_Store', 12288, '2024-06-02T09:15:00Z', 'minute', 'bob', 'staff')),
  unix('SELinux marker', '-rw-r--r--. 1 root root 1024 Feb 10  2022 selinux.conf', file('selinux.conf', 1024, '2022-02-10T00:00:00Z', 'day', 'root', 'root')),
  unix('ACL marker followed directly by the link count', 'drwxrwxr-x+112 build build 12288 May 30 18:02 artifacts', {
    name: 'artifacts', type: 'directory', size: 12288, modifiedAt: '2024-05-30T18:02:00Z', precision: 'minute', permissions: 'rwxrwxr-x', owner: 'build', group: 'build',
  }),
  unix('xattr marker followed directly by the link count', '-rwxr-xr-x@10 carol  staff  4096 Jan  5  2021 tool', {
    name: 'tool', type: 'file', size: 4096, modifiedAt: '2021-01-05T00:00:00Z', precision: 'day', permissions: 'rwxr-xr-x', owner: 'carol', group: 'staff',
  }),
  unix('nine-character mode, no type letter', 'rw-r--r--   1 ftp    ftp      20480 Apr 12  2023 backup.tar', {
    name: 'backup.tar', type: 'unknown', size: 20480, modifiedAt: '2023-04-12T00:00:00Z', precision: 'day', permissions: rw,
  }),
  unix('nine-character mode with the size twice (StingRay)', 'rw-rw-rw-          0   88120320   88120320 Nov  8  2022 install.zip', {
    name: 'install.zip', type: 'unknown', size: 88120320, modifiedAt: '2022-11-08T00:00:00Z', precision: 'day', permissions: 'rw-rw-rw-',
  }),
  unix('contiguous file (C)', 'Crw-r--r--   1 db     db      1048576 Jan  3  2020 contiguous.dat', { ...file('contiguous.dat', 1048576, '2020-01-03T00:00:00Z', 'day', 'db', 'db') }),
  unix('migrated file (M)', 'Mrw-r-----   1 hsm    hsm   734003200 Mar  1  2019 archived.tar', {
    name: 'archived.tar', type: 'file', size: 734003200, modifiedAt: '2019-03-01T00:00:00Z', precision: 'day', permissions: 'rw-r-----', owner: 'hsm', group: 'hsm',
  }),
  unix('socket', 'srwxrwxrwx   1 mysql  mysql         0 Jun 14 07:00 mysql.sock', {
    name: 'mysql.sock', type: 'unknown', size: 0, modifiedAt: '2024-06-14T07:00:00Z', precision: 'minute', permissions: 'rwxrwxrwx', owner: 'mysql', group: 'mysql',
  }),
  unix('FIFO', 'prw-------   1 root   root          0 Jun  1 10:00 initctl', {
    name: 'initctl', type: 'unknown', size: 0, modifiedAt: '2024-06-01T10:00:00Z', precision: 'minute', permissions: 'rw-------', owner: 'root', group: 'root',
  }),
  unix('Solaris door', 'Drw-r--r--   1 root   root          0 Jun 14 06:59 name_service_door', {
    name: 'name_service_door', type: 'unknown', size: 0, modifiedAt: '2024-06-14T06:59:00Z', precision: 'minute', permissions: rw, owner: 'root', group: 'root',
  }),
  unix('numeric owner and group', '-rw-r--r--   1 1000     1000         5120 Dec 24  2023 gift.txt', file('gift.txt', 5120, '2023-12-24T00:00:00Z', 'day', '1000', '1000')),
  unix('no group column', '-rw-------   1 9469            0 May  6  2011 .Xauthority', {
    name: '.Xauthority', type: 'file', size: 0, modifiedAt: '2011-05-06T00:00:00Z', precision: 'day', permissions: 'rw-------', owner: '9469',
  }),
  unix('no owner and no group', '-rw-r--r--   1              512 Jan  1  2020 orphan.bin', {
    name: 'orphan.bin', type: 'file', size: 512, modifiedAt: '2020-01-01T00:00:00Z', precision: 'day', permissions: rw,
  }),
  unix('inode column first (ls -i)', '  1311297 -rw-r--r-- 1 dave users 2048 Oct 10  2022 report.txt', file('report.txt', 2048, '2022-10-10T00:00:00Z', 'day', 'dave')),
  unix('block count first (ls -s)', '   8 -rw-r--r-- 1 dave users 4096 Oct 10  2022 notes.md', file('notes.md', 4096, '2022-10-10T00:00:00Z', 'day', 'dave')),
  unix('inode and block count (ls -is)', '1311298    4 drwxr-xr-x 2 dave users 4096 Jun  1 11:11 src', {
    name: 'src', type: 'directory', size: 4096, modifiedAt: '2024-06-01T11:11:00Z', precision: 'minute', permissions: 'rwxr-xr-x', owner: 'dave', group: 'users',
  }),
  unix('block device, major and minor', 'brw-rw----   1 root   disk     8,   0 Jun 10 08:00 sda', {
    name: 'sda', type: 'unknown', modifiedAt: '2024-06-10T08:00:00Z', precision: 'minute', permissions: 'rw-rw----', owner: 'root', group: 'disk',
  }),
  unix('character device, major and minor in one column', 'crw-r--r--   1 root   root      10,235 Jan  1  2024 autofs', {
    name: 'autofs', type: 'unknown', modifiedAt: '2024-01-01T00:00:00Z', precision: 'day', permissions: rw, owner: 'root', group: 'root',
  }),
  unix('size 2^53 - 1', '-rw-r--r--   1 u      users 9007199254740991 Jan  1  2024 huge.img', file('huge.img', 9007199254740991, '2024-01-01T00:00:00Z', 'day', 'u')),
  unix('size 2^63 - 1: no size rather than a rounded one', '-rw-r--r--   1 u      users 9223372036854775807 Jan  1  2024 sparse.img', {
    name: 'sparse.img', type: 'file', modifiedAt: '2024-01-01T00:00:00Z', precision: 'day', permissions: rw, owner: 'u', group: 'users',
  }),
  unix('name with leading spaces', '-rw-r--r--   1 u      users     10 Jan  1  2024   two spaces', file('  two spaces', 10, '2024-01-01T00:00:00Z', 'day', 'u')),
  unix('file whose name contains " -> "', '-rw-r--r--   1 u      users     10 Jan  1  2024 a -> b.txt', file('a -> b.txt', 10, '2024-01-01T00:00:00Z', 'day', 'u')),
  unix('symlink whose target contains " -> "', 'lrwxrwxrwx   1 u      users      6 Jan  1  2024 x -> y -> z', {
    name: 'x', type: 'symlink', size: 6, modifiedAt: '2024-01-01T00:00:00Z', precision: 'day', permissions: 'rwxrwxrwx', target: 'y -> z', owner: 'u', group: 'users',
  }),
  unix('total line', 'total 48', 'skip'),
  unix('total line, German', 'insgesamt 48', 'skip'),
  unix('total line, Russian', 'итого 12', 'skip'),
  unix('total line, Japanese', '合計 24', 'skip'),
  unix('total line, Chinese', '总用量 1.5M', 'skip'),
  unix('error line inside the listing', "ls: cannot open directory '.': Permission denied", null),
  unix('error line for one entry', 'ls: lost+found: Permission denied', null),
  unix('a stat that failed: no date', '-?????????   ? ?      ?             ?            ? broken', null),
  unix('bad permission letter', '-rwxr-xrwz   1 u      users      6 Jan 02  2020 bad-mode', null),
  unix('permission letters out of their places', 'd-wrxr-xr-x   3 ops    ops     4096 Feb  9  2022 swapped', null),
  unix('owner and group with spaces, the owner column padded', '-rw-r--r--   1 Jane Doe     Sales Team     20480 Feb 14  2023 forecast.xlsx', {
    ...file('forecast.xlsx', 20480, '2023-02-14T00:00:00Z', 'day', 'Jane Doe', 'Sales Team'),
  }),
  unix('NetPresenz (Mac OS): the two fork sizes and their sum', '-rw-r--r--    20480     1536    22016 Sep  9  2019 Budget.xls', {
    name: 'Budget.xls', type: 'file', size: 22016, modifiedAt: '2019-09-09T00:00:00Z', precision: 'day', permissions: rw,
  }),
  unix('NetPresenz folder', 'drwxr-xr-x               folder        0 Oct  3 11:20 Projects', {
    name: 'Projects', type: 'directory', size: 0, modifiedAt: '2023-10-03T11:20:00Z', precision: 'minute', permissions: 'rwxr-xr-x',
  }),
  unix('size not a number', '-rw-r--r--   1 u      users    12K Jan 02  2020 human', null),
  unix('30 February', '-rw-r--r--   1 u      users      6 Feb 30  2020 feb30', null),
  unix('31 June', '-rw-r--r--   1 u      users      6 Jun 31 10:00 jun31', null),
  unix('clock 25:61', '-rw-r--r--   1 u      users      6 Jan 02 25:61 badclock', null),
  unix('size beyond 2^63 - 1', '-rw-r--r--   1 u      users 9223372036854775808 Jan  1  2024 toobig', null),
  unix('server at UTC+02:00', '-rw-r--r--   1 u      users     10 Jun 14 09:30 zoned.txt', file('zoned.txt', 10, '2024-06-14T07:30:00Z', 'minute', 'u'), { timeZoneOffset: 120 }),
  unix('server at UTC-10:00, year-less date read in its zone', '-rw-r--r--   1 u      users     10 Jun 16 11:00 island.txt', file('island.txt', 10, '2023-06-16T21:00:00Z', 'minute', 'u'), {
    timeZoneOffset: -600,
  }),

  // ---- unix dates: numeric and in other languages --------------------------------------------------
  dated('ISO date and time', '-rw-r--r--   1 anna users      100 2024-03-01 12:34 iso.txt', file('iso.txt', 100, '2024-03-01T12:34:00Z', 'minute', 'anna')),
  dated('full-iso with the offset ls prints', '-rw-r--r--   1 anna users      100 2024-03-01 12:34:56.123456789 +0100 full.txt', file('full.txt', 100, '2024-03-01T11:34:56.123Z', 'second', 'anna')),
  dated('ISO date alone', '-rw-r--r--   1 anna users      100 2024-03-01 dayonly.txt', file('dayonly.txt', 100, '2024-03-01T00:00:00Z', 'day', 'anna')),
  dated('recent date of --time-style=iso, no year', '-rw-r--r--   1 anna users      100 05-31 08:45 minutes.txt', file('minutes.txt', 100, '2024-05-31T08:45:00Z', 'minute', 'anna')),
  dated('month 13 in a recent ISO date', '-rw-r--r--   1 anna users      100 13-01 08:45 bad-iso.txt', null),
  dated('date with slashes', '-rw-r--r--   1 anna users      100 1999/10/12 slashed.txt', file('slashed.txt', 100, '1999-10-12T00:00:00Z', 'day', 'anna')),
  dated('date with slashes and a time', '-rw-r--r--   1 anna users      100 1999/10/12 08:30 slashed-time.txt', file('slashed-time.txt', 100, '1999-10-12T08:30:00Z', 'minute', 'anna')),
  dated('German, day first with a dot', '-rw-r--r--   1 anna users     2048 15. Mär 10:30 bericht.pdf', file('bericht.pdf', 2048, '2024-03-15T10:30:00Z', 'minute', 'anna')),
  dated('German, month first', '-rw-r--r--   1 anna users     2048 Dez 24  2023 geschenk.txt', file('geschenk.txt', 2048, '2023-12-24T00:00:00Z', 'day', 'anna')),
  dated('French, day first', '-rw-r--r--   1 luc  users     4096  3 févr. 2023 facture.pdf', file('facture.pdf', 4096, '2023-02-03T00:00:00Z', 'day', 'luc')),
  dated('French, month first', '-rw-r--r--   1 luc  users     4096 août  15 08:00 vacances.jpg', file('vacances.jpg', 4096, '2023-08-15T08:00:00Z', 'minute', 'luc')),
  dated('Spanish', '-rw-r--r--   1 ana  users      512 ene  7  2022 enero.txt', file('enero.txt', 512, '2022-01-07T00:00:00Z', 'day', 'ana')),
  dated('Spanish, December', '-rw-r--r--   1 ana  users      512 dic 31 23:59 nochevieja.txt', file('nochevieja.txt', 512, '2023-12-31T23:59:00Z', 'minute', 'ana')),
  dated('Italian', '-rw-r--r--   1 gio  users      512 gen 12  2021 gennaio.txt', file('gennaio.txt', 512, '2021-01-12T00:00:00Z', 'day', 'gio')),
  dated('Italian, October', '-rw-r--r--   1 gio  users      512 ott  4  2022 ottobre.txt', file('ottobre.txt', 512, '2022-10-04T00:00:00Z', 'day', 'gio')),
  dated('Dutch', '-rw-r--r--   1 jan  users      512 mrt  4  2021 maart.txt', file('maart.txt', 512, '2021-03-04T00:00:00Z', 'day', 'jan')),
  dated('Dutch, May', '-rw-r--r--   1 jan  users      512 mei 20 14:00 mei.txt', file('mei.txt', 512, '2024-05-20T14:00:00Z', 'minute', 'jan')),
  dated('Portuguese', '-rw-r--r--   1 joao users      512 fev 28  2023 fevereiro.txt', file('fevereiro.txt', 512, '2023-02-28T00:00:00Z', 'day', 'joao')),
  dated('Portuguese, October', '-rw-r--r--   1 joao users      512 out  9  2023 outubro.txt', file('outubro.txt', 512, '2023-10-09T00:00:00Z', 'day', 'joao')),
  dated('Swedish', '-rw-r--r--   1 sven users      512 maj 17  2022 maj.txt', file('maj.txt', 512, '2022-05-17T00:00:00Z', 'day', 'sven')),
  dated('Polish', '-rw-r--r--   1 ola  users      512 paź 31  2022 pazdziernik.txt', file('pazdziernik.txt', 512, '2022-10-31T00:00:00Z', 'day', 'ola')),
  dated('Polish, September', '-rw-r--r--   1 ola  users      512 wrz  1 07:45 wrzesien.txt', file('wrzesien.txt', 512, '2023-09-01T07:45:00Z', 'minute', 'ola')),
  dated('Russian', '-rw-r--r--   1 ivan users      512 мар  8  2023 март.txt', file('март.txt', 512, '2023-03-08T00:00:00Z', 'day', 'ivan')),
  dated('Russian, genitive May', '-rw-r--r--   1 ivan users      512 мая  9 10:00 май.txt', file('май.txt', 512, '2024-05-09T10:00:00Z', 'minute', 'ivan')),
  dated('Hungarian', '-rw-r--r--   1 eva  users      512 márc. 15  2023 marcius.txt', file('marcius.txt', 512, '2023-03-15T00:00:00Z', 'day', 'eva')),
  dated('Hungarian, September', '-rw-r--r--   1 eva  users      512 szept. 1 08:00 szeptember.txt', file('szeptember.txt', 512, '2023-09-01T08:00:00Z', 'minute', 'eva')),
  dated('Czech', '-rw-r--r--   1 petr users      512 úno 14  2023 unor.txt', file('unor.txt', 512, '2023-02-14T00:00:00Z', 'day', 'petr')),
  dated('Czech, October', '-rw-r--r--   1 petr users      512 říj 28  2023 rijen.txt', file('rijen.txt', 512, '2023-10-28T00:00:00Z', 'day', 'petr')),
  dated('Japanese, month and day marks', '-rw-r--r--   1 taro users      512  6月  3日 12:00 ja.txt', file('ja.txt', 512, '2024-06-03T12:00:00Z', 'minute', 'taro')),
  dated('Japanese, month mark and a year', '-rw-r--r--   1 taro users      512 12月 31  2023 nen.txt', file('nen.txt', 512, '2023-12-31T00:00:00Z', 'day', 'taro')),
  dated('Japanese, one-column date', '-rw-r--r--   1 taro users      512 2024年6月3日 kanji.txt', file('kanji.txt', 512, '2024-06-03T00:00:00Z', 'day', 'taro')),
  dated('Japanese, one-column date and a time', '-rw-r--r--   1 taro users      512 2023年12月31日 23:59 omisoka.txt', file('omisoka.txt', 512, '2023-12-31T23:59:00Z', 'minute', 'taro')),
  dated('Chinese', '-rw-r--r--   1 li   users      512 3月 12 15:40 zh.txt', file('zh.txt', 512, '2024-03-12T15:40:00Z', 'minute', 'li')),
  dated('Korean', '-rw-r--r--   1 kim  users      512 6월 3일 12:00 ko.txt', file('ko.txt', 512, '2024-06-03T12:00:00Z', 'minute', 'kim')),
  dated('Korean, year column first', '-rw-r--r--   1 kim  users      512 2023년 6월 3일 12:00 ko-year.txt', file('ko-year.txt', 512, '2023-06-03T12:00:00Z', 'minute', 'kim')),
  dated('a month name of no language', '-rw-r--r--   1 anna users      512 Xyz 12  2023 nomonth.txt', null),
  dated('13月', '-rw-r--r--   1 taro users      512 13月  3日 12:00 bad.txt', null),

  // ---- DOS / IIS / Windows dir -----------------------------------------------------------------------
  ...(
    [
      ['IIS directory, 12-hour clock, two-digit year', '04-27-23  09:41AM       <DIR>          inetpub', { name: 'inetpub', type: 'directory', modifiedAt: '2023-04-27T09:41:00Z', precision: 'minute' }],
      ['IIS file', '04-27-23  09:41PM                52718 report.pdf', { name: 'report.pdf', type: 'file', size: 52718, modifiedAt: '2023-04-27T21:41:00Z', precision: 'minute' }],
      ['IIS four-digit year, 24-hour clock', '04-27-2023  21:41                52718 report 2023.pdf', { name: 'report 2023.pdf', type: 'file', size: 52718, modifiedAt: '2023-04-27T21:41:00Z', precision: 'minute' }],
      ['ISO date', '2023-04-27  21:41    <DIR>          logs', { name: 'logs', type: 'directory', modifiedAt: '2023-04-27T21:41:00Z', precision: 'minute' }],
      ['year first with slashes (Japanese dir)', '2023/04/27  21:41    <DIR>          ドキュメント', { name: 'ドキュメント', type: 'directory', modifiedAt: '2023-04-27T21:41:00Z', precision: 'minute' }],
      ['junction with its target', '12/08/2023  10:15 AM    <JUNCTION>     Application Data [C:\\Users\\pat\\AppData\\Roaming]', {
        name: 'Application Data', type: 'symlink', modifiedAt: '2023-12-08T10:15:00Z', precision: 'minute', target: 'C:\\Users\\pat\\AppData\\Roaming',
      }],
      ['directory symlink', '12/08/2023  10:15 AM    <SYMLINKD>     shared [\\\\server\\share]', { name: 'shared', type: 'symlink', modifiedAt: '2023-12-08T10:15:00Z', precision: 'minute', target: '\\\\server\\share' }],
      ['file symlink', '12/08/2023  10:15 PM    <SYMLINK>      latest.log [logs\\2023-12-08.log]', { name: 'latest.log', type: 'symlink', modifiedAt: '2023-12-08T22:15:00Z', precision: 'minute', target: 'logs\\2023-12-08.log' }],
      ['thousands separators', '12/08/2023  10:15 AM         1,234,567 setup.exe', { name: 'setup.exe', type: 'file', size: 1234567, modifiedAt: '2023-12-08T10:15:00Z', precision: 'minute' }],
      ['German dir: day first with dots, dot separators', '08.12.2023  10:15         1.234.567 Setup.exe', { name: 'Setup.exe', type: 'file', size: 1234567, modifiedAt: '2023-12-08T10:15:00Z', precision: 'minute' }],
      ['clock with seconds', '04-27-2023  21:41:07               100 with-seconds.txt', { name: 'with-seconds.txt', type: 'file', size: 100, modifiedAt: '2023-04-27T21:41:07Z', precision: 'second' }],
      ['size beyond 2^53 - 1', '04-27-2023  21:41     18446744073709551 sparse.vhdx', { name: 'sparse.vhdx', type: 'file', modifiedAt: '2023-04-27T21:41:00Z', precision: 'minute' }],
      ['dir header: volume', ' Volume in drive C has no label.', 'skip'],
      ['dir header: serial number', ' Volume Serial Number is 5A3C-1F2E', 'skip'],
      ['dir header: directory', ' Directory of C:\\inetpub\\ftproot', 'skip'],
      ['dir summary: files', '               2 File(s)      1,234,615 bytes', 'skip'],
      ['dir summary: directories', '               3 Dir(s)  52,428,800,000 bytes free', 'skip'],
      ['month 13', '13-01-23  09:41AM       <DIR>          month13', null],
      ['30 February', '02-30-23  09:41AM                  100 feb30', null],
      ['separator not in groups of three', '04-27-23  09:41AM                12,34 badsep', null],
      ['13 PM', '04-27-23  13:41PM                    1 pm13', null],
      ['size not a number', '04-27-23  09:41AM                 12k4 human', null],
    ] as const
  ).map(([shape, line, expected]): CorpusCase => ({ family: 'dos', format: 'dos', shape, lines: [line], expected })),
  { family: 'dos', format: 'dos', shape: 'UK dir, day first (dateOrder dmy)', lines: ['24/12/2023  18:00             2,048 christmas.txt'], expected: { name: 'christmas.txt', type: 'file', size: 2048, modifiedAt: '2023-12-24T18:00:00Z', precision: 'minute' }, options: { dateOrder: 'dmy' } },
  { family: 'dos', format: 'dos', shape: 'server at UTC+05:30', lines: ['04-27-23  09:41AM                  100 india.txt'], expected: { name: 'india.txt', type: 'file', size: 100, modifiedAt: '2023-04-27T04:11:00Z', precision: 'minute' }, options: { timeZoneOffset: 330 } },

  // ---- OpenVMS ----------------------------------------------------------------------------------------
  ...(
    [
      ['directory header', ['Directory DKA100:[ANONYMOUS]'], 'skip'],
      ['file with size, date, owner identifier, protection', ['WELCOME.TXT;3             2/4     19-MAR-2019 13:30:18  [SYSTEM]          (RWED,RWED,RE,RE)'], {
        name: 'WELCOME.TXT;3', type: 'file', modifiedAt: '2019-03-19T13:30:18Z', precision: 'second', permissions: 'RWED,RWED,RE,RE', owner: 'SYSTEM',
      }],
      ['directory, UIC with group and member', ['PUB.DIR;1                 1/4      2-JAN-2018 09:15:00  [ADMIN,FTP]       (RWE,RWE,RE,RE)'], {
        name: 'PUB', type: 'directory', modifiedAt: '2018-01-02T09:15:00Z', precision: 'second', permissions: 'RWE,RWE,RE,RE', owner: 'FTP', group: 'ADMIN',
      }],
      ['name wrapped onto a line of its own, rest indented', ['A_FILE_NAME_TOO_LONG_FOR_ITS_COLUMN.DAT;12', '                         64/66     4-MAR-2019 00:04     [USR,USRGROUP]    (RWED,RWED,RWED,R)'], {
        name: 'A_FILE_NAME_TOO_LONG_FOR_ITS_COLUMN.DAT;12', type: 'file', modifiedAt: '2019-03-04T00:04:00Z', precision: 'minute', permissions: 'RWED,RWED,RWED,R', owner: 'USRGROUP', group: 'USR',
      }],
      ['name wrapped, rest not indented (MultiNet), size without allocation', ['CUSTOMER_MASTER_2019.DAT;1', '102  28-APR-2013 23:12 [USR,USRGROUP] (RWED,RWED,RWED,R)'], {
        name: 'CUSTOMER_MASTER_2019.DAT;1', type: 'file', modifiedAt: '2013-04-28T23:12:00Z', precision: 'minute', permissions: 'RWED,RWED,RWED,R', owner: 'USRGROUP', group: 'USR',
      }],
      ['hundredths of a second, numeric UIC', ['LOGIN.COM;5                3       10-JAN-2024 12:34:56.78  [1,4]  (RWED,RWED,RE,)'], {
        name: 'LOGIN.COM;5', type: 'file', modifiedAt: '2024-01-10T12:34:56.780Z', precision: 'second', permissions: 'RWED,RWED,RE,', owner: '4', group: '1',
      }],
      ['size only (DIRECTORY/SIZE)', ['NOTES.TXT;1               17'], { name: 'NOTES.TXT;1', type: 'file' }],
      ['no owner or protection', ['BUILD.LOG;27            250/252   5-JUN-2024 17:45:02'], { name: 'BUILD.LOG;27', type: 'file', modifiedAt: '2024-06-05T17:45:02Z', precision: 'second' }],
      ['status message in place of the attributes', ['SECRET.DAT;1              %RMS-E-PRV, insufficient privilege or file protection violation'], { name: 'SECRET.DAT;1', type: 'file' }],
      ['lower-case ODS-5 name', ['readme.md;1               1/16     1-FEB-2024 08:00:00  [ALICE]  (RWED,RWED,RE,)'], {
        name: 'readme.md;1', type: 'file', modifiedAt: '2024-02-01T08:00:00Z', precision: 'second', permissions: 'RWED,RWED,RE,', owner: 'ALICE',
      }],
      ['trailer', ['Total of 5 files, 322/346 blocks.'], 'skip'],
      ['grand total', ['Grand total of 2 directories, 9 files, 400/420 blocks.'], 'skip'],
      ['31 April', ['BAD.TXT;1                 2/4     31-APR-2019 10:00:00  [SYSTEM]  (RWED,RWED,RE,RE)'], null],
      ['a month that is not one', ['BAD.TXT;2                 2/4     12-FOO-2019 10:00:00  [SYSTEM]  (RWED,RWED,RE,RE)'], null],
      ['an unclosed owner', ['BAD.TXT;3                 2/4     12-MAR-2019 10:00:00  [SYSTEM  (RWED,RWED,RE,RE)'], null],
      ['a protection letter VMS does not have', ['BAD.TXT;4                 2/4     12-MAR-2019 10:00:00  [SYSTEM]  (RWED,RWEX,RE,RE)'], null],
      ['a protection of two classes', ['BAD.TXT;5                 2/4     12-MAR-2019 10:00:00  [SYSTEM]  (RWED,RWED)'], null],
      ['a name alone that no record follows', ['ORPHAN.TXT;1'], null],
    ] as const
  ).map(([shape, lines, expected]): CorpusCase => ({ family: 'vms', format: 'vms', shape, lines, expected })),
  { family: 'vms', format: 'vms', shape: 'server at UTC+01:00', lines: ['ZONED.TXT;1   1/4   2-JAN-2018 09:15:00  [FTP]  (RWED,RWED,RE,RE)'], expected: { name: 'ZONED.TXT;1', type: 'file', modifiedAt: '2018-01-02T08:15:00Z', precision: 'second', permissions: 'RWED,RWED,RE,RE', owner: 'FTP' }, options: { timeZoneOffset: 60 } },

  // ---- IBM z/OS: data sets, members, load modules, the JES spool ---------------------------------------
  ...(
    [
      ['data set header', 'Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname', 'skip'],
      ['partitioned data set', 'USR003 3390   2024/06/03  1   15  FB      80 27920  PO  USER1.SOURCE.CNTL', { name: 'USER1.SOURCE.CNTL', type: 'directory' }],
      ['sequential data set', 'USR004 3390   2024/05/28  2   45  VB     255 27998  PS  USER1.LOG.DATA', { name: 'USER1.LOG.DATA', type: 'file' }],
      ['PDS/E (LISTLEVEL 1)', 'USR005 3390   2024/06/10  1    3  U        0 32760  PO-E  USER1.LOAD', { name: 'USER1.LOAD', type: 'directory' }],
      ['no unit column (z/OS 2.3 and later)', 'USR006 2024/01/02  1    1  FBA    133  1330  PS  USER1.REPORT.LIST', { name: 'USER1.REPORT.LIST', type: 'file' }],
      ['old Date column, MM/DD/YY', 'SYS001 3380K 11/23/98  1    2  FB      80  6160  PS  PAYROLL.JCL', { name: 'PAYROLL.JCL', type: 'file' }],
      ['extents and tracks run together', 'USR009 3390   2024/02/20  2123456  VB     255 27998  PS  USER1.BIG.LOG', { name: 'USER1.BIG.LOG', type: 'file' }],
      ['tracks too many for their column', 'USR010 3390   2024/02/21  3+++++  VBS  32760 27998  PS  USER1.HUGE.DUMP', { name: 'USER1.HUGE.DUMP', type: 'file' }],
      ['never referred to', 'USR007 3390   **NONE**    1    1  VB     255 27998  PS  USER1.NEVER.READ', { name: 'USER1.NEVER.READ', type: 'file' }],
      ['VSAM cluster', 'USR008 3390   2024/03/01  3   90  ?         ?     ?  VSAM  USER1.CUSTOMER.KSDS', { name: 'USER1.CUSTOMER.KSDS', type: 'unknown' }],
      ['migrated data set', 'Migrated                                                USER1.OLD.DATA', { name: 'USER1.OLD.DATA', type: 'unknown' }],
      ['pseudo directory (a qualifier level)', 'Pseudo Directory                                        USER1.TEST', { name: 'USER1.TEST', type: 'directory' }],
      ['tape data set', 'TAPE01 Not Direct Access Device                         USER1.BACKUP.G0001V00', { name: 'USER1.BACKUP.G0001V00', type: 'unknown' }],
      ['member header', ' Name     VV.MM   Created       Changed      Size  Init   Mod   Id', 'skip'],
      ['member with ISPF statistics', 'PAYROLL   01.04 2023/11/02 2024/06/03 14:52    76    70     3 USER1', { name: 'PAYROLL', type: 'file', modifiedAt: '2024-06-03T14:52:00Z', precision: 'minute', owner: 'USER1' }],
      ['member with seconds in its statistics', '#INIT     01.00 2024/01/15 2024/01/15 08:01:33    12    12     0 OPER2', { name: '#INIT', type: 'file', modifiedAt: '2024-01-15T08:01:33Z', precision: 'second', owner: 'OPER2' }],
      ['member without statistics', 'README', { name: 'README', type: 'file' }],
      ['load module header', ' Name      Size   TTR   Alias-of AC --------- Attributes --------- Amode Rmode', 'skip'],
      ['load module', 'IEFBR14   000008 00000F           01 FO             RN RU            31    ANY', { name: 'IEFBR14', type: 'file' }],
      ['load module alias', 'BR14      000008 00000F IEFBR14   01 FO             RN RU            31    ANY', { name: 'BR14', type: 'file' }],
      ['JES header', 'JOBNAME  JOBID    OWNER    STATUS CLASS', 'skip'],
      ['JES job, finished', 'PAYRUN   JOB01234 OPER1    OUTPUT A        RC=0000 3 spool files', { name: 'JOB01234', type: 'file', owner: 'OPER1' }],
      ['JES job, held, seven-digit id', 'PAYTEST  J0012345 OPER1    INPUT  A        -HELD-', { name: 'J0012345', type: 'file', owner: 'OPER1' }],
      ['JES TSO session', 'OPER1    TSU00077 OPER1    ACTIVE TSU', { name: 'TSU00077', type: 'file', owner: 'OPER1' }],
      ['JES job, abended', 'NIGHTLY  JOB00991 BATCH1   OUTPUT B        ABEND=S0C4 4 spool files', { name: 'JOB00991', type: 'file', owner: 'BATCH1' }],
      ['JES job, JCL error', 'BADJOB   JOB00992 BATCH1   OUTPUT A        (JCL error) 2 spool files', { name: 'JOB00992', type: 'file', owner: 'BATCH1' }],
      ['JES level 1 job', 'PAYRUN   JOB01235 OUTPUT 3 spool Files', { name: 'JOB01235', type: 'file' }],
      ['JES level 1 job, waiting', 'PAYTEST  JOB01236 INPUT', { name: 'JOB01236', type: 'file' }],
      ['JES separator', '--------', 'skip'],
      ['JES spool file header', '         ID  STEPNAME PROCSTEP C DDNAME   BYTE-COUNT', 'skip'],
      ['JES spool file', '         001 JES2              A JESMSGLG      1187', { name: '001', type: 'file', size: 1187 }],
      ['JES spool file of a procedure step', '         004 STEP1    COMPILE  A SYSPRINT     20480', { name: '004', type: 'file', size: 20480 }],
      ['JES spool file count', '3 spool files', 'skip'],
      ['member with 13th month', 'PAYROLL   01.04 2023/13/02 2024/06/03 14:52    76    70     3 USER1', null],
      ['data set with an unknown organisation', 'USR003 3390   2024/06/03  1   15  FB      80 27920  XX  USER1.ODD', null],
      ['job with an unknown status', 'PAYRUN   JOB01237 OPER1    PAUSED A', null],
    ] as const
  ).map(([shape, line, expected]): CorpusCase => ({ family: 'mvs', format: 'mvs', shape, lines: [line], expected })),
  { family: 'mvs', format: 'mvs', shape: 'member, server at UTC-05:00', lines: ['PAYROLL   01.04 2023/11/02 2024/06/03 14:52    76    70     3 USER1'], expected: { name: 'PAYROLL', type: 'file', modifiedAt: '2024-06-03T19:52:00Z', precision: 'minute', owner: 'USER1' }, options: { timeZoneOffset: -300 } },

  // ---- IBM i (OS/400) ---------------------------------------------------------------------------------
  ...(
    [
      ['directory', 'QSYS            77824 02/23/00 15:09:55 *DIR       QOpenSys/', { name: 'QOpenSys', type: 'directory', size: 77824, modifiedAt: '2000-02-23T15:09:55Z', precision: 'second', owner: 'QSYS' }],
      ['database file (*FILE: members or a save file)', 'OPER1         5263360 06/11/97 12:27:39 *FILE      BPTFSAVF', { name: 'BPTFSAVF', type: 'unknown', size: 5263360, modifiedAt: '1997-06-11T12:27:39Z', precision: 'second', owner: 'OPER1' }],
      ['member: no size, no date', 'OPER1                                   *MEM       MYLIB/SRC.FILE/PAYROLL.MBR', { name: 'MYLIB/SRC.FILE/PAYROLL.MBR', type: 'file', owner: 'OPER1' }],
      ['folder', 'QDOC            24576 09/24/99 10:13:20 *FLR       QDOC/', { name: 'QDOC', type: 'directory', size: 24576, modifiedAt: '1999-09-24T10:13:20Z', precision: 'second', owner: 'QDOC' }],
      ['stream file', 'WEBADM          12288 06/29/23 13:52:16 *STMF      index.html', { name: 'index.html', type: 'file', size: 12288, modifiedAt: '2023-06-29T13:52:16Z', precision: 'second', owner: 'WEBADM' }],
      ['name with blanks', 'WEBADM           4096 01/05/24 09:00:00 *STMF      My Report 2024.txt', { name: 'My Report 2024.txt', type: 'file', size: 4096, modifiedAt: '2024-01-05T09:00:00Z', precision: 'second', owner: 'WEBADM' }],
      ['anonymous session: no owner', '                 4096 01/05/24 09:00:00 *DIR       pub/', { name: 'pub', type: 'directory', size: 4096, modifiedAt: '2024-01-05T09:00:00Z', precision: 'second' }],
      ['library', 'QSYS           819200 03/11/24 02:10:44 *LIB       QGPL', { name: 'QGPL', type: 'directory', size: 819200, modifiedAt: '2024-03-11T02:10:44Z', precision: 'second', owner: 'QSYS' }],
      ['symbolic link', 'OPER1              12 01/05/24 09:00:00 *SYMLNK    current', { name: 'current', type: 'symlink', size: 12, modifiedAt: '2024-01-05T09:00:00Z', precision: 'second', owner: 'OPER1' }],
      ['program', 'OPER1           40960 01/05/24 09:00:00 *PGM       PAYCALC', { name: 'PAYCALC', type: 'unknown', size: 40960, modifiedAt: '2024-01-05T09:00:00Z', precision: 'second', owner: 'OPER1' }],
      ['impossible date', 'OPER1            2048 13/45/23 18:00:00 *STMF      bad.txt', null],
      ['owner that is no profile name', 'oper-1           2048 01/05/24 09:00:00 *STMF      bad.txt', null],
    ] as const
  ).map(([shape, line, expected]): CorpusCase => ({ family: 'os400', format: 'os400', shape, lines: [line], expected })),
  { family: 'os400', format: 'os400', shape: 'job date format *DMY (dateOrder dmy)', lines: ['OPER1            2048 24/12/23 18:00:00 *STMF      noel.txt'], expected: { name: 'noel.txt', type: 'file', size: 2048, modifiedAt: '2023-12-24T18:00:00Z', precision: 'second', owner: 'OPER1' }, options: { dateOrder: 'dmy' } },
  { family: 'os400', format: 'os400', shape: 'job date format *YMD, time separator "."', lines: ['OPER1            2048 23-12-24 18.00.00 *STMF      ymd.txt'], expected: { name: 'ymd.txt', type: 'file', size: 2048, modifiedAt: '2023-12-24T18:00:00Z', precision: 'second', owner: 'OPER1' }, options: { dateOrder: 'ymd' } },
  { family: 'os400', format: 'os400', shape: 'server at UTC+09:00', lines: ['WEBADM          12288 06/29/23 13:52:16 *STMF      tokyo.html'], expected: { name: 'tokyo.html', type: 'file', size: 12288, modifiedAt: '2023-06-29T04:52:16Z', precision: 'second', owner: 'WEBADM' }, options: { timeZoneOffset: 540 } },

  // ---- OS/2 ----------------------------------------------------------------------------------------------
  ...(
    [
      ['directory', '                 0           DIR   05-12-97   16:44  PSFONTS', { name: 'PSFONTS', type: 'directory', modifiedAt: '1997-05-12T16:44:00Z', precision: 'minute' }],
      ['archive attribute', '             32768      A          11-03-24   09:02  CONFIG.SYS', { name: 'CONFIG.SYS', type: 'file', size: 32768, modifiedAt: '2024-11-03T09:02:00Z', precision: 'minute' }],
      ['two attributes, name with a blank', '              1024     RA          11-03-24   09:02  read only.txt', { name: 'read only.txt', type: 'file', size: 1024, modifiedAt: '2024-11-03T09:02:00Z', precision: 'minute' }],
      ['no attributes', '            345678                 01-15-98   23:59  OS2KRNL', { name: 'OS2KRNL', type: 'file', size: 345678, modifiedAt: '1998-01-15T23:59:00Z', precision: 'minute' }],
      ['size filling its column', '1234567890      A          02-29-24   12:00  BIG.ZIP', { name: 'BIG.ZIP', type: 'file', size: 1234567890, modifiedAt: '2024-02-29T12:00:00Z', precision: 'minute' }],
      ['four-digit year', '                 0           DIR   01-20-2003 08:15  ARCHIVE', { name: 'ARCHIVE', type: 'directory', modifiedAt: '2003-01-20T08:15:00Z', precision: 'minute' }],
      ['30 February', '               100      A          02-30-24   12:00  BADDATE.TXT', null],
      ['an attribute OS/2 does not have', '               100      Q          02-10-24   12:00  BADATTR.TXT', null],
    ] as const
  ).map(([shape, line, expected]): CorpusCase => ({ family: 'os2', format: 'os2', shape, lines: [line], expected })),

  // ---- NetWare -------------------------------------------------------------------------------------------
  ...(
    [
      ['directory, year-less date', 'd [RWCEAFMS] admin                     512 Nov 10 10:38 Public', { name: 'Public', type: 'directory', modifiedAt: '2023-11-10T10:38:00Z', precision: 'minute', permissions: 'RWCEAFMS', owner: 'admin' }],
      ['file, date with a year', '- [R----F--] jsmith                1048576 Mar  2  2001 report.doc', { name: 'report.doc', type: 'file', size: 1048576, modifiedAt: '2001-03-02T00:00:00Z', precision: 'day', permissions: 'R----F--', owner: 'jsmith' }],
      ['spaces before the name', 'd [-WCE----] backup                  512       Jan 16 18:53    Archive', { name: 'Archive', type: 'directory', modifiedAt: '2024-01-16T18:53:00Z', precision: 'minute', permissions: '-WCE----', owner: 'backup' }],
      ['a right NetWare does not have', '- [RWX-----] jsmith                     12 Jan  1  2020 x', null],
      ['30 February', '- [R----F--] jsmith                     12 Feb 30  2020 x', null],
    ] as const
  ).map(([shape, line, expected]): CorpusCase => ({ family: 'netware', format: 'netware', shape, lines: [line], expected })),

  // ---- HP NonStop (Tandem) -------------------------------------------------------------------------------
  ...(
    [
      ['header', 'File         Code             EOF  Last Modification    Owner  RWEP', 'skip'],
      ['edit file', 'PAYROLL       101            18944 12-Apr-24 13:49:32 200,17  "NUNU"', { name: 'PAYROLL', type: 'file', size: 18944, modifiedAt: '2024-04-12T13:49:32Z', precision: 'second', permissions: 'NUNU', owner: '17', group: '200' }],
      ['program', 'RUNJOB        100           131072 02-Jan-23 08:00:00 255,255 "OOOO"', { name: 'RUNJOB', type: 'file', size: 131072, modifiedAt: '2023-01-02T08:00:00Z', precision: 'second', permissions: 'OOOO', owner: '255', group: '255' }],
      ['owner with a space after the comma', 'EDITLOG       101             2048 27-Aug-02 13:57:10 155, 76 "AGAG"', { name: 'EDITLOG', type: 'file', size: 2048, modifiedAt: '2002-08-27T13:57:10Z', precision: 'second', permissions: 'AGAG', owner: '76', group: '155' }],
      ['super-user only security', 'SECRET          0             1024 01-Feb-24 00:00:01 255,255 "----"', { name: 'SECRET', type: 'file', size: 1024, modifiedAt: '2024-02-01T00:00:01Z', precision: 'second', permissions: '----', owner: '255', group: '255' }],
      ['31 February', 'BADDATE       101               10 31-Feb-24 00:00:00 1,1     "NUNU"', null],
      ['security string of three letters', 'BADSEC        101               10 01-Feb-24 00:00:00 1,1     "NUN"', null],
    ] as const
  ).map(([shape, line, expected]): CorpusCase => ({ family: 'nonstop', format: 'nonstop', shape, lines: [line], expected })),
  { family: 'nonstop', format: 'nonstop', shape: 'server at UTC+03:00', lines: ['PAYROLL       101            18944 12-Apr-24 13:49:32 200,17  "NUNU"'], expected: { name: 'PAYROLL', type: 'file', size: 18944, modifiedAt: '2024-04-12T10:49:32Z', precision: 'second', permissions: 'NUNU', owner: '17', group: '200' }, options: { timeZoneOffset: 180 } },
];
