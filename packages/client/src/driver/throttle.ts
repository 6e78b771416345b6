/**
 * Bandwidth limits: the budgets, in bytes per second, that pace a data connection.
 *
 * Theory of operation: a {@link RateLimit} is a token bucket kept as one instant, in the "virtual
 * scheduling" form of the generic cell rate algorithm (GCRA, ITU-T I.371): `#paidUntil`, when
 * every byte reserved so far is paid for at the limit. Reserving `n` bytes moves it `n / rate`
 * later (counted from now when it lies in the past), and the one who reserved may go on once it is
 * no more than one burst ahead of now. So after a pause a transfer moves one burst at once, and from
 * then on exactly the limit, however many transfers draw on the bucket: a Client's transfers, the
 * sessions of a Pool and the files of one call each share one. A transfer draws on every bucket it
 * is under ({@link pace}: its connection's, and its call's when the call has `limitRate`) and goes on
 * when the slowest lets it, so a call's limit can only lower the shared one.
 *
 * The data channel paces its pump with {@link pace} (data-channel.ts): a download reserves what a
 * read brought and reads again only when the bucket lets it, so unread bytes fill the TCP window
 * and the server slows down (with the transport's read-ahead bounded to about a burst, see
 * {@link readAheadFor}); an upload reserves before each write, in slices no larger than a burst.
 * The pauses wait on the local side, not on the server, so the data-idle clock does not run during
 * them. The bucket runs on the driver's clock (clock.ts), so a manual clock paces it exactly.
 *
 * The limit may change while transfers wait: what is owed is re-priced at the new rate, and every
 * pending pause is rescheduled (lifted at once when the limit is removed).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { Clock } from './clock.js';

/**
 * The burst, as time at the limit: 50 ms. It is what any stretch of time may run ahead of the
 * limit (plus, for a download, the one read the transport hands over), so a transfer has no bursts
 * that a person would see. It is also the slack that keeps the average exact when timers fire late:
 * a pause that ends up to 50 ms late costs nothing, because the bucket credits the time (a loaded
 * event loop fires timers a few milliseconds late, and tens at worst). A smaller burst would lose
 * rate to late timers; a larger one would let bigger bursts through.
 */
const BURST_MS = 50;

/**
 * The smallest burst, 1 KiB: under about 20 KiB/s, 50 ms is less than a TCP segment, and writes
 * that small cost more in headers (TCP, a TLS record each) than they smooth.
 */
const MIN_BURST = 1024;

/**
 * The read-ahead of a paced download is a burst, within these bounds: at least a TLS record
 * (16 KiB), which arrives whole whatever the bound; at most 64 KiB, the size of a plain socket read
 * in Node, so that at a high limit too the pump pays in small steps and the unread bytes stay few.
 */
const MIN_READ_AHEAD = 16 * 1024;
const MAX_READ_AHEAD = 64 * 1024;

/** A pause waiting on one bucket. */
interface Pending {
  /** The bucket's `#paidUntil` just after this reservation: the pause ends a burst before it. */
  paidUntil: number;
  timer: unknown;
  readonly end: () => void;
}

/**
 * A budget of bytes per second on a clock, shared by every transfer that draws on it. `0` is no
 * limit.
 */
export class RateLimit {
  readonly clock: Clock;
  #rate = 0;
  /** When everything reserved so far is paid for at the rate, on the clock; -Infinity: nothing owed. */
  #paidUntil = -Infinity;
  readonly #pending = new Set<Pending>();

  /** `bytesPerSecond` as for the setter; `undefined` is no limit. */
  constructor(clock: Clock, bytesPerSecond: number | undefined) {
    this.clock = clock;
    this.bytesPerSecond = bytesPerSecond ?? 0;
  }

  /** The limit in bytes per second; 0 when there is none. */
  get bytesPerSecond(): number {
    return this.#rate;
  }

