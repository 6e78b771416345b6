/**
 * `names()` (NLST), `exists()` and `stat()` without MLST over the scripted server, on a Client and a
 * Pool: the ways servers differ on NLST (the folder echoed before each name, 450 for an empty
 * folder, 226 with nothing for a missing one), a refusal that is not about emptiness, the bound on
 * memory; `exists` true or false for files, folders, `/` and trailing slashes, with and without
 * MLST, and thrown for every failure that is not "not there".
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { fileTree, pump, rejectionOf, scriptedScenes, sendAndClose, treeHandlers, type NlstBehaviour, type ScriptContext, type ScriptedServerOptions } from '@ftpkit/testkit';
import {
  Client,
  ConnectionError,
  FtpReplyError,
  NotFoundError,
  Pool,
  RemoteProtocolError,
  UnreadableListingError,
  type ClientOptions,
} from '../src/index.js';

/** An NLST handler that sends `bytes` and ends with `final`. */
const nlstSending =
  (bytes: Uint8Array, final: string) =>
  async (_: string, ctx: ScriptContext): Promise<string> => {
    const data = await ctx.acceptData();
    ctx.reply('150 Here they come');
    await sendAndClose(data, bytes);
    return final;
  };

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

const FILES = { '/up/a.txt': 'a', '/up/.hidden': 'h', '/up/sub/b.txt': 'bb', '/top.txt': 't' };
const MLST = ['EPSV', 'PASV', 'SIZE', 'MLST type*;size*;modify*;', 'UTF8'];

function served(nlst?: NlstBehaviour, extra: Partial<ScriptedServerOptions> = {}): ScriptedServerOptions {
  return { ...extra, handlers: { ...treeHandlers({ ...fileTree(FILES, ['/empty']), ...(nlst ? { nlst } : {}) }), ...extra.handlers } };
}

/** The commands sent after the login. */
const sent = () => scenes.server.received.slice(scenes.server.received.indexOf('FEAT') + 1).filter((c) => !/^(EPSV|PASV|TYPE|OPTS)/.test(c));

/** A Pool over this test's server, closed by the caller (`await using`). */
const poolOf = (extra: Partial<ClientOptions> = {}) => new Pool({ host: scenes.server.host, port: scenes.server.port, user: 'u', password: 'p', size: 2, ...extra });

