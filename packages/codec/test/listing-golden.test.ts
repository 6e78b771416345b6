/**
 * Golden tests: the LIST, MLSD, MLST, STAT and MDTM answers of real servers (vsftpd, ProFTPD,
 * Pure-FTPd, pyftpdlib, ftp-srv), captured on loopback into test/fixtures/servers/, parsed and
 * compared entry by entry; plus IIS and EPLF samples written in their documented formats
 * (test/fixtures/listings/).
 *
 * The captures were taken at 2026-11-25 15:58 UTC over a fixture tree touched to 2026-11-25 15:40
 * UTC, except hello.txt at 2020-01-02 03:04:05 UTC; `ls`-style listings show the former without a
 * year (so `now` is the capture time) and the latter to the day only.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FtpReplyError } from '../src/errors.js';
import { type ListingEntry, parseListing, parseStatListing } from '../src/listing.js';
import { parseMlstReply } from '../src/list/mlsd.js';
import type { Reply } from '../src/reply.js';
import { ReplyParser } from '../src/reply-parser.js';
import { parseMdtmReply } from '../src/time.js';

const NOW = new Date('2026-11-25T15:58:00Z');
const RECENT = '2026-11-25T15:40:00.000Z';
const HELLO_DAY = '2020-01-02T00:00:00.000Z';
const HELLO = '2020-01-02T03:04:05.000Z';

type Server = 'vsftpd' | 'proftpd' | 'pure-ftpd' | 'pyftpdlib' | 'ftp-srv';

/** One command of a transcript: the server's reply lines and, for transfers, the data lines. */
interface Exchange {
  readonly session: string;
  readonly command: string;
  readonly replyLines: string[];
  readonly data: string[] | undefined;
}

/**
 * Read a transcript: `## session`, `> COMMAND`, `< reply line`, and after a transfer a
 * `[data N bytes; lines as JSON strings incl. line ending]` marker followed by one JSON string per
 * data line.
 */
function transcript(server: Server): Exchange[] {
  const text = readFileSync(new URL(`./fixtures/servers/${server}.txt`, import.meta.url), 'utf8');
  const out: Exchange[] = [];
  let session = '';
  let current: Exchange | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      session = line.slice(3);
      current = undefined;
    } else if (line.startsWith('> ')) {
      current = { session, command: line.slice(2), replyLines: [], data: undefined };
      out.push(current);
    } else if (line.startsWith('< ') && current !== undefined) {
      current.replyLines.push(line.slice(2));
    } else if (line.startsWith('  [data ') && line.includes('lines as JSON') && current !== undefined) {
      (current as { data: string[] | undefined }).data = [];
    } else if (line.startsWith('  "') && current?.data !== undefined) {
      current.data.push(JSON.parse(line.trim()) as string);
    }
  }
  return out;
}

/** The exchange for `command` in the first session ("user ftpuser, plain"). */
function exchange(server: Server, command: string): Exchange {
  const all = transcript(server);
  const found = all.find((e) => e.session === all[0]!.session && e.command === command);
  if (found === undefined) throw new Error(`${server}: no ${command}`);
  return found;
}

/** The data of a LIST or MLSD transfer, exactly as received. */
function dataOf(server: Server, command: string): string {
  const data = exchange(server, command).data;
  if (data === undefined) throw new Error(`${server}: ${command} transferred no data`);
  return data.join('');
}

/** The (last) reply to a command, framed by the real reply parser from the captured lines. */
function replyOf(server: Server, command: string): Reply {
  const lines = exchange(server, command).replyLines;
  const replies = new ReplyParser().push(new TextEncoder().encode(lines.map((l) => `${l}\r\n`).join('')));
  const last = replies.at(-1);
  if (last === undefined) throw new Error(`${server}: no reply to ${command}`);
  return last;
}

/** name, type, size, modifiedAt, target: the fields every format states. */
type Row = [string, ListingEntry['type'], number | undefined, string | undefined, string | undefined];

function rows(entries: readonly ListingEntry[]): Row[] {
  return entries.map((e) => [e.name, e.type, e.size, e.modifiedAt?.toISOString(), e.target]);
}

/** The fixture tree as `ls -l` shows it (servers that list symlinks as links). */
const LS_ROWS: Row[] = [
  ['dir with space', 'directory', 4096, RECENT, undefined],
  ['file with space.txt', 'file', 2, RECENT, undefined],
  ['hello.txt', 'file', 6, HELLO_DAY, undefined],
  ['link-to-hello', 'symlink', 9, RECENT, 'hello.txt'],
  ['link-to-sub', 'symlink', 3, RECENT, 'sub'],
  ['small.bin', 'file', 4096, RECENT, undefined],
  ['sub', 'directory', 4096, RECENT, undefined],
  ['ünïcödé.txt', 'file', 2, RECENT, undefined],
];
const HIDDEN: Row = ['.hidden', 'file', 2, RECENT, undefined];

