/**
 * A clock that moves only when a test moves it.
 *
 * Theory of operation: {@link ManualClock} holds the time and the timers scheduled on it; nothing
 * happens until the test calls {@link ManualClock.advance}. Then the timers that fall due run one at
 * a time, in deadline order (timers due at the same moment in the order they were set), and after
 * each one every promise job that became ready runs too, so the code under test reacts to a timer
 * before the next one fires. Tests built on it are deterministic and take no wall time: a 30 s
 * timeout is one call.
 *
 * It is the clock of the in-memory transport pair (`memoryPair`), whose own timeouts run on it, and
 * `@ftpkit/client`'s driver runs its timers on it too when it drives that transport.
 *
 * "Promise jobs" means what is queued as microtasks: one turn of the real event loop runs them all,
 * however long their chain. Code that waits on real I/O or real timers is not settled by it.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * let fired = false;
 * clock.setTimeout(() => (fired = true), 1000);
 * await clock.advance(999); // fired === false
 * await clock.advance(1);   // fired === true, clock.now() === 1000
 * ```
 *
 * @module
 */

interface Scheduled {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** One turn of the real event loop: every microtask queued before it has run when it resolves. */
const nextTurn: () => Promise<void> =
  typeof setImmediate === 'function' ? () => new Promise((resolve) => setImmediate(resolve)) : () => new Promise((resolve) => setTimeout(resolve, 0));

/** A clock for tests: time passes only in {@link ManualClock.advance}. */
export class ManualClock {
  #now: number;
  #nextId = 1;
  /** Pending timers, sorted by deadline, then by the order they were set. */
  #timers: Scheduled[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  /** The time, in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Run `callback` once `ms` have passed (at least 0). Returns a handle for {@link clearTimeout}. */
  setTimeout(callback: () => void, ms: number): number {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), callback };
    let index = this.#timers.length;
    while (index > 0 && this.#timers[index - 1]!.at > timer.at) index--;
    this.#timers.splice(index, 0, timer);
    return timer.id;
  }

  /** Cancel a timer; unknown handles are ignored. */
  clearTimeout(handle: unknown): void {
    const index = this.#timers.findIndex((timer) => timer.id === handle);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the next timer falls due, or `undefined` when none is pending. */
  get nextAt(): number | undefined {
    return this.#timers[0]?.at;
  }

  /** Resolves once `ms` of this clock's time have passed (a slow sink, a script that takes its time). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Let every ready promise job run, without moving time. */
  async settle(): Promise<void> {
    await nextTurn();
  }

  /**
   * Move time forward by `ms`: run each timer that falls due, in order, at its own time, and let the
   * promise jobs it made ready run before the next. Resolves at `now() + ms`, settled.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await this.settle();
    for (let timer = this.#timers[0]; timer !== undefined && timer.at <= target; timer = this.#timers[0]) {
      this.#timers.shift();
      this.#now = timer.at;
      timer.callback();
      await this.settle();
    }
    this.#now = target;
  }

  /** Move time to the next timer's deadline and run what falls due then; resolves with that time. */
  async runNext(): Promise<number | undefined> {
    const at = this.nextAt;
    if (at !== undefined) await this.advance(at - this.#now);
    return at;
  }
}
