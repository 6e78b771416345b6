// Bare-engine test: loads the BUILT codec (dist/*.js) into QuickJS and runs the scenarios in
// ./scenarios inside it.
//
// QuickJS has no TextDecoder, TextEncoder, timers, console or host APIs, so this proves the codec is
// pure ECMAScript the way an embedder would use it. Each scenario file is an ES module that runs in a
// fresh QuickJS runtime. It may import only:
//   'harness'        ./harness.js: test(), assert(), equal(), throws(), bytes(), log()
//   '@ftpkit/codec'  dist/index.js, and through it the other dist/ modules (relative imports)
// ('../dist/x.js' also resolves, but scenarios should test the public entry point.) Any other
// import fails, which also catches a dependency sneaking into the codec.
//
// A scenario that needs parts of the codec which are not built yet says so in its first lines,
// naming exports of '@ftpkit/codec' (or files, ending in .js):
//   // requires: parsePasv parseListing
// and is reported as skipped while any of them is missing.
//
// Usage: node test-quickjs/run.mjs [--report FILE] [scenario-name-filter]
// With FTPKIT_REPORTS set (as .ci/run does), a JSON report is written to
// $FTPKIT_REPORTS/<package>.test-quickjs.json. Exit status is non-zero on any failure.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getQuickJS, shouldInterruptAfterDeadline } from 'quickjs-emscripten';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const distDir = join(packageDir, 'dist');
const scenarioDir = join(here, 'scenarios');

const MEMORY_LIMIT = 256 * 1024 * 1024;
const SCENARIO_DEADLINE_MS = 30_000;

// Bare names a scenario may import, mapped to module names the loader understands.
const ALIASES = { harness: 'harness.js', '@ftpkit/codec': 'dist/index.js' };
const FORBIDDEN = 'forbidden:';

function parseArgs(argv) {
  const args = { report: undefined, filter: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--report') args.report = argv[++i];
    else args.filter = argv[i];
  }
  if (!args.report && process.env.FTPKIT_REPORTS) {
    args.report = join(process.env.FTPKIT_REPORTS, `${basename(packageDir)}.test-quickjs.json`);
  }
  return args;
}

/** Module name → file on disk, or undefined when the name is outside what scenarios may load. */
function fileOf(name) {
  if (name === 'harness.js') return join(here, 'harness.js');
  if (name.startsWith('scenarios/')) return join(scenarioDir, name.slice('scenarios/'.length));
  if (name.startsWith('dist/')) return join(distDir, name.slice('dist/'.length));
  return undefined;
}

function normalizeModule(base, requested) {
  if (Object.hasOwn(ALIASES, requested)) return ALIASES[requested];
  if (requested.startsWith('./') || requested.startsWith('../')) {
    const name = posix.normalize(posix.join(posix.dirname(base), requested));
    if (fileOf(name) !== undefined && !name.startsWith('../')) return name;
  }
  // Returning an error from the normalizer loses its message in quickjs-emscripten 0.32, so mark
  // the name and let the loader refuse it.
  return `${FORBIDDEN}${requested} (imported from ${base})`;
}

function loadModule(name) {
  if (name.startsWith(FORBIDDEN)) {
    const what = name.slice(FORBIDDEN.length);
    return { error: new Error(`import of '${what}' is not allowed in the bare engine (the codec has no dependencies)`) };
  }
  const file = fileOf(name);
  if (file === undefined || !existsSync(file)) return { error: new Error(`module '${name}' not found`) };
  return readFileSync(file, 'utf8');
}

function requirements(source) {
  const match = /^\/\/\s*requires:\s*(.+)$/m.exec(source.split('\n').slice(0, 10).join('\n'));
  return match ? match[1].trim().split(/\s+/) : [];
}

