/**
 * The tree transfers agree on every option: one table runs each option (progress and per-file
 * events, followSymlinks off and on, the order of `skipped`, include/exclude, dryRun) through every
 * entry point (downloadDir, uploadDir, mirror both ways) on a Client and on a Pool, against a real
 * ProFTPD (MLSD lists symbolic links as links; mod_digest gives checksums). The same trees sit on
 * the server and on disk; each run writes into a fresh target, which is then read back from disk.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rejectionOf, sendAndClose, startScriptedServer, startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, InvalidArgumentError, Pool, type FileEvent, type MirrorOptions, type MirrorPlan, type RemoteCalls, type TreeOptions, type TreeProgress } from '../src/index.js';

const FILES: Record<string, string> = { 'a.txt': 'alpha', 'b.log': 'bravo log', 'sub/c.txt': 'charlie', 'sub/deep/d.txt': 'delta' };
/** Links, created in this order (not the sorted one), each relative to its own folder. */
const LINKS: Record<string, string> = { 'sub/e-link': 'c.txt', 'link-file': 'a.txt', 'link-dir': 'sub' };
const PLAIN_TREE = { ...FILES };
/** The tree with every link followed: the file links are files, `link-dir` a copy of `sub`. */
const FOLLOWED_TREE = {
  ...FILES,
  'link-file': 'alpha',
  'sub/e-link': 'charlie',
  'link-dir/c.txt': 'charlie',
  'link-dir/deep/d.txt': 'delta',
  'link-dir/e-link': 'charlie',
};
const LINK_PATHS = ['link-dir', 'link-file', 'sub/e-link'];
const bytesOf = (tree: Record<string, string>) => Object.values(tree).reduce((n, text) => n + text.length, 0);

let server: RunningServer;
let client: Client;
let pool: Pool;
let work: string;
let localSource: string;

async function makeTree(dir: string): Promise<void> {
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(join(dir, ...path.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(dir, ...path.split('/')), text);
  }
  for (const [path, target] of Object.entries(LINKS)) await symlink(target, join(dir, ...path.split('/')));
}

/** Every file under `dir`, path → content (a missing `dir` is empty). */
async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(at, entry.name), `${prefix}${entry.name}/`);
      else out[`${prefix}${entry.name}`] = await readFile(join(at, entry.name), 'utf8');
    }
  };
  await walk(dir, '');
  return out;
}

