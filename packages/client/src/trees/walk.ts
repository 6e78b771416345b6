/**
 * Walking local and remote trees into {@link TreeEntry} lists, for every tree transfer.
 *
 * Theory of operation: a walk lists a tree into paths relative to its root (`/`-separated), sorted,
 * with what it left out in `skipped`. Remote names are checked with `safeLocalName` as they are
 * listed, before any of them becomes part of a local path. The remote tree is listed a level at a
 * time, the folders of one level `runner.concurrency` at a time (one on a Client, the pool's size
 * on a Pool). A folder that an `exclude` glob leaves alone is reported but not walked into.
 *
 * Symbolic links are reported as skipped unless `followSymlinks` is set. A followed link to a folder
 * is walked as a folder, and one to a file becomes a file; FTP has no "what is this link" command, so
 * a remote link is tested with CWD and its canonical path asked with PWD (ops/dirs.ts), and a file
 * link's size asked with SIZE (its listing shows the link's own); a link that is neither (broken,
 * or refused) is skipped, and so is a local one that leads nowhere or an entry that cannot be read.
 *
 * Every walk ends (loops.ts): each folder is checked against its ancestors before it is listed (MLSD
 * `unique`, canonical path, device and inode), and its listing after (the fallback), and no folder
 * deeper than `maxDepth` is listed. A folder that is its own ancestor is skipped and reported while
 * following links, as GNU `find -L` does: links back up are a known shape of real trees, and the
 * rest of the tree is still copied once. Otherwise it throws {@link TreeLoopError}: the listing says
 * these are folders, and a faithful copy of them would never end. Either way the walk, and so the
 * transfer, has written nothing yet. On a remote tree where nothing shows a loop, links followed
 * within links stop at {@link MAX_REMOTE_LINK_DEPTH}, and the depth bound stops the rest.
 *
 * @module
 */
import { FtpReplyError, parseMlstReply, RemoteProtocolError, type ListingEntry } from '@ftpkit/codec';
import type { CallOptions, SkippedEntry } from '../calls.js';
import { EVIDENCE, LocalFileError, TreeLoopError } from '../errors.js';
import { join, localFileError, lstat, readdir, realpath, stat, type Stats } from '../io/fs.js';
import { remoteJoin, remoteSplit, safeLocalName } from '../io/paths.js';
import type { Conn, Runner } from '../ops/conn.js';
import { resolveDirectory } from '../ops/dirs.js';
import { sizeOrUndefined } from '../ops/download.js';
import { list } from '../ops/listing.js';
import { runAll } from '../parallel.js';
import { idempotent } from '../retried.js';
import { checkDepth, childTrail, maxDepthOf, repeatsListing, rootTrail, sameAsAncestor, type Identity, type Repeat, type Trail } from './loops.js';
import { byPath, type TreeEntry } from './plan.js';

/** A walked tree: its entries (each time with its precision), what was left out, and the server's zone. */
export interface Walk {
  readonly entries: TreeEntry[];
  /** Entries not walked (links, devices, loops, unreadable folders), with why. */
  readonly skipped: SkippedEntry[];
  /** A remote walk: the server's offset from UTC at an instant, as its LIST times were read (`plan.ts: newerThan`). */
  zoneOffsetAt?: (utcMs: number) => number;
}

/** How a walk treats links, how deep it goes, and what it leaves alone. */
export interface WalkOptions extends CallOptions {
  readonly followSymlinks?: boolean | undefined;
  readonly maxDepth?: number | undefined;
  /** Paths (relative to the root) the walk reports but does not walk into. */
  readonly excluded?: ((path: string) => boolean) | undefined;
  /**
   * A remote folder below the root whose listing the server refuses (`FtpReplyError`, such as the
   * 550 for a folder deleted after its parent was listed): with this, it is told here and the walk
   * goes on, with the folder's entry (its parent listed it) and without its contents; without it,
   * the walk fails with that error. A watch goes on; a transfer stops.
   */
  readonly onRefused?: ((path: string, error: FtpReplyError) => void) | undefined;
}

/** Links followed within links at most this deep on a remote tree, where a loop may not show. */
const MAX_REMOTE_LINK_DEPTH = 8;

