/**
 * `listEntries` against the scripted server: what real servers rarely do on purpose. One endless
 * line, a listing of two million lines read by a loop that keeps nothing (memory must stay flat),
 * UTF-8 characters cut between TCP segments, the `LIST -a` fallback, a failure after some entries,
 * and leaving or aborting a listing that never ends. Each scenario asserts the exact outcome, then
 * (scriptedScenes) that the client still works or is cleanly closed and nothing is left open.
 */
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { pump, rejectionOf, scriptedScenes, sendAndClose, type CommandHandler } from '@ftpkit/testkit';
import { Client, FtpReplyError, RemoteProtocolError, isAbortError, type ClientOptions, type ListingEntry } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

// A full garbage collection on demand, for the memory test: the heap's size alone includes garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const encoder = new TextEncoder();
const line = (name: string) => `-rw-r--r--    1 ftp      ftp          1024 Jan 02  2020 ${name}\r\n`;
/** `count` lines numbered from `from`, as one chunk of bytes. */
const lines = (count: number, from = 0) => encoder.encode(Array.from({ length: count }, (_, i) => line(`file${String(from + i).padStart(8, '0')}`)).join(''));

/** Drain a listing: how many entries, or the error that ended it. */
async function drain(iterable: AsyncIterable<ListingEntry>): Promise<{ count: number; error: unknown }> {
  let count = 0;
  try {
    for await (const _ of iterable) count++;
    return { count, error: undefined };
  } catch (error) {
    return { count, error };
  }
}

/**
 * A listing handler: takes the data connection, answers `150`, lets `send` write (and close) it,
 * then answers what `send` returns (nothing: no final reply).
 */
const serve =
  (send: (data: Socket) => Promise<string | void>): CommandHandler =>
  async (_, ctx) => {
    const data = await ctx.acceptData();
    ctx.reply('150 Here comes the listing');
    return send(data);
  };

/** A listing of `bytes`, then `final`. */
const listing = (bytes: Uint8Array, final = '226 Directory send OK') =>
  serve(async (data) => {
    await sendAndClose(data, bytes);
    return final;
  });

/** `chunk` again and again, as fast as the client takes it, until the client goes away. */
const endless = (chunk: Uint8Array) => serve(async (data) => void (await pump(data, chunk, Number.MAX_SAFE_INTEGER)));

/** The ABOR exchange of a transfer the client stopped: 426 for the transfer, then 226. */
const ABOR_REPLIES = '426 Transfer aborted\r\n226 Abort successful\r\n';

describe('bounds', () => {
  test('one endless line: RemoteProtocolError at the 64 Ki character bound, ABOR, client usable', async () => {
    const client = await scenes.setup({
      handlers: { LIST: endless(encoder.encode('x'.repeat(16 * 1024))), ABOR: (_, ctx) => ctx.write(ABOR_REPLIES) },
    });
    const { count, error } = await drain(client.listEntries('/'));
    expect(count).toBe(0);
    expect(error).toBeInstanceOf(RemoteProtocolError);
    expect((error as Error).message).toMatch(/Listing line 1 is longer than 65536 characters/);
    expect(await client.pwd()).toBe('/');
    expect(scenes.server.received.slice(-4)).toEqual(['LIST -a /', 'ABOR', 'NOOP', 'PWD']); // NOOP: the codec's fence after ABOR
  });

  test('two million lines, consumer keeps nothing: all arrive, with bounded memory', async () => {
    const LINES = 2_000_000;
    const PER_CHUNK = 1000;
    const client = await scenes.setup({
      handlers: {
        LIST: serve(async (data) => ((await pump(data, lines(PER_CHUNK), LINES / PER_CHUNK)) === LINES / PER_CHUNK ? '226 Directory send OK' : '426 Aborted')),
      },
    });
    const memory = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    gc();
    const before = memory();
    let peak = before;
    let retained = Number.NaN;
    let count = 0;
    let lastName = '';
    for await (const entry of client.listEntries('/')) {
      if (++count % 10_000 === 0) peak = Math.max(peak, memory());
      if (count === LINES / 2) {
        // Halfway, the transfer in full flow: what is still alive once garbage is collected.
        gc();
        retained = memory() - before;
      }
      lastName = entry.name;
    }
    peak = Math.max(peak, memory());
    expect(count).toBe(LINES);
    expect(lastName).toBe('file00000999');
    const total = lines(PER_CHUNK).length * (LINES / PER_CHUNK);
    expect(total).toBeGreaterThan(128 * 1024 * 1024); // the bytes alone, which list() would have held
    // Measured about 12 MiB (the same for 1 and 4 million lines), and about 95 MiB of uncollected
    // garbage at the peak: V8 collects when it likes, but never needs to keep the listing.
    expect(retained).toBeLessThan(32 * 1024 * 1024);
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
  });
});

