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
