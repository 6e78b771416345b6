/**
 * The commands. Each one takes the parsed {@link Context}, prints human output as it goes (unless
 * `--json`), and returns the fields of its `--json` document.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, utimes } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FtpReplyError, isFtpError, remotePath, type Client, type ListingEntry, type MirrorAction, type Pool } from '@ftpkit/client';
import { LocalError, UsageError } from './exit-codes.js';
import type { ProgressReporter } from './progress.js';
import { isRemote, maskPassword, originKey, parseTarget, type RemoteTarget } from './target.js';
import type { Flags } from './cli.js';

/** What a command gets. */
export interface Context {
  readonly flags: Flags;
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  readonly signal: AbortSignal;
  readonly stdout: NodeJS.WritableStream;
  /** A line of human output on stdout (dropped with --json). */
  print(line: string): void;
  /** A line of commentary on stderr (dropped with --json and --quiet). */
  note(line: string): void;
  readonly progress: ProgressReporter;
  connect(target: RemoteTarget): Promise<Client>;
  /** The `--parallel` pool of sessions to the target's server (made once per server). */
  pool(target: RemoteTarget): Promise<Pool>;
}

type JsonFields = Record<string, unknown>;
type Command = (context: Context) => Promise<JsonFields>;

/** One finished transfer, as `--json` reports it. */
interface TransferRecord {
  readonly remote: string;
  readonly local: string;
  readonly bytes: number;
  readonly seconds: number;
  readonly resumedFrom?: number;
}

function arity(context: Context, name: string, min: number, max: number, shape: string): void {
  const n = context.args.length;
  if (n < min || n > max) throw new UsageError(`${name} takes ${shape}`);
}

// --- ls --------------------------------------------------------------------------------------

