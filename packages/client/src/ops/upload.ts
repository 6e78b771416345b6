/**
 * Uploading one file over one logged-in connection.
 *
 * Theory of operation: STOR (or APPE) from a source (io/sources.ts), in binary or, on request, ASCII
 * (TYPE A, with bare LF turned into CRLF here). A resumed upload must continue exactly where the
 * remote file ends, so its size is checked first; and RFC 3659 §5 defines REST before STOR only for
 * servers that advertise REST STREAM, so elsewhere the rest of the file is appended with APPE instead.
 * With `verify`, the bytes are counted and hashed as they are read (ops/verify.ts), those before
 * `startAt` first; `append` can verify only by size (the remote file's size before it, plus the
 * bytes sent), since the bytes already on the server are not ours to hash.
 *
 * After a failed attempt ({@link resumePoint}) only the server's size says what it kept, and it can
 * hold fewer bytes than were sent (lost in flight) or other bytes altogether (a server that uploads
 * under a hidden name and drops it on failure leaves the old file, ProFTPD's `HiddenStores`). A size
 * counts as this call's bytes only when it lies between where the call began and the furthest byte
 * any attempt sent, and is not simply the size the file had before the call; anything else starts
 * over with STOR, which replaces the file whole. An append that cannot tell what landed gives up
 * rather than append twice.
 *
 * @module
 */
import { formatFtpTime } from '@ftpkit/codec';
import type { CallOptions, TransferResult } from '../calls.js';
import { InvalidArgumentError, LocalFileError } from '../errors.js';
import { convertChunks, lfToCrlf } from '../io/ascii.js';
import { openSource, type UploadSource } from '../io/sources.js';
import { progressMeter } from '../progress.js';
import type { Conn, TransferOpOptions } from './conn.js';
import { sizeOrUndefined } from './download.js';
import { finishVerify, startVerify, verifyMethodOf, type Tally } from './verify.js';

/** STOR (or APPE) `source` to `remotePath`. */
export async function upload(conn: Conn, source: UploadSource, remotePath: string, command: 'STOR' | 'APPE', options: TransferOpOptions): Promise<TransferResult> {
  let startAt = options.startAt ?? 0;
  let cmd = command;
  const method = verifyMethodOf(options);
  if (method === 'checksum' && command === 'APPE') throw new InvalidArgumentError("append cannot verify by checksum (the bytes already on the server are not known here): use verify: 'size'");
  const tally = method ? startVerify(conn, method) : undefined;
  // An append's target holds what the server had before it: that size counts, its bytes cannot be hashed.
  if (tally && command === 'APPE') await tally.prefix((await sizeOrUndefined(conn, remotePath, options)) ?? 0, undefined);
  if (startAt > 0 && cmd === 'STOR') {
    // Resuming must continue exactly where the remote file ends, or the result is corrupt.
    const remoteSize = await sizeOrUndefined(conn, remotePath, options);
    if (remoteSize !== undefined && remoteSize !== startAt) {
      throw new LocalFileError(`Cannot resume at ${startAt}: the remote file has ${remoteSize} bytes`);
    }
    // Without REST STREAM (ftp-srv), REST+STOR truncates and zero-fills; APPE of the rest is the safe equivalent.
    if (!conn.features.has('REST')) cmd = 'APPE';
  }
  // A file source may refill its buffers only where a settled write no longer holds them.
  const opened = await openSource(source, startAt, conn.control.transport.capabilities.writeSettlesWhenSent === true);
  if (cmd === 'APPE') startAt = 0;
  const ascii = options.mode === 'ascii';
  // In ASCII mode the wire carries more bytes than the file (LF becomes CRLF): no total then.
  const progress = progressMeter(options.onProgress, ascii ? undefined : opened.size);
  if (tally && command === 'STOR' && (options.startAt ?? 0) > 0) await tally.prefix(options.startAt, typeof source === 'string' || source instanceof Uint8Array ? source : undefined);
  const chunks = ascii ? convertChunks(opened.chunks, lfToCrlf()) : tally ? tapped(opened.chunks, tally) : opened.chunks;
  const { reply } = await conn.transfer(cmd, remotePath, { direction: 'upload', source: chunks }, {
    ...options,
    startAt,
    offset: options.startAt ?? 0, // where the source goes on, also when APPE sends no REST
    type: ascii ? 'A' : 'I',
    onBytes: progress.add,
  });
  if (tally) await finishVerify(conn, tally, { direction: 'upload', remote: remotePath, local: typeof source === 'string' ? source : undefined }, options);
  return { bytes: progress.bytes(), reply };
}

/** `chunks`, each fed to `tally` as it is handed on (before a file source may refill its memory). */
async function* tapped(chunks: AsyncIterable<Uint8Array>, tally: Tally): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    tally.add(chunk);
    yield chunk;
  }
}

/** Set a remote file's modification time (MFMT, draft-somers-ftp-mfxx), as uploads that keep times do. */
export async function setLastModified(conn: Conn, path: string, date: Date, options: CallOptions): Promise<void> {
  await conn.command('MFMT', `${formatFtpTime(date)} ${path}`, options);
}

/** What the attempts of one upload call have learned, for {@link resumePoint}. */
export interface UploadTrail {
  /** `STOR`, or `APPE` for `append`. */
  readonly command: 'STOR' | 'APPE';
  /** Where the call began in the source (its `startAt`). */
  readonly startAt: number;
  /** The remote size before the first attempt: undefined when there was no file (or no SIZE). */
  readonly before: number | undefined;
  /** The furthest offset of the source any attempt sent on a data connection. */
  readonly reach: number;
  readonly ascii: boolean;
}

/**
 * Where an upload continues after a failed attempt, from the server's size now: `{ at }`, the offset
 * of the source to send from (0 with STOR: start over, replacing the file), or `undefined` when an
 * append cannot tell what landed and must not run again.
 */
export async function resumePoint(conn: Conn, remotePath: string, trail: UploadTrail, options: CallOptions): Promise<{ at: number; size: number | undefined } | undefined> {
  const sentNothing = trail.reach === trail.startAt;
  if (trail.command === 'APPE') {
    if (sentNothing) return { at: trail.startAt, size: undefined };
    if (trail.ascii) return undefined; // the server counts converted bytes: no offset of the source fits
    const size = await sizeOrUndefined(conn, remotePath, options);
    const landed = size === undefined ? undefined : size - (trail.before ?? 0);
    return landed !== undefined && landed >= 0 && trail.startAt + landed <= trail.reach ? { at: trail.startAt + landed, size } : undefined;
  }
  if (trail.ascii) return { at: 0, size: undefined };
  const size = await sizeOrUndefined(conn, remotePath, options);
  // Ours: within what was sent, and not just the old file left as it was (unless the call began there).
  const ours = size !== undefined && size >= trail.startAt && size <= trail.reach && (size !== trail.before || size === trail.startAt);
  return { at: ours ? size : 0, size };
}
