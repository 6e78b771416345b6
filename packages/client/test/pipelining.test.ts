/**
 * The `pipelining` option against the scripted server: what goes out in one write, uploads that move
 * before the 150, and every failure inside a batch (EPSV or REST refused, the file missing, an abort
 * before the 229), each followed by a check that the client is still in step with the server. The
 * same option runs against the five real servers in pipelining-servers.test.ts and in the interop
 * matrix (`EPSV pipelined` cells).
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { capturingGreeting, readAll, rejectionOf, scriptedScenes, sendAndClose, type ScriptedServerOptions } from '@ftpkit/testkit';
import { Client, ConnectionError, FtpReplyError, TimeoutError, isAbortError, type ClientOptions, type LogEntry } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', pipelining: true, ...extra }),
  // In step: a command gets its own reply, not one the server still owed for a pipelined command.
  usable: async (client: Client) => expect(await client.pwd()).toBe('/'),
});

const bytesOf = (text: string) => new TextEncoder().encode(text);

/** Commands as the server read them, from the first EPSV on (login and FEAT left out). */
function afterLogin(received: readonly string[]): string[] {
  const first = received.indexOf('EPSV');
  return first === -1 ? [] : received.slice(first);
}

/** A download into memory that also reports whether any byte at all reached the sink. */
function collect(): { sink: (chunk: Uint8Array) => void; text: () => string; count: () => number } {
  const chunks: Uint8Array[] = [];
  return {
    sink: (chunk) => void chunks.push(chunk.slice()),
    text: () => new TextDecoder().decode(Buffer.concat(chunks)),
    count: () => chunks.reduce((n, c) => n + c.length, 0),
  };
}

/** EPSV that answers `refusal` on its `nth` call (1-based), and RETR/STOR that then have no port. */
function epsvRefusedOnce(nth: number, refusal: string): NonNullable<ScriptedServerOptions['handlers']> {
  let calls = 0;
  let refused = false;
  return {
    EPSV: async (_, ctx) => {
      calls++;
      refused = calls === nth;
      if (refused) return refusal;
      return `229 Entering Extended Passive Mode (|||${await ctx.passive()}|)`;
    },
    RETR: async (arg, ctx) => {
      if (refused) return '425 Use PORT or PASV first.';
      const file = ctx.files.get(arg);
      if (!file) return '550 No such file';
      const data = await ctx.acceptData();
      ctx.reply('150 Opening data connection');
      await sendAndClose(data, file);
      return '226 Transfer complete';
    },
  };
}

describe('what goes out together', () => {
  test('after the first transfer, EPSV and RETR reach the server in one read; the log shows each command', async () => {
    const log: LogEntry[] = [];
    const captured = capturingGreeting();
    const client = await scenes.setup({ greeting: captured.greeting, files: { a: 'alpha', b: 'bravo', c: 'charlie' } }, { log: (entry) => log.push(entry) });
    const reads: string[] = [];
    captured.control.socket.on('data', (chunk: Buffer) => reads.push(chunk.toString('latin1')));
    for (const name of ['a', 'b', 'c']) expect(new TextDecoder().decode(await client.downloadToBytes(name))).toBe({ a: 'alpha', b: 'bravo', c: 'charlie' }[name]);
    expect(afterLogin(scenes.server.received)).toEqual(['EPSV', 'RETR a', 'EPSV', 'RETR b', 'EPSV', 'RETR c']);
    expect(reads.slice(-2)).toEqual(['EPSV\r\nRETR b\r\n', 'EPSV\r\nRETR c\r\n']);
    const sent = log.filter((e) => e.direction === '>').map((e) => e.text);
    expect(sent.slice(-4)).toEqual(['EPSV', 'RETR b', 'EPSV', 'RETR c']);
  });

  test('a resumed download sends REST inside the batch and gets exactly the rest', async () => {
    const client = await scenes.setup({ files: { f: '0123456789' } });
    await client.downloadToBytes('f');
    const got = collect();
    await client.download('f', got.sink, { startAt: 4 });
    expect(got.text()).toBe('456789');
    expect(afterLogin(scenes.server.received).slice(-3)).toEqual(['EPSV', 'REST 4', 'RETR f']);
  });

  test('uploads start without waiting for the 150: a server that reads the file before answering gets it', async () => {
    // Without pipelining this server would deadlock: it wants the bytes first, the client the 150.
    const client = await scenes.setup({
      files: { w: 'warm-up' },
      handlers: {
        STOR: async (arg, ctx) => {
          const data = await ctx.acceptData();
          ctx.files.set(arg, await readAll(data));
          ctx.reply('150 Ok to send data.');
          return '226 Transfer complete.';
        },
      },
    });
    await client.downloadToBytes('w'); // finds EPSV working, so the upload is pipelined
    await client.upload(bytesOf('early bytes'), 'u');
    expect(new TextDecoder().decode(scenes.server.files.get('u'))).toBe('early bytes');
  });
});

