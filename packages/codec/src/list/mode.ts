/**
 * File modes as `ls` prints them: the mode column of an `ls -l` line read (its type letter and
 * nine permission letters), and numeric modes written the same way for the formats that state a
 * mode as a number (MLSD's `UNIX.mode`, EPLF's `up`), so that neither depends on the `ls -l`
 * parser for it.
 *
 * Theory of operation: nine letters, three per class (user, group, other), each `r`, `w` and `x` or
 * `-`, in that order. The setuid, setgid and sticky bits take the place of the execute letter of
 * their class, as POSIX `ls` prints them (XCU `ls`, "The file mode written under the -l option");
 * `l`/`L` there is mandatory locking. A letter out of its place (`xrw`) is no mode: the line it
 * starts is not `ls -l`.
 *
 * @module
 */
import type { ListingEntryType } from './types.js';

const SPACE = 0x20;
const HYPHEN = 0x2d;


const RWX = ['---', '--x', '-w-', '-wx', 'r--', 'r-x', 'rw-', 'rwx'] as const;

/**
 * The nine-character `ls` permission string of a numeric mode (`0o4755` → `rwsr-xr-x`), as MLSD's
 * `UNIX.mode` and EPLF's `up` facts give it. File-type bits above `0o7777` are ignored.
 *
 * @internal
 * @example
 * ```ts
 * modeToPermissions(0o644);  // 'rw-r--r--'
 * modeToPermissions(0o1777); // 'rwxrwxrwt'
 * ```
 */
export function modeToPermissions(mode: number): string {
  let user: string = RWX[(mode >> 6) & 7]!;
  let group: string = RWX[(mode >> 3) & 7]!;
  let other: string = RWX[mode & 7]!;
  // setuid / setgid / sticky replace the execute letter, lower case when execute is also set.
  if (mode & 0o4000) user = user.slice(0, 2) + (mode & 0o100 ? 's' : 'S');
  if (mode & 0o2000) group = group.slice(0, 2) + (mode & 0o010 ? 's' : 'S');
  if (mode & 0o1000) other = other.slice(0, 2) + (mode & 0o001 ? 't' : 'T');
  return user + group + other;
}

/** Type of entry by the first character of the mode, as `ls` prints it (GNU `filemodestring`). @internal */
export function entryType(c: number): ListingEntryType | undefined {
  switch (c) {
    case 0x2d: // '-' regular file
    case 0x43: // 'C' contiguous file
    case 0x4d: // 'M' off-line (migrated) file
      return 'file';
    case 0x64: // 'd'
      return 'directory';
    case 0x6c: // 'l'
      return 'symlink';
    case 0x62: // 'b' block device
    case 0x63: // 'c' character device
    case 0x70: // 'p' FIFO
    case 0x73: // 's' socket
    case 0x44: // 'D' Solaris door
    case 0x50: // 'P' Solaris event port
    case 0x6e: // 'n' HP-UX network special
    case 0x77: // 'w' BSD whiteout
    case 0x6d: // 'm' multiplexed device
    case 0x46: // 'F', 'Q', 'S', 'T': semaphore, message queue, shared and typed memory objects
    case 0x51:
    case 0x53:
    case 0x54:
    case 0x3f: // '?' unknown to ls
      return 'unknown';
    default:
      return undefined;
  }
}

/**
 * Characters `ls` prints in the third position of a permission triplet: `x`, `s`, `S`, `t`, `T`,
 * `l`/`L` (mandatory locking) and `-`. A lookup table, filled once here and only read after.
 */
const EXECUTE_CHARS = new Uint8Array(128);
for (const c of 'xsStTlL-') EXECUTE_CHARS[c.charCodeAt(0)] = 1;

/** Are `text[at, at + 9)` three permission triplets, each `r` or `-`, `w` or `-`, then an execute character? @internal */
export function permissionsAt(text: string, at: number): boolean {
  for (let i = at; i < at + 9; i += 3) {
    const r = text.charCodeAt(i);
    const w = text.charCodeAt(i + 1);
    const x = text.charCodeAt(i + 2);
    if ((r !== 0x72 && r !== HYPHEN) || (w !== 0x77 && w !== HYPHEN) || x > 127 || EXECUTE_CHARS[x] !== 1) return false;
  }
  return true;
}

/**
 * Where the mode starts in a line that does not start with one, and how long it is, as
 * `start * 16 + length` (length 10, or 9 without the type letter), or -1: after one or two numeric
 * columns (`ls -i`, `ls -s`), or a nine-character mode. @internal
 */
export function unusualMode(text: string, start: number, end: number): number {
  let i = start;
  for (let prefix = 0; prefix <= 2; prefix++) {
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    const c = text.charCodeAt(i);
    if (entryType(c) !== undefined && permissionsAt(text, i + 1)) return i * 16 + 10;
    if ((c === 0x72 || c === HYPHEN) && permissionsAt(text, i) && text.charCodeAt(i + 9) === SPACE) return i * 16 + 9; // r or -
    const from = i;
    while (i < end && text.charCodeAt(i) - 0x30 >>> 0 <= 9) i++;
    if (i === from || i - from > 20 || text.charCodeAt(i) !== SPACE) return -1;
  }
  return -1;
}
