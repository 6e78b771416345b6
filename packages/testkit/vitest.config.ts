import { defineConfig } from 'vitest/config';
import { ciReporters } from '../../vitest.reports.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers: a start takes up to about half a second, and proftpd pauses after each fork.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // JSON reports for .ci/run's closing count, only when FTPKIT_REPORTS is set.
    ...ciReporters(),
  },
});
