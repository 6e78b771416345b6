/**
 * Fault matrix, data connection: resets mid-download and mid-upload, refused and bogus endpoints,
 * stalls on either side, the final reply early, late or never, the answers to ABOR, and a listing far
 * larger than memory should hold. Each scenario asserts the exact outcome, then that the client still
 * works or is cleanly closed and nothing is left open.
 */
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { closedPort, pump, readAll, rejectionOf, reset, scriptedScenes, sendAndClose, sendAndReset, type ScriptContext, type ScriptedServerOptions } from '@ftpkit/testkit';
import { Client, ConnectionError, FtpReplyError, RemoteProtocolError, TimeoutError, isAbortError, type ClientOptions } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

/** Answers with `150`, writes `chunk` every few ms until the client goes away; returns at once. */
async function endless(ctx: ScriptContext): Promise<void> {
  const data = await ctx.acceptData();
  ctx.reply('150 endless');
  const timer = setInterval(() => data.write(new Uint8Array(16 * 1024)), 2);
  data.on('close', () => clearInterval(timer));
}

/** STOR that takes the first bytes of an upload, then does `then` while the client is still writing. */
const midUpload = (then: (data: Socket, ctx: ScriptContext) => Promise<string | void>): ScriptedServerOptions => ({
  handlers: {
    STOR: async (_, ctx) => {
      const data = await ctx.acceptData();
      ctx.reply('150 send');
      await new Promise((resolve) => data.once('data', resolve));
      return then(data, ctx);
    },
  },
});

/** Upload 32 MiB, far more than the socket buffers hold; resolves with the rejection. */
const uploadBig = (client: Client) => rejectionOf(client.upload(new Uint8Array(32 * 1024 * 1024), 'big'));

/** Wait until the socket has been closed by the peer (or reset). */
const closedByPeer = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('resets', () => {
  test('RST mid-download, then 426: FtpReplyError 426, client usable', async () => {
    const client = await scenes.setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go');
          await sendAndReset(data, new Uint8Array(50_000));
          return '426 Connection reset; transfer aborted';
        },
      },
    });
    const err = await rejectionOf(client.downloadToBytes('f'));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(426);
  });

  test('RST after the last byte while the server claims 226: ConnectionError, a reset is not an end', async () => {
    // The reset is sent once the client has consumed every byte; the next test sends it while bytes
    // still wait unread.
    let consumed!: () => void;
    const allConsumed = new Promise<void>((resolve) => (consumed = resolve));
    const client = await scenes.setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go');
          data.write(new Uint8Array(50_000));
          await allConsumed;
          reset(data);
          return '226 Transfer complete';
        },
      },
    });
    let got = 0;
    const err = await rejectionOf(
      client.download('f', (chunk) => {
        got += chunk.length;
        if (got === 50_000) consumed();
      }),
    );
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).osCode).toBe('ECONNRESET');
  });

  // No SIZE asked (no progress listener), no byte count in the 150: nothing but the data connection's
  // end says whether the file is complete. A reset that comes while the client's sink is slow, with
  // bytes still unread in the socket, read as a clean end of stream on Node before the transport's
  // reset probe; with the 226 that follows, the truncated download completed.
  test('RST while bytes wait unread (slow sink, no size anywhere), then 226: ConnectionError, nothing completes', async () => {
    const client = await scenes.setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 Opening BINARY mode data connection');
          data.write(new Uint8Array(12 * 1024 * 1024));
          await new Promise((resolve) => setTimeout(resolve, 150));
          reset(data);
          return '226 Transfer complete';
        },
      },
    });
    let first = true;
    let got = 0;
    const err = await rejectionOf(
      client.download('f', async (chunk) => {
        got += chunk.length;
        if (first) await new Promise((resolve) => setTimeout(resolve, 500)); // the reset comes meanwhile
        first = false;
      }),
    );
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).code).toBe('ERR_FTP_CONNECTION');
    expect(['ECONNRESET', 'EPIPE']).toContain((err as ConnectionError).osCode);
    expect(got).toBeLessThanOrEqual(12 * 1024 * 1024);
  });

  test('RST mid-upload, then 426: FtpReplyError 426, client usable', async () => {
    const client = await scenes.setup(
      midUpload(async (data) => {
        reset(data);
        return '426 Connection reset; transfer aborted';
      }),
    );
    const err = await uploadBig(client);
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(426);
    expect((err as FtpReplyError).command).toBe('STOR big');
  });

  test('the server stops reading an upload and resets, yet claims 226: ConnectionError, not success', async () => {
    const client = await scenes.setup(
      midUpload(async (data) => {
        reset(data);
        return '226 Transfer complete';
      }),
    );
    const err = await uploadBig(client);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(['ECONNRESET', 'EPIPE']).toContain((err as ConnectionError).osCode);
  });

  test('the control connection closes mid-upload: ConnectionError (as for a reset), client closed', async () => {
    const client = await scenes.setup(midUpload(async (_, ctx) => void ctx.socket.end()));
    const err = await uploadBig(client);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).osCode).toBeUndefined();
    expect((err as Error).message).toMatch(/closed during the transfer/);
    expect(client.closed).toBe(true);
  });
});

