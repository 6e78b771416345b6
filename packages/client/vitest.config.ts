import { defineConfig } from 'vitest/config';
import { ciReporters } from '../../vitest.reports.ts';

// Under Deno and Bun (test:deno, test:bun), resolve `@ftpkit/transport` the way those runtimes do
// outside vitest: by their own export condition first. Vite's server conditions are Node's, so
// without this the bare import would load the Node adapter on every runtime.
const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : undefined;

export default defineConfig({
  ...(runtime
    ? { ssr: { resolve: { conditions: [runtime, 'module', 'node', 'development|production'], externalConditions: [runtime, 'node'] } } }
    : {}),
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
