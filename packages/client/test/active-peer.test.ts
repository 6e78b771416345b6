/**
 * Active mode takes its data connection only from the server. The client listens and sends PORT or
 * EPRT; whoever reaches that port first would otherwise get the transfer (FTP data port theft): inject
 * bytes into a download, or receive an upload. Here a second loopback "host", 127.0.0.2, plays the
 * thief against the scripted server on 127.0.0.1, then a real vsftpd shows active mode still works.
 *
 * IPv6 has one loopback address, ::1, so no thief can come from another IPv6 host here: the IPv6
 * cases check that the server's own connection is taken, by EPRT, and that an IPv4-mapped peer
 * (`::ffff:127.0.0.1`, as a dual-stack listener reports one) counts as its IPv4 address.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { readAll, rejectionOf, scriptedScenes, sendAndClose, startServer, type RunningServer, type ScriptContext } from '@ftpkit/testkit';
import { capabilities, transport, type Connection, type Transport } from '@ftpkit/transport';
import { Client, ConnectionError, FtpReplyError, type ClientOptions, type LogEntry } from '../src/index.js';

const CONNECT_TIMEOUT = 400;
const THIEF_HOST = '127.0.0.2';
const junk = new TextEncoder().encode('INJECTED BY ANOTHER HOST\r\n'.repeat(64));

/** A socket from another host that reaches the client's data port first. */
interface Thief {
  /** Bytes the client sent it: must stay 0. */
  received: number;
  /** Resolves once the client closed it: `end` (FIN) or `reset` (RST, when it left bytes unread). */
  readonly closed: Promise<'end' | 'reset'>;
  readonly socket: Socket;
}

const thieves: Socket[] = [];

/** Connect from 127.0.0.2 to the client's PORT address, and write `bytes` at once when given. */
async function thief(target: ScriptContext['activeTarget'], bytes?: Uint8Array): Promise<Thief> {
  if (target === undefined) throw new Error('no PORT/EPRT before the transfer command');
  const socket = connect({ host: target.host, port: target.port, localAddress: THIEF_HOST });
  thieves.push(socket);
  let how: 'end' | 'reset' = 'end';
  const stolen: Thief = {
    received: 0,
    socket,
    closed: new Promise((resolve) => socket.once('close', () => resolve(how))),
  };
  socket.on('data', (chunk: Buffer) => (stolen.received += chunk.length));
  socket.on('error', () => (how = 'reset'));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (bytes) socket.write(bytes);
  return stolen;
}

/** Give the client up to `ms` to close the thief (a vulnerable client would keep it). */
async function refusedWithin(stolen: Thief, ms = 2_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([stolen.closed, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

const logs: LogEntry[] = [];
const notes = () => logs.filter((entry) => entry.direction === '*').map((entry) => entry.text);

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) =>
    Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', mode: 'active', log: (entry) => logs.push(entry), ...extra }),
  usable: async (client: Client) => {
    expect((await client.send('NOOP')).code).toBe(200);
    // Another active transfer, served by the default handlers (the server connects from its own address).
    expect((await client.list()).length).toBeGreaterThanOrEqual(0);
  },
});
beforeEach(() => {
  logs.length = 0;
});
// Registered after the scenes, so it runs before their leak check: only a failed test leaves a thief.
afterEach(() => {
  for (const socket of thieves.splice(0)) socket.destroy();
});

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';

test(`the client's sockets are the ${runtime} adapter's`, () => {
  expect(transport.runtime).toBe(runtime);
});

