/**
 * Lent chunks: a download destination whose callback reads each chunk only while it runs, so that
 * the transport can read into that memory again (see `Connection.recycle`).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { recyclingDestination, type DownloadDestination } from './sinks.js';

/**
 * A download destination that lends each chunk to `write` instead of giving it away: the chunk is
 * `write`'s to read until it returns, or until the promise it returns settles, and after that its
 * memory may carry later bytes of the download. A callback that hashes, counts, parses or copies
 * each chunk needs nothing more, and the download then runs on a few reused read buffers where a
 * plain callback, which keeps its chunks, leaves one behind for the collector at network speed
 * (higher peak memory: measured in `packages/bench/RESULTS.md`). Keep a copy
 * (`chunk.slice()`) of anything needed later, and do not hand the chunk itself to anything that
 * may keep it past that point: a stream's `write`, for one, may queue it, or pass it on to a
 * consumer that keeps it (give such a stream the plain callback, or a copy). Where the runtime's
 * sockets give buffers of their own (Bun, Node's TLS), the chunks are simply never reused. A
 * rejected promise fails the download and its chunk is not taken back.
 *
 * @example
 * ```ts
 * import { createHash } from 'node:crypto';
 * const hash = createHash('sha256');
 * await client.download('/pub/image.iso', lending((chunk) => void hash.update(chunk)));
 * console.log(hash.digest('hex'));
 * ```
 */
export function lending(write: (chunk: Uint8Array) => void | Promise<void>): DownloadDestination {
  if (typeof write !== 'function') throw new InvalidArgumentError('lending() takes a function of a chunk');
  return recyclingDestination((chunk, recycle) => {
    const done = write(chunk);
    if (recycle === undefined) return done;
    if (!isPromiseLike(done)) return recycle(chunk);
    return Promise.resolve(done).then(() => recycle(chunk));
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
