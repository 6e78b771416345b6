// `pnpm test:bun`: runs the conformance suite and the proxy suite with Bun's own runner,
// `bun test ./test/conformance.test.ts ./test/proxy.test.ts` (the `./` matters: without it Bun takes
// the argument as a name filter).
//
// With FTPKIT_REPORTS set (as .ci/run does), Bun also writes a JUnit report, which is turned into the
// vitest-shaped JSON that .ci/summarize.mjs counts: $FTPKIT_REPORTS/transport.test-bun.json.
// Exits with Bun's exit code.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const reports = process.env.FTPKIT_REPORTS;
const junit = reports ? join(reports, 'transport.test-bun.xml') : undefined;
const args = ['test', './test/conformance.test.ts', './test/proxy.test.ts', ...(junit ? ['--reporter=junit', `--reporter-outfile=${junit}`] : [])];
const run = spawnSync('bun', args, { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
const code = run.status ?? 1;

if (junit) {
  let report = { numTotalTestSuites: 0, numFailedTestSuites: 1, numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, success: false };
  try {
    const xml = readFileSync(junit, 'utf8');
    const top = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
    const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(top)?.[1] ?? 0);
    const tests = attr('tests');
    const failures = attr('failures') + attr('errors');
    const skipped = attr('skipped');
    report = {
      numTotalTestSuites: 1,
      numFailedTestSuites: failures > 0 || code !== 0 ? 1 : 0,
      numPassedTests: tests - failures - skipped,
      numFailedTests: failures,
      numPendingTests: skipped,
      success: failures === 0 && code === 0,
    };
    rmSync(junit);
  } catch {
    // no JUnit file: Bun crashed before writing it; the report says the run failed
  }
  writeFileSync(join(reports, 'transport.test-bun.json'), JSON.stringify(report));
}
process.exit(code);