describe('LIST', () => {
  test.each([
    ['vsftpd', '1001', '1001'],
    ['proftpd', 'ftpuser', 'ftpuser'],
    ['pure-ftpd', '1001', 'ftpuser'],
  ] as const)('%s: every entry, with owner and group', (server, owner, group) => {
    const result = parseListing(dataOf(server, 'LIST'), { now: NOW });
    expect(result.format).toBe('unix');
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual(LS_ROWS);
    for (const entry of result.entries) expect([entry.owner, entry.group]).toEqual([owner, group]);
    expect(result.entries.map((e) => e.permissions)).toEqual(['rwxr-xr-x', 'rw-r--r--', 'rw-r--r--', 'rwxrwxrwx', 'rwxrwxrwx', 'rw-r--r--', 'rwxr-xr-x', 'rw-r--r--']);
  });

  test.each(['vsftpd', 'proftpd', 'pure-ftpd'] as const)('%s: LIST -a lists . and .., which are left out', (server) => {
    const data = dataOf(server, 'LIST -a');
    expect(data).toMatch(/ \.\.\r\n/);
    const result = parseListing(data, { now: NOW });
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([HIDDEN, ...LS_ROWS]);
  });

  test('pyftpdlib: dotfiles always, names as owner and group', () => {
    const result = parseListing(dataOf('pyftpdlib', 'LIST'), { now: NOW });
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([HIDDEN, ...LS_ROWS]);
    expect(result.entries[0]).toMatchObject({ owner: 'ftpuser', group: 'ftpuser' });
  });

  test('ftp-srv: single-space columns, symlinks followed (listed as what they point to)', () => {
    const result = parseListing(dataOf('ftp-srv', 'LIST'), { now: NOW });
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([
      HIDDEN,
      ['dir with space', 'directory', 4096, RECENT, undefined],
      ['file with space.txt', 'file', 2, RECENT, undefined],
      ['hello.txt', 'file', 6, HELLO_DAY, undefined],
      ['link-to-hello', 'file', 6, HELLO_DAY, undefined],
      ['link-to-sub', 'directory', 4096, RECENT, undefined],
      ['small.bin', 'file', 4096, RECENT, undefined],
      ['sub', 'directory', 4096, RECENT, undefined],
      ['ünïcödé.txt', 'file', 2, RECENT, undefined],
    ]);
  });

  test.each(['vsftpd', 'proftpd', 'pure-ftpd', 'pyftpdlib', 'ftp-srv'] as const)('%s: LIST sub', (server) => {
    const result = parseListing(dataOf(server, 'LIST sub'), { now: NOW });
    expect(rows(result.entries)).toEqual([['nested.txt', 'file', 2, RECENT, undefined]]);
  });

  test('without now, the year-less dates have no modifiedAt and the rest is unchanged', () => {
    const result = parseListing(dataOf('vsftpd', 'LIST'));
    expect(result.entries.map((e) => e.modifiedAt?.toISOString())).toEqual([undefined, undefined, HELLO_DAY, undefined, undefined, undefined, undefined, undefined]);
  });

  test('every entry keeps its raw line', () => {
    const data = dataOf('proftpd', 'LIST');
    const result = parseListing(data, { now: NOW });
    expect(result.entries.map((e) => `${e.raw}\r\n`).join('')).toBe(data);
  });

  test('empty listings (LIST of a missing path on vsftpd and Pure-FTPd)', () => {
    expect(parseListing(dataOf('vsftpd', 'LIST nonexistent'))).toEqual({ format: undefined, entries: [], unparsed: [] });
  });
});

