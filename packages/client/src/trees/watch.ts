/**
 * Watching a remote folder: `watch` on a Client or a Pool.
 *
 * Theory of operation: a watch polls. Each poll lists the folder (held whole, or with `recursive`
 * the tree engine's remote walk, walk.ts), and {@link WatchState} compares the listing with what it
 * has reported so far through the planner's diff (`diffTrees` in plan.ts, with the planner's
 * comparison of two versions of a file and its include and exclude globs): one rule for "changed",
 * whether a mirror or a watch asks.
 *
 * Size-stable detection: FTP has no "upload finished" signal, and a file being uploaded is listed
 * with the bytes it has so far. So a new or changed file is not reported when first seen: it waits
 * until two polls at least `stableFor` apart have listed it the same (the planner's comparison
 * finds no difference: same size, same time), and is reported then, once. A file that changes while
 * it waits starts waiting again from that poll; one that vanishes, or goes back to what was
 * reported, is dropped without an event. While a file waits, the next poll comes as soon as it can
 * be stable, if that is sooner than `interval`. Removals and folders are reported at the first poll
 * that shows them: neither is written a byte at a time.
 *
 * The first poll is the baseline: with `initial: 'ignore'` (the default) it reports nothing, and a
 * file still growing then is reported as `changed` once it is stable; with `'emit'` the baseline is
 * empty, so everything there is reported as `added`, files once stable.
 *
 * The polls run in the consumer's loop: one poll's events are yielded, and the next poll starts
 * when the loop asks for more, `interval` after the previous one started (at once if that time has
 * passed). Between polls the watch holds no session, so on a Client the loop body's own calls run
 * between polls, not behind a listing; on a Pool a poll leases a session. The wait between polls is
 * the one timer, on the client's clock (driver/clock.ts), and it is cleared when the loop ends.
 * Memory is the last reported listing and the files waiting: bounded by the folder.
 *
 * Each listing of a poll is retried under the client's or pool's `retry` policy, as any listing is
 * (a lost connection is reconnected, or another session leased), before anything of the poll is
 * compared. Errors that remain end the watch: a poll's error (`ConnectionError`, `FtpReplyError`,
 * `UnreadableListingError`, `UnsafePathError`, `TreeLoopError`...) is thrown by the loop, after the
 * events of the polls before it. One is not: with `recursive`, a folder inside that the server refuses to list after its parent
 * listed it (a folder being deleted as the tree is walked) leaves what is inside it as it was, for
 * that poll; the next poll's listing of the parent says whether it is gone. Aborting `signal` throws its reason; `break`, `return` or the iterator's `return()` end it
 * without an error, at once, a poll in flight included (ABOR, as for any aborted listing).
 *
 * @module
 */
import type { CallOptions } from '../calls.js';
import type { Clock } from '../driver/clock.js';
import { abortError, InvalidArgumentError } from '../errors.js';
import { remoteJoin, safeLocalName } from '../io/paths.js';
import type { Runner } from '../ops/conn.js';
import { list } from '../ops/listing.js';
import { idempotent } from '../retried.js';
import { compileGlob } from './glob.js';
import { maxDepthOf } from './loops.js';
import { byPath, compareFiles, diffTrees, excludedBy, type MirrorPlanOptions, type TreeEntry } from './plan.js';
import { walkRemote } from './walk.js';

/**
 * Milliseconds between polls by default: 10 s. One listing every 10 s is light for any server, and
 * an upload is reported about 10 to 20 s after it ends. (FluentFTP's monitors leave the interval to
 * the caller.)
 */
const DEFAULT_INTERVAL = 10_000;

/** Options of `watch` (see `RemoteCalls.watch`). */
export interface WatchOptions extends CallOptions {
  /**
   * Milliseconds from the start of one poll to the start of the next. Default 10 000. A poll that
   * the loop asks for late (its body took longer) starts at once.
   */
  readonly interval?: number;
  /**
   * A new or changed file is reported once two polls at least this many milliseconds apart listed
   * it with the same size and time. Default: `interval` (listed the same by two polls in a row).
   * 0: reported when first seen, even while it grows.
   */
  readonly stableFor?: number;
  /**
   * Watch the folders inside too, at any depth up to `maxDepth`, walked as tree transfers walk
   * (symbolic links are not followed; a folder that loops is a `TreeLoopError`). Default false.
   */
  readonly recursive?: boolean;
  /**
   * What the first poll reports. `'ignore'` (default): nothing; what is there is the baseline.
   * `'emit'`: an `added` event for every entry, files once stable.
   */
  readonly initial?: 'ignore' | 'emit';
  /** Only files matching one of these globs are watched (and no folders); as for tree transfers. */
  readonly include?: readonly string[];
  /** Paths matching these globs are not watched (nor, with `recursive`, listed); as for tree transfers. */
  readonly exclude?: readonly string[];
  /** With `recursive`: fail with `TreeDepthError` on a folder deeper than this. Default 100. */
  readonly maxDepth?: number | undefined;
}

