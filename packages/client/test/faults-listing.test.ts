/**
 * Fault matrix, listings that are never silently wrong: lines no format reads, a `LIST -a` that
 * lists nothing where plain `LIST` lists files, and a server that takes `LIST -a up` for the path
 * `-a up`. `list()`, `listEntries()`, the tree walk (Client and Pool) and `stat` must agree: an
 * `UnreadableListingError` with a sample of the lines, never an empty or shorter listing, and the
 * LIST form that works, remembered for the session.
 */
import { access, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { fileTree, rejectionOf, scriptedScenes, sendAndClose, treeHandlers, type FileTree, type ListFlagBehaviour, type TreeHandlersOptions } from '@ftpkit/testkit';
import { Client, FtpReplyError, Pool, UnreadableListingError, type ClientOptions, type ListingEntry } from '../src/index.js';
import { streamed } from './listing-helpers.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

const FILES = { '/up/a.txt': 'a', '/up/.hidden': 'h', '/up/sub/b.txt': 'bb', '/top.txt': 't' };
const GARBAGE = ['<html><body>Index of /up</body></html>', 'Volume in drive C has no label', '?? strange line ??'];

let served: FileTree;
/** A server over FILES (and an empty /empty), LIST taking `-a` as `listFlag` says; `listText` replaces the listing text. */
const tree = (listFlag: ListFlagBehaviour = 'flag', listText?: TreeHandlersOptions['listText']) => {
  served = fileTree(FILES, ['/empty']);
  return scenes.setup({ handlers: treeHandlers({ ...served, listFlag, ...(listText ? { listText } : {}) }) });
};

const lists = () => scenes.server.received.filter((line) => line.startsWith('LIST'));

const names = (entries: readonly ListingEntry[]) => entries.map((e) => e.name).sort();

describe('lines no listing format reads', () => {
  const unix = (name: string) => `-rw-r--r--    1 ftp      ftp             1 Jan 02  2020 ${name}\r\n`;

  test('a listing of nothing but such lines: UnreadableListingError with a sample, from list(), listEntries() and stat()', async () => {
    const client = await tree('flag', () => GARBAGE.map((l) => `${l}\r\n`).join(''));
    const err = await rejectionOf(client.list('/up'));
    expect(err).toBeInstanceOf(UnreadableListingError);
    expect(err).toMatchObject({
      code: 'ERR_FTP_LISTING_UNREADABLE',
      path: '/up',
      format: undefined,
      entryCount: 0,
      unparsedCount: 3,
      sample: GARBAGE,
    });
    expect((err as Error).message).toBe(
      'The listing of "/up" has 3 lines in no known format (and no line in any format ftpkit reads); the first is "<html><body>Index of /up</body></html>"',
    );
    const stream = await streamed(client, '/up');
    expect(stream.names).toEqual([]);
    expect(stream.error).toBeInstanceOf(UnreadableListingError);
    expect(stream.error).toMatchObject({ unparsedCount: 3, sample: GARBAGE });
    // stat without MLST reads the parent's listing: the same error, not "not found".
    expect(await rejectionOf(client.stat('/up/a.txt'))).toBeInstanceOf(UnreadableListingError);
  });

  test('some lines read, some not: list() rejects (entryCount says how many were read); listEntries() yields them, then rejects', async () => {
    const client = await tree('flag', () => `${unix('one.txt')}${GARBAGE[0]}\r\n${unix('two.txt')}`);
    const err = await rejectionOf(client.list('/up'));
    expect(err).toBeInstanceOf(UnreadableListingError);
    expect(err).toMatchObject({ format: 'unix', entryCount: 2, unparsedCount: 1, sample: [GARBAGE[0]] });
    expect((err as Error).message).toMatch(/has 1 line in no known format \(besides 2 read as unix\)/);
    const stream = await streamed(client, '/up');
    expect(stream.names).toEqual(['one.txt', 'two.txt']);
    expect(stream.error).toMatchObject({ code: 'ERR_FTP_LISTING_UNREADABLE', entryCount: 2, unparsedCount: 1 });
  });

  test('the sample is bounded: at most 5 lines of at most 200 characters; every line is counted', async () => {
    const long = (i: number) => `#${i} ${'x'.repeat(1000)}`;
    const client = await tree('flag', () => Array.from({ length: 100 }, (_, i) => `${long(i)}\r\n`).join(''));
    const err = (await rejectionOf(client.list('/up'))) as UnreadableListingError;
    expect(err.unparsedCount).toBe(100);
    expect(err.sample).toHaveLength(5);
    for (const [i, line] of err.sample.entries()) {
      expect(line).toHaveLength(200);
      expect(line.startsWith(`#${i} xxx`)).toBe(true);
      expect(line.endsWith('…')).toBe(true);
    }
    expect(err.message.length).toBeLessThan(200);
    expect(Object.isFrozen(err.sample)).toBe(true);
  });

  test('control characters in a line are escaped in the message', async () => {
    const client = await tree('flag', () => '\u001b[31mred\u0007\r\n');
    const err = (await rejectionOf(client.list('/up'))) as UnreadableListingError;
    expect(err.message).toContain('"\\u001b[31mred\\u0007"');
    expect(err.sample).toEqual(['\u001b[31mred\u0007']);
  });

  test('the tree walk (downloadDir on a Client and a Pool) stops with the same error, before anything is written', async () => {
    const client = await tree('flag', (folder, entries) =>
      folder === '/up/sub' ? `${GARBAGE[2]}\r\n` : entries.map((e) => (e.type === 'dir' ? `drwxr-xr-x 2 f f 0 Jan 02  2020 ${e.name}\r\n` : unix(e.name))).join(''),
    );
    const base = await mkdtemp(join(tmpdir(), 'ftpkit-unreadable-'));
    const err = await rejectionOf(client.downloadDir('/up', join(base, 'client')));
    expect(err).toMatchObject({ code: 'ERR_FTP_LISTING_UNREADABLE', path: '/up/sub', sample: [GARBAGE[2]] });
    const pool = new Pool({ host: scenes.server.host, port: scenes.server.port, user: 'u', password: 'p' }, { size: 2 });
    try {
      expect(await rejectionOf(pool.downloadDir('/up', join(base, 'pool')))).toMatchObject({ code: 'ERR_FTP_LISTING_UNREADABLE', path: '/up/sub' });
    } finally {
      await pool.close();
    }
    expect(await readdir(base)).toEqual([]);
    expect(scenes.server.received.filter((l) => l.startsWith('RETR'))).toEqual([]);
  });

  test('blank lines and "total N" alone are an empty folder, not an unreadable one', async () => {
    const client = await tree('flag', () => 'total 0\r\n\r\n');
    expect(await client.list('/up')).toEqual([]);
  });
});

describe('LIST -a that lists nothing', () => {
  test('an empty LIST -a is confirmed with plain LIST, whose entries win, and plain is remembered', async () => {
    const client = await tree('empty');
    expect(names(await client.list('/up'))).toEqual(['.hidden', 'a.txt', 'sub']);
    expect(lists()).toEqual(['LIST -a /up', 'LIST /up']);
    expect(names(await client.list('/up/sub'))).toEqual(['b.txt']);
    expect((await streamed(client, '/')).names.sort()).toEqual(['empty', 'top.txt', 'up']);
    expect(lists()).toEqual(['LIST -a /up', 'LIST /up', 'LIST /up/sub', 'LIST /']);
  });

  test('listEntries() confirms the same way', async () => {
    const client = await tree('empty');
    expect((await streamed(client, '/up')).names.sort()).toEqual(['.hidden', 'a.txt', 'sub']);
    expect(lists()).toEqual(['LIST -a /up', 'LIST /up']);
  });

  test('on a server that honours -a, an empty folder costs one plain LIST until -a has listed something; then -a is trusted', async () => {
    const client = await tree('flag');
    expect(await client.list('/empty')).toEqual([]);
    expect(lists()).toEqual(['LIST -a /empty', 'LIST /empty']);
    expect(names(await client.list('/up'))).toEqual(['.hidden', 'a.txt', 'sub']);
    expect(await client.list('/empty')).toEqual([]);
    expect(lists()).toEqual(['LIST -a /empty', 'LIST /empty', 'LIST -a /up', 'LIST -a /empty']);
  });
});

describe('a server that takes `LIST -a up` for the path "-a up"', () => {
  test('plain LIST confirms the 550, its entries are returned, and plain is remembered', async () => {
    const client = await tree('alone');
    expect(names(await client.list())).toEqual(['empty', 'top.txt', 'up']); // `LIST -a` alone works
    expect(names(await client.list('/up'))).toEqual(['.hidden', 'a.txt', 'sub']);
    expect(names(await client.list('/up/sub'))).toEqual(['b.txt']);
    expect(lists()).toEqual(['LIST -a', 'LIST -a /up', 'LIST /up', 'LIST /up/sub']);
  });

  test('a folder that really is missing: the plain LIST\'s 550, and nothing remembered', async () => {
    const client = await tree('alone');
    const err = await rejectionOf(client.list('/nope'));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect(err).toMatchObject({ command: 'LIST /nope', reply: { code: 550 } });
    expect(names(await client.list('/up'))).toEqual(['.hidden', 'a.txt', 'sub']);
    expect(lists()).toEqual(['LIST -a /nope', 'LIST /nope', 'LIST -a /up', 'LIST /up']);
  });

  test('rmdir({ recursive: true }) removes the tree', async () => {
    const client = await tree('alone');
    await client.rmdir('/up', { recursive: true });
    expect([...served.files.keys()]).toEqual(['/top.txt']);
    expect(names(await client.list('/'))).toEqual(['empty', 'top.txt']);
  });

  test('listEntries() and downloadDir agree', async () => {
    const client = await tree('alone');
    expect((await streamed(client, '/up')).names.sort()).toEqual(['.hidden', 'a.txt', 'sub']);
    const target = join(await mkdtemp(join(tmpdir(), 'ftpkit-alone-')), 'up');
    const result = await client.downloadDir('/up', target);
    expect(result.files).toBe(3);
    await access(join(target, 'sub', 'b.txt'));
    await access(join(target, '.hidden'));
  });
});

describe('what is not about the -a flag', () => {
  test('a refusal after listing data is the transfer\'s: thrown as it is, no plain LIST', async () => {
    const client = await scenes.setup({
      handlers: {
        LIST: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 listing');
          await sendAndClose(data, new TextEncoder().encode('-rw-r--r-- 1 f f 1 Jan 02  2020 a\r\n'));
          return '451 Local error in processing';
        },
      },
    });
    expect(await rejectionOf(client.list('/x'))).toMatchObject({ reply: { code: 451 }, command: 'LIST -a /x' });
    expect(lists()).toEqual(['LIST -a /x']);
  });

  test('a data-connection failure (425) is not retried as plain LIST', async () => {
    const client = await scenes.setup({ handlers: { LIST: () => '425 Cannot open data connection' } });
    expect(await rejectionOf(client.list('/x'))).toMatchObject({ reply: { code: 425 } });
    expect(lists()).toEqual(['LIST -a /x']);
  });
});
