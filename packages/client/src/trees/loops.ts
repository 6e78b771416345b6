/**
 * Knowing a folder again: the loop detection and the depth bound of every tree walk.
 *
 * Theory of operation: a walk goes down one path at a time, and the folders from the root to the one
 * at hand form a {@link Trail}. A tree loops when a folder on that path is one of its own
 * ancestors: a symbolic link followed back up, a server that lists a folder inside itself, or one
 * that shows a link as a plain folder. Each folder carries what identifies it, strongest first:
 *
 * - `unique`: the MLSD `unique` fact, which RFC 3659 §7.5.2 defines for exactly this ("used to
 *   tell whether two names refer to the same object"). ProFTPD, Pure-FTPd and pyftpdlib send it.
 *   Only folders listed as folders use it: a listed link's fact is the link's own (ProFTPD).
 * - `path`: the canonical path, while following links: a link's target as the listing shows it
 *   (`ls -l`'s `->`), else the server's PWD once changed into the link (vsftpd, ProFTPD and
 *   Pure-FTPd answer with the resolved folder); a plain folder's is its parent's plus its name.
 * - `inode`: locally, the device and inode of the folder, followed links included (as `find -L`
 *   and GNU cp do); the real path where the file system gives no usable inode.
 * - `listing`, the fallback for servers that give none of these (ftp-srv, any server without MLSD):
 *   the same name and the same listing (names, types, sizes, times) at three depths of one path.
 *   One repeat can happen in a real tree (`build/build` made in one minute by one script); a
 *   listing that contains its own name and repeats twice is a loop in all but contrived trees, and
 *   a loop shows it for ever, so waiting for the second repeat costs one turn of the loop.
 *
 * What a loop means is decided by the walker (walk.ts, remove.ts): skipped and reported while
 * following links, {@link TreeLoopError} otherwise. The depth bound, {@link DEFAULT_MAX_DEPTH}, is the
 * backstop for a loop that no identity shows (a server that makes up a new name at every level).
 *
 * @module
 */
import type { ListingEntry } from '@ftpkit/codec';
import { InvalidArgumentError, TreeDepthError, type LoopEvidence } from '../errors.js';

/**
 * Folders below the root a walk lists at most. Real trees stay far below it: the deepest folder of
 * a whole Linux system with Python, Node and their packages installed is 19 below `/`, and a
 * 4096-byte PATH_MAX holds about 200 levels of 20-byte names. A loop that nothing else shows stops
 * after 100 listings, before anything is written, rather than at the local path limit (ENAMETOOLONG
 * after 816 folders named `a`, half-written).
 */
export const DEFAULT_MAX_DEPTH = 100;

/** What identifies a folder, each when known. */
export interface Identity {
  readonly unique?: string | undefined;
  readonly path?: string | undefined;
  readonly inode?: string | undefined;
}

/** One folder on the way down from the root; `parent` leads back up. */
export interface Trail {
  readonly parent: Trail | undefined;
  /** The folder as errors and reports name it: a remote path, or a local one. */
  readonly path: string;
  /** Its last segment ('' for a root the walk could not name). */
  readonly name: string;
  /** Folders below the root (the root is 0). */
  readonly depth: number;
  readonly identity: Identity;
  /** A hash of its listing once listed, for the `listing` fallback. */
  signature?: string;
}

/** An ancestor that a folder repeats, and what showed it. */
export interface Repeat {
  readonly ancestor: Trail;
  readonly by: LoopEvidence;
}

/** The root of a walk. */
export function rootTrail(path: string, name: string, identity: Identity): Trail {
  return { parent: undefined, path, name, depth: 0, identity };
}

/** A folder one level below `parent`. */
export function childTrail(parent: Trail, name: string, path: string, identity: Identity): Trail {
  return { parent, path, name, depth: parent.depth + 1, identity };
}

const BY_IDENTITY = ['unique', 'path', 'inode'] as const;

/** The ancestor that `folder` is, by its identity, if any: checked before it is listed. */
export function sameAsAncestor(folder: Trail): Repeat | undefined {
  for (let a = folder.parent; a !== undefined; a = a.parent) {
    for (const by of BY_IDENTITY) {
      const mine = folder.identity[by];
      if (mine !== undefined && mine === a.identity[by]) return { ancestor: a, by };
    }
  }
  return undefined;
}

/**
 * Record `folder`'s listing, and return the nearest ancestor of the same name and listing when two
 * of them have both (the `listing` fallback). Not used where the server gives `unique` facts.
 */
export function repeatsListing(folder: Trail, listing: readonly ListingEntry[]): Repeat | undefined {
  folder.signature = signatureOf(listing);
  if (folder.identity.unique !== undefined) return undefined;
  let nearest: Trail | undefined;
  for (let a = folder.parent; a !== undefined; a = a.parent) {
    if (a.name !== folder.name || a.signature !== folder.signature) continue;
    if (nearest !== undefined) return { ancestor: nearest, by: 'listing' };
    nearest = a;
  }
  return undefined;
}

/** Throw {@link TreeDepthError} when `folder` lies deeper than `maxDepth`. */
export function checkDepth(folder: Trail, maxDepth: number, side: 'remote' | 'local'): void {
  if (folder.depth > maxDepth) throw new TreeDepthError(side, folder.path, maxDepth);
}

/** The depth bound of a call: its `maxDepth` (a whole number from 0, or Infinity), else the default. */
export function maxDepthOf(options: { readonly maxDepth?: number | undefined }): number {
  const { maxDepth } = options;
  if (maxDepth === undefined) return DEFAULT_MAX_DEPTH;
  if (maxDepth === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxDepth) && maxDepth >= 0)) return maxDepth;
  throw new InvalidArgumentError(`maxDepth must be a whole number from 0, or Infinity, not ${String(maxDepth)}`);
}

/** A hash of a listing that any order of the same entries gives (53 bits, cyrb53's mixing). */
function signatureOf(listing: readonly ListingEntry[]): string {
  const lines = listing.map((e) => `${e.type}\0${e.name}\0${e.size ?? ''}\0${e.modifiedAt?.getTime() ?? ''}\0${e.target ?? ''}`).sort();
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const line of lines) {
    for (let i = 0; i <= line.length; i++) {
      const c = i < line.length ? line.charCodeAt(i) : 10;
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${listing.length}:${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)}`;
}
