/**
 * `listTimeZone: 'auto'`: learning a server's LIST time zone from MDTM, once per session.
 *
 * Theory of operation: MDTM answers in UTC (RFC 3659 §2.3, §3), LIST in the server's local time.
 * So on the first LIST-based listing of a session (never MLSD, whose times are UTC already), one
 * listed plain file whose time shows at least the minute is asked for with MDTM, and the
 * difference between its LIST time read as UTC and MDTM's answer is the server's offset. The
 * difference is rounded to 15 minutes (every zone in use is a multiple of that; a LIST time cut
 * to the minute, and a file written between the LIST and the MDTM, move it by less) and must be
 * within ±14 hours (UTC-12 to UTC+14 is every zone there is); anything further is not a zone (a
 * file changed meanwhile, a year mis-guessed, a server clock that is off) and detection fails.
 * What it found is remembered on the connection (`SessionZone`) and used by every later listing.
 *
 * The listing that asks is read in the zone it finds: its entries are held until the answer is in
 * (ops/listing.ts, ops/listing-stream.ts), so no entry is handed out with a time it would have
 * had before. MDTM needs the control connection, which the listing's transfer holds, so it is
 * asked after the transfer (a `listEntries` of a huge first listing is cut short and listed again).
 *
 * When it cannot tell: a server without MDTM in FEAT fails at once, for good; an MDTM that is
 * refused or unreadable counts as a try, and after three the session gives up; a listing with no
 * such file (only folders, or only dates without a time) tries nothing and leaves it to the next.
 * Each of these is said in the log. Until it knows, a session reads LIST times as UTC. A server
 * whose MDTM is local time too (vsftpd with `use_localtime=YES`) agrees with its LIST and gives 0:
 * 'auto' cannot see a zone that both answers share.
 *
 * @module
 */
import { FtpReplyError, parseMdtmReply, RemoteProtocolError, type ListingEntry } from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import { remoteJoin } from '../io/paths.js';
import { formatOffset } from '../time-zone.js';
import type { Conn } from './conn.js';

/** Offsets are rounded to this many minutes: every zone in use is a multiple (Nepal's +05:45 included). */
const STEP_MINUTES = 15;
/** The widest offset of any zone in use (UTC-12:00 to UTC+14:00, Kiribati), in minutes. */
const MAX_MINUTES = 14 * 60;

/**
 * The first entry that can tell a zone: a plain file whose LIST time shows the minute or the second.
 *
 * @example
 * ```ts
 * zoneSample(parseListing('-rw-r--r-- 1 u g 6 Jan  2  2020 old\n-rw-r--r-- 1 u g 6 Jun 14 09:30 new\n', { now }).entries)?.name; // 'new'
 * ```
 */
export function zoneSample(entries: readonly ListingEntry[]): ListingEntry | undefined {
  return entries.find((e) => e.type === 'file' && e.modifiedAt !== undefined && (e.precision === 'minute' || e.precision === 'second'));
}

/**
 * The server's offset in minutes east of UTC from a LIST time read as UTC (`listed`) and the MDTM
 * time of the same file, rounded to 15 minutes; a sentence instead when the two are too far apart
 * to be a zone.
 *
 * @example
 * ```ts
 * offsetFromMdtm(new Date('2024-06-14T09:30:00Z'), new Date('2024-06-14T07:30:41Z')); // 120
 * ```
 */
export function offsetFromMdtm(listed: Date, mdtm: Date): number | string {
  const minutes = Math.round((listed.getTime() - mdtm.getTime()) / (STEP_MINUTES * 60_000)) * STEP_MINUTES;
  if (Math.abs(minutes) > MAX_MINUTES) {
    const hours = Math.round(((listed.getTime() - mdtm.getTime()) / 3_600_000) * 10) / 10;
    return `LIST and MDTM differ by ${hours} hours, more than any time zone (the file changed, or a clock is off)`;
  }
  return minutes === 0 ? 0 : minutes; // never -0
}

/**
 * Settle `'auto'` after a LIST-based listing of `dir` (`undefined`: the working directory) whose
 * entries wait for it, with `sample` ({@link zoneSample}) if it had one. A refused or unreadable
 * MDTM is not an error of the listing: it is logged and counted. Errors of the connection (a
 * timeout, a closed connection, the call's abort) are the call's.
 */
export async function detectZone(conn: Conn, dir: string | undefined, sample: ListingEntry | undefined, options: CallOptions): Promise<void> {
  const zone = conn.zone;
  const note = (text: string): void => conn.options.log?.({ direction: '*', text: `listTimeZone 'auto': ${text}` });
  if (!conn.features.has('MDTM')) {
    const reason = 'the server does not offer MDTM (FEAT), so LIST times are read as UTC';
    zone.undecided(reason, true, false);
    note(reason);
    return;
  }
  if (sample?.modifiedAt === undefined) {
    const reason = 'this listing has no plain file with a time of day to compare; it is read as UTC, and the next listing tries again';
    zone.undecided(reason, false, false);
    note(reason);
    return;
  }
  const path = remoteJoin(dir ?? '', sample.name);
  let found: number | string;
  try {
    found = offsetFromMdtm(sample.modifiedAt, parseMdtmReply(await conn.command('MDTM', path, options)));
  } catch (err) {
    if (!(err instanceof FtpReplyError) && !(err instanceof RemoteProtocolError)) throw err;
    found = `MDTM ${path} failed (${err.message})`;
  }
  if (typeof found === 'number') {
    zone.detected(found);
    note(`the server lists its times at ${found === 0 ? 'UTC' : formatOffset(found)} (MDTM of ${path})`);
    return;
  }
  zone.undecided(found, false, true);
  note(`${found}; ${zone.pending ? 'this listing is read as UTC, and the next one tries again' : 'LIST times are read as UTC'}`);
}
