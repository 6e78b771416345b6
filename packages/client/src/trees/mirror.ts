/**
 * The tree transfers: `mirror`, `downloadDir` and `uploadDir`, each a walk, a plan and a run.
 *
 * Theory of operation: every tree transfer walks (walk.ts), plans (plan.ts, pure) and carries the
 * plan out (run.ts), over one {@link Runner}, so a Client and a Pool do the same thing, one file or
 * `concurrency` files at a time, and every option means the same everywhere. Every walk ends
 * (walk.ts, loops.ts), and both trees are walked before anything is written.
 *
 * Memory: the walks are made and planned in a function of their own (`mirrorPlan`, `copyPlan`), so
 * that they are garbage once the plan is made; the run then holds the plan and one result per copy,
 * which `MirrorResult` returns (`plan`, `copied`: about 0.32 KB a file, packages/bench/RESULTS.md
 * "W8 memory"; `copyTree` holds both too, and returns counts). Everything else a run keeps is
 * counters and what the running copies hold.
 *
 * `mirror` walks both trees and plans new files, other sizes and newer times (to the precision both
 * times have, in the server's zone as the session reads its LIST times); with `checksum`, the
 * files whose fate a checksum decides are compared by content, the server's checksum (through the
 * same runner, so a Pool checksums on its sessions) against the local file's. `downloadDir` and
 * `uploadDir` copy every file: a plan with `all` against an empty target, so nothing on the target is
 * listed and every folder is created (an existing one is fine). Entries left out are reported in
 * `skipped`, sorted by path, except those the `exclude` globs leave alone.
 *
 * With `journal`, the journal is opened (and checked against the job) before anything is listed; the
 * plan leaves out what an earlier run finished (journal.ts `skipFinished`), the run records as it
 * goes, and the journal is removed once the call succeeds, kept when it fails.
 *
 * @module
 */
import type { HashAlgorithm } from '@ftpkit/codec';
import type { CallOptions, DirectoryTransferOptions, DirectoryTransferResult, MirrorOptions, MirrorPlan, MirrorResult, SkippedEntry, TreeOptions } from '../calls.js';
import { checkRate } from '../driver/throttle.js';
import { InvalidArgumentError } from '../errors.js';
import { remoteJoin } from '../io/paths.js';
import { checksum } from '../ops/checksum.js';
import type { Runner } from '../ops/conn.js';
import { isDirectory } from '../ops/dirs.js';
import { verifyMethodOf } from '../ops/verify.js';
import { runAll } from '../parallel.js';
import { idempotent } from '../retried.js';
import { compileGlob } from './glob.js';
import { localChecksum } from '../io/local-checksum.js';
import { applyChecksums, byPath, checksumCandidates, excludedBy, planMirror, type TreeEntry } from './plan.js';
import { jobOf, Journal, skipFinished, type JournalJob } from './journal.js';
import { downloaded, localPath, runPlan } from './run.js';
import { maxDepthOf } from './loops.js';
import { walkLocal, walkRemote, type Walk, type WalkOptions } from './walk.js';

/** Make one tree a copy of the other (see `RemoteCalls.mirror`). */
export async function mirror(runner: Runner, options: MirrorOptions): Promise<MirrorResult> {
  const { direction, remote, local } = options;
  if (direction !== 'download' && direction !== 'upload') throw new InvalidArgumentError(`mirror direction must be 'download' or 'upload', not ${JSON.stringify(direction)}`);
  checkOptions(options);
  const journal = await openJournal(runner, 'mirror', direction, remote, local, options);
  return journaled(journal, () => mirrorWith(runner, options, journal));
}

async function mirrorWith(runner: Runner, options: MirrorOptions, journal: Journal | undefined): Promise<MirrorResult> {
  const { direction, remote, local } = options;
  const { plan, skipped, algorithm, finished } = await mirrorPlan(runner, options, journal);
  const result = (copied: MirrorResult['copied']): MirrorResult => ({
    plan,
    copied,
    skipped,
    ...(algorithm ? { checksum: algorithm } : {}),
    ...(finished ? { finishedEarlier: finished } : {}),
  });
  if (options.dryRun) return result([]);
  return result(
    await runPlan(runner, plan, {
      ...signalOf(options),
      direction,
      remote,
      local,
      keepTimes: true,
      onProgress: options.onProgress,
      onFile: options.onFile,
      maxDepth: options.maxDepth,
      limitRate: options.limitRate,
      verify: options.verify,
      journal,
    }),
  );
}