  /**
   * Change the limit, for the transfers running and those to come: a non-negative number of bytes
   * per second, 0 (or Infinity) for none. What is owed is re-priced at the new rate, and waiting
   * transfers are rescheduled.
   */
  set bytesPerSecond(value: number) {
    const rate = checkRate(value);
    const old = this.#rate;
    if (rate === old) return;
    this.#rate = rate;
    if (rate === 0) {
      this.#paidUntil = -Infinity;
      for (const pending of [...this.#pending]) pending.end();
      return;
    }
    if (old === 0) return; // nothing was owed, and nobody waits
    const now = this.clock.now();
    const reprice = (at: number): number => now + (Math.max(0, at - now) * old) / rate;
    this.#paidUntil = reprice(this.#paidUntil);
    for (const pending of this.#pending) {
      pending.paidUntil = reprice(pending.paidUntil);
      this.#schedule(pending);
    }
  }

  /** Bytes that may move at once after a pause (see {@link BURST_MS}); Infinity without a limit. */
  get burst(): number {
    return this.#rate === 0 ? Infinity : Math.max(MIN_BURST, (this.#rate * BURST_MS) / 1000);
  }

  /**
   * Draw `bytes` from the budget. Resolves when the pump may go on, or is `undefined` when it may go
   * on now; an abort of `signal` ends the pause at once (the bytes stay drawn).
   */
  reserve(bytes: number, signal: AbortSignal | undefined): Promise<void> | undefined {
    if (this.#rate === 0) return undefined;
    const now = this.clock.now();
    this.#paidUntil = Math.max(this.#paidUntil, now) + (bytes * 1000) / this.#rate;
    if (this.#goAt(this.#paidUntil) <= now) return undefined;
    const paidUntil = this.#paidUntil;
    return new Promise<void>((resolve) => {
      const pending: Pending = {
        paidUntil,
        timer: undefined,
        end: () => {
          if (!this.#pending.delete(pending)) return;
          if (pending.timer !== undefined) this.clock.clearTimeout(pending.timer);
          signal?.removeEventListener('abort', pending.end);
          resolve();
        },
      };
      this.#pending.add(pending);
      signal?.addEventListener('abort', pending.end, { once: true });
      this.#schedule(pending);
    });
  }

  /** When a reservation that brought the bucket to `paidUntil` may go on: one burst before it. */
  #goAt(paidUntil: number): number {
    return paidUntil - (this.burst * 1000) / this.#rate;
  }

  #schedule(pending: Pending): void {
    if (pending.timer !== undefined) this.clock.clearTimeout(pending.timer);
    pending.timer = undefined;
    const wait = this.#goAt(pending.paidUntil) - this.clock.now();
    if (wait <= 0) pending.end();
    else pending.timer = this.clock.setTimeout(pending.end, wait);
  }
}

/**
 * A call's own budget (`limitRate` of one call), on the clock of the budget it is under: undefined
 * for none (0 or not given). It is shared by everything the call moves.
 */
export function callLimit(shared: RateLimit, bytesPerSecond: number | undefined): RateLimit | undefined {
  if (bytesPerSecond === undefined || checkRate(bytesPerSecond) === 0) return undefined;
  return new RateLimit(shared.clock, bytesPerSecond);
}

/**
 * Draw `bytes` from every budget in `limits`: resolves when all of them let the pump go on, or is
 * `undefined` when all do now (the common, unlimited case costs no promise). `stop` gives the signal
 * that ends the pause; it is asked for only when a budget has a rate, so an unlimited transfer makes
 * no signal at all.
 */
export function pace(limits: readonly RateLimit[], bytes: number, stop: () => AbortSignal | undefined): Promise<void> | undefined {
  let pauses: Promise<void>[] | undefined;
  let signal: AbortSignal | undefined;
  let asked = false;
  for (const limit of limits) {
    if (limit.bytesPerSecond === 0) continue;
    if (!asked) {
      asked = true;
      signal = stop();
      if (signal?.aborted) return undefined;
    }
    const pause = limit.reserve(bytes, signal);
    if (pause) (pauses ??= []).push(pause);
  }
  if (pauses === undefined) return undefined;
  return pauses.length === 1 ? pauses[0] : Promise.all(pauses).then(() => {});
}

/** The largest write an upload under `limits` makes at once: the smallest burst; Infinity without a limit. */
export function sliceSize(limits: readonly RateLimit[]): number {
  let size = Infinity;
  for (const limit of limits) size = Math.min(size, limit.burst);
  return Math.floor(size);
}

/**
 * How many unread bytes the transport may buffer, and read at once, for a download under `limits`:
 * about a burst (see {@link MIN_READ_AHEAD}), so that TCP flow control, not the transport's memory,
 * holds the server back; `undefined` (the transport's own default) without a limit.
 */
export function readAheadFor(limits: readonly RateLimit[]): number | undefined {
  const burst = sliceSize(limits);
  return burst === Infinity ? undefined : Math.min(MAX_READ_AHEAD, Math.max(MIN_READ_AHEAD, burst));
}

/**
 * A rate as `limitRate` takes it: a non-negative number of bytes per second, Infinity being none
 * (0). Anything else is an `InvalidArgumentError`.
 */
export function checkRate(value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidArgumentError(`limitRate must be a number of bytes per second from 0 (no limit), not ${String(value)}`);
  }
  return value === Infinity ? 0 : value;
}

/**
 * Internal seam, not public API: the options a Pool makes its sessions with carry the Pool's
 * {@link RateLimit} under this key, so every session draws on the one budget. A private symbol:
 * nothing outside this package can set it.
 */
export const SHARED_LIMIT = Symbol('ftpkit.sharedLimit');

/** Options fields that make a Pool's sessions draw on `limit` (see {@link SHARED_LIMIT}). */
export function sharing(limit: RateLimit): { readonly [SHARED_LIMIT]: RateLimit } {
  return { [SHARED_LIMIT]: limit };
}

/** The budget `options` carries for a Pool's session, if it does (see {@link SHARED_LIMIT}). */
export function sharedLimitOf(options: object): RateLimit | undefined {
  return (options as { readonly [SHARED_LIMIT]?: RateLimit })[SHARED_LIMIT];
}
