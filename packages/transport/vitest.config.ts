import { defineConfig } from 'vitest/config';
import { ciReporters } from '../../vitest.reports.ts';

// The conformance suite talks to a real peer process over sockets; a few tests move 32–64 MiB.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    ...ciReporters(),
  },
});
