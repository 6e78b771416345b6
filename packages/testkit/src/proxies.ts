// startProxy: real proxies on loopback for the tests of connections through proxies: Dante
// (`danted`, SOCKS5, without authentication or with username/password) and tinyproxy (HTTP
// CONNECT, without authentication or with Basic). Both come from Debian (servers/install.sh).
//
// Theory of operation: as startServer does for FTP servers, each call gets a private state folder
// (configuration, log, pid file), a port of its own (a block from ports.ts, of which the proxy uses
// the first port), spawns the proxy in the foreground, waits until the port takes connections, and
// stop() kills it and every process it forked, by pid, gives the port back and removes the folder.
// A proxy a test forgot to stop dies with the test process (process.ts: the watchdog).
//
// Both proxies are kept to loopback by their configuration (servers/danted.conf.in,
// servers/tinyproxy.conf.in): they listen on 127.0.0.1, and pass connections to loopback targets
// only. Each refuses 127.0.0.3 on purpose, so that a test sees a refusal by rule.
//
// As root, Dante reads passwords as root and serves as `nobody`, and tinyproxy serves as `nobody`;
// otherwise both run as the calling user. Dante's username method checks the system's password
// database, so it needs root and the system user PROXY_USER (install.sh makes it); tinyproxy
// checks its own BasicAuth line, with the same user and password.
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, requireFile } from './launchers/support.js';
import { serversDir } from './paths.js';
import { reservePorts, type PortBlock } from './ports.js';
import { spawnServer, stopProcessTree, type ServerProcess } from './process.js';
import { renderTemplate } from './template.js';
import { isRoot, lookupUser } from './users.js';

/** The proxies {@link startProxy} knows. */
export type ProxyKind = 'dante' | 'tinyproxy';

/** Every kind, in a stable order. */
export const PROXY_KINDS: readonly ProxyKind[] = ['dante', 'tinyproxy'];

/** The system user Dante's username method checks, and tinyproxy's Basic user (install.sh makes it). */
export const PROXY_USER = 'ftpkit-proxy';
/** The password of {@link PROXY_USER}. */
export const PROXY_PASSWORD = 'proxypass';

/** A target address both proxies refuse by rule (loopback, so nothing leaves the machine). */
export const PROXY_REFUSED_HOST = '127.0.0.3';

const DANTED = '/usr/sbin/danted';
const TINYPROXY = '/usr/bin/tinyproxy';
const DEFAULT_START_TIMEOUT_MS = 10_000;

/** Options of {@link startProxy}. */
export interface StartProxyOptions {
  /** Require the user {@link PROXY_USER} with {@link PROXY_PASSWORD}. Dante needs root for it. Default false. */
  readonly auth?: boolean;
  /** Give up when the port does not take connections within this time. Default 10 000 ms. */
  readonly startTimeoutMs?: number;
}

/** A proxy started by {@link startProxy}. Stop it with {@link RunningProxy.stop} or `await using`. */
export interface RunningProxy extends AsyncDisposable {
  readonly kind: ProxyKind;
  /** What it speaks: `socks5` (Dante) or `http` (tinyproxy's CONNECT). */
  readonly protocol: 'socks5' | 'http';
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `socks5://127.0.0.1:PORT` or `http://...`, with the credentials when it requires them. */
  readonly url: string;
  /** The same without credentials: what ftpkit's errors call it. */
  readonly label: string;
  /** Set when it requires authentication. */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** The proxy's own version, e.g. `1.4.2`. */
  readonly version: string;
  readonly pid: number;
  /** Its log, for failure messages. */
  readLogs(): Promise<string>;
  /** Kills it and whatever it forked, by pid, and waits for them. Idempotent. */
  stop(): Promise<void>;
}

interface Prepared {
  readonly command: string;
  readonly args: readonly string[];
  readonly log: string;
}

async function prepareDante(stateDir: string, port: number, auth: boolean): Promise<Prepared> {
  await requireFile(DANTED, 'danted (Debian package dante-server)');
  if (auth && !isRoot()) throw new Error('Dante checks usernames and passwords against the system password database: start it as root');
  if (auth && (await lookupUser(PROXY_USER)) === undefined) throw new Error(`no system user ${PROXY_USER}: run packages/testkit/servers/install.sh as root`);
  const log = join(stateDir, 'danted.log');
  const config = join(stateDir, 'danted.conf');
  const root = isRoot();
  await writeFile(
    config,
    await renderTemplate(join(serversDir, 'danted.conf.in'), {
      LOG: log,
      PORT: port,
      METHOD: auth ? 'username' : 'none',
      USER_PRIVILEGED: root ? 'user.privileged: root' : '# user.privileged: (not root)',
      USER_UNPRIVILEGED: root ? 'user.unprivileged: nobody' : '# user.unprivileged: (not root)',
    }),
  );
  await chmod(config, 0o644);
  // -N 1: one mother process (it forks its negotiate, request and io children).
  return { command: DANTED, args: ['-f', config, '-p', join(stateDir, 'danted.pid'), '-N', '1'], log };
}

