/**
 * Downloads and uploads under the retry policy: one call, as many attempts as it takes, each going
 * on from where the ones before it stopped, never from a guess.
 *
 * Theory of operation: the call runs on a {@link Runner} with `call`, so that on a Client all its
 * attempts and waits hold the queue, and on a Pool each attempt leases a healthy session.
 *
 * A download opens its destination once, for all attempts, in the first attempt that has a session
 * (so a call waiting for one holds no open file). Every byte the destination took is a true prefix
 * of the file (TCP and TLS deliver in order), so the next attempt asks for the rest
 * with REST at the call's `startAt` plus what the destination holds, when the server does REST
 * (FEAT, or the call itself resumed) and the transfer is binary. Otherwise it starts over: a file
 * is cut back to where the call began; a stream, a writable or a function cannot take bytes back,
 * so it is started over only if it has taken none, and the call fails with its error if it has. A
 * file that is now shorter than what is held has changed: a file destination starts over, a stream
 * fails with `RemoteProtocolError`. Each attempt writes through a gate that closes when the attempt
 * ends, so a late chunk of a failed attempt can never land after the offset the next one asks for.
 * The destination is committed (a file renamed into place) only when an attempt completes, and
 * after the call has given its session back: the file system's part of a small file (the last write,
 * close, rename) then overlaps the next call's exchange with the server, since the next call may take
 * the session meanwhile (a tree runs two copies at once on a Client for this, trees/run.ts).
 *
 * An upload resumes where the server's copy ends, by the rule of ops/upload.ts `resumePoint`: the
 * size before the call is read first (SIZE) so that a file left untouched by a failed attempt is
 * not taken for this call's bytes. A source smaller than {@link RESUME_MIN} is not worth that round
 * trip on every upload: it starts over instead. A source that cannot be read twice (an iterable or
 * a stream) is retried only if the failed attempt read nothing from it. An append resumes only when
 * the sizes show what landed, and never appends twice.
 *
 * Progress is of the call: `bytes` counts from `startAt` (or where an earlier run of a journaled
 * job left off) and goes on across attempts, so it falls back only when an attempt starts over.
 *
 * A tree job with a journal (trees/journal.ts) continues what a killed run began: a download into
 * a part file starts with the bytes it holds as if an earlier attempt had taken them, and an upload
 * whose beginning is recorded makes its first attempt a retry of the killed run's (its size before,
 * recorded; what it sent, unknown, so bounded by the whole source). Their bytes are not this call's.
 *
 * A check after the transfer (a verification of size or checksum) fits at the end of an attempt:
 * it throws an error the rule in retry.ts retries, and the attempt after it must start over rather
 * than go on (`sink.restart()` for a download, offset 0 for an upload), since the bytes held are
 * what failed the check.
 *
 * @module
 */
import { RemoteProtocolError, type Reply } from '@ftpkit/codec';
import type { Progress, TransferOptions, TransferResult } from './calls.js';
import { VerifyError } from './errors.js';
import { stat, unlink } from './io/fs.js';
import { openSink, PartFile, type DownloadDestination, type MemorySink, type Sink } from './io/sinks.js';
import type { UploadSource } from './io/sources.js';
import type { Attempt, Runner, TransferOpOptions } from './ops/conn.js';
import { fetchInto, sizeOrUndefined } from './ops/download.js';
import { resumePoint, upload } from './ops/upload.js';
import { finishVerify, startVerify, verifyMethodOf, type Tally } from './ops/verify.js';
import { progressMeter, type ProgressMeter } from './progress.js';
import { giveUp, retrying, type RetryHooks } from './retry.js';

/**
 * Below this size (1 MiB) a retried upload starts over rather than resume: sending the file again
 * after a failure costs less than the SIZE round trip every upload would otherwise pay first.
 */
const RESUME_MIN = 1024 * 1024;

/** The hooks every retried call gives the loop: stop when the runner closes. */
export function hooksOf(runner: Runner, more: RetryHooks = {}): RetryHooks {
  return { closing: runner.closing, ...more };
}

/** The bandwidth limits of a call, for each of its attempts' transfers. */
function paceOf(options: TransferOpOptions): Pick<TransferOpOptions, 'limitRate' | 'callLimit'> {
  return { ...(options.limitRate !== undefined ? { limitRate: options.limitRate } : {}), ...(options.callLimit ? { callLimit: options.callLimit } : {}) };
}

