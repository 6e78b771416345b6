// startServer: real FTP servers on loopback for interop tests.
//
// Theory of operation. Each call gets a private state directory (configuration, logs, runtime
// files, a copy of the test certificate) and, unless one is given, an empty root inside it. It
// reserves a block of ports (ports.ts), has the server's launcher write its configuration
// (launchers/), spawns the server in the foreground, and waits for a complete 220 greeting on a
// fresh connection (greeting.ts). stop() kills the server and every session process it forked,
// by pid, waits for all of them, gives the ports back and removes the state directory. A server
// that a test forgot to stop dies with the test process (process.ts: the watchdog).
//
// The servers and the system user ftpuser come from servers/install.sh; ftp-srv from pnpm.
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeFixtureTree } from './fixture.js';
import { waitForGreeting } from './greeting.js';
import { launchers, type Capabilities, type ResolvedTls, type ServerKind, type TlsVersion } from './launchers/index.js';
import { testCertificate } from '@ftpkit/test-server';
import { INSTALL_HINT } from './paths.js';
import { reservePorts, type PortBlock } from './ports.js';
import { spawnServer, stopProcessTree, type ServerProcess } from './process.js';
import { FTP_PASSWORD, FTP_USER, isRoot, lookupUser } from './users.js';

export type { Capabilities, ServerKind, TlsVersion };

/** What a server kind can do (implicit FTPS, required TLS session reuse, root), before starting one. */
export function serverCapabilities(kind: ServerKind): Capabilities {
  const launcher = launchers[kind];
  if (!launcher) throw new Error(`unknown server kind ${String(kind)}; one of ${SERVER_KINDS.join(', ')}`);
  return launcher.capabilities;
}

/** Every kind {@link startServer} knows, in a stable order, for `describe.each` and loops. */
export const SERVER_KINDS: readonly ServerKind[] = ['vsftpd', 'proftpd', 'pure-ftpd', 'pyftpdlib', 'ftp-srv'];

/** Options of {@link startServer}. Each one is refused, not ignored, where the server cannot do it. */
export interface StartServerOptions {
  /** Offer explicit FTPS (AUTH TLS, optional for the client). Default true. */
  readonly tls?: boolean;
  /**
   * Implicit FTPS: the port speaks TLS from the first byte. vsftpd, ProFTPD, ftp-srv and
   * pyftpdlib (through the testkit's server script); not Pure-FTPd. Default false.
   */
  readonly implicitTls?: boolean;
  /**
   * Require TLS data connections to resume the control connection's TLS session. Only vsftpd
   * (`require_ssl_reuse`) and ProFTPD (mod_tls) have this, and both require it by default, so
   * the default is true for them and false elsewhere; true elsewhere is refused.
   */
  readonly requireTlsReuse?: boolean;
  /** Bound the TLS protocol versions. Default: the server's own (TLS 1.2 and 1.3 with Debian's OpenSSL). */
  readonly tlsVersions?: { readonly min?: TlsVersion; readonly max?: TlsVersion };
  /** Listen on ::1 instead of 127.0.0.1. Default false. */
  readonly ipv6?: boolean;
  /**
   * The directory to serve as "/". Created if missing, handed to ftpuser (when run as root), and
   * left in place on stop. Default: a new empty directory, removed on stop.
   */
  readonly root?: string;
  /**
   * Accept anonymous logins, read-only, at the same root. Default true, except for a Pure-FTPd
   * without the fixture: its anonymous sessions come from the one home of system user `ftp`, shared
   * by every Pure-FTPd on the machine, so a server with nothing to serve anonymously would take it
   * from one that has (another test file's, running at the same time).
   */
  readonly anonymous?: boolean;
  /** Fill the root with {@link makeFixtureTree} before the server starts. Default false. */
  readonly fixture?: boolean;
  /** Give up when there is no 220 greeting within this time. Default 20 000 ms. */
  readonly startTimeoutMs?: number;
  /**
   * Cap every data connection at this many bytes per second, as a slow or fair-share server does
   * (vsftpd `local_max_rate` and `anon_max_rate`), for segmented-download benchmarks. vsftpd only.
   * Default 0: no cap.
   */
  readonly maxRateBytesPerSecond?: number;
  /**
   * List LIST times in a local time zone, as many servers do: the server runs with `TZ` set to this
   * POSIX TZ string (`'XST-5:30'` is UTC+05:30: POSIX counts hours west of UTC; a string with a
   * rule, such as `'CET-1CEST,M3.5.0,M10.5.0/3'`, switches to summer time), which needs no zone file
   * inside a chroot, and lists in it. ProFTPD (`TimesGMT off`) keeps MDTM, MLSD and MLST in UTC, as
   * RFC 3659 wants; vsftpd (`use_localtime=YES`) answers MDTM in local time too. ProFTPD and vsftpd
   * only. Default: LIST times in UTC.
   */
  readonly listTimeZone?: string;
  /**
   * Advertise MLST in FEAT, so that clients list with MLSD. `false` leaves them LIST alone, as
   * against a server without MLSD (ProFTPD `FactsAdvertise off`; MLSD still answers if sent).
   * ProFTPD only for false. Default true.
   */
  readonly mlst?: boolean;
}

