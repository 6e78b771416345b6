/**
 * The transfer lane of a Client: deep pipelining's policy, in one place.
 *
 * Theory of operation: a Client runs its calls one at a time on one connection. With the
 * `pipelining` option, transfer calls (downloads and uploads, one file each: a tree's copies, or the
 * caller's own calls made without waiting for each other) go through a lane instead, where two run
 * at once: while one call's transfer moves its data, the next one's `EPSV` and `RETR`/`STOR` go out
 * behind it (the codec's `ahead.ts`; the driver sets it up in `Control.run`), so the server starts
 * the next file the moment the running one ends. The lane takes the Client's queue as one call: other
 * calls wait until it drains, as they wait behind any call, and a call queued behind it closes it, so
 * that no transfer call made later overtakes that call (a download after a DELE of the same file).
 *
 * Falling back: a server that breaks under the pipeline (`PipeliningError`: a reply out of step
 * behind a transfer set up ahead, or any refusal while one is ahead, which cannot be told from the
 * running transfer's own) fails the attempts that were on the connection. The lane turns itself off
 * for the life of the Client, and retry.ts gives each such call one more attempt at once, whatever
 * the retry policy (the failure was this side's choice, not the server's), which reconnects without
 * pipelining and goes on as any retried attempt does: a download from what its destination holds
 * (REST, or from the start where it can take bytes back), a STOR from the start. Only STORs of a
 * source that can be read again (a path, bytes) go through the lane, so that attempt is always possible.
 *
 * @module
 */
import { PipeliningError } from './errors.js';

/** How many transfer calls run at once in the lane: the running one and the one set up ahead. */
const DEPTH = 2;

/** Whether `err` is the server breaking under the pipeline (see the module comment). */
export function brokeUnderPipeline(err: unknown): boolean {
  return err instanceof PipeliningError;
}

/** The lane: up to {@link DEPTH} transfer calls at once, holding the Client's queue while any runs. */
export class TransferLane {
  /** Calls that asked and have not ended: the lane holds the queue while there is one. */
  #members = 0;
  /** Calls whose task runs. */
  #running = 0;
  readonly #waiters: (() => void)[] = [];
  #open: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  /**
   * @param hold takes the Client's queue until the promise it is given settles, and resolves once it
   *   has the queue.
   */
  constructor(private readonly hold: (until: Promise<void>) => Promise<void>) {}

  /** Run `task` in the lane: when the lane holds the queue and a place in it is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#open === undefined) {
      const until = new Promise<void>((resolve) => (this.#drained = resolve));
      this.#open = this.hold(until);
    }
    const open = this.#open;
    this.#members++;
    try {
      await open;
      while (this.#running >= DEPTH) await new Promise<void>((resolve) => this.#waiters.push(resolve));
      this.#running++;
      try {
        return await task();
      } finally {
        this.#running--;
        this.#waiters.shift()?.();
      }
    } finally {
      if (--this.#members === 0) {
        this.#open = undefined;
        this.#drained?.();
      }
    }
  }
}
