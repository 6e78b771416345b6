/**
 * Novell NetWare listings, as the NetWare FTP server (NWFTPD) sends them.
 *
 * Theory of operation: each line is the entry type (`d` for a directory, `-` for a file), the
 * NetWare trustee rights in brackets (Supervisor, Read, Write, Create, Erase, Modify, File scan,
 * Access control: `[RWCEAFMS]`, a `-` for each right not held), the owner, the size, the date as
 * `ls` writes it (`Mon DD HH:MM` within the last half year, else `Mon DD YYYY`) and the name:
 *
 * ```text
 * d [RWCEAFMS] admin                     512 Nov 10 10:38 Public
 * - [R----F--] jsmith                1048576 Mar  2  2001 report.doc
 * ```
 *
 * The rights become `permissions` as listed (`RWCEAFMS`, `R----F--`). Dates are the server's local
 * time; a year-less one is placed in the most recent year, as for unix lines (see dates.ts).
 *
 * @module
 */
import { DAY, MINUTE, type ReadContext } from './context.js';
import { clock, dayTime, recentDate, utcOf } from './dates.js';
import { decimal } from './digits.js';
import { timedEntry } from './entry.js';
import { englishMonth } from './months.js';
import { indexIn, skipBlank, tokenEnd } from './scan.js';
import type { ListingEntry } from './types.js';

/**
 * The NetWare listing line `text[start, end)` as an entry, or `undefined`. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'd [RWCEAFMS] admin                     512 Nov 10 10:38 Public';
 * readNetwareLine(line, 0, line.length, context)?.permissions; // 'RWCEAFMS'
 * ```
 */
export function readNetwareLine(text: string, start: number, end: number, context: ReadContext): ListingEntry | undefined {
  const kind = text.charCodeAt(start);
  if ((kind !== 0x64 && kind !== 0x2d) || text.charCodeAt(start + 1) !== 0x20) return undefined;
  let i = skipBlank(text, start + 1, end);
  const close = text.charCodeAt(i) === 0x5b ? indexIn(text, 0x5d, i, end) : -1;
  if (close < 0 || close - i > 17) return undefined;
  for (let r = i + 1; r < close; r++) if (!'SRWCEMFA-'.includes(text[r]!)) return undefined;
  const permissions = text.slice(i + 1, close);
  // owner, size, month, day, time or year
  const at: number[] = [];
  i = close + 1;
  while (at.length < 10) {
    i = skipBlank(text, i, end);
    if (i >= end) return undefined;
    const e = tokenEnd(text, i, end);
    at.push(i, e);
    i = e;
  }
  const size = decimal(text, at[2]!, at[3]!);
  const month = at[5]! - at[4]! === 3 ? englishMonth(text, at[4]!) : -1;
  const day = decimal(text, at[6]!, at[7]!);
  if (size < 0 || month < 0 || day < 1 || day > 31 || at[7]! - at[6]! > 2) return undefined;
  let time: number;
  let precision = DAY;
  if (text.charCodeAt(at[8]! + 1) === 0x3a || text.charCodeAt(at[8]! + 2) === 0x3a) {
    const ms = clock(text, at[8]!, at[9]!);
    if (ms < 0) return undefined;
    time = recentDate(month, day, ms, context);
    precision = MINUTE;
  } else {
    const year = at[9]! - at[8]! === 4 ? decimal(text, at[8]!, at[9]!) : -1;
    time = utcOf(dayTime(year, month + 1, day), context);
    if (time !== time) return undefined;
  }
  const nameStart = skipBlank(text, at[9]!, end);
  if (nameStart >= end) return undefined;
  return timedEntry(
    text.slice(nameStart, end),
    kind === 0x64 ? 'directory' : 'file',
    kind === 0x64 ? -1 : size,
    time,
    precision,
    permissions,
    undefined,
    text.slice(at[0]!, at[1]!),
    undefined,
    text.slice(start, end),
  );
}
