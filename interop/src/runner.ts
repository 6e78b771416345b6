/**
 * A matrix runner: `<runtime> dist/runner.js CELLS.json CONCURRENCY` runs the scenario for every cell
 * in the file, a few at a time, and prints one JSON {@link CellResult} per line on stdout as each cell
 * ends. The same file runs under Node, Deno and Bun; each picks its own `@ftpkit/transport` adapter
 * through the package's export conditions.
 *
 * @module
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import type { CellResult, CellSpec } from './cell.js';
import { describeError, runScenario } from './scenario.js';

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
/** A cell that takes longer has hung somewhere the client's own timeouts do not reach: a bug. */
const CELL_TIMEOUT_MS = 120_000;

function watchdog(cell: CellSpec): { promise: Promise<CellResult>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<CellResult>((settle) => {
    timer = setTimeout(() => {
      const detail = `the cell did not finish within ${CELL_TIMEOUT_MS / 1000} s`;
      settle({ id: cell.id, runtime, passed: false, steps: [{ step: 'login', outcome: 'fail', ms: CELL_TIMEOUT_MS, detail }], ms: CELL_TIMEOUT_MS });
    }, CELL_TIMEOUT_MS);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

async function runCell(cell: CellSpec): Promise<CellResult> {
  const started = performance.now();
  const scratch = await mkdtemp(join(tmpdir(), 'ftpkit-matrix-'));
  try {
    const steps = await runScenario(cell, scratch);
    return { id: cell.id, runtime, passed: steps.every((s) => s.outcome === 'pass' || s.outcome === 'skipped'), steps, ms: Math.round(performance.now() - started) };
  } catch (error) {
    // Local trouble (the scratch folder), not a step: report it on the first step.
    return { id: cell.id, runtime, passed: false, steps: [{ step: 'login', outcome: 'fail', ms: 0, detail: `runner: ${describeError(error)}` }], ms: 0 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [file, concurrencyArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: runner CELLS.json [CONCURRENCY]');
  const cells = JSON.parse(await readFile(file, 'utf8')) as CellSpec[];
  const concurrency = Math.max(1, Number(concurrencyArg ?? 4));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cells.length) {
      const cell = cells[next++] as CellSpec;
      const guard = watchdog(cell);
      const result = await Promise.race([runCell(cell), guard.promise]);
      guard.cancel();
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cells.length) }, worker));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`runner failed: ${describeError(error)}\n`);
    process.exit(2);
  },
);
