/**
 * IBM i (OS/400, i5/OS) listings in the system's own format (`LISTFMT 0`, the default; with
 * `LISTFMT 1` the server sends `ls -l` lines, read by `unix.ts`).
 *
 * Theory of operation: IBM documents the line as `owner size date time type name` ("File and
 * directory entries in i5/OS format"): the owning user profile (10 columns, left-aligned, blank
 * for anonymous sessions), the size (10 columns, right-aligned, blank when the object has none),
 * the modification date (8 columns, in the date format and separator of the server job), the time
 * (8 columns, with the job's time separator), the object type (`*FILE`, `*MEM`, `*DIR`, `*STMF`,
 * ...) and the name, which may contain blanks:
 *
 * ```text
 * QSYS            77824 02/23/00 15:09:55 *DIR       QOpenSys/
 * OPER1         5263360 06/11/97 12:27:39 *FILE      BPTFSAVF
 * OPER1                                  *MEM       MYLIB/SRC.FILE/PAYROLL.MBR
 * ```
 *
 * So a line is read as up to four columns before the column that starts with `*`: an owner
 * (a profile name never starts with a digit), a size, and a date with a time, each of which may
 * be missing. The job's date format decides the order of the date's parts: the caller's
 * `dateOrder` (default month first, the format of US English systems); `*ISO`-style dates with a
 * four-digit year are read as such. Times are the server's local time, to the second.
 *
 * Types: `*DIR`, `*DDIR` (distributed directory), `*FLR` (folder) and `*LIB` are directories;
 * `*STMF`, `*DSTMF`, `*DOC` and `*MEM` (a database member) files; `*SYMLNK` a symbolic link. A
 * `*FILE` is a database file that holds members (and can be entered like a directory) or a save
 * file (retrieved like a file): the line does not say which, so it is `unknown`, as are programs
 * and the other object types. A trailing `/` marks a directory and is not part of the name.
 *
 * @module
 */
import { SECOND, type ReadContext } from './context.js';
import { clock, numericDate, utcOf } from './dates.js';
import { decimal } from './digits.js';
import { timedEntry } from './entry.js';
import { isDigit, skipBlank, tokenEnd } from './scan.js';
import type { ListingEntry, ListingEntryType } from './types.js';

/** The object types with a known entry type. */
const TYPES: Readonly<Record<string, ListingEntryType>> = Object.freeze({
  '*DIR': 'directory',
  '*DDIR': 'directory',
  '*FLR': 'directory',
  '*LIB': 'directory',
  '*STMF': 'file',
  '*DSTMF': 'file',
  '*DOC': 'file',
  '*MEM': 'file',
  '*SYMLNK': 'symlink',
});

/** Is `text[start, end)` an object type: `*` and 2–9 upper-case letters or digits? */
function isObjectType(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) !== 0x2a || end - start < 3 || end - start > 10) return false;
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!(c >= 0x41 && c <= 0x5a) && !isDigit(c)) return false;
  }
  return true;
}

/** Is `text[start, end)` a user profile name: 1–10 of A–Z, 0–9, `$#@_`, not starting with a digit? */
function isProfile(text: string, start: number, end: number): boolean {
  if (end - start > 10) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || c === 0x24 || c === 0x23 || c === 0x40 || c === 0x5f || (isDigit(c) && i > start);
    if (!ok) return false;
  }
  return true;
}

/**
 * The IBM i listing line `text[start, end)` as an entry, or `undefined`. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'QSYS            77824 02/23/00 15:09:55 *DIR       QOpenSys/';
 * readOs400Line(line, 0, line.length, context)?.type; // 'directory'
 * ```
 */
export function readOs400Line(text: string, start: number, end: number, context: ReadContext): ListingEntry | undefined {
  // Up to four columns, then the object type.
  const at: number[] = [];
  let i = skipBlank(text, start, end);
  while (i < end && text.charCodeAt(i) !== 0x2a) {
    if (at.length === 8) return undefined;
    const e = tokenEnd(text, i, end);
    at.push(i, e);
    i = skipBlank(text, e, end);
  }
  const typeEnd = tokenEnd(text, i, end);
  if (i >= end || !isObjectType(text, i, typeEnd)) return undefined;
  const nameStart = skipBlank(text, typeEnd, end);
  if (nameStart >= end) return undefined;
  let k = 0;
  let owner: string | undefined;
  let size = -1;
  let time = Number.NaN;
  if (k < at.length && !isDigit(text.charCodeAt(at[k]!))) {
    if (!isProfile(text, at[k]!, at[k + 1]!)) return undefined;
    owner = text.slice(at[k]!, at[k + 1]!);
    k += 2;
  }
  if (at.length - k === 2 || at.length - k === 6) {
    // A size: the column after the owner, when a date and a time follow or nothing does.
    size = decimal(text, at[k]!, at[k + 1]!);
    if (size < 0) return undefined;
    k += 2;
  }
  if (at.length - k === 4) {
    const day = numericDate(text, at[k]!, at[k + 1]!, context.order);
    const separator = text.charCodeAt(at[k + 2]! + 2);
    const ms = separator === 0x3a || separator === 0x2e || separator === 0x2c ? clock(text, at[k + 2]!, at[k + 3]!, separator) : -1;
    if (day !== day || ms < 0) return undefined;
    time = utcOf(day + ms, context);
    k += 4;
  }
  if (k !== at.length) return undefined;
  const kind = text.slice(i, typeEnd);
  let name = text.slice(nameStart, end);
  let type: ListingEntryType = Object.hasOwn(TYPES, kind) ? TYPES[kind]! : 'unknown';
  if (name.length > 1 && name.endsWith('/')) {
    name = name.slice(0, -1);
    type = 'directory';
  }
  return timedEntry(name, type, size, time, SECOND, undefined, undefined, owner, undefined, text.slice(start, end));
}