/** Run one scenario module in a fresh runtime; returns its test results. */
function runScenario(QuickJS, file) {
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(MEMORY_LIMIT);
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + SCENARIO_DEADLINE_MS));
  runtime.setModuleLoader(loadModule, normalizeModule);
  const vm = runtime.newContext();
  try {
    const hostLog = vm.newFunction('log', (text) => {
      console.log(`    | ${vm.getString(text)}`);
    });
    vm.setProp(vm.global, '__ftpkitHostLog', hostLog);
    hostLog.dispose();

    // The driver imports the harness first, so its results array exists before the scenario's tests
    // run, then the scenario, whose top-level test() calls execute during module evaluation.
    const driver = `import { report } from 'harness';\nimport './scenarios/${file}';\nexport const results = report();\n`;
    const evaluated = vm.evalCode(driver, 'driver.js', { type: 'module' });
    if (evaluated.error) {
      const error = vm.dump(evaluated.error);
      evaluated.error.dispose();
      return [{ name: '(loading the scenario)', ok: false, error: describe(error) }];
    }
    const handle = evaluated.value;
    runtime.executePendingJobs();
    const state = vm.getPromiseState(handle);
    let outcome;
    if (state.type === 'fulfilled') {
      const exports = vm.dump(state.value);
      if (!state.notAPromise) state.value.dispose();
      outcome = JSON.parse(exports.results);
    } else if (state.type === 'rejected') {
      outcome = [{ name: '(evaluating the scenario)', ok: false, error: describe(vm.dump(state.error)) }];
      state.error.dispose();
    } else {
      outcome = [{ name: '(evaluating the scenario)', ok: false, error: 'module evaluation never settled' }];
    }
    handle.dispose();
    return outcome;
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}

function describe(error) {
  if (error && typeof error === 'object' && 'message' in error) {
    return `${error.name ?? 'Error'}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`;
  }
  return String(error);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (!existsSync(join(distDir, 'index.js'))) {
    console.error(`QuickJS: ${join(distDir, 'index.js')} is missing; build the codec first (tsc -b).`);
  }
  // What the built entry point exports, read on the host, to decide which scenarios can run.
  const exported = new Set(
    existsSync(join(distDir, 'index.js')) ? Object.keys(await import(pathToFileURL(join(distDir, 'index.js')).href)) : [],
  );
  const QuickJS = await getQuickJS();
  const files = readdirSync(scenarioDir)
    .filter((f) => f.endsWith('.js') && (!args.filter || f.includes(args.filter)))
    .sort();

  const testResults = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of files) {
    const source = readFileSync(join(scenarioDir, file), 'utf8');
    const missing = requirements(source).filter((need) =>
      need.endsWith('.js') ? !existsSync(fileOf(need) ?? need) : !exported.has(need),
    );
    if (missing.length > 0) {
      console.log(`  - ${file}: skipped, not in the built codec yet: ${missing.join(', ')}`);
      skipped++;
      testResults.push({ name: file, status: 'skipped', assertionResults: [], message: `missing ${missing.join(', ')}` });
      continue;
    }
    const t0 = Date.now();
    const results = runScenario(QuickJS, file);
    console.log(`  ${file} (${Date.now() - t0} ms)`);
    for (const r of results) {
      if (r.ok) passed++;
      else failed++;
      console.log(`    ${r.ok ? '✓' : '✗'} ${r.name}`);
      if (!r.ok) console.log(r.error.replace(/^/gm, '        '));
    }
    testResults.push({
      name: file,
      status: results.every((r) => r.ok) ? 'passed' : 'failed',
      assertionResults: results.map((r) => ({
        title: r.name,
        fullName: `${file} > ${r.name}`,
        status: r.ok ? 'passed' : 'failed',
        failureMessages: r.ok ? [] : [r.error],
      })),
    });
  }

  const success = failed === 0 && passed > 0;
  // Deliberately not the bare "N passed, N failed" shape: .ci/run prints the one summary line.
  console.log(
    `QuickJS bare engine: ${passed} tests passed and ${failed} failed` +
      `${skipped ? `, ${skipped} scenario file(s) skipped` : ''} (${Date.now() - started} ms)`,
  );
  if (passed === 0 && failed === 0) console.log('QuickJS bare engine: no test ran, which counts as a failure');

  if (args.report) {
    mkdirSync(dirname(args.report), { recursive: true });
    const report = {
      runner: 'quickjs',
      numTotalTests: passed + failed,
      numPassedTests: passed,
      numFailedTests: failed,
      numPendingTests: 0,
      numSkippedScenarios: skipped,
      success,
      testResults,
    };
    writeFileSync(args.report, `${JSON.stringify(report, null, 2)}\n`);
  }
  process.exitCode = success ? 0 : 1;
}

await main();
