/**
 * The command line: parse arguments, connect, run one command, report, and map failures to exit
 * codes (exit-codes.ts). Everything the process touches (streams, TTY checks, the abort signal)
 * enters through `CliIo` (context.ts), so `main` itself never exits the process.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { attemptsOf, Client, diagnose, Pool, type ClientOptions, type RetryEvent } from '@ftpkit/client';
import { COMMANDS, type CommandName } from './commands.js';
import type { CliIo, Context, Flags } from './context.js';
import { describeFailure, EXIT, UsageError } from './exit-codes.js';
import { HELP } from './help.js';
import { parseFtpPort, parseInterface } from './network.js';
import { progressReporter, silentProgress } from './progress.js';
import { parseRate } from './rate.js';
import { chooseProxy } from './proxy.js';
import { maskPassword, originKey, withCredentials, type RemoteTarget } from './target.js';

/** More sessions than this mostly trips servers' per-address connection limits (vsftpd's default is 50). */
const MAX_PARALLEL = 32;

/**
 * The commands that retry unless told otherwise (`--retry 0`), and how often: a transfer left
 * running should survive a dropped connection, and three retries with the library's backoff (1, 2
 * and 4 s, jittered) ride out a brief outage without hiding a server that is really gone. The other
 * commands change or list one thing and answer at once; they retry only with `--retry`.
 */
const RETRYING: ReadonlySet<string> = new Set(['get', 'put', 'mirror']);
const DEFAULT_RETRIES = 3;

