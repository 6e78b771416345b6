/**
 * Servers that break under deep pipelining (lane.ts, the codec's ahead.ts), played by the scripted
 * server: while a transfer runs, the commands the client set up behind it are answered there and then
 * (ProFTPD's "450 EPSV: data transfer in progress"), answered out of order (a 229 before the running
 * transfer's 226, as a server that runs commands concurrently would), or silently dropped. Each time the
 * client must notice, fall back to one command at a time for good, deliver every file whole and right,
 * and not hang: the dropped commands cost one reply timeout, once. And the two aborts the lane has:
 * of the call set up behind the running one, and of the running one with another behind it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { readAll, sendAndClose, startScriptedServer, type CommandHandler, type ScriptContext, type ScriptedServer } from '@ftpkit/testkit';
import { Client, FtpReplyError, type LogEntry } from '../src/index.js';

type Fault = 'answers' | 'out-of-order' | 'drops';

const FILES = 8;
const bodyOf = (i: number): Uint8Array => new Uint8Array(3000 + i * 101).fill(65 + i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * EPSV, RETR and STOR that misbehave as `fault` says with the commands received while a transfer
 * runs (waiting up to 200 ms for the client's commands set up ahead to arrive). Commands the fault
 * consumed are skipped when their turn comes.
 */
function faulty(fault: Fault): Record<string, CommandHandler> {
  // Per control connection: the client's fallback reconnects.
  const states = new WeakMap<ScriptContext, { skip: number; pendingEpsv: string | undefined }>();
  const stateOf = (ctx: ScriptContext) => states.get(ctx) ?? (states.set(ctx, { skip: 0, pendingEpsv: undefined }), states.get(ctx)!);
  const during = async (name: string, arg: string, ctx: ScriptContext): Promise<void> => {
    const state = stateOf(ctx);
    const at = ctx.received.lastIndexOf(`${name} ${arg}`);
    for (let waited = 0; ctx.received.length <= at + state.skip + 1 && waited < 200; waited += 10) await sleep(10);
    const later = ctx.received.slice(at + 1 + state.skip);
    if (later.length === 0) return;
    if (fault === 'answers') for (const line of later) ctx.reply(`450 ${line.split(' ')[0]}: data transfer in progress`);
    if (fault === 'out-of-order' && later[0] === 'EPSV') {
      ctx.reply(`229 Entering Extended Passive Mode (|||${await ctx.passive()}|)`);
      state.pendingEpsv = 'answered';
      state.skip++; // only the EPSV: its transfer command runs in its turn
      return;
    }
    state.skip += later.length;
  };
  const skipped = (ctx: ScriptContext): boolean => {
    const state = stateOf(ctx);
    if (state.skip === 0) return false;
    state.skip--;
    return true;
  };
  const answeredEarly = (ctx: ScriptContext): boolean => {
    const state = stateOf(ctx);
    const early = state.pendingEpsv !== undefined;
    state.pendingEpsv = undefined;
    return early;
  };
  return {
    EPSV: async (_, ctx) => {
      if (skipped(ctx)) return undefined;
      return `229 Entering Extended Passive Mode (|||${await ctx.passive()}|)`;
    },
    RETR: async (arg, ctx) => {
      if (skipped(ctx)) return undefined;
      const file = ctx.files.get(arg);
      const offset = ctx.restAt; // a retried download goes on with REST from what it holds
      ctx.restAt = 0;
      if (!file) return '550 No such file';
      const data = await ctx.acceptData();
      ctx.reply('150 Opening data connection');
      await sendAndClose(data, file.subarray(offset));
      // Before its 226, as ProFTPD's lingering close of the data connection: the client's commands set
      // up ahead come now.
      if (!answeredEarly(ctx)) await during('RETR', arg, ctx);
      return '226 Transfer complete';
    },
    STOR: async (arg, ctx) => {
      if (skipped(ctx)) return undefined;
      const data = await ctx.acceptData();
      ctx.reply('150 Ready to receive');
      ctx.files.set(arg, await readAll(data));
      if (!answeredEarly(ctx)) await during('STOR', arg, ctx);
      return '226 Transfer complete';
    },
  };
}

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function connect(fault: Fault, log: LogEntry[]): Promise<Client> {
  const files = Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`f${i}`, bodyOf(i)]));
  server = await startScriptedServer({ handlers: faulty(fault), files });
  return Client.connect({
    host: server.host,
    port: server.port,
    user: 'u',
    password: 'p',
    pipelining: true,
    // The dropped commands are found by the reply clock; short here, so the test is quick (load can
    // stretch a reply to a few hundred ms, which only makes the fallback happen earlier).
    timeouts: { reply: 1500 },
    log: (entry) => void log.push(entry),
  });
}

const collect = () => {
  const chunks: Uint8Array[] = [];
  return { sink: (chunk: Uint8Array) => void chunks.push(chunk.slice()), bytes: () => Buffer.concat(chunks) };
};

