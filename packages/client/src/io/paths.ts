/**
 * Remote path helpers, the guard for server-supplied names, and the names of temporary files.
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
 * The longest file name local file systems take, in bytes of UTF-8: 255 on ext4, XFS, Btrfs, ZFS and
 * APFS; NTFS takes 255 UTF-16 units, which are never more than the UTF-8 bytes of the same name.
 */
const NAME_MAX_BYTES = 255;

const utf8 = new TextEncoder();

/** Bytes of `text` in UTF-8. */
export function utf8Length(text: string): number {
  return utf8.encode(text).length;
}

/** Whether a file name is longer than any common local file system takes. */
export function nameTooLong(name: string): boolean {
  return utf8Length(name) > NAME_MAX_BYTES;
}

/**
 * A hidden name beside the file `name`, for its temporary or state file: `.<name><suffix>`. Where
 * that would pass 255 bytes of UTF-8, `name` is cut at a character boundary and a hash of the whole
 * name added (`~` and 8 hex digits), so the name fits whatever the final name is, and two long
 * names that start alike still get names of their own.
 *
 * @example
 * ```ts
 * sideName('report.csv', '.segments.ftpkit-state'); // '.report.csv.segments.ftpkit-state'
 * utf8Length(sideName('é'.repeat(125), '.1a2b3c4d.ftpkit-part')) <= 255; // true
 * ```
 */
export function sideName(name: string, suffix: string): string {
  const whole = `.${name}${suffix}`;
  if (!nameTooLong(whole)) return whole;
  const budget = NAME_MAX_BYTES - 1 - utf8Length(suffix) - 9;
  let kept = '';
  let bytes = 0;
  for (const char of name) {
    const size = utf8Length(char);
    if (bytes + size > budget) break;
    kept += char;
    bytes += size;
  }
  return `.${kept}~${fnv1a(name)}${suffix}`;
}

/** FNV-1a, 32 bits, over UTF-16 units, as 8 hex digits. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

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