describe('MLSD', () => {
  test('ProFTPD: UNIX facts, OS.unix=symlink, cdir and pdir left out', () => {
    const result = parseListing(dataOf('proftpd', 'MLSD'), { now: NOW });
    expect(result.format).toBe('mlsd');
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([
      ['link-to-sub', 'symlink', 3, RECENT, undefined],
      ['.hidden', 'file', 2, RECENT, undefined],
      ['dir with space', 'directory', undefined, RECENT, undefined],
      ['small.bin', 'file', 4096, RECENT, undefined],
      ['hello.txt', 'file', 6, HELLO, undefined],
      ['sub', 'directory', undefined, RECENT, undefined],
      ['link-to-hello', 'symlink', 9, RECENT, undefined],
      ['ünïcödé.txt', 'file', 2, RECENT, undefined],
      ['file with space.txt', 'file', 2, RECENT, undefined],
    ]);
    const hello = result.entries.find((e) => e.name === 'hello.txt')!;
    expect(hello).toMatchObject({ permissions: 'rw-r--r--', owner: 'ftpuser', group: 'ftpuser' });
    expect(hello.facts?.get('unique')).toBe('FE00U20C028');
    expect(hello.facts?.get('perm')).toBe('adfrw');
    expect(result.entries.find((e) => e.name === 'sub')?.permissions).toBe('rwxr-xr-x');
  });

  test('Pure-FTPd: sizd for directories, OS.unix=slink: without a target, numeric owner', () => {
    const result = parseListing(dataOf('pure-ftpd', 'MLSD'), { now: NOW });
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([
      ['link-to-sub', 'symlink', 3, RECENT, undefined],
      ['.hidden', 'file', 2, RECENT, undefined],
      ['dir with space', 'directory', 4096, RECENT, undefined],
      ['small.bin', 'file', 4096, RECENT, undefined],
      ['hello.txt', 'file', 6, HELLO, undefined],
      ['sub', 'directory', 4096, RECENT, undefined],
      ['link-to-hello', 'symlink', 9, RECENT, undefined],
      ['ünïcödé.txt', 'file', 2, RECENT, undefined],
      ['file with space.txt', 'file', 2, RECENT, undefined],
    ]);
    expect(result.entries[0]).toMatchObject({ owner: '1001', group: '1001', permissions: 'rwxrwxrwx' });
  });

  test('pyftpdlib: symlinks followed, perm facts as permissions, no cdir/pdir', () => {
    const result = parseListing(dataOf('pyftpdlib', 'MLSD'), { now: NOW });
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([
      ['link-to-sub', 'directory', 4096, RECENT, undefined],
      ['.hidden', 'file', 2, RECENT, undefined],
      ['dir with space', 'directory', 4096, RECENT, undefined],
      ['small.bin', 'file', 4096, RECENT, undefined],
      ['hello.txt', 'file', 6, HELLO, undefined],
      ['sub', 'directory', 4096, RECENT, undefined],
      ['link-to-hello', 'file', 6, HELLO, undefined],
      ['ünïcödé.txt', 'file', 2, RECENT, undefined],
      ['file with space.txt', 'file', 2, RECENT, undefined],
    ]);
    expect(result.entries.map((e) => e.permissions)).toContain('eldfmMTcp');
    expect(result.entries.every((e) => e.owner === undefined)).toBe(true);
  });

  test.each(['proftpd', 'pure-ftpd', 'pyftpdlib'] as const)('%s: MLSD sub', (server) => {
    const result = parseListing(dataOf(server, 'MLSD sub'), { now: NOW });
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([['nested.txt', 'file', 2, RECENT, undefined]]);
  });

  test('the same listing over TLS parses the same', () => {
    const all = transcript('proftpd').filter((e) => e.command === 'MLSD' && e.data !== undefined);
    expect(all.length).toBe(2);
    expect(rows(parseListing(all[1]!.data!.join('')).entries)).toEqual(rows(parseListing(all[0]!.data!.join('')).entries));
  });
});

describe('MLST', () => {
  test('ProFTPD echoes an absolute path', () => {
    expect(parseMlstReply(replyOf('proftpd', 'MLST hello.txt'))).toMatchObject({ name: '/hello.txt', type: 'file', size: 6, owner: 'ftpuser' });
    expect(parseMlstReply(replyOf('proftpd', 'MLST hello.txt')).modifiedAt?.toISOString()).toBe(HELLO);
    expect(parseMlstReply(replyOf('proftpd', 'MLST sub'))).toMatchObject({ name: '/sub', type: 'directory', permissions: 'rwxr-xr-x' });
  });

  test('Pure-FTPd echoes the name as given', () => {
    expect(parseMlstReply(replyOf('pure-ftpd', 'MLST hello.txt'))).toMatchObject({ name: 'hello.txt', type: 'file', size: 6 });
    expect(parseMlstReply(replyOf('pure-ftpd', 'MLST sub'))).toMatchObject({ name: 'sub', type: 'directory', size: 4096 });
  });

  test('pyftpdlib', () => {
    expect(parseMlstReply(replyOf('pyftpdlib', 'MLST hello.txt'))).toMatchObject({ name: '/hello.txt', type: 'file', size: 6, permissions: 'radfwMT' });
    expect(parseMlstReply(replyOf('pyftpdlib', 'MLST sub'))).toMatchObject({ name: '/sub', type: 'directory', size: 4096 });
  });

  test.each(['vsftpd', 'ftp-srv'] as const)('%s does not implement MLST: FtpReplyError', (server) => {
    expect(() => parseMlstReply(replyOf(server, 'MLST hello.txt'))).toThrow(FtpReplyError);
  });
});

