/**
 * IBM z/OS (MVS) listings of data sets and of the members of a partitioned data set (PDS), as the
 * z/OS Communications Server FTP server sends them (IP User's Guide and Commands, "DIr
 * subcommand"). The JES spool, the third kind of z/OS listing, is in `mvs-jes.ts`.
 *
 * Theory of operation: three listings, each with a header line that names no entry.
 *
 * ```text
 * Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname
 * USR003 3390   2024/06/03  1   15  FB      80 27920  PO  USER1.SOURCE.CNTL
 * USR004 3390   2024/05/28  2   45  VB     255 27998  PS  USER1.LOG.DATA
 * Migrated                                                USER1.OLD.DATA
 * Pseudo Directory                                        USER1.TEST
 *
 *  Name     VV.MM   Created       Changed      Size  Init   Mod   Id
 * PAYROLL   01.04 2023/11/02 2024/06/03 14:52    76    70     3 USER1
 * README
 *
 *  Name      Size   TTR   Alias-of AC --------- Attributes --------- Amode Rmode
 * IEFBR14   000008 00000F           01 FO             RN RU            31    ANY
 * ```
 *
 * Data sets: the volume serial, the unit (left out since z/OS 2.3; older servers print `Date` for
 * `Referred`, in `MM/DD/YY`), the day the data set was last referred to, extents and tracks used
 * (side by side in fixed columns: wide values run together, and a value too wide shows `+` signs),
 * record format and lengths, organisation and name. A partitioned data set (`PO`, `PO-E`) is a
 * directory; a sequential one (`PS`) a file; VSAM, direct and the rest are `unknown`, as are
 * migrated and tape data sets. None of the columns is a byte size or a modification time (the
 * `Referred` date is the last read, not the last change), so entries have neither.
 *
 * Members: the ISPF statistics: version, created, changed (date and time), size in lines, and the
 * user id that changed it, which becomes `owner`; the `Changed` time becomes `modifiedAt`, in the
 * server's zone. A member without statistics is listed by name alone; such a line is accepted but
 * does not vote (NLST output of any server looks the same), so it counts only in a listing that
 * the header or other lines show to be z/OS. Load-module members (`RECFM=U` libraries) show size
 * and TTR in hexadecimal, not bytes of a transfer: the entry has the name.
 *
 * @module
 */
import { clock, numericDate, utcOf } from './dates.js';
import { MDY, MINUTE, type ReadContext, SECOND, SKIP, YMD } from './context.js';
import { timedEntry } from './entry.js';
import { isDigit, skipBlank, tokenEnd } from './scan.js';
import type { ListingEntry, ListingEntryType } from './types.js';

/** Letters of z/OS names beyond A–Z and 0–9: the national characters `$`, `#`, `@`. */
function isNational(c: number): boolean {
  return c === 0x24 || c === 0x23 || c === 0x40;
}

/** Is `text[start, end)` a member or volume name: 1–8 (or `max`) of A–Z, 0–9, `$#@`, not starting with a digit unless `digitFirst`? */
function isMvsName(text: string, start: number, end: number, max: number, digitFirst: boolean): boolean {
  if (end <= start || end - start > max) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const letter = c >= 0x41 && c <= 0x5a;
    if (!letter && !isNational(c) && !(isDigit(c) && (digitFirst || i > start))) return false;
  }
  return true;
}

/** The column starts and ends of `text[start, end)`, at most `max` columns. */
function columns(text: string, start: number, end: number, max: number): number[] {
  const out: number[] = [];
  let i = skipBlank(text, start, end);
  while (i < end && out.length < max * 2) {
    const e = tokenEnd(text, i, end);
    out.push(i, e);
    i = skipBlank(text, e, end);
  }
  return out;
}

/** The data set organisations and the type each stands for. */
function typeOfDsorg(text: string, start: number, end: number): ListingEntryType | undefined {
  const dsorg = text.slice(start, end);
  if (dsorg === 'PO' || dsorg === 'PO-E') return 'directory';
  if (dsorg === 'PS' || dsorg === 'PS-E') return 'file';
  return ['DA', 'IS', 'VS', 'VSAM', 'PSU', 'POU', 'DAU', 'ISU', '**', '??'].includes(dsorg) ? 'unknown' : undefined;
}