describe('bogus data endpoints', () => {
  test('EPSV names a port where nothing listens: ConnectionError ECONNREFUSED, RETR never sent, client usable', async () => {
    const port = await closedPort();
    const client = await scenes.setup({ handlers: { EPSV: () => `229 Entering Extended Passive Mode (|||${port}|)` } });
    const err = await rejectionOf(client.downloadToBytes('f'));
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).osCode).toBe('ECONNREFUSED');
    expect(scenes.server.received.some((l) => l.startsWith('RETR'))).toBe(false);
  });

  test('EPSV with port 0: RemoteProtocolError, no connection attempted', async () => {
    const client = await scenes.setup({ handlers: { EPSV: () => '229 Entering Extended Passive Mode (|||0|)' } });
    await expect(client.downloadToBytes('f')).rejects.toBeInstanceOf(RemoteProtocolError);
    expect(client.closed).toBe(true);
  });

  test('PASV naming another loopback host: the host is ignored and the data comes from the control host', async () => {
    const client = await scenes.setup({
      files: { f: 'right place' },
      handlers: {
        EPSV: () => '502 EPSV not implemented',
        PASV: async (_, ctx) => {
          const port = await ctx.passive(); // listening on 127.0.0.1 only
          return `227 Entering Passive Mode (127,0,0,2,${port >> 8},${port & 255})`;
        },
      },
    });
    expect(new TextDecoder().decode(await client.downloadToBytes('f'))).toBe('right place');
  });
});

describe('stalls and timeouts', () => {
  test('data connection opened, never a byte, never closed: data-idle TimeoutError, client closed', async () => {
    const client = await scenes.setup(
      {
        handlers: {
          RETR: async (_, ctx) => {
            await ctx.acceptData();
            ctx.reply('150 go'); // and nothing more, on either connection
          },
        },
      },
      { timeouts: { dataIdle: 200 } },
    );
    const err = await rejectionOf(client.downloadToBytes('f'));
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/Data connection idle/);
    expect(client.closed).toBe(true);
  });

  test('226 arrives but the data connection never ends: data-idle TimeoutError, not success', async () => {
    const client = await scenes.setup(
      {
        handlers: {
          RETR: async (_, ctx) => {
            const data = await ctx.acceptData();
            ctx.reply('150 go');
            data.write(new Uint8Array(1000));
            return '226 Transfer complete';
          },
        },
      },
      { timeouts: { dataIdle: 200 } },
    );
    await expect(client.downloadToBytes('f')).rejects.toBeInstanceOf(TimeoutError);
    expect(client.closed).toBe(true);
  });

  test('the server stops reading an upload: data-idle TimeoutError, client closed', async () => {
    const client = await scenes.setup(
      {
        handlers: {
          STOR: async (_, ctx) => {
            const data = await ctx.acceptData();
            ctx.reply('150 send');
            data.pause(); // take nothing: the client's writes back up until the idle timer fires
          },
        },
      },
      { timeouts: { dataIdle: 300 } },
    );
    async function* forever() {
      for (;;) yield new Uint8Array(1024 * 1024);
    }
    await expect(client.upload(forever(), 'f')).rejects.toBeInstanceOf(TimeoutError);
    expect(client.closed).toBe(true);
  });

  test('226 before the data EOF with a slow consumer: neither the reply nor the data-idle timeout trips', async () => {
    const body = new Uint8Array(256 * 1024).fill(3);
    const client = await scenes.setup(
      {
        handlers: {
          RETR: async (_, ctx) => {
            const data = await ctx.acceptData();
            ctx.reply('150 go', '226 done early');
            await sendAndClose(data, body);
          },
        },
      },
      { timeouts: { reply: 150, dataIdle: 150 } },
    );
    let received = 0;
    await client.download('f', async (chunk) => {
      received += chunk.length;
      await new Promise((resolve) => setTimeout(resolve, 60)); // several chunks: well over 150 ms in all
    });
    expect(received).toBe(body.length);
  });

  test('226 well after the data EOF: the download waits for it and succeeds', async () => {
    const client = await scenes.setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go');
          await sendAndClose(data, new TextEncoder().encode('all of it'));
          await new Promise((resolve) => setTimeout(resolve, 100));
          return '226 finally';
        },
      },
    });
    const result = await client.download('f', () => {});
    expect(result.bytes).toBe(9);
    expect(result.reply.code).toBe(226);
  });
});