const LINK_OFF = 'symbolic link (followSymlinks is off)';

/** A folder still to list: where it is, its trail of ancestors, and how many followed links lead to it. */
interface Folder {
  readonly path: string;
  readonly trail: Trail;
  readonly links: number;
  readonly modifiedAt: Date | undefined;
}

/** What one walk knows while it runs. */
interface Walking {
  readonly walk: Walk;
  readonly side: 'remote' | 'local';
  readonly follow: boolean;
  readonly maxDepth: number;
  readonly excluded: (path: string) => boolean;
}

function walking(side: 'remote' | 'local', options: WalkOptions): Walking {
  return {
    walk: { entries: [], skipped: [] },
    side,
    follow: options.followSymlinks === true,
    maxDepth: maxDepthOf(options),
    excluded: options.excluded ?? (() => false),
  };
}

/** List a remote tree. */
export async function walkRemote(runner: Runner, root: string, options: WalkOptions): Promise<Walk> {
  const state = walking('remote', options);
  const call = options.signal ? { signal: options.signal } : {};
  const top = await idempotent(runner, call, { call: 'list', path: root }, (conn) => remoteRoot(conn, root, state.follow, call));
  let level: Folder[] = [{ path: '', trail: top, links: 0, modifiedAt: undefined }];
  while (level.length > 0) {
    const next: Folder[] = [];
    await runAll(level, runner.concurrency, options.signal, async (folder, signal) => {
      // Each command is retried on its own (the listing, a link's questions), before any state changes.
      const path = remoteJoin(root, folder.path) || undefined;
      let listing: ListingEntry[];
      try {
        listing = await idempotent(runner, { signal }, { call: 'list', path }, async (conn) => {
          const entries = await list(conn, path, { signal });
          state.walk.zoneOffsetAt = conn.zone.zone.at;
          return entries;
        });
      } catch (err) {
        if (folder.path === '' || options.onRefused === undefined || !(err instanceof FtpReplyError)) throw err;
        options.onRefused(folder.path, err);
        state.walk.entries.push({ path: folder.path, type: 'directory', modifiedAt: folder.modifiedAt });
        return;
      }
      // Every name is checked before any of them leads to more commands.
      const names = listing.map((entry) => safeLocalName(entry.name));
      if (!entered(state, folder, repeatsListing(folder.trail, listing), false)) return;
      if (folder.path !== '') state.walk.entries.push({ path: folder.path, type: 'directory', modifiedAt: folder.modifiedAt });
      const ask: Ask = (what, fn) => idempotent(runner, { signal }, what, fn);
      for (const [i, entry] of listing.entries()) await visitRemote(ask, root, folder, names[i]!, entry, { signal }, state, next);
    });
    level = next;
  }
  return sorted(state.walk);
}

/**
 * The root of a remote walk: its `unique` fact (MLST, where the server has it) and, while following
 * links, its canonical path, so that a link back to the root itself is known at once.
 */
export async function remoteRoot(conn: Conn, root: string, follow: boolean, options: CallOptions): Promise<Trail> {
  let unique: string | undefined;
  if (conn.features.has('MLST')) {
    try {
      unique = uniqueOf(parseMlstReply(await conn.command('MLST', root === '' ? undefined : root, options)));
    } catch (err) {
      if (!(err instanceof FtpReplyError) && !(err instanceof RemoteProtocolError)) throw err;
    }
  }
  const path = follow ? canonical(await resolveDirectory(conn, root, options)) : undefined;
  return rootTrail(root || '.', remoteSplit(root).name, { unique, path });
}

/** The `unique` fact of a folder listed as a folder (a listed link's is the link's own: ProFTPD). */
export function uniqueOf(entry: ListingEntry): string | undefined {
  return entry.type === 'directory' ? entry.facts?.get('unique') : undefined;
}

/** Ask the server one idempotent question (retried under the runner's policy). */
type Ask = <T>(what: { readonly call: string; readonly path: string }, fn: (conn: Conn) => Promise<T>) => Promise<T>;

