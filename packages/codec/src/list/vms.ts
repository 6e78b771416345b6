/**
 * OpenVMS listings, as the VMS FTP servers (HP TCP/IP Services, MultiNet, TCPware) send them: the
 * output of the DCL `DIRECTORY` command with its size, date, owner and protection columns.
 *
 * Theory of operation: a record is a file specification `NAME.TYPE;VERSION`, then, each optional
 * but in this order, the size in 512-byte blocks (`used` or `used/allocated`), the date
 * `D-MON-YYYY` with the time `HH:MM[:SS[.CC]]`, the owner UIC `[group,member]` (or an identifier
 * `[NAME]`), and the protection `(system,owner,group,world)`:
 *
 * ```text
 * Directory DKA100:[ANONYMOUS]
 *
 * WELCOME.TXT;3             2/4     19-MAR-2019 13:30:18  [SYSTEM]          (RWED,RWED,RE,RE)
 * PUB.DIR;1                 1/4      2-JAN-2018 09:15:00  [ADMIN,FTP]       (RWE,RWE,RE,RE)
 * A_FILE_NAME_TOO_LONG_FOR_ITS_COLUMN.DAT;12
 *                          64/66     4-MAR-2019 00:04     [USR,USRGROUP]    (RWED,RWED,RWED,R)
 *
 * Total of 3 files, 67/74 blocks.
 * ```
 *
 * A name too long for its column is written on a line of its own and the rest of the record on
 * the next (MultiNet does not even indent it): the reader answers such a line with PENDING and the
 * engine hands it the two lines joined by `\n`. A name followed by a VMS status message
 * (`%RMS-E-PRV, insufficient privilege`) is an entry with a name and type only. The `Directory`
 * header and the `Total of` / `Grand total of` trailers name no entry.
 *
 * What an entry gets: a directory is a `.DIR` file; it is named without `.DIR;1`, the name that
 * `CWD` takes. A file keeps its version (`WELCOME.TXT;3`), as two versions are two files. Times
 * are the server's local time. The size is left out: blocks say how much disk a file takes, not
 * how many bytes a transfer brings. The owner is the member of the UIC and the group its group; the
 * permissions are the protection as listed (`RWED,RWED,RE,RE`).
 *
 * @module
 */
import { DAY, MINUTE, PENDING, type ReadContext, SECOND, SKIP } from './context.js';
import { clock, dashMonthDate, utcOf } from './dates.js';
import { decimal } from './digits.js';
import { timedEntry } from './entry.js';
import { indexIn, isDigit, lastIndexIn, skipBlank, tokenEnd } from './scan.js';
import type { ListingEntry } from './types.js';

/**
 * Where the version of the VMS file specification `text[start, end)` starts (after its `;`), or -1:
 * a name with a `.` before the `;`, no `=` or brackets, and a version of one to five digits.
 */
function versionAt(text: string, start: number, end: number): number {
  const semi = lastIndexIn(text, 0x3b, start, end);
  if (semi <= start || end - semi < 2 || end - semi > 6 || decimal(text, semi + 1, end) < 0) return -1;
  let dot = false;
  for (let i = start; i < semi; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d || c === 0x3b || c === 0x5b || c === 0x5d || c === 0x28 || c === 0x29 || c === 0x2f) return -1; // = ; [ ] ( ) /
    if (c === 0x2e) dot = true;
  }
  return dot ? semi + 1 : -1;
}

/**
 * The VMS listing line `text[start, end)`: an entry, {@link SKIP} for a header or trailer,
 * {@link PENDING} for a name whose record continues on the next line, or `undefined`. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'WELCOME.TXT;3  2/4  19-MAR-2019 13:30:18  [SYSTEM]  (RWED,RWED,RE,RE)';
 * (readVmsLine(line, 0, line.length, context) as ListingEntry).name; // 'WELCOME.TXT;3'
 * ```
 */
