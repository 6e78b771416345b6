/**
 * The sessions of a Pool, leased to one call at a time.
 *
 * Theory of operation: {@link Leases} holds up to `size` {@link Client}s, all made from one frozen
 * option set. Each lease takes one: an idle session if there is one, else a new connection while
 * there is room, else it waits in a FIFO queue; a session that is given back goes straight to the
 * first waiter. Sessions are connected lazily, on the first lease that needs one, and reused. A
 * session that is closed, or whose work failed at the connection level (`ConnectionError`,
 * `TimeoutError`, `TlsError`), is dropped; its slot is refilled by the next lease that needs one.
 * Closing fails every waiter with `ConnectionError` and closes every session after its running call.
 * Each lease is traced here (`ftpkit:client:lease`, tracing.ts): its wait, and whether it connected.
 *
 * @module
 */
import { Client } from './client.js';
import { clockOf } from './driver/clock.js';
import { ConnectionError, TimeoutError, TlsError, abortError } from './errors.js';
import type { ClientOptions } from './options.js';
import { leaseChannel, traceLease, type LeaseTap } from './tracing.js';

/** What a pool holds right now (see `Pool.stats`). */
export interface PoolStats {
  /** The most sessions the pool opens. */
  readonly size: number;
  /** Sessions open or being opened. */
  readonly open: number;
  /** Open sessions with nothing to do. */
  readonly idle: number;
  /** Calls waiting for a session. */
  readonly waiting: number;
}

interface Waiter {
  /** A session handed over, or `undefined`: a slot was freed, connect a new one. */
  readonly take: (client: Client | undefined) => void;
  readonly fail: (error: unknown) => void;
}

/** Up to `size` sessions made from `options`, leased one call at a time. */
export class Leases {
  readonly #options: Readonly<ClientOptions>;
  readonly #size: number;
  readonly #all = new Set<Client>();
  readonly #idle: Client[] = [];
  readonly #waiters: Waiter[] = [];
  /** Sessions being connected (they hold a slot before they exist). */
  #connecting = 0;
  #closed = false;

  constructor(options: Readonly<ClientOptions>, size: number) {
    this.#options = options;
    this.#size = size;
  }

  get stats(): PoolStats {
    return { size: this.#size, open: this.#all.size + this.#connecting, idle: this.#idle.length, waiting: this.#waiters.length };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The sessions open now, in the order they were opened. */
  get sessions(): readonly Client[] {
    return [...this.#all];
  }

  /** Run `fn` on a leased session, and give the session back (or drop it) however `fn` ends. */
  async with<T>(signal: AbortSignal | undefined, fn: (client: Client) => Promise<T>): Promise<T> {
    const client = leaseChannel.hasSubscribers
      ? await traceLease(this.stats, clockOf(this.#options.transport), (tap) => this.#acquire(signal, tap))
      : await this.#acquire(signal, undefined);
    let result: T;
    try {
      result = await fn(client);
    } catch (err) {
      this.#release(client, err);
      throw err;
    }
    this.#release(client, undefined);
    return result;
  }

  /** Close `client` and free its slot: it must not serve another call. */
  drop(client: Client): void {
    if (!this.#all.delete(client)) return;
    client.close().catch(() => {});
    this.#slotFreed();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter.fail(closedError());
    this.#idle.length = 0;
    await Promise.all([...this.#all].map((c) => c.close()));
  }

  /** A session for one call; `tap`, when the lease is traced, hears whether it waited and whether it connected. */
  async #acquire(signal: AbortSignal | undefined, tap: LeaseTap | undefined): Promise<Client> {
    for (;;) {
      if (this.#closed) throw closedError();
      if (signal?.aborted) throw abortError(signal);
      const idle = this.#idle.pop();
      if (idle) {
        if (!idle.closed) return idle;
        this.drop(idle);
        continue;
      }
      if (this.#all.size + this.#connecting < this.#size) {
        if (tap) tap.connected = true;
        return this.#connect(signal);
      }
      if (tap) tap.queued = true;
      const handed = await this.#wait(signal);
      if (handed) return handed;
      // A slot was freed for us: loop and connect (or take an idle session that appeared).
    }
  }

  async #connect(signal: AbortSignal | undefined): Promise<Client> {
    this.#connecting++;
    let client: Client;
    try {
      // The pool retries (each attempt leases again); its sessions do not reconnect on their own.
      client = await Client.connect(this.#options, { retry: 0, ...(signal ? { signal } : {}) });
    } catch (err) {
      this.#connecting--;
      this.#slotFreed();
      throw err;
    }
    this.#connecting--;
    this.#all.add(client);
    if (this.#closed) {
      this.drop(client);
      throw closedError();
    }
    return client;
  }

  #wait(signal: AbortSignal | undefined): Promise<Client | undefined> {
    return new Promise<Client | undefined>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.#waiters.indexOf(waiter);
        if (at !== -1) this.#waiters.splice(at, 1);
        reject(abortError(signal));
      };
      const waiter: Waiter = {
        take: (client) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(client);
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #release(client: Client, error: unknown): void {
    if (!this.#all.has(client)) return; // dropped already (Pool.use could not restore it)
    if (this.#closed || client.closed || isConnectionLevel(error)) {
      this.drop(client);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.take(client);
    else this.#idle.push(client);
  }

  #slotFreed(): void {
    if (!this.#closed) this.#waiters.shift()?.take(undefined);
  }
}

function closedError(): ConnectionError {
  return new ConnectionError('The pool is closed');
}

/** Failures after which a session is not worth keeping, even if it has not noticed yet. */
function isConnectionLevel(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof TimeoutError || error instanceof TlsError;
}
