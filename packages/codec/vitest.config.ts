import { defineConfig } from 'vitest/config';

// .ci/run sets FTPKIT_REPORTS so every runner (vitest on Node, Deno and Bun) leaves a JSON report
// there for the final "N passed, N failed" line. The file name matches the package script.
const reports = process.env.FTPKIT_REPORTS;
const script = 'Deno' in globalThis ? 'test-deno' : 'Bun' in globalThis ? 'test-bun' : 'test';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    ...(reports
      ? { reporters: ['default', 'json'], outputFile: { json: `${reports}/codec.${script}.json` } }
      : {}),
  },
});
