import { describe, expect, test } from 'vitest';
import { SlabPool } from '../src/internal/slab-pool.js';

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
});