/**
 * One change `watch` reports. `path` is relative to the watched folder (`/`-separated, each name
 * checked as tree transfers check them), `remote` the path on the server. `entry` is the entry as
 * listed now, or for `removed` as last reported; `changed` brings the version reported before.
 */
export type WatchEvent =
  | { readonly kind: 'added'; readonly path: string; readonly remote: string; readonly entry: TreeEntry }
  | { readonly kind: 'changed'; readonly path: string; readonly remote: string; readonly entry: TreeEntry; readonly previous: TreeEntry }
  | { readonly kind: 'removed'; readonly path: string; readonly remote: string; readonly entry: TreeEntry };

/** A watch's options, checked, with every default applied. */
export interface WatchSettings {
  readonly interval: number;
  readonly stableFor: number;
  readonly recursive: boolean;
  readonly initial: 'ignore' | 'emit';
  readonly filter: Pick<MirrorPlanOptions, 'include' | 'exclude'>;
  readonly maxDepth: number;
}

/** Bad options are the caller's mistake: `InvalidArgumentError`, when `watch` is called. */
export function watchSettings(options: WatchOptions): WatchSettings {
  const interval = options.interval ?? DEFAULT_INTERVAL;
  if (!(typeof interval === 'number' && Number.isFinite(interval) && interval > 0)) {
    throw new InvalidArgumentError(`watch interval must be a number of milliseconds above 0, not ${String(interval)}`);
  }
  const stableFor = options.stableFor ?? interval;
  if (!(typeof stableFor === 'number' && Number.isFinite(stableFor) && stableFor >= 0)) {
    throw new InvalidArgumentError(`watch stableFor must be a number of milliseconds from 0, not ${String(stableFor)}`);
  }
  const initial = options.initial ?? 'ignore';
  if (initial !== 'ignore' && initial !== 'emit') throw new InvalidArgumentError(`watch initial must be 'ignore' or 'emit', not ${JSON.stringify(initial)}`);
  for (const pattern of [...(options.include ?? []), ...(options.exclude ?? [])]) compileGlob(pattern);
  return {
    interval,
    stableFor,
    recursive: options.recursive === true,
    initial,
    filter: { ...(options.include ? { include: options.include } : {}), ...(options.exclude ? { exclude: options.exclude } : {}) },
    maxDepth: maxDepthOf(options),
  };
}

/** A file seen new or changed, not yet reported: as last listed, and since when it was listed so. */
interface Waiting {
  readonly entry: TreeEntry;
  readonly since: number;
}

/**
 * What a watch knows between polls: the entries it has reported, and the files waiting to be
 * stable. Pure: the caller lists and says when.
 */
export class WatchState {
  readonly #root: string;
  readonly #settings: WatchSettings;
  readonly #reported = new Map<string, TreeEntry>();
  readonly #waiting = new Map<string, Waiting>();

  constructor(root: string, settings: WatchSettings) {
    this.#root = root;
    this.#settings = settings;
  }

