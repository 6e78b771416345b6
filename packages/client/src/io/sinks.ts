// Why this file is long: every kind of download destination reduced to one sink, and the one batched file writer they share (a journal's part file included).
/**
 * Download sinks: local files, Web streams, Node streams and callbacks, all reduced to the one shape
 * the driver writes into.
 *
 * Theory of operation: a download writes into a {@link Sink}, whose `write` may return a promise (the
 * driver awaits it, which is the back-pressure). A file sink writes to a temporary name in the target
 * folder and renames only after the server's 226 and the data EOF have both arrived, so a failed
 * download never leaves a file that looks complete. The temporary name fits wherever the final name
 * does (io/paths.ts `sideName`), and a local failure is a `LocalFileError` with its reason (io/fs.ts).
 * A tree job with a journal downloads into a {@link PartFile} instead: a part file that outlives the
 * call, kept on failure for the next run to resume, and checkpointed as its bytes reach the disk.
 *
 * @module
 */
import { LocalFileError } from '../errors.js';
import { basename, dirname, fsConstants, join, localFileError, lstat, open, rename, stat, unlink, type FileHandle } from './fs.js';
import { nameTooLong, sideName } from './paths.js';

/** Where a download goes. */
export type DownloadDestination =
  | string
  | WritableStream<Uint8Array>
  | NodeWritableLike
  | ((chunk: Uint8Array) => void | Promise<void>);

/** The part of a Node `Writable` the client uses. */
export interface NodeWritableLike {
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  end(callback?: () => void): unknown;
  once(event: 'drain' | 'error', listener: (...args: unknown[]) => void): unknown;
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
  /**
   * Drop every byte taken and start again from where the sink began (a retried download that
   * cannot resume). A file is cut back; a stream, a writable or a function cannot take bytes back,
   * and answers false.
   */
  restart(): Promise<boolean>;
}

/**
 * The sink of `downloadToBytes`: one array in memory, which holds one copy of the file. A small
 * download keeps its chunks and joins them at the end. Past {@link MEMORY_JOIN_BELOW} the bytes go
 * into one growable array instead (a resizable `ArrayBuffer`, which reserves address space and
 * takes memory only as it grows, so growing never copies), and each chunk goes back to the
 * transport as soon as it is copied (see `Connection.recycle`). Joining at the end held two copies
 * of a big file at once, and the transport's buffers could not be reused meanwhile.
 */
export class MemorySink implements Sink {
  #chunks: Uint8Array[] = [];
  #length = 0;
  /** The bytes so far, at the start of the array, once past {@link MEMORY_JOIN_BELOW}. */
  #bytes: Uint8Array | undefined;
  /** The resizable buffer under `#bytes`, while there is one. */
  #growable: Growable | undefined;

