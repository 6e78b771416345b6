/**
 * Fault matrix, control connection: closes and resets at every stage, cut-off and garbage replies,
 * 421 wherever it can come, replies split byte by byte, and silence. Each scenario asserts the exact
 * error, and afterwards that the client still works or is cleanly closed and nothing is left open.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { capturingGreeting, rejectionOf, reset, scriptedScenes, sendAndClose, type ScriptedServerOptions } from '@ftpkit/testkit';
import { Client, ConnectionError, FtpReplyError, RemoteProtocolError, TimeoutError, type ClientOptions } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

/** Connect to a fresh server that must make the login fail; resolves with the rejection. */
async function failedConnect(options: ScriptedServerOptions, extra: Partial<ClientOptions> = {}): Promise<unknown> {
  const server = await scenes.start(options);
  return rejectionOf(Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }));
}

describe('the control connection goes away', () => {
  // The rule (errors.md): what happened to the connection decides the class. A close where the
  // protocol does not allow one is a ConnectionError, as a reset is; only the reset has an osCode.
  test('closed before the greeting: ConnectionError without an osCode, nothing sent', async () => {
    const err = await failedConnect({ greeting: (ctx) => void ctx.socket.end() });
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).not.toBeInstanceOf(RemoteProtocolError);
    expect((err as ConnectionError).code).toBe('ERR_FTP_CONNECTION');
    expect((err as ConnectionError).osCode).toBeUndefined();
    expect((err as Error).message).toMatch(/closed while waiting for a reply/);
    expect(scenes.server.received).toEqual([]);
  });

  test('reset before the greeting: ConnectionError with ECONNRESET', async () => {
    const err = await failedConnect({ greeting: (ctx) => reset(ctx.socket) });
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).osCode).toBe('ECONNRESET');
  });

  test('closed after the greeting, in answer to USER: ConnectionError', async () => {
    const err = await failedConnect({ handlers: { USER: (_, ctx) => void ctx.socket.end() } });
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).osCode).toBeUndefined();
    expect(scenes.server.received).toEqual(['USER u']);
  });

  test('closed in the middle of a reply line: ConnectionError for the cut-off reply', async () => {
    const err = await failedConnect({
      handlers: {
        PASS: (_, ctx) => {
          ctx.write('230 Logged');
          ctx.socket.end();
        },
      },
    });
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/in the middle of a reply/);
    expect(scenes.server.received).toEqual(['USER u', 'PASS p']);
  });

  test('closed in the middle of a multi-line reply: ConnectionError', async () => {
    const err = await failedConnect({
      handlers: {
        FEAT: (_, ctx) => {
          ctx.reply('211-Features:', ' EPSV', ' SIZE');
          ctx.socket.end();
        },
      },
    });
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).not.toBeInstanceOf(RemoteProtocolError);
  });

  test('closed mid-command after login: the call rejects, the client is closed, later calls reject too', async () => {
    const client = await scenes.setup({ handlers: { CWD: (_, ctx) => void ctx.socket.end() } });
    await expect(client.cd('pub')).rejects.toBeInstanceOf(ConnectionError);
    expect(client.closed).toBe(true);
    await expect(client.pwd()).rejects.toBeInstanceOf(ConnectionError);
  });

  test('reset while idle: the client notices without a call, and the next call rejects with ConnectionError', async () => {
    const capture = capturingGreeting();
    const client = await scenes.setup({ greeting: capture.greeting });
    reset(capture.control.socket);
    await vi.waitFor(() => expect(client.closed).toBe(true));
    const err = await client.pwd().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).osCode).toBe('ECONNRESET');
  });
});

describe('421 at any point', () => {
  test('421 as the greeting: FtpReplyError 421 and USER is never sent', async () => {
    const err = await failedConnect({ greeting: '421 Too many users' });
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(421);
    expect(scenes.server.received).toEqual([]);
  });

  test('421 in answer to USER: FtpReplyError 421, PASS is never sent', async () => {
    const err = await failedConnect({ handlers: { USER: () => '421 Service not available' } });
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(421);
    expect(scenes.server.received).toEqual(['USER u']);
  });

  test('421 in answer to EPSV (transfer setup): FtpReplyError 421, closed, no RETR sent', async () => {
    const client = await scenes.setup({ handlers: { EPSV: () => '421 Shutting down' } });
    const err = await client.downloadToBytes('f').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(421);
    expect(client.closed).toBe(true);
    expect(scenes.server.received.some((l) => l.startsWith('RETR'))).toBe(false);
  });

  test('421 during a transfer, data still open: FtpReplyError 421 and the data connection is closed too', async () => {
    const client = await scenes.setup({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go');
          data.write(new Uint8Array(10_000));
          ctx.reply('421 Server going down');
          ctx.socket.end();
        },
      },
    });
    const err = await client.downloadToBytes('f').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(421);
    expect((err as FtpReplyError).command).toBe('RETR f');
    expect(client.closed).toBe(true);
  });

  test('421 unsolicited while idle: the client closes itself; the next call rejects with that 421', async () => {
    const capture = capturingGreeting();
    const client = await scenes.setup({ greeting: capture.greeting });
    capture.control.reply('421 Idle timeout, closing control connection');
    await vi.waitFor(() => expect(client.closed).toBe(true));
    const err = await client.pwd().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(421);
  });
});