async function ls(context: Context): Promise<JsonFields> {
  arity(context, 'ls', 1, 1, 'one URL');
  const target = parseTarget(context.args[0]!);
  const client = await context.connect(target);
  let entries: ListingEntry[];
  try {
    entries = await client.list(target.path === '' ? undefined : target.path, { signal: context.signal });
  } catch (err) {
    // MLSD of a file is refused (RFC 3659 §7.2.1: MLSD lists directories only): show the file itself.
    if (!(err instanceof FtpReplyError) || target.path === '') throw err;
    const entry = await client.stat(target.path, { signal: context.signal }).catch(() => undefined);
    if (!entry || entry.type === 'directory') throw err;
    entries = [entry];
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const width = Math.max(1, ...entries.map((e) => String(e.size ?? '-').length));
  for (const e of entries) {
    const type = { file: '-', directory: 'd', symlink: 'l' }[e.type as string] ?? '?';
    const time = e.modifiedAt ? e.modifiedAt.toISOString().slice(0, 16).replace('T', ' ') : '                ';
    const name = e.type === 'directory' ? `${e.name}/` : e.target !== undefined ? `${e.name} -> ${e.target}` : e.name;
    context.print(`${type} ${String(e.size ?? '-').padStart(width)}  ${time}  ${name}`);
  }
  return { path: target.path, entries: entries.map(entryJson) };
}

function entryJson(e: ListingEntry): JsonFields {
  return {
    name: e.name,
    type: e.type,
    ...(e.size === undefined ? {} : { size: e.size }),
    ...(e.modifiedAt === undefined ? {} : { modifiedAt: e.modifiedAt.toISOString() }),
    ...(e.permissions === undefined ? {} : { permissions: e.permissions }),
    ...(e.target === undefined ? {} : { target: e.target }),
  };
}

// --- get, cat ----------------------------------------------------------------------------------

async function get(context: Context): Promise<JsonFields> {
  arity(context, 'get', 1, 2, 'a URL and an optional local path');
  const target = parseTarget(context.args[0]!);
  const localArg = context.args[1];
  if (context.flags.recursive) {
    if (localArg === '-') throw new UsageError('get -r cannot write a directory to stdout');
    const local = await localDestination(localArg, remoteBaseName(target.path) || '.');
    return treeTransfer(context, 'download', target, local, { all: true });
  }
  if (target.isDirectory) throw new UsageError(`${target.display} names a directory: use get -r for a directory`);
  const client = await context.connect(target);
  if (localArg === '-') return { transfers: [await downloadToStdout(context, client, target.path)] };
  const local = await localDestination(localArg, remoteBaseName(target.path));
  let startAt = 0;
  if (context.flags.resume) {
    const have = await stat(local).then((s) => s.size, () => 0);
    if (have > 0) {
      const size = await client.size(target.path, { signal: context.signal });
      if (have === size) {
        context.note(`${local}: already complete (${size} bytes)`);
        return { transfers: [{ remote: target.path, local, bytes: 0, seconds: 0, resumedFrom: have }] };
      }
      if (have > size) throw new LocalError(`${local} is larger (${have} bytes) than ${target.path} (${size} bytes): cannot resume`);
      startAt = have;
    }
  }
  return { transfers: [await downloadFile(context, client, target.path, local, startAt, target.path)] };
}

async function cat(context: Context): Promise<JsonFields> {
  arity(context, 'cat', 1, 1, 'one URL');
  if (context.flags.json) throw new UsageError('cat writes the file itself to stdout; --json does not apply');
  const target = parseTarget(context.args[0]!);
  const client = await context.connect(target);
  await downloadToStdout(context, client, target.path, true);
  return {};
}

async function downloadFile(context: Context, client: Client | Pool, remote: string, local: string, startAt: number, label: string): Promise<TransferRecord> {
  const meter = context.progress.start(label, undefined);
  const started = performance.now();
  try {
    const { bytes } = await client.download(remote, local, { signal: context.signal, startAt, onProgress: meter.update });
    meter.done(bytes);
    return { remote, local, bytes, seconds: elapsed(started), ...(startAt > 0 ? { resumedFrom: startAt } : {}) };
  } catch (err) {
    meter.fail();
    throw err;
  }
}

async function downloadToStdout(context: Context, client: Client, remote: string, silent = false): Promise<TransferRecord> {
  const out = context.stdout;
  const started = performance.now();
  let broken: unknown;
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolveWrite, reject) => {
      if (broken) return reject(broken);
      if (out.write(chunk)) resolveWrite();
      else out.once('drain', resolveWrite);
    });
  // A closed pipe (`ftpkit cat URL | head`) ends the transfer quietly.
  const stop = new AbortController();
  const onError = (err: NodeJS.ErrnoException) => {
    broken = err;
    stop.abort(err);
  };
  out.on('error', onError);
  try {
    const meter = silent ? { update: () => {}, done: () => {}, fail: () => {} } : context.progress.start(remote, undefined);
    const { bytes } = await client
      .download(remote, write, { signal: AbortSignal.any([context.signal, stop.signal]), ...(silent ? {} : { onProgress: meter.update }) })
      .catch((err: unknown) => {
        meter.fail();
        throw err;
      });
    meter.done(bytes);
    return { remote, local: '-', bytes, seconds: elapsed(started) };
  } catch (err) {
    if ((broken as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return { remote, local: '-', bytes: 0, seconds: elapsed(started) };
    throw err;
  } finally {
    out.off('error', onError);
  }
}

// --- put ---------------------------------------------------------------------------------------

async function put(context: Context): Promise<JsonFields> {
  if (context.args.length < 2) throw new UsageError('put takes one or more local paths and a URL');
  const sources = context.args.slice(0, -1);
  const target = parseTarget(context.args.at(-1)!);
  const client = await context.connect(target);
  const intoDirectory = target.isDirectory || sources.length > 1 || (await isRemoteDirectory(client, target.path, context.signal));
  const transfers: TransferRecord[] = [];
  const trees: JsonFields[] = [];
  for (const source of sources) {
    const info = await stat(source).catch(() => {
      throw new LocalError(`No such local file: ${source}`, 'ENOENT');
    });
    const remote = intoDirectory ? remotePath(target.path, basename(resolve(source))) : target.path;
    if (info.isDirectory()) {
      if (!context.flags.recursive) throw new UsageError(`${source} is a directory: use put -r`);
      trees.push(await treeTransfer(context, 'upload', { ...target, path: remote }, source, { all: true }));
      continue;
    }
    if (intoDirectory && target.path !== '') await client.mkdir(target.path, { recursive: true, signal: context.signal });
    let startAt = 0;
    if (context.flags.resume) {
      const have = await client.size(remote, { signal: context.signal }).catch((err: unknown) => {
        if (err instanceof FtpReplyError) return 0;
        throw err;
      });
      if (have === info.size) {
        context.note(`${remote}: already complete (${have} bytes)`);
        transfers.push({ remote, local: source, bytes: 0, seconds: 0, resumedFrom: have });
        continue;
      }
      if (have > info.size) throw new LocalError(`${remote} is larger (${have} bytes) than ${source} (${info.size} bytes): cannot resume`);
      startAt = have;
    }
    transfers.push(await uploadFile(context, client, source, remote, startAt, source));
  }
  return { transfers: [...transfers, ...trees.flatMap((t) => t['transfers'] as TransferRecord[])] };
}

async function uploadFile(context: Context, client: Client | Pool, local: string, remote: string, startAt: number, label: string): Promise<TransferRecord> {
  const meter = context.progress.start(label, undefined);
  const started = performance.now();
  try {
    // RFC 3659 §5: only a server that lists `REST STREAM` in FEAT promises REST before STOR (ftp-srv
    // answers REST but truncates on STOR). Elsewhere resume by appending the rest of the file (APPE).
    const { bytes } =
      startAt > 0 && 'features' in client && !client.features.has('REST')
        ? await client.append(createReadStream(local, { start: startAt }), remote, { signal: context.signal, onProgress: meter.update })
        : await client.upload(local, remote, { signal: context.signal, startAt, onProgress: meter.update });
    meter.done(bytes);
    return { remote, local, bytes, seconds: elapsed(started), ...(startAt > 0 ? { resumedFrom: startAt } : {}) };
  } catch (err) {
    meter.fail();
    throw err;
  }
}

async function isRemoteDirectory(client: Client, path: string, signal: AbortSignal): Promise<boolean> {
  if (path === '' || path === '/') return true;
  try {
    return (await client.stat(path, { signal })).type === 'directory';
  } catch (err) {
    if (isFtpError(err) && (err.code === 'ERR_FTP_REPLY' || err.code === 'ERR_FTP_NOT_FOUND')) return false;
    throw err;
  }
}

// --- rm, mkdir, rmdir, mv ------------------------------------------------------------------------

async function rmCommand(context: Context): Promise<JsonFields> {
  if (context.args.length === 0) throw new UsageError('rm takes one or more URLs');
  const removed: string[] = [];
  for (const arg of context.args) {
    const target = parseTarget(arg);
    const client = await context.connect(target);
    if (context.flags.recursive && (await isRemoteDirectory(client, target.path, context.signal))) {
      await client.rmdir(target.path, { recursive: true, signal: context.signal });
    } else {
      await client.remove(target.path, { signal: context.signal });
    }
    removed.push(target.path);
    context.note(`removed ${target.path}`);
  }
  return { paths: removed };
}

async function mkdirCommand(context: Context): Promise<JsonFields> {
  if (context.args.length === 0) throw new UsageError('mkdir takes one or more URLs');
  const created: string[] = [];
  for (const arg of context.args) {
    const target = parseTarget(arg);
    const client = await context.connect(target);
    await client.mkdir(target.path, { recursive: context.flags.parents, signal: context.signal });
    created.push(target.path);
    context.note(`created ${target.path}`);
  }
  return { paths: created };
}

async function rmdirCommand(context: Context): Promise<JsonFields> {
  if (context.args.length === 0) throw new UsageError('rmdir takes one or more URLs');
  const removed: string[] = [];
  for (const arg of context.args) {
    const target = parseTarget(arg);
    const client = await context.connect(target);
    await client.rmdir(target.path, { recursive: context.flags.recursive, signal: context.signal });
    removed.push(target.path);
    context.note(`removed ${target.path}`);
  }
  return { paths: removed };
}

async function mv(context: Context): Promise<JsonFields> {
  arity(context, 'mv', 2, 2, 'a URL and a destination');
  const source = parseTarget(context.args[0]!);
  const destArg = context.args[1]!;
  let to: string;
  if (isRemote(destArg)) {
    const dest = parseTarget(destArg);
    if (originKey(dest.options) !== originKey(source.options)) {
      throw new UsageError(`mv renames on one server: ${maskPassword(destArg)} is not on the server of ${source.display}`);
    }
    to = dest.path;
  } else if (destArg.startsWith('/')) {
    to = destArg;
  } else {
    const slash = source.path.lastIndexOf('/');
    to = slash === -1 ? destArg : `${source.path.slice(0, slash + 1)}${destArg}`;
  }
  if (source.path === '') throw new UsageError('mv needs a file or directory, not the login directory');
  const client = await context.connect(source);
  await client.rename(source.path, to, { signal: context.signal });
  context.note(`renamed ${source.path} -> ${to}`);
  return { from: source.path, to };
}

// --- mirror and recursive transfers --------------------------------------------------------------

async function mirror(context: Context): Promise<JsonFields> {
  arity(context, 'mirror', 2, 2, 'a URL and a local directory (download) or a local directory and a URL (upload)');
  const [a, b] = context.args as [string, string];
  if (isRemote(a) === isRemote(b)) throw new UsageError('mirror needs exactly one URL and one local directory');
  if (isRemote(a)) return treeTransfer(context, 'download', parseTarget(a), b, {});
  return treeTransfer(context, 'upload', parseTarget(b), a, {});
}

async function treeTransfer(
  context: Context,
  direction: 'download' | 'upload',
  target: RemoteTarget,
  localRoot: string,
  options: { all?: boolean },
): Promise<JsonFields> {
  const { flags, signal } = context;
  const client = await context.connect(target);
  const remoteRoot = target.path;
  if (direction === 'upload' && !(await stat(localRoot).then((s) => s.isDirectory(), () => false))) {
    throw new LocalError(`No such local directory: ${localRoot}`, 'ENOENT');
  }
  // The client walks both trees and plans (checksums included); this command carries the plan out
  // with progress meters, and --parallel sessions.
  const { plan, skipped, checksum } = await client.mirror({
    direction,
    remote: remoteRoot,
    local: localRoot,
    delete: flags.delete,
    include: flags.include,
    exclude: flags.exclude,
    checksum: flags.checksum,
    all: options.all ?? false,
    dryRun: true,
    signal,
  });
  const transfers: TransferRecord[] = [];
  const applied: JsonFields[] = [];
  const describe = (a: MirrorAction) =>
    a.kind === 'copy' ? `${direction === 'download' ? 'get' : 'put'} ${a.path} (${a.reason})` : `${a.kind} ${a.path}`;
  if (flags.dryRun) {
    for (const action of plan.actions) context.print(`would ${describe(action)}`);
    context.print(`plan: ${plan.actions.length} action(s), ${plan.unchanged.length} file(s) unchanged`);
  } else {
    if (direction === 'upload' && remoteRoot !== '') await client.mkdir(remoteRoot, { recursive: true, signal });
    if (direction === 'download') await mkdir(localRoot, { recursive: true });
    const copyFile = async (action: MirrorAction & { kind: 'copy' }, session: Client | Pool, ctx: Context) => {
      const remote = remotePath(remoteRoot, action.path);
      const local = join(localRoot, ...action.path.split('/'));
      if (direction === 'download') {
        transfers.push(await downloadFile(ctx, session, remote, local, 0, action.path));
        // Keep the server's time so the next mirror sees the file as unchanged.
        if (action.modifiedAt) await utimes(local, action.modifiedAt, action.modifiedAt);
      } else {
        transfers.push(await uploadFile(ctx, session, local, remote, 0, action.path));
        if (action.modifiedAt && client.features.has('MFMT')) {
          await session.setLastModified(remote, action.modifiedAt, { signal: ctx.signal }).catch(() => undefined);
        }
      }
      applied.push({ ...action, ...(action.modifiedAt ? { modifiedAt: action.modifiedAt.toISOString() } : {}) });
    };
    const copies = plan.actions.filter((a): a is MirrorAction & { kind: 'copy' } => a.kind === 'copy');
    const pool = flags.parallel > 1 && copies.length > 1 ? await context.pool(target) : undefined;
    for (const action of plan.actions) {
      const remote = remotePath(remoteRoot, action.path);
      const local = join(localRoot, ...action.path.split('/'));
      if (action.kind === 'copy' && pool) {
        // The planner puts every copy after the creations and before the deletions: run them all
        // now, --parallel at a time, over the pool's sessions.
        if (action === copies[0]) {
          const [t0, a0] = [transfers.length, applied.length];
          await inParallel(copies, flags.parallel, signal, (copy, each) => copyFile(copy, pool, { ...context, signal: each }));
          // Report in plan order, not in the order the transfers happened to end.
          const byPath = new Map(copies.map((c, i) => [c.path, i]));
          const byRemote = new Map(copies.map((c, i) => [remotePath(remoteRoot, c.path), i]));
          transfers.splice(t0, Infinity, ...transfers.slice(t0).sort((x, y) => (byRemote.get(x.remote) ?? 0) - (byRemote.get(y.remote) ?? 0)));
          applied.splice(a0, Infinity, ...applied.slice(a0).sort((x, y) => (byPath.get(String(x['path'])) ?? 0) - (byPath.get(String(y['path'])) ?? 0)));
        }
        continue;
      }
      if (action.kind === 'mkdir') {
        if (direction === 'download') await mkdir(local, { recursive: true });
        else await client.mkdir(remote, { recursive: true, signal });
        applied.push({ ...action });
      } else if (action.kind === 'delete') {
        if (direction === 'download') await rm(local, { recursive: true, force: true });
        else if (action.type === 'directory') await client.rmdir(remote, { recursive: true, signal });
        else await client.remove(remote, { signal });
        context.note(`deleted ${action.path}`);
        applied.push({ ...action });
      } else {
        await copyFile(action, client, context);
      }
    }
  }
  for (const s of skipped) context.note(`skipped ${s.path}: ${s.reason}`);
  for (const c of plan.conflicts) context.note(`skipped ${c}: a file on one side, a directory on the other (use --delete to replace)`);
  const bytes = transfers.reduce((n, t) => n + t.bytes, 0);
  if (!flags.dryRun) {
    context.note(`${direction === 'download' ? 'downloaded' : 'uploaded'} ${transfers.length} file(s), ${bytes} bytes; ${plan.unchanged.length} unchanged`);
  }
  return {
    direction,
    remote: remoteRoot,
    local: localRoot,
    dryRun: flags.dryRun,
    ...(checksum ? { checksum } : {}),
    actions: flags.dryRun ? plan.actions.map(actionJson) : applied,
    transfers,
    unchanged: plan.unchanged,
    conflicts: plan.conflicts,
    skipped,
  };
}

/**
 * Run `fn` over `items`, `limit` at a time. Fail fast: the first failure aborts the others (through
 * the signal each one gets) and, once all have stopped, is what this rejects with.
 */
async function inParallel<T>(items: readonly T[], limit: number, signal: AbortSignal, fn: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const each = AbortSignal.any([signal, stop.signal]);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure && !each.aborted) {
      const item = items[next++] as T;
      try {
        await fn(item, each);
      } catch (error) {
        failure ??= { error };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  if (signal.aborted) throw signal.reason;
}

function actionJson(a: MirrorAction): JsonFields {
  return a.kind === 'copy' && a.modifiedAt ? { ...a, modifiedAt: a.modifiedAt.toISOString() } : { ...a };
}


// --- helpers -----------------------------------------------------------------------------------

/** The last segment of a remote path. */
function remoteBaseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Where a download goes: `arg` (inside it when it is a directory), else `name` in the cwd. */
async function localDestination(arg: string | undefined, name: string): Promise<string> {
  if (name === '' || name === '.' || name === '..') name = '.';
  if (arg === undefined) return name;
  const isDir = arg.endsWith('/') || (await stat(arg).then((s) => s.isDirectory(), () => false));
  return isDir && name !== '.' ? join(arg, name) : arg;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started) / 1000;
}

/** Every command, by name. */
export const COMMANDS = {
  ls,
  get,
  put,
  cat,
  rm: rmCommand,
  mkdir: mkdirCommand,
  rmdir: rmdirCommand,
  mv,
  mirror,
} satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;
