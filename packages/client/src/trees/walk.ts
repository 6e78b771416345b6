/**
 * Walking local and remote trees into {@link TreeEntry} lists, for every tree transfer.
 *
 * Theory of operation: a walk lists a tree into paths relative to its root (`/`-separated), sorted,
 * with what it left out in `skipped`. Remote names are checked with `safeLocalName` as they are
 * listed, before any of them becomes part of a local path. The remote tree is listed a level at a
 * time, the folders of one level `runner.concurrency` at a time (one on a Client, the pool's size
 * on a Pool).
 *
 * Symbolic links are reported as skipped unless `followSymlinks` is set. A followed link to a folder
 * is walked as a folder, and one to a file becomes a file; FTP has no "what is this link" command, so
 * a remote link is tested with CWD (ops/dirs.ts) and a file link's size asked with SIZE (its listing
 * shows the link's own); a link that is neither (broken, or refused) is skipped. A link that leads
 * back into its own ancestors is skipped rather than walked for ever: locally by real path, remotely
 * by the target the listing shows, and, since MLSD shows none, by a bound on links within links.
 *
 * @module
 */
import type { ListingEntry } from '@ftpkit/codec';
import type { CallOptions, SkippedEntry } from '../calls.js';
import { join, lstat, readdir, realpath, stat } from '../io/fs.js';
import { remoteJoin, safeLocalName } from '../io/paths.js';
import type { Conn, Runner } from '../ops/conn.js';
import { isDirectory } from '../ops/dirs.js';
import { sizeOrUndefined } from '../ops/download.js';
import { list } from '../ops/listing.js';
import { runAll } from '../parallel.js';
import { byPath, type TreeEntry } from './plan.js';

/** A walked tree: its entries, what was left out, and how precise the times are. */
export interface Walk {
  readonly entries: TreeEntry[];
  /** Entries not walked (links, devices), with why. */
  readonly skipped: SkippedEntry[];
  /** Every remote time came from MLSD (to the second) rather than `ls -l` (to the minute). */
  exactTimes: boolean;
}

/** How a walk treats links. */
export interface WalkOptions extends CallOptions {
  readonly followSymlinks?: boolean | undefined;
}

/** Links followed within links at most this deep on a remote tree, where a loop may not show. */
const MAX_REMOTE_LINK_DEPTH = 8;

const LINK_OFF = 'symbolic link (followSymlinks is off)';
const LINK_LOOP = 'symbolic link back into its own ancestors';

/** A folder still to list: its path relative to the root, and how many followed links lead to it. */
interface Folder {
  readonly path: string;
  readonly links: number;
}

/** List a remote tree. */
export async function walkRemote(runner: Runner, root: string, options: WalkOptions): Promise<Walk> {
  const walk: Walk = { entries: [], skipped: [], exactTimes: true };
  let level: Folder[] = [{ path: '', links: 0 }];
  while (level.length > 0) {
    const next: Folder[] = [];
    await runAll(level, runner.concurrency, options.signal, (folder, signal) =>
      runner.run({ signal }, async (conn) => {
        const listing = await list(conn, remoteJoin(root, folder.path) || undefined, { signal });
        // Every name is checked before any of them leads to more commands.
        const names = listing.map((entry) => safeLocalName(entry.name));
        for (const [i, entry] of listing.entries()) await visitRemote(conn, root, folder, names[i]!, entry, { ...options, signal }, walk, next);
      }),
    );
    level = next;
  }
  return sorted(walk);
}