describe('malformed replies', () => {
  test('binary garbage instead of a reply: RemoteProtocolError, closed', async () => {
    const client = await scenes.setup({ handlers: { PWD: (_, ctx) => ctx.write(Uint8Array.from([0xff, 0xfb, 0x01, 0x00, 0x9c, 0x0d, 0x0a])) } });
    await expect(client.pwd()).rejects.toBeInstanceOf(RemoteProtocolError);
    expect(client.closed).toBe(true);
  });

  test('a line past the 16 KiB line bound, never terminated: RemoteProtocolError, not a hang or unbounded buffer', async () => {
    const client = await scenes.setup({ handlers: { PWD: (_, ctx) => ctx.write(`257 "${'a'.repeat(64 * 1024)}`) } }, { timeouts: { reply: 5000 } });
    await expect(client.pwd()).rejects.toBeInstanceOf(RemoteProtocolError);
    expect(client.closed).toBe(true);
  });

  test('a 1xx answer to a command that is not a transfer: RemoteProtocolError', async () => {
    const client = await scenes.setup({ handlers: { PWD: () => '150 Opening data connection' } });
    await expect(client.pwd()).rejects.toBeInstanceOf(RemoteProtocolError);
    expect(client.closed).toBe(true);
  });

  test('an unsolicited reply while idle breaks the session: the next call rejects with RemoteProtocolError', async () => {
    const capture = capturingGreeting();
    const client = await scenes.setup({ greeting: capture.greeting });
    capture.control.reply('200 nobody asked');
    await vi.waitFor(() => expect(client.closed).toBe(true));
    await expect(client.pwd()).rejects.toBeInstanceOf(RemoteProtocolError);
  });

  test('every reply of the login split byte by byte still logs in, and a split reply is read whole', async () => {
    const client = await scenes.setup({
      greeting: (ctx) => ctx.trickle('220-Welcome\r\n220 ready\r\n'),
      handlers: {
        USER: (_, ctx) => ctx.trickle('331 Password\r\n'),
        PASS: (_, ctx) => ctx.trickle('230-Logged in\r\n230 ok\r\n'),
        PWD: (_, ctx) => ctx.trickle('257 "/a b" is the current directory\r\n'),
      },
    });
    expect(client.welcome.greeting.lines).toEqual(['Welcome', 'ready']);
    expect(client.welcome.login.code).toBe(230);
    expect(await client.pwd()).toBe('/a b');
  });
});

describe('silence', () => {
  test('no greeting at all: TimeoutError within the reply timeout', async () => {
    const started = performance.now();
    const err = await failedConnect({ greeting: null }, { timeouts: { reply: 200 } });
    expect(err).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test('120 "ready in a while" then 220: the client waits for the 220 and logs in', async () => {
    const client = await scenes.setup({
      greeting: async (ctx) => {
        ctx.reply('120 Service ready in 1 minute');
        await new Promise((resolve) => setTimeout(resolve, 20));
        return '220 ready now';
      },
    });
    expect(client.welcome.greeting.code).toBe(220);
  });

  // The reply clock counts to the complete reply (misbehaving-servers.md, "Deadlines and bounds"):
  // bytes that keep coming do not stretch it, so a trickle cannot hold a call forever.
  test('a reply trickled out over longer than the reply timeout fails at the timeout: bytes do not restart it', async () => {
    const line = '257 "/slow" is the current directory\r\n'; // 40 bytes, 4 at a time every 40 ms: ~400 ms
    const client = await scenes.setup({ handlers: { PWD: (_, ctx) => ctx.trickle(line, { bytes: 4, delayMs: 40 }) } }, { timeouts: { reply: 300 } });
    const err = await rejectionOf(client.pwd());
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe('ERR_FTP_TIMEOUT');
    expect(client.closed).toBe(true);
  });

  test('a reply trickled out within the reply timeout succeeds', async () => {
    const line = '257 "/slow" is the current directory\r\n';
    const client = await scenes.setup({ handlers: { PWD: (_, ctx) => ctx.trickle(line, { bytes: 4, delayMs: 40 }) } }, { timeouts: { reply: 3000 } });
    expect(await client.pwd()).toBe('/slow');
  });

  test('silence after the data EOF (226 never arrives): TimeoutError and the client closes', async () => {
    const client = await scenes.setup(
      {
        handlers: {
          RETR: async (_, ctx) => {
            const data = await ctx.acceptData();
            ctx.reply('150 go');
            await sendAndClose(data, new Uint8Array(100));
            // and never a 226
          },
        },
      },
      { timeouts: { reply: 200 } },
    );
    await expect(client.downloadToBytes('f')).rejects.toBeInstanceOf(TimeoutError);
    expect(client.closed).toBe(true);
  });
});