/** A whole column `text[start, end)` that is `?` or a decimal number. */
function numberOrUnknown(text: string, start: number, end: number): boolean {
  if (end - start === 1 && text.charCodeAt(start) === 0x3f) return true;
  for (let i = start; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return end > start && end - start <= 9;
}

/**
 * The z/OS data set or member listing line `text[start, end)`: an entry, {@link SKIP} for a
 * header, or `undefined`. A member name alone sets `context.weak`. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'USR003 3390   2024/06/03  1   15  FB      80 27920  PO  USER1.SOURCE.CNTL';
 * (readMvsLine(line, 0, line.length, context) as ListingEntry).type; // 'directory'
 * ```
 */
export function readMvsLine(text: string, start: number, end: number, context: ReadContext): ListingEntry | undefined | typeof SKIP {
  const first = text.charCodeAt(start);
  if (first === 0x20) return header(text, start, end);
  if (text.startsWith('Volume ', start)) return text.slice(start, end).trimEnd().endsWith(' Dsname') ? SKIP : undefined;
  const raw = (): string => text.slice(start, end);
  const c = columns(text, start, end, 12);
  const count = c.length / 2;
  const last = (): string => text.slice(c[c.length - 2]!, c[c.length - 1]!);
  if (count === 1) {
    if (!isMvsName(text, c[0]!, c[1]!, 8, false)) return undefined;
    context.weak = true;
    return timedEntry(last(), 'file', -1, Number.NaN, 0, undefined, undefined, undefined, undefined, raw());
  }
  // Data sets that name no volume: `Migrated`, `Pseudo Directory`, a tape or an unreadable one.
  if (count === 2 && text.startsWith('Migrated ', start)) return timedEntry(last(), 'unknown', -1, Number.NaN, 0, undefined, undefined, undefined, undefined, raw());
  if (count === 3 && text.startsWith('Pseudo Directory ', start)) return timedEntry(last(), 'directory', -1, Number.NaN, 0, undefined, undefined, undefined, undefined, raw());
  if (count === 6 && text.startsWith(' Not Direct Access Device ', c[1]!)) return timedEntry(last(), 'unknown', -1, Number.NaN, 0, undefined, undefined, undefined, undefined, raw());
  if (count === 4 && text.startsWith('Error determining attributes ', start)) return timedEntry(last(), 'unknown', -1, Number.NaN, 0, undefined, undefined, undefined, undefined, raw());
  return dataSet(text, c, count, raw) ?? member(text, c, count, context, raw) ?? loadModule(text, c, count, raw);
}

/** Is column `n` a `Referred` date: YYYY/MM/DD, or MM/DD/YY on older servers; `**NONE**` for a data set never read? */
function isReferred(text: string, c: number[], n: number): boolean {
  const date = numericDate(text, c[n * 2]!, c[n * 2 + 1]!, MDY);
  return date === date || text.slice(c[n * 2]!, c[n * 2 + 1]!) === '**NONE**';
}

/** A track count `text[start, end)`: a number or `?`; a number too wide for its column ends in `+` signs. */
function isTracks(text: string, start: number, end: number): boolean {
  let e = end;
  while (e > start && text.charCodeAt(e - 1) === 0x2b) e--;
  return e < end ? e - start <= 9 && (e === start || numberOrUnknown(text, start, e)) : numberOrUnknown(text, start, end);
}

/**
 * `VOLSER [UNIT] REFERRED EXT USED RECFM LRECL BLKSZ DSORG DSNAME`. Ext and Used are printed side
 * by side in fixed columns, so wide values run together into one column (`115807`, `1+++++`).
 */
function dataSet(text: string, c: number[], count: number, raw: () => string): ListingEntry | undefined {
  if ((count !== 9 && count !== 10) || !isMvsName(text, c[0]!, c[1]!, 6, true)) return undefined;
  // The unit column, when there is one (z/OS 2.3 and later leave it out).
  const unit = isReferred(text, c, 1) ? 0 : isMvsName(text, c[2]!, c[3]!, 8, true) && isReferred(text, c, 2) ? 1 : -1;
  let k = 2 + unit;
  const merged = count - k === 6;
  if (unit < 0 || (count - k !== 7 && !merged) || !isTracks(text, c[k * 2]!, c[k * 2 + 1]!)) return undefined;
  if (!merged && !isTracks(text, c[++k * 2]!, c[k * 2 + 1]!)) return undefined;
  k++; // the record format
  for (const n of [k + 1, k + 2]) if (!numberOrUnknown(text, c[n * 2]!, c[n * 2 + 1]!)) return undefined;
  const recfm = text.charCodeAt(c[k * 2]!);
  if (recfm !== 0x46 && recfm !== 0x56 && recfm !== 0x55 && recfm !== 0x3f) return undefined; // F V U ?
  const type = typeOfDsorg(text, c[(k + 3) * 2]!, c[(k + 3) * 2 + 1]!);
  if (type === undefined) return undefined;
  return timedEntry(text.slice(c[(k + 4) * 2]!, c[(k + 4) * 2 + 1]!), type, -1, Number.NaN, 0, undefined, undefined, undefined, undefined, raw());
}

/** `NAME VV.MM CREATED CHANGED HH:MM[:SS] SIZE INIT MOD ID`: a member with ISPF statistics. */
function member(text: string, c: number[], count: number, context: ReadContext, raw: () => string): ListingEntry | undefined {
  if (count !== 9 || !isMvsName(text, c[0]!, c[1]!, 8, false)) return undefined;
  const vv = c[2]!;
  if (c[3]! - vv !== 5 || text.charCodeAt(vv + 2) !== 0x2e || !isDigit(text.charCodeAt(vv)) || !isDigit(text.charCodeAt(vv + 4))) return undefined;
  // ISPF statistics dates are year first: YYYY/MM/DD, or YY/MM/DD from older servers.
  const created = numericDate(text, c[4]!, c[5]!, YMD);
  const changed = numericDate(text, c[6]!, c[7]!, YMD);
  const ms = clock(text, c[8]!, c[9]!);
  if (created !== created || changed !== changed || ms < 0) return undefined;
  for (const k of [5, 6, 7]) if (!numberOrUnknown(text, c[k * 2]!, c[k * 2 + 1]!)) return undefined;
  return timedEntry(
    text.slice(c[0]!, c[1]!),
    'file',
    -1,
    utcOf(changed + ms, context),
    c[9]! - c[8]! > 5 ? SECOND : MINUTE,
    undefined,
    undefined,
    text.slice(c[16]!, c[17]!),
    undefined,
    raw(),
  );
}

/** Is `text[start, end)` `width` hexadecimal digits? */
function isHex(text: string, start: number, end: number, width: number): boolean {
  if (end - start !== width) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c) && (c < 0x41 || c > 0x46)) return false;
  }
  return true;
}

