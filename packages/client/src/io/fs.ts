/**
 * The client's only access to local files. `node:fs` works on Node, Deno and Bun alike, so one shim
 * serves all three; keeping it in one file makes the dependency easy to swap for a runtime without it.
 *
 * Theory of operation: a local failure leaves here as a {@link LocalFileError} that says what could
 * not be done, to which path, and why, with the system's code in `osCode`: {@link localFileError} is
 * the one place that turns `ENAMETOOLONG`, `EACCES`, `ENOSPC`, `EISDIR` and the rest into words.
 * Writes into a tree never go through a symbolic link that was already there
 * ({@link makeFolder}, {@link refuseLink}): a link inside a download's target could lead anywhere,
 * so it is refused, not followed and not replaced (the guide "When servers misbehave" says why).
 *
 * @module
 */
export { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
export type { FileHandle } from 'node:fs/promises';
export { constants } from 'node:fs';
export type { Stats } from 'node:fs';
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LocalFileError } from '../errors.js';
export { basename, dirname, join, resolve };

/**
 * Whether `FileHandle.writev` joins the buffers into a new one before writing. Deno 2.9's does:
 * writing 1 GiB as 1 MiB `writev`s of eight 128 KiB buffers peaked at 129 MB RSS there, against
 * 49 MB with one `write` per buffer (and 49 MB on Node either way). Where it copies, the sinks write
 * buffer by buffer instead.
 */
export const writevCopies: boolean = typeof (globalThis as { Deno?: unknown }).Deno === 'object';

/**
 * This boot of the machine, where the system says (Linux: `/proc/sys/kernel/random/boot_id`), else
 * undefined. While it is the same, every byte a process wrote to a file is there for the next one
 * to read, synced or not: only a crash of the machine loses unsynced writes.
 */
export async function bootId(): Promise<string | undefined> {
  const text = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '');
  return /^[0-9a-f-]{8,64}$/.test(text.trim()) ? text.trim() : undefined;
}

/** What each system code means for a local file, in words. */
const REASONS: Readonly<Record<string, string>> = {
  ENAMETOOLONG: 'the name is too long for the file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EFBIG: 'the file is too large for the file system',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'something else already has that name',
  ENOENT: 'no such file or folder',
  EROFS: 'the file system is read-only',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is busy',
  EIO: 'an input/output error',
  EINVAL: 'the file system does not accept that name',
};

/**
 * `err`, a failure to `doing` (`'write'`, `'create the folder'`, ...) the local `path`, as a
 * {@link LocalFileError} with the system's code and its meaning. Anything that is not a system
 * error (an abort, an error of ours) is given back as it is.
 *
 * @example
 * ```ts
 * await open(temp, 'wx').catch((err: unknown) => {
 *   throw localFileError(err, 'write', path); // LocalFileError: Cannot write ./x: permission denied (EACCES)
 * });
 * ```
 */
export function localFileError(err: unknown, doing: string, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof LocalFileError || typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return err;
  const reason = REASONS[code] ?? (err as Error).message;
  return new LocalFileError(`Cannot ${doing} ${path}: ${reason} (${code})`, { cause: err, path, osCode: code });
}

/** The refusal to write through the symbolic link `path` (`ELOOP`, as open(2) says with `O_NOFOLLOW`). */
export function linkRefused(path: string): LocalFileError {
  return new LocalFileError(`Refusing to write through the symbolic link ${path}, which was already there (it could lead anywhere): remove it, or exclude the path`, {
    path,
    osCode: 'ELOOP',
  });
}

/** Throw {@link linkRefused} when `path` is a symbolic link; nothing there, or anything else, is fine. */
export async function refuseLink(path: string): Promise<void> {
  const info = await lstat(path).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw localFileError(err, 'read', path);
  });
  if (info?.isSymbolicLink()) throw linkRefused(path);
}

/**
 * Create the folder `path` (its parent exists), or accept the real folder already there. A symbolic
 * link there is refused, even one to a folder: it is never written through.
 */
export async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw localFileError(err, 'create the folder', path);
    const info = await lstat(path).catch((cause: unknown) => {
      throw localFileError(cause, 'create the folder', path);
    });
    if (info.isSymbolicLink()) throw linkRefused(path);
    if (!info.isDirectory()) throw localFileError(err, 'create the folder', path);
  }
}
