/**
 * Sources and sinks of transfers: local files, byte arrays, async iterables, Web streams and Node
 * streams, all reduced to the two shapes the driver moves bytes with.
 *
 * Theory of operation: a download writes into a {@link Sink}, whose `write` may return a promise (the
 * driver awaits it, which is the back-pressure). A file sink writes to a temporary name in the target
 * folder and renames only after the server's 226 and the data EOF have both arrived, so a failed
 * download never leaves a file that looks complete. An upload reads from an `AsyncIterable`; a file
 * source checks the file's size before and after and fails if it changed mid-transfer.
 *
 * @module
 */
import { FtpError } from '@ftpkit/codec';
import { dirname, join, basename, open, rename, stat, unlink, writevCopies, type FileHandle } from './fs.js';

/** Where a download goes. */
export type DownloadDestination =
  | string
  | WritableStream<Uint8Array>
  | NodeWritableLike
  | ((chunk: Uint8Array) => void | Promise<void>);

/** What an upload reads. */
export type UploadSource = string | Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** The part of a Node `Writable` the client uses. */
export interface NodeWritableLike {
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  end(callback?: () => void): unknown;
  once(event: 'drain' | 'error', listener: (...args: unknown[]) => void): unknown;
}

/** A local file changed, vanished or could not be written during a transfer. */
export class LocalFileError extends FtpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_LOCAL_FILE', message, options);
  }
}

const RECYCLING = Symbol('ftpkit.recycling');

interface Recycling {
  readonly [RECYCLING]: Sink['write'];
}

/**
 * A function destination that gives each chunk back once finished with it (see `Sink.write`), for
 * the package's own sinks that own their chunks end to end, such as segmented downloads. Called
 * with one argument, as a caller's function would be, it never recycles.
 */
export function recyclingDestination(write: Sink['write']): DownloadDestination {
  return Object.assign((chunk: Uint8Array) => write(chunk), { [RECYCLING]: write });
}

/** The driver-facing side of a download destination. */
export interface Sink {
  /**
   * Take one chunk. `recycle`, when given, may be called with the chunk once the sink will never
   * touch it again (only sinks that own the chunk end to end do: the file sink, after writing it).
   */
  write(chunk: Uint8Array, recycle?: (chunk: Uint8Array) => void): void | Promise<void>;
  /** The transfer succeeded: flush, close and (for files) move into place. */
  commit(): Promise<void>;
  /** The transfer failed: release and (for files) delete the partial temporary file. */
  discard(): Promise<void>;
}

/** Chunk size for reading local files: large reads keep syscalls and promise turns rare. */
const FILE_CHUNK = 1024 * 1024;

/** Build a sink. `startAt > 0` with a file path appends in place (resume) instead of using a temp file. */
export async function openSink(destination: DownloadDestination, startAt: number): Promise<Sink> {
  if (typeof destination === 'string') return openFileSink(destination, startAt);
  if (typeof destination === 'function') {
    // The caller's function owns what it is given: it never sees `recycle`, unless it is one of ours.
    const write: Sink['write'] = (destination as Partial<Recycling>)[RECYCLING] ?? ((chunk) => destination(chunk));
    return { write, commit: async () => {}, discard: async () => {} };
  }
  if (isWebWritable(destination)) {
    const writer = destination.getWriter();
    return {
      write: async (chunk) => {
        await writer.ready;
        await writer.write(chunk);
      },
      commit: () => writer.close(),
      discard: () => writer.abort(new Error('download failed')).catch(() => {}),
    };
  }
  return nodeWritableSink(destination);
}

function isWebWritable(value: unknown): value is WritableStream<Uint8Array> {
  return typeof (value as WritableStream).getWriter === 'function';
}

function nodeWritableSink(target: NodeWritableLike): Sink {
  let failure: unknown;
  let wake: (() => void) | undefined;
  // One listener for the life of the transfer; a write that waits for 'drain' is woken by either.
  target.once('error', (err) => {
    failure = err;
    wake?.();
  });
  return {
    write: async (chunk) => {
      if (failure) throw failure;
      if (target.write(chunk)) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
        target.once('drain', () => resolve());
      });
      wake = undefined;
      if (failure) throw failure;
    },
    commit: () =>
      new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure);
        target.end(() => resolve());
      }),
    discard: async () => {},
  };
}