async function visitRemote(ask: Ask, root: string, folder: Folder, name: string, entry: ListingEntry, options: CallOptions, state: Walking, next: Folder[]): Promise<void> {
  const { walk } = state;
  const path = folder.path === '' ? name : `${folder.path}/${name}`;
  const remote = remoteJoin(root, path);
  const here = folder.trail.identity.path;
  if (entry.type === 'directory') {
    const identity = { unique: uniqueOf(entry), path: here === undefined ? undefined : remoteJoin(here, name) };
    descend(state, { path, trail: childTrail(folder.trail, name, remote, identity), links: folder.links, modifiedAt: entry.modifiedAt }, false, next);
  } else if (entry.type === 'file') {
    walk.entries.push({ path, type: 'file', size: entry.size, modifiedAt: entry.modifiedAt, precision: entry.precision });
  } else if (entry.type !== 'symlink') {
    walk.skipped.push({ path, reason: `not a file or directory (${entry.type})` });
  } else if (!state.follow) {
    walk.skipped.push({ path, reason: LINK_OFF });
  } else {
    // A target the listing shows (`ls -l`) names the folder without a command.
    const shown = here === undefined || entry.target === undefined ? undefined : resolveTarget(here, entry.target);
    if (shown !== undefined && !queued(state, { path, trail: childTrail(folder.trail, name, remote, { path: shown }), links: 0, modifiedAt: undefined }, true)) return;
    // Else the server's PWD inside the link does, where the server resolves links.
    const resolved = await ask({ call: 'isDirectory', path: remote }, (conn) => resolveDirectory(conn, remote, options));
    if (resolved !== undefined) {
      if (folder.links >= MAX_REMOTE_LINK_DEPTH) {
        walk.skipped.push({ path, reason: `symbolic link inside ${MAX_REMOTE_LINK_DEPTH} others (a loop?)` });
        return;
      }
      const trail = childTrail(folder.trail, name, remote, { path: here === undefined ? undefined : canonical(resolved) });
      descend(state, { path, trail, links: folder.links + 1, modifiedAt: undefined }, true, next);
      return;
    }
    // The listing's size and time are the link's own: ask for the file's size, and go without a time.
    // Where SIZE is offered and refused, the link leads nowhere this session can read (RFC 3659 §4.2).
    const { size, offered } = await ask({ call: 'size', path: remote }, async (conn) => ({ size: await sizeOrUndefined(conn, remote, options), offered: conn.features.has('SIZE') }));
    if (size === undefined && offered) walk.skipped.push({ path, reason: 'symbolic link to neither a folder nor a file' });
    else walk.entries.push({ path, type: 'file', size, modifiedAt: undefined });
  }
}

/**
 * Queue `child` to be listed (`next`), unless it is excluded (reported as a folder, not walked into),
 * one of its own ancestors, or deeper than the bound.
 */
function descend(state: Walking, child: Folder, link: boolean, next: Folder[]): void {
  if (state.excluded(child.path)) {
    state.walk.entries.push({ path: child.path, type: 'directory', modifiedAt: child.modifiedAt });
    return;
  }
  if (!queued(state, child, link)) return;
  checkDepth(child.trail, state.maxDepth, state.side);
  next.push(child);
}

/** False, with `child` skipped or a {@link TreeLoopError} thrown, when it is one of its own ancestors. */
function queued(state: Walking, child: Folder, link: boolean): boolean {
  return entered(state, child, sameAsAncestor(child.trail), link);
}

/**
 * Whether the walk goes into `folder`, given the ancestor it repeats, if any: a loop is skipped and
 * reported while following links, and a {@link TreeLoopError} otherwise.
 */
function entered(state: Walking, folder: Folder, repeat: Repeat | undefined, link: boolean): boolean {
  if (repeat !== undefined) {
    const { ancestor, by } = repeat;
    if (!state.follow) throw new TreeLoopError(state.side, folder.trail.path, ancestor.path, by);
    const what = link ? 'symbolic link' : 'folder';
    state.walk.skipped.push({ path: folder.path, reason: `${what} back into its own ancestors: the same folder as ${ancestor.path} (${EVIDENCE[by]})` });
    return false;
  }
  return true;
}