describe('a connection from another host reaches the data port first', () => {
  test('download: the thief is closed unread, the bytes are the server’s', async () => {
    const body = randomBytes(200_000);
    let stolen: Thief | undefined;
    const client = await scenes.setup({
      files: { f: body },
      handlers: {
        RETR: async (arg, ctx) => {
          stolen = await thief(ctx.activeTarget, junk);
          await refusedWithin(stolen);
          const data = await ctx.acceptData();
          ctx.reply('150 Opening BINARY mode data connection');
          await sendAndClose(data, ctx.files.get(arg) ?? new Uint8Array());
          return '226 Transfer complete';
        },
      },
    });
    const got = await client.downloadToBytes('f');
    expect(Buffer.from(got).equals(body)).toBe(true);
    expect(scenes.server.received).toContainEqual(expect.stringMatching(/^PORT 127,0,0,1,/));
    expect(['end', 'reset']).toContain(await stolen?.closed);
    expect(stolen?.received).toBe(0);
    expect(notes()).toEqual([expect.stringMatching(/^Refused a data connection from 127\.0\.0\.2:\d+: not the server's address 127\.0\.0\.1$/)]);
  });

  test('download: thief and server connect back to back; the server’s connection is taken', async () => {
    const body = randomBytes(50_000);
    let stolen: Thief | undefined;
    const client = await scenes.setup({
      files: { f: body },
      handlers: {
        RETR: async (arg, ctx) => {
          stolen = await thief(ctx.activeTarget, junk);
          const data = await ctx.acceptData(); // no wait: both may sit in the listener's queue
          ctx.reply('150 Opening BINARY mode data connection');
          await sendAndClose(data, ctx.files.get(arg) ?? new Uint8Array());
          return '226 Transfer complete';
        },
      },
    });
    expect(Buffer.from(await client.downloadToBytes('f')).equals(body)).toBe(true);
    await stolen?.closed; // closed on refusal, or with the listener once the server's was accepted
    expect(stolen?.received).toBe(0);
  });

  test('upload: not a byte goes to the thief, even after the 150', async () => {
    const body = randomBytes(300_000);
    let stolen: Thief | undefined;
    const client = await scenes.setup({
      handlers: {
        STOR: async (arg, ctx) => {
          // 150 first: from here on the client may send, so a taken thief would get the upload.
          ctx.reply('150 Ok to send data');
          stolen = await thief(ctx.activeTarget);
          await refusedWithin(stolen);
          const data = await ctx.acceptData();
          ctx.files.set(arg, await readAll(data));
          return '226 Transfer complete';
        },
      },
    });
    await client.upload(body, 'up.bin');
    expect(Buffer.from(scenes.server.files.get('up.bin') ?? []).equals(body)).toBe(true);
    expect(['end', 'reset']).toContain(await stolen?.closed);
    expect(stolen?.received).toBe(0);
    expect(notes()).toHaveLength(1);
  });
});

describe('only another host connects', () => {
  test('download: ConnectionError naming it after the connect timeout, then the client works', async () => {
    let stolen: Thief | undefined;
    // The server's data connection leaves from another of its addresses (or a thief's is the only
    // one): it thinks the file went out and says 226; the client refused the connection.
    const client = await scenes.setup(
      {
        handlers: {
          RETR: async (_, ctx) => {
            ctx.reply('150 Opening BINARY mode data connection');
            stolen = await thief(ctx.activeTarget, junk);
            await refusedWithin(stolen);
            return '226 Transfer complete';
          },
        },
      },
      { timeouts: { connect: CONNECT_TIMEOUT } },
    );
    const started = performance.now();
    const err = await rejectionOf(client.downloadToBytes('f'));
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).code).toBe('ERR_FTP_CONNECTION');
    expect((err as Error).message).toMatch(
      /^No data connection came from the server \(127\.0\.0\.1\) within 400 ms; refused a data connection from 127\.0\.0\.2:\d+\. /,
    );
    expect(elapsed).toBeGreaterThanOrEqual(CONNECT_TIMEOUT - 50);
    expect(elapsed).toBeLessThan(CONNECT_TIMEOUT + 1_500);
    expect(stolen?.received).toBe(0);
    expect(client.closed).toBe(false);
    expect((await client.send('NOOP')).code).toBe(200);
    // scenes: another active transfer works, then no socket, listener or timer is left.
  });

  test('several thieves: each is refused, the error names the first three and counts the rest', async () => {
    const stolen: Thief[] = [];
    const client = await scenes.setup(
      {
        handlers: {
          RETR: async (_, ctx) => {
            ctx.reply('150 Opening BINARY mode data connection');
            for (let i = 0; i < 5; i++) {
              const one = await thief(ctx.activeTarget, junk);
              stolen.push(one);
              await refusedWithin(one);
            }
            return '226 Transfer complete';
          },
        },
      },
      { timeouts: { connect: CONNECT_TIMEOUT * 2 } },
    );
    const err = await rejectionOf(client.downloadToBytes('f'));
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/refused 5 data connections from 127\.0\.0\.2:\d+, 127\.0\.0\.2:\d+, 127\.0\.0\.2:\d+ and 2 more\./);
    expect(stolen.map((s) => s.received)).toEqual([0, 0, 0, 0, 0]);
    expect(notes()).toHaveLength(5);
  });

  test('upload, and the server gives up first: its 425 is the error, nothing was sent, the listener is gone', async () => {
    let stolen: Thief | undefined;
    const client = await scenes.setup(
      {
        handlers: {
          STOR: async (_, ctx) => {
            stolen = await thief(ctx.activeTarget);
            await refusedWithin(stolen);
            return "425 Can't open data connection";
          },
        },
      },
      { timeouts: { connect: 5_000 } },
    );
    const started = performance.now();
    const err = await rejectionOf(client.upload(randomBytes(10_000), 'up.bin'));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(425);
    expect(performance.now() - started).toBeLessThan(2_500); // did not wait out the connect timeout
    expect(stolen?.received).toBe(0);
    expect(notes()).toEqual([expect.stringMatching(/^Refused a data connection from 127\.0\.0\.2:\d+/)]);
    expect(scenes.server.files.has('up.bin')).toBe(false);
  });
});