async function visitRemote(conn: Conn, root: string, folder: Folder, name: string, entry: ListingEntry, options: WalkOptions, walk: Walk, next: Folder[]): Promise<void> {
  const path = folder.path === '' ? name : `${folder.path}/${name}`;
  if (!entry.facts) walk.exactTimes = false;
  if (entry.type === 'directory') {
    walk.entries.push({ path, type: 'directory', modifiedAt: entry.modifiedAt });
    next.push({ path, links: folder.links });
  } else if (entry.type === 'file') {
    walk.entries.push({ path, type: 'file', size: entry.size, modifiedAt: entry.modifiedAt });
  } else if (entry.type !== 'symlink') {
    walk.skipped.push({ path, reason: `not a file or directory (${entry.type})` });
  } else if (!options.followSymlinks) {
    walk.skipped.push({ path, reason: LINK_OFF });
  } else if (await isDirectory(conn, remoteJoin(root, path), options)) {
    if (pointsAbove(remoteJoin(root, folder.path), entry.target)) {
      walk.skipped.push({ path, reason: LINK_LOOP });
      return;
    }
    if (folder.links >= MAX_REMOTE_LINK_DEPTH) {
      walk.skipped.push({ path, reason: `symbolic link inside ${MAX_REMOTE_LINK_DEPTH} others (a loop?)` });
      return;
    }
    walk.entries.push({ path, type: 'directory', modifiedAt: undefined });
    next.push({ path, links: folder.links + 1 });
  } else {
    // The listing's size and time are the link's own: ask for the file's size, and go without a time.
    // Where SIZE is offered and refused, the link leads nowhere this session can read (RFC 3659 §4.2).
    const size = await sizeOrUndefined(conn, remoteJoin(root, path), options);
    if (size === undefined && conn.features.has('SIZE')) walk.skipped.push({ path, reason: 'symbolic link to neither a folder nor a file' });
    else walk.entries.push({ path, type: 'file', size, modifiedAt: undefined });
  }
}

/**
 * Whether a link in `folder` (a remote path) with this target leads to `folder` itself or one of its
 * ancestors. A target that climbs above a relative folder's start, or an absolute target seen from a
 * relative folder, names a place whose relation to it is unknown here.
 */
function pointsAbove(folder: string, target: string | undefined): boolean {
  if (target === undefined) return false;
  const absolute = folder.startsWith('/');
  if (target.startsWith('/') && !absolute) return false;
  const here = segments(folder);
  const parts = target.startsWith('/') ? [] : [...here];
  for (const part of segments(target)) {
    if (part !== '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
    else if (!absolute) return false; // `/..` is `/`; above a relative start is unknown
  }
  const resolved = parts.join('/');
  return resolved === '' || here.join('/') === resolved || here.join('/').startsWith(`${resolved}/`);
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

/** List a local tree. A missing root is an empty tree with `missingIsEmpty` (a target), an error otherwise. */
export async function walkLocal(root: string, options: WalkOptions & { readonly missingIsEmpty?: boolean }): Promise<Walk> {
  const walk: Walk = { entries: [], skipped: [], exactTimes: true };
  const follow = options.followSymlinks === true;
  const visit = async (relative: string, ancestors: readonly string[]): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(join(root, relative));
    } catch (err) {
      if (relative === '' && options.missingIsEmpty && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const full = join(root, path);
      let info = await lstat(full);
      if (info.isSymbolicLink()) {
        if (!follow) {
          walk.skipped.push({ path, reason: LINK_OFF });
          continue;
        }
        const target = await stat(full).catch(() => undefined);
        if (!target) {
          walk.skipped.push({ path, reason: 'symbolic link to nothing' });
          continue;
        }
        info = target;
      }
      if (info.isDirectory()) {
        const real = follow ? await realpath(full) : '';
        if (follow && ancestors.includes(real)) {
          walk.skipped.push({ path, reason: LINK_LOOP });
          continue;
        }
        walk.entries.push({ path, type: 'directory', modifiedAt: info.mtime });
        await visit(path, follow ? [...ancestors, real] : ancestors);
      } else if (info.isFile()) {
        walk.entries.push({ path, type: 'file', size: info.size, modifiedAt: info.mtime });
      } else {
        walk.skipped.push({ path, reason: 'not a regular file or directory' });
      }
    }
  };
  await visit('', follow ? [await realpath(root).catch(() => root)] : []);
  return sorted(walk);
}

function sorted(walk: Walk): Walk {
  walk.entries.sort(byPath);
  walk.skipped.sort(byPath);
  return walk;
}