describe('what a listing is made of', () => {
  test('UTF-8 characters cut between TCP segments decode whole', async () => {
    const names = ['été.txt', '日本語.txt', '🙂 smile.txt'];
    const bytes = encoder.encode(names.map(line).join(''));
    const text = new TextDecoder().decode(bytes);
    /** A byte offset `k` bytes into the first `char`. */
    const inside = (char: string, k: number) => encoder.encode(text.slice(0, text.indexOf(char))).length + k;
    const cuts = [inside('é', 1), inside('本', 1), inside('本', 2), inside('🙂', 1), inside('🙂', 3), bytes.length];
    const client = await scenes.setup({
      handlers: {
        LIST: serve(async (data) => {
          let from = 0;
          for (const to of cuts) {
            data.write(bytes.subarray(from, to));
            from = to;
            await new Promise((resolve) => setTimeout(resolve, 20)); // one segment each
          }
          await sendAndClose(data, new Uint8Array());
          return '226 Directory send OK';
        }),
      },
    });
    const streamed: string[] = [];
    for await (const entry of client.listEntries()) streamed.push(entry.name);
    expect(streamed).toEqual(names);
  });

  test('the latin1 option decodes each byte as one character, as list() does', async () => {
    const bytes = new Uint8Array([...encoder.encode(line('caf').slice(0, -2)), 0xe9, 0x0d, 0x0a]);
    const client = await scenes.setup({ handlers: { LIST: listing(bytes) } }, { encoding: 'latin1' });
    const names: string[] = [];
    for await (const entry of client.listEntries()) names.push(entry.name);
    expect(names).toEqual(['café']);
    expect((await client.list()).map((e) => e.name)).toEqual(names);
  });

  test('LIST -a refused: the same fallback as list(), remembered for the next listing', async () => {
    const client = await scenes.setup({
      handlers: {
        LIST: (arg, ctx) => (arg.startsWith('-a') ? '501 Invalid option' : listing(encoder.encode(line('a.txt') + line('b.txt')))(arg, ctx)),
      },
    });
    const names = async () => {
      const out: string[] = [];
      for await (const entry of client.listEntries('/dir')) out.push(entry.name);
      return out;
    };
    expect(await names()).toEqual(['a.txt', 'b.txt']);
    expect(await names()).toEqual(['a.txt', 'b.txt']);
    expect(scenes.server.received.filter((c) => c.startsWith('LIST'))).toEqual(['LIST -a /dir', 'LIST /dir', 'LIST /dir']);
  });

  test('a transfer that fails after some entries: those entries, then FtpReplyError 426', async () => {
    const client = await scenes.setup({
      handlers: { LIST: listing(lines(100), '426 Connection lost; transfer aborted') },
    });
    const { count, error } = await drain(client.listEntries('/'));
    expect(count).toBe(100);
    expect(error).toBeInstanceOf(FtpReplyError);
    expect((error as FtpReplyError).reply.code).toBe(426);
  });

  test('MLSD when FEAT has MLST: parsed as MLSD, cdir and pdir left out', async () => {
    const client = await scenes.setup({
      features: ['EPSV', 'PASV', 'MLST type*;size*;modify*;', 'UTF8'],
      handlers: {
        MLSD: listing(encoder.encode('type=cdir; .\r\ntype=pdir; ..\r\ntype=file;size=3; a b\r\ntype=dir; sub\r\n')),
      },
    });
    const entries: ListingEntry[] = [];
    for await (const entry of client.listEntries('/x')) entries.push(entry);
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ['a b', 'file', 3],
      ['sub', 'directory', undefined],
    ]);
    expect(entries).toEqual(await client.list('/x'));
  });
});

describe('stopping a listing that never ends', () => {
  /** A LIST that sends valid lines for ever; the server answers ABOR as vsftpd does. */
  const forever: Record<string, CommandHandler> = { LIST: endless(lines(500)), ABOR: (_, ctx) => ctx.write(ABOR_REPLIES) };

  test('break after 1000 entries: ABOR, and the next call works at once', async () => {
    const client = await scenes.setup({ handlers: forever });
    let count = 0;
    for await (const _ of client.listEntries('/')) if (++count === 1000) break;
    expect(count).toBe(1000);
    expect(await client.pwd()).toBe('/');
    expect(scenes.server.received.slice(-4)).toEqual(['LIST -a /', 'ABOR', 'NOOP', 'PWD']);
  });

  test('break while the server is held back: the paused transfer is aborted, not drained', async () => {
    let data: Socket | undefined;
    const client = await scenes.setup({
      handlers: {
        ...forever,
        LIST: serve(async (socket) => {
          data = socket;
          await pump(socket, lines(500), Number.MAX_SAFE_INTEGER);
        }),
      },
    });
    const iterator = client.listEntries('/')[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    // The consumer now sits on its entries while the server is blocked by back-pressure.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(data?.writableNeedDrain).toBe(true);
    await iterator.return(undefined);
    expect(await client.pwd()).toBe('/');
    expect(scenes.server.received.slice(-4)).toEqual(['LIST -a /', 'ABOR', 'NOOP', 'PWD']);
    expect(data?.destroyed).toBe(true);
  });

  test('the loop body throws: its error comes out, ABOR is sent, client usable', async () => {
    const client = await scenes.setup({ handlers: forever });
    const mine = new Error('consumer gave up');
    const error = await rejectionOf(
      (async () => {
        for await (const _ of client.listEntries('/')) throw mine;
      })(),
    );
    expect(error).toBe(mine);
    expect(await client.pwd()).toBe('/');
    expect(scenes.server.received).toContain('ABOR');
  });

  test('the signal aborts: AbortError after the entries before it, client usable', async () => {
    const client = await scenes.setup({ handlers: forever });
    const controller = new AbortController();
    let count = 0;
    const error = await rejectionOf(
      (async () => {
        for await (const _ of client.listEntries('/', { signal: controller.signal })) if (++count === 2500) controller.abort();
      })(),
    );
    expect(isAbortError(error)).toBe(true);
    expect(count).toBe(2500);
    expect(await client.pwd()).toBe('/');
  });

  test('an already aborted signal: AbortError before anything is sent', async () => {
    const client = await scenes.setup({ handlers: forever });
    const { count, error } = await drain(client.listEntries('/', { signal: AbortSignal.abort() }));
    expect(count).toBe(0);
    expect(isAbortError(error)).toBe(true);
  });
});
