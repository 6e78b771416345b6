// The pack test: what users get from npm, checked the way they will meet it.
//
// 1. `pnpm pack` each public package (workspace: ranges become real ones, `files` applies).
// 2. publint and `attw` (ESM-only profile) on exactly those tarballs.
// 3. `npm install --offline` of the tarballs into a fresh temp project, with an empty npm cache:
//    nothing may come from the registry, so a missing or unpublished dependency fails here. The
//    packages' registry dependencies (picomatch) are packed from the workspace's installed copies,
//    at the exact versions the manifests pin, and installed beside them.
// 4. fixture/smoke.mjs, unchanged, on Node 20 (the machine's), Node 22 and 24 (pinned npm binaries,
//    @ftpkit/node-versions), Deno and Bun: connect, upload, list, download, sha256, a downloadDir
//    with include and exclude globs, over plaintext and explicit FTPS, against vsftpd (as root;
//    ftp-srv otherwise). The bare imports resolve by each runtime's export conditions, so the
//    transport adapter must be the runtime's own.
// 5. @ftpkit/test-server's README example on each Node version, require() of the packages from
//    CommonJS on each Node version, the `ftpkit` binary, and a TypeScript consumer type-checked
//    against the installed .d.ts files.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nodeBinaries } from '@ftpkit/node-versions';
import { startServer, type RunningServer, type ServerKind } from '@ftpkit/testkit';
import ts from 'typescript';
// @ts-expect-error: a plain .mjs script without types
import { extractExamples } from '../scripts/doc-examples.mjs';
// @ts-expect-error: a plain .mjs script without types
import { checkMetadata, PUBLISHED } from '../scripts/published.mjs';

