/**
 * The retry policy: which failures are worth another attempt, how long to wait before it, and the
 * loop that runs a call's attempts.
 *
 * Theory of operation: one rule, {@link isRetryable}, decides for every call whether a failure may
 * pass with time: a lost or reset connection, a timeout, and a transient negative reply (4xx, RFC 959
 * §4.2: "the error condition is temporary, and the action may be requested again"; 421, 425 and 426
 * are the common ones). A permanent reply (5xx), a TLS failure (an untrusted certificate stays
 * untrusted), a broken protocol, a local file or argument error and an abort are final. The loop
 * ({@link retrying}) knows nothing of FTP: it runs attempts, asks the rule, waits, tells `onRetry`
 * and the log, and gives up after `retries` attempts in a row that made no progress (lftp's
 * `net:max-retries` counts the same way, so a long transfer on a flaky link that gains ground with
 * each attempt is not stopped by the count). What an attempt after a failure does (re-run, resume,
 * check first) is the call's own business: `retried.ts` and `retried-transfers.ts`.
 *
 * The wait is exponential with jitter: `delay · 2^(n−1)` after the n-th failure in a row, capped at
 * `maxDelay`, and drawn uniformly from the upper half of that, so that the sessions of a pool cut
 * by one network failure do not all come back in the same millisecond (AWS's "equal jitter").
 *
 * An attempt can end the call at once with {@link giveUp} (a transfer whose destination cannot take
 * the bytes again, say), and a later check, such as a verification after the transfer, can make a
 * failure retryable by throwing an error this rule accepts.
 *
 * @module
 */
import { abortError, ConnectionError, FtpReplyError, InvalidArgumentError, isAbortError, PipeliningError, ProxyError, ProxyTargetError, TimeoutError, TlsError, VerifyError } from './errors.js';

/**
 * The `retry` client option. Off by default in the library (`retries: 0`): a call that fails says
 * so at once, and a program that has its own retry layer is not multiplied by this one. The
 * `ftpkit` command turns it on for `get`, `put` and `mirror` (3 retries).
 *
 * @example
 * ```ts
 * const client = await Client.connect('ftpes://alice:secret@files.example.com', {
 *   retry: { retries: 5, delay: 2_000, onRetry: (e) => console.error(`attempt ${e.attempt} in ${e.delay} ms:`, e.error) },
 * });
 * ```
 */
export interface RetryOptions {
  /**
   * Attempts after the first that may follow failures in a row without progress (curl's `--retry`).
   * A transfer that moved its resume point forward starts counting again. Default 0: no retry.
   * `Infinity`: until the call succeeds, fails for good, or its signal aborts.
   */
  readonly retries?: number;
  /** Milliseconds before the first retry; doubled for each failure in a row. Default 1000. */
  readonly delay?: number;
  /** The longest wait, in milliseconds. Default 30 000. */
  readonly maxDelay?: number;
  /** Told of every retry, before its wait. Also written to the `log` option as a `*` note. */
  readonly onRetry?: (event: RetryEvent) => void;
}

/**
 * One retry, as `onRetry` hears of it, before the wait.
 *
 * @example
 * ```ts
 * const onRetry = ({ call, path, attempt, delay, error, resumeAt }: RetryEvent) =>
 *   console.error(`${call} ${path ?? ''}: attempt ${attempt} in ${delay} ms${resumeAt ? ` from byte ${resumeAt}` : ''} (${String(error)})`);
 * ```
 */
export interface RetryEvent {
  /** The call retried: `'download'`, `'upload'`, `'append'`, `'list'`, `'listEntries'`, `'rename'`, `'remove'`, ... */
  readonly call: string;
  /** The remote path it is about, when it has one. */
  readonly path: string | undefined;
  /** The attempt about to start: 2 for the first retry. */
  readonly attempt: number;
  /** The failure that ended the attempt before. */
  readonly error: unknown;
  /** Milliseconds until the attempt starts. */
  readonly delay: number;
  /**
   * A download: the byte offset it continues from (what its destination holds; 0 when it starts
   * over). `listEntries`: the entries already yielded, which the new listing must repeat. An upload:
   * `undefined`, since only the server's size says where it continues, once reconnected (the log
   * says it then). Other calls: `undefined`.
   */
  readonly resumeAt: number | undefined;
}

/** The retry option with its defaults, and where retries are told. */
export interface RetryPolicy {
  readonly retries: number;
  readonly delay: number;
  readonly maxDelay: number;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
  /** A `*` note in the protocol log. */
  readonly note: ((text: string) => void) | undefined;
  /** Uniform in [0, 1): the jitter. */
  readonly random: () => number;
}

