import { defineConfig } from 'vitest/config';
import { ciReporters } from '../vitest.reports.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A cell's test waits for its runner to reach it: the whole matrix, in the worst case.
    testTimeout: 20 * 60_000,
    hookTimeout: 180_000,
    ...ciReporters(),
  },
});
