/**
 * Did a command that changes the server take effect before its reply was lost?
 *
 * Theory of operation: a `DELE`, `RNFR`/`RNTO`, `MKD` or `RMD` whose connection failed before the
 * reply came may or may not have been carried out, and running it again is not the same as running
 * it once: a second `DELE` of a removed file fails, a second `RNTO` may move something else. So a
 * retry after such a failure asks first, by looking at the result the command was to bring about:
 * a removed path no longer exists, a renamed source is gone and its target exists, a made folder is
 * one the session can enter. A 4xx reply needs no such question (the action was not taken, RFC 959
 * §4.2), and neither does a path that the check finds as it was: the command runs again then.
 *
 * A path exists when `stat` finds it (MLST, or its entry in the parent's listing); it is missing
 * when `stat` finds no entry or the server answers with a permanent refusal (550). A check that
 * fails otherwise fails the attempt, which the retry policy may try again.
 *
 * @module
 */
import { FtpReplyError } from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import { NotFoundError } from '../errors.js';
import type { Conn } from './conn.js';
import { isDirectory } from './dirs.js';
import { stat } from './listing.js';

/** Whether `path` exists on the server (see the module comment). */
export async function exists(conn: Conn, path: string, options: CallOptions): Promise<boolean> {
  try {
    await stat(conn, path, options);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError || (err instanceof FtpReplyError && !err.transient)) return false;
    throw err;
  }
}

/** `remove` or `rmdir` of `path` took effect: it is gone. */
export async function removed(conn: Conn, path: string, options: CallOptions): Promise<boolean> {
  return !(await exists(conn, path, options));
}

/** `rename(from, to)` took effect: `from` is gone and `to` exists. */
export async function renamed(conn: Conn, from: string, to: string, options: CallOptions): Promise<boolean> {
  return !(await exists(conn, from, options)) && (await exists(conn, to, options));
}

/** `mkdir` of `path` took effect: it is a folder the session can enter. */
export function made(conn: Conn, path: string, options: CallOptions): Promise<boolean> {
  return isDirectory(conn, path, options);
}
