// JSON test reports for .ci/run. When FTPKIT_REPORTS is set, a package's vitest config spreads
// `ciReporters()` into its `test` options, and each runner (vitest on Node, Deno or Bun) writes
// $FTPKIT_REPORTS/<package dir>.<script>.json, which .ci/summarize.mjs adds up. Without the
// variable it returns nothing and vitest keeps its default reporter.
//
//   import { ciReporters } from '../../vitest.reports.ts';
//   export default defineConfig({ test: { include: ['test/**/*.test.ts'], ...ciReporters() } });
import { basename } from 'node:path';

export function ciReporters(scriptName?: string): { reporters?: string[]; outputFile?: { json: string } } {
  const dir = process.env.FTPKIT_REPORTS;
  if (!dir) return {};
  // The file name matches the package script: test, test:deno or test:bun (':' becomes '-'), or the
  // one named (test:workerd runs on Node).
  const script = scriptName?.replace(':', '-') ?? ('Deno' in globalThis ? 'test-deno' : 'Bun' in globalThis ? 'test-bun' : 'test');
  // Package scripts run in the package's own folder.
  return { reporters: ['default', 'json'], outputFile: { json: `${dir}/${basename(process.cwd())}.${script}.json` } };
}
