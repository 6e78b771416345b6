/**
 * Mirror planning: which files to copy, which directories to create and which extraneous entries
 * to delete, from two listings. Pure: no I/O, no clock. Every tree transfer plans with it (run.ts
 * carries the plan out): `mirror`, and `downloadDir`/`uploadDir` as a plan with `all` against an empty
 * target.
 *
 * A file is copied when the target lacks it, when the sizes differ, or when the source is newer
 * than the target ({@link compareFiles}, the one comparison of two versions of a file, which
 * `watch` uses too through {@link diffTrees}; its times by {@link newerThan}: compared only to the
 * precision both times have, a LIST time stating the day or the minute, an MLSD time the second, a
 * local file's the millisecond; a day is a calendar day in the server's zone). Entries whose path
 * matches an exclude glob, or
 * files matching no include glob when includes are given, are left alone on both sides: neither
 * copied nor deleted. With `delete`, target entries absent from the source are removed (a
 * directory as a whole), and a type clash (a file where the source has a directory, or the
 * reverse) is a delete then a copy; without it, a clash is reported in `conflicts` and left alone.
 *
 * @module
 */
import type { ListingTimePrecision } from '@ftpkit/codec';
import type { MirrorAction, MirrorPlan, MirrorReason } from '../calls.js';
import { compileGlob, type Matcher } from './glob.js';

/** One entry of a tree, by path relative to the tree's root (`/`-separated, no leading slash). */
export interface TreeEntry {
  readonly path: string;
  readonly type: 'file' | 'directory';
  readonly size?: number | undefined;
  readonly modifiedAt?: Date | undefined;
  /** How much of `modifiedAt` the listing stated (a remote entry's `precision`); absent: exact (a local file). */
  readonly precision?: ListingTimePrecision | undefined;
}

/** How {@link planMirror} decides. */
export interface MirrorPlanOptions {
  /** Remove target entries that the source lacks. Default false. */
  readonly delete?: boolean;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Times closer than this, once cut to the precision both have, count as equal. Default 0. */
  readonly toleranceMs?: number;
  /**
   * The server's offset from UTC in minutes at an instant: the calendar day of a `day`-precision
   * time is the day in the server's zone. Default: UTC.
   */
  readonly zoneOffsetAt?: (utcMs: number) => number;
  /** Copy every file, changed or not (`get -r`, `put -r`). Default false. */
  readonly all?: boolean;
}

/**
 * Plan a mirror of `source` onto `target`.
 *
 * @example
 * ```ts
 * const plan = planMirror([{ path: 'a.txt', type: 'file', size: 1 }], [], { delete: true });
 * // { actions: [{ kind: 'copy', path: 'a.txt', size: 1, modifiedAt: undefined, reason: 'new' }], ... }
 * ```
 */
