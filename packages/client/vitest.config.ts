import { defineConfig } from 'vitest/config';
import { ciReporters } from '../../vitest.reports.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers (interop.test.ts, runtime-smoke.test.ts): starts take up to about half a second,
    // ProFTPD pauses after each fork, and the interop steps move 100 MiB.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // JSON reports for .ci/run's closing count, only when FTPKIT_REPORTS is set.
    ...ciReporters(),
  },
});
