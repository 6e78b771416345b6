/**
 * The names in a folder over NLST, over one logged-in connection.
 *
 * Theory of operation: NLST (RFC 959 §4.1.3) sends names only, one per line, for programs; the
 * codec's `parseNameList` turns its text into bare names whether the server echoed the folder in
 * front of each or not. It is held whole, as `list()` holds a listing, under the same bound.
 *
 * What NLST says about a folder with nothing in it, or no folder at all, differs by server (checked
 * against the five in testkit, `test/names-servers.test.ts`):
 *
 * | server | empty folder | missing folder |
 * |---|---|---|
 * | vsftpd | 226, no data | 226, no data |
 * | ProFTPD | 226, no data | 450 |
 * | Pure-FTPd | 226, `.` and `..` | 550 |
 * | pyftpdlib | 226, no data | 550 |
 * | ftp-srv | 226, one empty line | 451 |
 *
 * and older servers (wu-ftpd, some embedded ones) answer an empty folder with 450 or 550 "No files
 * found". So neither an empty answer nor a refusal is taken at its word:
 * - no names: the folder must be one the session can change into (CWD, `isDirectory`), else it is
 *   missing ({@link NotFoundError}), never `[]`;
 * - a file-system refusal (x5z) before any data: a folder the session cannot change into is
 *   missing; one it can is empty only when its listing (`list()`) has nothing in it either, else
 *   the refusal was about something else (permissions, say) and is thrown as it is;
 * - any other failure (the data connection, the login, a refusal after data came) is thrown.
 * The extra commands are sent only in those cases, never for a folder that has names.
 *
 * @module
 */
import { FtpReplyError, isFileSystemRefusal, parseNameList } from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import { NotFoundError, UnreadableListingError } from '../errors.js';
import type { Conn } from './conn.js';
import { isDirectory } from './dirs.js';
import { heldListing, list } from './listing.js';

/** The names in the folder `path` (`undefined` or `''`: the current folder), without `.` and `..`. */
export async function names(conn: Conn, path: string | undefined, options: CallOptions): Promise<string[]> {
  const folder = path === '' ? undefined : path;
  const held = heldListing(conn.options.encoding);
  let bytes = 0;
  try {
    await conn.transfer('NLST', folder, held.io, { ...options, onBytes: (n) => (bytes += n) });
  } catch (err) {
    if (bytes > 0 || !(err instanceof FtpReplyError) || !isFileSystemRefusal(err.reply)) throw err;
    if (!(await isDirectory(conn, folder ?? '', options))) throw new NotFoundError(folder ?? '', { what: 'folder', cause: err });
    if (await listsNothing(conn, folder, options)) return [];
    throw err;
  }
  const found = parseNameList(held.text());
  if (found.length === 0 && !(await isDirectory(conn, folder ?? '', options))) throw new NotFoundError(folder ?? '', { what: 'folder' });
  return found;
}

/** Whether the listing of `folder` is readable and empty; false when it lists anything or is refused. */
async function listsNothing(conn: Conn, folder: string | undefined, options: CallOptions): Promise<boolean> {
  try {
    return (await list(conn, folder, options)).length === 0;
  } catch (err) {
    if (err instanceof FtpReplyError || err instanceof UnreadableListingError) return false;
    throw err;
  }
}
