import { defineConfig } from 'vitest/config';
import { ciReporters } from '../vitest.reports.ts';

export default defineConfig({
  test: {
    include: ['workers/**/*.test.ts'],
    // A cell starts a server and a workerd and runs about a second of FTP; three at a time on 2 cores.
    testTimeout: 300_000,
    maxConcurrency: 3,
    hookTimeout: 180_000,
    ...ciReporters('test:workerd'),
  },
});