describe('names()', () => {
  for (const names of ['bare', 'echo'] as const) {
    test(`${names} names: the bare names of a folder, absolute or relative, and of the current folder; one NLST, nothing more`, async () => {
      const client = await scenes.setup(served({ names }));
      expect(await client.names('/up')).toEqual(['.hidden', 'a.txt', 'sub']);
      expect(await client.names('up/')).toEqual(['.hidden', 'a.txt', 'sub']);
      expect(await client.names()).toEqual(['empty', 'top.txt', 'up']);
      expect(sent()).toEqual(['NLST /up', 'NLST up/', 'NLST']);
    });
  }

  test('Pool: the same names, on either session', async () => {
    await scenes.start(served({ names: 'echo' }));
    await using pool = poolOf();
    expect(await Promise.all([pool.names('/up'), pool.names('/up/sub')])).toEqual([['.hidden', 'a.txt', 'sub'], ['b.txt']]);
  });

  test('an empty folder answered with 226 and nothing: [] once CWD shows the folder is there', async () => {
    const client = await scenes.setup(served());
    expect(await client.names('/empty')).toEqual([]);
    expect(sent()).toEqual(['NLST /empty', 'PWD', 'CWD /empty', 'CWD /']);
  });

  test.each(['450 No files found', '550 No files found'])('an empty folder answered with "%s": [] once CWD and its listing agree', async (empty) => {
    const client = await scenes.setup(served({ empty }));
    expect(await client.names('/empty')).toEqual([]);
    expect(sent()).toEqual(['NLST /empty', 'PWD', 'CWD /empty', 'CWD /', 'LIST -a /empty', 'LIST /empty']);
    await using pool = poolOf();
    expect(await pool.names('/empty')).toEqual([]);
  });

  test.each([
    ['550 No such file or directory', 550],
    ['450 /missing: No such file or directory', 450],
    ['451 ENOENT: no such file or directory', 451],
  ])('a missing folder answered "%s": NotFoundError with the refusal as its cause, never []', async (missing, code) => {
    const client = await scenes.setup(served({ missing }));
    const err = await rejectionOf(client.names('/missing'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ code: 'ERR_FTP_NOT_FOUND', path: '/missing', message: 'No such folder: "/missing"' });
    expect((err as Error).cause).toBeInstanceOf(FtpReplyError);
    expect(((err as Error).cause as FtpReplyError).reply.code).toBe(code);
    await using pool = poolOf();
    expect(await rejectionOf(pool.names('/missing'))).toBeInstanceOf(NotFoundError);
  });

  test('a missing folder answered with 226 and nothing (vsftpd): NotFoundError, not []', async () => {
    const client = await scenes.setup(served({ missing: 'nothing' }));
    const err = await rejectionOf(client.names('/missing/deeper'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).cause).toBeUndefined();
    expect(await client.names('/empty')).toEqual([]);
  });

  test('a refusal of a folder that has entries (permissions) is thrown as it is, not []', async () => {
    const tree = treeHandlers(fileTree(FILES, ['/empty']));
    let listing = true;
    const client = await scenes.setup({
      handlers: { ...tree, NLST: () => '550 Permission denied', LIST: (arg, ctx) => (listing ? tree.LIST!(arg, ctx) : '550 Permission denied') },
    });
    const err = await rejectionOf(client.names('/up'));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(550);
    expect((err as FtpReplyError).command).toBe('NLST /up');
    // The same when the folder cannot be listed either: nothing shows it to be empty.
    listing = false;
    expect(await rejectionOf(client.names('/empty'))).toBeInstanceOf(FtpReplyError);
  });

  test('a refusal about anything but the file system (425, 530) is thrown at once, without checking the folder', async () => {
    const client = await scenes.setup(served(undefined, { handlers: { NLST: () => "425 Can't open data connection" } }));
    expect(((await rejectionOf(client.names('/empty'))) as FtpReplyError).reply.code).toBe(425);
    expect(sent()).toEqual(['NLST /empty']);
  });

  test('a refusal after names came is the transfer failing: thrown, not taken for an empty folder', async () => {
    const client = await scenes.setup(
      served(undefined, { handlers: { NLST: nlstSending(new TextEncoder().encode('a.txt\r\nb.t'), '451 Local error in processing') } }),
    );
    expect(((await rejectionOf(client.names('/up'))) as FtpReplyError).reply.code).toBe(451);
    expect(sent()).toEqual(['NLST /up']);
  });

  test("CRLF or LF, empty lines, `.` and `..` (Pure-FTPd), and the session's encoding", async () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode('/up/.\r\n/up/..\n\r\n\n/up/caf'), 0xe9, ...new TextEncoder().encode('\r\n name with spaces \n')]);
    const client = await scenes.setup(
      served(undefined, { handlers: { NLST: nlstSending(bytes, '226 Done') } }),
      { encoding: 'latin1' },
    );
    expect(await client.names('/up')).toEqual(['café', ' name with spaces ']);
  });

  test('a name list larger than 64 MiB stops with RemoteProtocolError, as list() does, and the client stays usable', async () => {
    const chunk = new TextEncoder().encode(Array.from({ length: 1000 }, (_, i) => `/up/a-rather-long-file-name-${String(i).padStart(6, '0')}.txt\r\n`).join(''));
    const chunks = Math.ceil((80 * 1024 * 1024) / chunk.length);
    let pumped = 0;
    const client = await scenes.setup(
      served(undefined, {
        handlers: {
          NLST: async (_, ctx) => {
            const data = await ctx.acceptData();
            ctx.reply('150 Here they come');
            pumped = await pump(data, chunk, chunks);
            return pumped === chunks ? '226 Done' : '426 Connection closed; transfer aborted';
          },
        },
      }),
    );
    const err = await rejectionOf(client.names('/up'));
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect((err as Error).message).toMatch(/listing is larger than/);
    expect(pumped).toBeLessThan(chunks);
  });
});

