/**
 * Upload sources: local files, byte arrays, async iterables and Web streams, all reduced to the one
 * shape the driver reads from.
 *
 * Theory of operation: an upload reads from an `AsyncIterable`. A file source is opened only when the
 * upload starts moving bytes, reads one chunk ahead, and checks the file's size before and at its end
 * (a short read that ends at the size of the start, or else a stat): it fails if the file changed
 * mid-transfer, so a half-written file never passes for a whole one.
 *
 * @module
 */
import { LocalFileError } from '../errors.js';
import { localFileError, open, stat } from './fs.js';

/** What an upload reads. */
export type UploadSource = string | Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Chunk size for reading local files: large reads keep syscalls and promise turns rare. */
const FILE_CHUNK = 1024 * 1024;

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

/** One read of a file source: its bytes, and whether the read returned less than it asked for. */
interface Read {
  readonly bytes: Uint8Array;
  readonly short: boolean;
}

async function openFileSource(path: string, startAt: number, reuseBuffers: boolean): Promise<Source> {
  const { size } = await stat(path).catch((err: unknown) => {
    throw localFileError(err, 'read', path);
  });
  if (startAt > size) throw new LocalFileError(`Cannot resume at ${startAt}: ${path} has only ${size} bytes`);
  // The file is opened only when the upload starts moving bytes, so a refused STOR leaks nothing.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw localFileError(err, 'read', path);
    });
    let position = startAt;
    // Buffers whose chunks were sent, when they may be refilled. Without this a Deno upload left
    // 1 MiB of garbage per read, collected late: 120 MB peak RSS for 1 GiB, 60 MB with it.
    const spare: Uint8Array[] = [];
    const readAt = (at: number): Promise<Read> => {
      // What is left by the size at the start, and one byte more, so that a file that grew is seen
      // by this read: a small file costs a small buffer, not a chunk's.
      const want = Math.min(FILE_CHUNK, Math.max(0, size - at) + 1);
      const buffer = spare.length > 0 && want === FILE_CHUNK ? spare.pop()! : new Uint8Array(want);
      const read = handle.read(buffer, 0, want, at).then(
        ({ bytesRead }): Read => ({ bytes: bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), short: bytesRead < want }),
        (err: unknown) => {
          throw localFileError(err, 'read', path);
        },
      );
      read.catch(() => {}); // awaited below; never an unhandled rejection if the upload stops first
      return read;
    };
    // One read ahead: the next chunk comes off the disk while this one goes out on the socket.
    let ahead: Promise<Read> | undefined = readAt(position);
    try {
      for (;;) {
        const { bytes: chunk, short } = await ahead!; // every turn that goes on reads ahead first
        ahead = undefined;
        if (chunk.length === 0) break;
        position += chunk.length;
        if (position > size) throw new LocalFileError(`${path} grew during the upload (${size} bytes at start)`);
        // A read of a regular file that returns less than it asked for has met the file's end. Before
        // the size of the start, the file shrank (it may be being rewritten and grow back): that fails
        // now. At that size, with every read before it full, the read says what a read of nothing
        // more and a stat would: the file is whole, so a small file costs one read and no stat.
        if (short && position < size) throw new LocalFileError(`${path} changed size during the upload (${size} bytes at start, it ended at ${position})`);
        const whole = short && position === size;
        if (!whole) ahead = readAt(position);
        yield chunk;
        // The consumer asked for the next chunk, so it is done with this one.
        if (reuseBuffers && chunk.buffer.byteLength === FILE_CHUNK) spare.push(new Uint8Array(chunk.buffer, 0, FILE_CHUNK));
        if (whole) return;
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
