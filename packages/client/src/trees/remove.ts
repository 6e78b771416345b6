/**
 * `rmdir -r`: a remote folder and everything in it, over one logged-in connection.
 *
 * Theory of operation: depth first, as it lists. Each folder's listing is checked whole (every name
 * a plain segment, io/paths.ts) before anything in it is deleted; then its files go (DELE), its
 * folders are emptied and removed (RMD), and the folder itself last. Symbolic links are removed, not
 * followed: servers that list a link as its target (pyftpdlib's MLSD, ftp-srv's LIST) make a link to
 * a folder look like a folder, and recursing would empty the folder it points to, outside this
 * tree. DELE removes a link (unlink) and is refused for a real folder, so it is tried first.
 *
 * A folder that DELE could not remove is entered with the tree walk's checks (loops.ts): one that is
 * its own ancestor (by MLSD `unique`, or the same name and listing at three depths) could never be
 * emptied, and one deeper than `maxDepth` is past the bound, so both end the removal with a typed
 * error before that folder is listed. What was deleted before stays deleted, as with `rm -r`.
 *
 * @module
 */
import { FtpReplyError } from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import { TreeLoopError } from '../errors.js';
import { remoteJoin, safeLocalName } from '../io/paths.js';
import type { Conn } from '../ops/conn.js';
import { list } from '../ops/listing.js';
import { checkDepth, childTrail, maxDepthOf, repeatsListing, sameAsAncestor, type Trail } from './loops.js';
import { remoteRoot, uniqueOf } from './walk.js';

/** Remove `path` and its contents; a folder more than `maxDepth` below it is a `TreeDepthError`. */
export async function removeTree(conn: Conn, path: string, options: CallOptions & { readonly maxDepth?: number | undefined }): Promise<void> {
  const maxDepth = maxDepthOf(options);
  const call = options.signal ? { signal: options.signal } : {};
  const root = await remoteRoot(conn, path, false, call);
  await emptyFolder(conn, { ...root, path }, maxDepth, call);
  await conn.command('RMD', path, call);
}

async function emptyFolder(conn: Conn, folder: Trail, maxDepth: number, options: CallOptions): Promise<void> {
  const listing = await list(conn, folder.path, options);
  const names = listing.map((entry) => safeLocalName(entry.name));
  const again = repeatsListing(folder, listing);
  if (again) throw new TreeLoopError('remote', folder.path, again.ancestor.path, again.by, true);
  for (const [i, entry] of listing.entries()) {
    const name = names[i]!;
    const child = remoteJoin(folder.path, name);
    if (entry.type === 'directory') {
      try {
        await conn.command('DELE', child, options);
        continue;
      } catch (err) {
        if (!(err instanceof FtpReplyError)) throw err;
      }
      const trail = childTrail(folder, name, child, { unique: uniqueOf(entry) });
      const same = sameAsAncestor(trail);
      if (same) throw new TreeLoopError('remote', child, same.ancestor.path, same.by, true);
      checkDepth(trail, maxDepth, 'remote');
      await emptyFolder(conn, trail, maxDepth, options);
      await conn.command('RMD', child, options);
    } else {
      await conn.command('DELE', child, options);
    }
  }
}
