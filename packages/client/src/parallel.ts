/**
 * Running many operations at once, for the Pool and segmented downloads.
 *
 * Theory of operation: a fixed number of workers take items in order. The first failure stops the
 * rest (fail-fast): it aborts an internal signal that every running item was given, waits until all
 * of them have settled, and only then rejects with that first error, unchanged. Waiting matters: when
 * the call rejects, nothing it started is still writing a local file or holding a session.
 *
 * Why fail-fast with the first error rather than an aggregate: callers get the same typed error a
 * single call would give (`FtpReplyError` with its reply, `ConnectionError`, ...), so one `catch`
 * serves both; and once one item has failed, the later ones usually fail for the same reason (a full
 * disk, a lost login, a revoked permission), so a list of them adds noise, not information.
 *
 * @module
 */
import { abortError } from './errors.js';

/**
 * Run `work` on every item with at most `limit` at a time; results in item order. Rejects with the
 * first error after the others have been aborted and have settled, or with the caller's abort reason.
 */
export async function runAll<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  if (signal?.aborted) throw abortError(signal);
  // The internal abort carries a plain AbortError, never the first error itself: a pooled session
  // whose operation was stopped this way must not look as if it had failed with, say, a ConnectionError.
  const stop = new AbortController();
  const inner = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && !inner.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, inner);
      } catch (error) {
        if (failure === undefined) {
          failure = { error: signal?.aborted ? abortError(signal) : error };
          stop.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  if (signal?.aborted) throw abortError(signal);
  return results;
}
