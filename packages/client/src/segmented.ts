/**
 * Segmented downloads (lftp's `pget -n`): one file fetched as N byte ranges at once, each on its own
 * session, written at its offset into one local file.
 *
 * Theory of operation: one session asks SIZE (and MDTM, to notice a changed file) and checks that the
 * server does REST (RFC 3659 §5, advertised in FEAT). The file is cut into N equal ranges. Each range
 * is a RETR with `REST start`; its sink writes at the range's offset and, once the range's last byte
 * is in, throws a private sentinel: the driver answers a failing sink with ABOR and keeps the session
 * usable, so "stop reading here" needs nothing new from the client. The last range simply reads to
 * the end, and its 226 is the call's reply.
 *
 * Safety: the bytes go to `.<name>.segments.ftpkit-part` beside the target (the name shortened to
 * fit where it must, io/paths.ts `sideName`) and are renamed into place only when every range is
 * complete, so a failure never leaves a file that looks whole. Beside it,
 * `.<name>.segments.ftpkit-state` (JSON) records each range's progress, written when a range finishes
 * and when the call fails. The next call for the same target finds it and fetches only what is
 * missing, provided the remote path, size and modification time still match; anything else (no
 * state, unreadable state, a changed file) starts over. Progress is counted only after a positional
 * write has completed, so the state never claims bytes the part file does not hold. A `limitRate`
 * is one budget for all the ranges together (driver/throttle.ts), under the Pool's. With `verify`,
 * the whole part file is checked once every range is in (ops/verify.ts; the ranges arrive out of
 * order, so the file is read once for a checksum), before it is renamed: a mismatch deletes the
 * part file and its state, so the next call starts over.
 *
 * Under the retry policy each range is retried on its own, on any healthy session, from where it
 * stopped: a range's writes count only while its attempt runs, so a write still finishing after a
 * failed attempt never moves the offset the next attempt starts from.
 *
 * @module
 */
import { FtpReplyError, parseMdtmReply, RemoteProtocolError, type Reply } from '@ftpkit/codec';
import type { CallOptions, TransferOptions, TransferResult } from './calls.js';
import { basename, dirname, join, localFileError, open, rename, stat, unlink, type FileHandle } from './io/fs.js';
import { sideName } from './io/paths.js';
import { recyclingDestination, writeAllAt } from './io/sinks.js';
import { callLimit, type RateLimit } from './driver/throttle.js';
import type { Conn, Runner } from './ops/conn.js';
import { download, sizeOrUndefined } from './ops/download.js';
import { finishVerify, startVerify, verifyMethodOf } from './ops/verify.js';
import { VerifyError } from './errors.js';
import { runAll } from './parallel.js';
import { progressMeter } from './progress.js';
import { idempotent } from './retried.js';
import { hooksOf, retriedDownload } from './retried-transfers.js';
import { retrying } from './retry.js';

/**
 * Smallest range worth its own session: 1 MiB, lftp's `pget:min-chunk-size` default. Below that the
 * extra connection and ABOR cost more than the parallelism gains.
 */
const MIN_SEGMENT = 1024 * 1024;

/**
 * Unread bytes all the ranges of one call may leave in their transports together: 8 MiB, split
 * evenly, but no less than {@link MIN_READ_AHEAD} per range. Each transport otherwise holds up to
 * 4 MiB (plus one read) per connection when the file is written more slowly than the network brings
 * it, which for 8 ranges was 46 MB of queued chunks and 79 MB of read memory on Node
 * (packages/bench/RESULTS.md, issue 21). TCP flow control holds the server back instead.
 */
export const READ_AHEAD_BUDGET = 4 * 1024 * 1024;
/** See {@link READ_AHEAD_BUDGET}: 256 KiB, a few reads' worth, so a range never starves between reads. */
const MIN_READ_AHEAD = 256 * 1024;

interface Range {
  readonly start: number;
  readonly end: number;
  /** Bytes of this range already written to the part file. */
  done: number;
}

/** What the state file holds. */
interface State {
  readonly version: 1;
  readonly remote: string;
  readonly size: number;
  /** MDTM as ISO text, or null when the server has none. */
  readonly modified: string | null;
  readonly ranges: Range[];
  /** The last range's final reply, once it has come. */
  reply: Reply | null;
}