beforeAll(async () => {
  server = await startServer('proftpd', { anonymous: false });
  const login = { host: server.host, port: server.port, user: server.user, password: server.password };
  client = await Client.connect(login);
  pool = new Pool({ ...login, size: 3 });
  work = await mkdtemp(join(tmpdir(), 'ftpkit-trees-'));
  await makeTree(join(server.root, 'src'));
  localSource = join(work, 'src');
  await makeTree(localSource);
});
afterAll(async () => {
  await client?.close();
  await pool?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** What one run of an entry point did, in the terms every entry point shares. */
interface Outcome {
  readonly files: number;
  readonly bytes: number;
  /** Paths relative to the source's root. */
  readonly skipped: readonly string[];
  readonly reasons: readonly string[];
  /** The directory transfers' count (root included). */
  readonly directories: number | undefined;
  readonly plan: MirrorPlan | undefined;
  /** The target, read back from disk. */
  readonly target: () => Promise<Record<string, string>>;
}

interface EntryPoint {
  readonly name: string;
  readonly direction: 'download' | 'upload';
  readonly mirror: boolean;
}

const ENTRY_POINTS: readonly EntryPoint[] = [
  { name: 'downloadDir', direction: 'download', mirror: false },
  { name: 'uploadDir', direction: 'upload', mirror: false },
  { name: 'mirror download', direction: 'download', mirror: true },
  { name: 'mirror upload', direction: 'upload', mirror: true },
];

let runs = 0;
async function run(remote: RemoteCalls, entry: EntryPoint, options: TreeOptions & { readonly dryRun?: boolean } = {}): Promise<Outcome> {
  const id = `target-${++runs}`;
  const [remoteDir, localDir] = entry.direction === 'download' ? ['/src', join(work, id)] : [`/${id}`, localSource];
  const targetDir = entry.direction === 'download' ? join(work, id) : join(server.root, id);
  const target = () => treeOf(targetDir);
  if (entry.mirror) {
    const result = await remote.mirror({ direction: entry.direction, remote: remoteDir, local: localDir, ...options });
    return {
      files: result.copied.length,
      bytes: result.copied.reduce((n, c) => n + c.bytes, 0),
      skipped: result.skipped.map((s) => s.path),
      reasons: result.skipped.map((s) => s.reason),
      directories: undefined,
      plan: result.plan,
      target,
    };
  }
  const result = entry.direction === 'download' ? await remote.downloadDir(remoteDir, localDir, options) : await remote.uploadDir(localDir, remoteDir, options);
  // The directory transfers report where the entry is: the remote path, or the local one.
  const prefix = entry.direction === 'download' ? `${remoteDir}/` : `${localDir}${sep}`;
  return {
    files: result.files,
    bytes: result.bytes,
    skipped: result.skipped.map((s) => s.path.slice(prefix.length).split(sep).join('/')),
    reasons: result.skipped.map((s) => s.reason),
    directories: result.directories,
    plan: undefined,
    target,
  };
}

const CALLERS = [
  { caller: 'Client', remote: () => client },
  { caller: 'Pool', remote: () => pool },
] as const;

describe.each(CALLERS)('$caller', ({ remote }) => {
  describe.each(ENTRY_POINTS)('$name', (entry) => {
    test('onProgress counts all files together up to a known total; onFile starts and finishes each copy', async () => {
      const progress: TreeProgress[] = [];
      const events: FileEvent[] = [];
      const outcome = await run(remote(), entry, { onProgress: (p) => progress.push(p), onFile: (e) => events.push(e) });
      const total = bytesOf(PLAIN_TREE);
      expect(outcome.bytes).toBe(total);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)).toMatchObject({ bytes: total, total });
      for (let i = 1; i < progress.length; i++) expect(progress[i]!.bytes).toBeGreaterThanOrEqual(progress[i - 1]!.bytes);
      for (const p of progress) expect(p.file.bytes).toBeLessThanOrEqual(FILES[p.path]!.length);
      const paths = Object.keys(FILES).sort();
      expect(new Set(progress.map((p) => p.path))).toEqual(new Set(paths));
      expect(events.filter((e) => e.phase === 'start').map((e) => e.path).sort()).toEqual(paths);
      const finished = events.filter((e) => e.phase === 'finish');
      expect(finished.map((e) => [e.path, e.kind, e.bytes, e.size]).sort()).toEqual(paths.map((p) => [p, 'copy', FILES[p]!.length, FILES[p]!.length]));
      for (const e of finished) expect(events.indexOf(e)).toBeGreaterThan(events.findIndex((s) => s.phase === 'start' && s.path === e.path));
      const sample = finished.find((e) => e.path === 'sub/c.txt')!;
      expect(sample.remote).toEqual(entry.direction === 'download' ? '/src/sub/c.txt' : expect.stringMatching(/^\/target-\d+\/sub\/c\.txt$/));
      expect(sample.local).toMatch(/sub[\\/]c\.txt$/);
      expect(await outcome.target()).toEqual(PLAIN_TREE);
    });

    test('followSymlinks off (the default): links are skipped, reported in path order, never copied', async () => {
      const outcome = await run(remote(), entry);
      expect(outcome.skipped).toEqual(LINK_PATHS);
      for (const reason of outcome.reasons) expect(reason).toMatch(/symbolic link/);
      expect(outcome.files).toBe(Object.keys(FILES).length);
      if (outcome.directories !== undefined) expect(outcome.directories).toBe(3); // the root, sub, sub/deep
      expect(await outcome.target()).toEqual(PLAIN_TREE);
    });

    test('followSymlinks on: a link to a file is copied as a file, a link to a folder walked as a folder', async () => {
      const outcome = await run(remote(), entry, { followSymlinks: true });
      expect(outcome.skipped).toEqual([]);
      expect(outcome.files).toBe(Object.keys(FOLLOWED_TREE).length);
      expect(outcome.bytes).toBe(bytesOf(FOLLOWED_TREE));
      if (outcome.directories !== undefined) expect(outcome.directories).toBe(5); // + link-dir, link-dir/deep
      expect(await outcome.target()).toEqual(FOLLOWED_TREE);
    });

    test('include and exclude: only matching files, excluded folders left alone', async () => {
      const outcome = await run(remote(), entry, { include: ['*.txt'], exclude: ['deep'] });
      expect(await outcome.target()).toEqual({ 'a.txt': 'alpha', 'sub/c.txt': 'charlie' });
      expect(outcome.files).toBe(2);
      if (outcome.plan) expect(outcome.plan.filtered).toEqual(expect.arrayContaining(['b.log', 'sub/deep']));
    });

    test.runIf(entry.mirror)('dryRun plans every copy and changes nothing', async () => {
      const events: FileEvent[] = [];
      const outcome = await run(remote(), entry, { dryRun: true, onFile: (e) => events.push(e) });
      expect(outcome.plan!.actions.filter((a) => a.kind === 'copy').map((a) => a.path)).toEqual(Object.keys(FILES).sort());
      expect(outcome.files).toBe(0);
      expect(events).toEqual([]);
      expect(await outcome.target()).toEqual({});
    });
  });

  test('isDirectory: folders and links to them, not files or missing paths; the login directory is one', async () => {
    const r = remote();
    expect(await r.isDirectory('/src/sub')).toBe(true);
    expect(await r.isDirectory('/src/link-dir')).toBe(true);
    expect(await r.isDirectory('/src/a.txt')).toBe(false);
    expect(await r.isDirectory('/src/link-file')).toBe(false);
    expect(await r.isDirectory('/src/nope')).toBe(false);
    expect(await r.isDirectory('')).toBe(true);
    expect((await r.list('/src')).length).toBe(5); // the session's working directory is unchanged
  });
});

