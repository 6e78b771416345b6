/**
 * The driver's restartable timer.
 *
 * Theory of operation: the data-idle timer is started and stopped around every chunk of a transfer;
 * instead of a system timer per chunk, `start` only moves a deadline and one underlying timeout
 * re-arms itself for the remainder when it finds the deadline moved. The timer never keeps the
 * process alive on its own once cleared (the pending timeout is released).
 *
 * @module
 */

/** A restartable one-shot timer that is cheap to restart. */
export class Timer {
  #handle: ReturnType<typeof setTimeout> | undefined;
  #deadline = 0;
  #armed = false;
  constructor(
    readonly ms: number,
    readonly onFire: () => void,
  ) {}
  start(): void {
    if (this.ms <= 0) return;
    this.#armed = true;
    this.#deadline = performance.now() + this.ms;
    this.#handle ??= setTimeout(this.#check, this.ms);
  }
  stop(): void {
    this.#armed = false;
  }
  /** Stop and release the underlying timeout (idle periods, shutdown). */
  clear(): void {
    this.#armed = false;
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
  }
  #check = (): void => {
    this.#handle = undefined;
    if (!this.#armed) return;
    const left = this.#deadline - performance.now();
    if (left > 0) {
      this.#handle = setTimeout(this.#check, left);
      return;
    }
    this.#armed = false;
    this.onFire();
  };
}
