/**
 * One timeout plus one AbortSignal around an operation (connect, handshake, accept).
 *
 * The adapter creates a Deadline before it allocates anything, passes a `fire` callback that tears
 * its half-made socket down, and calls `clear()` once the operation settled. `fire` runs at most
 * once, with the reason to reject with: a {@link TimeoutError}, or the signal's own reason. After
 * `clear()` no timer and no abort listener is left behind.
 *
 * @internal
 * @module
 */
import { TimeoutError, abortReason } from '../errors.js';

export class Deadline {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #fire: (reason: unknown) => void;
  #reason: unknown = undefined;
  #fired = false;

  /** Throws the abort reason at once when `signal` is already aborted. */
  constructor(
    options: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined },
    what: string,
    fire: (reason: unknown) => void,
  ) {
    const { timeout, signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    this.#fire = fire;
    if (timeout !== undefined && Number.isFinite(timeout) && timeout >= 0) {
      this.#timer = setTimeout(() => this.#trip(new TimeoutError(`${what} timed out after ${timeout} ms`)), timeout);
    }
    if (signal !== undefined) {
      this.#signal = signal;
      this.#onAbort = () => this.#trip(abortReason(signal));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** True once the timeout or the signal fired. */
  get fired(): boolean {
    return this.#fired;
  }

  /** Why it fired (TimeoutError or the abort reason); undefined while it has not. */
  get reason(): unknown {
    return this.#reason;
  }

  /** Stop watching. Idempotent. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#signal !== undefined && this.#onAbort !== undefined) {
      this.#signal.removeEventListener('abort', this.#onAbort);
    }
    this.#signal = undefined;
    this.#onAbort = undefined;
  }

  #trip(reason: unknown): void {
    if (this.#fired) return;
    this.#fired = true;
    this.#reason = reason;
    this.clear();
    this.#fire(reason);
  }
}