const DEFAULT_DELAY = 1000;
/** lftp caps its reconnect interval at 600 s and curl its backoff at 10 minutes; a job left running overnight wants to notice a returning server sooner. */
const DEFAULT_MAX_DELAY = 30_000;

/** The policy for a `retry` option (a number is `retries`); `note` writes to the protocol log. */
export function resolveRetry(option: number | RetryOptions | undefined, note: ((text: string) => void) | undefined): RetryPolicy {
  const given: RetryOptions = typeof option === 'number' ? { retries: option } : (option ?? {});
  const retries = given.retries ?? 0;
  const delay = given.delay ?? DEFAULT_DELAY;
  const maxDelay = given.maxDelay ?? Math.max(DEFAULT_MAX_DELAY, delay);
  if (!(retries === Infinity || (Number.isInteger(retries) && retries >= 0))) throw new InvalidArgumentError(`retry.retries must be a whole number from 0, or Infinity, not ${retries}`);
  for (const [name, value] of [['delay', delay], ['maxDelay', maxDelay]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`retry.${name} must be a number of milliseconds from 0, not ${value}`);
  }
  return { retries, delay, maxDelay, onRetry: given.onRetry, note, random: Math.random };
}

/**
 * Whether a failure may pass with time, so that another attempt makes sense: the one rule of every
 * call. Retryable: `ConnectionError` (lost, reset, closed early, a download that came up short),
 * `TimeoutError`, `FtpReplyError` with a 4xx reply (421 closing, 425 no data connection, 426
 * transfer aborted, 450 busy, ...), and `VerifyError` (a transfer whose check failed goes again
 * from byte 0, never resumed onto the suspect bytes, where the call can start over), and through a
 * proxy `ProxyTargetError` (the proxy could not reach the server) and a `ProxyError` with an
 * `osCode` (the proxy could not be reached). Final: 5xx replies, every `TlsError` (an untrusted certificate,
 * a refused `AUTH TLS` or a port in the other FTPS mode do not change), `RemoteProtocolError`,
 * `LocalFileError`, `InvalidArgumentError`, `LocalProtocolError`, the proxy's refusals by rule
 * (`ProxyRefusedError` without an `osCode`), `ProxyAuthError`, the tree and listing errors, an
 * abort, and anything that is not an ftpkit error (a destination's own failure).
 *
 * @example
 * ```ts
 * try { await client.download('/pub/a.iso', './a.iso'); }
 * catch (err) { if (!isRetryable(err)) throw err; console.error('worth another try later:', err); }
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (isAbortError(error) || error instanceof TlsError) return false;
  if (error instanceof ConnectionError || error instanceof TimeoutError || error instanceof VerifyError) return true;
  // Through a proxy: the server out of the proxy's reach, or the proxy out of ours, may pass as a
  // refused or lost direct connection may; a refusal by rule, bad credentials or a broken proxy do not.
  if (error instanceof ProxyTargetError) return true;
  if (error instanceof ProxyError) return error.osCode !== undefined;
  // RFC 959 §4.2: 4yz is a transient negative completion; the action was not taken and may be asked again.
  return error instanceof FtpReplyError && error.reply.code >= 400 && error.reply.code < 500;
}

const ATTEMPTS = Symbol.for('ftpkit.retry.attempts');

/**
 * How many attempts a call made before it failed with `error`, when the call ran under a retry
 * policy (`retry.retries` above 0); `undefined` otherwise. The error is the last attempt's own,
 * of its own class.
 *
 * @example
 * ```ts
 * await client.download('/pub/a.iso', './a.iso').catch((err) => {
 *   console.error(`gave up after ${attemptsOf(err) ?? 1} attempts:`, err.message);
 * });
 * ```
 */
export function attemptsOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const attempts = (error as Record<symbol, unknown>)[ATTEMPTS];
  return typeof attempts === 'number' ? attempts : undefined;
}

/** Thrown by an attempt to end the call with `error`, whatever the rule says of it. */
class GiveUp {
  constructor(readonly error: unknown) {}
}

/** End the call with `error` now: another attempt cannot help (see {@link retrying}). */
export function giveUp(error: unknown): never {
  throw new GiveUp(error);
}

/** What a call tells the loop besides its attempts. */
export interface RetryHooks {
  /** How far the call has got (bytes held, entries yielded): an attempt that moved it starts the count of failures again. */
  readonly progress?: () => number;
  /** The `resumeAt` of the event (see {@link RetryEvent}). */
  readonly resumeAt?: () => number | undefined;
  /** False when another attempt cannot help after this failure (a source already read). */
  readonly canRetry?: (error: unknown) => boolean;
  /** Aborted once the client or pool is being closed: no new attempt starts, and a wait ends at once. */
  readonly closing?: AbortSignal;
}

