import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openSink, recyclingDestination } from '../src/io/sinks.js';

const dir = mkdtempSync(join(tmpdir(), 'ftpkit-sinks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const chunk = (size: number, value: number): Uint8Array => new Uint8Array(size).fill(value);

describe('download sinks and recycling', () => {
  test('a file sink gives every chunk back once, only after it is written', async () => {
    const path = join(dir, 'file.bin');
    const sink = await openSink(path, 0);
    const recycled: Uint8Array[] = [];
    const chunks = Array.from({ length: 40 }, (_, i) => chunk(100 * 1024, i));
    for (const c of chunks) await sink.write(c, (done) => recycled.push(done));
    await sink.commit();
    expect(recycled).toHaveLength(chunks.length);
    expect(new Set(recycled).size).toBe(chunks.length);
    for (const c of chunks) expect(recycled).toContain(c);
    // What was recycled had been written: the file holds every chunk in order.
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(40 * 100 * 1024);
    for (let i = 0; i < 40; i++) expect(bytes[i * 100 * 1024]).toBe(i);
  });

  test('small chunks (TLS gives 16 KiB) are copied into one write and given back at once, unharmed by reuse', async () => {
    const path = join(dir, 'small.bin');
    const sink = await openSink(path, 0);
    const size = 16 * 1024;
    const count = 300; // over four 1 MiB batches
    let recycled = 0;
    for (let i = 0; i < count; i++) {
      await sink.write(chunk(size, i % 251), (done) => {
        recycled++;
        done.fill(0xff); // the transport may fill a recycled chunk with later reads at once
      });
      // The 64th fills the first 1 MiB batch: copied and given back now, while its write goes on.
      if (i === 63) expect(recycled).toBe(64);
    }
    await sink.commit();
    expect(recycled).toBe(count);
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(count * size);
    for (let i = 0; i < count; i++) {
      const piece = bytes.subarray(i * size, (i + 1) * size);
      if (!piece.every((b) => b === i % 251)) throw new Error(`chunk ${i} was not written as it came`);
    }
  });

  test('a chunk is not given back while its write is still pending', async () => {
    const path = join(dir, 'pending.bin');
    const sink = await openSink(path, 0);
    const recycled: Uint8Array[] = [];
    const first = chunk(512 * 1024, 1);
    await sink.write(first, (done) => recycled.push(done));
    expect(recycled).toHaveLength(0); // gathered into the batch, not written yet
    await sink.commit();
    expect(recycled).toEqual([first]);
  });

  test("a caller's function never sees recycle; ours does", async () => {
    const seen: unknown[][] = [];
    const theirs = await openSink((...args: unknown[]) => void seen.push(args), 0);
    await theirs.write(chunk(8, 1), () => {});
    expect(seen).toHaveLength(1);
    expect(seen[0]).toHaveLength(1);

    const ours: unknown[] = [];
    const recycle = (_: Uint8Array): void => {};
    const sink = await openSink(recyclingDestination((_c, r) => void ours.push(r)), 0);
    await sink.write(chunk(8, 1), recycle);
    expect(ours).toEqual([recycle]);
  });

  test('a discarded file sink leaves no temporary file behind', async () => {
    const sub = mkdtempSync(join(dir, 'discard-'));
    const sink = await openSink(join(sub, 'never.bin'), 0);
    await sink.write(chunk(2 * 1024 * 1024, 3), () => {});
    await sink.discard();
    expect(readdirSync(sub)).toEqual([]);
  });
});
