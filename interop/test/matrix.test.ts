// The interop matrix of issue 5: every real server × security mode × data mode × address family ×
// runtime, and (issue 19) the passive cells of vsftpd and pyftpdlib through Dante and tinyproxy.
// Cells that cannot exist carry their reason (matrix.ts); every other cell is one test here.
//
// How it runs, one address family after the other: start one server process per instance key
// (kind × family × implicit × reuse × TLS pin), at most four at a time, then one runner process per
// runtime (Node, Deno, Bun: src/runner.ts compiled to dist/). Each runner runs its cells a few at a
// time against the shared servers, each cell in a folder of its own, and reports every cell as it
// ends; each test waits for its cell's report. The servers stop at the end of their phase;
// afterAll writes MATRIX.md.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, LocalProtocolError } from '@ftpkit/client';
import { SERVER_KINDS, startProxy, startServer, type RunningProxy, type RunningServer } from '@ftpkit/testkit';
import type { CellResult, CellSpec } from '../src/cell.js';
import { allCells, FAMILIES, REASONS, RUNTIMES, type Cell, type InstanceKey, type ProxyRoute, type Runtime } from './matrix.js';
import { renderMatrix, withWorkersSection, workersSection } from './report.js';
import { cellSpec, interleave, makeRoots, mapLimit, RUNTIME_COMMANDS, runRuntime, startInstance } from './run.js';

/** FTPKIT_MATRIX_SERVERS=vsftpd,proftpd runs only those servers' cells (for debugging; MATRIX.md is then partial). */
const ONLY = process.env.FTPKIT_MATRIX_SERVERS?.split(',');
const CELLS = allCells().filter((cell) => !ONLY || ONLY.includes(cell.server));
const RUNNABLE = CELLS.filter((cell) => cell.notApplicable === undefined);
/** Cells a runner runs at once, per runtime (three runtimes run side by side). */
const CONCURRENCY = Number(process.env.FTPKIT_MATRIX_CONCURRENCY ?? 3);
const MATRIX_FILE = resolve(import.meta.dirname, '..', 'MATRIX.md');

let scratch: string;
const servers = new Map<string, RunningServer>();
const results = new Map<string, CellResult>();
const waiting = new Map<string, { promise: Promise<CellResult>; settle: (result: CellResult) => void; fail: (error: unknown) => void }>();
const runtimeVersions = new Map<string, string>();
const started = Date.now();

for (const cell of RUNNABLE) {
  let settle!: (result: CellResult) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<CellResult>((resolve_, reject) => {
    settle = resolve_;
    fail = reject;
  });
  promise.catch(() => undefined); // reported by the cell's own test
  waiting.set(cell.id, { promise, settle, fail });
}

async function runtimeVersion(runtime: Runtime): Promise<string> {
  if (runtime === 'node') return `Node ${process.version} (OpenSSL ${process.versions.openssl})`;
  const [command, ...args] = RUNTIME_COMMANDS[runtime] as [string, ...string[]];
  const { stdout } = await promisify(execFile)(command, [...args.filter((arg) => arg !== 'run' && arg !== '-A'), '--version']);
  const first = stdout.split('\n')[0]?.trim() ?? '';
  return runtime === 'deno' ? `${first.replace(/^deno/, 'Deno')} (TLS: rustls)` : `Bun ${first} (TLS: BoringSSL)`;
}

/** The per-server logs of failed cells need the server of a cell while its phase runs. */
const serverVersions = new Map<string, string>();
let matrix: Promise<void> = Promise.resolve();

/**
 * One address family at a time: all IPv4 instances, their cells on every runtime, then IPv6. Each
 * server takes a testkit port block (500 ports, 45 in all) and the whole matrix needs about 40, while
 * other suites of `pnpm test` start servers of their own at the same time; one family needs half.
 */