async function prepareTinyproxy(stateDir: string, port: number, auth: boolean): Promise<Prepared> {
  await requireFile(TINYPROXY, 'tinyproxy (Debian package tinyproxy-bin)');
  const log = join(stateDir, 'tinyproxy.log');
  const filter = join(stateDir, 'filter');
  await copyFile(join(serversDir, 'tinyproxy.filter'), filter);
  await chmod(filter, 0o644);
  const config = join(stateDir, 'tinyproxy.conf');
  const root = isRoot();
  // tinyproxy opens its log after it has become `nobody`.
  await writeFile(log, '');
  if (root) await chmod(log, 0o666);
  await writeFile(
    config,
    await renderTemplate(join(serversDir, 'tinyproxy.conf.in'), {
      PORT: port,
      LOG: log,
      PID_FILE: join(stateDir, 'tinyproxy.pid'),
      FILTER: filter,
      AUTH: auth ? `BasicAuth ${PROXY_USER} ${PROXY_PASSWORD}` : '# no BasicAuth',
      USER: root ? 'User nobody' : '# User: (not root)',
      GROUP: root ? 'Group nogroup' : '# Group: (not root)',
    }),
  );
  await chmod(config, 0o644);
  // -d: stay in the foreground.
  return { command: TINYPROXY, args: ['-d', '-c', config], log };
}

async function versionOf(kind: ProxyKind): Promise<string> {
  const { stdout, stderr } = await run(kind === 'dante' ? DANTED : TINYPROXY, ['-v']).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: error.stderr ?? '',
  }));
  return /v?(\d+\.\d+\.\d+)/.exec(`${stdout} ${stderr}`)?.[1] ?? 'unknown';
}

/** Resolves once `port` on 127.0.0.1 takes a TCP connection. */
async function waitForPort(port: number, deadline: number, gone: () => boolean): Promise<void> {
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    if (gone()) throw new Error('the proxy exited');
    if (Date.now() > deadline) throw new Error(`port ${port} took no connection in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts Dante (SOCKS5) or tinyproxy (HTTP CONNECT) on 127.0.0.1, passing connections to loopback
 * targets only, and resolves once its port takes connections.
 *
 * @example
 * ```ts
 * await using proxy = await startProxy('dante', { auth: true });
 * const client = await Client.connect(server.url, { proxy: proxy.url });
 * ```
 */
export async function startProxy(kind: ProxyKind, options: StartProxyOptions = {}): Promise<RunningProxy> {
  if (!PROXY_KINDS.includes(kind)) throw new Error(`unknown proxy kind ${String(kind)}; one of ${PROXY_KINDS.join(', ')}`);
  const auth = options.auth ?? false;
  const stateDir = await mkdtemp(join(tmpdir(), `ftpkit-${kind}-`));
  let ports: PortBlock | undefined;
  let proc: ServerProcess | undefined;
  const teardown = async () => {
    if (proc) await stopProcessTree(proc);
    await ports?.release();
    await rm(stateDir, { recursive: true, force: true });
  };
  let log: string | undefined;
  try {
    await chmod(stateDir, 0o755); // `nobody` reads its configuration here
    ports = await reservePorts('127.0.0.1');
    const prepared = kind === 'dante' ? await prepareDante(stateDir, ports.control, auth) : await prepareTinyproxy(stateDir, ports.control, auth);
    log = prepared.log;
    proc = await spawnServer({
      command: prepared.command,
      args: prepared.args,
      cwd: stateDir,
      logFile: join(stateDir, 'output.log'),
      leftovers: [stateDir, ports.lockFile],
    });
    const started = proc;
    await waitForPort(ports.control, Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS), () => started.hasExited());
    const protocol = kind === 'dante' ? 'socks5' : 'http';
    const label = `${protocol}://127.0.0.1:${ports.control}`;
    const credentials = auth ? `${PROXY_USER}:${PROXY_PASSWORD}@` : '';
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= teardown());
    const logs = [join(stateDir, 'output.log'), prepared.log];
    return {
      kind,
      protocol,
      host: '127.0.0.1',
      port: ports.control,
      url: `${protocol}://${credentials}127.0.0.1:${ports.control}`,
      label,
      user: auth ? PROXY_USER : undefined,
      password: auth ? PROXY_PASSWORD : undefined,
      version: await versionOf(kind),
      pid: started.pid,
      readLogs: async () => (await Promise.all(logs.map((file) => readFile(file, 'utf8').catch(() => '')))).join('\n'),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    const said = await Promise.all([join(stateDir, 'output.log'), ...(log ? [log] : [])].map((file) => readFile(file, 'utf8').catch(() => '')));
    await teardown().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${kind} did not start: ${message}\n${said.join('\n').split('\n').slice(-30).join('\n')}`, { cause: error });
  }
}
