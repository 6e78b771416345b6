// Starting the matrix: one server process per instance key, one runner process per runtime, and a
// promise per cell that settles when its runner reports it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { serverCapabilities, startServer, type RunningServer } from '@ftpkit/testkit';
import type { CellResult, CellSpec } from '../src/cell.js';
import type { Cell, InstanceKey, Runtime } from './matrix.js';

export const BIG_SIZE = 8 * 1024 * 1024;
const BIG_PATH = '/shared/big.bin';
const here = resolve(import.meta.dirname, '..');
const bin = (name: string) => resolve(here, '..', 'node_modules', '.bin', name);

/** How each runtime runs the compiled runner. */
export const RUNTIME_COMMANDS: Readonly<Record<Runtime, readonly string[]>> = {
  node: [process.execPath],
  deno: [bin('deno'), 'run', '-A'],
  bun: [bin('bun')],
};

/** Run `fn` over `items`, at most `limit` at once. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * One root per server kind, shared by that kind's instances: a read-only `shared/big.bin` for the
 * abort steps; each cell works in a folder of its own.
 */
export async function makeRoots(scratch: string, kinds: readonly string[]): Promise<Map<string, string>> {
  const big = join(scratch, 'big.bin');
  await writeFile(big, randomBytes(BIG_SIZE));
  await chmod(big, 0o444);
  const roots = new Map<string, string>();
  for (const kind of kinds) {
    const root = join(scratch, `root-${kind}`);
    await mkdir(join(root, 'shared'), { recursive: true, mode: 0o755 });
    await link(big, join(root, 'shared', 'big.bin'));
    roots.set(kind, root);
  }
  return roots;
}

export async function startInstance(key: InstanceKey, root: string): Promise<RunningServer> {
  const switchable = serverCapabilities(key.server).tlsReuse === 'switchable';
  return startServer(key.server, {
    root,
    ipv6: key.ipv6,
    implicitTls: key.implicitTls,
    anonymous: false,
    ...(key.tlsVersion ? { tlsVersions: { min: key.tlsVersion, max: key.tlsVersion } } : {}),
    ...(switchable ? { requireTlsReuse: key.requireTlsReuse } : {}),
  });
}

/** `proxy`: the URL of the cell's proxy, with credentials, when it goes through one. */
export function cellSpec(cell: Cell, index: number, server: RunningServer, proxy?: string): CellSpec {
  // The server is pinned (matrix.ts); the client pins too where its runtime can (not Deno).
  const tlsVersion = cell.runtime === 'deno' ? undefined : cell.instance.tlsVersion;
  return {
    id: cell.id,
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    secure: cell.security === 'plain' ? false : cell.security === 'implicit TLS' ? 'implicit' : 'explicit',
    ...(tlsVersion ? { tlsVersion } : {}),
    caPem: server.caPem,
    mode: cell.data === 'active' ? 'active' : 'passive',
    epsv: cell.data !== 'PASV',
    pipelining: cell.data === 'EPSV pipelined',
    work: `/m${index}`,
    bigPath: BIG_PATH,
    bigSize: BIG_SIZE,
    skip: cell.skip,
    ...(proxy === undefined ? {} : { proxy }),
    ...(cell.retries === undefined ? {} : { retries: cell.retries }),
  };
}

/**
 * Order a runtime's cells so that neighbours hit different servers: the runner takes them a few at
 * a time, and spreading them keeps every server busy without piling onto one.
 */
export function interleave(specs: readonly { spec: CellSpec; server: string }[]): CellSpec[] {
  const byServer = new Map<string, CellSpec[]>();
  for (const { spec, server } of specs) byServer.set(server, [...(byServer.get(server) ?? []), spec]);
  const queues = [...byServer.values()];
  const out: CellSpec[] = [];
  while (queues.some((queue) => queue.length > 0)) {
    for (const queue of queues) {
      const spec = queue.shift();
      if (spec) out.push(spec);
    }
  }
  return out;
}

/** Run a runtime's runner over `specs`; `onResult` gets each cell's result as it ends. */
export async function runRuntime(
  runtime: Runtime,
  specs: readonly CellSpec[],
  cellsFile: string,
  concurrency: number,
  onResult: (result: CellResult) => void,
): Promise<void> {
  await writeFile(cellsFile, JSON.stringify(specs));
  const [command, ...args] = RUNTIME_COMMANDS[runtime] as [string, ...string[]];
  const child = spawn(command, [...args, join(here, 'dist', 'runner.js'), cellsFile, String(concurrency)], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-8000);
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith('{')) onResult(JSON.parse(line) as CellResult);
  });
  const code = await new Promise<number | null>((settle) => child.on('close', settle));
  if (code !== 0) throw new Error(`${runtime} runner exited with ${code}: ${stderr}`);
}