export function planMirror(source: readonly TreeEntry[], target: readonly TreeEntry[], options: MirrorPlanOptions = {}): MirrorPlan {
  const { includes, excluded, wanted } = treeFilter(options);

  const targetByPath = new Map(target.map((e) => [e.path, e]));
  const filtered: string[] = [];
  const sourcePaths = new Set<string>();
  const neededDirs = new Set<string>();
  const copies: MirrorAction[] = [];
  const deletes = new Map<string, MirrorAction>();
  const unchanged: string[] = [];
  const conflicts: string[] = [];
  /** The folders in `conflicts`: nothing below one is made or copied, files and folders alike. */
  const conflictDirs = new Set<string>();

  for (const entry of [...source].sort(byPath)) {
    if (!wanted(entry)) {
      filtered.push(entry.path);
      continue;
    }
    sourcePaths.add(entry.path);
    if (ancestors(entry.path).some((dir) => conflictDirs.has(dir))) {
      conflicts.push(entry.path);
      if (entry.type === 'directory') conflictDirs.add(entry.path);
      continue;
    }
    const existing = targetByPath.get(entry.path);
    if (entry.type === 'directory') {
      // With includes, a directory exists on the target only to hold included files.
      if (existing && existing.type !== 'directory') {
        if (!options.delete) {
          conflicts.push(entry.path);
          conflictDirs.add(entry.path);
          continue;
        }
        deletes.set(entry.path, { kind: 'delete', path: entry.path, type: existing.type });
      }
      if (includes.length === 0) neededDirs.add(entry.path);
      continue;
    }
    if (existing?.type === 'directory' && !options.delete) {
      conflicts.push(entry.path);
      continue;
    }
    for (const dir of ancestors(entry.path)) neededDirs.add(dir);
    let reason: MirrorReason | undefined;
    if (!existing) reason = 'new';
    else if (existing.type !== 'file') reason = 'type';
    else if (options.all) reason = 'all';
    else {
      // An older source is kept: a mirror brings the target up to date, never back in time.
      const difference = compareFiles(entry, existing, options);
      if (difference !== 'older') reason = difference;
    }
    if (reason === undefined) {
      unchanged.push(entry.path);
      continue;
    }
    if (reason === 'type') deletes.set(entry.path, { kind: 'delete', path: entry.path, type: 'directory' });
    copies.push({ kind: 'copy', path: entry.path, size: entry.size, modifiedAt: entry.modifiedAt, reason });
  }

  const mkdirs: MirrorAction[] = [...neededDirs]
    .filter((dir) => {
      const existing = targetByPath.get(dir);
      return !existing || existing.type !== 'directory';
    })
    .sort(byDepthThenName)
    .map((path) => ({ kind: 'mkdir', path }));

  if (options.delete) {
    for (const entry of target) {
      if (sourcePaths.has(entry.path) || excluded(entry.path)) continue;
      if (entry.type === 'file' && includes.length > 0 && !includes.some((m) => m(entry.path))) continue;
      if (entry.type === 'directory' && neededDirs.has(entry.path)) continue;
      deletes.set(entry.path, { kind: 'delete', path: entry.path, type: entry.type });
    }
  }
  // A deleted directory takes its contents with it: drop deletions inside one.
  const deletedDirs = [...deletes.values()].filter((a) => a.kind === 'delete' && a.type === 'directory').map((a) => a.path);
  const finalDeletes = [...deletes.values()]
    .filter((a) => !deletedDirs.some((dir) => a.path.startsWith(`${dir}/`)))
    .sort((a, b) => byDepthThenName(b.path, a.path));
  // Type clashes must be cleared before the copy or mkdir that replaces them.
  const clashes = finalDeletes.filter((a) => sourcePaths.has(a.path) || neededDirs.has(a.path));
  const rest = finalDeletes.filter((a) => !clashes.includes(a));
  return { actions: [...clashes, ...mkdirs, ...copies, ...rest], unchanged, filtered, conflicts };
}

/** How two versions of one file differ: in size, or (same size) in time, the first newer or older. */
export type FileDifference = 'size' | 'newer' | 'older';

/**
 * The one comparison of two versions of a file, `a` against `b`: another size, where both sizes
 * are known; else a time later (`newer`) or earlier (`older`) by {@link newerThan}, where both
 * times are known; else none (`undefined`). A mirror copies a source of another size or newer
 * (`planMirror`); a watch reports any difference (`diffTrees`), and calls a file stable while it
 * shows none between polls.
 *
 * @example
 * ```ts
 * compareFiles({ path: 'a', type: 'file', size: 5 }, { path: 'a', type: 'file', size: 7 }); // 'size'
 * ```
 */
export function compareFiles(a: TreeEntry, b: TreeEntry, options: TimeComparison = {}): FileDifference | undefined {
  if (a.size !== undefined && b.size !== undefined && a.size !== b.size) return 'size';
  if (newerThan(a, b, options)) return 'newer';
  if (newerThan(b, a, options)) return 'older';
  return undefined;
}

