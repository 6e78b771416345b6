/**
 * The runtime-neutral half of an active-mode listener: inbound connections that arrived before
 * anyone asked, callers waiting for one, each `accept()` with its own timeout and signal, and one way
 * to shut everything (close, listener error, or the listen signal aborting).
 *
 * @module
 */
import { ConnectionError, abortReason } from '../errors.js';
import type { Connection, Listener } from '../types.js';
import { Deadline } from './deadline.js';

type AcceptOptions = NonNullable<Parameters<Listener['accept']>[0]>;

interface AcceptWaiter {
  resolve(connection: Connection): void;
  reject(error: unknown): void;
}

/** What an adapter tells the queue about its runtime's inbound connections. */
export interface AcceptSource<T> {
  /** Turn a runtime connection into a {@link Connection}. */
  wrap(item: T): Connection;
  /** Drop a runtime connection nobody accepted. */
  release(item: T): void;
  /** Stop listening (called once, on shut). */
  stop(): void;
}

export class AcceptQueue<T> {
  #source: AcceptSource<T>;
  #incoming: T[] = [];
  #waiters: AcceptWaiter[] = [];
  #closed = false;
  #error: unknown = undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  constructor(source: AcceptSource<T>, signal: AbortSignal | undefined) {
    this.#source = source;
    if (signal !== undefined) {
      this.#signal = signal;
      this.#onAbort = () => this.shut(abortReason(signal));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Callers waiting for a connection. */
  get waiting(): number {
    return this.#waiters.length;
  }

  accept(options: AcceptOptions = {}): Promise<Connection> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#closed) return Promise.reject(new ConnectionError('The listener is closed'));
    const item = this.#incoming.shift();
    if (item !== undefined) return Promise.resolve(this.#source.wrap(item));
    return new Promise<Connection>((resolve, reject) => {
      let waiter: AcceptWaiter;
      let deadline: Deadline;
      try {
        deadline = new Deadline(options, 'Waiting for an inbound connection', (reason) => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(reason);
        });
      } catch (error) {
        reject(error);
        return;
      }
      waiter = {
        resolve: (connection) => {
          deadline.clear();
          resolve(connection);
        },
        reject: (error) => {
          deadline.clear();
          reject(error);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** A connection came in: hand it to the first waiter, or keep it for the next `accept()`. */
  offer(item: T): void {
    if (this.#closed) {
      this.#source.release(item);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(this.#source.wrap(item));
    else this.#incoming.push(item);
  }

  /** Close for good; `failed` makes later `accept()` calls reject with `reason` too. */
  shut(reason: unknown, failed = false): void {
    if (this.#closed) return;
    this.#closed = true;
    if (failed) this.#error = reason;
    if (this.#signal !== undefined && this.#onAbort !== undefined) this.#signal.removeEventListener('abort', this.#onAbort);
    this.#signal = undefined;
    this.#onAbort = undefined;
    this.#source.stop();
    for (const item of this.#incoming.splice(0)) this.#source.release(item);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }
}
