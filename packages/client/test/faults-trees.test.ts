/**
 * Fault matrix, trees that never end: a server that lists a folder inside itself (by name alone, or
 * with MLSD `unique` facts), real servers that show symbolic links as folders, and an endless tree
 * whose names never repeat. Every tree operation, on a Client and on a Pool, ends in bounded time
 * with the exact typed error (or, while following links, a reported skip), and a download has
 * written nothing when it fails.
 */
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { rejectionOf, scriptedScenes, startServer, treeHandlers, type ScriptedServerOptions, type TreeEntrySpec } from '@ftpkit/testkit';
import { Client, InvalidArgumentError, Pool, TreeDepthError, TreeLoopError, type ClientOptions, type RemoteCalls } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

/** How long any of these calls may take: a loop that is not caught runs until the test's timeout. */
const BOUND_MS = 15_000;

/** Settle `promise` within {@link BOUND_MS}, or fail the test saying that it did not end. */
async function ends<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not end within ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const sandbox = async (): Promise<{ base: string; target: string }> => {
  const base = await mkdtemp(join(tmpdir(), 'ftpkit-loop-'));
  return { base, target: join(base, 'target') };
};

/** Every file under `dir`, path → content. */
async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name).slice(dir.length + 1)] = await readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

const LOOP = /^\/a(\/a)*$/;

/**
 * `/a` holds `f.txt` and `a`, which is `/a` again, for ever: one folder that lists itself inside
 * itself. With `unique`, MLSD and MLST give every name of it the same `unique` fact. DELE removes
 * f.txt (from every name of the folder at once) and refuses the folder; RMD refuses all.
 */
function loopServer(unique: boolean): ScriptedServerOptions & { readonly deleted: Set<string> } {
  const deleted = new Set<string>();
  const list = (path: string): TreeEntrySpec[] | undefined => {
    if (path === '/') return [{ name: 'a', type: 'dir', ...(unique ? { unique: 'A' } : {}) }];
    if (!LOOP.test(path)) return undefined;
    const file: TreeEntrySpec[] = deleted.has('f.txt') ? [] : [{ name: 'f.txt', type: 'file', ...(unique ? { unique: 'F' } : {}) }];
    return [...file, { name: 'a', type: 'dir', ...(unique ? { unique: 'A' } : {}) }];
  };
  return {
    deleted,
    features: unique ? ['EPSV', 'PASV', 'SIZE', 'MLST type*;size*;modify*;unique*;', 'UTF8'] : ['EPSV', 'PASV', 'SIZE', 'UTF8'],
    handlers: treeHandlers({
      list,
      unique: (path) => (unique && LOOP.test(path) ? 'A' : undefined),
      remove: (path, command) => command === 'DELE' && /^\/a(\/a)*\/f\.txt$/.test(path) && !deleted.has('f.txt') && deleted.add('f.txt') !== undefined,
    }),
  };
}

/** Where each kind of server first knows the loop, for a download (listed top down) and for rmdir -r. */
const VARIANTS = [
  {
    name: 'LIST only: the same name and listing at three depths',
    unique: false,
    download: { path: '/a/a/a', ancestor: '/a/a', by: 'listing' },
    // rmdir deletes f.txt first, so the listings below /a lack it and repeat one level later.
    remove: { path: '/a/a/a/a', ancestor: '/a/a/a', by: 'listing' },
    followed: { skipped: '/a/a/a', files: { 'f.txt': 'x', 'a/f.txt': 'x' } },
  },
  {
    name: 'MLSD: the same unique fact',
    unique: true,
    download: { path: '/a/a', ancestor: '/a', by: 'unique' },
    remove: { path: '/a/a', ancestor: '/a', by: 'unique' },
    followed: { skipped: '/a/a', files: { 'f.txt': 'x' } },
  },
] as const;

