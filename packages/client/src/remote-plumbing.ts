/**
 * What {@link RemoteCalls} is built on: the one primitive every shared call runs through (`runCall`),
 * what a Client and a Pool each provide for it, and the runner the operations see. `limitRate` is
 * the one public member.
 *
 * @module
 */
import type { CallOptions } from './calls.js';
import type { Clock } from './driver/clock.js';
import type { RateLimit } from './driver/throttle.js';
import type { Attempt, Conn, Runner } from './ops/conn.js';
import type { ResolvedOptions } from './options.js';

/**
 * The plumbing under {@link RemoteCalls}: see its module comment.
 *
 * @hidden
 */
export abstract class RemotePlumbing {
  /**
   * Run one call, which may take several attempts under the retry policy, each `attempt(fn)` on a
   * logged-in connection: on a Client, queued behind its other calls and holding the queue for all
   * its attempts, its connection reopened when lost; on a Pool, a session leased for each attempt.
   * Every shared call goes through here.
   *
   * @hidden
   */
  protected abstract runCall<T>(options: CallOptions, work: (attempt: Attempt) => Promise<T>): Promise<T>;

  /**
   * Run `fn` once on a logged-in connection (see `runCall`).
   *
   * @hidden
   */
  protected run<T>(options: CallOptions, fn: (conn: Conn) => Promise<T>): Promise<T> {
    return this.runCall(options, (attempt) => attempt(fn));
  }

  /**
   * Aborted once `close()` was called: no new attempt of a retried call starts, and a wait ends.
   *
   * @hidden
   */
  protected abstract get closing(): AbortSignal;

  /**
   * How many `run`s the tree transfers and checksums keep going at once: 1 on a Client, the size
   * of a Pool.
   *
   * @hidden
   */
  protected abstract get concurrency(): number;

  /** One file's transfer call: `runCall`, or a Client's transfer lane (lane.ts). @hidden */
  protected transferCall<T>(options: CallOptions, work: (attempt: Attempt) => Promise<T>): Promise<T> {
    return this.runCall(options, work);
  }

  /** How many transfers a tree runs at once: `concurrency`, or a Client's transfer lane's. @hidden */
  protected get transferConcurrency(): number {
    return this.concurrency;
  }

  /**
   * The clock the waits between a watch's polls run on: the system's, or the one the transport
   * carries (testkit's in-memory pair), as for the driver's timers.
   *
   * @hidden
   */
  protected abstract get clock(): Clock;

  /** Resolved options, password included: do not log this object. */
  abstract get options(): ResolvedOptions;

  /**
   * The bandwidth budget every transfer draws on: the Client's own, or the Pool's (which all its
   * sessions share).
   *
   * @hidden
   */
  protected abstract get sharedLimit(): RateLimit;

  /**
   * The bandwidth limit in bytes per second that all transfers share (`ClientOptions.limitRate`; 0:
   * none). On a Pool it is the budget of all its sessions together, and a session lent by
   * `Pool.use` shows and changes the Pool's. Set it to change the limit while transfers run: what
   * they have moved is paid for at the new rate from now on, and 0 lifts it at once. A value that is
   * not a number from 0 throws `InvalidArgumentError`.
   *
   * @example
   * ```ts
   * client.limitRate = 256 * 1024; // office hours: 256 KiB/s
   * const nightly = client.download('/backup/db.dump', './db.dump');
   * setTimeout(() => (client.limitRate = 0), 60 * 60 * 1000); // after an hour, full speed
   * await nightly;
   * ```
   */
  get limitRate(): number {
    return this.sharedLimit.bytesPerSecond;
  }

  set limitRate(bytesPerSecond: number) {
    this.sharedLimit.bytesPerSecond = bytesPerSecond;
  }

  /**
   * `target.run(options, fn)`: how a Pool hands a call to one of its Clients.
   *
   * @hidden
   */
  protected static runOn<T>(target: RemotePlumbing, options: CallOptions, fn: (conn: Conn) => Promise<T>): Promise<T> {
    return target.run(options, fn);
  }

  /**
   * This object as the operations see it: its `run`, `runCall`, `concurrency` and retry policy.
   *
   * @hidden
   */
  protected runner(): Runner {
    return {
      run: (options, fn) => this.run(options, fn),
      call: (options, work) => this.runCall(options, work),
      concurrency: this.concurrency,
      transferCall: (options, work) => this.transferCall(options, work),
      transferConcurrency: this.transferConcurrency,
      retry: this.options.retry,
      closing: this.closing,
      limit: this.sharedLimit,
      origin: `${this.options.user}@${this.options.host}:${this.options.port}`,
    };
  }

}