/** Thrown by a range's sink when the range is complete: the transfer is then aborted on purpose. */
class RangeComplete {}

/** Download `remote` to the file `local` in up to `segments` parallel ranges. */
export async function segmentedDownload(
  runner: Runner,
  remote: string,
  local: string,
  options: Omit<TransferOptions, 'startAt' | 'mode'> & { readonly segments: number },
): Promise<TransferResult> {
  const { segments, signal, onProgress } = options;
  const call = signal ? { signal } : {};
  const limit = callLimit(runner.limit, options.limitRate);
  const paced = limit ? { callLimit: limit } : {};
  const method = verifyMethodOf(options);
  const probe = await idempotent(runner, call, { call: 'size', path: remote }, (conn) => {
    if (method) startVerify(conn, method); // a checksum the server cannot give fails before anything moves
    return probeFile(conn, remote, call);
  });
  const count = probe ? Math.min(segments, Math.floor(probe.size / MIN_SEGMENT)) : 1;
  if (!probe || count < 2) {
    const { segments: _segments, ...single } = options;
    return retriedDownload(runner, remote, local, { ...single, ...paced });
  }

  const part = join(dirname(local), sideName(basename(local), '.segments.ftpkit-part'));
  const statePath = join(dirname(local), sideName(basename(local), '.segments.ftpkit-state'));
  let state = await loadState(statePath, part, remote, probe);
  let handle: FileHandle;
  const writing = (err: unknown): never => {
    throw localFileError(err, 'write', local);
  };
  if (state) {
    handle = await open(part, 'r+').catch(writing);
  } else {
    state = { version: 1, remote, size: probe.size, modified: probe.modified, ranges: split(probe.size, count), reply: null };
    handle = await open(part, 'w').catch(writing);
  }
  const current = state;
  const saver = stateSaver(statePath, current);

  const last = current.ranges.at(-1)!;
  const pending = current.ranges.filter((r) => r.done < r.end - r.start);
  const meter = progressMeter(onProgress, pending.reduce((sum, r) => sum + (r.end - r.start - r.done), 0));
  const readAhead = Math.max(MIN_READ_AHEAD, Math.floor(READ_AHEAD_BUDGET / pending.length));
  try {
    await saver.save();
    await runAll(pending, pending.length, signal, async (range, rangeSignal) => {
      const fetch = (): Promise<Reply | undefined> =>
        runner.run({ signal: rangeSignal }, (conn) => fetchRange(conn, remote, handle, local, range, range === last, { signal: rangeSignal, readAhead, ...paced }, meter.add));
      const reply = await retrying(runner.retry, { call: 'download', path: remote }, rangeSignal, fetch, hooksOf(runner, {
        progress: () => range.done,
        resumeAt: () => range.start + range.done,
      }));
      if (reply) current.reply = reply;
      await saver.save();
    });
  } catch (err) {
    await handle.close().catch(() => {});
    await saver.save().catch(() => {});
    throw err;
  }
  await handle.close().catch(writing);
  if (method) {
    await runner.run(call, async (conn) => {
      const tally = startVerify(conn, method);
      await tally.prefix(undefined, part);
      await finishVerify(conn, tally, { direction: 'download', remote, local }, call);
    }).catch(async (err: unknown) => {
      if (err instanceof VerifyError) await Promise.all([unlink(part).catch(() => {}), unlink(statePath).catch(() => {})]);
      throw err;
    });
  }
  await rename(part, local).catch(writing);
  await unlink(statePath).catch(() => {});
  // The last range always ends with its RETR's own final reply, in this call or an earlier one.
  return { bytes: meter.bytes(), reply: current.reply! };
}

/** Size and modification time, or undefined when the server cannot do ranges (no REST, no SIZE). */
async function probeFile(conn: Conn, remote: string, call: CallOptions): Promise<{ size: number; modified: string | null } | undefined> {
  if (!conn.features.has('REST')) return undefined;
  const size = await sizeOrUndefined(conn, remote, call);
  if (size === undefined) return undefined;
  const modified = await lastModifiedOrUndefined(conn, remote, call);
  return { size, modified: modified ? modified.toISOString() : null };
}