/** A mirror's plan and what its walks left out. */
interface Planned {
  readonly plan: MirrorPlan;
  readonly skipped: SkippedEntry[];
  readonly algorithm?: HashAlgorithm | undefined;
  readonly finished?: string[] | undefined;
}

/**
 * Walk both trees and plan: a function of its own, so that the walks are garbage once the plan is
 * made (a suspended async function keeps every local of its frame, used again or not).
 */
async function mirrorPlan(runner: Runner, options: MirrorOptions, journal: Journal | undefined): Promise<Planned> {
  const { direction, remote, local } = options;
  const call = signalOf(options);
  const walking = walkOptions(options);
  const remoteTree: Walk =
    direction === 'upload' && !(await idempotent(runner, call, { call: 'isDirectory', path: remote }, (conn) => isDirectory(conn, remote, call)))
      ? { entries: [], skipped: [] }
      : await walkRemote(runner, remote, walking);
  const localTree = await walkLocal(local, { ...walking, missingIsEmpty: direction === 'download' });
  const [source, target] = direction === 'download' ? [remoteTree, localTree] : [localTree, remoteTree];
  let plan = planMirror(source.entries, target.entries, {
    ...(options.delete ? { delete: true } : {}),
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.all ? { all: true } : {}),
    // Times are compared to the precision both sides have (plan.ts: newerThan), a day in the
    // server's zone. A second more is noise: file systems that keep times to 2 s (FAT) round by one.
    toleranceMs: 1000,
    ...(remoteTree.zoneOffsetAt ? { zoneOffsetAt: remoteTree.zoneOffsetAt } : {}),
  });
  let algorithm: HashAlgorithm | undefined;
  if (options.checksum) ({ plan, algorithm } = await byContent(runner, plan, source.entries, options));
  let finished: string[] | undefined;
  if (journal) {
    const there = new Map(target.entries.map((e) => [e.path, e]));
    ({ plan, finished } = await skipFinished(plan, journal, async (path, size) => {
      if (direction === 'download') return downloaded(localPath(local, path), size);
      const entry = there.get(path);
      return entry?.type === 'file' && (size === undefined || entry.size === undefined || entry.size === size);
    }));
  }
  const skipped = reported([...source.skipped, ...target.skipped.filter((t) => !source.skipped.some((s) => s.path === t.path))], options);
  return { plan, skipped, algorithm, finished };
}

/**
 * The plan once the checksum candidates were compared by content. The first candidate fixes the
 * algorithm (the strongest the server has); the rest are compared `concurrency` at a time.
 */
async function byContent(runner: Runner, plan: MirrorPlan, source: readonly TreeEntry[], options: MirrorOptions): Promise<{ plan: MirrorPlan; algorithm: HashAlgorithm | undefined }> {
  const candidates = checksumCandidates(plan);
  const differ = new Set<string>();
  let algorithm: HashAlgorithm | undefined;
  const compare = async (path: string, signal: AbortSignal | undefined): Promise<void> => {
    const call = signal ? { signal } : {};
    const wanted = algorithm ? { algorithm } : {};
    const remote = remoteJoin(options.remote, path);
    const theirs = await idempotent(runner, call, { call: 'checksum', path: remote }, (conn) => checksum(conn, remote, { ...call, ...wanted }));
    algorithm = theirs.algorithm;
    if ((await localChecksum(localPath(options.local, path), theirs.algorithm)) !== theirs.hash) differ.add(path);
  };
  const [first, ...rest] = candidates;
  if (first !== undefined) await compare(first, options.signal);
  await runAll(rest, runner.concurrency, options.signal, compare);
  return { plan: applyChecksums(plan, source, differ), algorithm };
}

/** Copy a whole tree, every file, one way (see `RemoteCalls.downloadDir` and `uploadDir`). */
export async function copyTree(
  runner: Runner,
  direction: 'download' | 'upload',
  remote: string,
  local: string,
  options: DirectoryTransferOptions,
): Promise<DirectoryTransferResult> {
  checkOptions(options);
  const journal = await openJournal(runner, direction === 'download' ? 'downloadDir' : 'uploadDir', direction, remote, local, options);
  return journaled(journal, () => copyTreeWith(runner, direction, remote, local, options, journal));
}

