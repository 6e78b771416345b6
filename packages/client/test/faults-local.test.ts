/**
 * Fault matrix, the local file system: names as long as a file system takes, names longer than
 * that, writes that the system refuses (each a LocalFileError with its reason), symbolic links
 * already inside a download's target (never written through), and the entries a local walk leaves
 * out (always reported).
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { rejectionOf, scriptedScenes, treeHandlers, type ScriptedServerOptions } from '@ftpkit/testkit';
import { Client, LocalFileError, type ClientOptions } from '../src/index.js';
import { localFileError, makeFolder, refuseLinksIn } from '../src/io/fs.js';
import { sideName, utf8Length } from '../src/io/paths.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

const sandbox = () => mkdtemp(join(tmpdir(), 'ftpkit-local-'));
const isRoot = process.getuid?.() === 0;
const retrs = () => scenes.server.received.filter((l) => l.startsWith('RETR'));

/** 250 bytes of UTF-8 each: plain ASCII, two-byte and four-byte characters. */
const LONG_NAMES = [`${'n'.repeat(246)}.txt`, `${'é'.repeat(123)}.txt`, `${'😀'.repeat(61)}ab.txt`];

describe('long names', () => {
  test.each(LONG_NAMES)('a legal 250-byte name downloads, with no temporary file left (%#)', async (name) => {
    expect(utf8Length(name)).toBe(250);
    const dir = await sandbox();
    const client = await scenes.setup({ files: { [name]: 'long' } });
    await client.download(name, join(dir, name));
    expect(await readdir(dir)).toEqual([name]);
    expect(await readFile(join(dir, name), 'utf8')).toBe('long');
  });

  test('downloadDir takes 250-byte names from the listing', async () => {
    const dir = await sandbox();
    const client = await scenes.setup({ files: Object.fromEntries(LONG_NAMES.map((n, i) => [n, `file ${i}`])) });
    const result = await client.downloadDir('.', join(dir, 'tree'));
    expect(result.files).toBe(3);
    expect((await readdir(join(dir, 'tree'))).sort()).toEqual([...LONG_NAMES].sort());
  });

  test('a name longer than the file system takes: LocalFileError ENAMETOOLONG before the download starts', async () => {
    const dir = await sandbox();
    const name = `${'n'.repeat(256)}.txt`;
    const client = await scenes.setup({ files: { [name]: 'too long' } });
    const err = await rejectionOf(client.download(name, join(dir, name)));
    expect(err).toBeInstanceOf(LocalFileError);
    expect(err).toMatchObject({ code: 'ERR_FTP_LOCAL_FILE', osCode: 'ENAMETOOLONG', path: join(dir, name) });
    expect((err as Error).message).toMatch(/the name is too long for the file system \(ENAMETOOLONG\)$/);
    expect(retrs()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  test('sideName always fits in 255 bytes, keeps short names as they are, and keeps long names apart', () => {
    expect(sideName('report.csv', '.segments.ftpkit-state')).toBe('.report.csv.segments.ftpkit-state');
    const seen = new Set<string>();
    for (const base of ['n', 'é', '😀', 'a\u0301']) {
      for (let length = 1; length <= 300; length++) {
        const name = base.repeat(length);
        for (const suffix of ['.1a2b3c4d.ftpkit-part', '.segments.ftpkit-part', '.segments.ftpkit-state']) {
          const side = sideName(name, suffix);
          expect(utf8Length(side)).toBeLessThanOrEqual(255);
          expect(side.endsWith(suffix)).toBe(true);
          expect(side).not.toMatch(/\uFFFD/); // never a character cut in half
          seen.add(side);
        }
      }
    }
    expect(seen.size).toBe(4 * 300 * 3);
  });
});

describe('writes the system refuses are LocalFileError with the reason', () => {
  test('EISDIR: a folder where the file goes; the temporary file is removed', async () => {
    const dir = await sandbox();
    await mkdir(join(dir, 'here'));
    const client = await scenes.setup({ files: { f: 'data' } });
    const err = await rejectionOf(client.download('f', join(dir, 'here')));
    expect(err).toBeInstanceOf(LocalFileError);
    expect(err).toMatchObject({ osCode: 'EISDIR', path: join(dir, 'here') });
    expect(await readdir(dir)).toEqual(['here']);
  });

  test('ENOTDIR: a file where a folder of the path should be', async () => {
    const dir = await sandbox();
    await writeFile(join(dir, 'file'), 'x');
    const client = await scenes.setup({ files: { f: 'data' } });
    const err = await rejectionOf(client.download('f', join(dir, 'file', 'f')));
    expect(err).toBeInstanceOf(LocalFileError);
    expect(err).toMatchObject({ osCode: 'ENOTDIR', path: join(dir, 'file', 'f') });
  });

  test.skipIf(isRoot)('EACCES: a folder without write permission', async () => {
    const dir = await sandbox();
    await mkdir(join(dir, 'ro'), { mode: 0o555 });
    const client = await scenes.setup({ files: { f: 'data' } });
    const err = await rejectionOf(client.download('f', join(dir, 'ro', 'f')));
    expect(err).toMatchObject({ code: 'ERR_FTP_LOCAL_FILE', osCode: 'EACCES' });
  });

  test('the one map: each system code in words; anything else unchanged', () => {
    const sys = (code: string) => Object.assign(new Error(`${code}: raw`), { code, syscall: 'write' });
    const cases: [string, string][] = [
      ['ENOSPC', 'no space left on the device'],
      ['EDQUOT', 'the disk quota is exceeded'],
      ['EACCES', 'permission denied'],
      ['EROFS', 'the file system is read-only'],
      ['EXDEV', 'EXDEV: raw'],
    ];
    for (const [code, words] of cases) {
      const err = localFileError(sys(code), 'write', '/t/f');
      expect(err).toBeInstanceOf(LocalFileError);
      expect(err).toMatchObject({ osCode: code, path: '/t/f', message: `Cannot write /t/f: ${words} (${code})` });
      expect((err as Error).cause).toBeInstanceOf(Error);
    }
    const abort = new DOMException('aborted', 'AbortError');
    expect(localFileError(abort, 'write', '/t/f')).toBe(abort);
    const ours = new LocalFileError('already ours');
    expect(localFileError(ours, 'write', '/t/f')).toBe(ours);
  });
});

/** A server with `a.txt`, `b.txt` and `sub/c.txt`. */
function treeServer(): ScriptedServerOptions {
  return {
    handlers: treeHandlers({
      list: (path) =>
        path === '/'
          ? [
              { name: 'a.txt', type: 'file' },
              { name: 'b.txt', type: 'file' },
              { name: 'sub', type: 'dir' },
            ]
          : path === '/sub'
            ? [{ name: 'c.txt', type: 'file' }]
            : undefined,
    }),
  };
}

describe('a symbolic link already inside the target is never written through', () => {
  /** A target holding `link` → a file or folder outside it; `outside` is checked to be untouched. */
  async function linked(kind: 'file' | 'folder'): Promise<{ target: string; outside: string; link: string }> {
    const base = await sandbox();
    const outside = join(base, 'outside');
    const target = join(base, 'target');
    await mkdir(join(outside, 'dir'), { recursive: true });
    await writeFile(join(outside, 'victim.txt'), 'victim');
    await mkdir(target);
    const link = kind === 'file' ? join(target, 'a.txt') : join(target, 'sub');
    await symlink(kind === 'file' ? join(outside, 'victim.txt') : join(outside, 'dir'), link);
    return { target, outside, link };
  }

  const CALLS = [
    { name: 'downloadDir', run: (c: Client, target: string) => c.downloadDir('/', target) },
    { name: 'mirror', run: (c: Client, target: string) => c.mirror({ direction: 'download', remote: '/', local: target }) },
    { name: 'mirror with delete', run: (c: Client, target: string) => c.mirror({ direction: 'download', remote: '/', local: target, delete: true }) },
    { name: 'mirror following links', run: (c: Client, target: string) => c.mirror({ direction: 'download', remote: '/', local: target, followSymlinks: true }) },
  ];

  describe.each(CALLS)('$name', ({ run }) => {
    test.each(['file', 'folder'] as const)('a link to a %s outside: LocalFileError ELOOP, before anything is written', async (kind) => {
      const { target, outside, link } = await linked(kind);
      const client = await scenes.setup(treeServer());
      const err = await rejectionOf(run(client, target));
      expect(err).toBeInstanceOf(LocalFileError);
      expect(err).toMatchObject({ code: 'ERR_FTP_LOCAL_FILE', osCode: 'ELOOP', path: link });
      expect((err as Error).message).toMatch(/^Refusing to write through the symbolic link /);
      // Nothing outside changed, nothing fetched, and the target holds only the link.
      expect(await readFile(join(outside, 'victim.txt'), 'utf8')).toBe('victim');
      expect(await readdir(join(outside, 'dir'))).toEqual([]);
      expect(retrs()).toEqual([]);
      expect(await readdir(target)).toEqual([kind === 'file' ? 'a.txt' : 'sub']);
      expect(await readlink(link)).toMatch(/outside/);
    });
  });

  test('makeFolder, which makes each folder at write time, accepts a real folder and refuses a link put there after the check', async () => {
    const base = await sandbox();
    await makeFolder(join(base, 'new'));
    await makeFolder(join(base, 'new')); // already there: fine
    await symlink(join(base, 'new'), join(base, 'link'));
    await writeFile(join(base, 'file'), 'x');
    expect(await rejectionOf(makeFolder(join(base, 'link')))).toMatchObject({ code: 'ERR_FTP_LOCAL_FILE', osCode: 'ELOOP', path: join(base, 'link') });
    expect(await rejectionOf(makeFolder(join(base, 'file')))).toMatchObject({ code: 'ERR_FTP_LOCAL_FILE', osCode: 'EEXIST', path: join(base, 'file') });
  });

  test('a tree download with progress takes each total from the listing: no SIZE per file', async () => {
    const target = join(await sandbox(), 'target');
    const client = await scenes.setup(treeServer());
    const totals: (number | undefined)[] = [];
    await client.downloadDir('/', target, { onProgress: (p) => totals.push(p.total) });
    expect(retrs()).toHaveLength(3);
    expect(scenes.server.received.filter((l) => l.startsWith('SIZE'))).toEqual([]);
    expect(totals.at(-1)).toBe(3); // three files of the listed size 1
  });

  test('refuseLinksIn finds a link among few names (one lstat each) and among many (one read of the folder)', async () => {
    const base = await sandbox();
    await mkdir(join(base, 'dir'));
    for (const name of ['a', 'b', 'c', 'd', 'e']) await writeFile(join(base, 'dir', name), 'x');
    await symlink(join(base, 'dir', 'a'), join(base, 'dir', 'link'));
    const refused = { code: 'ERR_FTP_LOCAL_FILE', osCode: 'ELOOP', path: join(base, 'dir', 'link') };
    expect(await rejectionOf(refuseLinksIn(join(base, 'dir'), ['a', 'link']))).toMatchObject(refused);
    expect(await rejectionOf(refuseLinksIn(join(base, 'dir'), ['a', 'b', 'c', 'new', 'link']))).toMatchObject(refused);
    // A link the plan does not write is not its business; names not there yet, or a missing folder, are fine.
    await refuseLinksIn(join(base, 'dir'), ['a', 'b', 'c', 'd', 'new']);
    await refuseLinksIn(join(base, 'dir'), ['a', 'new']);
    await refuseLinksIn(join(base, 'missing'), ['a', 'b', 'c', 'd']);
    await refuseLinksIn(join(base, 'dir', 'a'), ['a', 'b', 'c', 'd']); // a file where a folder would be: nothing below it
  });

  test('the target itself may be a link: the caller named it', async () => {
    const base = await sandbox();
    await mkdir(join(base, 'real'));
    await symlink(join(base, 'real'), join(base, 'target'));
    const client = await scenes.setup(treeServer());
    expect((await client.downloadDir('/', join(base, 'target'))).files).toBe(3);
    expect((await readdir(join(base, 'real'))).sort()).toEqual(['a.txt', 'b.txt', 'sub']);
  });
});

describe('what a local walk leaves out is reported', () => {
  test('uploadDir: a FIFO, a socket, a broken link and an unreadable folder are in skipped; the rest goes', async () => {
    const base = await sandbox();
    const local = join(base, 'up');
    await mkdir(local);
    await writeFile(join(local, 'ok.txt'), 'ok');
    execFileSync('mkfifo', [join(local, 'fifo')]);
    const socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(local, 'sock'), resolve));
    await symlink(join(base, 'nowhere'), join(local, 'broken'));
    await mkdir(join(local, 'closed'), { mode: 0o000 });
    try {
      const client = await scenes.setup({});
      const plain = await client.uploadDir(local, '/up');
      const followed = await client.uploadDir(local, '/up2', { followSymlinks: true });
      const at = (name: string) => join(local, name);
      const unreadable = isRoot ? [] : [{ path: at('closed'), reason: 'folder that cannot be read (EACCES)' }];
      expect(plain.skipped).toEqual(
        [
          { path: at('broken'), reason: 'symbolic link (followSymlinks is off)' },
          ...unreadable,
          { path: at('fifo'), reason: 'not a regular file or directory (a FIFO)' },
          { path: at('sock'), reason: 'not a regular file or directory (a socket)' },
        ].sort((a, b) => (a.path < b.path ? -1 : 1)),
      );
      expect(followed.skipped.find((s) => s.path === at('broken'))).toEqual({ path: at('broken'), reason: 'symbolic link to nothing' });
      expect(plain.files).toBe(1);
      expect(scenes.server.files.get('/up/ok.txt')).toEqual(new TextEncoder().encode('ok'));
    } finally {
      await new Promise((resolve) => socket.close(resolve));
      await chmod(join(local, 'closed'), 0o755);
    }
  });
});
