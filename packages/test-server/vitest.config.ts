import { defineConfig } from 'vitest/config';
import { ciReporters } from '../../vitest.reports.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // JSON reports for .ci/run's closing count, only when FTPKIT_REPORTS is set.
    ...ciReporters(),
  },
});
