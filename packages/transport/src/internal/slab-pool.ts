/**
 * Memory for incoming chunks, carved from slabs that come back for reuse once every chunk cut from
 * them was given back.
 *
 * Theory of operation: an adapter asks for room, fills it, and cuts a chunk of exactly the bytes it
 * received; the next chunk starts where that one ended. A slab with too little room left is retired
 * and a fresh one (from the free list, else newly allocated) takes over. A caller that is finished
 * with a chunk may `recycle` it; when every chunk of a retired slab has come back, the slab goes on
 * the free list and its memory is filled again. Chunks that never come back are simply left to the
 * garbage collector: bookkeeping is keyed weakly by the slab's `ArrayBuffer`, so nothing leaks.
 *
 * Why: a download that allocates a fresh buffer per read produces garbage as fast as the network
 * delivers, and V8 collects external memory lazily (tens of MB pile up before a collection). A file
 * download whose sink recycles every chunk after writing it runs on a handful of slabs instead.
 *
 * A recycled chunk must not be touched again by anyone: its bytes will be overwritten. Only code
 * that owns the chunk end to end (the client's file sinks) recycles.
 *
 * @internal
 * @module
 */

interface SlabState {
  /** Chunks cut from the slab and not yet recycled. */
  out: number;
  /** No more chunks will be cut from it. */
  retired: boolean;
}

/** Free slabs kept for reuse; more are dropped and left to the garbage collector. */
const MAX_FREE = 4;

export class SlabPool {
  readonly #slabSize: number;
  readonly #minRoom: number;
  #slab: Uint8Array;
  #state: SlabState = { out: 0, retired: false };
  #offset = 0;
  readonly #states = new WeakMap<ArrayBufferLike, SlabState>();
  readonly #free: Uint8Array[] = [];

  /**
   * @param slabSize bytes per slab.
   * @param minRoom a slab with less room than this is retired before the next read.
   */
  constructor(slabSize: number, minRoom: number) {
    this.#slabSize = slabSize;
    this.#minRoom = minRoom;
    this.#slab = new Uint8Array(0);
  }

  /** Room for the next read: at least `minRoom` bytes (a view of the current slab from its free part). */
  room(): Uint8Array {
    if (this.#slab.byteLength - this.#offset < this.#minRoom) this.#next();
    return this.#slab.subarray(this.#offset);
  }

  /** Cut the `bytes` just written at the start of `room()` into a chunk the caller owns. */
  take(bytes: number): Uint8Array {
    const chunk = this.#slab.subarray(this.#offset, this.#offset + bytes);
    this.#offset += bytes;
    this.#state.out++;
    return chunk;
  }

  /** Copy `bytes` into the pool and return them as one chunk. */
  copy(bytes: Uint8Array): Uint8Array {
    if (this.#slab.byteLength - this.#offset < bytes.byteLength) this.#next(bytes.byteLength);
    this.#slab.set(bytes, this.#offset);
    return this.take(bytes.byteLength);
  }

  /** The caller is done with `chunk` (one this pool handed out); its memory may be reused. */
  recycle(chunk: Uint8Array): void {
    const state = this.#states.get(chunk.buffer);
    if (state === undefined || state.out === 0) return;
    state.out--;
    if (state.retired && state.out === 0) this.#release(chunk.buffer, state);
  }

  /** Slabs waiting for reuse (for tests). */
  get freeSlabs(): number {
    return this.#free.length;
  }

  #next(atLeast = 0): void {
    const old = this.#state;
    if (this.#slab.byteLength > 0) {
      old.retired = true;
      if (old.out === 0) this.#release(this.#slab.buffer, old);
    }
    const reused = atLeast <= this.#slabSize ? this.#free.pop() : undefined;
    this.#slab = reused ?? new Uint8Array(Math.max(this.#slabSize, atLeast));
    this.#offset = 0;
    this.#state = { out: 0, retired: false };
    this.#states.set(this.#slab.buffer, this.#state);
  }

  #release(buffer: ArrayBufferLike, state: SlabState): void {
    this.#states.delete(buffer);
    state.retired = false;
    if (this.#free.length < MAX_FREE && buffer.byteLength === this.#slabSize) this.#free.push(new Uint8Array(buffer));
  }
}