  /** The first poll with `initial: 'ignore'`: what is listed is what has been reported. */
  baseline(entries: readonly TreeEntry[]): WatchEvent[] {
    for (const entry of diffTrees([], entries, this.#settings.filter).added) this.#reported.set(entry.path, entry);
    return [];
  }

  /**
   * A poll that started at `now` listed `entries`: the events it makes, removals first (a folder's
   * contents before the folder), then additions and changes by path (a folder before its contents).
   * What is inside the `unlisted` folders (listed by their parent, refused when listed themselves)
   * is unknown this time: it stays as it was, reported or waiting.
   */
  poll(now: number, entries: readonly TreeEntry[], unlisted: readonly string[] = []): WatchEvent[] {
    const unknown = (path: string): boolean => unlisted.some((dir) => path.startsWith(`${dir}/`));
    const listing = unlisted.length === 0 ? entries : [...entries, ...[...this.#reported.values()].filter((e) => unknown(e.path))];
    const { added, changed, removed } = diffTrees([...this.#reported.values()], listing, this.#settings.filter);
    const events: WatchEvent[] = [];
    for (const entry of removed.reverse()) {
      this.#reported.delete(entry.path);
      events.push(this.#event({ kind: 'removed', entry }));
    }
    const candidates = new Map<string, { readonly entry: TreeEntry; readonly previous?: TreeEntry }>();
    for (const entry of added) candidates.set(entry.path, { entry });
    for (const change of changed) candidates.set(change.entry.path, change);
    // Back to what was reported, or gone before it was stable: nothing to report.
    for (const path of this.#waiting.keys()) if (!candidates.has(path) && !unknown(path)) this.#waiting.delete(path);
    for (const [path, { entry, previous }] of [...candidates].sort(([a], [b]) => byPath({ path: a }, { path: b }))) {
      if (entry.type === 'file' && !this.#stable(path, entry, now)) continue;
      this.#waiting.delete(path);
      this.#reported.set(path, entry);
      events.push(this.#event(previous ? { kind: 'changed', entry, previous } : { kind: 'added', entry }));
    }
    return events;
  }

  /** When the poll after one that started at `started` is due: `interval` later, or when a waiting file can be stable. */
  nextPollAt(started: number): number {
    let at = started + this.#settings.interval;
    for (const { since } of this.#waiting.values()) at = Math.min(at, since + this.#settings.stableFor);
    return at;
  }

  /** Whether `entry` has been listed the same for `stableFor`; else it waits, from now if it changed. */
  #stable(path: string, entry: TreeEntry, now: number): boolean {
    const waiting = this.#waiting.get(path);
    const since = waiting !== undefined && compareFiles(entry, waiting.entry) === undefined ? waiting.since : now;
    if (now - since >= this.#settings.stableFor) return true;
    this.#waiting.set(path, { entry, since });
    return false;
  }

  #event(change: { kind: 'added' | 'removed'; entry: TreeEntry } | { kind: 'changed'; entry: TreeEntry; previous: TreeEntry }): WatchEvent {
    return Object.freeze({ ...change, path: change.entry.path, remote: remoteJoin(this.#root, change.entry.path) });
  }
}

/**
 * Watch `root` (see `RemoteCalls.watch`): an iterator whose `return()` stops the watch at once, even
 * while a poll or the wait before one is under way.
 */
export function watch(runner: Runner, clock: Clock, root: string, options: WatchOptions = {}): AsyncIterableIterator<WatchEvent> {
  const settings = watchSettings(options);
  const stop = new AbortController();
  const closing = { now: false };
  const events = polls({ runner, clock, root, settings, user: options.signal, stop, closing });
  const iterator: AsyncIterableIterator<WatchEvent> = {
    next: () => events.next(),
    return: async () => {
      closing.now = true;
      stop.abort();
      return events.return(undefined);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** What the poll loop runs with. */
interface Polling {
  readonly runner: Runner;
  readonly clock: Clock;
  readonly root: string;
  readonly settings: WatchSettings;
  /** The caller's signal: its abort is forwarded to `stop`, and thrown. */
  readonly user: AbortSignal | undefined;
  /** Aborted to end the watch: by the caller's signal, or by `return()`. */
  readonly stop: AbortController;
  /** Set by `return()`: the watch ends without an error. */
  readonly closing: { now: boolean };
}

async function* polls(polling: Polling): AsyncGenerator<WatchEvent, void, undefined> {
  const { runner, clock, root, settings, user, stop, closing } = polling;
  if (user?.aborted) throw abortError(user);
  const forward = (): void => stop.abort(user?.reason);
  user?.addEventListener('abort', forward, { once: true });
  try {
    const state = new WatchState(root, settings);
    for (let first = true; ; first = false) {
      const started = clock.now();
      const { entries, unlisted } = await snapshot(runner, root, settings, stop.signal);
      yield* (first && settings.initial === 'ignore' ? state.baseline(entries) : state.poll(started, entries, unlisted));
      await sleep(clock, state.nextPollAt(started) - clock.now(), stop.signal);
    }
  } catch (err) {
    if (closing.now) return;
    throw err;
  } finally {
    user?.removeEventListener('abort', forward);
  }
}

/**
 * One poll's listing: the folder's files and folders, or with `recursive` the tree's, and the
 * folders inside that the server refused to list (`unlisted`): a folder removed while the tree is
 * walked is refused after its parent listed it, which is no reason to end the watch (the next poll's
 * listing of the parent tells).
 */
async function snapshot(
  runner: Runner,
  root: string,
  settings: WatchSettings,
  signal: AbortSignal,
): Promise<{ entries: TreeEntry[]; unlisted: string[] }> {
  const unlisted: string[] = [];
  if (settings.recursive) {
    const onRefused = (path: string): void => void unlisted.push(path);
    const walk = await walkRemote(runner, root, { signal, maxDepth: settings.maxDepth, excluded: excludedBy(settings.filter.exclude), onRefused });
    return { entries: walk.entries, unlisted };
  }
  const entries: TreeEntry[] = [];
  // Held, not streamed: a listing cut part way is retried whole under the runner's policy, as a walk's is.
  const path = root === '' ? undefined : root;
  const listing = await idempotent(runner, { signal }, { call: 'list', path }, (conn) => list(conn, path, { signal }));
  for (const entry of listing) {
    // Checked as the tree walk checks names, so that `path` is as safe to use here as there.
    const path = safeLocalName(entry.name);
    if (entry.type === 'file') entries.push({ path, type: 'file', size: entry.size, modifiedAt: entry.modifiedAt });
    else if (entry.type === 'directory') entries.push({ path, type: 'directory', modifiedAt: entry.modifiedAt });
  }
  return { entries, unlisted };
}

/** Wait `ms` on `clock`; rejects with the abort reason, the timer cleared, when `signal` aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const aborted = (): void => {
      clock.clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', aborted);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', aborted, { once: true });
  });
}