async function copyTreeWith(
  runner: Runner,
  direction: 'download' | 'upload',
  remote: string,
  local: string,
  options: DirectoryTransferOptions,
  journal: Journal | undefined,
): Promise<DirectoryTransferResult> {
  const { plan, skipped, finished } = await copyPlan(runner, direction, remote, local, options, journal);
  const copied = await runPlan(runner, plan, {
    ...signalOf(options),
    direction,
    remote,
    local,
    keepTimes: false,
    onProgress: options.onProgress,
    onFile: options.onFile,
    limitRate: options.limitRate,
    verify: options.verify,
    journal,
  });
  let bytes = 0;
  for (const c of copied) bytes += c.bytes;
  let directories = 1;
  for (const a of plan.actions) if (a.kind === 'mkdir') directories++;
  return { files: copied.length, directories, bytes, skipped, ...(finished ? { finishedEarlier: finished } : {}) };
}

/** A whole-tree copy's plan (every file), in a function of its own so that its walk is garbage once it is made. */
async function copyPlan(
  runner: Runner,
  direction: 'download' | 'upload',
  remote: string,
  local: string,
  options: DirectoryTransferOptions,
  journal: Journal | undefined,
): Promise<Omit<Planned, 'algorithm'>> {
  const walking = walkOptions(options);
  const source = direction === 'download' ? await walkRemote(runner, remote, walking) : await walkLocal(local, walking);
  let plan = planMirror(source.entries, [], {
    all: true,
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
  });
  let finished: string[] | undefined;
  if (journal) {
    // Nothing on the target was listed: a download's file is looked at; an upload's is taken on the journal's word.
    ({ plan, finished } = await skipFinished(plan, journal, async (path, size) => (direction === 'upload' ? true : downloaded(localPath(local, path), size))));
  }
  return {
    plan,
    // Reported by where they are: on the server for a download, here for an upload.
    skipped: reported(source.skipped, options)
      .map((s) => ({ path: direction === 'download' ? remoteJoin(remote, s.path) : localPath(local, s.path), reason: s.reason }))
      .sort(byPath),
    finished,
  };
}

/** The call's journal, opened (read only for a dry run) and checked against the job, or undefined without one. */
async function openJournal(
  runner: Runner,
  kind: JournalJob['kind'],
  direction: JournalJob['direction'],
  remote: string,
  local: string,
  options: MirrorOptions | DirectoryTransferOptions,
): Promise<Journal | undefined> {
  if (options.journal === undefined) return undefined;
  return Journal.open(options.journal, jobOf(kind, direction, runner.origin, remote, local, options), { readOnly: 'dryRun' in options && options.dryRun === true });
}

/** Run `job`; a journal is removed once it succeeds, and kept (closed) for the next run when it fails. */
async function journaled<T>(journal: Journal | undefined, job: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await job();
  } catch (err) {
    await journal?.close();
    throw err;
  }
  await journal?.remove();
  return result;
}

/** What `skipped` reports: the entries the exclude globs do not leave alone, sorted by path. */
function reported(skipped: readonly SkippedEntry[], options: { readonly exclude?: readonly string[] }): SkippedEntry[] {
  const excluded = excludedBy(options.exclude);
  return skipped.filter((s) => !excluded(s.path)).sort(byPath);
}

/** Bad globs, bounds and limits are the caller's mistake: say so before anything is listed. */
function checkOptions(options: TreeOptions): void {
  for (const pattern of [...(options.include ?? []), ...(options.exclude ?? [])]) compileGlob(pattern);
  maxDepthOf(options);
  if (options.limitRate !== undefined) checkRate(options.limitRate);
  verifyMethodOf(options);
}

/** What both walks of a transfer take: links, the depth bound, and the folders `exclude` leaves alone. */
function walkOptions(options: TreeOptions): WalkOptions {
  return { ...signalOf(options), followSymlinks: options.followSymlinks, maxDepth: options.maxDepth, excluded: excludedBy(options.exclude) };
}

function signalOf(options: CallOptions): CallOptions {
  return options.signal ? { signal: options.signal } : {};
}
