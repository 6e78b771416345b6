/**
 * EPLF, the Easily Parsed LIST Format proposed by D. J. Bernstein (cr.yp.to/ftp/list/eplf.html)
 * and served by publicfile, anonftpd and a few others.
 *
 * Theory of operation: each line is `+`, a series of facts each terminated by a comma, a TAB, and
 * the name:
 *
 * ```text
 * +i8388621.48594,m825718503,r,s280,\tdjb.html
 * +i8388621.50690,m824255907,/,\t514
 * ```
 *
 * The facts the format defines are `r` (RETR may succeed: a file), `/` (CWD may succeed: a
 * directory), `s<n>` (size in bytes), `m<n>` (modification time in seconds since the Unix epoch,
 * so it is already UTC), `i<id>` (a unique identifier) and `up<octal>` (permissions). The format
 * says to ignore facts one does not know. A malformed known fact (`sabc`) makes the line unparsed
 * rather than quietly wrong. A missing final comma before the TAB is tolerated.
 *
 * @module
 */
import type { ListingEntry, ListingEntryType } from './types.js';
import { eplfEntry } from './entry.js';
import { modeToPermissions } from './mode.js';

const ZERO = 0x30;
const MAX_EPOCH_SECONDS = 8_640_000_000_000; // the largest time a Date can hold

/** Decimal (radix 10) or octal (radix 8) value of `line[start, end)`, or -1. */
function number(line: string, start: number, end: number, radix: 8 | 10): number {
  if (end <= start || end - start > 16) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = line.charCodeAt(i) - ZERO;
    if (d < 0 || d >= radix) return -1;
    value = value * radix + d;
  }
  return value <= Number.MAX_SAFE_INTEGER ? value : -1;
}

/**
 * Parse the EPLF line `text[start, end)`, or return `undefined` when it is not one. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = '+i8388621.48594,m825718503,r,s280,\tdjb.html';
 * parseEplfLine(line, 0, line.length)?.size; // 280
 * ```
 */
export function parseEplfLine(text: string, start: number, end: number): ListingEntry | undefined {
  if (text.charCodeAt(start) !== 0x2b) return undefined; // '+'
  // Work on the line alone, so that searches cannot run on into the rest of the listing.
  const line = start === 0 && end === text.length ? text : text.slice(start, end);
  const tab = line.indexOf('\t', 1);
  if (tab < 0 || tab + 1 >= line.length) return undefined;
  let directory = false;
  let file = false;
  let size = -1;
  let seconds = -1;
  let mode = -1;
  let pos = 1;
  while (pos < tab) {
    let comma = line.indexOf(',', pos);
    if (comma < 0 || comma > tab) comma = tab;
    switch (line.charCodeAt(pos)) {
      case 0x2f: // '/'
        directory = true;
        break;
      case 0x72: // 'r'
        file = true;
        break;
      case 0x73: // 's'
        size = number(line, pos + 1, comma, 10);
        if (size < 0) return undefined;
        break;
      case 0x6d: // 'm'
        seconds = number(line, pos + 1, comma, 10);
        if (seconds < 0 || seconds > MAX_EPOCH_SECONDS) return undefined;
        break;
      case 0x75: // 'u': "up" is permissions; other u-facts are unknown and ignored
        if (line.charCodeAt(pos + 1) === 0x70) {
          mode = number(line, pos + 2, comma, 8);
          if (mode < 0 || mode > 0o7777) return undefined;
        }
        break;
      default: // 'i' and unknown facts carry nothing the entry holds
    }
    pos = comma + 1;
  }
  // A "/" entry may also be retrievable (a link to a directory); a directory is the useful answer.
  const type: ListingEntryType = directory ? 'directory' : file ? 'file' : 'unknown';
  const permissions = mode >= 0 ? modeToPermissions(mode) : undefined;
  return eplfEntry(line.slice(tab + 1), type, size, seconds >= 0 ? seconds * 1000 : Number.NaN, permissions, line);
}
