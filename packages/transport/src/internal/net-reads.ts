/**
 * How the node:net implementation reads a plain socket on Node: large reads into slabs (below).
 *
 * @internal
 * @module
 */
import { Buffer } from 'node:buffer';
import type net from 'node:net';
import type { RuntimeName } from '../types.js';
import { SlabPool, SlabShelf } from './slab-pool.js';

/**
 * How Node reads a plain socket. By default Node reads at most 64 KiB into a fresh buffer per read.
 * Here every read goes straight into the free part of a 2 MiB slab (Node's `onread` with a buffer
 * function, which Node calls before each read) and is cut out as a chunk at its exact length, so
 * reads can be large, no byte is copied, and a file download that recycles its chunks runs on a few
 * reused slabs (see {@link SlabPool}). Fewer, larger chunks cost less per byte: a 1 GiB loopback
 * download went from about 1,200–1,500 to about 2,000 MB/s, with a third less CPU
 * (packages/bench/RESULTS.md).
 *
 * Slabs come from `Buffer.allocUnsafeSlow`, not zero-filled: only bytes the kernel wrote are ever cut
 * out as chunks. Zero-filling a 2 MiB slab per data connection was 8% of the CPU of a pool of FTPS
 * sessions moving 4 KiB files. For the same reason a connection's first slab is 64 KiB; only a
 * connection that fills it moves on to 2 MiB slabs. Free slabs wait on one shelf for all connections,
 * and first slabs on another, for the next connection once a closed one's chunks have come back.
 */
const NODE_SLAB_BYTES = 2 * 1024 * 1024;
/** A slab with less room than this is retired before the next read. */
const NODE_MIN_READ = 256 * 1024;
const NODE_FIRST_SLAB = 64 * 1024;
/**
 * Free 2 MiB slabs kept for any Node connection of this process. A shelf of 4 made an 8-segment
 * download drop slabs and allocate them again: 148 MB peak RSS against 119.
 */
const nodeShelf = new SlabShelf(16);
/** Free first slabs: one for each of a Pool's sessions with room to spare (1 MiB in all). */
const nodeFirstShelf = new SlabShelf(16);

/** Memory the caller overwrites before it reads it, as a plain Uint8Array (not a Buffer). */
function unzeroed(bytes: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(bytes);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** The most one read may take; a bounded read-ahead bounds it too (see `setReadAhead`). */
export interface ReadSize {
  bytes: number;
}

/**
 * Node's `onread` option for a plain socket: each read lands in `pool`'s free room, at most
 * `size.bytes` of it, and is re-emitted as a `data` event carrying that piece. The socket's
 * `pause()` and `resume()` stop and restart these reads as they do normal ones.
 */
export function largeReads(pool: SlabPool, size: ReadSize, emit: (chunk: Uint8Array) => void): Pick<net.NetConnectOpts, 'onread'> {
  return {
    onread: {
      buffer: () => {
        const room = pool.room();
        return room.byteLength > size.bytes ? room.subarray(0, size.bytes) : room;
      },
      callback: (bytes: number) => {
        emit(pool.take(bytes));
        return true; // keep reading; the queue pauses the socket itself when it holds too much
      },
    },
  };
}

/** Bun's node:net is left on its own reads, which are already large; TLS sockets keep Node's. */
export function slabPoolFor(runtime: RuntimeName): SlabPool | undefined {
  return runtime === 'node'
    ? new SlabPool(NODE_SLAB_BYTES, NODE_MIN_READ, { firstSlab: NODE_FIRST_SLAB, allocate: unzeroed, shelf: nodeShelf, firstShelf: nodeFirstShelf })
    : undefined;
}