  write(chunk: Uint8Array, recycle?: (chunk: Uint8Array) => void): void {
    const end = this.#length + chunk.length;
    if (this.#bytes === undefined && end <= MEMORY_JOIN_BELOW) {
      this.#chunks.push(chunk);
      this.#length = end;
      return;
    }
    const bytes = this.#room(end);
    bytes.set(chunk, this.#length);
    this.#length = end;
    recycle?.(chunk); // copied: its memory may carry the next read
  }

  /** Everything taken, as one array of exactly its length. */
  bytes(): Uint8Array {
    const bytes = this.#bytes;
    if (bytes === undefined) return concat(this.#chunks);
    if (this.#growable !== undefined) {
      this.#growable.resize(this.#length);
      return new Uint8Array(this.#growable, 0, this.#length);
    }
    return bytes.length === this.#length ? bytes : bytes.slice(0, this.#length);
  }

  commit = async (): Promise<void> => {};

  discard = async (): Promise<void> => {
    this.#chunks = [];
    this.#bytes = undefined;
    this.#growable = undefined;
  };

  restart = cannotRestart;

  /** An array with room for `end` bytes that starts with the bytes taken so far. */
  #room(end: number): Uint8Array {
    let bytes = this.#bytes;
    if (bytes === undefined) {
      this.#growable = growable(end);
      bytes = this.#growable === undefined ? new Uint8Array(end * 2) : new Uint8Array(this.#growable);
      let offset = 0;
      for (const chunk of this.#chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      this.#chunks = [];
      this.#bytes = bytes;
    }
    if (end <= bytes.length) return bytes;
    const growing = this.#growable;
    const wanted = Math.max(end, bytes.length * 2);
    if (growing !== undefined && end <= growing.maxByteLength) {
      growing.resize(Math.min(wanted, growing.maxByteLength));
      return bytes; // a view that tracks the buffer's length
    }
    // Past what could be reserved (or no resizable buffers): one copy into a larger array.
    const larger = new Uint8Array(wanted);
    larger.set(bytes.subarray(0, this.#length));
    this.#growable = undefined;
    this.#bytes = larger;
    return larger;
  }
}

/** Below this many bytes (1 MiB) a download to memory keeps its chunks and joins them at the end. */
export const MEMORY_JOIN_BELOW = 1024 * 1024;
/**
 * The address space a download to memory reserves: 4 GiB, the most Node 20 and Bun accept for a
 * resizable `ArrayBuffer` (8 GiB is refused). A larger file is copied once into a larger array.
 */
const MEMORY_RESERVE = 2 ** 32;

/** A resizable `ArrayBuffer` (ES2024), typed here because the package builds against ES2023. */
interface Growable extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}

/** A resizable buffer of `bytes` bytes that may grow to {@link MEMORY_RESERVE}, or undefined where the runtime has none. */
function growable(bytes: number): Growable | undefined {
  if (bytes > MEMORY_RESERVE) return undefined;
  try {
    const buffer = new (ArrayBuffer as new (length: number, options: { maxByteLength: number }) => ArrayBuffer)(bytes, { maxByteLength: MEMORY_RESERVE });
    return 'resize' in buffer ? (buffer as Growable) : undefined;
  } catch {
    return undefined; // no room to reserve, or a runtime without resizable buffers
  }
}

/** What a sink that cannot take bytes back answers to {@link Sink.restart}. */
const cannotRestart = async (): Promise<boolean> => false;

/**
 * A download of a tree job with a journal (trees/journal.ts): into a part file that outlives the
 * call, `.<name>.journal.ftpkit-part` beside `path` ({@link partFileOf}), renamed into place once
 * complete. Its first `held` bytes are kept (what an earlier run left, no more than its journal
 * claims); more than that is cut off. As bytes land, `checkpoint(at)` is called once the first `at`
 * bytes are synced to disk ({@link CHECKPOINT_BYTES}, {@link CHECKPOINT_MS}), so a record of it never
 * claims more than the disk holds; a failed download keeps its part file, checkpointed, for the next
 * run to resume, and `restart` empties it.
 */
export class PartFile {
  readonly path: string;
  readonly part: string;
  readonly held: number;
  /** The file's size as listed, when known: its last bytes are written the moment they arrive. */
  readonly size: number | undefined;
  /** The modification time to give the file before it is renamed into place, if any. */
  readonly time: Date | undefined;
  readonly checkpoint: (at: number) => Promise<void>;
  constructor(path: string, held: number, file: { readonly size: number | undefined; readonly time: Date | undefined }, checkpoint: (at: number) => Promise<void>) {
    this.path = path;
    this.part = partFileOf(path);
    this.held = held;
    this.size = file.size;
    this.time = file.time;
    this.checkpoint = checkpoint;
  }
}

/** The part file of a journaled download of `path` (see {@link PartFile}). */
export function partFileOf(path: string): string {
  return join(dirname(path), sideName(basename(path), '.journal.ftpkit-part'));
}

/**
 * A part file's progress is checkpointed (synced, then recorded) once at least this many bytes
 * (1 MiB) and {@link CHECKPOINT_MS} have passed since the last checkpoint: a killed run fetches again
 * at most about that much of each file it was downloading, and a fast download syncs at most twice
 * a second.
 */
export const CHECKPOINT_BYTES = 1024 * 1024;
/** See {@link CHECKPOINT_BYTES}: 500 ms. */
export const CHECKPOINT_MS = 500;
/**
 * A part file's bytes wait at most this long (100 ms) in a batch before they are written, and the
 * file's last bytes not at all: a killed run loses no more than that of what it received.
 */
const PART_FLUSH_MS = 100;

/** Build a sink. `startAt > 0` with a file path appends in place (resume) instead of using a temp file. */
export async function openSink(destination: DownloadDestination | PartFile | MemorySink, startAt: number): Promise<Sink> {
  if (destination instanceof MemorySink) return destination;
  if (destination instanceof PartFile) return openPartSink(destination);
  if (typeof destination === 'string') return openFileSink(destination, startAt);
  if (typeof destination === 'function') {
    // The caller's function owns what it is given: it never sees `recycle`, unless it is one of ours.
    const write: Sink['write'] = (destination as Partial<Recycling>)[RECYCLING] ?? ((chunk) => destination(chunk));
    return { write, commit: async () => {}, discard: async () => {}, restart: cannotRestart };
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
      restart: cannotRestart,
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
    restart: cannotRestart,
  };
}

async function openFileSink(path: string, startAt: number): Promise<Sink> {
  if (startAt > 0) {
    // Resume: the partial file is the user's, grow it in place from exactly startAt.
    const info = await stat(path).catch((cause: unknown) => {
      throw new LocalFileError(`Cannot resume: ${path} is not readable`, { cause, path });
    });
    if (info.size !== startAt) throw new LocalFileError(`Cannot resume at ${startAt}: ${path} has ${info.size} bytes`, { path });
    const handle = await open(path, 'r+').catch((err: unknown) => {
      throw localFileError(err, 'write', path);
    });
    return fileSink(handle, path, { start: startAt, commit: async () => {}, discard: async () => {} });
  }
  // A name no file system here takes fails now, before any byte is fetched: looking it up says so.
  if (nameTooLong(basename(path))) {
    await lstat(path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') throw localFileError(err, 'write', path);
    });
  }
  // The temporary name fits whenever the final one does (sideName), and `wx` never opens what is there.
  const temp = join(dirname(path), sideName(basename(path), `.${crypto.randomUUID().slice(0, 8)}.ftpkit-part`));
  const handle = await open(temp, 'wx').catch((err: unknown) => {
    throw localFileError(err, 'write', path);
  });
  return fileSink(handle, path, {
    start: 0,
    commit: () =>
      rename(temp, path).catch((err: unknown) => {
        throw localFileError(err, 'write', path);
      }),
    discard: () => unlink(temp).catch(() => {}),
  });
}

/**
 * The sink of a {@link PartFile}: opened without following a link (the name is ours, a link there
 * is not), cut to `held` bytes, written from there on.
 */
async function openPartSink(file: PartFile): Promise<Sink> {
  const { path, part, held } = file;
  const constants = fsConstants();
  const handle = await open(part, constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o644).catch((err: unknown) => {
    throw localFileError(err, 'write', path);
  });
  try {
    const size = (await handle.stat()).size;
    if (size < held) throw new LocalFileError(`Cannot resume at ${held}: ${part} has ${size} bytes`, { path: part });
    if (size > held) await handle.truncate(held);
    // From here on the part file holds this download's bytes: say so before the first is written
    // (what it keeps synced first, an earlier run in this boot may not have).
    if (held > 0) await handle.datasync();
    await file.checkpoint(held);
  } catch (err) {
    await handle.close().catch(() => {});
    throw localFileError(err, 'write', path);
  }
  let last = { at: held, time: performance.now() };
  const checkpoint = async (at: number, sync: () => Promise<void>, due: boolean): Promise<void> => {
    if (at === last.at || (due && (at - last.at < CHECKPOINT_BYTES || performance.now() - last.time < CHECKPOINT_MS))) return;
    await sync();
    last = { at, time: performance.now() };
    await file.checkpoint(at);
  };
  return fileSink(handle, path, {
    start: 0,
    position: held,
    end: file.size,
    flushMs: PART_FLUSH_MS,
    commit: () =>
      rename(part, path).catch((err: unknown) => {
        throw localFileError(err, 'write', path);
      }),
    discard: async () => {},
    checkpoint,
    time: file.time,
  });
}

/**
 * Bytes a file sink gathers before writing them in one call. One write per socket chunk (about
 * 64 KiB) made the file, not the network, the limit: each is a threadpool round trip, and the next
 * chunk was not taken until it finished (measured: 0.55 × `cat` to the same disk).
 */
const FILE_WRITE_BATCH = 1024 * 1024;

/** Where a {@link fileSink} writes, and what its ends do once the file is closed. */
interface FileSinkPlan {
  /** Where `restart` cuts the file back to. */
  readonly start: number;
  /** Where the first byte goes; default `start`. */
  readonly position?: number;
  /** Write a batch as soon as it reaches this offset (the file's expected end). */
  readonly end?: number | undefined;
  /** Write a batch once its first chunk has waited this long (checked as chunks arrive). */
  readonly flushMs?: number;
  readonly commit: () => Promise<void>;
  readonly discard: () => Promise<void>;
  /**
   * A part file's checkpoint: told of every write that landed (`due`), and of the end when the
   * download fails (not due: the last word). It syncs (`sync`) and records when it wants to. With
   * it, a commit syncs the file before it is moved into place, and a discard keeps what was taken.
   */
  readonly checkpoint?: (at: number, sync: () => Promise<void>, due: boolean) => Promise<void>;
  /** The file's modification time, set before a commit moves it into place. */
  readonly time?: Date | undefined;
}

/**
 * A sink into an open file from `plan.position` on. Chunks are gathered up to {@link FILE_WRITE_BATCH} and
 * written as pieces of {@link FILE_WRITE_PIECE} (small chunks copied into one buffer first, see
 * {@link joinSmall}), while the next batch gathers: at most one batch is being written, so memory
 * stays bounded (two batches) and a slow disk still slows the download down. A failed write fails
 * the next `write` or `commit`.
 */
function fileSink(handle: FileHandle, path: string, plan: FileSinkPlan): Sink {
  const { start, checkpoint } = plan;
  const sync = () => handle.datasync();
  let position = plan.position ?? start;
  /** When the batch's first chunk came (with `plan.flushMs`). */
  let gathering = 0;
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
    await handle.close().catch((err: unknown) => {
      throw localFileError(err, 'write', path);
    });
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
    inFlight = writeAllAt(handle, chunks, at)
      .then(() => {
        // Written: the kernel has the bytes, so their memory can carry the next reads.
        if (joined !== undefined) spare = new Uint8Array(joined.buffer);
        else if (giveBack) for (const chunk of chunks) giveBack(chunk);
        return checkpoint?.(at + bytes, sync, true);
      })
      .catch((error: unknown) => {
        failure ??= { error: localFileError(error, 'write', path) };
      });
  };
  return {
    write: async (chunk, giveBack) => {
      recycle = giveBack;
      if (batchBytes === 0 && plan.flushMs !== undefined) gathering = performance.now();
      batch.push(chunk);
      batchBytes += chunk.length;
      const due =
        batchBytes >= FILE_WRITE_BATCH ||
        (plan.end !== undefined && position + batchBytes >= plan.end) ||
        (plan.flushMs !== undefined && performance.now() - gathering >= plan.flushMs);
      if (!due) return;
      await settle();
      flush();
    },
    commit: async () => {
      await settle();
      if (batchBytes > 0) {
        flush();
        await settle();
      }
      // A part file is whole (bytes synced, time set, and so recorded) before its name is the real one:
      // a run killed after the rename finds it there, its part file gone (trees/journal.ts `completed`).
      if (checkpoint) {
        await (async () => {
          if (plan.time) await handle.utimes(plan.time, plan.time);
          await handle.sync(); // the time too, not only the bytes
          await checkpoint(position, async () => {}, false);
        })().catch((err: unknown) => {
          throw localFileError(err, 'write', path);
        });
      }
      await close();
      await plan.commit();
    },
    discard: async () => {
      if (checkpoint) {
        // Keep what was taken for the next run: written, synced and recorded (best effort).
        await (async () => {
          await settle();
          if (batchBytes > 0) {
            flush();
            await settle();
          }
          await checkpoint(position, sync, false);
        })().catch(() => {});
      }
      await inFlight;
      await close().catch(() => {});
      await plan.discard();
    },
    restart: async () => {
      await settle();
      batch = [];
      batchBytes = 0;
      position = start;
      await handle.truncate(start).catch((err: unknown) => {
        throw localFileError(err, 'write', path);
      });
      // A part file's record must not claim the bytes just dropped.
      await checkpoint?.(start, sync, false);
      return true;
    },
  };
}

/** Chunks smaller than this on average are copied into one buffer before they are written. */
const JOIN_BELOW = 64 * 1024;

/**
 * One contiguous copy of a batch of small chunks, in `spare` when it is big enough; undefined when
 * the chunks are large enough to be written as they are. TLS hands chunks out 16 KiB at a time;
 * joined, they go out as {@link FILE_WRITE_PIECE} pieces, a quarter of the system calls (Node, 1 GiB
 * over FTPS to a file, 5 alternating rounds: 1.01 to 1.10 s of user time joined, 1.12 to 1.29 s
 * written chunk by chunk; a single `writev` of the 64 chunks cost the kernel 2 to 5 times one
 * write of the same bytes). The chunks go back to the transport at once.
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
 * The most bytes a file sink hands the system in one write call (64 KiB). The kernel's page cache
 * takes a write's length as a hint for the size of the memory blocks it allocates (Linux 6.18, ext4:
 * one 1 MiB write asks for 1 MiB blocks), and on a virtual machine that hands unused memory back to
 * its host those blocks come back from the host page by page. Measured here (Firecracker guest,
 * `dd` of 1 GiB a few seconds after the last write): 2.6 s of system time in 1 MiB writes, 1.6 s in
 * 64 KiB, 0.35 to 0.79 s in 16 KiB. A 1 GiB download to a file with the batch written as 64 KiB
 * pieces at once, against one 1 MiB write, 4 alternating rounds: Node 704 to 1361 MB/s against 424
 * to 562, Deno 915 to 1439 against 621 to 1247, Bun 943 to 1253 against 435 to 536. On a machine
 * without that cost the pieces are 16 more system calls per MiB.
 */
const FILE_WRITE_PIECE = 64 * 1024;

/**
 * Write `chunks` back to back from `position`, as pieces of at most {@link FILE_WRITE_PIECE} bytes
 * all in flight at once (positional writes, so their order does not matter). Every piece is settled
 * before this returns, so no write outlives a failure: the first failure is thrown. Every write of
 * downloaded bytes to a file goes through here (file sinks and segmented downloads).
 */
export async function writeAllAt(handle: FileHandle, chunks: readonly Uint8Array[], position: number): Promise<void> {
  const pieces: Promise<void>[] = [];
  let at = position;
  for (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length; offset += FILE_WRITE_PIECE) {
      pieces.push(writeAt(handle, chunk.subarray(offset, offset + FILE_WRITE_PIECE), at + offset));
    }
    at += chunk.length;
  }
  for (const outcome of await Promise.allSettled(pieces)) if (outcome.status === 'rejected') throw outcome.reason;
}

/** Write all of `chunk` at `position` (a positional write may be short). */
async function writeAt(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, position + offset);
    offset += bytesWritten;
  }
}

/** One array holding `chunks` back to back (the chunk itself when there is one). */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