describe.each(VARIANTS)('a server that lists a folder inside itself ($name)', (variant) => {
  const expectLoop = (err: unknown, where: { readonly path: string; readonly ancestor: string; readonly by: string }) => {
    expect(err).toBeInstanceOf(TreeLoopError);
    expect(err).toMatchObject({ code: 'ERR_FTP_TREE_LOOP', side: 'remote', ...where });
  };

  test('downloadDir: TreeLoopError before anything is fetched or written', async () => {
    const { base, target } = await sandbox();
    const client = await scenes.setup(loopServer(variant.unique));
    expectLoop(await ends(rejectionOf(client.downloadDir('/a', target))), variant.download);
    expect(await readdir(base)).toEqual([]);
    expect(scenes.server.received.filter((l) => l.startsWith('RETR'))).toEqual([]);
  });

  test('mirror (download): TreeLoopError, the target not even created', async () => {
    const { base, target } = await sandbox();
    const client = await scenes.setup(loopServer(variant.unique));
    expectLoop(await ends(rejectionOf(client.mirror({ direction: 'download', remote: '/a', local: target, delete: true }))), variant.download);
    expect(await readdir(base)).toEqual([]);
  });

  test('downloadDir with followSymlinks: the loop is skipped and reported, the rest copied once', async () => {
    const { target } = await sandbox();
    const client = await scenes.setup(loopServer(variant.unique));
    const result = await ends(client.downloadDir('/a', target, { followSymlinks: true }));
    expect(result.skipped).toEqual([{ path: variant.followed.skipped, reason: expect.stringMatching(/^folder back into its own ancestors: the same folder as \/a/) }]);
    expect(await treeOf(target)).toEqual(variant.followed.files);
  });

  test('rmdir recursive: TreeLoopError where the loop shows; what came before is removed, no RMD sent', async () => {
    const options = loopServer(variant.unique);
    const client = await scenes.setup(options);
    expectLoop(await ends(rejectionOf(client.rmdir('/a', { recursive: true }))), variant.remove);
    expect(options.deleted).toEqual(new Set(['f.txt']));
    expect(scenes.server.received.filter((l) => l.startsWith('RMD'))).toEqual([]);
  });

  test('Pool: downloadDir, mirror and rmdir end with the same TreeLoopError', async () => {
    const { base, target } = await sandbox();
    const server = await scenes.start(loopServer(variant.unique));
    await using pool = new Pool({ host: server.host, port: server.port, user: 'u', password: 'p', size: 3 });
    expectLoop(await ends(rejectionOf(pool.downloadDir('/a', target))), variant.download);
    expectLoop(await ends(rejectionOf(pool.mirror({ direction: 'download', remote: '/a', local: target }))), variant.download);
    expect(await readdir(base)).toEqual([]);
    expectLoop(await ends(rejectionOf(pool.rmdir('/a', { recursive: true }))), variant.remove);
  });
});

test('a loop that exclude leaves out is never walked into', async () => {
  const { target } = await sandbox();
  const client = await scenes.setup(loopServer(false));
  const result = await ends(client.downloadDir('/a', target, { exclude: ['a'] }));
  expect(result.files).toBe(1);
  expect(await treeOf(target)).toEqual({ 'f.txt': 'x' });
  expect(scenes.server.received.filter((l) => l.startsWith('LIST'))).toEqual(['LIST -a /a']);
});

/** An endless tree whose names never repeat: `/x` holds `d1` and `f`, `/x/d1` holds `d2` and `f`, ... */
function endlessServer(): ScriptedServerOptions {
  return {
    handlers: treeHandlers({
      list: (path) => {
        if (path === '/') return [{ name: 'x', type: 'dir' }];
        if (!/^\/x(\/d\d+)*$/.test(path)) return undefined;
        return [{ name: `d${path.split('/').length - 1}`, type: 'dir' }, { name: 'f', type: 'file' }];
      },
      remove: (path, command) => command === 'DELE' && path.endsWith('/f'),
    }),
  };
}

/** The folder of the endless tree `depth` folders below `/x`. */
const deepPath = (depth: number) => `/x${Array.from({ length: depth }, (_, i) => `/d${i + 1}`).join('')}`;