/** How a retried download runs: a transfer's options, and what a tree knows of the file. */
export interface RetriedDownloadOptions extends TransferOpOptions {
  /**
   * The file's size as its listing showed it: an attempt that brings fewer bytes is incomplete
   * (`ConnectionError`), whatever the server's final reply, unless SIZE then says the file has
   * shrunk to what came (ops/download.ts `fetchInto`). It is the progress total too, so no SIZE is
   * asked for progress.
   */
  readonly expectedSize?: number | undefined;
}

/** `download` under the runner's retry policy (see the module comment). */
export async function retriedDownload(runner: Runner, remotePath: string, destination: DownloadDestination | PartFile | MemorySink, options: RetriedDownloadOptions): Promise<TransferResult> {
  const startAt = options.startAt ?? 0;
  const ascii = options.mode === 'ascii';
  const signal = options.signal;
  const call = signal ? { signal } : {};
  const method = verifyMethodOf(options);
  const part = destination instanceof PartFile ? destination : undefined;
  const local = part ? part.path : typeof destination === 'string' ? destination : undefined;
  /** Opened by the first attempt that has a session: calls waiting for one hold no open file. */
  let sink: Sink | undefined;
  const opened = async (): Promise<Sink> => (sink ??= await openSink(destination, startAt));
  try {
    const result = await runner.transferCall(options, fetchRetried);
    // Committed after the session is given back: a tree's next file goes out while this one is
    // written, closed and renamed into place.
    await (await opened()).commit();
    return result;
  } catch (err) {
    await sink?.discard();
    // A resumed download grew the user's file in place, or a part file kept for the next run: its bytes are known wrong.
    if (err instanceof VerifyError && part) await unlink(part.part).catch(() => {});
    else if (err instanceof VerifyError && local !== undefined && startAt > 0) await unlink(local).catch(() => {});
    throw err;
  }

  /** Every attempt of the download into the sink that `opened` gives, on the session that `attempt` gives. */
  async function fetchRetried(attempt: Attempt): Promise<TransferResult> {
    /** Bytes the destination has taken since `startAt` (a part file: an earlier run's too). */
    let held = part?.held ?? 0;
    /** With `verify`: the destination's bytes, counted and hashed across attempts; made again when it starts over. */
    let tally: Tally | undefined;
    /** The verification failure after which the destination was emptied, so that a retry starts at byte 0. */
    let emptiedFor: unknown;
    let mismatches = 0;
    let total: number | undefined;
    let meter: ProgressMeter | undefined;
    /** Whether the last connection can REST (FEAT, or the call's own REST). */
    let rest = startAt > 0;
    const restartable = local !== undefined;
    const reply = await retrying(
      runner.retry,
      { call: 'download', path: remotePath },
      signal,
      (n) =>
        attempt(async (conn): Promise<Reply> => {
          const sink = await opened();
          rest = !ascii && (startAt > 0 || conn.features.has('REST'));
          if (n === 1 && options.onProgress && options.expectedSize === undefined) total = await sizeOrUndefined(conn, remotePath, call);
          const whole = total ?? options.expectedSize;
          meter ??= progressMeter(options.onProgress, whole === undefined ? undefined : Math.max(0, whole - startAt - held));
          if (held > 0) {
            const size = rest ? await sizeOrUndefined(conn, remotePath, call) : undefined;
            if (size !== undefined) total = size;
            const changed = size !== undefined && size < startAt + held;
            if (!rest || changed) {
              if (!(await sink.restart())) {
                throw new RemoteProtocolError(`${remotePath} has ${size} bytes, fewer than the ${startAt + held} already downloaded: it changed during the download`);
              }
              meter.add(-meter.bytes());
              held = 0;
              tally = undefined;
            }
          }
          if (method && tally === undefined) {
            tally = startVerify(conn, method);
            // The bytes already there: the call's `startAt` of the user's file, or a part file's.
            if (startAt + held > 0) await tally.prefix(startAt + held, part?.part ?? local);
          }
          const feed = tally?.add;
          let open = true;
          const write: Sink['write'] = (chunk, recycle) => {
            if (!open) return;
            held += chunk.length;
            feed?.(chunk); // before the sink may hand the chunk's memory back
            return sink.write(chunk, recycle);
          };
          let reply: Reply;
          try {
            reply = await fetchInto(conn, remotePath, write, {
              ...call,
              ...paceOf(options),
              startAt: startAt + held,
              mode: options.mode,
              size: total,
              listed: options.expectedSize,
              onBytes: meter.add,
            });
          } finally {
            open = false;
          }
          if (tally) {
            try {
              await finishVerify(conn, tally, { direction: 'download', remote: remotePath, local }, call);
            } catch (err) {
              // The bytes written are the suspect ones: a retry starts over from byte 0, never from
              // where they end. Only a destination that can be emptied (a file path, from 0) can.
              if (err instanceof VerifyError && startAt === 0 && (await sink.restart())) {
                meter.add(-meter.bytes());
                held = 0;
                tally = undefined;
                emptiedFor = err;
              }
              throw err;
            }
          }
          return reply;
        }),
      hooksOf(runner, {
        progress: () => held,
        resumeAt: () => startAt + held,
        // A destination that cannot take bytes back goes on only where REST can put the server.
        // A mismatch goes again only from an emptied destination, and at most `retries` times
        // however far each attempt got.
        canRetry: (error) => (error instanceof VerifyError ? emptiedFor === error && ++mismatches <= runner.retry.retries : held === 0 || restartable || rest),
      }),
    );
    return { bytes: meter?.bytes() ?? 0, reply };
  }
}

