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
 * Free slabs wait on a {@link SlabShelf}, which the pools of one adapter share, so a slab one
 * connection gave back can carry another's reads. A pool's first slab is small, so a connection that
 * carries one small file, or a control connection's replies, never takes (and, with chunks nobody
 * recycles, pins) a big one. First slabs have a shelf of their own: a connection that is done
 * reading `retire`s its slab, and once its chunks have come back the next connection reads into
 * it. A pool of sessions moving 10,000 small files would otherwise allocate 10,000 first slabs,
 * 640 MiB at 64 KiB each, that only the garbage collector gives back.
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

/** Free slabs of one size, waiting for reuse by any pool that shares the shelf. */
export class SlabShelf {
  readonly #max: number;
  readonly #slabs: Uint8Array[] = [];

  /** @param max free slabs kept; more are dropped and left to the garbage collector. */
  constructor(max: number) {
    this.#max = max;
  }

  /** A free slab of `bytes` bytes, if one waits. */
  take(bytes: number): Uint8Array | undefined {
    return this.#slabs.length > 0 && this.#slabs[0]!.byteLength === bytes ? this.#slabs.pop() : undefined;
  }

  /** Keep `slab` for reuse if there is space, and if it has the size of the others. */
  put(slab: Uint8Array): void {
    const size = this.#slabs[0]?.byteLength ?? slab.byteLength;
    if (this.#slabs.length < this.#max && slab.byteLength === size) this.#slabs.push(slab);
  }

  /** Slabs waiting for reuse. */
  get size(): number {
    return this.#slabs.length;
  }
}

/** How a {@link SlabPool} gets its memory. */
export interface SlabPoolOptions {
  /** Bytes of the pool's first slab (default: the slab size). Later slabs have the full size. */
  readonly firstSlab?: number;
  /** Where new slabs come from (default: `new Uint8Array`, which zero-fills). */
  readonly allocate?: (bytes: number) => Uint8Array;
  /** Free slabs shared with other pools (default: a shelf of this pool's own, of 4 slabs). */
  readonly shelf?: SlabShelf;
  /** Free first slabs shared with other pools (default: none, every first slab is new). */
  readonly firstShelf?: SlabShelf;
}

const zeroed = (bytes: number): Uint8Array => new Uint8Array(bytes);

export class SlabPool {
  readonly #slabSize: number;
  readonly #minRoom: number;
  readonly #firstSlab: number;
  readonly #allocate: (bytes: number) => Uint8Array;
  readonly #shelf: SlabShelf;
  readonly #firstShelf: SlabShelf | undefined;
  #slab: Uint8Array;
  #state: SlabState = { out: 0, retired: false };
  #offset = 0;
  readonly #states = new WeakMap<ArrayBufferLike, SlabState>();

  /**
   * @param slabSize bytes per slab.
   * @param minRoom a slab with less room than this is retired before the next read (a quarter of
   *   the slab for a smaller first slab).
   */
  constructor(slabSize: number, minRoom: number, options: SlabPoolOptions = {}) {
    this.#slabSize = slabSize;
    this.#minRoom = minRoom;
    this.#firstSlab = Math.min(options.firstSlab ?? slabSize, slabSize);
    this.#allocate = options.allocate ?? zeroed;
    this.#shelf = options.shelf ?? new SlabShelf(4);
    this.#firstShelf = options.firstShelf;
    this.#slab = new Uint8Array(0);
  }

  /** Room for the next read: at least `minRoom` bytes (a view of the current slab from its free part). */
  room(): Uint8Array {
    const length = this.#slab.byteLength;
    const minRoom = length < this.#slabSize ? Math.max(Math.min(this.#minRoom, length >> 2), 1) : this.#minRoom;
    if (length - this.#offset < minRoom) this.#next();
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

  /**
   * No read will come any more (the connection reached its end or closed): the current slab is
   * retired, and goes back to its shelf once every chunk cut from it has been recycled (at once if
   * none is out). Call it only when no read into `room()` can still be under way.
   */
  retire(): void {
    if (this.#slab.byteLength === 0) return;
    this.#retireCurrent();
    this.#slab = new Uint8Array(0);
    this.#offset = 0;
    this.#state = { out: 0, retired: false };
  }

  /** Slabs waiting for reuse on this pool's shelf (for tests). */
  get freeSlabs(): number {
    return this.#shelf.size;
  }

  #next(atLeast = 0): void {
    const first = this.#slab.byteLength === 0;
    if (!first) this.#retireCurrent();
    const size = Math.max(first ? this.#firstSlab : this.#slabSize, atLeast);
    this.#slab = (first ? this.#firstShelf : this.#shelf)?.take(size) ?? this.#allocate(size);
    this.#offset = 0;
    this.#state = { out: 0, retired: false };
    this.#states.set(this.#slab.buffer, this.#state);
  }

  /** No more chunks are cut from the current slab; it goes back now if none is out, else with the last. */
  #retireCurrent(): void {
    const state = this.#state;
    state.retired = true;
    if (state.out === 0) this.#release(this.#slab.buffer, state);
  }

  #release(buffer: ArrayBufferLike, state: SlabState): void {
    this.#states.delete(buffer);
    state.retired = false;
    if (buffer.byteLength === this.#slabSize) this.#shelf.put(new Uint8Array(buffer));
    else if (buffer.byteLength === this.#firstSlab) this.#firstShelf?.put(new Uint8Array(buffer));
  }
}
