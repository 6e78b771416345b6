/**
 * The transfer keep-alive against the scripted server, playing each way real servers treat a NOOP
 * during a transfer: read after the transfer (vsftpd, ftp-srv), answered at once (pyftpdlib),
 * refused with 500 (Pure-FTPd), never answered, and answered with 421. Every transfer is
 * byte-exact, and the next calls get their own replies.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readAll, rejectionOf, scriptedScenes, type CommandHandler } from '@ftpkit/testkit';
import { Client, FtpReplyError, isAbortError } from '../src/index.js';

type Behaviour = 'after' | 'at once' | 'refuse' | 'drop' | 'close';

// After each test a client still open must answer a NOOP with its own reply, and nothing may leak.
const scenes = scriptedScenes<Client, number>({ beforeEach, afterEach }, {
  connect: (server, transferKeepAlive) => Client.connect({ host: server.host, port: server.port, transferKeepAlive: transferKeepAlive ?? 40 }),
  usable: async (client) => expect((await client.send('NOOP')).text).toBe('NOOP ok'),
});

const body = new Uint8Array(160 * 1024).map((_, i) => (i * 7) & 0xff);

/** Send `bytes` in 8 KiB pieces, one every 15 ms, then close: a transfer of a few hundred ms. */
async function trickle(data: Socket, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length && !data.destroyed; at += 8192) {
    data.write(bytes.subarray(at, at + 8192));
    await sleep(15);
  }
  await new Promise<void>((resolve) => data.end(resolve));
}

/**
 * Handlers for a server that treats NOOPs during a transfer as `behaviour` says. Handlers run one
 * at a time: a server that reads commands during a transfer runs it in the background.
 */
function handlers(behaviour: Behaviour): Record<string, CommandHandler> {
  let transferring: Socket | undefined;
  const transfer = async (ctx: Parameters<CommandHandler>[1], move: (data: Socket) => Promise<void>): Promise<void> => {
    const data = await ctx.acceptData();
    ctx.reply('150 Opening data connection');
    transferring = data;
    const ended = move(data).then(
      () => '226 Transfer complete',
      () => '426 Transfer aborted',
    );
    const done = ended.then((reply) => {
      if (transferring !== data) return; // ABOR answered for it
      transferring = undefined;
      ctx.reply(reply);
    });
    if (behaviour === 'after') await done;
  };
  return {
    RETR: (arg, ctx) => transfer(ctx, (data) => trickle(data, ctx.files.get(arg)!)),
    STOR: (arg, ctx) =>
      transfer(ctx, async (data) => {
        ctx.files.set(arg, await readAll(data));
      }),
    NOOP: (_, ctx) => {
      if (!transferring) return '200 NOOP ok';
      if (behaviour === 'refuse') return '500 Unknown command';
      if (behaviour === 'drop') return;
      if (behaviour === 'close') {
        ctx.reply('421 Too busy, closing');
        ctx.socket.destroy();
        return;
      }
      return '200 NOOP: data transfer in progress';
    },
    // RFC 959 §4.1.3: the aborted transfer's 426, then ABOR's own 226.
    ABOR: (_, ctx) => {
      if (!transferring) return '225 No transfer to abort';
      transferring.destroy();
      transferring = undefined;
      ctx.reply('426 Transfer aborted');
      return '226 ABOR successful';
    },
  };
}

const connect = (behaviour: Behaviour, transferKeepAlive?: number): Promise<Client> =>
  scenes.setup({ files: { 'f.bin': body }, handlers: handlers(behaviour) }, transferKeepAlive);

const noops = (): number => scenes.server.received.filter((line) => line === 'NOOP').length;

describe.each<Behaviour>(['after', 'at once', 'refuse', 'drop'])('a server whose NOOPs during a transfer are: %s', (behaviour) => {
  test('a slow download is byte-exact, and the next calls get their own replies', async () => {
    const c = await connect(behaviour);
    expect(await c.downloadToBytes('f.bin')).toEqual(body);
    expect(noops()).toBeGreaterThan(1);
    // Answers owed at the 226 (after, drop, and sometimes the last of the others) were fenced with PWD.
    if (behaviour === 'after' || behaviour === 'drop') expect(scenes.server.received.at(-1)).toBe('PWD');
    expect(await c.size('f.bin')).toBe(body.length);
    expect(await c.pwd()).toBe('/');
  });

  test('a slow upload is byte-exact, and the next calls get their own replies', async () => {
    const c = await connect(behaviour);
    async function* slowly(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < body.length; at += 8192) {
        yield body.subarray(at, at + 8192);
        await sleep(15);
      }
    }
    await c.upload(slowly(), 'up.bin');
    expect(noops()).toBeGreaterThan(1);
    expect(scenes.server.files.get('up.bin')).toEqual(body);
    expect(await c.size('up.bin')).toBe(body.length);
  });
});

describe('awkward servers', () => {
  test('421 in answer to a NOOP fails the transfer with it and closes the connection', async () => {
    const c = await connect('close');
    const error = await rejectionOf(c.downloadToBytes('f.bin'));
    expect(error).toBeInstanceOf(FtpReplyError);
    expect((error as FtpReplyError).reply.code).toBe(421);
    expect(c.closed).toBe(true);
  });

  test('an abort while NOOPs are owed is fenced with PWD, and the connection stays usable', async () => {
    const c = await connect('drop');
    const stop = new AbortController();
    let received = 0;
    const download = c.download('f.bin', (chunk) => {
      received += chunk.length;
      if (received >= 64 * 1024 && noops() > 0) stop.abort();
    }, { signal: stop.signal });
    expect(isAbortError(await rejectionOf(download))).toBe(true);
    expect(await c.size('f.bin')).toBe(body.length);
    const afterAbor = scenes.server.received.slice(scenes.server.received.indexOf('ABOR'));
    expect(afterAbor.slice(0, 2)).toEqual(['ABOR', 'PWD']);
  });

  test('with transferKeepAlive 0, no NOOP goes out', async () => {
    const c = await connect('refuse', 0);
    expect(await c.downloadToBytes('f.bin')).toEqual(body);
    expect(noops()).toBe(0);
  });
});
