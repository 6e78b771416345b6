/**
 * Remote path helpers and the guard for server-supplied names.
 *
 * A listing is server input. Before a name from it becomes part of a local path it must be a single,
 * plain path segment: no separators of either kind, no `.` or `..`, no NUL, no drive letter and
 * nothing absolute. Otherwise a hostile server could write outside the target folder (the class of bug
 * behind CVE-2018-1000120-style traversal in several download tools).
 *
 * @module
 */
import { UnsafePathError } from '../errors.js';

/**
 * Return `name` if it is safe as one local path segment, else throw {@link UnsafePathError}.
 *
 * @example
 * ```ts
 * safeLocalName('report.csv'); // 'report.csv'
 * safeLocalName('../etc');     // throws UnsafePathError
 * ```
 */
export function safeLocalName(name: string): string {
  if (name === '' || name === '.' || name === '..') throw new UnsafePathError(name, 'empty, "." or ".."');
  if (name.includes('\0')) throw new UnsafePathError(name, 'contains NUL');
  if (name.includes('/') || name.includes('\\')) throw new UnsafePathError(name, 'contains a path separator');
  if (/^[A-Za-z]:/.test(name)) throw new UnsafePathError(name, 'starts with a drive letter');
  if (/[\r\n]/.test(name)) throw new UnsafePathError(name, 'contains CR or LF');
  return name;
}

/**
 * Join a remote directory and a path relative to it with `/`, without doubling separators. `''` and
 * `'.'` stand for the login directory, and an empty `relative` is the directory itself. Exported as
 * `remotePath`.
 *
 * @example
 * ```ts
 * remotePath('/pub', 'a/b.txt'); // '/pub/a/b.txt'
 * remotePath('', 'a.txt');       // 'a.txt' (the login directory)
 * ```
 */
export function remoteJoin(dir: string, relative: string): string {
  if (relative === '') return dir;
  if (dir === '' || dir === '.') return relative;
  return dir.endsWith('/') ? `${dir}${relative}` : `${dir}/${relative}`;
}

/** Split a remote path into its parent and last segment (`a/b/c` → `a/b`, `c`). */
export function remoteSplit(path: string): { parent: string; name: string } {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const slash = trimmed.lastIndexOf('/');
  if (slash === -1) return { parent: '', name: trimmed };
  return { parent: slash === 0 ? '/' : trimmed.slice(0, slash), name: trimmed.slice(slash + 1) };
}