describe('failures inside the batch', () => {
  test('EPSV refused: FtpReplyError for EPSV, the RETR answer is read, the next calls work', async () => {
    const client = await scenes.setup({ files: { a: 'alpha' }, handlers: epsvRefusedOnce(2, '425 Cannot open passive port') });
    await client.downloadToBytes('a');
    const error = await rejectionOf(client.downloadToBytes('a'));
    expect(error).toBeInstanceOf(FtpReplyError);
    expect((error as FtpReplyError).command).toBe('EPSV');
    expect((error as FtpReplyError).reply.code).toBe(425);
    expect(new TextDecoder().decode(await client.downloadToBytes('a'))).toBe('alpha');
  });

  test('REST refused: FtpReplyError for REST, and not one byte of the RETR that ran from 0 reaches the sink', async () => {
    const client = await scenes.setup({
      files: { f: 'x'.repeat(100_000) },
      handlers: {
        REST: () => '501 Resuming transfers not allowed in ASCII mode.',
      },
    });
    await client.downloadToBytes('f');
    const got = collect();
    const error = await rejectionOf(client.download('f', got.sink, { startAt: 10 }));
    expect(error).toBeInstanceOf(FtpReplyError);
    expect((error as FtpReplyError).command).toBe('REST 10');
    expect(got.count()).toBe(0);
    expect((await client.downloadToBytes('f')).length).toBe(100_000);
  });

  test('the file is missing: the 550 fails the call while the data connection is opening, and the client stays in step', async () => {
    const client = await scenes.setup({ files: { a: 'alpha' } });
    await client.downloadToBytes('a');
    const error = await rejectionOf(client.downloadToBytes('missing'));
    expect((error as FtpReplyError).reply.code).toBe(550);
    expect(new TextDecoder().decode(await client.downloadToBytes('a'))).toBe('alpha');
  });

  test('an abort before the 229: the data connection is opened and closed, ABOR sent, and the next call works', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let epsvCalls = 0;
    let retrCalls = 0;
    const client = await scenes.setup({
      files: { a: 'alpha' },
      handlers: {
        EPSV: async (_, ctx) => {
          if (++epsvCalls === 2) await held;
          return `229 Entering Extended Passive Mode (|||${await ctx.passive()}|)`;
        },
        RETR: async (arg, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 Opening data connection');
          if (++retrCalls === 2) {
            // The aborted one: the client opened the data connection only to close it.
            data.on('error', () => {});
            data.destroy();
            return '426 Connection closed; transfer aborted.';
          }
          await sendAndClose(data, ctx.files.get(arg) ?? new Uint8Array());
          return '226 Transfer complete';
        },
      },
    });
    await client.downloadToBytes('a');
    const controller = new AbortController();
    const aborted = rejectionOf(client.downloadToBytes('a', { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(isAbortError(await aborted)).toBe(true);
    release();
    expect(new TextDecoder().decode(await client.downloadToBytes('a'))).toBe('alpha');
    expect(scenes.server.received).toContain('ABOR');
  });

  test('the data connection is refused: ConnectionError at once, the RETR answer is read, the next calls work', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port: deadPort } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let epsvCalls = 0;
    let retrCalls = 0;
    const client = await scenes.setup(
      {
        files: { a: 'alpha' },
        handlers: {
          EPSV: async (_, ctx) => `229 Entering Extended Passive Mode (|||${++epsvCalls === 2 ? deadPort : await ctx.passive()}|)`,
          RETR: async (arg, ctx) => {
            if (++retrCalls === 2) {
              // As vsftpd does: wait in accept() for a connection that never comes, then give up.
              await held;
              return '425 Failed to establish connection.';
            }
            const data = await ctx.acceptData();
            ctx.reply('150 Opening data connection');
            await sendAndClose(data, ctx.files.get(arg) ?? new Uint8Array());
            return '226 Transfer complete';
          },
        },
      },
      { timeouts: { reply: 5_000 } },
    );
    await client.downloadToBytes('a');
    const started = performance.now();
    const error = await rejectionOf(client.downloadToBytes('a'));
    // The server has not answered RETR yet: the call fails on the connect error, not on the reply clock.
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).osCode).toBe('ECONNREFUSED');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(afterLogin(scenes.server.received).slice(-2)).toEqual(['EPSV', 'RETR a']);
    release();
    expect(client.closed).toBe(false);
    expect(new TextDecoder().decode(await client.downloadToBytes('a'))).toBe('alpha');
  });

  // The reply clock stops when an upload starts moving, which a pipelined upload does at the open:
  // a server that takes the bytes and never answers must still end in a timeout, not a hang.
  test.each([
    ['that fit in the socket buffers', 50_000],
    ['far more than the socket buffers hold', 32 * 1024 * 1024],
  ])('an upload of bytes %s that the server never answers ends with TimeoutError', async (_, size) => {
    const client = await scenes.setup(
      {
        files: { w: 'warm-up' },
        handlers: {
          STOR: async (_arg, ctx) => {
            await ctx.acceptData();
            return new Promise<never>(() => {}); // silence, and nothing read
          },
        },
      },
      { timeouts: { reply: 300, dataIdle: 300 } },
    );
    await client.downloadToBytes('w');
    const started = performance.now();
    expect(await rejectionOf(client.upload(new Uint8Array(size), 'up.bin'))).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test('the option off (the default): one command per write, as before', async () => {
    const client = await scenes.setup({ files: { a: 'alpha' } }, { pipelining: false });
    await client.downloadToBytes('a');
    await client.downloadToBytes('a');
    expect(afterLogin(scenes.server.received)).toEqual(['EPSV', 'RETR a', 'EPSV', 'RETR a']);
  });
});
