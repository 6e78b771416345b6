/**
 * Fault matrix, FTPS: a required TLS is never downgraded (curl CVE-2021-22946), plaintext pipelined
 * after `234` is never read as a reply (curl CVE-2021-22947), and TLS failures on the control or the
 * data connection are TlsError. The scripted server speaks explicit FTPS with the committed test
 * certificate, which the client trusts through `testCaPem()`.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { rejectionOf, scriptedScenes, sendAndClose, sendAndReset, testCaPem, type ScriptContext, type ScriptedServerOptions } from '@ftpkit/testkit';
import { Client, ConnectionError, FtpReplyError, TlsError, type ClientOptions } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

const secure = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
  host: scenes.server.host,
  port: scenes.server.port,
  user: 'u',
  password: 'p',
  secure: true,
  tls: { ca: testCaPem() },
  ...extra,
});

const start = (options: ScriptedServerOptions) => scenes.start({ tls: true, ...options });

describe('TLS required, never downgraded', () => {
  test('a plain AUTH TLS login and a PROT P download work against the scripted FTPS server', async () => {
    await start({ files: { f: 'secret data' } });
    const client = scenes.keep(await Client.connect(secure()));
    expect(new TextDecoder().decode(await client.downloadToBytes('f'))).toBe('secret data');
    expect(scenes.server.received.slice(0, 5)).toEqual(['AUTH TLS', 'PBSZ 0', 'PROT P', 'USER u', 'PASS p']);
  });

  test('AUTH TLS refused: TlsError with the reply as its cause; USER and PASS never sent', async () => {
    await start({ handlers: { AUTH: () => '534 Policy requires plaintext' } });
    const err = await rejectionOf(Client.connect(secure()));
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).cause).toBeInstanceOf(FtpReplyError);
    expect(((err as TlsError).cause as FtpReplyError).reply.code).toBe(534);
    expect(scenes.server.received).toEqual(['AUTH TLS']);
  });

  test('a 230 greeting while TLS is required (CVE-2021-22946): connect fails, nothing is sent', async () => {
    await start({ greeting: '230 Already logged in' });
    const err = await rejectionOf(Client.connect(secure()));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(230);
    expect(scenes.server.received).toEqual([]);
  });

  test('plaintext pipelined after 234 is discarded, never read as a reply (CVE-2021-22947)', async () => {
    await start({
      handlers: {
        AUTH: async (_, ctx) => {
          // One write: the injected replies arrive in the same segment as the 234, before any TLS.
          ctx.write('234 Proceed\r\n230 Injected login\r\n200 Injected PBSZ\r\n');
          await ctx.startTls();
        },
        PASS: () => '230 Real login over TLS',
      },
    });
    const client = scenes.keep(await Client.connect(secure()));
    expect(client.welcome.login.text).toBe('Real login over TLS');
    expect(scenes.server.received.slice(0, 5)).toEqual(['AUTH TLS', 'PBSZ 0', 'PROT P', 'USER u', 'PASS p']);
  });
});

describe('TLS failures', () => {
  test('an untrusted server certificate on the control connection: TlsError, only AUTH TLS was ever sent', async () => {
    await start({});
    const err = await rejectionOf(Client.connect(secure({ tls: {} })));
    expect(err).toBeInstanceOf(TlsError);
    expect(scenes.server.received).toEqual(['AUTH TLS']);
  });

  test('the server closes during the control handshake: ConnectionError', async () => {
    await start({
      handlers: {
        AUTH: (_, ctx) => {
          ctx.reply('234 Proceed');
          ctx.socket.end();
        },
      },
    });
    const err = await rejectionOf(Client.connect(secure()));
    // A handshake cut off by the peer (Node: ECONNRESET), or a close seen before it began: either way a
    // broken connection, not a TLS verdict.
    expect(err).toBeInstanceOf(ConnectionError);
    expect(scenes.server.received).toEqual(['AUTH TLS']);
  });

  test('RST under a TLS data connection mid-download, then 426: FtpReplyError 426, client usable', async () => {
    await start({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go');
          await sendAndReset(data, new Uint8Array(100_000));
          return '426 Connection reset; transfer aborted';
        },
      },
    });
    const client = scenes.keep(await Client.connect(secure()));
    const err = await rejectionOf(client.downloadToBytes('f'));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(426);
  });

  /** PROT P is accepted, but the data connection is served in plaintext with a non-TLS answer. */
  const plaintextData = (final: string): ScriptedServerOptions => ({
    handlers: {
      PROT: (_, ctx) => {
        ctx.protectData = false;
        return '200 PROT P ok';
      },
      RETR: async (_, ctx: ScriptContext) => {
        const data = await ctx.acceptData();
        ctx.reply('150 go');
        await sendAndClose(data, new TextEncoder().encode('HTTP/1.0 400 this is not TLS\r\n\r\n'));
        return final;
      },
    },
  });

  test('TLS handshake failure on the data connection, server then says 226: TlsError, client usable', async () => {
    await start(plaintextData('226 Transfer complete'));
    const client = scenes.keep(await Client.connect(secure()));
    const err = await rejectionOf(client.downloadToBytes('f'));
    expect(err).toBeInstanceOf(TlsError);
  });

  test('TLS handshake failure on the data connection, server then says 425: FtpReplyError 425, client usable', async () => {
    await start(plaintextData('425 Cannot open data connection'));
    const client = scenes.keep(await Client.connect(secure()));
    const err = await rejectionOf(client.downloadToBytes('f'));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).reply.code).toBe(425);
  });
});