/**
 * An upload of a tree job with a journal (trees/journal.ts): it records when it begins, and goes on
 * from an earlier run's.
 */
export interface UploadJournal {
  /** An earlier run began this upload (it was killed, or failed): the server's size before it. */
  readonly earlier: { readonly before: number | undefined } | undefined;
  /** Record that the upload begins, over a server file of `before` bytes (undefined: none). */
  readonly begin: (before: number | undefined) => Promise<void>;
}

/** How a retried upload runs: a transfer's options, and a tree job's journal. */
export interface RetriedUploadOptions extends TransferOpOptions {
  /**
   * A binary STOR of a whole file, whatever its size: its first attempt asks SIZE and records the
   * upload's beginning with it, so that a run killed after its last byte left (or after its 226)
   * is not sent again; after an earlier run's, it goes on as a retry of that run would (what the
   * killed run sent is unknown: the whole source bounds it).
   */
  readonly journal?: UploadJournal | undefined;
}

/** `upload` (STOR) or `append` (APPE) under the runner's retry policy (see the module comment). */
export function retriedUpload(runner: Runner, source: UploadSource, remotePath: string, command: 'STOR' | 'APPE', options: RetriedUploadOptions): Promise<TransferResult> {
  const startAt = options.startAt ?? 0;
  const ascii = options.mode === 'ascii';
  const signal = options.signal;
  const call = signal ? { signal } : {};
  const once = runner.retry.retries === 0 || typeof source === 'string' || source instanceof Uint8Array ? undefined : readOnce(source);
  // The transfer lane's fallback (lane.ts) is one more attempt: only for a STOR of a source that can be read again.
  const lane = command === 'STOR' && (typeof source === 'string' || source instanceof Uint8Array);
  return (lane ? runner.transferCall : runner.call)(options, async (attempt) => {
    const retries = runner.retry.retries > 0;
    const size = (retries || options.journal) && command === 'STOR' && startAt === 0 ? await sizeOf(source) : 0;
    /** A journal's upload: a binary STOR of the whole source (see {@link RetriedUploadOptions.journal}). */
    const journal = command === 'STOR' && startAt === 0 && !ascii ? options.journal : undefined;
    /** Whether a STOR may resume: worth the SIZE round trip first (a journal's always is). An append always must know. */
    const resumable = journal !== undefined || (retries && (command === 'APPE' || (startAt === 0 && size >= RESUME_MIN)));
    let before = journal?.earlier?.before;
    /** The furthest offset of the source any attempt sent (an earlier run's: up to all of it). */
    let reach = journal?.earlier ? size : startAt;
    /** Where this call's bytes begin: `startAt`, or where an earlier run's upload left off. */
    let base = startAt;
    let mismatches = 0;
    const onProgress = options.onProgress;
    return retrying(
      runner.retry,
      { call: command === 'APPE' ? 'append' : 'upload', path: remotePath },
      signal,
      (n, previous) =>
        attempt(async (conn) => {
          let from = startAt;
          if (n === 1 && !journal?.earlier) {
            if (resumable) before = await sizeOrUndefined(conn, remotePath, call);
            await journal?.begin(before);
          } else if (previous instanceof VerifyError) {
            // The server's copy is known wrong: the whole file again, never a resume onto it.
            runner.retry.note?.(`Upload of ${remotePath} starts over: the server's copy did not verify`);
          } else {
            const point = resumable || startAt > 0 ? await resumePoint(conn, remotePath, { command, startAt, before, reach, ascii }, call) : { at: 0, size: undefined };
            if (point === undefined) giveUp(previous);
            from = point.at;
            runner.retry.note?.(`${command === 'APPE' ? 'Append' : 'Upload'} of ${remotePath} goes on from byte ${from} (the server has ${point.size ?? 'no size'})`);
          }
          // An earlier run's bytes are not this call's; starting over below them counts from there.
          if (n === 1 || from < base) base = from;
          const track = (p: Progress): void => {
            reach = Math.max(reach, from + p.bytes);
            onProgress?.(callProgress(p, from - base));
          };
          const result = await upload(conn, once ?? source, remotePath, command, { ...options, startAt: from, onProgress: track });
          return { bytes: Math.max(0, from - base + result.bytes), reply: result.reply };
        }),
      hooksOf(runner, {
        progress: () => reach,
        // A mismatch goes again only as a whole STOR of a source that can be read again, and at most
        // `retries` times however far each attempt got.
        canRetry: (error) =>
          error instanceof VerifyError
            ? command === 'STOR' && startAt === 0 && once === undefined && ++mismatches <= runner.retry.retries
            : once === undefined || !once.started,
      }),
    );
  });
}