/** `target`, a link's target as a listing shows it, resolved against the folder `here` (canonical). */
function resolveTarget(here: string, target: string): string | undefined {
  if (!here.startsWith('/')) return undefined; // not a Unix-style path: nothing to resolve against
  const parts = target.startsWith('/') ? [] : segments(here);
  for (const part of segments(target)) {
    if (part !== '..') parts.push(part);
    else parts.pop(); // `/..` is `/`
  }
  return `/${parts.join('/')}`;
}

/** A remote folder's canonical path in one spelling: `/`-separated, without `.` or a trailing `/`. */
function canonical(path: string | undefined): string | undefined {
  if (path === undefined || !path.startsWith('/')) return path;
  return `/${segments(path).join('/')}`;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

/** List a local tree. A missing root is an empty tree with `missingIsEmpty` (a target), an error otherwise. */
export async function walkLocal(root: string, options: WalkOptions & { readonly missingIsEmpty?: boolean }): Promise<Walk> {
  const state = walking('local', options);
  const { walk, follow } = state;
  let info: Stats;
  try {
    // The root is the caller's own choice: a link there is followed.
    info = await stat(root);
  } catch (err) {
    if (options.missingIsEmpty && (err as NodeJS.ErrnoException).code === 'ENOENT') return walk;
    throw localFileError(err, 'read the folder', root);
  }
  if (!info.isDirectory()) throw new LocalFileError(`Cannot read the folder ${root}: it is not a folder`, { path: root, osCode: 'ENOTDIR' });
  const visit = async (folder: Folder): Promise<void> => {
    const at = folder.trail.path;
    let names: string[];
    try {
      names = await readdir(at);
    } catch (err) {
      if (folder.path === '') throw localFileError(err, 'read the folder', at);
      walk.skipped.push({ path: folder.path, reason: `folder that cannot be read (${codeOf(err)})` });
      return;
    }
    if (folder.path !== '') walk.entries.push({ path: folder.path, type: 'directory', modifiedAt: folder.modifiedAt });
    for (const name of names) {
      const path = folder.path === '' ? name : `${folder.path}/${name}`;
      const full = join(at, name);
      let entry: Stats;
      try {
        entry = await lstat(full);
      } catch (err) {
        walk.skipped.push({ path, reason: `entry that cannot be read (${codeOf(err)})` });
        continue;
      }
      const link = entry.isSymbolicLink();
      if (link) {
        if (!follow) {
          walk.skipped.push({ path, reason: LINK_OFF });
          continue;
        }
        const target = await stat(full).catch(() => undefined);
        if (!target) {
          walk.skipped.push({ path, reason: 'symbolic link to nothing' });
          continue;
        }
        entry = target;
      }
      if (entry.isDirectory()) {
        const trail = childTrail(folder.trail, name, full, await localIdentity(full, entry, follow));
        const child: Folder = { path, trail, links: 0, modifiedAt: entry.mtime };
        const into: Folder[] = [];
        descend(state, child, link, into);
        if (into.length > 0) await visit(child);
      } else if (entry.isFile()) {
        walk.entries.push({ path, type: 'file', size: entry.size, modifiedAt: entry.mtime });
      } else {
        walk.skipped.push({ path, reason: `not a regular file or directory (${kindOf(entry)})` });
      }
    }
  };
  await visit({ path: '', trail: rootTrail(root, '', await localIdentity(root, info, follow)), links: 0, modifiedAt: undefined });
  return sorted(walk);
}

/**
 * A local folder's identity: device and inode, where the file system gives a usable inode; else,
 * while following links, its real path. (Windows file ids can pass 2^53, where a number loses them.)
 */
async function localIdentity(path: string, info: Stats, follow: boolean): Promise<Identity> {
  if (Number.isSafeInteger(info.ino) && info.ino > 0) return { inode: `${info.dev}:${info.ino}` };
  return follow ? { path: await realpath(path).catch(() => undefined) } : {};
}

function kindOf(info: Stats): string {
  if (info.isSocket()) return 'a socket';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isBlockDevice() || info.isCharacterDevice()) return 'a device';
  return 'unknown';
}

function codeOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : String(err);
}

function sorted(walk: Walk): Walk {
  walk.entries.sort(byPath);
  walk.skipped.sort(byPath);
  return walk;
}
