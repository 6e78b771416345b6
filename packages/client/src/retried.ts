/**
 * The calls that are not transfers, under the retry policy: what a retry of each kind of call does.
 *
 * Theory of operation: three kinds, each a function over a {@link Runner} (retried-transfers.ts
 * has the transfers):
 * - {@link idempotent}: a call that only reads, or that leaves the server as it found it when run
 *   twice (list, stat, size, lastModified, setLastModified, isDirectory, checksum, pwd, cd,
 *   `mkdir -p`). Every attempt runs it again. A Client's reconnect restores the working directory
 *   from before the call, so even a relative `cd` lands where it would have once.
 * - {@link checkedFirst}: a call that changes the server and must not simply run twice (remove,
 *   rename, mkdir, rmdir). After a failure that left no reply, the next attempt first asks whether
 *   the change happened (ops/took-effect.ts) and succeeds without sending it again if so; after a
 *   4xx reply, which says it did not happen, the call runs again.
 * - {@link rawOnce}: a raw command (`send`, `site`), whose effect ftpkit cannot check. It is sent at
 *   most once: an attempt is retried only while the failure came before it was sent (a reconnect
 *   that failed).
 *
 * `listEntries` ({@link retriedListEntries}) starts the listing over. Entries already yielded are
 * not yielded again: the new listing must begin with the same entries in the same order, which a
 * digest of their names and types (two 32-bit FNV-1a lanes, no list kept) checks, and they are
 * skipped; if it does not (the folder changed, or the server lists in another order), the loop
 * fails with the error that cut the first listing rather than repeat or miss an entry.
 *
 * @module
 */
import { FtpReplyError, type ListingEntry } from '@ftpkit/codec';
import type { CallOptions } from './calls.js';
import type { Conn, Runner } from './ops/conn.js';
import { listEntries } from './ops/listing.js';
import type { ResolvedOptions } from './options.js';
import { hooksOf } from './retried-transfers.js';
import { giveUp, retryLoop, retrying, type RetryWhat } from './retry.js';

/** A call that may run again as it is (see the module comment). */
export function idempotent<T>(runner: Runner, options: CallOptions, what: RetryWhat, fn: (conn: Conn) => Promise<T>): Promise<T> {
  return runner.call(options, (attempt) => retrying(runner.retry, what, options.signal, () => attempt(fn), hooksOf(runner)));
}

/**
 * A call that changes the server: after a failure without a reply, `done(conn)` is asked first and
 * the call succeeds if the change is there (see the module comment).
 */
export function checkedFirst(
  runner: Runner,
  options: CallOptions,
  what: RetryWhat,
  fn: (conn: Conn) => Promise<void>,
  done: (conn: Conn) => Promise<boolean>,
): Promise<void> {
  return runner.call(options, (attempt) =>
    retrying(
      runner.retry,
      what,
      options.signal,
      (n, previous) =>
        attempt(async (conn) => {
          // RFC 959 §4.2: a 4xx says the action was not taken; only a lost reply leaves it unknown.
          if (n > 1 && !(previous instanceof FtpReplyError) && (await done(conn))) {
            runner.retry.note?.(`The ${what.call} of ${what.path ?? ''} had taken effect before its reply was lost: not sent again`);
            return;
          }
          await fn(conn);
        }),
      hooksOf(runner),
    ),
  );
}

/** A raw command: sent at most once, retried only while it has not been sent (see the module comment). */
export function rawOnce<T>(runner: Runner, options: CallOptions, what: RetryWhat, fn: (conn: Conn) => Promise<T>): Promise<T> {
  let sent = false;
  const send = (conn: Conn): Promise<T> => {
    sent = true;
    return fn(conn);
  };
  return runner.call(options, (attempt) => retrying(runner.retry, what, options.signal, () => attempt(send), hooksOf(runner, { canRetry: () => !sent })));
}

/** `listEntries` under the runner's retry policy: started over, entries already yielded skipped once shown to be the same. */
export function retriedListEntries(
  runner: Runner,
  clientOptions: ResolvedOptions,
  path: string | undefined,
  options: CallOptions,
): AsyncGenerator<ListingEntry, void, undefined> {
  // Without retries nothing starts over: the listing itself, with no second generator and digest
  // per entry (their cost: "Listing parse, streamed" in packages/bench/RESULTS.md).
  if (runner.retry.retries === 0) return listEntries(runner, clientOptions, path, options);
  return restartedListEntries(runner, clientOptions, path, options);
}

/** {@link retriedListEntries} with retries. */
async function* restartedListEntries(
  runner: Runner,
  clientOptions: ResolvedOptions,
  path: string | undefined,
  options: CallOptions,
): AsyncGenerator<ListingEntry, void, undefined> {
  let yielded = 0;
  const shown = digest();
  const loop = retryLoop(runner.retry, { call: 'listEntries', path }, options.signal, hooksOf(runner, { progress: () => yielded, resumeAt: () => yielded }));
  let previous: unknown;
  for (let n = 1; ; n++) {
    const again = digest();
    /** Entries the listings before this one yielded: this one must repeat them, and they are skipped. */
    const skip = yielded;
    let skipped = 0;
    /** The consumer holds an entry: what comes back from the `yield` is the consumer's, not the listing's. */
    let consuming = false;
    try {
      for await (const entry of listEntries(runner, clientOptions, path, options)) {
        if (skipped < skip) {
          again.add(entry);
          skipped++;
          if (skipped === skip && again.value() !== shown.value()) giveUp(changed(previous, path, runner));
          continue;
        }
        shown.add(entry);
        yielded++;
        consuming = true;
        yield entry;
        consuming = false;
      }
      if (skipped < skip) giveUp(changed(previous, path, runner));
      return;
    } catch (error) {
      if (consuming) throw error;
      previous = await loop.failed(error, n);
    }
  }
}

/** The error a listing that cannot be resumed fails with: the one that cut it, with a note in the log. */
function changed(previous: unknown, path: string | undefined, runner: Runner): unknown {
  runner.retry.note?.(`The listing of ${path ?? 'the current folder'} came back different: it cannot go on without repeating or missing entries`);
  return previous;
}

const NUL = '\u0000';

/** A running digest of entries' types and names: two FNV-1a lanes with different offsets. */
function digest(): { add(entry: ListingEntry): void; value(): string } {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13);
    }
  };
  return {
    add: (entry) => {
      // The type, NUL, the name, NUL, mixed in turn rather than joined first: no string per entry.
      mix(entry.type);
      mix(NUL);
      mix(entry.name);
      mix(NUL);
    },
    value: () => `${(a >>> 0).toString(16)}:${(b >>> 0).toString(16)}`,
  };
}
