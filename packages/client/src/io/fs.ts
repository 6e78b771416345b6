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
 * Nothing here imports a `node:` module: each function asks the runtime for it when it is called
 * ({@link builtin}, `process.getBuiltinModule`), so the client loads where there is no `node:fs`
 * (Cloudflare Workers) and only a call that needs a local file fails there, with a
 * {@link LocalFileError} that says so. It is the one place the client asks for a built-in module,
 * `node:diagnostics_channel` for tracing.ts included ({@link optionalBuiltin}).
 *
 * @module
 */
import type { Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { LocalFileError } from '../errors.js';
export type { FileHandle };
export type { Stats } from 'node:fs';

/** The built-in modules the client may use, by name. */
interface Builtins {
  'node:fs/promises': typeof import('node:fs/promises');
  'node:path': typeof import('node:path');
  'node:crypto': typeof import('node:crypto');
  'node:diagnostics_channel': typeof import('node:diagnostics_channel');
}

/**
 * The runtime's built-in module `name`, or `undefined` where there is none (Cloudflare Workers
 * without `nodejs_compat`): for what the client can do without (tracing.ts's channels).
 */
export function optionalBuiltin<K extends keyof Builtins>(name: K): Builtins[K] | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (typeof runtime?.getBuiltinModule === 'function' ? runtime.getBuiltinModule(name) : undefined) as Builtins[K] | undefined;
}

/**
 * The runtime's built-in module `name`, asked for when it is needed: Node (from 20.16), Deno and Bun
 * all have `process.getBuiltinModule`, and nothing is imported before a call needs it. Where there
 * is no such module (Cloudflare Workers without `nodejs_compat`) it throws a {@link LocalFileError}
 * naming what needed it.
 */
export function builtin<K extends keyof Builtins>(name: K, neededFor: string): Builtins[K] {
  const module = optionalBuiltin(name);
  if (module === undefined) {
    throw new LocalFileError(
      `${neededFor} needs ${name}, which this runtime does not have (Cloudflare Workers without nodejs_compat): ` +
        'download to a WritableStream or a function, and upload from bytes or a stream',
    );
  }
  return module;
}

type Fs = Builtins['node:fs/promises'];

/** `fs.promises[name]`, loaded when first called; a missing `node:fs` is a rejection, as any failure of it. */
function fsCall<K extends keyof Fs>(name: K): Fs[K] {
  return (async (...args: unknown[]) => (builtin('node:fs/promises', 'A local file')[name] as (...args: unknown[]) => unknown)(...args)) as Fs[K];
}

export const lstat = fsCall('lstat');
export const mkdir = fsCall('mkdir');
export const open = fsCall('open');
export const readdir = fsCall('readdir');
export const readFile = fsCall('readFile');
export const realpath = fsCall('realpath');
export const rename = fsCall('rename');
export const rm = fsCall('rm');
export const stat = fsCall('stat');
export const unlink = fsCall('unlink');
export const utimes = fsCall('utimes');

/** `path.join`, `path.dirname` and `path.basename` of the runtime's `node:path`, for local paths. */
export const join = (...paths: string[]): string => builtin('node:path', 'A local path').join(...paths);
export const dirname = (path: string): string => builtin('node:path', 'A local path').dirname(path);
export const basename = (path: string): string => builtin('node:path', 'A local path').basename(path);
export const resolve = (...paths: string[]): string => builtin('node:path', 'A local path').resolve(...paths);

/** `fs.constants` of the runtime's `node:fs` (open flags such as `O_NOFOLLOW`), asked for when a call needs them. */
export const fsConstants = (): Fs['constants'] => builtin('node:fs/promises', 'A local file').constants;

/**
 * This boot of the machine, where the system says (Linux: `/proc/sys/kernel/random/boot_id`), else
 * undefined. While it is the same, every byte a process wrote to a file is there for the next one
 * to read, synced or not: only a crash of the machine loses unsynced writes.
 */
export async function bootId(): Promise<string | undefined> {
  const text = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '');
  return /^[0-9a-f-]{8,64}$/.test(text.trim()) ? text.trim() : undefined;
}

/** The runtime's `process`, where it has one with an id and `kill` (Node, Deno and Bun do). */
function processApi(): { readonly pid: number; kill(pid: number, signal: number): unknown } | undefined {
  const runtime = (globalThis as { process?: { pid?: unknown; kill?: unknown } }).process;
  return typeof runtime?.pid === 'number' && typeof runtime.kill === 'function' ? (runtime as never) : undefined;
}

/** This process's id, where the runtime has one. */
export const processId = (): number | undefined => processApi()?.pid;

/**
 * Whether process `pid` runs on this machine (signal 0 checks without sending anything): `false`
 * only when the system says there is no such process, `undefined` when the runtime cannot ask.
 */
export function processRuns(pid: number): boolean | undefined {
  const api = processApi();
  if (api === undefined) return undefined;
  try {
    api.kill(pid, 0);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ESRCH' ? false : code === 'EPERM' ? true : undefined;
  }
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
 * Names checked one lstat each below this count (4); from it on, one read of their folder checks
 * them all: a tree of small files has many names per folder, and one read costs about one lstat.
 */
const READ_FOLDER_FROM = 4;

/**
 * {@link refuseLink} for each of `names` in `folder`, with one read of the folder where there are
 * enough of them: a missing folder holds no link, and a folder that cannot be read (search
 * permission only) is asked name by name.
 */
export async function refuseLinksIn(folder: string, names: readonly string[]): Promise<void> {
  let entries: Dirent[] | undefined;
  if (names.length >= READ_FOLDER_FROM) {
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
    }
  }
  if (entries === undefined) {
    for (const name of names) await refuseLink(join(folder, name));
    return;
  }
  const wanted = new Set(names);
  for (const entry of entries) if (entry.isSymbolicLink() && wanted.has(entry.name)) throw linkRefused(join(folder, entry.name));
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
