// The client's diagnostics_channel events (src/tracing.ts) against a real vsftpd over explicit FTPS,
// written with the vitest API only so that one file runs on every runtime:
//
//   Node  `pnpm test`        vitest run (this file is part of the Node suite too)
//   Deno  `pnpm test:deno`   deno run -A npm:vitest run test/runtime-smoke.test.ts test/tracing.test.ts
//   Bun   `pnpm test:bun`    bun --bun vitest run test/runtime-smoke.test.ts test/tracing.test.ts
//
// What a subscriber sees: a connect and login, every command and reply, every transfer (bytes,
// duration, offset, data mode, the data connection's TLS) and every lease of a Pool's session, in
// the TracingChannel order; and never a password, an account or a proxy's credentials. Deno cannot
// resume TLS sessions (see runtime-smoke.test.ts), so it gets a vsftpd that does not insist on it.
import diagnostics from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { capabilities } from '@ftpkit/transport';
import { PROXY_PASSWORD, startCutProxy, startProxy, startServer, type RunningProxy, type RunningServer } from '@ftpkit/testkit';
import {
  Client,
  FtpReplyError,
  isAbortError,
  Pool,
  ProxyAuthError,
  TRACING_CHANNELS,
  type ClientOptions,
  type CommandTrace,
  type ConnectTrace,
  type LeaseTrace,
  type ReplyTrace,
  type TransferTrace,
} from '../src/index.js';

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const MiB = 1024 * 1024;
const PHASES = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
type Phase = (typeof PHASES)[number];

/** One event as a subscriber saw it: the channel, the phase (a plain channel's is 'publish') and the message. */
interface Seen {
  readonly channel: keyof typeof TRACING_CHANNELS;
  readonly phase: Phase | 'publish';
  readonly message: object;
}

/** A subscriber on every channel, recording what it sees until `stop()`. */
function record(): { seen: Seen[]; stop: () => void } {
  const seen: Seen[] = [];
  const stops: (() => void)[] = [];
  for (const channel of ['connect', 'transfer', 'lease'] as const) {
    const tracing = diagnostics.tracingChannel(TRACING_CHANNELS[channel]);
    const handlers = Object.fromEntries(PHASES.map((phase) => [phase, (message: object) => seen.push({ channel, phase, message })]));
    tracing.subscribe(handlers as never);
    stops.push(() => tracing.unsubscribe(handlers as never));
  }
  for (const channel of ['command', 'reply'] as const) {
    const onMessage = (message: unknown): void => void seen.push({ channel, phase: 'publish', message: message as object });
    diagnostics.subscribe(TRACING_CHANNELS[channel], onMessage);
    stops.push(() => diagnostics.unsubscribe(TRACING_CHANNELS[channel], onMessage));
  }
  return { seen, stop: () => stops.forEach((stop) => stop()) };
}

/** The events of one channel and phase. */
function of<T>(seen: readonly Seen[], channel: Seen['channel'], phase: Seen['phase']): T[] {
  return seen.filter((e) => e.channel === channel && e.phase === phase).map((e) => e.message as T);
}

/** Every string reachable from `value`: fields, array items, error messages, stacks and causes, bytes as text. */
function strings(value: unknown, out: string[] = [], visited = new Set<unknown>()): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(new TextDecoder('latin1').decode(value));
  else if (typeof value === 'object' && value !== null && !visited.has(value)) {
    visited.add(value);
    if (value instanceof Error) strings([value.message, value.stack, value.cause], out, visited);
    const items = value instanceof Map ? [...value.entries()] : Object.values(value);
    for (const item of items) strings(item, out, visited);
  }
  return out;
}

let server: RunningServer;
let recorder: ReturnType<typeof record> | undefined;
const options = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
  host: server.host,
  port: server.port,
  user: server.user,
  password: server.password,
  secure: 'explicit',
  tls: { ca: server.caPem, servername: 'localhost' },
  ...extra,
});

beforeAll(async () => {
  server = await startServer('vsftpd', { fixture: true, requireTlsReuse: capabilities.sessionReuse });
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  recorder?.stop();
  recorder = undefined;
});

/** Start recording for this test (stopped after it). */
function subscribe(): Seen[] {
  recorder = record();
  return recorder.seen;
}

test('the channels are named ftpkit:client:*', () => {
  expect(TRACING_CHANNELS).toEqual({
    connect: 'ftpkit:client:connect',
    command: 'ftpkit:client:command',
    reply: 'ftpkit:client:reply',
    transfer: 'ftpkit:client:transfer',
    lease: 'ftpkit:client:lease',
  });
});

