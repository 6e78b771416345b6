/**
 * The clock the driver's timers run on, and its one alarm.
 *
 * Theory of operation: the driver decides which of its clocks runs from its state alone (see
 * `Control`'s `#clock()`); this module only supplies time and one system timer. The {@link Alarm} is
 * set for the nearest deadline and rings at most once per setting. When a deadline moves later, as
 * the data-idle deadline does at every chunk, the pending timer is kept: it rings early, the driver
 * re-derives its clock and sets the alarm again for the remainder, so a transfer costs no system
 * timer per chunk.
 *
 * The clock is the system's unless the transport carries one (see {@link clockOf}), which is how
 * tests move time by hand. The errors of a deadline that passed are made here too
 * ({@link replyTimeout}, {@link loginTimeout}).
 *
 * @module
 */
import { PipeliningError } from '@ftpkit/codec';
import { TimeoutError, type Transport } from '@ftpkit/transport';

/** Time in milliseconds and timers on it. */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences mean anything). */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** `performance.now()` and the runtime's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Internal seam, not public API: a transport object may carry, under this registered symbol, the
 * {@link Clock} its own timeouts run on, and the driver then runs its timers on it too. testkit's
 * in-memory pair (`memoryPair`) does, so that driver tests move time by hand; the socket adapters do
 * not. A registered symbol, so testkit needs no import from this package.
 */
const CLOCK_KEY = Symbol.for('ftpkit.clock');

/** The clock `transport` runs its timeouts on: its own (see {@link CLOCK_KEY}) or the system's (also without a transport: the default one). */
export function clockOf(transport: Transport | undefined): Clock {
  return (transport as { readonly [CLOCK_KEY]?: Clock } | undefined)?.[CLOCK_KEY] ?? systemClock;
}

/** One timer, set for a deadline; it never keeps the process alive once cancelled. */
export class Alarm {
  readonly #clock: Clock;
  readonly #ring: () => void;
  #handle: unknown;
  /** When the pending timer rings; Infinity when none is pending. */
  #at = Infinity;

  constructor(clock: Clock, ring: () => void) {
    this.#clock = clock;
    this.#ring = ring;
  }

  /** Ring at `at` or earlier: a timer already pending for an earlier time is kept. */
  set(at: number): void {
    if (this.#at <= at) return;
    this.cancel();
    this.#at = at;
    this.#handle = this.#clock.setTimeout(this.#rang, Math.max(0, at - this.#clock.now()));
  }

  cancel(): void {
    if (this.#at === Infinity) return;
    this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#at = Infinity;
  }

  #rang = (): void => {
    this.#handle = undefined;
    this.#at = Infinity;
    this.#ring();
  };
}

/** The reply clock ran out; `ahead`: on the commands of a transfer set up ahead, which the server dropped (codec ahead.ts). */
export function replyTimeout(ms: number, ahead: boolean, hint: string): Error {
  const timeout = new TimeoutError(`No reply from the server within ${ms} ms${hint}`);
  return ahead ? new PipeliningError('The server did not answer the commands sent behind the running transfer', { cause: timeout }) : timeout;
}

/** The login deadline passed: `cause` is the transport's timeout when it was the one to notice. */
export function loginTimeout(ms: number, cause?: unknown, hint = ''): TimeoutError {
  return new TimeoutError(`The login did not finish within ${ms} ms (timeouts.login), counted from the TCP connect${hint}`, cause === undefined ? {} : { cause });
}
