/**
 * The one executor of tree transfers: it carries out a {@link MirrorPlan} over a {@link Runner}.
 *
 * Theory of operation: the plan's order is kept where it matters and relaxed where it does not. The
 * actions are cut into batches of one kind (and, for folders, one depth): the creations of one level
 * of folders, then all copies, then the deletions of one level. Each batch runs `concurrency` at a
 * time through `parallel.ts`'s fail-fast `runAll` (copies two at a time on a Client, one on the
 * session while the other finishes its local file or is set up ahead; the pool's size on a Pool; a
 * download's folders, which need no session, {@link LOCAL_AT_ONCE} at a time), and the next
 * batch starts only when it has settled, so a folder exists before anything goes into it and a
 * folder is deleted only after what was inside it. The target's root is made first.
 *
 * Besides the plan, a run keeps one result a copy (the list it returns, in plan order) and the
 * batches as indices into the plan's actions; progress totals are summed without a list.
 *
 * Each copy and deletion reports `onFile` as it starts and finishes; `onProgress` gets the bytes of
 * all copies together (and `limitRate` is one budget for all of them, driver/throttle.ts) (with `total` when every size is known) and the file that moved. A download can
 * take its source's time and an upload gets it with MFMT where the server has it (best effort), so a
 * later mirror sees both as unchanged. With `verify`, every copy is checked as a single transfer is
 * (ops/verify.ts): a download before its temporary file is renamed into place, an upload before
 * its time is set.
 *
 * Under the retry policy each step is retried on its own (retried.ts, retried-transfers.ts): a copy
 * resumes where its file stopped, a folder creation accepts the folder it made, a deletion checks
 * whether it happened, and only a step that fails for good fails the run.
 *
 * With a journal (journal.ts), each copy runs the same retried transfer, told what an earlier run
 * left: a download goes into its part file (io/sinks.ts `PartFile`) from the bytes kept there, an
 * upload's first attempt goes on as a retry of the earlier run's would; each copy is recorded as
 * finished once its transfer is done and its time set. The size a listing gave is the size
 * a download must reach: fewer bytes is a `ConnectionError`, retried like any lost connection.
 *
 * A download never writes through a symbolic link it finds inside the target (the target itself may
 * be one: the caller named it). Before the first write, every path the plan writes, and every folder
 * above it, is checked (one read per folder, io/fs.ts `refuseLinksIn`), and a link there is refused
 * (`LocalFileError`, `ELOOP`), so nothing is half-written; each folder is then made with a plain
 * mkdir that accepts only a real folder already there, which holds against a link put there in the
 * meantime, and a file is renamed into place, which replaces a link rather than following it.
 *
 * @module
 */
import type { CallOptions, FileEvent, MirrorAction, MirrorPlan, TreeProgress, VerifyMethod } from '../calls.js';
import { join, localFileError, lstat, makeFolder, mkdir, refuseLinksIn, rm, utimes } from '../io/fs.js';
import { PartFile, partFileOf } from '../io/sinks.js';
import { remoteJoin } from '../io/paths.js';
import { callLimit } from '../driver/throttle.js';
import type { Conn, Runner } from '../ops/conn.js';
import { makeDirectories, makeDirectory } from '../ops/dirs.js';
import { removed } from '../ops/took-effect.js';
import { setLastModified } from '../ops/upload.js';
import { runAll } from '../parallel.js';
import { checkedFirst, idempotent } from '../retried.js';
import { retriedDownload, retriedUpload } from '../retried-transfers.js';
import { feed, progressMeter, sumOrUndefined } from '../progress.js';
import { versionOf, type Journal } from './journal.js';
import { ancestors } from './plan.js';
import { removeTree } from './remove.js';

/** Where a plan is carried out, and what to report. */
export interface RunOptions extends CallOptions {
  readonly direction: 'download' | 'upload';
  /** The remote root ('' is the login directory). */
  readonly remote: string;
  /** The local root. */
  readonly local: string;
  /** Give each copy its source's modification time. */
  readonly keepTimes: boolean;
  readonly onProgress?: ((progress: TreeProgress) => void) | undefined;
  readonly onFile?: ((event: FileEvent) => void) | undefined;
  /** The depth bound of the removal of a remote folder (upload with `delete`). */
  readonly maxDepth?: number | undefined;
  /** The call's bandwidth limit, one budget for all its copies. */
  readonly limitRate?: number | undefined;
  /** Check each copy (ops/verify.ts); a download before it is renamed into place. */
  readonly verify?: VerifyMethod | false | undefined;
  /** The job's journal (journal.ts): each copy goes on from an earlier run's, and is recorded as it goes and once done. */
  readonly journal?: Journal | undefined;
}

/** Local file system calls at once: folders read for links, a download's folders made or removed. */
const LOCAL_AT_ONCE = 16;

