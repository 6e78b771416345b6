/**
 * Numeric file modes as `ls` prints them: shared by the formats that state a mode as a number
 * (MLSD's `UNIX.mode`, EPLF's `up`), so that neither depends on the `ls -l` parser for it.
 *
 * Theory of operation: nine letters, three per class (user, group, other), each `r`, `w` and `x` or
 * `-`. The setuid, setgid and sticky bits take the place of the execute letter of their class, as
 * POSIX `ls` prints them (XCU `ls`, "The file mode written under the -l option").
 *
 * @module
 */

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
