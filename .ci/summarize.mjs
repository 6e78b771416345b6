// Sums what .ci/run left in the reports folder into one closing line, `N passed, N failed`.
//
// What counts, and how:
// - Every test script a package (packages/* and interop) declares (test, test:deno, test:bun,
//   test:quickjs, test:workerd) should leave a
//   report named <package dir>.<script with ':' as '-'>.json (vitest's JSON reporter: see
//   vitest.reports.ts) or .xml (JUnit). Its test cases count one each. Without a report, a runner
//   that exited 0 counts as 1 passed, and one that crashed or never ran (the build failed) as 1
//   failed. A report that says the run failed without naming a failed test (a file that did not
//   load, an unhandled error) counts 1 failed, and so does a non-zero exit with a clean report.
// - Every other turbo task of the test run (build, typecheck) counts as 1, by its exit code, taken
//   from turbo's run summary (`--summarize`).
// - steps.tsv holds `name<TAB>exit code` lines written by .ci/run. `changesets` and `docs` count as 1 each. `install`
//   and `test` (the whole `pnpm test`) count only when they fail, and only if nothing else already
//   explains the failure.
//
// Usage: node .ci/summarize.mjs <reports dir> <turbo runs dir>
// Exits 1 when anything failed or nothing passed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const reportsDir = resolve(process.argv[2] ?? join(root, '.ci/reports'));
const runsDir = resolve(process.argv[3] ?? join(root, '.turbo/runs'));
const TEST_SCRIPTS = ['test', 'test:deno', 'test:bun', 'test:quickjs', 'test:workerd'];

const rows = []; // [source, passed, failed, note]
const add = (source, passed, failed, note = '') => rows.push({ source, passed, failed, note });

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Counts from a JUnit XML report (for example `bun test --reporter=junit`), in vitest's field names. */
function readJunit(file) {
  let xml;
  try {
    xml = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? /<testsuite\b[^>]*>/.exec(xml)?.[0];
  if (!root) return undefined;
  const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
  const total = attr('tests');
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  return { numPassedTests: total - failed - skipped, numFailedTests: failed, numPendingTests: skipped, success: failed === 0 };
}

const steps = new Map();
const stepsFile = join(reportsDir, 'steps.tsv');
if (existsSync(stepsFile)) {
  for (const line of readFileSync(stepsFile, 'utf8').split('\n')) {
    const [name, code] = line.split('\t');
    if (name) steps.set(name, Number(code));
  }
}

// turbo's run summary: the newest file in .turbo/runs.
const turboTasks = new Map();
if (existsSync(runsDir)) {
  const runs = readdirSync(runsDir).filter((f) => f.endsWith('.json'));
  runs.sort((a, b) => (readJson(join(runsDir, a))?.execution?.startTime ?? 0) - (readJson(join(runsDir, b))?.execution?.startTime ?? 0));
  const latest = runs.length ? readJson(join(runsDir, runs[runs.length - 1])) : undefined;
  for (const task of latest?.tasks ?? []) {
    turboTasks.set(task.taskId, { exitCode: task.execution?.exitCode, cache: task.cache?.status });
  }
}

if (steps.has('install') && steps.get('install') !== 0) add('pnpm install', 0, 1, `exit ${steps.get('install')}`);

// Build and typecheck tasks, one count each.
for (const [taskId, { exitCode }] of turboTasks) {
  const task = taskId.slice(taskId.lastIndexOf('#') + 1);
  if (TEST_SCRIPTS.includes(task)) continue;
  if (exitCode === undefined) add(taskId, 0, 1, 'did not run');
  else add(taskId, exitCode === 0 ? 1 : 0, exitCode === 0 ? 0 : 1, exitCode === 0 ? '' : `exit ${exitCode}`);
}

// Test runners, by their reports.
const packagesDir = join(root, 'packages');
const workspaces = [...readdirSync(packagesDir).sort().map((dir) => [dir, join(packagesDir, dir)]), ['interop', join(root, 'interop')]];
for (const [dir, path] of workspaces) {
  const manifest = readJson(join(path, 'package.json'));
  if (!manifest) continue;
  for (const script of TEST_SCRIPTS) {
    if (!manifest.scripts?.[script]) continue;
    const name = `${dir}.${script.replace(':', '-')}`;
    const taskId = `${manifest.name}#${script}`;
    const exitCode = turboTasks.get(taskId)?.exitCode;
    const report = readJson(join(reportsDir, `${name}.json`)) ?? readJunit(join(reportsDir, `${name}.xml`));
    if (!report) {
      if (exitCode === 0) add(taskId, 1, 0, 'no report: counted as one, by its exit code');
      else add(taskId, 0, 1, exitCode === undefined ? 'no report, did not run' : `no report, exit ${exitCode}`);
      continue;
    }
    const passed = report.numPassedTests ?? 0;
    let failed = report.numFailedTests ?? 0;
    const notes = [];
    if (report.success === false && failed === 0) {
      failed = 1;
      notes.push(
        report.numTotalTestSuites === 0
          ? 'no test files found'
          : `run failed (${report.numFailedTestSuites ?? 0} failed suites, see the log)`,
      );
    } else if (exitCode !== undefined && exitCode !== 0 && failed === 0) {
      failed = 1;
      notes.push(`exit ${exitCode} with a clean report`);
    }
    if (report.numPendingTests) notes.push(`${report.numPendingTests} skipped`);
    if (report.numSkippedScenarios) notes.push(`${report.numSkippedScenarios} scenario files skipped`);
    if (passed + failed === 0) {
      failed = 1;
      notes.push('no test ran');
    }
    add(taskId, passed, failed, notes.join('; '));
  }
}

for (const [step, label] of [['changesets', 'changeset status'], ['docs', 'pnpm docs']]) {
  if (!steps.has(step)) continue;
  const code = steps.get(step);
  add(label, code === 0 ? 1 : 0, code === 0 ? 0 : 1, code === 0 ? '' : `exit ${code}`);
}

const passed = rows.reduce((n, r) => n + r.passed, 0);
let failed = rows.reduce((n, r) => n + r.failed, 0);
if (steps.has('test') && steps.get('test') !== 0 && failed === 0) {
  add('pnpm test', 0, 1, `exit ${steps.get('test')} with nothing else failing`);
  failed++;
}

const width = Math.max(6, ...rows.map((r) => r.source.length));
console.log('');
console.log(`${'source'.padEnd(width)}  passed  failed  note`);
for (const r of rows) {
  console.log(`${r.source.padEnd(width)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${r.note}`);
}
console.log('');
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