async function openFileSink(path: string, startAt: number): Promise<Sink> {
  if (startAt > 0) {
    // Resume: the partial file is the user's, grow it in place from exactly startAt.
    const info = await stat(path).catch((cause: unknown) => {
      throw new LocalFileError(`Cannot resume: ${path} is not readable`, { cause });
    });
    if (info.size !== startAt) throw new LocalFileError(`Cannot resume at ${startAt}: ${path} has ${info.size} bytes`);
    const handle = await open(path, 'r+');
    return fileSink(handle, startAt, async () => {}, async () => {});
  }
  const temp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.ftpkit-part`);
  const handle = await open(temp, 'wx');
  return fileSink(
    handle,
    0,
    () => rename(temp, path),
    () => unlink(temp).catch(() => {}),
  );
}

/**
 * Bytes a file sink gathers before writing them in one call. One write per socket chunk (about
 * 64 KiB) made the file, not the network, the limit: each is a threadpool round trip, and the next
 * chunk was not taken until it finished (measured: 0.55 × `cat` to the same disk).
 */
const FILE_WRITE_BATCH = 1024 * 1024;

/**
 * A sink into an open file from `start` on. Chunks are gathered up to {@link FILE_WRITE_BATCH} and
 * written with one `writev` (small ones copied into one buffer first, see {@link joinSmall}), while
 * the next batch gathers: at most one write is in flight, so memory stays bounded (two batches) and
 * a slow disk still slows the download down. A failed write fails the next `write` or `commit`.
 */
function fileSink(handle: FileHandle, start: number, onCommit: () => Promise<void>, onDiscard: () => Promise<void>): Sink {
  let position = start;
  let closed = false;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  /** How the chunks of the batch go back to the transport once written (undefined: they do not). */
  let recycle: ((chunk: Uint8Array) => void) | undefined;
  let inFlight: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  /** Wait for the write in flight; rethrow a failure of any earlier one. */
  const settle = async () => {
    if (inFlight) await inFlight;
    inFlight = undefined;
    if (failure) throw failure.error;
  };
  /** A joined batch's memory, once its write is done (see {@link joinSmall}). */
  let spare: Uint8Array | undefined;
  const flush = () => {
    let chunks = batch;
    const at = position;
    const giveBack = recycle;
    const bytes = batchBytes;
    position += batchBytes;
    batch = [];
    batchBytes = 0;
    const joined = joinSmall(chunks, bytes, spare);
    if (joined !== undefined) {
      spare = undefined;
      if (giveBack) for (const chunk of chunks) giveBack(chunk);
      chunks = [joined];
    }
    inFlight = writeAllAt(handle, chunks, at).then(
      () => {
        // Written: the kernel has the bytes, so their memory can carry the next reads.
        if (joined !== undefined) spare = new Uint8Array(joined.buffer);
        else if (giveBack) for (const chunk of chunks) giveBack(chunk);
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
  };
  return {
    write: async (chunk, giveBack) => {
      recycle = giveBack;
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes < FILE_WRITE_BATCH) return;
      await settle();
      flush();
    },
    commit: async () => {
      await settle();
      if (batchBytes > 0) {
        flush();
        await settle();
      }
      await close();
      await onCommit();
    },
    discard: async () => {
      await inFlight;
      await close().catch(() => {});
      await onDiscard();
    },
  };
}

/** Chunks smaller than this on average are copied into one buffer before they are written. */
const JOIN_BELOW = 64 * 1024;

/**
 * One contiguous copy of a batch of small chunks, in `spare` when it is big enough; undefined when
 * the chunks are large enough to be written as they are. TLS hands chunks out 16 KiB at a time, and
 * a `writev` of 64 such pieces cost the kernel 2 to 5 times the system time of one 1 MiB write here
 * (Node, 512 MiB over FTPS to a file: 0.57 to 1.38 s of system time, 0.28 to 0.33 s joined; 1.0 to
 * 1.9 s per download, 0.77 to 0.92 s joined). The copy costs far less, and the chunks go back to the
 * transport at once.
 */
function joinSmall(chunks: readonly Uint8Array[], bytes: number, spare: Uint8Array | undefined): Uint8Array | undefined {
  if (chunks.length < 2 || bytes / chunks.length >= JOIN_BELOW) return undefined;
  const joined = spare !== undefined && spare.length >= bytes ? spare : new Uint8Array(Math.max(bytes, FILE_WRITE_BATCH + JOIN_BELOW));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined.subarray(0, bytes);
}

/**
 * Write `chunks` back to back from `position`: one `writev` (where it does not copy, see
 * {@link writevCopies}), then single writes for anything it left.
 */
async function writeAllAt(handle: FileHandle, chunks: readonly Uint8Array[], position: number): Promise<void> {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const single = chunks.length === 1 || writevCopies;
  let written = single ? 0 : (await handle.writev(chunks as Uint8Array[], position)).bytesWritten;
  // A short writev (rare on regular files) goes on chunk by chunk from where it stopped.
  let skip = written;
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    await writeAt(handle, chunk.subarray(skip), position + written);
    written += chunk.length - skip;
    skip = 0;
  }
  if (written !== total) throw new Error(`wrote ${written} of ${total} bytes`);
}

/** Write all of `chunk` at `position` (a positional write may be short). Segmented downloads write this way too. */
export async function writeAt(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, position + offset);
    offset += bytesWritten;
  }
}

/** An upload source as an async iterable, plus its size when known. */
export interface Source {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly size: number | undefined;
}

/**
 * Build an upload source; `startAt` skips that many bytes of a file or byte array (resume). With
 * `reuseBuffers`, a file source refills a chunk's memory once the consumer asks for the next one: the
 * consumer must be done with a chunk by then (the upload loop awaits each write, and the transport's
 * writes settle only once the bytes are sent).
 */
export async function openSource(source: UploadSource, startAt: number, reuseBuffers = false): Promise<Source> {
  if (typeof source === 'string') return openFileSource(source, startAt, reuseBuffers);
  if (source instanceof Uint8Array) {
    const rest = source.subarray(Math.min(startAt, source.length));
    return { chunks: once(rest), size: rest.length };
  }
  if (startAt > 0) throw new LocalFileError('startAt needs a file path or a Uint8Array source');
  if (isWebReadable(source)) return { chunks: readWebStream(source), size: undefined };
  return { chunks: source, size: undefined };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  if (bytes.length > 0) yield bytes;
}

function isWebReadable(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as ReadableStream).getReader === 'function';
}

async function* readWebStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function openFileSource(path: string, startAt: number, reuseBuffers: boolean): Promise<Source> {
  const { size } = await stat(path).catch((cause: unknown) => {
    throw new LocalFileError(`Cannot read ${path}`, { cause });
  });
  if (startAt > size) throw new LocalFileError(`Cannot resume at ${startAt}: ${path} has only ${size} bytes`);
  // The file is opened only when the upload starts moving bytes, so a refused STOR leaks nothing.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const handle = await open(path, 'r');
    let position = startAt;
    // Buffers whose chunks were sent, when they may be refilled. Without this a Deno upload left
    // 1 MiB of garbage per read, collected late: 120 MB peak RSS for 1 GiB, 60 MB with it.
    const spare: Uint8Array[] = [];
    const readAt = (at: number): Promise<Uint8Array> => {
      const buffer = spare.pop() ?? new Uint8Array(FILE_CHUNK);
      const read = handle.read(buffer, 0, FILE_CHUNK, at).then(({ bytesRead }) => (bytesRead === FILE_CHUNK ? buffer : buffer.subarray(0, bytesRead)));
      read.catch(() => {}); // awaited below; never an unhandled rejection if the upload stops first
      return read;
    };
    // One read ahead: the next chunk comes off the disk while this one goes out on the socket.
    let ahead: Promise<Uint8Array> | undefined = readAt(position);
    try {
      for (;;) {
        const chunk: Uint8Array = await ahead;
        ahead = undefined;
        if (chunk.length === 0) break;
        position += chunk.length;
        if (position > size) throw new LocalFileError(`${path} grew during the upload (${size} bytes at start)`);
        ahead = readAt(position);
        yield chunk;
        // The consumer asked for the next chunk, so it is done with this one.
        if (reuseBuffers) spare.push(new Uint8Array(chunk.buffer, 0, FILE_CHUNK));
      }
      const now = await handle.stat();
      if (position !== size || now.size !== size) {
        throw new LocalFileError(`${path} changed size during the upload (${size} bytes at start, ${now.size} now)`);
      }
    } finally {
      await ahead?.catch(() => {});
      await handle.close();
    }
  }
  return { chunks: chunks(), size: size - startAt };
}
