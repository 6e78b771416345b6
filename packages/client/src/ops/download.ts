/**
 * Downloading one file over one logged-in connection.
 *
 * Theory of operation: RETR into a sink (io/sinks.ts), in binary (TYPE I) or, on request, ASCII
 * (TYPE A, with CRLF turned into LF here, RFC 959 §3.1.1.1). Progress is counted on the bytes that
 * arrive; its `total` comes from SIZE, asked only when someone listens. A file sink is committed (its
 * temporary file renamed into place) only after the transfer is complete by every measure this side
 * has (see {@link checkComplete}) and, with `verify`, checked against the server (ops/verify.ts);
 * anything else discards it. A resumed download to a path grows the user's file in place, so a
 * failed verification deletes that file: its bytes are known wrong, and the next try starts at 0.
 *
 * @module
 */
import { FtpReplyError, parseAnnouncedSize, parseSizeReply, type Reply } from '@ftpkit/codec';
import { ConnectionError } from '@ftpkit/transport';
import type { CallOptions, TransferResult } from '../calls.js';
import { VerifyError } from '../errors.js';
import { crlfToLf } from '../io/ascii.js';
import { unlink } from '../io/fs.js';
import { openSink, type DownloadDestination, type Sink } from '../io/sinks.js';
import { progressMeter } from '../progress.js';
import type { Conn, TransferCallOptions, TransferOpOptions } from './conn.js';
import { finishVerify, startVerify, verifyMethodOf } from './verify.js';

/** RETR `remotePath` into `destination`: one attempt, its sink opened here and committed or discarded. */
export async function download(conn: Conn, remotePath: string, destination: DownloadDestination, options: TransferOpOptions): Promise<TransferResult> {
  const startAt = options.startAt ?? 0;
  const method = verifyMethodOf(options);
  const tally = method ? startVerify(conn, method) : undefined;
  const local = typeof destination === 'string' ? destination : undefined;
  const total = options.onProgress ? await sizeOrUndefined(conn, remotePath, options) : undefined;
  const sink = await openSink(destination, startAt);
  const progress = progressMeter(options.onProgress, total === undefined ? undefined : Math.max(0, total - startAt));
  const add = tally?.add;
  const write: Sink['write'] = add
    ? (chunk, recycle) => {
        add(chunk); // before the sink may hand the chunk's memory back
        return sink.write(chunk, recycle);
      }
    : sink.write;
  try {
    if (tally && startAt > 0) await tally.prefix(startAt, local);
    const reply = await fetchInto(conn, remotePath, write, { ...options, startAt, size: total, onBytes: progress.add });
    if (tally) await finishVerify(conn, tally, { direction: 'download', remote: remotePath, local }, options);
    await sink.commit();
    return { bytes: progress.bytes(), reply };
  } catch (err) {
    await sink.discard();
    if (err instanceof VerifyError && local !== undefined && startAt > 0) await unlink(local).catch(() => {});
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
  /**
   * The whole file's size as a listing showed it (a tree's download): a transfer that brings less
   * is incomplete unless SIZE, asked then, says the file now ends where the transfer did.
   */
  readonly listed?: number | undefined;
  /** Bytes as they arrive on the data connection. */
  readonly onBytes?: ((count: number) => void) | undefined;
  /** Unread bytes the transport may hold for this download (see `TransferIo`); its default when undefined. */
  readonly readAhead?: number | undefined;
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
  const { reply, preliminary } = await conn.transfer('RETR', remotePath, { direction: 'download', write: ascii ? (chunk) => write(ascii.push(chunk)) : write, readAhead: options.readAhead }, {
    ...options,
    type: ascii ? 'A' : 'I',
    onBytes: (n) => {
      received += n;
      options.onBytes?.(n);
    },
  });
  if (!ascii) {
    checkComplete(received, startAt, preliminary ? parseAnnouncedSize(preliminary) : undefined, options.size);
    // A listing is older than the transfer: a file that shrank since is whole at its new size.
    const { listed } = options;
    if (listed !== undefined && received < listed - startAt && (await sizeOrUndefined(conn, remotePath, options)) !== startAt + received) {
      checkComplete(received, startAt, listed, undefined);
    }
  }
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