async function runMatrix(roots: ReadonlyMap<string, string>): Promise<void> {
  const indexed = CELLS.map((cell, index) => ({ cell, index }));
  for (const family of FAMILIES) {
    const phase = indexed.filter(({ cell }) => cell.family === family && cell.notApplicable === undefined);
    const instances = new Map<string, InstanceKey>(phase.map(({ cell }) => [cell.instance.id, cell.instance]));
    const routes = new Set(phase.map(({ cell }) => cell.proxy).filter((route) => route !== 'direct'));
    const proxies = new Map<ProxyRoute, RunningProxy>();
    try {
      await mapLimit([...instances.values()], 4, async (key) => {
        const server = await startInstance(key, roots.get(key.server) as string);
        servers.set(key.id, server);
        serverVersions.set(server.kind, server.version);
      });
      for (const route of routes) {
        const proxy = await startProxy(route === 'SOCKS5 (Dante)' ? 'dante' : 'tinyproxy', { auth: true });
        proxies.set(route, proxy);
        serverVersions.set(proxy.kind, proxy.version);
      }
      await Promise.all(
        RUNTIMES.map((runtime) => {
          const mine = phase.filter(({ cell }) => cell.runtime === runtime);
          const specs = interleave(
            mine.map(({ cell, index }) => ({
              spec: cellSpec(cell, index, servers.get(cell.instance.id) as RunningServer, proxies.get(cell.proxy)?.url),
              server: cell.server,
            })),
          );
          const onResult = (result: CellResult) => {
            results.set(result.id, result);
            waiting.get(result.id)?.settle(result);
          };
          return runRuntime(runtime, specs, join(scratch, `${runtime}.${family}.cells.json`), CONCURRENCY, onResult);
        }),
      );
    } catch (error) {
      for (const { cell } of phase) if (!results.has(cell.id)) waiting.get(cell.id)?.fail(error);
    } finally {
      await Promise.all([...[...instances.keys()].map((id) => servers.get(id)?.stop()), ...[...proxies.values()].map((proxy) => proxy.stop())]);
    }
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-matrix-'));
  await chmod(scratch, 0o755); // the servers' sessions run as ftpuser and must reach the roots
  const roots = await makeRoots(scratch, SERVER_KINDS);
  for (const runtime of RUNTIMES) runtimeVersions.set(runtime, await runtimeVersion(runtime));
  matrix = runMatrix(roots);
}, 180_000);

afterAll(async () => {
  await matrix;
  const page = renderMatrix({ cells: CELLS, results, serverVersions, runtimeVersions, wallSeconds: Math.round((Date.now() - started) / 1000) });
  // The Workers section is written by the Workers suite (workers/): keep it.
  const workers = workersSection(await readFile(MATRIX_FILE, 'utf8').catch(() => ''));
  await writeFile(MATRIX_FILE, workers ? withWorkersSection(page, workers) : page);
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 180_000);

function failures(result: CellResult): string[] {
  return result.steps.filter((step) => step.outcome !== 'pass' && step.outcome !== 'skipped').map((step) => `${step.step}: ${step.outcome}${step.detail ? ` (${step.detail})` : ''}`);
}

describe.each(RUNTIMES)('%s', (runtime) => {
  test.each(RUNNABLE.filter((cell) => cell.runtime === runtime).map((cell): [string, Cell] => [cell.id, cell]))('%s', async (_, cell) => {
    const result = await (waiting.get(cell.id) as { promise: Promise<CellResult> }).promise;
    const failed = failures(result);
    if (failed.length > 0) {
      const server = servers.get(cell.instance.id);
      const logs = server ? (await server.readLogs()).split('\n').slice(-40).join('\n') : '';
      const transcript = result.steps.find((step) => step.transcript)?.transcript?.join('\n') ?? '';
      expect(failed, `client transcript (ms since login):\n${transcript}\n${server?.kind} log, last lines:\n${logs}`).toEqual([]);
    }
    // Every step either passed or was skipped with a written reason.
    for (const step of result.steps) if (step.outcome === 'skipped') expect(step.detail).toMatch(/\S{3}/);
  });
});

describe('cells that cannot exist', () => {
  test('every one carries a reason, and every server, mode and runtime still has cells that run', () => {
    for (const cell of CELLS) if (cell.notApplicable !== undefined) expect(cell.notApplicable.length).toBeGreaterThan(20);
    for (const dimension of ['server', 'security', 'data', 'family', 'runtime', 'proxy'] as const) {
      const all = new Set(CELLS.map((cell) => cell[dimension]));
      const running = new Set(RUNNABLE.map((cell) => cell[dimension]));
      expect(running).toEqual(all);
    }
  });

  test(`the PASV × IPv6 reason holds: the client refuses PASV on an IPv6 control connection`, async () => {
    await using server = await startServer('vsftpd', { ipv6: true, tls: false, anonymous: false });
    const client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, epsv: false });
    try {
      await expect(client.list('/')).rejects.toThrow(LocalProtocolError);
      expect(REASONS.pasvIpv6).toMatch(/IPv4/);
      expect((await client.pwd()).startsWith('/')).toBe(true);
    } finally {
      await client.close();
    }
  });
});

export type { CellSpec };