describe(`vsftpd over explicit FTPS on ${runtime}`, () => {
  test('a connect: start, end, asyncStart, asyncEnd, with the login; every command and reply names the same connection', async () => {
    const seen = subscribe();
    await using client = await Client.connect(options());
    const connects = seen.filter((e) => e.channel === 'connect');
    expect(connects.map((e) => e.phase)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const context = connects[0]!.message as ConnectTrace;
    expect(connects.every((e) => e.message === context)).toBe(true);
    expect(context.connection).toEqual({ host: server.host, port: server.port, user: server.user, secure: 'explicit' });
    expect(Object.isFrozen(context.connection)).toBe(true);
    expect(context.replaces).toBeUndefined();
    expect(context.login).toBe(true);
    expect(context.result?.kind).toBe('connect');
    expect(context.result?.welcome.code).toBe(230);
    expect(context.durationMs).toBeGreaterThan(0);

    const commands = of<CommandTrace>(seen, 'command', 'publish');
    const replies = of<ReplyTrace>(seen, 'reply', 'publish');
    expect(commands.map((c) => c.command)).toEqual(expect.arrayContaining(['AUTH TLS', `USER ${server.user}`, 'PASS ****', 'FEAT']));
    expect(replies.map((r) => r.reply.code)).toEqual(expect.arrayContaining([220, 234, 331, 230, 211]));
    for (const message of [...commands, ...replies]) expect(message.connection).toBe(context.connection);

    // The commands of a later call name it too.
    await client.pwd();
    expect(of<CommandTrace>(seen, 'command', 'publish').at(-1)).toEqual({ connection: context.connection, command: 'PWD' });

    // A look at the certificate is a connect without a login (where the transport can read one).
    if (capabilities.peerCertificate === true) {
      await Client.certificate(options());
      expect(of<ConnectTrace>(seen, 'connect', 'asyncEnd').at(-1)).toMatchObject({ login: false, result: { kind: 'connect' } });
    }
  });

  test('a reconnect names the connection it replaces', async () => {
    // A loopback address of this file's own, so that no other test's proxy mirrors onto it.
    await using proxy = await startCutProxy({ target: server, host: '127.0.0.61' });
    await using client = await Client.connect(options({ host: proxy.host, port: proxy.port, retry: { retries: 2, delay: 10 } }));
    const seen = subscribe();
    await client.pwd(); // the first connection, as the events name it
    const first = of<CommandTrace>(seen, 'command', 'publish')[0]!.connection;
    proxy.dropAll();
    expect(await client.size('/hello.txt')).toBe(6);
    const [reconnect] = of<ConnectTrace>(seen, 'connect', 'asyncEnd');
    expect(reconnect?.replaces).toBe(first);
    expect(reconnect?.connection).not.toBe(first);
    expect(reconnect?.connection).toEqual(first);
    expect(of<CommandTrace>(seen, 'command', 'publish').at(-1)?.connection).toBe(reconnect?.connection);
  });

  test('transfers: a download, an upload, a resumed download, a listing; bytes, duration, offset, mode, TLS', async () => {
    await using client = await Client.connect(options());
    const bytes = randomBytes(MiB + 5);
    await writeFile(join(server.root, 'traced.bin'), bytes);
    const seen = subscribe();

    const whole = await client.downloadToBytes('/traced.bin');
    await client.upload(bytes.subarray(0, 1000), '/traced-up.bin');
    let rest = 0;
    await client.download('/traced.bin', (chunk) => void (rest += chunk.length), { startAt: MiB });
    await client.list('/');

    expect(whole.length).toBe(MiB + 5);
    expect(rest).toBe(5);
    const transfers = of<TransferTrace>(seen, 'transfer', 'asyncEnd');
    expect(transfers.map((t) => [t.command, t.argument, t.direction, t.offset, t.resumed, t.bytes])).toEqual([
      ['RETR', '/traced.bin', 'download', 0, false, MiB + 5],
      ['STOR', '/traced-up.bin', 'upload', 0, false, 1000],
      ['RETR', '/traced.bin', 'download', MiB, true, 5],
      ['LIST', '-a /', 'download', 0, false, expect.any(Number)], // vsftpd has no MLSD
    ]);
    // On Node and Bun every data connection resumes the control connection's TLS session; Deno
    // cannot tell, nor name the protocol.
    const resumed = capabilities.reportsResumption ? capabilities.sessionReuse : undefined;
    const protocol = runtime === 'deno' ? undefined : expect.stringMatching(/^TLSv1\.[23]$/);
    for (const transfer of transfers) {
      expect(transfer.connection).toMatchObject({ host: server.host, port: server.port });
      expect(transfer.mode).toBe('passive');
      expect(transfer.tls).toEqual({ protocol, resumed });
      expect(transfer.durationMs).toBeGreaterThan(0);
      expect(transfer.result?.reply.code).toBe(226);
      expect(transfer.error).toBeUndefined();
    }
    expect(transfers[3]!.bytes).toBeGreaterThan(0);
    expect(seen.filter((e) => e.channel === 'transfer' && e.message === transfers[0]).map((e) => e.phase)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
  });

  test('a failed transfer: the error event, then asyncEnd with the error', async () => {
    await using client = await Client.connect(options());
    const seen = subscribe();
    const error = await client.downloadToBytes('/no-such-file').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FtpReplyError);
    const phases = seen.filter((e) => e.channel === 'transfer').map((e) => e.phase);
    expect(phases).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    const context = of<TransferTrace>(seen, 'transfer', 'error')[0]!;
    expect(context.error).toBe(error);
    expect(context.result).toBeUndefined();
    expect(context.bytes).toBe(0);
  });

  test('active mode is said', async () => {
    await using client = await Client.connect(options({ mode: 'active' }));
    const seen = subscribe();
    expect((await client.downloadToBytes('/hello.txt')).length).toBe(6);
    const [transfer] = of<TransferTrace>(seen, 'transfer', 'asyncEnd');
    expect(transfer).toMatchObject({ mode: 'active', bytes: 6, command: 'RETR' });
  });

  test('a Pool: each lease, whether it connected or waited in the queue; an aborted wait is an error', async () => {
    await using pool = new Pool({ ...options(), size: 1 });
    const seen = subscribe();
    const first = Promise.all([pool.size('/hello.txt'), pool.size('/small.bin')]);
    expect(await first).toEqual([6, 4096]);
    const leases = of<LeaseTrace>(seen, 'lease', 'asyncEnd');
    expect(leases.map((l) => [l.size, l.connected, l.queued])).toEqual([
      [1, true, false],
      [1, false, true],
    ]);
    expect(leases[1]!.open).toBe(1);
    for (const lease of leases) expect(lease.durationMs).toBeGreaterThanOrEqual(0);
    // The queued lease waited for the first call's connect and login.
    expect(leases[1]!.durationMs).toBeGreaterThan(0);

    // A lease that gives up waiting: its error is the abort.
    const held = pool.use(async () => {
      const controller = new AbortController();
      const waiting = pool.size('/hello.txt', { signal: controller.signal }).catch((err: unknown) => err);
      await vi.waitFor(() => expect(pool.stats.waiting).toBe(1));
      controller.abort();
      return waiting;
    });
    expect(isAbortError(await held)).toBe(true);
    const failed = of<LeaseTrace>(seen, 'lease', 'error');
    expect(failed).toHaveLength(1);
    expect(isAbortError(failed[0]!.error)).toBe(true);
    expect(failed[0]).toMatchObject({ queued: true, waiting: 0 });
  });
});

describe('no subscriber sees a password, an account or a proxy credential', () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy('dante', { auth: true });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  test('a login, a failed login, a transfer, a raw command; through a proxy with credentials, and with wrong ones', async () => {
    const seen = subscribe();
    const wrong = 'not-the-Password-42';
    const account = 'acct-Secret-77';
    const wrongProxy = 'wrong-Proxy-Secret-9';
    await Client.connect(options({ password: wrong })).then(
      () => expect.unreachable(),
      (err: unknown) => expect(err).toBeInstanceOf(FtpReplyError),
    );
    {
      await using client = await Client.connect(options({ account, proxy: proxy.url }));
      await client.upload(new TextEncoder().encode('hello'), '/secret-check.txt');
      await client.site('HELP').catch(() => {});
    }
    await Client.connect(options({ proxy: proxy.url.replace(PROXY_PASSWORD, wrongProxy), timeouts: { connect: 5000 } })).then(
      () => expect.unreachable(),
      (err: unknown) => expect(err).toBeInstanceOf(ProxyAuthError),
    );

    expect(of<CommandTrace>(seen, 'command', 'publish').map((c) => c.command)).toContain('PASS ****');
    expect(of<ConnectTrace>(seen, 'connect', 'error')).toHaveLength(2);
    expect(of<TransferTrace>(seen, 'transfer', 'asyncEnd')).toHaveLength(1);
    const text = strings(seen.map((e) => e.message));
    expect(text.length).toBeGreaterThan(100);
    for (const secret of [server.password, wrong, account, PROXY_PASSWORD, wrongProxy]) {
      expect(text.filter((s) => s.includes(secret))).toEqual([]);
    }
  });
});

describe('where the runtime has no node:diagnostics_channel', () => {
  test('every channel is a stand-in without subscribers, and a traced call just runs', async () => {
    const process = globalThis.process as { getBuiltinModule?: unknown };
    const original = process.getBuiltinModule;
    vi.resetModules();
    process.getBuiltinModule = undefined;
    let tracing: typeof import('../src/tracing.js');
    try {
      tracing = await import('../src/tracing.js');
    } finally {
      process.getBuiltinModule = original;
      vi.resetModules();
    }
    for (const channel of [tracing.connectChannel, tracing.commandChannel, tracing.replyChannel, tracing.transferChannel, tracing.leaseChannel]) {
      expect(channel.hasSubscribers).toBe(false);
    }
    tracing.commandChannel.publish({ connection: { host: 'h', port: 21, user: 'u', secure: false }, command: 'NOOP' });
    expect(await tracing.leaseChannel.tracePromise(async () => 42, {} as LeaseTrace)).toBe(42);
  });
});