/** A transport whose accepted connections report their peer as IPv4-mapped IPv6, as a dual-stack socket does. */
function mappedPeers(inner: Transport): Transport {
  const mapped = (conn: Connection): Connection => {
    const remote = Object.freeze({ ...conn.remoteAddress, host: `::ffff:${conn.remoteAddress.host}`, family: 6 as const });
    return new Proxy(conn, {
      get: (target, key) => {
        if (key === 'remoteAddress') return remote;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return {
    runtime: inner.runtime,
    capabilities: inner.capabilities,
    connect: (options) => inner.connect(options),
    listen: async (options) => {
      const listener = await inner.listen(options);
      return {
        address: listener.address,
        accept: async (accept) => mapped(await listener.accept(accept)),
        close: () => listener.close(),
      };
    },
  };
}

describe('the server’s own connection is taken', () => {
  test('an IPv4-mapped peer address is the same host as its IPv4 control peer', async () => {
    const body = randomBytes(10_000);
    const client = await scenes.setup({ files: { f: body } }, { transport: mappedPeers(transport) });
    expect(Buffer.from(await client.downloadToBytes('f')).equals(body)).toBe(true);
    expect(notes()).toEqual([]);
  });

  test('IPv6 (::1, EPRT): download and upload', async () => {
    const body = randomBytes(100_000);
    const client = await scenes.setup({ ipv6: true, files: { f: body } });
    expect(Buffer.from(await client.downloadToBytes('f')).equals(body)).toBe(true);
    await client.upload(body, 'g');
    expect(Buffer.from(scenes.server.files.get('g') ?? []).equals(body)).toBe(true);
    expect(scenes.server.received).toContainEqual(expect.stringMatching(/^EPRT \|2\|::1\|\d+\|$/));
    expect(notes()).toEqual([]);
  });
});

describe('vsftpd in active mode', () => {
  for (const ipv6 of [false, true]) {
    describe(ipv6 ? 'IPv6' : 'IPv4', () => {
      let server: RunningServer;
      beforeAll(async () => {
        // Deno cannot resume TLS sessions (runtime-smoke.test.ts): vsftpd must not insist there.
        server = await startServer('vsftpd', { ipv6, requireTlsReuse: capabilities.sessionReuse });
      });
      afterAll(async () => {
        await server?.stop();
      });

      for (const secure of [false, 'explicit'] as const) {
        test(secure ? 'explicit TLS' : 'plain', async () => {
          const log: LogEntry[] = [];
          await using client = await Client.connect({
            host: server.host,
            port: server.port,
            user: server.user,
            password: server.password,
            secure,
            tls: { ca: server.caPem, servername: 'localhost' },
            mode: 'active',
            log: (entry) => log.push(entry),
          });
          const body = randomBytes(1024 * 1024);
          const name = `/active-${secure ? 'tls' : 'plain'}.bin`;
          await client.upload(body, name);
          expect(Buffer.from(await client.downloadToBytes(name)).equals(body)).toBe(true);
          expect((await client.list('/')).map((e) => e.name)).toContain(name.slice(1));
          expect(log.some((e) => e.direction === '>' && /^(PORT|EPRT) /.test(e.text))).toBe(true);
          expect(log.filter((e) => e.direction === '*')).toEqual([]);
        });
      }
    });
  }
});
