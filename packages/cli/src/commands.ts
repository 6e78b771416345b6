// Why this file is long: one function per command of the CLI, each with the fields of its --json document.
/**
 * The commands. Each one takes the parsed {@link Context}, prints human output as it goes (unless
 * `--json`), and returns the fields of its `--json` document.
 *
 * @module
 */
// Why this file is long: one function per command, with the helpers they share (watch has its own file).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FtpReplyError, lending, remotePath, type Client, type FileEvent, type ListingEntry, type MirrorAction, type Pool } from '@ftpkit/client';
import type { Context, TransferRecord } from './context.js';
import { entryJson, entryLines } from './entries.js';
import { LocalError, UsageError } from './exit-codes.js';
import { journalOf } from './journal.js';
import type { TransferMeter } from './progress.js';
import { isRemote, maskPassword, originKey, parseTarget, type RemoteTarget } from './target.js';
import { cert } from './cert.js';
import { doctor } from './doctor.js';
import { watch } from './watch.js';

type JsonFields = Record<string, unknown>;
type Command = (context: Context) => Promise<JsonFields>;

function arity(context: Context, name: string, min: number, max: number, shape: string): void {
  const n = context.args.length;
  if (n < min || n > max) throw new UsageError(`${name} takes ${shape}`);
}

// --- ls --------------------------------------------------------------------------------------

async function ls(context: Context): Promise<JsonFields> {
  arity(context, 'ls', 1, 1, 'one URL');
  const target = parseTarget(context.args[0]!);
  const client = await context.connect(target);
  if (context.flags.names) {
    // NLST: names only, for servers whose LIST no parser reads; sorted as the listing is (by UTF-16 units).
    const names = (await client.names(target.path === '' ? undefined : target.path, { signal: context.signal })).sort();
    for (const name of names) context.print(name);
    return { path: target.path, names };
  }
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
  for (const line of entryLines(entries, client.listTimeZone)) context.print(line);
  return { path: target.path, entries: entries.map(entryJson) };
}

// --- get, cat ----------------------------------------------------------------------------------