/** What changed between two listings of one tree (see {@link diffTrees}). */
export interface TreeChanges {
  /** Entries at paths the first listing lacks, or where it has the other type; by path. */
  readonly added: TreeEntry[];
  /** Files that {@link compareFiles} tells apart, with the first listing's version; by path. */
  readonly changed: { readonly entry: TreeEntry; readonly previous: TreeEntry }[];
  /** Entries of the first listing that the second lacks, or has with the other type; by path. */
  readonly removed: TreeEntry[];
}

/**
 * What changed from `before` to `after`, two listings of one tree, with the planner's filters and
 * comparison: excluded paths, and with `include` every folder and every file that matches no
 * include, are not looked at (a folder then exists only to hold files). A path that changed type is
 * a removal and an addition. Folders are never `changed`: their times move with their contents.
 *
 * @example
 * ```ts
 * diffTrees([{ path: 'a', type: 'file', size: 1 }], [{ path: 'a', type: 'file', size: 2 }, { path: 'b', type: 'directory' }]);
 * // { added: [{ path: 'b', type: 'directory' }], changed: [{ entry: { path: 'a', …, size: 2 }, previous: { …, size: 1 } }], removed: [] }
 * ```
 */
export function diffTrees(
  before: readonly TreeEntry[],
  after: readonly TreeEntry[],
  options: Pick<MirrorPlanOptions, 'include' | 'exclude' | 'toleranceMs' | 'zoneOffsetAt'> = {},
): TreeChanges {
  const { includes, wanted } = treeFilter(options);
  const looked = (e: TreeEntry): boolean => wanted(e) && (e.type === 'file' || includes.length === 0);
  const previous = new Map(before.filter(looked).map((e) => [e.path, e]));
  const changes: TreeChanges = { added: [], changed: [], removed: [] };
  for (const entry of [...after].sort(byPath)) {
    if (!looked(entry)) continue;
    const was = previous.get(entry.path);
    previous.delete(entry.path);
    if (was === undefined) changes.added.push(entry);
    else if (was.type !== entry.type) {
      changes.removed.push(was);
      changes.added.push(entry);
    } else if (entry.type === 'file' && compareFiles(entry, was, options) !== undefined) changes.changed.push({ entry, previous: was });
  }
  changes.removed.push(...previous.values());
  changes.removed.sort(byPath);
  return changes;
}

/**
 * The include and exclude globs: `wanted` is false for an excluded path (or one below an excluded
 * folder) and, when includes are given, for a file that matches none of them.
 */
function treeFilter(options: Pick<MirrorPlanOptions, 'include' | 'exclude'>): {
  readonly includes: readonly Matcher[];
  readonly excluded: (path: string) => boolean;
  readonly wanted: (e: TreeEntry) => boolean;
} {
  const includes = (options.include ?? []).map(compileGlob);
  const excluded = excludedBy(options.exclude);
  const wanted = (e: TreeEntry): boolean => !excluded(e.path) && (e.type === 'directory' || includes.length === 0 || includes.some((m) => m(e.path)));
  return { includes, excluded, wanted };
}

/** What a comparison of times is told: a tolerance, and the server's zone for whole days. */
export type TimeComparison = Pick<MirrorPlanOptions, 'toleranceMs' | 'zoneOffsetAt'>;

const DAY = 86_400_000;
/** From the coarsest precision to the finest; a time without one (a local file's) is exact. */
const PRECISIONS: readonly (ListingTimePrecision | undefined)[] = ['day', 'minute', 'second', undefined];

