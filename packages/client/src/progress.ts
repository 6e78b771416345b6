/**
 * Progress meters: bytes counted as they move, reported as {@link Progress}.
 *
 * Theory of operation: a single transfer counts its own bytes with {@link progressMeter}. A call that
 * moves many files (the Pool's many-item calls, the tree engine) keeps one aggregate meter and feeds
 * it each file's progress as increments ({@link feed}), so the sum is right however the files
 * interleave.
 *
 * @module
 */
import type { Progress } from './calls.js';

/** A byte counter that reports {@link Progress}. */
export interface ProgressMeter {
  /** Bytes counted so far. */
  bytes(): number;
  /** Count `n` more bytes, and report. */
  add(n: number): void;
  /** The progress now. */
  now(): Progress;
}

/** Counts bytes and reports {@link Progress} to `onProgress` on each addition. */
export function progressMeter(onProgress: ((p: Progress) => void) | undefined, total: number | undefined): ProgressMeter {
  let bytes = 0;
  const started = performance.now();
  const now = (): Progress => {
    const seconds = (performance.now() - started) / 1000;
    return { bytes, total, bytesPerSecond: seconds > 0 ? bytes / seconds : 0 };
  };
  return {
    bytes: () => bytes,
    add: (n: number) => {
      bytes += n;
      onProgress?.(now());
    },
    now,
  };
}

/**
 * One item's progress turned into increments of an aggregate meter; `then` is told each item
 * progress after the meter has counted it.
 */
export function feed(meter: ProgressMeter, then?: (item: Progress) => void): (item: Progress) => void {
  let seen = 0;
  return (item) => {
    meter.add(item.bytes - seen);
    seen = item.bytes;
    then?.(item);
  };
}

/** The sum, when every size is known. */
export function sumOrUndefined(sizes: Iterable<number | undefined>): number | undefined {
  let total = 0;
  for (const size of sizes) {
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}
