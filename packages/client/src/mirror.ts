/**
 * `client.mirror()`: make a local tree a copy of a remote one, or the reverse, moving only what
 * changed.
 *
 * Theory of operation: walk both trees (remote names are checked before they become local paths;
 * symbolic links are skipped and reported), plan with {@link planMirror} (new files, other sizes,
 * newer times; with `checksum`, same-size files are decided by the server's checksum against the
 * local one), then carry the plan out in its order: directories first, copies, deletions last. A
 * downloaded file takes the server's time and an uploaded one gets its local time through MFMT
 * where the server has it, so the next mirror sees both as unchanged. One session, one file at a
 * time; `Pool` and the `ftpkit mirror --parallel` command move several at once.
 *
 * @module
 */
import type { HashAlgorithm } from '@ftpkit/codec';
import type { CallOptions, Client, Progress } from './client.js';
import { join, mkdir, rm, utimes } from './fs.js';
import { localChecksum } from './local-checksum.js';
import { applyChecksums, checksumCandidates, planMirror, type MirrorAction, type MirrorPlan } from './mirror-plan.js';
import { remotePath, walkLocal, walkRemote } from './trees.js';

/** What {@link Client.mirror} mirrors, and how. */
export interface MirrorOptions extends CallOptions {
  /** `download`: make `local` a copy of `remote`. `upload`: make `remote` a copy of `local`. */
  readonly direction: 'download' | 'upload';
  /** The remote directory ('' is the login directory). */
  readonly remote: string;
  /** The local directory; created when missing. */
  readonly local: string;
  /** Delete target entries the source lacks (a directory as a whole). Default false. */
  readonly delete?: boolean;
  /** Only files matching one of these globs (`*`, `**`, `?`, `[..]`, `{a,b}`). */
  readonly include?: readonly string[];
  /** Leave paths matching these globs alone on both sides. */
  readonly exclude?: readonly string[];
  /**
   * Decide same-size files by content: the server's checksum (HASH or an X command) against the
   * local file's. Rejects with `NotSupportedError` when the server has none. Default false.
   */
  readonly checksum?: boolean;
  /** Copy every file, changed or not (`ftpkit get -r`, `put -r`). Default false. */
  readonly all?: boolean;
  /** Plan only; change nothing. Default false. */
  readonly dryRun?: boolean;
  /** Progress of each copied file. */
  readonly onProgress?: (progress: Progress & { readonly path: string }) => void;
}

/** What {@link Client.mirror} did (or, with `dryRun`, would do). */
export interface MirrorResult {
  readonly plan: MirrorPlan;
  /** Files copied, with the bytes moved. Empty with `dryRun`. */
  readonly copied: readonly { readonly path: string; readonly bytes: number }[];
  /** Entries not mirrored (symbolic links, devices), with why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** The checksum algorithm used, with `checksum`. */
  readonly checksum?: HashAlgorithm;
}

/** @internal The body of {@link Client.mirror}. */
export async function runMirror(client: Client, options: MirrorOptions): Promise<MirrorResult> {
  const { direction, remote, local, signal } = options;
  const call = signal ? { signal } : {};
  const remoteTree = direction === 'upload' && !(await isDirectory(client, remote, call))
    ? { entries: [], skipped: [], exactTimes: true }
    : await walkRemote(client, remote, signal);
  const localTree = await walkLocal(local);
  const [source, target] = direction === 'download' ? [remoteTree, localTree] : [localTree, remoteTree];
  let plan = planMirror(source.entries, target.entries, {
    ...(options.delete ? { delete: true } : {}),
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.all ? { all: true } : {}),
    // `ls -l` times are to the minute: a smaller difference is noise.
    toleranceMs: remoteTree.exactTimes ? 1000 : 60_000,
  });
  let algorithm: HashAlgorithm | undefined;
  if (options.checksum) {
    const differ = new Set<string>();
    for (const path of checksumCandidates(plan)) {
      const theirs = await client.checksum(remotePath(remote, path), { ...call, ...(algorithm ? { algorithm } : {}) });
      algorithm = theirs.algorithm;
      if ((await localChecksum(localPath(local, path), algorithm)) !== theirs.hash) differ.add(path);
    }
    plan = applyChecksums(plan, source.entries, differ);
  }
  const skipped = remoteTree.skipped;
  const result = (copied: { path: string; bytes: number }[]): MirrorResult => ({ plan, copied, skipped, ...(algorithm ? { checksum: algorithm } : {}) });
  if (options.dryRun) return result([]);

  if (direction === 'upload' && remote !== '') await client.mkdir(remote, { ...call, recursive: true });
  if (direction === 'download') await mkdir(local, { recursive: true });
  const copied: { path: string; bytes: number }[] = [];
  for (const action of plan.actions) await apply(client, options, action, copied);
  return result(copied);
}

async function apply(client: Client, options: MirrorOptions, action: MirrorAction, copied: { path: string; bytes: number }[]): Promise<void> {
  const { direction, signal } = options;
  const call = signal ? { signal } : {};
  const remote = remotePath(options.remote, action.path);
  const local = localPath(options.local, action.path);
  if (action.kind === 'mkdir') {
    if (direction === 'download') await mkdir(local, { recursive: true });
    else await client.mkdir(remote, { ...call, recursive: true });
    return;
  }
  if (action.kind === 'delete') {
    if (direction === 'download') await rm(local, { recursive: true, force: true });
    else if (action.type === 'directory') await client.rmdir(remote, { ...call, recursive: true });
    else await client.remove(remote, call);
    return;
  }
  const onProgress = options.onProgress;
  const progress = onProgress ? { onProgress: (p: Progress) => onProgress({ ...p, path: action.path }) } : {};
  if (direction === 'download') {
    const { bytes } = await client.download(remote, local, { ...call, ...progress });
    if (action.modifiedAt) await utimes(local, action.modifiedAt, action.modifiedAt);
    copied.push({ path: action.path, bytes });
  } else {
    const { bytes } = await client.upload(local, remote, { ...call, ...progress });
    // Best effort: a server that refuses MFMT only costs a needless copy next time.
    if (action.modifiedAt && client.features.has('MFMT')) await client.setLastModified(remote, action.modifiedAt, call).catch(() => undefined);
    copied.push({ path: action.path, bytes });
  }
}

function localPath(root: string, relative: string): string {
  return join(root, ...relative.split('/'));
}

async function isDirectory(client: Client, path: string, call: CallOptions): Promise<boolean> {
  if (path === '' || path === '/') return true;
  try {
    return (await client.stat(path, call)).type === 'directory';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_FTP_REPLY' || code === 'ERR_FTP_NOT_FOUND') return false;
    throw error;
  }
}

