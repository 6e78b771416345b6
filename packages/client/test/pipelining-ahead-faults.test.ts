/**
 * Servers that break under deep pipelining (lane.ts, the codec's ahead.ts), played by the scripted
 * server: while a transfer runs, the commands the client set up behind it are answered there and then
 * (ProFTPD's "450 EPSV: data transfer in progress"), answered out of order (a 229 before the running
 * transfer's 226, as a server that runs commands concurrently would), or silently dropped. Each time the
 * client must notice, fall back to one command at a time for good, deliver every file whole and right,
 * and not hang: the dropped commands cost one reply timeout, once.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { readAll, sendAndClose, startScriptedServer, type CommandHandler, type ScriptContext, type ScriptedServer } from '@ftpkit/testkit';
import { Client, type LogEntry } from '../src/index.js';

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