/** An attempt's progress as the call's: `offset` bytes of the call came before the attempt. */
function callProgress(p: Progress, offset: number): Progress {
  return { bytes: Math.max(0, offset + p.bytes), total: p.total === undefined ? undefined : Math.max(0, offset + p.total), bytesPerSecond: p.bytesPerSecond };
}

/** The size of a file or byte array source; 0 for one of unknown size (never resumed). */
async function sizeOf(source: UploadSource): Promise<number> {
  if (source instanceof Uint8Array) return source.length;
  if (typeof source === 'string') return (await stat(source).catch(() => undefined))?.size ?? 0;
  return 0;
}

/** A source that can be read once, and says whether it has been: nothing is taken from it before the first `next()`. */
function readOnce(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> & { readonly started: boolean } {
  const wrapper = {
    started: false,
    [Symbol.asyncIterator]: (): AsyncIterator<Uint8Array> => {
      let inner: AsyncIterator<Uint8Array> | undefined;
      const open = (): AsyncIterator<Uint8Array> => {
        wrapper.started = true;
        return (inner ??= iterate(source));
      };
      return {
        next: () => open().next(),
        return: async (value?: unknown) => (inner?.return ? inner.return(value) : { done: true, value: undefined }),
      };
    },
  };
  return wrapper;
}

/** The chunks of an iterable or a Web stream (read with a reader, released, not cancelled, at the end: as io/sources.ts does). */
function iterate(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncIterator<Uint8Array> {
  if (typeof (source as ReadableStream<Uint8Array>).getReader !== 'function') return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  return {
    next: async () => {
      const { done, value } = await reader.read();
      if (done) reader.releaseLock();
      return done ? { done: true, value: undefined } : { done: false, value };
    },
    return: async () => {
      reader.releaseLock();
      return { done: true, value: undefined };
    },
  };
}

/**
 * A download as a Web `ReadableStream` (`openReadStream`): the transfer runs as the stream is read,
 * so back-pressure reaches the server, and cancelling the stream aborts it (ABOR).
 */
export function retriedReadStream(runner: Runner, remotePath: string, options: TransferOptions): ReadableStream<Uint8Array> {
  const cancel = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, cancel.signal]) : cancel.signal;
  let resume: (() => void) | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        resume?.();
        resume = undefined;
      },
      cancel: (reason) => cancel.abort(reason),
    },
    { highWaterMark: 4 },
  );
  const write = async (chunk: Uint8Array): Promise<void> => {
    controller.enqueue(chunk);
    if ((controller.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (resume = resolve));
  };
  retriedDownload(runner, remotePath, write, { ...options, signal }).then(
    () => controller.close(),
    (err: unknown) => {
      if (!cancel.signal.aborted) controller.error(err);
    },
  );
  return stream;
}