/** MDTM, or undefined when the server said no. */
async function lastModifiedOrUndefined(conn: Conn, remote: string, call: CallOptions): Promise<Date | undefined> {
  try {
    return parseMdtmReply(await conn.command('MDTM', remote, call));
  } catch (err) {
    if (err instanceof FtpReplyError) return undefined;
    throw err;
  }
}

/** `size` cut into `count` ranges of nearly equal length. */
function split(size: number, count: number): Range[] {
  const ranges: Range[] = [];
  for (let i = 0; i < count; i++) ranges.push({ start: Math.floor((size * i) / count), end: Math.floor((size * (i + 1)) / count), done: 0 });
  return ranges;
}

/**
 * Fetch what is missing of one range. Resolves with the final reply when the range ended with the
 * file (the last range), or undefined when it was stopped after its last byte.
 */
async function fetchRange(
  conn: Conn,
  remote: string,
  handle: FileHandle,
  local: string,
  range: Range,
  isLast: boolean,
  call: { readonly signal: AbortSignal; readonly readAhead: number; readonly callLimit?: RateLimit },
  onBytes: (n: number) => void,
): Promise<Reply | undefined> {
  let position = range.start + range.done;
  /** This attempt runs: a write that finishes after it failed counts for nothing (the next attempt writes those bytes again). */
  let open = true;
  const write = recyclingDestination(async (chunk, recycle) => {
    const room = range.end - position;
    if (isLast && chunk.length > room) throw new RemoteProtocolError(`${remote} is longer than SIZE said (${range.end} bytes): it changed during the download`);
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    await writeAllAt(handle, [piece], position).catch((err: unknown) => {
      throw localFileError(err, 'write', local);
    });
    recycle?.(chunk); // written: its memory can carry the next read
    if (!open) return;
    position += piece.length;
    range.done += piece.length;
    onBytes(piece.length);
    if (!isLast && position === range.end) throw new RangeComplete();
  });
  try {
    const { reply } = await download(conn, remote, write, { ...call, startAt: position });
    if (position !== range.end) throw new RemoteProtocolError(`${remote} ended at ${position} bytes, before ${range.end}: it changed during the download`);
    return reply;
  } catch (err) {
    if (err instanceof RangeComplete) return undefined;
    throw err;
  } finally {
    open = false;
  }
}

/** Writes of the state file, one at a time, each with the progress of that moment. */
function stateSaver(path: string, state: State): { save(): Promise<void> } {
  let chain = Promise.resolve();
  return {
    save() {
      const text = JSON.stringify(state);
      chain = chain.then(async () => {
        const handle = await open(path, 'w');
        try {
          await handle.writeFile(text);
        } finally {
          await handle.close();
        }
      });
      return chain;
    },
  };
}

/** The saved state for this download, if there is one that still fits the remote file and the part file. */
async function loadState(path: string, part: string, remote: string, probe: { size: number; modified: string | null }): Promise<State | undefined> {
  let state: State;
  try {
    const handle = await open(path, 'r');
    try {
      state = JSON.parse(await handle.readFile({ encoding: 'utf8' })) as State;
    } finally {
      await handle.close();
    }
    await stat(part);
  } catch {
    return undefined; // no state, a torn write or no part file: start over
  }
  if (state.version !== 1 || state.remote !== remote || state.size !== probe.size || state.modified !== probe.modified) return undefined;
  if (!Array.isArray(state.ranges) || state.ranges.length < 2 || !rangesCover(state.ranges, probe.size)) return undefined;
  const last = state.ranges.at(-1)!;
  // The last range is complete only with its final reply: without it, fetch its last byte again.
  if (state.reply === null && last.done === last.end - last.start) last.done--;
  return state;
}

/** Ranges that tile [0, size) in order, each with a sane `done`. */
function rangesCover(ranges: readonly Range[], size: number): boolean {
  let at = 0;
  for (const r of ranges) {
    if (r.start !== at || !(r.end > r.start) || !Number.isInteger(r.done) || r.done < 0 || r.done > r.end - r.start) return false;
    at = r.end;
  }
  return at === size;
}