describe('Pool.checksum and Pool.mirror with checksum (ProFTPD mod_digest)', () => {
  const sha512 = (text: string) => createHash('sha512').update(text).digest('hex');

  test('checksum: the server digest of a file, on one of the sessions', async () => {
    expect(await pool.checksum('/src/sub/c.txt')).toEqual({ algorithm: 'SHA-512', hash: sha512('charlie') });
    expect((await pool.checksum('/src/a.txt', { algorithm: 'MD5' })).hash).toBe(createHash('md5').update('alpha').digest('hex'));
  });

  test('mirror upload: same size and time, other bytes: copied by content, the rest kept', async () => {
    const local = join(work, 'summed');
    const names = ['one.txt', 'two.txt', 'three.txt', 'four.txt'];
    await mkdir(local);
    for (const name of names) await writeFile(join(local, name), `${name} v1`);
    expect((await pool.mirror({ direction: 'upload', local, remote: '/summed' })).copied.length).toBe(4);
    // Same sizes, other bytes on two of them, and one time everywhere: only a checksum tells.
    const past = new Date('2020-01-01T00:00:00Z');
    for (const name of names) {
      if (name === 'two.txt' || name === 'four.txt') await writeFile(join(server.root, 'summed', name), `${name} V1`);
      await utimes(join(server.root, 'summed', name), past, past);
      await utimes(join(local, name), past, past);
    }
    expect((await pool.mirror({ direction: 'upload', local, remote: '/summed' })).copied).toEqual([]);
    const summed = await pool.mirror({ direction: 'upload', local, remote: '/summed', checksum: true });
    expect(summed.checksum).toBe('SHA-512');
    expect(summed.plan.actions).toEqual([
      expect.objectContaining({ kind: 'copy', path: 'four.txt', reason: 'checksum' }),
      expect.objectContaining({ kind: 'copy', path: 'two.txt', reason: 'checksum' }),
    ]);
    expect(summed.plan.unchanged).toEqual(['one.txt', 'three.txt']);
    for (const name of names) expect(await readFile(join(server.root, 'summed', name), 'utf8')).toBe(`${name} v1`);
  });
});

