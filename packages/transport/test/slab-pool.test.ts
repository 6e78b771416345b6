import { describe, expect, test } from 'vitest';
import { SlabPool, SlabShelf } from '../src/internal/slab-pool.js';

const fill = (room: Uint8Array, bytes: number, value: number): void => void room.fill(value, 0, bytes);

describe('SlabPool', () => {
  test('chunks are cut back to back and never overlap', () => {
    const pool = new SlabPool(1024, 100);
    const chunks = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => {
      fill(pool.room(), 300, i);
      return pool.take(300);
    });
    chunks.forEach((chunk, i) => expect(chunk.every((b) => b === i)).toBe(true));
    expect(new Set(chunks.map((c) => c.buffer)).size).toBeGreaterThan(1);
  });

  test('a retired slab is reused only once every chunk cut from it came back', () => {
    const pool = new SlabPool(1024, 512);
    fill(pool.room(), 400, 1);
    const a = pool.take(400);
    fill(pool.room(), 400, 2);
    const b = pool.take(400); // 224 bytes left: the next room() retires this slab
    pool.room();
    expect(pool.freeSlabs).toBe(0);
    pool.recycle(a);
    expect(pool.freeSlabs).toBe(0); // b is still out
    pool.recycle(b);
    expect(pool.freeSlabs).toBe(1);
    expect(b.every((x) => x === 2)).toBe(true); // nothing was written into it yet
  });

  test('a recycled slab carries the next reads, one still out does not', () => {
    const pool = new SlabPool(1024, 512);
    const first = pool.take(pool.room().length);
    pool.recycle(first);
    // first's slab is full and nothing of it is out: retired and taken again at once.
    const second = pool.room();
    expect(second.buffer).toBe(first.buffer);
    const kept = pool.take(second.length);
    const third = pool.room(); // kept is out: a new slab
    expect(third.buffer).not.toBe(kept.buffer);
  });

  test('chunks never recycled keep their bytes', () => {
    const pool = new SlabPool(1024, 512);
    const kept: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const room = pool.room();
      fill(room, 600, i);
      kept.push(pool.take(600));
    }
    kept.forEach((chunk, i) => expect(chunk.every((b) => b === i)).toBe(true));
    expect(pool.freeSlabs).toBe(0);
  });

  test('copy takes bytes larger than a slab into a slab of their own', () => {
    const pool = new SlabPool(1024, 512);
    const big = new Uint8Array(3000).fill(9);
    const chunk = pool.copy(big);
    expect(chunk).toEqual(big);
    expect(chunk.buffer).not.toBe(big.buffer);
  });

  test('the first slab is small and new; later ones have the full size', () => {
    const allocated: number[] = [];
    const allocate = (bytes: number): Uint8Array => (allocated.push(bytes), new Uint8Array(bytes));
    const shelf = new SlabShelf(4);
    shelf.put(new Uint8Array(1024));
    const pool = new SlabPool(1024, 256, { firstSlab: 128, allocate, shelf });
    expect(pool.room().length).toBe(128); // not the waiting 1024-byte slab
    pool.take(100); // 28 left: under a quarter of 128, so the next read gets another slab
    expect(pool.room().length).toBe(1024);
    expect(allocated).toEqual([128]); // the full-size one came from the shelf
    pool.take(1024);
    expect(pool.room().length).toBe(1024);
    expect(allocated).toEqual([128, 1024]);
  });

  test('pools sharing a shelf reuse each other\'s slabs, and the shelf keeps at most its maximum', () => {
    const shelf = new SlabShelf(2);
    const a = new SlabPool(1024, 512, { shelf });
    const b = new SlabPool(1024, 512, { shelf });
    const fromA = [0, 1, 2].map(() => a.take(a.room().length));
    a.room(); // retires the third slab
    for (const chunk of fromA) a.recycle(chunk);
    expect(shelf.size).toBe(2);
    b.take(b.room().length); // b's first slab is always a new one
    const room = b.room();
    expect(fromA.some((chunk) => chunk.buffer === room.buffer)).toBe(true);
    expect(shelf.size).toBe(1);
  });

  test('a shelf keeps slabs of one size only', () => {
    const shelf = new SlabShelf(4);
    shelf.put(new Uint8Array(1024));
    shelf.put(new Uint8Array(512));
    expect(shelf.size).toBe(1);
    expect(shelf.take(512)).toBeUndefined();
    expect(shelf.take(1024)?.length).toBe(1024);
  });

  describe('retire: a connection that reads no more gives its slab back', () => {
    const counting = (): { allocated: number[]; allocate: (bytes: number) => Uint8Array } => {
      const allocated: number[] = [];
      return { allocated, allocate: (bytes) => (allocated.push(bytes), new Uint8Array(bytes)) };
    };

    test('one small file a connection: the next connection reads into the same first slab', () => {
      const { allocated, allocate } = counting();
      const firstShelf = new SlabShelf(4);
      const buffers = new Set<ArrayBufferLike>();
      for (let i = 0; i < 100; i++) {
        const pool = new SlabPool(1024, 256, { firstSlab: 128, allocate, firstShelf });
        fill(pool.room(), 40, i);
        const chunk = pool.take(40);
        expect(chunk.every((b) => b === i)).toBe(true);
        buffers.add(chunk.buffer);
        pool.recycle(chunk); // the file sink wrote it
        pool.retire(); // the data connection closed
      }
      expect(allocated).toEqual([128]);
      expect(buffers.size).toBe(1);
    });

    test('a chunk still out keeps its slab off the shelf, and its bytes, until it comes back', () => {
      const { allocated, allocate } = counting();
      const firstShelf = new SlabShelf(4);
      const a = new SlabPool(1024, 256, { firstSlab: 128, allocate, firstShelf });
      fill(a.room(), 40, 7);
      const kept = a.take(40);
      a.retire();
      expect(firstShelf.size).toBe(0);
      const b = new SlabPool(1024, 256, { firstSlab: 128, allocate, firstShelf });
      fill(b.room(), 128, 9); // a new slab: writing it cannot touch `kept`
      expect(b.take(128).buffer).not.toBe(kept.buffer);
      expect(kept.every((x) => x === 7)).toBe(true);
      a.recycle(kept);
      expect(firstShelf.size).toBe(1);
      const c = new SlabPool(1024, 256, { firstSlab: 128, allocate, firstShelf });
      expect(c.room().buffer).toBe(kept.buffer);
      expect(allocated).toEqual([128, 128]);
    });

    test('a full-size slab goes back to the shelf of full-size slabs', () => {
      const shelf = new SlabShelf(4);
      const firstShelf = new SlabShelf(4);
      const pool = new SlabPool(1024, 256, { firstSlab: 128, shelf, firstShelf });
      pool.recycle(pool.take(pool.room().length)); // fills the first slab
      expect(pool.room().length).toBe(1024); // the first slab came back at once and is on its shelf
      const big = pool.take(600);
      pool.retire();
      expect([shelf.size, firstShelf.size]).toEqual([0, 1]);
      pool.recycle(big);
      expect([shelf.size, firstShelf.size]).toEqual([1, 1]);
    });

    test('without a first shelf, first slabs are left to the garbage collector; retiring twice is harmless', () => {
      const shelf = new SlabShelf(4);
      const pool = new SlabPool(1024, 256, { firstSlab: 128, shelf });
      pool.take(10);
      pool.room();
      pool.retire();
      pool.retire();
      expect(shelf.size).toBe(0);
    });
  });
});