describe.each<Fault>(['answers', 'out-of-order', 'drops'])('a server that %s the commands set up ahead', (fault) => {
  test('downloads made at once all arrive right, after one fallback', async () => {
    const log: LogEntry[] = [];
    const client = await connect(fault, log);
    try {
      await client.download('f0', () => {}); // EPSV is known to work from here
      const sinks = Array.from({ length: FILES }, collect);
      await Promise.all(sinks.map((s, i) => client.download(`f${i}`, s.sink)));
      for (const [i, s] of sinks.entries()) expect(Buffer.compare(s.bytes(), Buffer.from(bodyOf(i))), `f${i}`).toBe(0);
      expect(log.some((e) => e.direction === '*' && /broke under pipelining/.test(e.text))).toBe(true);
      expect(await client.pwd()).toBe('/');
    } finally {
      await client.close();
    }
  });

  test('uploads made at once all land right, after one fallback', async () => {
    const log: LogEntry[] = [];
    const client = await connect(fault, log);
    try {
      await client.upload(bodyOf(0), 'warm');
      await Promise.all(Array.from({ length: FILES }, (_, i) => client.upload(bodyOf(i), `u${i}`)));
      for (let i = 0; i < FILES; i++) expect(Buffer.compare(Buffer.from(server!.files.get(`u${i}`) ?? []), Buffer.from(bodyOf(i))), `u${i}`).toBe(0);
      expect(log.some((e) => e.direction === '*' && /broke under pipelining/.test(e.text))).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('aborts in the transfer lane', () => {
  /**
   * A server whose RETR of `a` sends the data and then holds its 226 until `finishA()`, and a Client
   * with `pipelining` whose protocol log is `log`: while a's final reply is held, the next transfer
   * is set up ahead of it.
   */
  async function heldA(files: Record<string, Uint8Array>): Promise<{ client: Client; log: LogEntry[]; finishA: () => void }> {
    let release: (() => void) | undefined;
    server = await startScriptedServer({
      files,
      handlers: {
        RETR: async (arg, ctx) => {
          const file = ctx.files.get(arg);
          if (!file) return '550 No such file';
          const data = await ctx.acceptData();
          ctx.reply('150 Opening data connection');
          await sendAndClose(data, file);
          if (arg === 'a') await new Promise<void>((resolve) => (release = resolve));
          return '226 Transfer complete';
        },
      },
    });
    const log: LogEntry[] = [];
    const client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', pipelining: true, log: (entry) => void log.push(entry) });
    return { client, log, finishA: () => release?.() };
  }

  test('a call aborted while set up behind the running transfer rejects at once, is aborted when it starts, and the Client goes on', async () => {
    // a's 226 waits until the test has aborted b, which went out behind it meanwhile.
    const { client, log, finishA } = await heldA({ a: bodyOf(1), b: bodyOf(2), c: bodyOf(3) });
    try {
      await client.download('c', () => {});
      const a = collect();
      const b = collect();
      const stop = new AbortController();
      const first = client.download('a', a.sink);
      const second = client.download('b', b.sink, { signal: stop.signal });
      for (let waited = 0; !log.some((e) => e.text === 'RETR b') && waited < 5000; waited += 10) await sleep(10);
      expect(log.some((e) => e.text === 'RETR b')).toBe(true); // set up ahead, a's 226 still to come
      stop.abort();
      await expect(second).rejects.toMatchObject({ name: 'AbortError' });
      finishA();
      await first;
      expect(Buffer.compare(a.bytes(), Buffer.from(bodyOf(1)))).toBe(0);
      expect(b.bytes().length).toBe(0); // nothing reached the aborted call's sink
      const c = collect();
      await client.download('c', c.sink);
      expect(Buffer.compare(c.bytes(), Buffer.from(bodyOf(3)))).toBe(0);
      expect(log.some((e) => /pipelining/.test(e.text))).toBe(false);
    } finally {
      await client.close();
    }
  });

  test('the running call aborted with another set up behind it sends no ABOR, and the one behind it completes', async () => {
    const { client, log, finishA } = await heldA({ a: bodyOf(1), b: bodyOf(2) });
    try {
      await client.download('b', () => {});
      const stop = new AbortController();
      const b = collect();
      const first = client.download('a', () => {}, { signal: stop.signal });
      const second = client.download('b', b.sink);
      for (let waited = 0; log.filter((e) => e.text === 'RETR b').length < 2 && waited < 5000; waited += 10) await sleep(10);
      stop.abort();
      await expect(first).rejects.toMatchObject({ name: 'AbortError' });
      finishA();
      await second;
      expect(Buffer.compare(b.bytes(), Buffer.from(bodyOf(2)))).toBe(0);
      expect(log.some((e) => e.text === 'ABOR')).toBe(false);
      expect(await client.pwd()).toBe('/');
    } finally {
      await client.close();
    }
  });
});

describe('order', () => {
  test('a transfer call does not overtake a call made before it, though transfers made at once run two at a time', async () => {
    server = await startScriptedServer({ files: { a: bodyOf(1) } });
    const client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', pipelining: true });
    try {
      await client.download('a', () => {});
      // Without the rule, the download would join the uploads' lane and run before the DELE.
      const calls = [client.upload(bodyOf(4), 'x'), client.upload(bodyOf(5), 'other'), client.remove('x'), client.download('x', () => {})];
      const [, , removed, fetched] = await Promise.allSettled(calls);
      expect(removed?.status).toBe('fulfilled');
      expect(fetched?.status === 'rejected' && fetched.reason).toBeInstanceOf(FtpReplyError);
    } finally {
      await client.close();
    }
  });
});
