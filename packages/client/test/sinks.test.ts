import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError } from '../src/errors.js';
import { lending } from '../src/io/lending.js';
import { MEMORY_JOIN_BELOW, MemorySink, openSink, recyclingDestination } from '../src/io/sinks.js';
import { heldListing } from '../src/ops/listing.js';

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

  test('a batch reaches the system as writes of at most 64 KiB, several in flight at once', async () => {
    // Large writes make the page cache take large blocks, which a virtual machine may have handed
    // back to its host (FILE_WRITE_PIECE in sinks.ts). The pieces are positional and all in flight.
    const { open: openFile } = await import('node:fs/promises');
    const probe = await openFile(join(dir, 'probe.bin'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const original = proto.write;
    const lengths: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    proto.write = async function (this: unknown, ...args: unknown[]) {
      lengths.push((args[2] as number | undefined) ?? (args[0] as Uint8Array).length);
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await original.apply(this, args);
      } finally {
        inFlight--;
      }
    };
    const path = join(dir, 'pieces.bin');
    try {
      const sink = await openSink(path, 0);
      for (let i = 0; i < 24; i++) await sink.write(chunk(100 * 1024, i), undefined);
      for (let i = 0; i < 200; i++) await sink.write(chunk(16 * 1024, (24 + i) % 251), undefined);
      await sink.commit();
    } finally {
      proto.write = original;
    }
    expect(lengths.length).toBeGreaterThan(0);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(64 * 1024);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(24 * 100 * 1024 + 200 * 16 * 1024);
    expect(mostInFlight).toBeGreaterThan(1);
    const bytes = readFileSync(path);
    for (let i = 0; i < 24; i++) expect(bytes[i * 100 * 1024 + 99 * 1024]).toBe(i);
    for (let i = 0; i < 200; i++) expect(bytes[24 * 100 * 1024 + i * 16 * 1024 + 5]).toBe((24 + i) % 251);
  });

  test('any chunking lands in the file byte for byte, every chunk given back once', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 300 * 1024 }), { minLength: 1, maxLength: 40 }), async (sizes) => {
        const path = join(dir, `any-${run++}.bin`);
        const sink = await openSink(path, 0);
        const expected: number[] = [];
        let given = 0;
        let back = 0;
        for (const [i, size] of sizes.entries()) {
          const c = new Uint8Array(size);
          for (let j = 0; j < size; j += 4096) c[j] = (i * 7 + j / 4096) & 255;
          expected.push(size);
          given++;
          await sink.write(c, () => back++);
        }
        await sink.commit();
        expect(back).toBe(given);
        const bytes = readFileSync(path);
        expect(bytes.length).toBe(expected.reduce((a, b) => a + b, 0));
        let at = 0;
        for (const [i, size] of expected.entries()) {
          for (let j = 0; j < size; j += 4096) if (bytes[at + j] !== ((i * 7 + j / 4096) & 255)) throw new Error(`chunk ${i} byte ${j} misplaced`);
          at += size;
        }
        rmSync(path);
      }),
      { numRuns: 25 },
    );
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

  test('lending: a chunk goes back once the function returns, or once its promise settles, never on a failure', async () => {
    const back: Uint8Array[] = [];
    const recycle = (c: Uint8Array): void => void back.push(c);
    // A plain function: back as soon as it returns, and it saw the chunk before that.
    const seen: number[] = [];
    const sync = await openSink(lending((c) => void seen.push(back.length, c[0]!)), 0);
    const first = chunk(8, 1);
    await sync.write(first, recycle);
    expect(seen).toEqual([0, 1]);
    expect(back).toEqual([first]);

    // An async one: not while its promise is pending, whatever else happens meanwhile.
    let finish!: () => void;
    const async = await openSink(lending(() => new Promise<void>((resolve) => (finish = resolve))), 0);
    const second = chunk(8, 2);
    const pending = async.write(second, recycle);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(back).toEqual([first]);
    finish();
    await pending;
    expect(back).toEqual([first, second]);

    // A failure fails the write and keeps the chunk out of reuse, thrown or rejected.
    const refused = new Error('disk full');
    for (const fails of [() => Promise.reject(refused), () => { throw refused; }]) {
      const failing = await openSink(lending(fails), 0);
      await expect(Promise.resolve().then(() => failing.write(chunk(8, 3), recycle))).rejects.toBe(refused);
    }
    expect(back).toEqual([first, second]);

    // Called as any function destination is, with the chunk only (no transport to give it to).
    const plain: Uint8Array[] = [];
    const destination = lending((c) => void plain.push(c)) as (chunk: Uint8Array) => void;
    destination(chunk(8, 4));
    expect(plain).toHaveLength(1);
    expect(back).toHaveLength(2);

    expect(() => lending('stdout' as never)).toThrow(InvalidArgumentError);
  });

  test('a discarded file sink leaves no temporary file behind', async () => {
    const sub = mkdtempSync(join(dir, 'discard-'));
    const sink = await openSink(join(sub, 'never.bin'), 0);
    await sink.write(chunk(2 * 1024 * 1024, 3), () => {});
    await sink.discard();
    expect(readdirSync(sub)).toEqual([]);
  });

  test('a download to memory gives back exactly the bytes, in order, for any chunking across the join bound', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 * 1024 }), { minLength: 0, maxLength: 12 }), (sizes) => {
        const sink = new MemorySink();
        let recycled = 0;
        const expected: number[] = [];
        sizes.forEach((size, i) => {
          const c = chunk(size, i + 1);
          sink.write(c, (done) => {
            recycled++;
            done.fill(0); // reused by the transport at once: the copy must not change
          });
          expected.push(i + 1, size);
        });
        const bytes = sink.bytes();
        const total = sizes.reduce((a, b) => a + b, 0);
        expect(bytes.length).toBe(total);
        let at = 0;
        for (let i = 0; i < sizes.length; i++) {
          expect(bytes[at]).toBe(i + 1);
          expect(bytes[at + sizes[i]! - 1]).toBe(i + 1);
          at += sizes[i]!;
        }
        // Past the bound every chunk is copied and given back; below it none is (they are kept).
        if (total <= MEMORY_JOIN_BELOW) expect(recycled).toBe(0);
        else expect(recycled).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  test('a big download to memory grows one array and gives every chunk back as it is copied', () => {
    const sink = new MemorySink();
    const size = 256 * 1024;
    const count = 64; // 16 MiB
    let recycled = 0;
    for (let i = 0; i < count; i++) sink.write(chunk(size, i), () => recycled++);
    const bytes = sink.bytes();
    expect(bytes.length).toBe(size * count);
    expect(bytes.byteLength).toBe(bytes.buffer.byteLength); // no slack kept beyond the bytes
    for (let i = 0; i < count; i++) expect(bytes[i * size + 7]).toBe(i);
    // The first chunks (up to 1 MiB) were kept until the array was made; every later one went back.
    expect(recycled).toBe(count - MEMORY_JOIN_BELOW / size);
  });

  test('a held listing copies each chunk out and gives it back at once, so the slab can carry the next read', () => {
    const held = heldListing('utf8');
    if (held.io.direction !== 'download') throw new Error('a listing downloads');
    // One slab, as a transport's first slab: every chunk is cut from it, and a chunk given back is
    // written over by the next read, as the transport would.
    const slab = new Uint8Array(64);
    const lines = ['-rw-r--r-- 1 ftp ftp 1024 Dec 05 08:00 a.bin\r\n', '-rw-r--r-- 1 ftp ftp 2048 Dec 05 08:00 b.bin\r\n'];
    const recycled: Uint8Array[] = [];
    for (const line of lines) {
      const bytes = new TextEncoder().encode(line);
      const c = slab.subarray(0, bytes.length);
      c.set(bytes);
      void held.io.write(c, (done) => {
        recycled.push(done);
        done.fill(0x58); // the next read lands here
      });
    }
    expect(recycled).toHaveLength(2);
    expect(held.text()).toBe(lines.join(''));
  });
});