const execFileAsync = promisify(execFile);
/** Run a program; a hang is killed after 30 s, so it fails the test instead of outliving it. */
const run = (file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execFileAsync(file, args, { timeout: 30_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, ...options });
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const fixtures = resolve(here, '../fixture');
const require = createRequire(import.meta.url);
const bin = (name: string): string => join(repo, 'node_modules/.bin', name);
const localBin = (name: string): string => resolve(here, '../node_modules/.bin', name);

/** The published packages, by folder. */
const PACKAGES = PUBLISHED as readonly string[];

let work: string;
let project: string;
const tarballs = new Map<string, string>();
let strict: RunningServer;
let relaxed: RunningServer;
let caFile: string;
const timings: string[] = [];

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings.push(`${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }
}

/**
 * The registry packages the published ones depend on, and theirs in turn, packed from the copies
 * pnpm installed for the workspace (each must be the exact version the manifest names). Returns
 * the tarballs.
 */
async function packRegistryDependencies(packs: string, cache: string): Promise<string[]> {
  const out = join(packs, 'registry');
  const seen = new Map<string, string>();
  type Manifest = { version: string; dependencies?: Record<string, string> };
  const manifestOf = async (dir: string): Promise<Manifest> => JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
  const visit = async (from: string, pinned: boolean): Promise<void> => {
    for (const [name, range] of Object.entries((await manifestOf(from)).dependencies ?? {})) {
      if (range.startsWith('workspace:') || seen.has(name)) continue;
      const dir = dirname(createRequire(join(from, 'package.json')).resolve(`${name}/package.json`));
      // ftpkit's own dependencies are pinned exactly, so the copy here is the one users get.
      if (pinned) expect((await manifestOf(dir)).version, `${name} is pinned`).toBe(range);
      seen.set(name, dir);
      await visit(dir, false);
    }
  };
  for (const dir of PACKAGES) await visit(join(repo, 'packages', dir), true);
  await mkdir(out, { recursive: true });
  for (const dir of seen.values()) await run('npm', ['pack', dir, '--pack-destination', out, '--cache', cache, '--loglevel=error']);
  return (await readdir(out)).map((file) => join(out, file));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ftpkit-pack-test-'));
  const packs = join(work, 'tarballs');
  await mkdir(packs);
  await timed(`pnpm pack ×${PACKAGES.length}`, async () => {
    await Promise.all(
      PACKAGES.map(async (dir) => {
        const out = join(packs, dir);
        await run('pnpm', ['pack', '--pack-destination', out], { cwd: join(repo, 'packages', dir) });
        const [file] = await readdir(out);
        tarballs.set(dir, join(out, file!));
      }),
    );
  });
  expect([...tarballs.keys()].sort()).toEqual([...PACKAGES].sort());

  project = join(work, 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  const cache = join(work, 'npm-cache');
  const dependencies = await timed('npm pack of the registry dependencies', () => packRegistryDependencies(packs, cache));
  await timed(`npm install --offline (${PACKAGES.length} tarballs)`, () =>
    run('npm', ['install', '--offline', '--cache', cache, '--no-audit', '--no-fund', '--loglevel=error', ...PACKAGES.map((p) => tarballs.get(p)!), ...dependencies], {
      cwd: project,
    }),
  );
  for (const file of ['smoke.mjs', 'require.cjs', 'consumer.ts', 'driver.mjs']) await copyFile(join(fixtures, file), join(project, file));
  // The sans-IO driver of the embedding guide, exactly as the page shows it.
  const guide = join(repo, 'docs-src/guides/embedding-the-codec.md');
  const driver = (extractExamples(guide) as { name?: string; code: string }[]).find((b) => b.name === 'mini-ftp.ts');
  if (!driver) throw new Error(`no "// file: mini-ftp.ts" block in ${guide}`);
  const js = ts.transpileModule(driver.code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } });
  await writeFile(join(project, 'mini-ftp.js'), js.outputText);
  // The example of @ftpkit/test-server's README, exactly as the page shows it.
  const readme = join(repo, 'packages/test-server/README.md');
  const example = (extractExamples(readme) as { name?: string; code: string }[]).find((b) => b.name === 'example.ts');
  if (!example) throw new Error(`no "// file: example.ts" block in ${readme}`);
  const exampleJs = ts.transpileModule(example.code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } });
  await writeFile(join(project, 'test-server-example.mjs'), exampleJs.outputText);

  // vsftpd needs root; elsewhere ftp-srv (npm, no root) stands in.
  const kind: ServerKind = process.getuid?.() === 0 ? 'vsftpd' : 'ftp-srv';
  await timed(`start ${kind} ×2`, async () => {
    // Node and Bun resume the control connection's TLS session on data connections, so the server
    // may insist on it (vsftpd require_ssl_reuse); Deno cannot (transport README), so it gets a server
    // that does not.
    [strict, relaxed] = await Promise.all([startServer(kind), startServer(kind, { requireTlsReuse: false })]);
  });
  caFile = join(work, 'ca.pem');
  await writeFile(caFile, strict.caPem);
}, 120_000);

afterAll(async () => {
  await Promise.all([strict?.stop(), relaxed?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
  console.log(`pack test timings:\n  ${timings.join('\n  ')}`);
});

describe('publint and attw on the packed tarballs', () => {
  for (const dir of PACKAGES) {
    test(`${dir} carries its LICENSE and where it comes from`, async () => {
      const tarball = tarballs.get(dir)!;
      const { stdout: listing } = await run('tar', ['-tzf', tarball]);
      expect(listing.split('\n')).toContain('package/LICENSE');
      const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout);
      const license = (await run('tar', ['-xzOf', tarball, 'package/LICENSE'])).stdout;
      expect(checkMetadata(manifest, license, dir)).toEqual([]);
    });
    test(`publint ${dir}`, async () => {
      const { stdout } = await run(localBin('publint'), ['run', tarballs.get(dir)!, '--strict', '--level', 'warning']);
      expect(stdout).toContain('All good!');
    });
    test(`attw ${dir} (ESM-only profile)`, async () => {
      // attw exits 1 on any problem the profile does not ignore (it ignores node10 and
      // node16-from-CJS resolution: see the README of this package on ESM-only).
      await run(localBin('attw'), [tarballs.get(dir)!, '--profile', 'esm-only', '--no-color']).catch((err: { stdout?: string }) => {
        throw new Error(`attw found problems:\n${err.stdout ?? String(err)}`);
      });
    });
  }
});

interface Runtime {
  readonly name: string;
  readonly adapter: 'node' | 'deno' | 'bun';
  readonly command: (script: string, ...args: string[]) => [string, string[]];
}

const runtimes: Runtime[] = [
  { name: `node ${process.versions.node}`, adapter: 'node', command: (s, ...a) => [process.execPath, [s, ...a]] },
  { name: 'node 22', adapter: 'node', command: (s, ...a) => [nodeBinaries[22], [s, ...a]] },
  { name: 'node 24', adapter: 'node', command: (s, ...a) => [nodeBinaries[24], [s, ...a]] },
  {
    name: 'deno',
    adapter: 'deno',
    // Minimal permissions: sockets to loopback, files (node_modules, the config, temp folders), and
    // the environment variables node:os's tmpdir() reads.
    command: (s, ...a) => [bin('deno'), ['run', '--allow-net=127.0.0.1,localhost', '--allow-read', '--allow-write', '--allow-env', s, ...a]],
  },
  { name: 'bun', adapter: 'bun', command: (s, ...a) => [bin('bun'), [s, ...a]] },
];

const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

describe.each(runtimes)('$name', (runtime) => {
  for (const secure of [false, 'explicit'] as const) {
    test(`connect, upload, list, download, sha256 (${secure === false ? 'plaintext' : 'explicit FTPS'})`, async () => {
      const server = runtime.adapter === 'deno' ? relaxed : strict;
      const dir = `/pack-${runtime.name.replace(/\W+/g, '-')}-${secure === false ? 'plain' : 'tls'}`;
      const config = join(work, `${dir.slice(1)}.json`);
      await writeFile(
        config,
        JSON.stringify({ host: server.host, port: server.port, user: server.user, password: server.password, caFile, secure, dir, runtime: runtime.adapter }),
      );
      const [file, args] = runtime.command('smoke.mjs', config);
      const { stdout } = await timed(`${runtime.name} smoke ${secure || 'plain'}`, () => run(file, args, { cwd: project, env }));
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(result.runtime).toBe(runtime.adapter);
      expect(result.secure).toBe(secure);
      expect(result.listed).toEqual({ 'payload.bin': { type: 'file', size: 1024 * 1024 }, 'note.txt': { type: 'file', size: expect.any(Number) } });
      expect(result.note).toBe(`hello from ${runtime.adapter}\n`);
      expect(result.picked).toEqual(['note.txt']);
      expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  test('the sans-IO driver from the embedding guide (plaintext, then explicit FTPS)', async () => {
    const server = runtime.adapter === 'deno' ? relaxed : strict;
    for (const secure of [false, 'explicit'] as const) {
      const config = join(work, `driver-${runtime.name.replace(/\W+/g, '-')}-${secure || 'plain'}.json`);
      await writeFile(
        config,
        JSON.stringify({ host: server.host, port: server.port, user: server.user, password: server.password, caFile, secure, runtime: runtime.adapter }),
      );
      const [file, args] = runtime.command('driver.mjs', config);
      const { stdout } = await timed(`${runtime.name} driver ${secure || 'plain'}`, () => run(file, args, { cwd: project, env }));
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(result).toEqual({ runtime: runtime.adapter, listed: [{ name: 'driver.txt', size: expect.any(Number) }], same: true });
    }
  });

  if (runtime.name.startsWith('node')) {
    // @ftpkit/test-server is for Node (node:net, node:tls); the client under test runs everywhere.
    test("@ftpkit/test-server's README example, with @ftpkit/client as the client under test", async () => {
      const [file, args] = runtime.command('test-server-example.mjs');
      const { stdout } = await timed(`${runtime.name} test-server example`, () => run(file, args, { cwd: project, env }));
      expect(stdout.trim().split('\n').at(-1)).toBe('every scenario behaved');
    });

    test('require() from CommonJS (require(esm))', async () => {
      const [file, args] = runtime.command('require.cjs');
      const { stdout } = await run(file, args, { cwd: project, env });
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!).runtime).toBe('node');
    });
  }

  test('the ftpkit binary lists the server (--json)', async () => {
    const server = runtime.adapter === 'deno' ? relaxed : strict;
    const url = `ftpes://${server.user}:${server.password}@localhost:${server.port}/`;
    const [file, args] =
      runtime.adapter === 'deno'
        ? [bin('deno'), ['run', '-A', 'node_modules/ftpkit/dist/bin.js', 'ls', '--json', '--ca', caFile, url]]
        : runtime.command('node_modules/ftpkit/dist/bin.js', 'ls', '--json', '--ca', caFile, url);
    const { stdout } = await run(file, args, { cwd: project, env });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, command: 'ls' });
  });
});

test('the ftpkit bin is linked by npm', async () => {
  const { stdout } = await run(join(project, 'node_modules/.bin/ftpkit'), ['--version'], { cwd: project, env });
  const { version } = JSON.parse(await readFile(join(project, 'node_modules/ftpkit/package.json'), 'utf8')) as { version: string };
  expect(stdout.trim()).toContain(version);
});

test('a TypeScript consumer type-checks against the published .d.ts (NodeNext, no skipLibCheck)', async () => {
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  const typeRoots = resolve(dirname(require.resolve('@types/node/package.json')), '..');
  await timed('tsc consumer.ts', () =>
    run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--target', 'ES2022',
        '--lib', 'ES2023,DOM',
        '--module', 'NodeNext',
        '--moduleResolution', 'NodeNext',
        '--skipLibCheck', 'false',
        '--typeRoots', typeRoots,
        '--types', 'node',
        'consumer.ts',
      ],
      { cwd: project },
    ).catch((err: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${err.stdout ?? String(err)}`);
    }),
  );
});
