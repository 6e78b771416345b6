/**
 * Remote directories over one logged-in connection: is this a folder, `mkdir -p`, `rmdir -r`.
 *
 * Theory of operation: FTP has no "is this a directory" command that every server answers, so
 * {@link isDirectory} asks the one question every server must answer the same way: can the session
 * change into it (CWD, RFC 959 §4.1.1)? It comes back to where it was (PWD first), so the session's
 * working directory is unchanged afterwards. It is the one such test of the package: `mkdir -p` uses it
 * to tell an existing folder from a refused MKD, the tree walk to see where a symbolic link points,
 * and `isDirectory()` offers it to users.
 *
 * @module
 */
import { checkArgument, FtpReplyError, parsePwdReply } from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import { remoteJoin, safeLocalName } from '../io/paths.js';
import type { Conn } from './conn.js';
import { list } from './listing.js';

/** Whether `path` is a folder the session can change into (`''`, the login directory, is one). */
export async function isDirectory(conn: Conn, path: string, options: CallOptions): Promise<boolean> {
  if (path === '') return true;
  checkArgument('CWD', path); // three commands follow: refuse before the first is sent
  const here = parsePwdReply(await conn.command('PWD', undefined, options));
  try {
    await conn.command('CWD', path, options);
  } catch (err) {
    if (err instanceof FtpReplyError) return false;
    throw err;
  }
  await conn.command('CWD', here, options);
  return true;
}

/** MKD, where an existing folder counts as success (a refused MKD is rethrown when `path` is no folder). */
export async function makeDirectory(conn: Conn, path: string, options: CallOptions): Promise<void> {
  try {
    await conn.command('MKD', path, options);
  } catch (err) {
    // 550 for an existing directory is normal; confirm it really is one before moving on.
    if (!(err instanceof FtpReplyError) || !(await isDirectory(conn, path, options))) throw err;
  }
}

/** `mkdir -p`: one MKD per missing segment, from the first. */
export async function makeDirectories(conn: Conn, path: string, options: CallOptions): Promise<void> {
  checkArgument('MKD', path); // one MKD per segment: refuse the whole path before the first is sent
  const absolute = path.startsWith('/');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  let current = absolute ? '/' : '';
  for (const part of parts) {
    current = remoteJoin(current, part);
    await makeDirectory(conn, current, options);
  }
}

/** `rmdir -r`: the contents (symbolic links removed, not followed), then the folder. */
export async function removeTree(conn: Conn, path: string, options: CallOptions): Promise<void> {
  await emptyDirectory(conn, path, options);
  await conn.command('RMD', path, options);
}

async function emptyDirectory(conn: Conn, path: string, options: CallOptions): Promise<void> {
  for (const entry of await list(conn, path, options)) {
    const child = remoteJoin(path, safeLocalName(entry.name));
    if (entry.type === 'directory') {
      // Servers that list a symlink as its target (pyftpdlib's MLSD, ftp-srv's LIST) make a link
      // to a folder look like a folder, and recursing would empty the folder it points to, outside
      // this tree. DELE removes a link (unlink) and is refused for a real folder, so try it first.
      try {
        await conn.command('DELE', child, options);
        continue;
      } catch (err) {
        if (!(err instanceof FtpReplyError)) throw err;
      }
      await removeTree(conn, child, options);
    } else {
      await conn.command('DELE', child, options);
    }
  }
}