async function get(context: Context): Promise<JsonFields> {
  arity(context, 'get', 1, 2, 'a URL and an optional local path');
  const target = parseTarget(context.args[0]!);
  const localArg = context.args[1];
  if (context.flags.recursive) {
    if (localArg === '-') throw new UsageError('get -r cannot write a directory to stdout');
    if (context.flags.resume) throw new UsageError('get -r resumes with --continue, not --resume');
    let local = await localDestination(localArg, remoteBaseName(target.path) || '.');
    // The run that is to go on made LOCAL itself: going on means going on there, not inside it.
    if (localArg !== undefined && local !== localArg && (await journalExists(context, 'download', target, localArg))) local = localArg;
    return treeTransfer(context, 'download', target, local, { all: true });
  }
  if (context.flags.continue) throw new UsageError('--continue is for mirror, get -r and put -r; a single file resumes with --resume');
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
    const { bytes } = await client.download(remote, local, { signal: context.signal, startAt, onProgress: meter.update, ...verifyOf(context) });
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
  // A closed pipe (`ftpkit cat URL | head`) ends the transfer quietly.
  const stop = new AbortController();
  const onError = (err: NodeJS.ErrnoException) => {
    broken ??= err;
    stop.abort(err);
  };
  // The process's standard output has handed a chunk to the system by the time its write's callback
  // runs, so the chunk is only lent to it (the transport reads into that memory again). Another
  // stream may keep what it is given, and keeps it.
  const lend = out === process.stdout;
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolveWrite, reject) => {
      if (broken) return reject(broken);
      if (lend) {
        out.write(chunk, (err?: Error | null) => {
          if (!err) return resolveWrite();
          onError(err);
          reject(err);
        });
      } else if (out.write(chunk)) resolveWrite();
      else out.once('drain', resolveWrite);
    });
  out.on('error', onError);
  try {
    const meter = silent ? { update: () => {}, done: () => {}, fail: () => {} } : context.progress.start(remote, undefined);
    const { bytes } = await client
      .download(remote, lend ? lending(write) : write, { signal: AbortSignal.any([context.signal, stop.signal]), ...(silent ? {} : { onProgress: meter.update }), ...verifyOf(context) })
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
  if (context.flags.journal !== undefined && sources.length > 1) throw new UsageError('--journal names the journal of one job: put -r one directory at a time, or use --continue alone');
  const target = parseTarget(context.args.at(-1)!);
  const client = await context.connect(target);
  const intoDirectory = target.isDirectory || sources.length > 1 || (await client.isDirectory(target.path, { signal: context.signal }));
  const transfers: TransferRecord[] = [];
  const trees: JsonFields[] = [];
  for (const source of sources) {
    const info = await stat(source).catch(() => {
      throw new LocalError(`No such local file: ${source}`, 'ENOENT');
    });
    let remote = intoDirectory ? remotePath(target.path, basename(resolve(source))) : target.path;
    // The run that is to go on made the URL's folder itself: go on there, not inside it.
    if (info.isDirectory() && remote !== target.path && !target.isDirectory && (await journalExists(context, 'upload', target, source))) remote = target.path;
    if (!info.isDirectory() && context.flags.continue) throw new UsageError('--continue is for mirror, get -r and put -r; a single file resumes with --resume');
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
        ? await client.append(createReadStream(local, { start: startAt }), remote, { signal: context.signal, onProgress: meter.update, ...verifyOf(context) })
        : await client.upload(local, remote, { signal: context.signal, startAt, onProgress: meter.update, ...verifyOf(context) });
    meter.done(bytes);
    return { remote, local, bytes, seconds: elapsed(started), ...(startAt > 0 ? { resumedFrom: startAt } : {}) };
  } catch (err) {
    meter.fail();
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
    if (context.flags.recursive && (await client.isDirectory(target.path, { signal: context.signal }))) {
      await client.rmdir(target.path, { recursive: true, signal: context.signal, maxDepth: context.flags.maxDepth });
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
    await client.rmdir(target.path, { recursive: context.flags.recursive, signal: context.signal, maxDepth: context.flags.maxDepth });
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
  if (direction === 'upload' && !(await stat(localRoot).then((s) => s.isDirectory(), () => false))) {
    throw new LocalError(`No such local directory: ${localRoot}`, 'ENOENT');
  }
  const journal = journalOf(flags, { direction, target, local: localRoot, all: options.all ?? false });
  // The client's mirror does it all (listings, checksums, copies, deletions); with --parallel, over
  // the pool's sessions. This command only reports: a progress line per running copy, then a summary.
  const remote: Client | Pool = flags.parallel > 1 ? await context.pool(target) : await context.connect(target);
  const running = new Map<string, { readonly meter: TransferMeter; readonly started: number }>();
  // A record of every copy only for --json, which lists them; otherwise their count and bytes, so
  // that memory does not grow with the number of files.
  const finished = new Map<string, TransferRecord>();
  const copied = { files: 0, bytes: 0 };
  const onFile = (event: FileEvent): void => {
    if (event.kind === 'delete') {
      if (event.phase === 'finish') context.note(`deleted ${event.path}`);
    } else if (event.phase === 'start') {
      running.set(event.path, { meter: context.progress.start(event.path, event.size), started: performance.now() });
    } else {
      const copy = running.get(event.path);
      running.delete(event.path);
      copy?.meter.done(event.bytes);
      copied.files++;
      copied.bytes += event.bytes;
      if (flags.json) finished.set(event.path, { remote: event.remote, local: event.local, bytes: event.bytes, seconds: copy ? elapsed(copy.started) : 0 });
    }
  };
  const { plan, skipped, checksum, finishedEarlier } = await remote
    .mirror({
      direction,
      remote: target.path,
      local: localRoot,
      delete: flags.delete,
      include: flags.include,
      exclude: flags.exclude,
      checksum: flags.checksum,
      ...verifyOf(context),
      all: options.all ?? false,
      dryRun: flags.dryRun,
      maxDepth: flags.maxDepth,
      ...(journal ? { journal } : {}),
      signal,
      onFile,
      onProgress: (p) => running.get(p.path)?.meter.update(p.file),
    })
    .catch((err: unknown) => {
      for (const copy of running.values()) copy.meter.fail();
      throw err;
    });
  const describe = (a: MirrorAction) =>
    a.kind === 'copy' ? `${direction === 'download' ? 'get' : 'put'} ${a.path} (${a.reason})` : `${a.kind} ${a.path}`;
  if (flags.dryRun) {
    for (const action of plan.actions) context.print(`would ${describe(action)}`);
    context.print(`plan: ${plan.actions.length} action(s), ${plan.unchanged.length} file(s) unchanged`);
  }
  for (const s of skipped) context.note(`skipped ${s.path}: ${s.reason}`);
  for (const c of plan.conflicts) context.note(`skipped ${c}: a file on one side, a directory on the other (use --delete to replace)`);
  if (finishedEarlier && finishedEarlier.length > 0) context.note(`continued: ${finishedEarlier.length} file(s) finished by an earlier run, not copied again`);
  if (!flags.dryRun) {
    context.note(`${direction === 'download' ? 'downloaded' : 'uploaded'} ${copied.files} file(s), ${copied.bytes} bytes; ${plan.unchanged.length} unchanged`);
  }
  const fields = {
    direction,
    remote: target.path,
    local: localRoot,
    dryRun: flags.dryRun,
    ...(checksum ? { checksum } : {}),
    ...(journal ? { journal, finishedEarlier: finishedEarlier ?? [] } : {}),
  };
  // The lists of every action and copy only for --json, the one reader of them.
  if (!flags.json) return fields;
  return {
    ...fields,
    actions: plan.actions.map(actionJson),
    // Reported in plan order, not in the order the copies happened to end.
    transfers: plan.actions.flatMap((a) => (a.kind === 'copy' ? (finished.get(a.path) ?? []) : [])),
    unchanged: plan.unchanged,
    conflicts: plan.conflicts,
    skipped,
  };
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

/** Whether `--continue` has a journal to go on from for this tree copy (`get -r`, `put -r`). */
async function journalExists(context: Context, direction: 'download' | 'upload', target: RemoteTarget, local: string): Promise<boolean> {
  const journal = journalOf(context.flags, { direction, target, local, all: true });
  return journal !== undefined && (await stat(journal).then((s) => s.isFile(), () => false));
}

/** `--verify` as the client's `verify` option. */
function verifyOf(context: Context): { readonly verify?: 'size' | 'checksum' } {
  return context.flags.verify ? { verify: context.flags.verify } : {};
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
  watch,
  cert,
  doctor,
} satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;
