/**
 * Remote directories over one logged-in connection: is this a folder, where does it lead, `mkdir -p`.
 *
 * Theory of operation: FTP has no "is this a directory" command that every server answers, so
 * {@link isDirectory} asks the one question every server must answer the same way: can the session
 * change into it (CWD, RFC 959 §4.1.1)? It comes back to where it was (PWD first), so the session's
 * working directory is unchanged afterwards. It is the one such test of the package: `mkdir -p` uses it
 * to tell an existing folder from a refused MKD, and `isDirectory()` offers it to users.
 * {@link resolveDirectory} asks PWD once inside as well: servers that resolve links (vsftpd, ProFTPD,
 * Pure-FTPd) answer with the folder a link leads to, which the tree walk uses to know a followed link
 * for one of its own ancestors (trees/loops.ts). `rmdir -r` is a tree walk: trees/remove.ts.
 *
 * @module
 */
import { checkArgument, FtpReplyError, parsePwdReply } from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import { remoteJoin } from '../io/paths.js';
import type { Conn } from './conn.js';

/** Whether `path` is a folder the session can change into (`''`, the login directory, is one). */
export async function isDirectory(conn: Conn, path: string, options: CallOptions): Promise<boolean> {
  if (path === '') return true;
  return (await inside(conn, path, options, async () => true)) ?? false;
}

/**
 * The server's own name for the folder `path` (PWD once changed into it), or undefined when it is no
 * folder the session can enter. A server whose PWD answer cannot be read gives `path` back.
 */
export async function resolveDirectory(conn: Conn, path: string, options: CallOptions): Promise<string | undefined> {
  const pwd = async (): Promise<string> => {
    const reply = await conn.command('PWD', undefined, options);
    try {
      return parsePwdReply(reply);
    } catch {
      return path;
    }
  };
  return path === '' ? pwd() : inside(conn, path, options, pwd);
}

/** Run `fn` with `path` as the working directory, and change back; undefined when CWD is refused. */
async function inside<T>(conn: Conn, path: string, options: CallOptions, fn: () => Promise<T>): Promise<T | undefined> {
  checkArgument('CWD', path); // the commands that follow: refuse before the first is sent
  const here = parsePwdReply(await conn.command('PWD', undefined, options));
  try {
    await conn.command('CWD', path, options);
  } catch (err) {
    if (err instanceof FtpReplyError) return undefined;
    throw err;
  }
  try {
    return await fn();
  } finally {
    await conn.command('CWD', here, options);
  }
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
