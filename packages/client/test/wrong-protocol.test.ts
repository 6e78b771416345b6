/**
 * Fault matrix, errors that name the cause: an SSH server (the user meant SFTP), implicit FTPS
 * against a port that speaks plain FTP, explicit FTPS against a port that answers in TLS, and what
 * advice a TLS failure gets. Scripted servers for each shape, and real vsftpd and ProFTPD for the
 * FTPS mode mismatches, which are real-server behaviour.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { rejectionOf, scriptedScenes, startServer, testCaPem, type RunningServer } from '@ftpkit/testkit';
import { Client, RemoteProtocolError, SshServerError, TimeoutError, TlsError, TlsModeError, type ClientOptions } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'hunter2', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

const SSH_BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3';
/** The start of a TLS 1.2 ServerHello record: what a port that speaks TLS first may send. */
const TLS_RECORD = Uint8Array.of(0x16, 0x03, 0x03, 0x00, 0x31, 0x02, 0x00, 0x00, 0x2d, 0x03, 0x03);

const options = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
  host: scenes.server.host,
  port: scenes.server.port,
  user: 'u',
  password: 'hunter2',
  tls: { ca: testCaPem() },
  ...extra,
});

describe('a silent server', () => {
  test('no greeting: the timeout names implicit FTPS', async () => {
    await scenes.start({ greeting: null });
    const silent = await rejectionOf(Client.connect(options({ timeouts: { reply: 300 } })));
    expect(silent).toBeInstanceOf(TimeoutError);
    expect((silent as Error).message).toMatch(/before its greeting .*implicit FTPS/);
  });

  test('a greeting and then silence: the timeout does not blame the FTPS mode', async () => {
    await scenes.start({ handlers: { USER: () => new Promise<string>(() => {}) } });
    const late = await rejectionOf(Client.connect(options({ timeouts: { reply: 300 } })));
    expect(late).toBeInstanceOf(TimeoutError);
    expect((late as Error).message).not.toMatch(/greeting|implicit/);
  });
});

describe('an SSH server', () => {
  test.each([false, 'explicit'] as const)('secure %s: SshServerError (ERR_FTP_SSH_SERVER) naming SFTP, nothing sent', async (secure) => {
    await scenes.start({ greeting: SSH_BANNER });
    const err = await rejectionOf(Client.connect(options({ secure })));
    expect(err).toBeInstanceOf(SshServerError);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect(err).toMatchObject({ code: 'ERR_FTP_SSH_SERVER', banner: SSH_BANNER });
    expect((err as Error).message).toBe(`The server is an SSH server ("${SSH_BANNER}"), not an FTP server: it offers SFTP, and ftpkit speaks FTP and FTPS`);
    expect(scenes.server.received).toEqual([]);
  });
});

describe('the FTPS mode of the port is not the one asked for', () => {
  test('implicit FTPS (ftps://) against a plain FTP port: TlsModeError, serverSpeaks "plain", the transport\'s not-tls TlsError as cause', async () => {
    await scenes.start({});
    const err = await rejectionOf(Client.connect(options({ secure: 'implicit' })));
    expect(err).toBeInstanceOf(TlsModeError);
    expect(err).toMatchObject({ code: 'ERR_FTP_TLS_MODE', serverSpeaks: 'plain' });
    expect((err as Error).message).toBe(
      'The server answered in plain text, not TLS: the port does not speak implicit FTPS; use explicit FTPS (ftpes://) or plain FTP (ftp://)',
    );
    expect((err as Error).cause).toBeInstanceOf(TlsError);
    expect(((err as Error).cause as TlsError).reason).toBe('not-tls');
    expect(scenes.server.received).toEqual([]);
  });

  test('explicit FTPS against a port that answers in TLS: TlsModeError, serverSpeaks "tls", nothing sent', async () => {
    await scenes.start({ greeting: (ctx) => ctx.write(TLS_RECORD) });
    const err = await rejectionOf(Client.connect(options({ secure: 'explicit' })));
    expect(err).toBeInstanceOf(TlsModeError);
    expect(err).toMatchObject({ code: 'ERR_FTP_TLS_MODE', serverSpeaks: 'tls' });
    expect((err as Error).message).toMatch(/answered in TLS .*implicit FTPS; use ftps:\/\/$/);
    expect(scenes.server.received).toEqual([]);
  });

  test('an untrusted certificate is TlsError with reason "certificate", not a mode mismatch', async () => {
    await scenes.start({ tls: true });
    const err = await rejectionOf(Client.connect(options({ secure: 'explicit', tls: {} })));
    expect(err).toBeInstanceOf(TlsError);
    expect(err).not.toBeInstanceOf(TlsModeError);
    expect((err as TlsError).reason).toBe('certificate');
  });

  test('a refused AUTH TLS is TlsError with reason "other"', async () => {
    await scenes.start({ handlers: { AUTH: () => '502 AUTH not implemented' } });
    const err = await rejectionOf(Client.connect(options({ secure: 'explicit' })));
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).reason).toBe('other');
  });
});

describe.each(['vsftpd', 'proftpd'] as const)('real %s', (kind) => {
  let plain: RunningServer;
  let implicit: RunningServer;
  beforeAll(async () => {
    [plain, implicit] = await Promise.all([startServer(kind, { tls: true, anonymous: false }), startServer(kind, { implicitTls: true, anonymous: false })]);
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), implicit?.stop()]);
  });

  const real = (server: RunningServer, extra: Partial<ClientOptions>): ClientOptions => ({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    tls: { ca: server.caPem, servername: 'localhost' },
    ...extra,
  });

  test('ftps:// against its plain port: TlsModeError, serverSpeaks "plain"', async () => {
    const err = await rejectionOf(Client.connect(real(plain, { secure: 'implicit' })));
    expect(err).toMatchObject({ code: 'ERR_FTP_TLS_MODE', serverSpeaks: 'plain' });
    expect((err as Error).message).not.toMatch(/SSL routines|ssl3_get_record|wrong version number/);
  });

  test('ftpes:// against its implicit port: the server waits for TLS in silence, so the greeting times out, and the error names implicit FTPS', async () => {
    // A real implicit-FTPS port sends nothing until the client's ClientHello, and ftpkit waits for
    // a greeting: no byte tells the two apart, only the silence (see the guide).
    const started = performance.now();
    const err = await rejectionOf(Client.connect(real(implicit, { secure: 'explicit', timeouts: { reply: 1000 } })));
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/before its greeting .*implicit FTPS.*ftps:\/\//);
    expect(performance.now() - started).toBeLessThan(10_000);
  });



  test('both work with the right scheme', async () => {
    for (const [server, secure] of [
      [plain, 'explicit'],
      [implicit, 'implicit'],
    ] as const) {
      const client = await Client.connect(real(server, { secure }));
      expect(client.welcome.login.code).toBe(230);
      await client.close();
    }
  });
});