describe('reply orderings', () => {
  test('150 then 451 to STOR: FtpReplyError 451, client usable', async () => {
    const client = await scenes.setup({
      handlers: {
        STOR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 send');
          await readAll(data);
          return '451 Local error in processing';
        },
      },
    });
    const err = await rejectionOf(client.upload(new TextEncoder().encode('x'), 'f'));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(451);
  });

  test('a second 150 during the transfer: RemoteProtocolError', async () => {
    const client = await scenes.setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go', '150 go again');
          await sendAndClose(data, new Uint8Array(10));
          return '226 ok';
        },
      },
    });
    await expect(client.downloadToBytes('f')).rejects.toBeInstanceOf(RemoteProtocolError);
    expect(client.closed).toBe(true);
  });

  test('226 with no 150 before it: RemoteProtocolError', async () => {
    const client = await scenes.setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          await sendAndClose(data, new Uint8Array(10));
          return '226 ok';
        },
      },
    });
    await expect(client.downloadToBytes('f')).rejects.toBeInstanceOf(RemoteProtocolError);
    expect(client.closed).toBe(true);
  });
});

describe('ABOR', () => {
  async function abortedDownload(client: Client): Promise<unknown> {
    const controller = new AbortController();
    let got = 0;
    return rejectionOf(
      client.download(
        'endless',
        (chunk) => {
          got += chunk.length;
          if (got > 64 * 1024) controller.abort();
        },
        { signal: controller.signal },
      ),
    );
  }

  test('ABOR answered with 226 only: AbortError, and the next transfer works', async () => {
    const client = await scenes.setup({ files: { small: 'ok' }, handlers: { RETR: (arg, ctx) => (arg === 'endless' ? endless(ctx) : retrDefault(ctx)), ABOR: () => '226 Abort successful' } });
    expect(isAbortError(await abortedDownload(client))).toBe(true);
    expect(new TextDecoder().decode(await client.downloadToBytes('small'))).toBe('ok');
  });

  // The NOOP fence goes out after the server's first answer to the abort (Pure-FTPd drops a NOOP
  // that arrives with ABOR: see the codec's session), so a server that ignores ABOR must at least
  // end the cut transfer, as RFC 959 has it; one that answers nothing at all is the next test.
  test('ABOR ignored (no reply to it; 426 for the cut transfer, NOOP answered): AbortError, and the next transfer works', async () => {
    const endlessThen426 = async (ctx: ScriptContext): Promise<string> => {
      await endless(ctx);
      const data = await ctx.acceptData();
      if (!data.destroyed) await new Promise((resolve) => data.once('close', resolve));
      return '426 Connection closed; transfer aborted';
    };
    const client = await scenes.setup({ files: { small: 'ok' }, handlers: { RETR: (arg, ctx) => (arg === 'endless' ? endlessThen426(ctx) : retrDefault(ctx)), ABOR: () => undefined } });
    expect(isAbortError(await abortedDownload(client))).toBe(true);
    expect(new TextDecoder().decode(await client.downloadToBytes('small'))).toBe('ok');
    expect(await client.size('small')).toBe(2);
  });

  test('no answer at all after ABOR: AbortError at once, then the reply timeout closes the client', async () => {
    const client = await scenes.setup(
      { handlers: { RETR: (_, ctx) => endless(ctx), ABOR: () => undefined, NOOP: () => undefined } },
      { timeouts: { reply: 200 } },
    );
    expect(isAbortError(await abortedDownload(client))).toBe(true);
    const err = await rejectionOf(client.pwd()); // waits for the ABOR exchange, which times out
    expect(err).toBeInstanceOf(TimeoutError);
    expect(client.closed).toBe(true);
  });
});

async function retrDefault(ctx: ScriptContext): Promise<string> {
  const data = await ctx.acceptData();
  ctx.reply('150 ok');
  await sendAndClose(data, ctx.files.get('small')!);
  return '226 ok';
}

describe('a listing of 10 million lines', () => {
  test('fails with RemoteProtocolError at the listing bound, with bounded memory, and the client stays usable', async () => {
    const LINES = 10_000_000;
    const PER_CHUNK = 1000;
    const line = (i: number) => `-rw-r--r--    1 ftp      ftp          1024 Jan 02  2020 file${String(i).padStart(8, '0')}\r\n`;
    const chunk = new TextEncoder().encode(Array.from({ length: PER_CHUNK }, (_, i) => line(i)).join(''));
    let sentChunks = 0;
    const client = await scenes.setup({
      handlers: {
        LIST: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 Here comes a very long listing');
          sentChunks = await pump(data, chunk, LINES / PER_CHUNK);
          return sentChunks === LINES / PER_CHUNK ? '226 Directory send OK' : '426 Connection closed; transfer aborted';
        },
      },
    });
    const memory = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = memory();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, memory())), 5);
    const err = await rejectionOf(client.list('/')).finally(() => clearInterval(sampler));
    peak = Math.max(peak, memory());
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect((err as Error).message).toMatch(/listing is larger than/);
    const total = chunk.length * (LINES / PER_CHUNK);
    expect(total).toBeGreaterThan(600 * 1024 * 1024); // what an unbounded client would have held
    expect(sentChunks).toBeLessThan(LINES / PER_CHUNK / 4);
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  });
});
