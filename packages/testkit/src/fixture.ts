// The small directory tree the interop tests list, download and compare: the awkward names and
// entry kinds real servers render differently (research/servers-and-baseline.md §2.7).
import { chown, lchown, lstat, mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FTP_USER, isRoot, lookupUser } from './users.js';

/** One entry of {@link FIXTURE_TREE}. Paths are relative to the root and use `/`. */
export type FixtureEntry =
  | { readonly type: 'file'; readonly path: string; readonly content: string; readonly mtime?: Date }
  | { readonly type: 'dir'; readonly path: string }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string };

/** The mtime of `hello.txt`: old enough that `ls -l` shows a year instead of a time. */
export const FIXTURE_OLD_MTIME = new Date('2020-01-02T03:04:05Z');

/**
 * What {@link makeFixtureTree} creates, in creation order. File contents are ASCII, so a
 * content's length is the file's size in bytes.
 */
export const FIXTURE_TREE: readonly FixtureEntry[] = [
  { type: 'file', path: 'hello.txt', content: 'hello\n', mtime: FIXTURE_OLD_MTIME },
  { type: 'file', path: 'small.bin', content: 'a'.repeat(4096) },
  { type: 'file', path: 'file with space.txt', content: 'x\n' },
  // NFC, as typed; a server hands the bytes back as they are on disk.
  { type: 'file', path: 'ünïcödé.txt'.normalize('NFC'), content: 'u\n' },
  { type: 'file', path: '.hidden', content: 'h\n' },
  { type: 'dir', path: 'sub' },
  { type: 'file', path: 'sub/nested.txt', content: 'n\n' },
  { type: 'dir', path: 'dir with space' },
  { type: 'symlink', path: 'link-to-hello', target: 'hello.txt' },
  { type: 'symlink', path: 'link-to-sub', target: 'sub' },
];

/**
 * Replaces whatever is at `path` unless it is already a real folder and a folder is wanted: a root
 * that a previous run left behind may hold a fixture entry, or a symlink or folder where a file
 * goes, and writing through a leftover symlink would write outside the root.
 */
async function clearFor(path: string, type: FixtureEntry['type']): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (!existing || (type === 'dir' && existing.isDirectory())) return;
  await rm(path, { recursive: true, force: true });
}

/**
 * Creates {@link FIXTURE_TREE} under `root` (which must exist, and may already hold other files).
 * Entries a previous run left at the fixture's paths are replaced, so the call can be repeated.
 * When run as root, everything created is handed to the system user `ftpuser`, whom vsftpd,
 * ProFTPD and Pure-FTPd run sessions as, so that a logged-in user can rename and delete it.
 *
 * @example
 * ```ts
 * const server = await startServer('vsftpd');
 * await makeFixtureTree(server.root);
 * ```
 */
export async function makeFixtureTree(root: string): Promise<void> {
  const owner = isRoot() ? await lookupUser(FTP_USER) : undefined;
  for (const entry of FIXTURE_TREE) {
    const path = join(root, ...entry.path.split('/'));
    await clearFor(path, entry.type);
    switch (entry.type) {
      case 'dir':
        await mkdir(path, { recursive: true, mode: 0o755 });
        break;
      case 'file':
        await writeFile(path, entry.content, { mode: 0o644 });
        if (entry.mtime) await utimes(path, entry.mtime, entry.mtime);
        break;
      case 'symlink':
        await symlink(entry.target, path);
        break;
    }
    if (owner) await (entry.type === 'symlink' ? lchown : chown)(path, owner.uid, owner.gid);
  }
}