/** A server started by {@link startServer}. Stop it with {@link RunningServer.stop} or `await using`. */
export interface RunningServer extends AsyncDisposable {
  readonly kind: ServerKind;
  /** `127.0.0.1`, or `::1` with `ipv6`. */
  readonly host: string;
  /** The control port (implicit FTPS with `implicitTls`). */
  readonly port: number;
  /** `ftp://host:port/`, or `ftps://` for implicit FTPS; no credentials. */
  readonly url: string;
  /** The read-write user, `ftpuser`. Anonymous logins use `anonymous` and any password. */
  readonly user: string;
  /** `ftppass`. */
  readonly password: string;
  /** The local directory served as "/". */
  readonly root: string;
  /** PEM of the CA that signed the server's certificate (for DNS:localhost, IP:127.0.0.1, IP:::1). */
  readonly caPem: string;
  /** The server's own version, e.g. `3.0.3` for vsftpd. */
  readonly version: string;
  /** The server's main process. */
  readonly pid: number;
  readonly tls: boolean;
  readonly implicitTls: boolean;
  readonly requireTlsReuse: boolean;
  readonly anonymous: boolean;
  /** The passive port range the server was given. */
  readonly passivePorts: { readonly min: number; readonly max: number };
  /** All of the server's log files, each under a header line. For failure messages. */
  readLogs(): Promise<string>;
  /** Kills the server and its session processes by pid and waits for them. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 20_000;
const CERT_FILE = 'server.pem';
const KEY_FILE = 'server-key.pem';
const VERSION_ORDER: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];

/** The test CA's certificate, PEM (@ftpkit/test-server's `testCertificate()`). Trust it (and only it) to verify every testkit server. */
export function testCaPem(): string {
  return testCertificate().ca;
}

function resolveTls(kind: ServerKind, options: StartServerOptions): ResolvedTls | undefined {
  const caps = launchers[kind].capabilities;
  const tls = options.tls ?? true;
  const implicit = options.implicitTls ?? false;
  if (!tls) {
    if (implicit) throw new Error(`${kind}: implicitTls needs tls`);
    if (options.requireTlsReuse) throw new Error(`${kind}: requireTlsReuse needs tls`);
    if (options.tlsVersions) throw new Error(`${kind}: tlsVersions needs tls`);
    return undefined;
  }
  if (implicit && !caps.implicitTls) throw new Error(`${kind} has no implicit FTPS`);
  if (options.requireTlsReuse && caps.tlsReuse === 'never') {
    throw new Error(`${kind} cannot require TLS session reuse on data connections`);
  }
  const { min, max } = options.tlsVersions ?? {};
  for (const version of [min, max]) {
    if (version !== undefined && !VERSION_ORDER.includes(version)) throw new Error(`unknown TLS version ${version}`);
  }
  if (min && max && VERSION_ORDER.indexOf(min) > VERSION_ORDER.indexOf(max)) {
    throw new Error(`tlsVersions: min ${min} is above max ${max}`);
  }
  return {
    implicit,
    requireReuse: options.requireTlsReuse ?? caps.defaultRequireTlsReuse,
    ...(min ? { minVersion: min } : {}),
    ...(max ? { maxVersion: max } : {}),
  };
}

async function readLogs(stateDir: string): Promise<string> {
  const names = (await readdir(stateDir).catch(() => [] as string[])).filter((name) => /log$/.test(name)).sort();
  const parts = await Promise.all(
    names.map(async (name) => `==> ${name} <==\n${await readFile(join(stateDir, name), 'utf8').catch(String)}`),
  );
  return parts.join('\n');
}

function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join('\n');
}

/**
 * Starts a real FTP server on loopback, with the user `ftpuser`/`ftppass` (read-write, chrooted to
 * the root), anonymous read-only logins and explicit FTPS, and resolves once it greets with 220.
 *
 * vsftpd, ProFTPD and Pure-FTPd need root (they log in a local Unix user and chroot) and
 * `servers/install.sh`; pyftpdlib needs the latter; ftp-srv only `pnpm install`. A server that
 * cannot start rejects with its log.
 *
 * @example
 * ```ts
 * await using server = await startServer('proftpd', { fixture: true });
 * const socket = tls.connect({ host: server.host, port: server.port, ca: server.caPem });
 * ```
 */