/**
 * Run `attempt(1)`, `attempt(2)`, ... until one succeeds, a failure is final (see
 * {@link isRetryable}), `policy.retries` failures in a row made no progress, or `signal` aborts (a
 * wait ends at once then). Each attempt after the first is given the error that ended the one
 * before. Rejects with the last attempt's error, its attempts noted ({@link attemptsOf}) when the
 * policy retries at all.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  what: RetryWhat,
  signal: AbortSignal | undefined,
  attempt: (n: number, previous: unknown) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  const loop = retryLoop(policy, what, signal, hooks);
  let previous: unknown;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n, previous);
    } catch (error) {
      previous = await loop.failed(error, n);
    }
  }
}

/** What a retried call is, for the event and the log. */
export interface RetryWhat {
  readonly call: string;
  readonly path?: string | undefined;
}

/** The bookkeeping of {@link retrying}, for a caller that runs its attempts itself (a generator). */
export interface RetryLoop {
  /**
   * Attempt `n` failed with `thrown`: resolves with the error once the wait before attempt `n + 1`
   * is over, or rejects with it (noted) when there is to be none.
   */
  failed(thrown: unknown, n: number): Promise<unknown>;
}

/** Start counting the failures of one call. */
export function retryLoop(policy: RetryPolicy, what: RetryWhat, signal: AbortSignal | undefined, hooks: RetryHooks = {}): RetryLoop {
  let failures = 0;
  let fellBack = false;
  let progress = hooks.progress?.() ?? 0;
  return {
    async failed(thrown, n) {
      const final = thrown instanceof GiveUp;
      const error = final ? thrown.error : thrown;
      const now = hooks.progress?.() ?? 0;
      failures = now > progress ? 1 : failures + 1;
      progress = now;
      const may = !final && !signal?.aborted && !hooks.closing?.aborted && (hooks.canRetry?.(error) ?? true);
      // lane.ts: the server broke under pipelining, this side's choice: once more at once, without it, whatever the policy.
      if (may && error instanceof PipeliningError && !fellBack) {
        fellBack = true;
        policy.note?.(`The server broke under pipelining (${error.message}); going on one command at a time`);
        return error;
      }
      const again = may && failures <= policy.retries && isRetryable(error);
      if (!again) throw noted(error, n, policy);
      const delay = backoff(policy, failures);
      const event: RetryEvent = { call: what.call, path: what.path, attempt: n + 1, error, delay, resumeAt: hooks.resumeAt?.() };
      policy.note?.(describe(event));
      policy.onRetry?.(event);
      await sleep(delay, signal, hooks.closing);
      if (hooks.closing?.aborted) throw noted(error, n, policy);
      return error;
    },
  };
}

/** The wait before the next attempt after `failures` failures in a row: exponential, capped, jittered. */
export function backoff(policy: RetryPolicy, failures: number): number {
  const ceiling = Math.min(policy.maxDelay, policy.delay * 2 ** Math.min(failures - 1, 52));
  return Math.round(ceiling / 2 + (policy.random() * ceiling) / 2);
}

/** The log's note of a retry. */
function describe(event: RetryEvent): string {
  const where = event.path === undefined ? '' : ` ${event.path}`;
  const from = event.resumeAt === undefined ? '' : `, from ${event.resumeAt}`;
  const cause = event.error instanceof Error ? `${event.error.name}: ${event.error.message}` : String(event.error);
  return `Retry of ${event.call}${where}: attempt ${event.attempt} in ${event.delay} ms${from}, after ${cause}`;
}

/** `error` with the attempts noted on it, when the policy retries at all. */
function noted(error: unknown, attempts: number, policy: RetryPolicy): unknown {
  if (policy.retries > 0 && typeof error === 'object' && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, ATTEMPTS, { value: attempts, configurable: true, enumerable: false, writable: true });
  }
  return error;
}

/** Wait `ms`: an abort of `signal` ends the wait at once with the signal's reason, one of `closing` ends it early. */
function sleep(ms: number, signal: AbortSignal | undefined, closing: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (closing?.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    // Both listeners go when the wait ends, however it ends: `closing` lives as long as the client,
    // and one listener left behind per retry grew without bound on a long job.
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      closing?.removeEventListener('abort', onClosing);
    };
    const onAbort = (): void => {
      done();
      reject(abortError(signal));
    };
    const onClosing = (): void => {
      done();
      resolve();
    };
    const timer = setTimeout(onClosing, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    closing?.addEventListener('abort', onClosing, { once: true });
  });
}
