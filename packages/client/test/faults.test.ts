/**
 * Client behaviour against a scripted server, for the orderings and faults real servers rarely show.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readAll, scriptedScenes, sendAndClose, type ScriptedServer, type ScriptedServerOptions } from '@ftpkit/testkit';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ConnectionError, FtpReplyError, LocalProtocolError, RemoteProtocolError, TimeoutError, TlsError, isAbortError, type ClientOptions } from '../src/index.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

async function setup(options: ScriptedServerOptions, clientOptions: Partial<ClientOptions> = {}): Promise<{ server: ScriptedServer; client: Client }> {
  const client = await scenes.setup(options, clientOptions);
  return { server: scenes.server, client };
}

describe('transfer orderings', () => {
  test('226 arrives before the data EOF: the download waits for every byte', async () => {
    const body = new Uint8Array(300_000).fill(7);
    const { client } = await setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 here', '226 done before the data');
          await sleep(50);
          await sendAndClose(data, body);
        },
      },
    });
    const got = await client.downloadToBytes('x');
    expect(got.length).toBe(body.length);
    expect(got.every((b) => b === 7)).toBe(true);
  });

  test('150 only after the data connection has delivered everything', async () => {
    const { client } = await setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          await sendAndClose(data, new TextEncoder().encode('early bytes'));
          await sleep(30);
          ctx.reply('150 late', '226 ok');
        },
      },
    });
    expect(text(await client.downloadToBytes('x'))).toBe('early bytes');
  });

  test('1xx then 550 rejects with FtpReplyError and the client stays usable', async () => {
    const { client } = await setup({
      files: { ok: 'fine' },
      handlers: {
        RETR: async (arg, ctx) => {
          if (arg === 'ok') return ctx.files.get('ok') && (await defaultRetr(ctx, 'fine'));
          await ctx.acceptData();
          ctx.reply('150 starting');
          return '550 Failed to open file';
        },
      },
    });
    const err = await client.downloadToBytes('missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(550);
    expect((err as FtpReplyError).command).toBe('RETR missing');
    expect(text(await client.downloadToBytes('ok'))).toBe('fine');
  });

  test('421 in the middle of a session rejects the call and closes the client', async () => {
    const { client } = await setup({ handlers: { SIZE: () => '421 Service shutting down' } });
    const err = await client.size('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(421);
    expect(client.closed).toBe(true);
    await expect(client.pwd()).rejects.toBeInstanceOf(FtpReplyError);
  });

  test('a PASV reply pointing at another host is ignored: data goes to the control host', async () => {
    const { client, server } = await setup({
      files: { f: 'from the real server' },
      features: ['PASV'],
      handlers: {
        EPSV: () => '500 EPSV not understood',
        PASV: async (_, ctx) => {
          const port = await ctx.passive();
          // 10.255.255.1 is not on this machine; a client that trusted it would hang or fail.
          return `227 Entering Passive Mode (10,255,255,1,${port >> 8},${port & 255})`;
        },
      },
    });
    expect(text(await client.downloadToBytes('f'))).toBe('from the real server');
    expect(server.received).toContain('PASV');
  });

  test('a PASV reply with port 0 is a RemoteProtocolError', async () => {
    const { client } = await setup({ handlers: { EPSV: () => '502 no', PASV: () => '227 Entering Passive Mode (127,0,0,1,0,0)' } });
    await expect(client.downloadToBytes('f')).rejects.toBeInstanceOf(RemoteProtocolError);
  });
});

async function defaultRetr(ctx: Parameters<NonNullable<ScriptedServerOptions['handlers']>[string]>[1], body: string): Promise<string> {
  const data = await ctx.acceptData();
  ctx.reply('150 ok');
  await sendAndClose(data, new TextEncoder().encode(body));
  return '226 ok';
}

describe('bad input', () => {
  test('CR/LF in a path rejects before any byte is sent', async () => {
    const { client, server } = await setup({});
    const before = server.received.length;
    for (const call of [
      () => client.cd('a\r\nDELE b'),
      () => client.remove('x\nDELE y'),
      () => client.mkdir('a\0b'),
      () => client.rename('a', 'b\r\nRMD c'),
      () => client.downloadToBytes('x\r\nQUIT'),
      () => client.site('CHMOD 777 x\r\nDELE y'),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(LocalProtocolError);
    }
    await client.pwd();
    expect(server.received.slice(before)).toEqual(['PWD']);
  });

  test('a malformed reply is a RemoteProtocolError', async () => {
    const { client } = await setup({ handlers: { PWD: (_, ctx) => ctx.write('HTTP/1.1 200 OK\r\n') } });
    await expect(client.pwd()).rejects.toBeInstanceOf(RemoteProtocolError);
    expect(client.closed).toBe(true);
  });

  test('an oversized reply is a RemoteProtocolError, not unbounded memory', async () => {
    const { client } = await setup({
      handlers: {
        STAT: (_, ctx) => {
          ctx.write('211-begin\r\n');
          const line = ` ${'x'.repeat(1000)}\r\n`;
          for (let i = 0; i < 2000; i++) ctx.write(line); // 2 MB, over the 1 MiB bound
        },
      },
    });
    await expect(client.send('STAT')).rejects.toBeInstanceOf(RemoteProtocolError);
  });

  test('the control connection dropping mid-transfer rejects with a typed error, no hang', async () => {
    const { client } = await setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go');
          data.write(new Uint8Array(1000));
          ctx.socket.destroy();
        },
      },
    });
    const err = await client.downloadToBytes('x').catch((e: unknown) => e);
    // A close is a ConnectionError, as a reset is (errors.md, "A lost connection").
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/closed during the transfer/);
    expect(client.closed).toBe(true);
  });

  test('a failed download to a file leaves no file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ftpkit-'));
    const { client } = await setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go');
          data.write(new Uint8Array(5000));
          await sleep(20);
          data.destroy();
          return '426 Connection closed; transfer aborted';
        },
      },
    });
    await expect(client.download('x', join(dir, 'out.bin'))).rejects.toBeInstanceOf(FtpReplyError);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('TLS required', () => {
  test('a server refusing AUTH TLS fails the connect; USER and PASS are never sent', async () => {
    const server = await scenes.start({ handlers: { AUTH: () => '500 AUTH not understood' } });
    const err = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'secret', secure: true }).catch((e: unknown) => e);
    // options.ts: "a server that refuses fails the connect with TlsError"; the reply is the cause.
    expect(err).toBeInstanceOf(TlsError);
    expect(((err as TlsError).cause as FtpReplyError).reply.code).toBe(500);
    expect(server.received).toEqual(['AUTH TLS']);
  });

  test('a 230 answer to AUTH TLS is not taken as a login (CVE-2021-22946)', async () => {
    const server = await scenes.start({ handlers: { AUTH: () => '230 Logged in without TLS' } });
    const err = await Client.connect({ host: server.host, port: server.port, secure: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect(((err as TlsError).cause as FtpReplyError).reply.code).toBe(230);
    expect(server.received).toEqual(['AUTH TLS']);
  });
});

describe('timeouts and aborts', () => {
  test('a silent server trips the reply timeout', async () => {
    const { client } = await setup({ handlers: { PWD: () => undefined } }, { timeouts: { reply: 200 } });
    const started = performance.now();
    await expect(client.pwd()).rejects.toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('a stalled data connection trips the data-idle timeout', async () => {
    const { client } = await setup(
      {
        handlers: {
          RETR: async (_, ctx) => {
            const data = await ctx.acceptData();
            ctx.reply('150 go');
            data.write(new Uint8Array(10)); // then nothing, forever
          },
        },
      },
      { timeouts: { dataIdle: 200, reply: 200 } },
    );
    await expect(client.downloadToBytes('x')).rejects.toBeInstanceOf(TimeoutError);
  });

  test('a slow local consumer does not trip the data-idle timeout', async () => {
    const body = new Uint8Array(64 * 1024 * 4).fill(1);
    const { client } = await setup({ files: { f: body } }, { timeouts: { dataIdle: 150, reply: 150 } });
    let received = 0;
    await client.download('f', async (chunk) => {
      received += chunk.length;
      await sleep(100); // each chunk takes the consumer 100 ms; the total is well over 150 ms
    });
    expect(received).toBe(body.length);
  });

  test('aborting a download sends ABOR, rejects with AbortError and the client stays usable', async () => {
    const { client, server } = await setup({
      files: { small: 'still works' },
      handlers: {
        RETR: async (arg, ctx) => {
          if (arg === 'small') return defaultRetr(ctx, 'still works');
          const data = await ctx.acceptData();
          ctx.reply('150 endless');
          const timer = setInterval(() => data.write(new Uint8Array(16 * 1024)), 5);
          data.on('close', () => clearInterval(timer));
          data.on('error', () => clearInterval(timer));
        },
        ABOR: (_, ctx) => ctx.reply('426 aborted', '226 ABOR ok'),
      },
    });
    const controller = new AbortController();
    let got = 0;
    const pending = client.download('endless', (chunk) => {
      got += chunk.length;
      if (got > 100_000) controller.abort();
    }, { signal: controller.signal });
    const err = await pending.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    // The caller is answered at once; the ABOR exchange finishes before the next command goes out.
    expect(text(await client.downloadToBytes('small'))).toBe('still works');
    const abor = server.received.indexOf('ABOR');
    expect(abor).toBeGreaterThan(0);
    expect(server.received.indexOf('RETR small')).toBeGreaterThan(abor);
  });

  test('an already-aborted signal rejects without sending anything', async () => {
    const { client, server } = await setup({});
    const before = server.received.length;
    await expect(client.pwd({ signal: AbortSignal.abort() })).rejects.toSatisfy(isAbortError);
    expect(server.received.length).toBe(before);
  });
});

describe('queueing', () => {
  test('concurrent calls run one at a time in call order', async () => {
    const { client, server } = await setup({ files: { a: 'A', b: 'BB' } });
    const order: string[] = [];
    const calls = [
      client.size('a').then((n) => order.push(`size a ${n}`)),
      client.downloadToBytes('b').then((d) => order.push(`get b ${text(d)}`)),
      client.upload(new TextEncoder().encode('CCC'), 'c').then(() => order.push('put c')),
      client.size('c').then((n) => order.push(`size c ${n}`)),
      client.pwd().then((p) => order.push(`pwd ${p}`)),
    ];
    await Promise.all(calls);
    expect(order).toEqual(['size a 1', 'get b BB', 'put c', 'size c 3', 'pwd /']);
    expect(server.received.filter((l) => /^(SIZE|RETR|STOR|PWD)/.test(l))).toEqual(['SIZE a', 'RETR b', 'STOR c', 'SIZE c', 'PWD']);
  });
});

describe('files', () => {
  test('upload of a file that changes size mid-transfer fails clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ftpkit-'));
    const path = join(dir, 'growing.bin');
    await writeFile(path, new Uint8Array(3 * 1024 * 1024));
    let grown: Promise<void> | undefined;
    const { client } = await setup({
      handlers: {
        STOR: async (_, ctx) => {
          const data = await ctx.acceptData();
          const received = readAll(data).catch(() => {}); // listen before anything can close it
          ctx.reply('150 send');
          grown = writeFile(path, new Uint8Array(5 * 1024 * 1024)); // the file changes under the client
          await grown;
          await received;
          return '226 ok';
        },
      },
    });
    await expect(client.upload(path, 'g')).rejects.toThrow(/changed size|grew/);
    await grown;
    // The client only read the file: it is exactly what the other writer left.
    expect(await readFile(path)).toHaveLength(5 * 1024 * 1024);
    expect(await client.pwd()).toBe('/'); // the ABOR exchange finished and the session is usable
  });
});
