/**
 * Walking local and remote trees into {@link TreeEntry} lists for recursive transfers and mirror.
 * Remote names are checked with `safeLocalName` before they become local paths; symbolic links
 * are not followed on either side and are reported as skipped.
 *
 * @module
 */
import type { Client } from './client.js';
import { join, lstat, readdir } from './fs.js';
import type { TreeEntry } from './mirror-plan.js';
import { safeLocalName } from './paths.js';

/** A walked tree: its entries, what was left out, and how precise the times are. */
export interface Walk {
  readonly entries: TreeEntry[];
  /** Entries not walked (links, devices), with why. */
  readonly skipped: { path: string; reason: string }[];
  /** Every remote time came from MLSD (to the second) rather than `ls -l` (to the minute). */
  exactTimes: boolean;
}

/**
 * Join a remote directory and a relative path; '' is the login directory.
 *
 * @example
 * ```ts
 * remotePath('/pub', 'a/b.txt'); // '/pub/a/b.txt'
 * ```
 */
export function remotePath(base: string, relative: string): string {
  if (relative === '') return base;
  if (base === '') return relative;
  return base.endsWith('/') ? `${base}${relative}` : `${base}/${relative}`;
}

/**
 * List a remote tree, depth first, as paths relative to `root`.
 *
 * @example
 * ```ts
 * const { entries, skipped } = await walkRemote(client, '/pub/site');
 * ```
 */
export async function walkRemote(client: Client, root: string, signal?: AbortSignal): Promise<Walk> {
  const walk: Walk = { entries: [], skipped: [], exactTimes: true };
  const visit = async (relative: string): Promise<void> => {
    const listing = await client.list(remotePath(root, relative) || undefined, signal ? { signal } : {});
    for (const entry of listing) {
      const name = safeLocalName(entry.name);
      const path = relative === '' ? name : `${relative}/${name}`;
      if (!entry.facts) walk.exactTimes = false;
      if (entry.type === 'directory') {
        walk.entries.push({ path, type: 'directory', modifiedAt: entry.modifiedAt });
        await visit(path);
      } else if (entry.type === 'file') {
        walk.entries.push({ path, type: 'file', size: entry.size, modifiedAt: entry.modifiedAt });
      } else {
        walk.skipped.push({ path, reason: entry.type === 'symlink' ? 'symbolic link' : `not a file (${entry.type})` });
      }
    }
  };
  await visit('');
  return walk;
}

/**
 * List a local tree, depth first, as paths relative to `root`. A missing root is an empty tree.
 *
 * @example
 * ```ts
 * const { entries } = await walkLocal('./site');
 * ```
 */
export async function walkLocal(root: string): Promise<Walk> {
  const walk: Walk = { entries: [], skipped: [], exactTimes: true };
  const visit = async (relative: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(join(root, relative));
    } catch (err) {
      if (relative === '' && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names.sort()) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const info = await lstat(join(root, path));
      if (info.isDirectory()) {
        walk.entries.push({ path, type: 'directory', modifiedAt: info.mtime });
        await visit(path);
      } else if (info.isFile()) {
        walk.entries.push({ path, type: 'file', size: info.size, modifiedAt: info.mtime });
      } else {
        walk.skipped.push({ path, reason: info.isSymbolicLink() ? 'symbolic link' : 'not a regular file' });
      }
    }
  };
  await visit('');
  return walk;
}
