/**
 * The JES spool of IBM z/OS, listed by the z/OS FTP server after `SITE FILETYPE=JES` (IP User's
 * Guide and Commands, "Interfacing with JES"): the `mvs` format's third kind of listing, besides
 * data sets and members (`mvs.ts`).
 *
 * Theory of operation: with `JESINTERFACELEVEL 1` each job is `JOBNAME JOBID STATUS [n spool
 * Files]`; with level 2 a header is followed by `JOBNAME JOBID OWNER STATUS CLASS [completion]
 * [n spool files]`, and `DIR` of one job adds its spool files after a `--------` line:
 *
 * ```text
 * JOBNAME  JOBID    OWNER    STATUS CLASS
 * PAYRUN   JOB01234 OPER1    OUTPUT A        RC=0000 3 spool files
 * PAYTEST  J0012345 OPER1    INPUT  A        -HELD-
 * OPER1    TSU00077 OPER1    ACTIVE TSU
 * --------
 *          ID  STEPNAME PROCSTEP C DDNAME   BYTE-COUNT
 *          001 JES2              A JESMSGLG      1187
 *          002 JES2              A JESJCL         412
 * 2 spool files
 * ```
 *
 * A job is an entry named by its job id (`JOB01234`, what `GET` and `DIR` take), a file (`GET`
 * retrieves its whole output), with the owner at level 2. A spool file is an entry named by its
 * number as listed (`001`; `GET JOB01234.1` retrieves it), a file whose size is its byte count.
 * The headers, the separator, the spool-file count and the step and CPU lines of an active job
 * name no entry.
 *
 * @module
 */
import { SKIP } from './context.js';
import { timedEntry } from './entry.js';
import { isDigit, skipBlank, tokenEnd } from './scan.js';
import type { ListingEntry } from './types.js';

/** Is `text[start, end)` a job id: JOB, TSU or STC and five digits, or J, T or S and seven? */
function isJobId(text: string, start: number, end: number): boolean {
  const width = end - start;
  const digitsFrom = width === 8 && (text.startsWith('JOB', start) || text.startsWith('TSU', start) || text.startsWith('STC', start)) ? start + 3 : -1;
  const from = digitsFrom >= 0 ? digitsFrom : width === 8 && 'JTS'.includes(text[start]!) ? start + 1 : -1;
  if (from < 0) return false;
  for (let i = from; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** Is `text[start, end)` a job name or user id: 1–8 letters, digits and `$#@`? */
function isJobName(text: string, start: number, end: number): boolean {
  if (end <= start || end - start > 8) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
    if (!letter && !isDigit(c) && c !== 0x24 && c !== 0x23 && c !== 0x40) return false;
  }
  return true;
}

const STATUSES = ['INPUT', 'ACTIVE', 'OUTPUT', 'HELD'];

/**
 * The JES listing line `text[start, end)`: an entry, {@link SKIP} for a header or summary line, or
 * `undefined`. Never throws.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'PAYRUN   JOB01234 OPER1    OUTPUT A        RC=0000 3 spool files';
 * (readJesLine(line, 0, line.length) as ListingEntry).name; // 'JOB01234'
 * ```
 */
export function readJesLine(text: string, start: number, end: number): ListingEntry | undefined | typeof SKIP {
  if (text.charCodeAt(start) === 0x20) return spoolFile(text, start, end);
  const line = text.slice(start, end).trimEnd();
  if (/^JOBNAME +JOBID +OWNER +STATUS +CLASS$/.test(line) || /^-{8}$/.test(line) || /^[0-9]+ spool files$/i.test(line)) return SKIP;
  if (/^(?:STEPNAME|CPUTIME) /.test(line)) return SKIP;
  const e0 = tokenEnd(text, start, end);
  const s1 = skipBlank(text, e0, end);
  const e1 = tokenEnd(text, s1, end);
  if (!isJobName(text, start, e0) || !isJobId(text, s1, e1)) return undefined;
  const s2 = skipBlank(text, e1, end);
  const e2 = tokenEnd(text, s2, end);
  let owner: string | undefined;
  let status = text.slice(s2, e2);
  if (!STATUSES.includes(status)) {
    // Level 2: the owner, then the status and the class.
    const s3 = skipBlank(text, e2, end);
    const e3 = tokenEnd(text, s3, end);
    status = text.slice(s3, e3);
    if (!isJobName(text, s2, e2) || !STATUSES.includes(status) || skipBlank(text, e3, end) >= end) return undefined;
    owner = text.slice(s2, e2);
  }
  return timedEntry(text.slice(s1, e1), 'file', -1, Number.NaN, 0, undefined, undefined, owner, undefined, text.slice(start, end));
}

/** `ID STEPNAME [PROCSTEP] C DDNAME BYTE-COUNT`, and its header; indented. */
function spoolFile(text: string, start: number, end: number): ListingEntry | undefined | typeof SKIP {
  const line = text.slice(start, end).trim();
  if (/^ID +STEPNAME +PROCSTEP +C +DDNAME +BYTE-COUNT$/.test(line)) return SKIP;
  const parts = line.split(/ +/);
  if (parts.length < 5 || parts.length > 6) return undefined;
  const [id, ...rest] = parts;
  const bytes = rest.at(-1)!;
  const ddname = rest.at(-2)!;
  const klass = rest.at(-3)!;
  if (!/^[0-9]{1,5}$/.test(id!) || !/^[0-9]{1,15}$/.test(bytes) || klass.length !== 1 || !isJobName(ddname, 0, ddname.length)) return undefined;
  for (const step of rest.slice(0, -3)) if (!isJobName(step, 0, step.length)) return undefined;
  return timedEntry(id!, 'file', Number(bytes), Number.NaN, 0, undefined, undefined, undefined, undefined, text.slice(start, end));
}