const OPTIONS = {
  'explicit-tls': { type: 'boolean' },
  'implicit-tls': { type: 'boolean' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  active: { type: 'boolean' },
  'ftp-port': { type: 'string', short: 'P' },
  interface: { type: 'string' },
  ipv4: { type: 'boolean', short: '4' },
  ipv6: { type: 'boolean', short: '6' },
  pinnedpubkey: { type: 'string' },
  'ftp-ssl-ccc': { type: 'boolean' },
  'disable-epsv': { type: 'boolean' },
  'no-ftp-skip-pasv-ip': { type: 'boolean' },
  pipelining: { type: 'boolean' },
  'no-pipelining': { type: 'boolean' },
  resume: { type: 'boolean' },
  continue: { type: 'boolean' },
  journal: { type: 'string' },
  recursive: { type: 'boolean', short: 'r' },
  parents: { type: 'boolean', short: 'p' },
  names: { type: 'boolean' },
  delete: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  checksum: { type: 'boolean' },
  verify: { type: 'string' },
  parallel: { type: 'string' },
  include: { type: 'string', multiple: true },
  'max-depth': { type: 'string' },
  exclude: { type: 'string', multiple: true },
  interval: { type: 'string' },
  stable: { type: 'string' },
  initial: { type: 'boolean' },
  count: { type: 'string' },
  'netrc-file': { type: 'string' },
  proxy: { type: 'string' },
  noproxy: { type: 'string' },
  'list-time-zone': { type: 'string' },
  timeout: { type: 'string' },
  retry: { type: 'string' },
  'retry-delay': { type: 'string' },
  'limit-rate': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** Run the command line; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let json = argv.includes('--json');
  let commandName: string | undefined;
  const clients = new Map<string, Promise<Client>>();
  const pools = new Map<string, Promise<Pool>>();
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    if (values.version) {
      io.stdout.write(`${io.version}\n`);
      return EXIT.ok;
    }
    const [name, ...args] = positionals;
    commandName = name;
    if (name === undefined) throw new UsageError('No command given');
    if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`Unknown command ${JSON.stringify(name)}`);
    const command = COMMANDS[name as CommandName];
    const flags = toFlags(values);
    json = flags.json;
    if (flags.explicitTls && flags.implicitTls) throw new UsageError('--explicit-tls and --implicit-tls exclude each other');
    if (values.pipelining && values['no-pipelining']) throw new UsageError('--pipelining and --no-pipelining exclude each other');
    if (flags.insecure) {
      io.stderr.write(
        'ftpkit: WARNING: --insecure: the server\'s TLS certificate is NOT verified. Anyone on the network path can ' +
          'impersonate the server and read or change this session, password included.\n',
      );
    }
    const ca = flags.ca === undefined ? undefined : await readCa(flags.ca);
    const overrides: Partial<ClientOptions> = {
      ...(flags.explicitTls ? { secure: 'explicit' as const } : {}),
      ...(flags.implicitTls ? { secure: 'implicit' as const } : {}),
      ...(flags.active || flags.ftpPort ? { mode: 'active' as const } : {}),
      ...(flags.ftpPort?.address === undefined ? {} : { activeAddress: flags.ftpPort.address }),
      ...(flags.ftpPort?.ports === undefined ? {} : { activePorts: flags.ftpPort.ports }),
      ...(flags.localAddress === undefined ? {} : { localAddress: flags.localAddress }),
      ...(flags.family === undefined ? {} : { family: flags.family }),
      ...(flags.ccc ? { ccc: true } : {}),
      ...(flags.disableEpsv ? { epsv: false } : {}),
      ...(flags.trustPasvHost ? { trustPasvHost: true } : {}),
      ...(flags.pipelining === 'auto' ? {} : { pipelining: flags.pipelining }),
      ...(flags.listTimeZone === undefined ? {} : { listTimeZone: flags.listTimeZone }),
      // The login deadline keeps the library's ratio to the others: twice a reply's (0 stays "none").
      ...(flags.timeoutMs === undefined
        ? {}
        : { timeouts: { connect: flags.timeoutMs, login: 2 * flags.timeoutMs, reply: flags.timeoutMs, dataIdle: flags.timeoutMs } }),
      // One budget per session or pool: with --parallel, the N sessions share it, as one curl transfer would.
      ...(flags.limitRate ? { limitRate: flags.limitRate } : {}),
      ...(flags.verbose ? { log: (entry: { direction: string; text: string }) => void io.stderr.write(`${entry.direction} ${entry.text}\n`) } : {}),
      retry: {
        retries: flags.retry ?? (RETRYING.has(name) ? DEFAULT_RETRIES : 0),
        ...(flags.retryDelayMs === undefined ? {} : { delay: flags.retryDelayMs, maxDelay: flags.retryDelayMs }),
        ...(flags.quiet ? {} : { onRetry: (event: RetryEvent) => void io.stderr.write(retryLine(event, io.stderr.isTTY === true)) }),
      },
    };
    const tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(flags.insecure ? { rejectUnauthorized: false } : {}),
      ...(flags.pinnedPublicKey === undefined ? {} : { pin: flags.pinnedPublicKey }),
    };
    const tlsOverride = Object.keys(tls).length > 0 ? { tls } : {};
    // Credentials are looked up (and prompted for) once per server, for its session and its pool alike.
    const credentials = new Map<string, Promise<ClientOptions>>();
    const optionsFor = (target: RemoteTarget): Promise<ClientOptions> => {
      const base = { ...target.options, ...overrides };
      const key = originKey(base);
      let options = credentials.get(key);
      if (!options) {
        options = (async () => {
          const withAuth = await withCredentials(base, { netrcFile: flags.netrcFile, prompt: io.prompt });
          const proxy = chooseProxy(base.host, flags, io.env ?? {});
          // The password of a proxy, like the server's, is never printed.
          if (proxy !== undefined && flags.verbose) io.stderr.write(`* proxy ${maskPassword(proxy.url)} (from ${proxy.from})\n`);
          return { ...withAuth, ...tlsOverride, ...(proxy === undefined ? {} : { proxy: proxy.url }) };
        })();
        credentials.set(key, options);
      }
      return options;
    };
    const connect = async (target: RemoteTarget): Promise<Client> => {
      const key = originKey({ ...target.options, ...overrides });
      let client = clients.get(key);
      if (!client) {
        client = optionsFor(target).then((options) => Client.connect({ ...options, signal: io.signal }));
        clients.set(key, client);
      }
      return client;
    };
    const pool = async (target: RemoteTarget): Promise<Pool> => {
      const key = originKey({ ...target.options, ...overrides });
      let made = pools.get(key);
      if (!made) {
        made = optionsFor(target).then((options) => new Pool({ ...options, size: flags.parallel }));
        pools.set(key, made);
      }
      return made;
    };
    const context: Context = {
      flags,
      args,
      signal: io.signal,
      stdout: io.stdout,
      print: (line) => {
        if (!flags.json) io.stdout.write(`${line}\n`);
      },
      note: (line) => {
        if (!flags.json && !flags.quiet) io.stderr.write(`${line}\n`);
      },
      progress: flags.json || flags.quiet ? silentProgress : progressReporter(io.stderr, { concurrent: flags.parallel > 1 }),
      connect,
      pool,
      // No credentials: Client.certificate sends none, so none are looked up or asked for.
      certificate: (target) => Client.certificate({ ...target.options, ...overrides, ...tlsOverride, signal: io.signal }),
      // --timeout is each probe's deadline; the URL's path is the folder the listing probes list.
      diagnose: async (target) =>
        diagnose({
          ...(await optionsFor(target)),
          signal: io.signal,
          ...(flags.timeoutMs ? { probeTimeout: flags.timeoutMs } : {}),
          ...(target.path === '' ? {} : { path: target.path }),
        }),
    };
    const result = await command(context);
    if (flags.json) io.stdout.write(`${JSON.stringify({ ok: true, command: name, ...result })}\n`);
    return EXIT.ok;
  } catch (err) {
    const failure = describeFailure(err, commandName);
    const hint = failure.exitCode === EXIT.usage ? ' Run ftpkit --help for usage.' : '';
    const attempts = attemptsOf(err);
    const tries = attempts !== undefined && attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
    io.stderr.write(`ftpkit: ${failure.message}${tries}${hint}\n`);
    if (json) {
      const { message, exitCode, code, reply, command } = failure;
      const error = { code, exitCode, message, ...(reply ? { reply } : {}), ...(command ? { command } : {}), ...(attempts !== undefined ? { attempts } : {}) };
      io.stdout.write(`${JSON.stringify({ ok: false, error })}\n`);
    }
    return failure.exitCode;
  } finally {
    await Promise.all(
      [...clients.values(), ...pools.values()].map((pending) => pending.then((session) => session.close()).catch(() => undefined)),
    );
  }
}

