/**
 * Fault matrix, deadlines and bounds, end to end over real sockets against the scripted server: a
 * greeting trickled forever, `120` forever (fast and slow), every login reply trickled, a flood of
 * 1xx to a transfer command. Each asserts the typed error, that the call ends within its deadline
 * (no hang), and that the connection is closed on both sides. The exact virtual times are asserted
 * on the in-memory pair (driver-deadlines.test.ts); here the timeouts are short and the margins wide.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { rejectionOf, scriptedScenes, type ScriptContext, type ScriptedServerOptions } from '@ftpkit/testkit';
import { Client, RemoteProtocolError, TimeoutError, TooManyPreliminaryRepliesError, type ClientOptions } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

/** Connect to a fresh server; resolves with the rejection and how long it took (ms). */
async function failedConnect(options: ScriptedServerOptions, extra: Partial<ClientOptions>): Promise<{ err: unknown; ms: number }> {
  const server = await scenes.start(options);
  const started = performance.now();
  const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }));
  return { err, ms: performance.now() - started };
}

/** Write `text` one byte every `delayMs`, for as long as the client stays. */
async function trickleForever(ctx: ScriptContext, text: string, delayMs: number): Promise<void> {
  while (!ctx.socket.destroyed) await ctx.trickle(text, { bytes: 1, delayMs });
}

/** A reply trickled a byte every 20 ms: each one well inside a 1 s reply timeout. */
const slowly = (text: string) => (_: string, ctx: ScriptContext) => ctx.trickle(`${text}\r\n`, { bytes: 1, delayMs: 20 });

describe('deadlines at connect', () => {
  test('a greeting trickled one byte per 200 ms, forever: TimeoutError at the login deadline', async () => {
    const { err, ms } = await failedConnect({ greeting: (ctx) => void trickleForever(ctx, '220-still greeting you ', 200) }, { timeouts: { login: 1000, reply: 30_000 } });
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe('ERR_FTP_TIMEOUT');
    expect((err as Error).message).toMatch(/timeouts\.login/);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(5000);
  });

  test('a greeting trickled forever, with the default login deadline off: the reply timeout ends it', async () => {
    const { err, ms } = await failedConnect({ greeting: (ctx) => void trickleForever(ctx, '220-still greeting you ', 100) }, { timeouts: { login: 0, reply: 800 } });
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/No reply from the server within 800 ms/);
    expect(ms).toBeLessThan(5000);
  });

  test('120 forever, as fast as it can: TooManyPreliminaryRepliesError, nothing sent', async () => {
    const { err } = await failedConnect(
      {
        greeting: (ctx) => {
          const timer = setInterval(() => ctx.reply('120 Service ready in 5 minutes'), 1);
          ctx.socket.on('close', () => clearInterval(timer));
        },
      },
      { timeouts: { login: 30_000 } },
    );
    expect(err).toBeInstanceOf(TooManyPreliminaryRepliesError);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect((err as TooManyPreliminaryRepliesError).code).toBe('ERR_FTP_REMOTE_PROTOCOL');
    expect((err as TooManyPreliminaryRepliesError).reply.code).toBe(120);
    expect(scenes.server.received).toEqual([]);
  });

  test('120 every 200 ms, forever: each restarts the reply clock, the login deadline still ends it', async () => {
    const { err, ms } = await failedConnect(
      {
        greeting: (ctx) => {
          const timer = setInterval(() => ctx.reply('120 Service ready in 5 minutes'), 200);
          ctx.socket.on('close', () => clearInterval(timer));
        },
      },
      { timeouts: { login: 1000, reply: 500 } },
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/timeouts\.login/);
    expect(ms).toBeLessThan(5000);
  });

  test('every login reply trickled, each in time: the login deadline bounds them all', async () => {
    const { err, ms } = await failedConnect(
      { greeting: (ctx) => void ctx.trickle('220 hello\r\n', { bytes: 1, delayMs: 20 }), handlers: { USER: slowly('331 password please'), PASS: slowly('230 logged in'), FEAT: slowly('211 no features') } },
      { timeouts: { login: 800, reply: 1000 } },
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/timeouts\.login/);
    expect(ms).toBeLessThan(5000);
  });
});

describe('bounds on every call', () => {
  test('a flood of 150s to LIST: RemoteProtocolError, the client closes, no hang', async () => {
    const client = await scenes.setup({
      handlers: {
        LIST: async (_, ctx) => {
          await ctx.acceptData();
          for (let i = 0; i < 50; i++) ctx.reply('150 Here comes the directory listing');
        },
      },
    });
    await expect(client.list('/')).rejects.toBeInstanceOf(RemoteProtocolError);
    expect(client.closed).toBe(true);
  });

  test('a reply trickled past the reply timeout after login: TimeoutError, the client closes', async () => {
    const client = await scenes.setup({ handlers: { MKD: (_, ctx) => trickleForever(ctx, '257-still making it ', 50) } }, { timeouts: { reply: 500 } });
    const started = performance.now();
    await expect(client.mkdir('new')).rejects.toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(client.closed).toBe(true);
  });
});