type Copy = Extract<MirrorAction, { kind: 'copy' }>;

/** Carry `plan` out; resolves with the copies made, in plan order, and their bytes. */
export async function runPlan(runner: Runner, plan: MirrorPlan, options: RunOptions): Promise<{ path: string; bytes: number }[]> {
  const { direction, signal } = options;
  const call = signal ? { signal } : {};
  if (direction === 'download') {
    await refuseLinks(plan, options.local, signal);
    await mkdir(options.local, { recursive: true }).catch((err: unknown) => {
      throw localFileError(err, 'create the folder', options.local);
    });
  } else if (options.remote !== '') {
    await idempotent(runner, call, { call: 'mkdir', path: options.remote }, (conn) => makeDirectories(conn, options.remote, call));
  }

  const limit = callLimit(runner.limit, options.limitRate);
  // The copies' results, in plan order, filled in as each finishes: the one list the run keeps per file.
  const { actions } = plan;
  const copied: { path: string; bytes: number }[] = [];
  /** Where each action's result goes in `copied` (-1: not a copy). */
  const copyAt = new Int32Array(actions.length).fill(-1);
  for (const [i, action] of actions.entries()) {
    if (action.kind === 'copy') {
      copyAt[i] = copied.length;
      copied.push({ path: action.path, bytes: 0 });
    }
  }
  const meter = progressMeter(undefined, sumOrUndefined(copiesOf(actions, (c) => c.size)));
  // Copies ask for their session in plan order (see inPlanOrder).
  const turns = inPlanOrder();
  const step = (index: number, each: AbortSignal): Promise<void> => {
    const action = actions[index]!;
    // Taken before any await: steps start in plan order (parallel.ts runAll).
    const turn = turns.take(action.kind === 'copy');
    // A copy that ends before its call (a failure, an abort) lets the next one go too.
    return runStep(action, index, each, turn.inTurn).finally(turn.release);
  };
  const runStep = async (action: MirrorAction, index: number, each: AbortSignal, inTurn: InTurn): Promise<void> => {
    const at = { signal: each };
    const paced = { ...(limit ? { callLimit: limit } : {}), ...(options.verify ? { verify: options.verify } : {}) };
    const remote = remoteJoin(options.remote, action.path);
    const local = localPath(options.local, action.path);
    if (action.kind === 'mkdir') {
      if (direction === 'download') await makeFolder(local);
      else await idempotent(runner, at, { call: 'mkdir', path: remote }, (conn) => makeDirectory(conn, remote, at));
      return;
    }
    const event = { kind: action.kind, path: action.path, remote, local, size: action.kind === 'copy' ? action.size : undefined };
    options.onFile?.({ ...event, phase: 'start', bytes: 0 });
    let bytes = 0;
    if (action.kind === 'delete') {
      if (direction === 'download') {
        await rm(local, { recursive: true, force: true }).catch((err: unknown) => {
          throw localFileError(err, 'delete', local);
        });
      } else {
        const rmdir = (conn: Conn) => removeTree(conn, remote, { ...at, maxDepth: options.maxDepth });
        const dele = async (conn: Conn) => void (await conn.command('DELE', remote, at));
        await checkedFirst(runner, at, { call: action.type === 'directory' ? 'rmdir' : 'remove', path: remote }, action.type === 'directory' ? rmdir : dele, (conn) =>
          removed(conn, remote, at),
        );
      }
    } else {
      const onProgress = options.onProgress;
      const progress = onProgress ? { onProgress: feed(meter, (file) => onProgress({ ...meter.now(), path: action.path, file })) } : {};
      const time = options.keepTimes ? action.modifiedAt : undefined;
      const { journal } = options;
      const version = versionOf(action);
      if (direction === 'download') {
        // With a journal, into a part file that outlives the call (io/sinks.ts PartFile), from where an earlier run left it.
        let destination: string | PartFile = local;
        if (journal) {
          const held = journal.heldOf(action.path, version, await sizeOfPart(local));
          // Recorded before the first byte: a run killed before its first checkpoint then leaves a
          // part file the next run keeps (same boot), instead of one it must start over.
          if (held === 0) await journal.part(action.path, version, 0);
          destination = new PartFile(local, held, { size: action.size, time }, (done) => journal.part(action.path, version, done));
        }
        bytes = (await inTurn(() => retriedDownload(runner, remote, destination, { ...at, ...progress, ...paced, expectedSize: action.size }))).bytes;
        // A part file got its time before it was renamed into place.
        if (time && !journal) {
          await utimes(local, time, time).catch((err: unknown) => {
            throw localFileError(err, 'set the time of', local);
          });
        }
      } else {
        const upload = journal && {
          earlier: journal.uploadOf(action.path, version),
          begin: (before: number | undefined) => journal.upload(action.path, version, before),
        };
        bytes = (await inTurn(() => retriedUpload(runner, local, remote, 'STOR', { ...at, ...progress, ...paced, ...(upload ? { journal: upload } : {}) }))).bytes;
        // Best effort: a server that refuses MFMT only costs a needless copy next time.
        if (time) await runner.run(at, async (conn) => (conn.features.has('MFMT') ? setLastModified(conn, remote, time, at).catch(() => undefined) : undefined));
      }
      // Finished once its time is set too: a run killed before that goes on (REST at the end, then the time).
      await journal?.done(action.path, version);
      copied[copyAt[index]!]!.bytes = bytes;
    }
    options.onFile?.({ ...event, phase: 'finish', bytes });
  };
  for (const batch of batches(actions)) {
    const kind = actions[batch[0]!]?.kind;
    // Copies run in the transfer lane where the runner has one (lane.ts): the next file's setup goes out while one moves.
    // A download's folders are made and removed here, on no session: as many at once as the link checks.
    const atOnce = kind === 'copy' ? runner.transferConcurrency : direction === 'download' ? LOCAL_AT_ONCE : runner.concurrency;
    await runAll(batch, atOnce, signal, step);
  }
  return copied;
}

