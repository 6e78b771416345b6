/**
 * OS/2 listings, as the FTP server of IBM TCP/IP for OS/2 (and of eComStation and ArcaOS) sends
 * them.
 *
 * Theory of operation: each line is the size, right-aligned (so most lines start with spaces), the
 * file attributes (`A` archive, `R` read-only, `H` hidden, `S` system, in any combination, or
 * none), `DIR` for a directory, the date `MM-DD-YY` (or `MM-DD-YYYY`), the time `HH:MM`, and the
 * name:
 *
 * ```text
 *                  0           DIR   05-12-97   16:44  PSFONTS
 *              32768      A          11-03-24   09:02  CONFIG.SYS
 *               1024     RA          11-03-24   09:02  read only.txt
 * ```
 *
 * A directory's size is `0`, not a size: it is left out. Times are the server's local time, to the
 * minute. Names follow the spaces after the time (HPFS names do not start with a space).
 *
 * @module
 */
import { MDY, MINUTE, type ReadContext } from './context.js';
import { clock, numericDate, utcOf } from './dates.js';
import { decimal } from './digits.js';
import { timedEntry } from './entry.js';
import { isDigit, skipBlank, tokenEnd } from './scan.js';
import type { ListingEntry } from './types.js';

/** Is `text[start, end)` a set of attribute letters (A, R, H, S), each at most once? */
function isAttributes(text: string, start: number, end: number): boolean {
  if (end - start > 4) return false;
  let seen = 0;
  for (let i = start; i < end; i++) {
    const bit = 'ARHS'.indexOf(text[i]!);
    if (bit < 0 || seen & (1 << bit)) return false;
    seen |= 1 << bit;
  }
  return true;
}

/**
 * The OS/2 listing line `text[start, end)` as an entry, or `undefined`. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = '                 0           DIR   05-12-97   16:44  PSFONTS';
 * readOs2Line(line, 0, line.length, context)?.type; // 'directory'
 * ```
 */
export function readOs2Line(text: string, start: number, end: number, context: ReadContext): ListingEntry | undefined {
  let i = skipBlank(text, start, end);
  let e = tokenEnd(text, i, end);
  const size = decimal(text, i, e);
  if (size < 0) return undefined;
  let directory = false;
  // Attributes and DIR, in that order, up to the date.
  for (let column = 0; ; column++) {
    i = skipBlank(text, e, end);
    e = tokenEnd(text, i, end);
    if (i >= end || column > 2) return undefined;
    if (isDigit(text.charCodeAt(i))) break;
    if (text.startsWith('DIR', i) && e - i === 3 && !directory) directory = true;
    else if (directory || column > 0 || !isAttributes(text, i, e)) return undefined;
  }
  // MM-DD-YY: the date of the OS/2 `dir` in US English, whatever the country settings; MM-DD-YYYY
  // from servers fixed for the year 2000.
  const day = (e - i === 8 || e - i === 10) && text.charCodeAt(i + 2) === 0x2d ? numericDate(text, i, e, MDY) : Number.NaN;
  if (day !== day) return undefined;
  i = skipBlank(text, e, end);
  e = tokenEnd(text, i, end);
  const ms = clock(text, i, e);
  if (ms < 0 || e - i > 5) return undefined;
  const nameStart = skipBlank(text, e, end);
  if (nameStart >= end || nameStart === e) return undefined;
  return timedEntry(text.slice(nameStart, end), directory ? 'directory' : 'file', directory ? -1 : size, utcOf(day + ms, context), MINUTE, undefined, undefined, undefined, undefined, text.slice(start, end));
}