describe('STAT path', () => {
  test('vsftpd: 213 with the file and the symlink its filter also matched', () => {
    const result = parseStatListing(replyOf('vsftpd', 'STAT hello.txt'), { now: NOW });
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([
      ['hello.txt', 'file', 6, HELLO_DAY, undefined],
      ['link-to-hello', 'symlink', 9, RECENT, 'hello.txt'],
    ]);
  });

  test.each([
    ['proftpd', 'ftpuser', 'ftpuser'],
    ['pure-ftpd', '1001', 'ftpuser'],
    ['pyftpdlib', 'ftpuser', 'ftpuser'],
    ['ftp-srv', '1001', '1001'],
  ] as const)('%s', (server, owner, group) => {
    const result = parseStatListing(replyOf(server, 'STAT hello.txt'), { now: NOW });
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([['hello.txt', 'file', 6, HELLO_DAY, undefined]]);
    expect(result.entries[0]).toMatchObject({ owner, group });
  });
});

describe('MDTM', () => {
  test.each(['vsftpd', 'proftpd', 'pure-ftpd', 'pyftpdlib', 'ftp-srv'] as const)('%s', (server) => {
    expect(parseMdtmReply(replyOf(server, 'MDTM hello.txt')).toISOString()).toBe(HELLO);
  });
});

describe('IIS and EPLF samples', () => {
  const sample = (name: string) => readFileSync(new URL(`./fixtures/listings/${name}`, import.meta.url), 'utf8');

  test('IIS, two-digit years and a 12-hour clock', () => {
    const result = parseListing(sample('iis.txt'));
    expect(result.format).toBe('dos');
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([
      ['aspnet_client', 'directory', undefined, '2017-02-28T15:31:00.000Z', undefined],
      ['My Documents', 'directory', undefined, '2020-11-05T09:12:00.000Z', undefined],
      ['report 2020.xlsx', 'file', 1234, '2020-12-31T22:00:00.000Z', undefined],
      ['empty.txt', 'file', 0, '2021-01-01T00:00:00.000Z', undefined],
      ['noon.log', 'file', 733, '2021-01-01T12:30:00.000Z', undefined],
      ['old.bin', 'file', 1048576, '1999-07-04T12:30:00.000Z', undefined],
      ['pivot-2068.dat', 'file', 512, '2068-06-15T13:05:00.000Z', undefined],
      ['pivot-1969.dat', 'file', 512, '1969-06-15T13:05:00.000Z', undefined],
      ['disk image.iso', 'file', 4294967296, '2024-03-09T08:15:00.000Z', undefined],
      [' leading space', 'directory', undefined, '2024-02-29T23:59:00.000Z', undefined],
    ]);
  });

  test('IIS, four-digit years and a 24-hour clock', () => {
    const result = parseListing(sample('iis-4digit.txt'));
    expect(result.format).toBe('dos');
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([
      ['Program Files', 'directory', undefined, '2020-01-02T03:04:00.000Z', undefined],
      ['a b.txt', 'file', 1234, '2020-01-02T03:04:00.000Z', undefined],
      ['big.iso', 'file', 4294967296, '2019-12-31T23:59:00.000Z', undefined],
      ['bicentennial.txt', 'file', 17, '1976-07-04T00:00:00.000Z', undefined],
    ]);
  });

  test('EPLF', () => {
    const result = parseListing(sample('eplf.txt'));
    expect(result.format).toBe('eplf');
    expect(result.unparsed).toEqual([]);
    expect(rows(result.entries)).toEqual([
      ['djb.html', 'file', 280, '1996-03-01T22:15:03.000Z', undefined],
      ['514', 'directory', undefined, '1996-02-13T23:58:27.000Z', undefined],
      ['hello world.txt', 'file', 6, '2020-01-02T03:04:05.000Z', undefined],
      ['pub', 'directory', undefined, '2024-11-25T15:40:00.000Z', undefined],
      ['empty', 'file', 0, undefined, undefined],
      ['epoch, comma.bin', 'file', 1048576, '1970-01-01T00:00:00.000Z', undefined],
    ]);
    expect(result.entries.map((e) => e.permissions)).toEqual([undefined, undefined, 'rw-r--r--', 'rwxr-xr-x', undefined, undefined]);
  });
});