describe('symbolic links back into their own tree are not followed for ever', () => {
  test('local: a link to an ancestor is skipped, the rest uploaded', async () => {
    const local = join(work, 'loop');
    await mkdir(join(local, 'in'), { recursive: true });
    await writeFile(join(local, 'in', 'f.txt'), 'f');
    await symlink('..', join(local, 'in', 'up'));
    const result = await client.uploadDir(local, '/loop-up', { followSymlinks: true });
    expect(result.skipped).toEqual([{ path: join(local, 'in', 'up'), reason: expect.stringMatching(/ancestors/) }]);
    expect(await treeOf(join(server.root, 'loop-up'))).toEqual({ 'in/f.txt': 'f' });
  });

  test('remote, where PWD shows where a link leads (ProFTPD, MLSD without targets): a link to an ancestor is skipped', async () => {
    await mkdir(join(server.root, 'loop2', 'in'), { recursive: true });
    await writeFile(join(server.root, 'loop2', 'in', 'f.txt'), 'f');
    await symlink('..', join(server.root, 'loop2', 'in', 'up'));
    const local = join(work, 'loop2-down');
    const result = await pool.downloadDir('/loop2', local, { followSymlinks: true });
    expect(result.skipped).toEqual([{ path: '/loop2/in/up', reason: expect.stringMatching(/^symbolic link back into its own ancestors: the same folder as \/loop2 \(the same canonical path\)$/) }]);
    expect(await treeOf(local)).toEqual({ 'in/f.txt': 'f' });
  });

  test('remote, where nothing shows a loop (MLSD hides link targets, PWD does not resolve links): links within links stop after 8', async () => {
    // Every folder holds a file named by its depth and a link `up` that CWD accepts: an endless
    // tree whose listings never repeat, and whose PWD is the path as given, as pyftpdlib's is.
    let cwd = '/';
    const depth = (path: string) => path.split('/').filter((s) => s === 'up').length;
    const scripted = await startScriptedServer({
      features: ['MLST', 'SIZE'],
      handlers: {
        CWD: (arg) => {
          cwd = arg.startsWith('/') ? arg : `/${arg}`;
          return '250 OK';
        },
        PWD: () => `257 "${cwd}" is the current directory`,
        MLSD: async (arg, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 Here it comes');
          await sendAndClose(data, new TextEncoder().encode(`type=file;size=1; f${depth(arg)}.txt\r\ntype=OS.unix=symlink; up\r\n`));
          return '226 Done';
        },
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 Here it comes');
          await sendAndClose(data, new TextEncoder().encode('f'));
          return '226 Done';
        },
      },
    });
    try {
      await using remote = await Client.connect({ host: scripted.host, port: scripted.port, user: 'u', password: 'p' });
      const result = await remote.downloadDir('x', join(work, 'endless'), { followSymlinks: true });
      expect(result.skipped).toEqual([{ path: `x${'/up'.repeat(9)}`, reason: expect.stringMatching(/inside 8 others/) }]);
      expect(result.files).toBe(9); // x/f0.txt, then one below each of the 8 links followed
    } finally {
      await scripted.close();
    }
  });

  test('remote, where the listing shows the target (vsftpd): a link to an ancestor is skipped', async () => {
    await using vsftpd = await startServer('vsftpd', { anonymous: false });
    await mkdir(join(vsftpd.root, 'loop', 'in'), { recursive: true });
    await writeFile(join(vsftpd.root, 'loop', 'in', 'f.txt'), 'f');
    await symlink('..', join(vsftpd.root, 'loop', 'in', 'up'));
    await using remote = await Client.connect({ host: vsftpd.host, port: vsftpd.port, user: vsftpd.user, password: vsftpd.password });
    const local = join(work, 'loop-down');
    const result = await remote.downloadDir('/loop', local, { followSymlinks: true });
    expect(result.skipped).toEqual([{ path: '/loop/in/up', reason: expect.stringMatching(/ancestors/) }]);
    expect(await treeOf(local)).toEqual({ 'in/f.txt': 'f' });
  });
});

test('a bad glob or direction is InvalidArgumentError, before anything is listed', async () => {
  const scripted = await startScriptedServer({ files: { 'a.txt': 'a' } });
  try {
    await using remote = await Client.connect({ host: scripted.host, port: scripted.port, user: 'u', password: 'p' });
    const before = scripted.received.length;
    const local = join(work, 'bad-args');
    const calls: Promise<unknown>[] = [
      remote.downloadDir('/', local, { include: ['[ab'] }),
      remote.uploadDir(localSource, '/x', { exclude: ['{a,b'] }),
      remote.mirror({ direction: 'download', remote: '/', local, exclude: ['{a'] }),
      remote.mirror({ direction: 'sideways', remote: '/', local } as unknown as MirrorOptions),
    ];
    for (const call of calls) expect(await rejectionOf(call)).toBeInstanceOf(InvalidArgumentError);
    await remote.pwd(); // a fence: whatever the calls sent has arrived
    expect(scripted.received.slice(before)).toEqual(['PWD']);
  } finally {
    await scripted.close();
  }
});
