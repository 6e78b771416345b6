/**
 * HP NonStop (Tandem) listings of the Guardian file system, as the NonStop FTP server sends them.
 *
 * Theory of operation: a header names the columns, then each line is the file name (Guardian names
 * are one to eight letters and digits, starting with a letter), the file code (the kind of file:
 * 101 an edit file, 100 a program, 0 unstructured), the end-of-file position (the size in bytes),
 * the last modification as `DD-Mon-YY HH:MM:SS`, the owner as `group,user` numbers, and the
 * security string in quotes, one letter each for read, write, execute and purge:
 *
 * ```text
 * File         Code             EOF  Last Modification    Owner  RWEP
 * PAYROLL       101            18944 12-Apr-24 13:49:32 200,17  "NUNU"
 * RUNJOB        100           131072 02-Jan-23 08:00:00 255,255 "OOOO"
 * ```
 *
 * Guardian subvolumes are flat: every entry is a file. The owner's group and user become `group` and
 * `owner`, the security string `permissions`. Times are the server's local time, to the second.
 *
 * @module
 */
import { SECOND, type ReadContext, SKIP } from './context.js';
import { clock, dashMonthDate, utcOf } from './dates.js';
import { decimal } from './digits.js';
import { timedEntry } from './entry.js';
import { indexIn, isDigit, skipBlank, tokenEnd } from './scan.js';
import type { ListingEntry } from './types.js';

/**
 * The NonStop listing line `text[start, end)`: an entry, {@link SKIP} for the header, or
 * `undefined`. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'PAYROLL       101            18944 12-Apr-24 13:49:32 200,17  "NUNU"';
 * (readNonstopLine(line, 0, line.length, context) as ListingEntry).size; // 18944
 * ```
 */
export function readNonstopLine(text: string, start: number, end: number, context: ReadContext): ListingEntry | undefined | typeof SKIP {
  if (text.startsWith('File ', start)) {
    return /^File +Code +EOF +Last Modification +Owner +RWEP$/.test(text.slice(start, end).trimEnd()) ? SKIP : undefined;
  }
  const at: number[] = [];
  let i = start;
  while (i < end && at.length < 18) {
    const e = tokenEnd(text, i, end);
    at.push(i, e);
    i = skipBlank(text, e, end);
  }
  // name code eof date time owner [user] "security"
  const count = at.length / 2;
  if (i < end || count < 6) return undefined;
  const nameEnd = at[1]!;
  if (nameEnd - start > 8 || !/^[A-Za-z][A-Za-z0-9]*$/.test(text.slice(start, nameEnd))) return undefined;
  const size = decimal(text, at[4]!, at[5]!);
  const day = dashMonthDate(text, at[6]!, at[7]!);
  const ms = clock(text, at[8]!, at[9]!);
  if (decimal(text, at[2]!, at[3]!) < 0 || size < 0 || day !== day || ms < 0 || at[9]! - at[8]! !== 8) return undefined;
  // The owner: "group,user", or "group, user" over two columns.
  const ownerStart = at[10]!;
  const ownerEnd = count === 8 ? at[13]! : at[11]!;
  const comma = indexIn(text, 0x2c, ownerStart, ownerEnd);
  if (comma < 0 || decimal(text, ownerStart, comma) < 0 || decimal(text, skipBlank(text, comma + 1, ownerEnd), ownerEnd) < 0) return undefined;
  const last = at.length - 2;
  const security = text.slice(at[last]!, at[last + 1]!);
  if ((count !== 7 && count !== 8) || !/^"[A-Za-z-]{4}"$/.test(security)) return undefined;
  for (let k = ownerStart; k < ownerEnd; k++) if (!isDigit(text.charCodeAt(k)) && text.charCodeAt(k) !== 0x2c && text.charCodeAt(k) !== 0x20) return undefined;
  return timedEntry(
    text.slice(start, nameEnd),
    'file',
    size,
    utcOf(day + ms, context),
    SECOND,
    security.slice(1, -1),
    undefined,
    text.slice(skipBlank(text, comma + 1, ownerEnd), ownerEnd),
    text.slice(ownerStart, comma),
    text.slice(start, end),
  );
}