function toFlags(values: Record<string, string | boolean | (string | boolean)[] | undefined>): Flags {
  const bool = (name: string) => values[name] === true;
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const list = (name: string) => ((values[name] as string[] | undefined) ?? []);
  const timeoutMs = seconds(str('timeout'), '--timeout', true);
  const interval = seconds(str('interval'), '--interval', false);
  const stable = seconds(str('stable'), '--stable', true);
  const countText = str('count');
  const count = countText === undefined ? undefined : Number(countText);
  if (count !== undefined && (countText!.trim() === '' || !Number.isSafeInteger(count) || count < 1)) {
    throw new UsageError(`--count wants a whole number of events from 1, not ${JSON.stringify(countText)}`);
  }
  const depthText = str('max-depth');
  const maxDepth = depthText === undefined ? undefined : Number(depthText);
  if (maxDepth !== undefined && (depthText!.trim() === '' || !Number.isSafeInteger(maxDepth) || maxDepth < 0)) {
    throw new UsageError(`--max-depth wants a whole number of folders from 0, not ${JSON.stringify(depthText)}`);
  }
  const retryText = str('retry');
  const retry = retryText === undefined ? undefined : Number(retryText);
  if (retry !== undefined && (retryText!.trim() === '' || !Number.isSafeInteger(retry) || retry < 0)) {
    throw new UsageError(`--retry wants a whole number of retries from 0, not ${JSON.stringify(retryText)}`);
  }
  const retryDelayMs = seconds(str('retry-delay'), '--retry-delay', true);
  const rateText = str('limit-rate');
  const limitRate = rateText === undefined ? undefined : parseRate(rateText);
  const verify = str('verify');
  if (verify !== undefined && verify !== 'size' && verify !== 'checksum') {
    throw new UsageError(`--verify wants size or checksum, not ${JSON.stringify(verify)}`);
  }
  if (str('journal') === '') throw new UsageError('--journal wants a file path');
  const parallelText = str('parallel');
  const parallel = parallelText === undefined ? 1 : Number(parallelText);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) {
    throw new UsageError(`--parallel wants a whole number from 1 to ${MAX_PARALLEL}, not ${JSON.stringify(parallelText)}`);
  }
  if (bool('ipv4') && bool('ipv6')) throw new UsageError('-4 and -6 exclude each other');
  const family = bool('ipv4') ? 4 : bool('ipv6') ? 6 : undefined;
  const ftpPortText = str('ftp-port');
  const interfaceText = str('interface');
  return {
    explicitTls: bool('explicit-tls'),
    implicitTls: bool('implicit-tls'),
    ca: str('ca'),
    insecure: bool('insecure'),
    active: bool('active'),
    ftpPort: ftpPortText === undefined ? undefined : parseFtpPort(ftpPortText, family),
    localAddress: interfaceText === undefined ? undefined : parseInterface(interfaceText, family),
    family,
    pinnedPublicKey: str('pinnedpubkey'),
    ccc: bool('ftp-ssl-ccc'),
    disableEpsv: bool('disable-epsv'),
    trustPasvHost: bool('no-ftp-skip-pasv-ip'),
    pipelining: bool('pipelining') ? true : bool('no-pipelining') ? false : 'auto',
    resume: bool('resume'),
    continue: bool('continue') || str('journal') !== undefined,
    journal: str('journal'),
    recursive: bool('recursive'),
    parents: bool('parents'),
    names: bool('names'),
    delete: bool('delete'),
    dryRun: bool('dry-run'),
    checksum: bool('checksum'),
    verify,
    parallel,
    include: list('include'),
    exclude: list('exclude'),
    maxDepth,
    interval,
    stable,
    initial: bool('initial'),
    count,
    netrcFile: str('netrc-file'),
    proxy: str('proxy'),
    noproxy: str('noproxy'),
    listTimeZone: str('list-time-zone'),
    timeoutMs,
    retry,
    retryDelayMs,
    limitRate,
    verbose: bool('verbose'),
    json: bool('json'),
    quiet: bool('quiet'),
  };
}

/**
 * A retry as one line on stderr: what, when, why, and from where a download goes on. On a terminal
 * it first clears the progress line it interrupts, which the next progress update draws again.
 */
function retryLine(event: RetryEvent, tty: boolean): string {
  const what = `${event.call}${event.path === undefined ? '' : ` ${event.path}`}`;
  const from = event.resumeAt ? `, from byte ${event.resumeAt}` : '';
  const seconds = (event.delay / 1000).toFixed(1);
  return `${tty ? '\r\x1b[K' : ''}ftpkit: ${what}: attempt ${event.attempt} in ${seconds}s${from}, after: ${describeFailure(event.error).message}\n`;
}

/** `--timeout`, `--interval` and `--stable`: seconds (fractions allowed) as milliseconds; 0 only where `zero` allows it. */
function seconds(text: string | undefined, flag: string, zero: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (!zero && value === 0)) {
    throw new UsageError(`${flag} wants seconds${zero ? '' : ' above 0'}, not ${JSON.stringify(text)}`);
  }
  return Math.round(value * 1000);
}

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read the CA file ${file}: ${(err as Error).message}`);
  }
}