/** `NAME SIZE TTR [ALIAS-OF] AC ATTRIBUTES... AMODE RMODE`: a load-module member (hexadecimal). */
function loadModule(text: string, c: number[], count: number, raw: () => string): ListingEntry | undefined {
  if (count < 5 || !isMvsName(text, c[0]!, c[1]!, 8, false) || !isHex(text, c[2]!, c[3]!, 6) || !isHex(text, c[4]!, c[5]!, 6)) return undefined;
  const ac = isHex(text, c[6]!, c[7]!, 2) ? 3 : isMvsName(text, c[6]!, c[7]!, 8, false) && isHex(text, c[8]!, c[9]!, 2) ? 4 : -1;
  if (ac < 0) return undefined;
  return timedEntry(text.slice(c[0]!, c[1]!), 'file', -1, Number.NaN, 0, undefined, undefined, undefined, undefined, raw());
}

/** The member list headers, which start with a space: {@link SKIP}; else `undefined`. */
function header(text: string, start: number, end: number): typeof SKIP | undefined {
  const i = skipBlank(text, start, end);
  if (i !== start + 1 || !text.startsWith('Name ', i)) return undefined;
  const rest = text.slice(i, end).trimEnd();
  return rest.endsWith(' Id') && rest.includes(' VV.MM ') ? SKIP : rest.endsWith(' Rmode') && rest.includes(' TTR ') ? SKIP : undefined;
}