export async function startServer(kind: ServerKind, options: StartServerOptions = {}): Promise<RunningServer> {
  const launcher = launchers[kind];
  if (!launcher) throw new Error(`unknown server kind ${String(kind)}; one of ${SERVER_KINDS.join(', ')}`);
  if (launcher.capabilities.needsRoot && !isRoot()) {
    throw new Error(`${kind} must be started as root: it logs in local users and chroots`);
  }
  const tls = resolveTls(kind, options);
  const anonymous = options.anonymous ?? (kind !== 'pure-ftpd' || options.fixture === true);
  const maxRate = options.maxRateBytesPerSecond ?? 0;
  if (!Number.isInteger(maxRate) || maxRate < 0) throw new Error(`maxRateBytesPerSecond must be a non-negative integer, not ${maxRate}`);
  if (maxRate > 0 && kind !== 'vsftpd') throw new Error(`${kind}: maxRateBytesPerSecond is vsftpd only`);
  if (options.listTimeZone !== undefined && kind !== 'proftpd' && kind !== 'vsftpd') throw new Error(`${kind}: listTimeZone is proftpd and vsftpd only`);
  if (options.mlst === false && kind !== 'proftpd') throw new Error(`${kind}: mlst false is proftpd only`);
  await launcher.checkInstalled();
  const ftpUser = await lookupUser(FTP_USER);
  if (!ftpUser && launcher.capabilities.needsRoot) throw new Error(`no system user ${FTP_USER}: ${INSTALL_HINT}`);

  const host = options.ipv6 ? '::1' : '127.0.0.1';
  const stateDir = await mkdtemp(join(tmpdir(), `ftpkit-${kind}-`));
  let ports: PortBlock | undefined;
  let proc: ServerProcess | undefined;
  let cleanupLaunch: (() => Promise<void>) | undefined;
  const ownRoot = options.root === undefined;
  const root = ownRoot ? join(stateDir, 'root') : resolve(options.root as string);

  const teardown = async () => {
    if (proc) await stopProcessTree(proc);
    await cleanupLaunch?.();
    await ports?.release();
    await rm(stateDir, { recursive: true, force: true });
  };

  try {
    // The servers drop to ftpuser or ftp before touching the root: every directory on the way
    // must be searchable by them.
    await chmod(stateDir, 0o755);
    await mkdir(root, { recursive: true, mode: 0o755 });
    if (ftpUser && isRoot()) await chown(root, ftpUser.uid, ftpUser.gid);
    await chmod(root, 0o755);
    if (options.fixture) await makeFixtureTree(root);
    // A private copy: git checks the key out world-readable, and servers may object to that.
    const certFile = join(stateDir, CERT_FILE);
    const keyFile = join(stateDir, KEY_FILE);
    await writeFile(certFile, testCertificate().cert);
    await writeFile(keyFile, testCertificate().key, { mode: 0o600 });
    await chmod(keyFile, 0o600);

    ports = await reservePorts(host);
    const command = await launcher.prepare({
      host,
      ipv6: options.ipv6 ?? false,
      port: ports.control,
      passiveMin: ports.passiveMin,
      passiveMax: ports.passiveMax,
      root,
      stateDir,
      user: FTP_USER,
      password: FTP_PASSWORD,
      ...(ftpUser ? { uid: ftpUser.uid, gid: ftpUser.gid } : {}),
      anonymous,
      maxRate,
      ...(options.listTimeZone === undefined ? {} : { listTimeZone: options.listTimeZone }),
      mlst: options.mlst ?? true,
      ...(tls ? { tls } : {}),
      certFile,
      keyFile,
    });
    cleanupLaunch = command.cleanup;
    proc = await spawnServer({
      command: command.command,
      args: command.args,
      ...(command.env ? { env: command.env } : {}),
      cwd: stateDir,
      logFile: join(stateDir, 'server.log'),
      stdinToLog: command.stdinToLog ?? false,
      leftovers: [stateDir, ports.lockFile],
    });
    const started = proc;
    await waitForGreeting({
      host,
      port: ports.control,
      ...(tls?.implicit ? { implicitTlsCa: testCaPem() } : {}),
      deadline: Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS),
      gone: () => started.hasExited(),
    });
    const version = await launcher.version();

    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= teardown());
    const urlHost = options.ipv6 ? '[::1]' : host;
    return {
      kind,
      host,
      port: ports.control,
      url: `${tls?.implicit ? 'ftps' : 'ftp'}://${urlHost}:${ports.control}/`,
      user: FTP_USER,
      password: FTP_PASSWORD,
      root,
      caPem: testCaPem(),
      version,
      pid: started.pid,
      tls: tls !== undefined,
      implicitTls: tls?.implicit ?? false,
      requireTlsReuse: tls?.requireReuse ?? false,
      anonymous,
      passivePorts: { min: ports.passiveMin, max: ports.passiveMax },
      readLogs: () => readLogs(stateDir),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    const logs = lastLines(await readLogs(stateDir), 40);
    const exit = proc?.hasExited() ? ` (${await proc.exited})` : '';
    await teardown().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${kind} did not start${exit}: ${message}${logs ? `\n${logs}` : ''}`, { cause: error });
  }
}