export function readVmsLine(text: string, start: number, end: number, context: ReadContext): ListingEntry | undefined | typeof SKIP | typeof PENDING {
  const first = text.charCodeAt(start);
  if (first <= 0x20) return undefined;
  const nameEnd = tokenEnd(text, start, end);
  if (versionAt(text, start, nameEnd) < 0) return headerOrTrailer(text, start, end);
  let i = skipBlank(text, nameEnd, end);
  if (i >= end) return PENDING;
  let stated = false;
  let time = Number.NaN;
  let precision = DAY;
  let owner: string | undefined;
  let group: string | undefined;
  let permissions: string | undefined;
  // '%': a status message in place of the attributes (RMS could not read them).
  const status = text.charCodeAt(i) === 0x25;
  if (status) i = end;
  let e = tokenEnd(text, i, end);
  if (i < end && isDigit(text.charCodeAt(i)) && indexIn(text, 0x2d, i, e) < 0) {
    // The size, in blocks: `used` or `used/allocated`, checked but not kept (see the module comment).
    const slash = indexIn(text, 0x2f, i, e);
    const split = slash > i;
    if (decimal(text, i, split ? slash : e) < 0 || (split && decimal(text, slash + 1, e) < 0)) return undefined;
    stated = true;
    i = skipBlank(text, e, end);
    e = tokenEnd(text, i, end);
  }
  if (i < end && isDigit(text.charCodeAt(i))) {
    const day = dashMonthDate(text, i, e);
    if (day !== day) return undefined;
    stated = true;
    i = skipBlank(text, e, end);
    e = tokenEnd(text, i, end);
    let ms = 0;
    if (i < end && isDigit(text.charCodeAt(i))) {
      ms = clock(text, i, e);
      if (ms < 0) return undefined;
      precision = e - i > 5 ? SECOND : MINUTE;
      i = skipBlank(text, e, end);
    }
    time = utcOf(day + ms, context);
  }
  if (i < end && text.charCodeAt(i) === 0x5b) {
    // [group,member] or [identifier]
    const close = indexIn(text, 0x5d, i, end);
    if (close < 0) return undefined;
    const comma = indexIn(text, 0x2c, i, close);
    if (comma > i) {
      group = text.slice(i + 1, comma);
      owner = text.slice(comma + 1, close);
    } else owner = text.slice(i + 1, close);
    stated = true;
    i = skipBlank(text, close + 1, end);
  }
  if (i < end && text.charCodeAt(i) === 0x28) {
    const close = indexIn(text, 0x29, i, end);
    if (close < 0 || !isProtection(text, i + 1, close)) return undefined;
    permissions = text.slice(i + 1, close);
    stated = true;
    i = skipBlank(text, close + 1, end);
  }
  if (i < end || (!stated && !status)) return undefined;
  let name = text.slice(start, nameEnd);
  const directory = /\.DIR;[0-9]+$/i.test(name);
  if (directory) name = name.slice(0, name.lastIndexOf('.'));
  return timedEntry(name, directory ? 'directory' : 'file', -1, time, precision, permissions, undefined, owner, group, text.slice(start, end));
}

/** Is `text[start, end)` a protection: four classes (system, owner, group, world), each of the letters R, W, E and D? */
function isProtection(text: string, start: number, end: number): boolean {
  let commas = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c) commas++;
    else if (c !== 0x52 && c !== 0x57 && c !== 0x45 && c !== 0x44) return false; // R W E D
  }
  return commas === 3;
}

/** `Directory DEV:[DIR]`, `Total of ...`, `Grand total of ...`: {@link SKIP}; else `undefined`. */
function headerOrTrailer(text: string, start: number, end: number): typeof SKIP | undefined {
  if (text.startsWith('Directory ', start)) {
    const rest = text.slice(start + 10, end).trim();
    return rest.length > 2 && !rest.includes(' ') && rest.endsWith(']') && rest.includes('[') ? SKIP : undefined;
  }
  if (text.startsWith('Total of ', start) || text.startsWith('Grand total of ', start)) {
    const rest = text.slice(start, end);
    return / (?:file|director(?:y|ies))[s,.]/.test(rest) ? SKIP : undefined;
  }
  return undefined;
}
