/**
 * Downloading one file over one logged-in connection.
 *
 * Theory of operation: RETR into a sink (io/sinks.ts), in binary (TYPE I) or, on request, ASCII
 * (TYPE A, with CRLF turned into LF here, RFC 959 §3.1.1.1). Progress is counted on the bytes that
 * arrive; its `total` comes from SIZE, asked only when someone listens. A file sink is committed (its
 * temporary file renamed into place) only after the transfer is complete by every measure this side
 * has (see {@link checkComplete}); anything else discards it.
 *
 * @module
 */
import { FtpReplyError, parseAnnouncedSize, parseSizeReply, type Reply } from '@ftpkit/codec';
import { ConnectionError } from '@ftpkit/transport';
import type { CallOptions, TransferResult } from '../calls.js';
import { crlfToLf } from '../io/ascii.js';
import { openSink, type DownloadDestination, type Sink } from '../io/sinks.js';
import { progressMeter } from '../progress.js';
import type { Conn, TransferCallOptions, TransferOpOptions } from './conn.js';

/** RETR `remotePath` into `destination`: one attempt, its sink opened here and committed or discarded. */
export async function download(conn: Conn, remotePath: string, destination: DownloadDestination, options: TransferOpOptions): Promise<TransferResult> {
  const startAt = options.startAt ?? 0;
  const total = options.onProgress ? await sizeOrUndefined(conn, remotePath, options) : undefined;
  const sink = await openSink(destination, startAt);
  const progress = progressMeter(options.onProgress, total === undefined ? undefined : Math.max(0, total - startAt));
  try {
    const reply = await fetchInto(conn, remotePath, sink.write, { ...options, startAt, size: total, onBytes: progress.add });
    await sink.commit();
    return { bytes: progress.bytes(), reply };
  } catch (err) {
    await sink.discard();
    throw err;
  }
}

/** How {@link fetchInto} fetches. */
export interface FetchOptions extends CallOptions, Pick<TransferCallOptions, 'limitRate' | 'callLimit'> {
  /** REST offset (0: none). */
  readonly startAt: number;
  readonly mode?: 'binary' | 'ascii' | undefined;
  /** The whole file's size, when SIZE was asked: the transfer must bring the rest of it. */
  readonly size?: number | undefined;
  /** Bytes as they arrive on the data connection. */
  readonly onBytes?: ((count: number) => void) | undefined;
}

/**
 * RETR `remotePath` from `startAt` into `write`, in binary or ASCII (CRLF turned into LF here, RFC 959
 * §3.1.1.1); resolves with the final reply once the transfer is complete by every measure this side
 * has (see {@link checkComplete}). What `write` was given before a failure is a true prefix of the
 * rest of the file: TCP and TLS deliver in order.
 */
export async function fetchInto(conn: Conn, remotePath: string, write: Sink['write'], options: FetchOptions): Promise<Reply> {
  const { startAt } = options;
  const ascii = options.mode === 'ascii' ? crlfToLf() : undefined;
  let received = 0;
  const { reply, preliminary } = await conn.transfer('RETR', remotePath, { direction: 'download', write: ascii ? (chunk) => write(ascii.push(chunk)) : write }, {
    ...options,
    type: ascii ? 'A' : 'I',
    onBytes: (n) => {
      received += n;
      options.onBytes?.(n);
    },
  });
  if (!ascii) checkComplete(received, startAt, preliminary ? parseAnnouncedSize(preliminary) : undefined, options.size);
  const tail = ascii?.flush();
  if (tail && tail.length > 0) await write(tail);
  return reply;
}

/** SIZE, or undefined when the server refuses it. */
export async function sizeOrUndefined(conn: Conn, path: string, options: CallOptions): Promise<number | undefined> {
  try {
    return parseSizeReply(await conn.command('SIZE', path, options));
  } catch (err) {
    if (err instanceof FtpReplyError) return undefined;
    throw err;
  }
}

/**
 * A download that got fewer bytes than the server said the file has is not complete, whatever the
 * final reply: a second line behind the transport, which reports a reset as `ConnectionError` and
 * never as the end of stream (on Node it takes a probe, see the transport's net adapter), while the
 * server may well have sent its 226 already. The sizes: SIZE (when asked for
 * progress) and the 150 reply's `(N bytes)`. After REST the 150 may count the whole file (vsftpd)
 * or what is left (ProFTPD), so only the weaker bound is enforced. More bytes than announced are
 * fine: a file that grew while it was read.
 */
function checkComplete(received: number, startAt: number, announced: number | undefined, size: number | undefined): void {
  for (const expected of [announced, size]) {
    if (expected !== undefined && received < expected - startAt) {
      throw new ConnectionError(`The download ended after ${received} of ${expected - startAt} bytes; the file is incomplete`);
    }
  }
}
