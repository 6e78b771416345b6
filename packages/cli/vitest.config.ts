import { defineConfig } from 'vitest/config';
import { ciReporters } from '../../vitest.reports.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests spawn the built binary (dist/bin.js, built by the `build` task first) against real
    // servers; the demo test moves about 40 MiB each way over FTPS.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // JSON reports for .ci/run's closing count, only when FTPKIT_REPORTS is set.
    ...ciReporters(),
  },
});
