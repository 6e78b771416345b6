// workerd, Cloudflare's Workers runtime, from npm (a pinned devDependency of this package), started
// on loopback with one worker, for the Workers suite of the interop tests.
//
// The worker is given as ES modules (the first is the main one) and served over HTTP on a testkit
// port. Its outbound network is the `internet` service, allowed to reach `"local"` addresses only
// (127.0.0.0/8, ::1) and trusting the test CA, so that a worker's TLS verifies the testkit servers as
// a Worker in production verifies a public server. workerd runs as a server process does here: a
// watchdog kills it when the test process dies, and `stop()` kills it by pid.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePorts } from './ports.js';
import { spawnServer, stopProcessTree } from './process.js';
import { testCaPem } from './servers.js';

/** One ES module of the worker. */
export interface WorkerModule {
  /** The module's name, as other modules import it (`worker.js`, `lib/util.js`). */
  readonly name: string;
  readonly source: string;
}

/** How to start workerd. */
export interface WorkerdOptions {
  /** The worker's ES modules; the first is the main module (its default export handles `fetch`). */
  readonly modules: readonly WorkerModule[];
  /** `compatibilityFlags` of the worker, e.g. `['nodejs_compat']`. Default none. */
  readonly compatibilityFlags?: readonly string[];
  /** Text bindings: `env.NAME` in the worker. */
  readonly bindings?: Readonly<Record<string, string>>;
  /** CAs the worker's outbound TLS trusts, PEM. Default: the test CA only. */
  readonly trustedCertificates?: readonly string[];
  /** How long to wait for workerd to listen. Default 20 s. */
  readonly startTimeout?: number;
}

/** A running workerd. */
export interface RunningWorkerd extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/`, the worker. */
  readonly url: string;
  /** The workerd npm package's version, e.g. `1.20261117.1`. */
  readonly version: string;
  /** The compatibility date the worker runs with: the newest this workerd supports. */
  readonly compatibilityDate: string;
  readonly pid: number;
  /** workerd's output (its log of uncaught errors and failed TLS handshakes). */
  readLogs(): Promise<string>;
  /** Kills workerd and waits for it. Idempotent. */
  stop(): Promise<void>;
}

interface WorkerdPackage {
  readonly binary: string;
  readonly version: string;
  readonly compatibilityDate: string;
}

/** The workerd binary and what its package says of itself, or a clear error when it is not installed. */
export async function workerdPackage(): Promise<WorkerdPackage> {
  let module: { default: string; version: string; compatibilityDate: string };
  try {
    module = (await import('workerd')) as typeof module;
  } catch (cause) {
    throw new Error('workerd is not installed: `pnpm install` installs the version @ftpkit/testkit pins (a devDependency)', { cause });
  }
  return { binary: module.default, version: module.version, compatibilityDate: module.compatibilityDate };
}

/** A Cap'n Proto text literal. */
const text = (value: string) => JSON.stringify(value);

function config(options: WorkerdOptions, port: number, compatibilityDate: string, caFiles: readonly string[]): string {
  const modules = options.modules.map((module, index) => `(name = ${text(module.name)}, esModule = embed ${text(`module-${index}.js`)})`);
  const bindings = Object.entries(options.bindings ?? {}).map(([name, value]) => `(name = ${text(name)}, text = ${text(value)})`);
  const flags = (options.compatibilityFlags ?? []).map(text);
  return [
    'using Workerd = import "/workerd/workerd.capnp";',
    'const config :Workerd.Config = (',
    '  services = [',
    '    (name = "main", worker = .worker),',
    // Sockets and fetch() go out through "internet": loopback only, verified against the given CAs.
    `    (name = "internet", network = (allow = ["local"], tlsOptions = (trustedCertificates = [${caFiles.map((file) => `embed ${text(file)}`).join(', ')}]))),`,
    '  ],',
    `  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],`,
    ');',
    'const worker :Workerd.Worker = (',
    `  modules = [${modules.join(', ')}],`,
    `  bindings = [${bindings.join(', ')}],`,
    `  compatibilityDate = ${text(compatibilityDate)},`,
    `  compatibilityFlags = [${flags.join(', ')}],`,
    ');',
    '',
  ].join('\n');
}

/** Resolves once `port` on 127.0.0.1 takes a TCP connection. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Start workerd with one worker and wait until it serves HTTP.
 *
 * ```ts
 * await using workerd = await startWorkerd({ modules: [{ name: 'worker.js', source }] });
 * const response = await fetch(new URL('/hello', workerd.url));
 * ```
 */
export async function startWorkerd(options: WorkerdOptions): Promise<RunningWorkerd> {
  if (options.modules.length === 0) throw new Error('startWorkerd needs at least one module');
  const pkg = await workerdPackage();
  const dir = await mkdtemp(join(tmpdir(), 'ftpkit-workerd-'));
  const ports = await reservePorts('127.0.0.1');
  const logFile = join(dir, 'workerd.log');
  let stopped = false;
  const cleanUp = async () => {
    await ports.release();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(options.modules.map((module, index) => writeFile(join(dir, `module-${index}.js`), module.source)));
    const cas = options.trustedCertificates ?? [testCaPem()];
    const caFiles = cas.map((_, index) => `ca-${index}.pem`);
    await Promise.all(cas.map((pem, index) => writeFile(join(dir, caFiles[index] as string), pem)));
    await writeFile(join(dir, 'config.capnp'), config(options, ports.control, pkg.compatibilityDate, caFiles));
    const server = await spawnServer({
      command: pkg.binary,
      args: ['serve', join(dir, 'config.capnp')],
      cwd: dir,
      logFile,
      leftovers: [dir, ports.lockFile],
    }).catch((cause: unknown) => {
      throw new Error(`workerd could not be started from ${pkg.binary}: reinstall with \`pnpm install\``, { cause });
    });
    const readLogs = () => readFile(logFile, 'utf8').catch(String);
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await stopProcessTree(server, 2000);
      await cleanUp();
    };
    const deadline = Date.now() + (options.startTimeout ?? 20_000);
    while (!(await accepts(ports.control))) {
      if (server.hasExited() || Date.now() > deadline) {
        const logs = await readLogs();
        await stop();
        throw new Error(`workerd did not start (${server.hasExited() ? await server.exited : 'no socket in time'}):\n${logs}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      url: `http://127.0.0.1:${ports.control}/`,
      version: pkg.version,
      compatibilityDate: pkg.compatibilityDate,
      pid: server.pid,
      readLogs,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    if (!stopped) await cleanUp();
    throw error;
  }
}
