/**
 * Timing checks for the tests that prove a parser runs in linear time.
 *
 * The suite runs beside the whole monorepo's tests on shared 2-core machines, where a collection, a
 * busy neighbour or a descheduled process only ever adds time. So a check counts the fastest of
 * several runs, and a miss is measured again after a pause, a few times, before it fails. A parser
 * that really searches on to the end of its text misses every attempt: its cost grows with the
 * square of the input, which no pause and no retry can hide.
 */

/** Milliseconds `work` takes, once. */
export const elapsed = (work: () => unknown): number => {
  const started = performance.now();
  work();
  return performance.now() - started;
};

/** The fastest of `runs` timings of `work`, milliseconds. */
export const fastest = (work: () => unknown, runs: number): number => {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, elapsed(work));
  return best;
};

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const ATTEMPTS = 5;

/**
 * Does `work(n)` grow linearly in `n`? Four times the input must take less than twelve times as long
 * (linear: four; quadratic: sixteen, however fast each step). Timings under `floorMs` count as
 * `floorMs`, since below it a timer's resolution and a stray collection decide the ratio. Returns
 * the last ratio measured, for the message.
 */
export async function scalesLinearly(
  work: (n: number) => () => unknown,
  n: number,
  floorMs = 3,
): Promise<{ linear: boolean; ratio: number }> {
  const small = work(n);
  const big = work(4 * n);
  let ratio = Infinity;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(50 * 2 ** attempt);
    const runs = attempt === 0 ? 1 : 3;
    ratio = fastest(big, runs) / Math.max(fastest(small, runs), floorMs);
    if (ratio < 12) return { linear: true, ratio };
  }
  return { linear: false, ratio };
}

/**
 * The fastest time `work` took over up to five attempts, stopping at the first under `boundMs`.
 * Tests compare it with the bound: a hang or a quadratic search misses every attempt.
 */
export async function fastestWithin(work: () => unknown, boundMs: number): Promise<number> {
  let best = Infinity;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(50 * 2 ** attempt);
    best = Math.min(best, elapsed(work));
    if (best < boundMs) break;
  }
  return best;
}
