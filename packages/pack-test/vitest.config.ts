import { defineConfig } from 'vitest/config';
import { ciReporters } from '../../vitest.reports.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each step spawns a runtime against a real server; the whole file stays well under 2 minutes.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    ...ciReporters(),
  },
});