describe('exists() and stat() without MLST: the parent listing', () => {
  test('Client: files, folders, `/`, `.`, trailing slashes; missing names and missing parents are false', async () => {
    const client = await scenes.setup(served());
    for (const path of ['/up/a.txt', '/up/.hidden', 'up/a.txt', '/up/sub', '/up/sub/', '/empty', '/', '//', '.', '/up/..', '/top.txt', 'top.txt']) {
      expect(await client.exists(path), path).toBe(true);
    }
    for (const path of ['/up/nope', '/up/a.txt/', '/missing', '/missing/x', '/missing/deeper/x', '/top.txt/x']) {
      expect(await client.exists(path), path).toBe(false);
    }
  });

  test('Pool: the same answers', async () => {
    await scenes.start(served());
    await using pool = poolOf();
    expect(await Promise.all(['/up/a.txt', '/up/sub/', '/', '/up/nope', '/missing/x'].map((p) => pool.exists(p)))).toEqual([true, true, true, false, false]);
  });

  test('stat: the root is a folder, a trailing slash names a folder, a missing parent is NotFoundError with the refusal as cause', async () => {
    const client = await scenes.setup(served());
    expect(await client.stat('/')).toEqual({ name: '/', type: 'directory', raw: '' });
    expect(await client.stat('//')).toEqual({ name: '/', type: 'directory', raw: '' });
    expect(await client.stat('/up/sub/')).toMatchObject({ name: 'sub', type: 'directory' });
    expect(await client.stat('/up/a.txt')).toMatchObject({ name: 'a.txt', type: 'file', size: 1 });
    expect(await rejectionOf(client.stat('/up/a.txt/'))).toMatchObject({ code: 'ERR_FTP_NOT_FOUND', path: '/up/a.txt/' });
    const missing = await rejectionOf(client.stat('/missing/x'));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(((missing as Error).cause as FtpReplyError).reply.code).toBe(550);
  });

  test('a parent that is there but that the server will not list: exists and stat throw the refusal', async () => {
    const client = await scenes.setup(served(undefined, { handlers: { LIST: () => '550 Permission denied' } }));
    const err = await rejectionOf(client.exists('/up/a.txt'));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(550);
    expect(await rejectionOf(client.stat('/up/a.txt'))).toBeInstanceOf(FtpReplyError);
  });

  test('a parent listing no format reads: exists throws UnreadableListingError, it does not guess', async () => {
    const client = await scenes.setup({ handlers: treeHandlers({ ...fileTree(FILES), listText: () => 'Volume in drive C has no label\r\n' }) });
    expect(await rejectionOf(client.exists('/up/a.txt'))).toBeInstanceOf(UnreadableListingError);
  });

  test('a lost connection is thrown, not taken for "not there"', async () => {
    const client = await scenes.setup(served(undefined, { handlers: { LIST: (_, ctx) => void ctx.socket.destroy() } }));
    expect(await rejectionOf(client.exists('/up/a.txt'))).toBeInstanceOf(ConnectionError);
    expect(client.closed).toBe(true);
  });
});

describe('exists() with MLST', () => {
  test('Client and Pool: 250 is true, 550 false; one MLST each', async () => {
    const client = await scenes.setup(served(undefined, { features: MLST }));
    expect(await client.exists('/up/a.txt')).toBe(true);
    expect(await client.exists('/up/sub')).toBe(true);
    expect(await client.exists('/')).toBe(true);
    expect(await client.exists('/up/nope')).toBe(false);
    expect(await client.exists('/missing/x')).toBe(false);
    expect(sent()).toEqual(['MLST /up/a.txt', 'MLST /up/sub', 'MLST /', 'MLST /up/nope', 'MLST /missing/x']);
    await using pool = poolOf();
    expect(await Promise.all([pool.exists('/up/a.txt'), pool.exists('/up/nope')])).toEqual([true, false]);
  });

  test('a refusal that is not about the path (530, a syntax error) is thrown', async () => {
    let answer = '530 Not logged in';
    const client = await scenes.setup(served(undefined, { features: MLST, handlers: { MLST: () => answer } }));
    expect(((await rejectionOf(client.exists('/up/a.txt'))) as FtpReplyError).reply.code).toBe(530);
    answer = '501 Syntax error';
    expect(((await rejectionOf(client.exists('/up/a.txt'))) as FtpReplyError).reply.code).toBe(501);
  });
});