/** Start a copy's call once the copy before it has started its own. */
type InTurn = <T>(start: () => Promise<T>) => Promise<T>;

/**
 * Turns in plan order. Two copies run at once on a Client, and the local work before a copy's call
 * (a journal's record, a part file's size) must not let a later file take the session before an
 * earlier one: each copy starts its call only once the copy before it has started its own, or has
 * ended without one (`release`). Other actions take no turn.
 */
function inPlanOrder(): { take(isCopy: boolean): { inTurn: InTurn; release: () => void } } {
  let asked: Promise<void> = Promise.resolve();
  return {
    take(isCopy) {
      const turn = asked;
      let release: () => void = () => {};
      if (isCopy) asked = new Promise<void>((resolve) => (release = resolve));
      const inTurn: InTurn = async (start) => {
        try {
          await turn;
          return start();
        } finally {
          release();
        }
      };
      return { inTurn, release };
    },
  };
}

/** `pick` of each copy of `actions`, in order, without a list of the copies. */
function* copiesOf<T>(actions: readonly MirrorAction[], pick: (copy: Copy) => T): Generator<T> {
  for (const action of actions) if (action.kind === 'copy') yield pick(action);
}

/**
 * Refuse, before anything is written, a plan that would write through a symbolic link inside the
 * local target: at a path it creates or copies to, or at any folder above a path it touches.
 */
async function refuseLinks(plan: MirrorPlan, root: string, signal: AbortSignal | undefined): Promise<void> {
  const paths = new Set<string>();
  for (const action of plan.actions) {
    for (const folder of ancestors(action.path)) paths.add(folder);
    if (action.kind !== 'delete') paths.add(action.path);
  }
  // By folder: one read of a folder checks all its names (io/fs.ts refuseLinksIn).
  const byFolder = new Map<string, string[]>();
  for (const path of paths) {
    const cut = path.lastIndexOf('/');
    const folder = cut < 0 ? '' : path.slice(0, cut);
    const names = byFolder.get(folder);
    if (names) names.push(path.slice(cut + 1));
    else byFolder.set(folder, [path.slice(cut + 1)]);
  }
  await runAll([...byFolder], LOCAL_AT_ONCE, signal, ([folder, names]) => refuseLinksIn(localPath(root, folder), names));
}

/** Consecutive actions that may run at once, by index: all copies, or folders of one kind and one depth. */
function batches(actions: readonly MirrorAction[]): number[][] {
  const out: number[][] = [];
  for (const [i, action] of actions.entries()) {
    const last = out.at(-1);
    const first = last && actions[last[0]!];
    if (last && first && first.kind === action.kind && (action.kind === 'copy' || depth(first.path) === depth(action.path))) last.push(i);
    else out.push([i]);
  }
  return out;
}

function depth(path: string): number {
  return path.split('/').length;
}

/** The bytes of the part file an earlier run left for `local` (0: none). */
async function sizeOfPart(local: string): Promise<number> {
  const info = await lstat(partFileOf(local)).catch(() => undefined);
  return info?.isFile() ? info.size : 0;
}

/**
 * Whether a download of a journaled job is there as it finished: `local` is a file of `size` bytes
 * (when known), and its part file is gone (renamed into place, not cut short).
 */
export async function downloaded(local: string, size: number | undefined): Promise<boolean> {
  const [info, part] = await Promise.all([lstat(local).catch(() => undefined), lstat(partFileOf(local)).catch(() => undefined)]);
  return info?.isFile() === true && (size === undefined || info.size === size) && part === undefined;
}

/** A path relative to a tree's root (`/`-separated) as a local path under `root`. */
export function localPath(root: string, relative: string): string {
  return join(root, ...relative.split('/'));
}
