/**
 * Turns a push-style socket (events hand us chunks) into the pull-style `read()` of a Connection.
 *
 * Theory of operation: chunks go straight to a waiting reader when there is one, and otherwise into
 * a FIFO. When more than {@link HIGH_WATER} bytes sit unread, the socket is paused, so a slow
 * consumer slows the peer down (TCP flow control) instead of filling memory; it is resumed once the
 * reader has drained the FIFO below {@link LOW_WATER}. A reader that is slow on purpose (a bandwidth
 * limit) lowers both marks ({@link ChunkQueue.setHighWater}), so the peer feels it sooner. Chunks
 * are handed out as they came, never copied or merged.
 *
 * End of stream and errors are sticky. An error that comes from the socket is delivered after the
 * chunks that arrived before it (a reset after the last bytes must not lose them); an error that
 * comes from `destroy()` drops what was queued.
 *
 * @internal
 * @module
 */

/**
 * Unread bytes above which the socket is paused. 4 MiB bounds the memory per connection and keeps
 * pause/resume cycles rare: Bun hands over reads of about 300 KiB, and its download throughput
 * through the adapter was measurably lower with a 2 MiB mark.
 */
export const HIGH_WATER = 4 * 1024 * 1024;
/** Unread bytes at or below which a paused socket is resumed. */
export const LOW_WATER = 1024 * 1024;

/** How the queue pauses and resumes its source. */
export interface Flow {
  pause(): void;
  resume(): void;
}

interface Waiter {
  resolve(chunk: Uint8Array | null): void;
  reject(error: unknown): void;
}

export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #waiters: Waiter[] = [];
  #ended = false;
  #failed = false;
  #error: unknown = undefined;
  #makeError: (() => unknown) | undefined;
  #paused = false;
  #flow: Flow;
  #highWater = HIGH_WATER;
  #lowWater = LOW_WATER;

  constructor(flow: Flow) {
    this.#flow = flow;
  }

  /** True once end or an error was recorded. */
  get done(): boolean {
    return this.#ended || this.#failed;
  }

  /** Unread bytes. */
  get size(): number {
    return this.#bytes;
  }

  /**
   * Pause the socket above `bytes` unread bytes instead of {@link HIGH_WATER}, and resume it at a
   * quarter of that (never above {@link LOW_WATER}); `undefined` restores both marks.
   */
  setHighWater(bytes: number | undefined): void {
    this.#highWater = bytes === undefined ? HIGH_WATER : Math.max(1, bytes);
    this.#lowWater = bytes === undefined ? LOW_WATER : Math.min(LOW_WATER, Math.floor(this.#highWater / 4));
    if (!this.#paused && !this.done && this.#bytes > this.#highWater) {
      this.#paused = true;
      this.#flow.pause();
    }
    this.#release();
  }

  push(chunk: Uint8Array): void {
    if (this.done || chunk.byteLength === 0) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    if (!this.#paused && this.#bytes > this.#highWater) {
      this.#paused = true;
      this.#flow.pause();
    }
  }

  /** The peer finished sending. Readers get the queued chunks, then `null`. */
  end(): void {
    if (this.done) return;
    this.#ended = true;
    if (this.#head < this.#chunks.length) return;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
  }

  /**
   * The stream broke. With `discard`, queued chunks are dropped and readers fail at once; without,
   * they are delivered first.
   */
  fail(error: unknown, discard = false): void {
    this.failLazily(() => error, discard);
  }

  /**
   * As {@link fail}, but the error is made only when a read needs it: an Error's stack is not free,
   * and most connections are torn down with nobody reading (about 2.5% of a client's CPU for small
   * files went into errors nobody saw).
   */
  failLazily(make: () => unknown, discard = false): void {
    if (discard) this.clear();
    if (this.#failed) return;
    this.#failed = true;
    this.#makeError = make;
    if (this.#head < this.#chunks.length || this.#waiters.length === 0) return;
    const error = this.#reason();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #reason(): unknown {
    if (this.#makeError !== undefined) {
      this.#error = this.#makeError();
      this.#makeError = undefined;
    }
    return this.#error;
  }

  /** Drop unread chunks (they were received before a TLS upgrade, or the stream is being torn down). */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#release();
  }

  read(): Promise<Uint8Array | null> {
    if (this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head]!;
      this.#chunks[this.#head] = EMPTY;
      this.#head++;
      if (this.#head === this.#chunks.length) {
        this.#chunks = [];
        this.#head = 0;
      } else if (this.#head > 1024) {
        this.#chunks = this.#chunks.slice(this.#head);
        this.#head = 0;
      }
      this.#bytes -= chunk.byteLength;
      this.#release();
      return Promise.resolve(chunk);
    }
    if (this.#failed) return Promise.reject(this.#reason());
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #release(): void {
    if (this.#paused && this.#bytes <= this.#lowWater) {
      this.#paused = false;
      if (!this.done) this.#flow.resume();
    }
  }
}

const EMPTY = new Uint8Array(0);
