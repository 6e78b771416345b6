/**
 * File upload sources (io/sources.ts): the bytes of the file from `startAt`, in chunks of at most
 * 1 MiB, whatever the size (a small file, one byte either side of a chunk, several chunks) and with
 * buffers reused or not; a file that grows or shrinks while it is read fails with LocalFileError
 * rather than passing for a whole one.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { LocalFileError } from '../src/index.js';
import { openSource } from '../src/io/sources.js';

const MiB = 1024 * 1024;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ftpkit-sources-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every chunk copied as it comes (a reused buffer is refilled once the next is asked for). */
async function collect(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; sizes: number[] }> {
  const copies: Buffer[] = [];
  for await (const chunk of chunks) copies.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(copies), sizes: copies.map((c) => c.length) };
}

describe('a file source', () => {
  test.each([0, 1, 1024, MiB - 1, MiB, MiB + 1, 2 * MiB + 12_345])('%d bytes: the file exactly, in chunks of at most 1 MiB, buffers reused or not', async (size) => {
    const content = randomBytes(size);
    const path = join(dir, `f${size}.bin`);
    await writeFile(path, content);
    for (const reuse of [false, true]) {
      for (const startAt of [0, Math.floor(size / 3)]) {
        const source = await openSource(path, startAt, reuse);
        expect(source.size).toBe(size - startAt);
        const { bytes, sizes } = await collect(source.chunks);
        expect(bytes.equals(content.subarray(startAt))).toBe(true);
        expect(sizes.every((n) => n > 0 && n <= MiB)).toBe(true);
      }
    }
  });

  test('a file that fits one read costs one read and no stat: the short read is its end', async () => {
    const path = join(dir, 'one-read.bin');
    const content = randomBytes(1024);
    await writeFile(path, content);
    const probe = await open(path, 'r');
    const handles = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => unknown; stat: (...args: unknown[]) => unknown };
    await probe.close();
    const reads = vi.spyOn(handles, 'read');
    const stats = vi.spyOn(handles, 'stat');
    try {
      const { bytes } = await collect((await openSource(path, 0)).chunks);
      expect(bytes.equals(content)).toBe(true);
      expect(reads).toHaveBeenCalledTimes(1);
      expect(stats).not.toHaveBeenCalled();
      // A file of exactly one chunk fills its read: one more read (of nothing) and a stat say it is whole.
      await writeFile(path, randomBytes(MiB));
      reads.mockClear();
      expect((await collect((await openSource(path, 0)).chunks)).bytes.length).toBe(MiB);
      expect(reads).toHaveBeenCalledTimes(2);
      expect(stats).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
      stats.mockRestore();
    }
  });

  test('a file that grows while it is read: LocalFileError, however small', async () => {
    for (const size of [10, 3 * MiB]) {
      const path = join(dir, `grows${size}.bin`);
      await writeFile(path, randomBytes(size));
      const source = await openSource(path, 0);
      await appendFile(path, 'more');
      await expect(collect(source.chunks)).rejects.toBeInstanceOf(LocalFileError);
    }
  });

  test('a file rewritten to its old size while it is read (shrunk, then grown back): LocalFileError', async () => {
    const path = join(dir, 'rewritten.bin');
    await writeFile(path, randomBytes(3 * MiB));
    const source = await openSource(path, 0);
    await truncate(path, 1.5 * MiB); // before the first read: the read after it comes back short
    const chunks = source.chunks[Symbol.asyncIterator]();
    expect((await chunks.next()).value).toHaveLength(MiB);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the read ahead has met the shortened end
    await appendFile(path, randomBytes(1.5 * MiB)); // back to 3 MiB, other bytes
    await expect((async () => {
      for (let next = await chunks.next(); !next.done; next = await chunks.next());
    })()).rejects.toBeInstanceOf(LocalFileError);
  });

  test('a file that shrinks while it is read: LocalFileError', async () => {
    for (const size of [10, 3 * MiB]) {
      const path = join(dir, `shrinks${size}.bin`);
      await writeFile(path, randomBytes(size));
      const source = await openSource(path, 0);
      await truncate(path, size - 5);
      await expect(collect(source.chunks)).rejects.toBeInstanceOf(LocalFileError);
    }
  });
});