/**
 * Whether `source`'s time is later than `target`'s, by more than `toleranceMs`, compared only to
 * the precision both have: both are cut to the coarser of their two precisions (`second`,
 * `minute`, or for `day` the calendar day in the server's zone, `zoneOffsetAt`), so that a time a
 * listing states to the minute never looks older than the same time to the second, and a date
 * without a time of day is not midnight but the whole day. Without a time on either side, false.
 * The one rule every tree transfer compares times by.
 *
 * @example
 * ```ts
 * const listed = { path: 'a', type: 'file', modifiedAt: new Date('2024-06-14T09:30:00Z'), precision: 'minute' } as const;
 * newerThan({ path: 'a', type: 'file', modifiedAt: new Date('2024-06-14T09:30:59Z') }, listed); // false: the same minute
 * ```
 */
export function newerThan(source: TreeEntry, target: TreeEntry, options: TimeComparison = {}): boolean {
  const s = source.modifiedAt?.getTime();
  const t = target.modifiedAt?.getTime();
  if (s === undefined || t === undefined || Number.isNaN(s) || Number.isNaN(t)) return false;
  const precision = PRECISIONS[Math.min(PRECISIONS.indexOf(source.precision), PRECISIONS.indexOf(target.precision))];
  const at = options.zoneOffsetAt ?? (() => 0);
  const cut = (time: number): number => {
    if (precision === 'day') return Math.floor((time + at(time) * 60_000) / DAY) * DAY;
    if (precision === 'minute') return Math.floor(time / 60_000) * 60_000;
    if (precision === 'second') return Math.floor(time / 1000) * 1000;
    return time;
  };
  return cut(s) - cut(t) > (options.toleranceMs ?? 0);
}

/** Whether a path is left alone by these exclude globs: it, or a folder above it, matches one. */
export function excludedBy(exclude: readonly string[] | undefined): (path: string) => boolean {
  const excludes = (exclude ?? []).map(compileGlob);
  return (path) => excludes.length > 0 && ancestorsAndSelf(path).some((p) => excludes.some((m) => m(p)));
}

/** The folders above a relative path, from the top (`a/b/c` → `a`, `a/b`). */
export function ancestors(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

function ancestorsAndSelf(path: string): string[] {
  return [...ancestors(path), path];
}

/** Order by path, code point by code point: the order of plans, walks and every `skipped` list. */
export function byPath(a: { readonly path: string }, b: { readonly path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function byDepthThenName(a: string, b: string): number {
  const depth = a.split('/').length - b.split('/').length;
  return depth !== 0 ? depth : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The files whose fate a checksum decides: those the plan keeps (same size, same time) and those it
 * copies only for being newer. Files of another size are copied whatever their checksums say.
 */
export function checksumCandidates(plan: MirrorPlan): string[] {
  const newer = plan.actions.filter((a) => a.kind === 'copy' && a.reason === 'newer').map((a) => a.path);
  return [...plan.unchanged, ...newer].sort();
}

/**
 * The plan once checksums were compared (`mirror --checksum`): files in `differ` are copied (reason
 * `checksum`), the other candidates are kept as they are, whatever their times say.
 */
export function applyChecksums(plan: MirrorPlan, source: readonly TreeEntry[], differ: ReadonlySet<string>): MirrorPlan {
  const candidates = new Set(checksumCandidates(plan));
  const byPath = new Map(source.map((e) => [e.path, e]));
  const kept = plan.actions.filter((a) => !(a.kind === 'copy' && candidates.has(a.path)));
  const copies: MirrorAction[] = [...differ].sort().map((path) => {
    const entry = byPath.get(path);
    return { kind: 'copy', path, size: entry?.size, modifiedAt: entry?.modifiedAt, reason: 'checksum' };
  });
  // After the last creation or copy, before the deletions of extraneous entries, like the planner's.
  let at = kept.length;
  while (at > 0 && kept[at - 1]?.kind === 'delete') at--;
  if (at === 0) at = kept.length;
  return {
    ...plan,
    actions: [...kept.slice(0, at), ...copies, ...kept.slice(at)],
    unchanged: [...candidates].filter((path) => !differ.has(path)).sort(),
  };
}