describe('the depth bound (maxDepth)', () => {
  const expectDepth = (err: unknown, path: string, maxDepth: number, side = 'remote') => {
    expect(err).toBeInstanceOf(TreeDepthError);
    expect(err).toMatchObject({ code: 'ERR_FTP_TREE_DEPTH', path, maxDepth, side });
  };

  test('by default a tree deeper than 100 folders is a TreeDepthError before folder 101 is listed, nothing written', async () => {
    const { base, target } = await sandbox();
    const client = await scenes.setup(endlessServer());
    expectDepth(await ends(rejectionOf(client.downloadDir('/x', target))), deepPath(101), 100);
    expect(await readdir(base)).toEqual([]);
    expect(scenes.server.received.filter((l) => l.startsWith('LIST'))).toHaveLength(101); // /x and d1 to d100
  });

  test.each([0, 3])('maxDepth %i: downloadDir, mirror and rmdir stop one folder past it', async (maxDepth) => {
    const { base, target } = await sandbox();
    const client = await scenes.setup(endlessServer());
    const calls: [string, (r: RemoteCalls) => Promise<unknown>][] = [
      ['downloadDir', (r) => r.downloadDir('/x', target, { maxDepth })],
      ['mirror', (r) => r.mirror({ direction: 'download', remote: '/x', local: target, maxDepth })],
      ['rmdir', (r) => r.rmdir('/x', { recursive: true, maxDepth })],
    ];
    for (const [, call] of calls) expectDepth(await ends(rejectionOf(call(client))), deepPath(maxDepth + 1), maxDepth);
    expect(await readdir(base)).toEqual([]);
  });

  test('uploadDir: a local tree deeper than maxDepth is a TreeDepthError (side local) before anything is sent', async () => {
    const { base } = await sandbox();
    const local = join(base, 'up');
    await mkdir(join(local, 'a', 'b', 'c'), { recursive: true });
    await writeFile(join(local, 'a', 'b', 'c', 'f.txt'), 'f');
    const client = await scenes.setup({});
    const before = scenes.server.received.length;
    expectDepth(await ends(rejectionOf(client.uploadDir(local, '/up', { maxDepth: 2 }))), join(local, 'a', 'b', 'c'), 2, 'local');
    expect(scenes.server.received.slice(before)).toEqual([]);
  });

  test.each([-1, 1.5, Number.NaN, '3'])('maxDepth %j is InvalidArgumentError before anything is sent', async (maxDepth) => {
    const { target } = await sandbox();
    const client = await scenes.setup(endlessServer());
    const before = scenes.server.received.length;
    const bad = maxDepth as number;
    for (const call of [client.downloadDir('/x', target, { maxDepth: bad }), client.mirror({ direction: 'upload', remote: '/x', local: target, maxDepth: bad }), client.rmdir('/x', { recursive: true, maxDepth: bad })]) {
      expect(await rejectionOf(call)).toBeInstanceOf(InvalidArgumentError);
    }
    expect(scenes.server.received.slice(before)).toEqual([]);
  });
});

describe('real servers that show symbolic links as folders', () => {
  /** `/loop` holds `self -> .` and `in/`, which holds f.txt and `up -> ..`. */
  async function loopTree(root: string): Promise<void> {
    await mkdir(join(root, 'loop', 'in'), { recursive: true });
    await writeFile(join(root, 'loop', 'in', 'f.txt'), 'f');
    await symlink('..', join(root, 'loop', 'in', 'up'));
    await symlink('.', join(root, 'loop', 'self'));
    await writeFile(join(root, 'keep.txt'), 'keep');
  }

  test('pyftpdlib (MLSD shows a link as its target, unique fact included): TreeLoopError; with followSymlinks, each loop skipped', async () => {
    await using server = await startServer('pyftpdlib', { anonymous: false });
    await loopTree(server.root);
    await using client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password });
    const { base, target } = await sandbox();
    const err = await ends(rejectionOf(client.downloadDir('/loop', target)));
    expect(err).toBeInstanceOf(TreeLoopError);
    expect(err).toMatchObject({ code: 'ERR_FTP_TREE_LOOP', by: 'unique', ancestor: '/loop' });
    expect(['/loop/self', '/loop/in/up']).toContain((err as TreeLoopError).path);
    expect(await readdir(base)).toEqual([]);

    const result = await ends(client.downloadDir('/loop', target, { followSymlinks: true }));
    expect(result.skipped.map((s) => s.path)).toEqual(['/loop/in/up', '/loop/self']);
    expect(await treeOf(target)).toEqual({ 'in/f.txt': 'f' });
  });

  test('pyftpdlib: rmdir recursive removes the links (DELE) rather than walking them, and ends', async () => {
    await using server = await startServer('pyftpdlib', { anonymous: false });
    await loopTree(server.root);
    await using client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password });
    await ends(client.rmdir('/loop', { recursive: true }));
    expect(await readdir(server.root)).toEqual(['keep.txt']);
  });

  test('ftp-srv (LIST shows a link as a folder, no facts): TreeLoopError from the repeated listing', async () => {
    await using server = await startServer('ftp-srv', { anonymous: false });
    await loopTree(server.root);
    await using client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, secure: false });
    const { base, target } = await sandbox();
    const err = await ends(rejectionOf(client.mirror({ direction: 'download', remote: '/loop', local: target })));
    expect(err).toBeInstanceOf(TreeLoopError);
    expect(err).toMatchObject({ code: 'ERR_FTP_TREE_LOOP', by: 'listing', path: '/loop/self/self/self', ancestor: '/loop/self/self' });
    expect(await readdir(base)).toEqual([]);
  });
});
