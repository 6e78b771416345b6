/**
 * A seeded pseudo-random generator for tests that draw random cut points, sizes or operations and
 * must be replayable from a printed seed (Math.random cannot be seeded).
 *
 * @module
 */

/**
 * mulberry32: 32 bits of state, uniform floats in [0, 1). Not for cryptography.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const offset = Math.floor(random() * size);
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
