/**
 * Networks in the way, against the five real servers (packages/testkit): public-key pins (`tls.pin`)
 * on the control connection and every data connection, `Client.certificate`, CCC, and active mode
 * behind a NAT (testkit's NAT proxy: the transfer completes only if the client advertises its
 * public address and listens on its own, and the NAT forwards the server's connection).
 *
 * What each server does with CCC is asserted here, so the table in the guide stays true: ProFTPD
 * and Pure-FTPd clear the control connection (ProFTPD waits for the client's close_notify before
 * sending its own, Pure-FTPd sends its own with the 200), vsftpd, pyftpdlib and ftp-srv refuse it.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { transport as nodeTransport, type Connection, type ConnectOptions, type Transport } from '@ftpkit/transport';
import { SERVER_KINDS, startNatProxy, startServer, testCertificate, type RunningServer, type ServerKind } from '@ftpkit/testkit';
import { Client, ConnectionError, FtpReplyError, InvalidArgumentError, TlsError, type ClientOptions, type LogEntry } from '../src/index.js';

/** The pin of the testkit servers' certificate, computed here from its PEM, independently of the transport. */
const SERVER_PIN = `sha256//${createHash('sha256')
  .update(new X509Certificate(testCertificate().cert).publicKey.export({ type: 'spki', format: 'der' }))
  .digest('base64')}`;
const OTHER_PIN = `sha256//${'A'.repeat(43)}=`;

/** What the servers answer to CCC (asserted below). */
const CLEARS: Readonly<Record<ServerKind, boolean>> = { vsftpd: false, proftpd: true, 'pure-ftpd': true, pyftpdlib: false, 'ftp-srv': false };

/** One connection the client opened or accepted: the TLS options it got (by connect or by startTls), and the connection. */
interface Opened {
  readonly tls: { pin?: unknown; stoppable?: unknown }[];
  readonly conn: Connection;
}

/** The Node transport, recording every connection (made or accepted) and the TLS options each got. */
function recording(opened: Opened[]): Transport {
  const record = (conn: Connection, tls: ConnectOptions['tls']): Connection => {
    const entry: Opened = { tls: tls ? [tls] : [], conn };
    opened.push(entry);
    const startTls = conn.startTls.bind(conn);
    conn.startTls = (options) => {
      entry.tls.push(options);
      return startTls(options);
    };
    return conn;
  };
  return {
    ...nodeTransport,
    connect: async (options) => record(await nodeTransport.connect(options), options.tls),
    listen: async (options) => {
      const listener = await nodeTransport.listen(options);
      const accept = listener.accept.bind(listener);
      listener.accept = async (how) => record(await accept(how), undefined);
      return listener;
    },
  };
}

const sent = (log: readonly LogEntry[]): string[] => log.filter((e) => e.direction === '>').map((e) => e.text);

for (const kind of SERVER_KINDS) {
  describe.concurrent(`${kind}: pins, certificates, CCC`, () => {
    let server: RunningServer;
    const options = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      secure: 'explicit',
      ...extra,
    });

    beforeAll(async () => {
      server = await startServer(kind, { fixture: true });
    });
    afterAll(async () => {
      await server?.stop();
    });

    test('a pin alone (no CA) admits the server; every data connection is held to it', async () => {
      const opened: Opened[] = [];
      await using client = await Client.connect(options({ tls: { pin: SERVER_PIN }, transport: recording(opened) }));
      expect(new TextDecoder().decode(await client.downloadToBytes('/hello.txt'))).toBe('hello\n');
      expect((await client.list('/')).map((e) => e.name)).toContain('small.bin');
      await client.upload(new TextEncoder().encode('pinned\n'), '/pinned.txt');
      expect(await readFile(join(server.root, 'pinned.txt'), 'utf8')).toBe('pinned\n');
      // The control connection and three data connections, each started with the pin and showing the key.
      expect(opened).toHaveLength(4);
      for (const { tls, conn } of opened) {
        expect(tls.map((t) => t.pin)).toEqual([SERVER_PIN]);
        expect(conn.peerCertificate?.()?.pin).toBe(SERVER_PIN);
      }
    });

    test('a pin that does not match fails the connect with TlsError "pin" before USER', async () => {
      const log: LogEntry[] = [];
      const error = await Client.connect(options({ tls: { pin: OTHER_PIN, ca: server.caPem }, log: (e) => log.push(e) })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TlsError);
      expect((error as TlsError).reason).toBe('pin');
      expect((error as TlsError).presentedPin).toBe(SERVER_PIN);
      expect(sent(log)).toEqual(['AUTH TLS']);
      // A string that is no pin: the caller's mistake, before any TLS handshake.
      const malformed: LogEntry[] = [];
      const bad = await Client.connect(options({ tls: { pin: 'sha256//not-a-pin' }, log: (e) => malformed.push(e) })).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(InvalidArgumentError);
      expect(sent(malformed)).toEqual(['AUTH TLS']);
    });

    test('Client.certificate shows the certificate and its pin, sending no credentials', async () => {
      const log: LogEntry[] = [];
      const cert = await Client.certificate(options({ log: (e) => log.push(e) }));
      expect(cert).toMatchObject({ subject: 'O=ftpkit, CN=localhost', issuer: 'O=ftpkit, CN=ftpkit test CA', pin: SERVER_PIN, trusted: false });
      expect(cert.subjectAltName).toContain('DNS:localhost');
      expect(sent(log)).toEqual(['AUTH TLS', 'QUIT']);
      const trusted = await Client.certificate(`ftp://${server.user}:${server.password}@${server.host}:${server.port}/`, { tls: { ca: server.caPem, servername: 'localhost' } });
      expect(trusted.trusted).toBe(true);
    });

    test(CLEARS[kind] ? 'ccc: the control connection goes plain after the login; transfers stay protected and resume the session' : 'ccc: the server refuses CCC, and the connect fails with its reply', async () => {
      const log: LogEntry[] = [];
      const opened: Opened[] = [];
      const connect = Client.connect(options({ tls: { ca: server.caPem, servername: 'localhost' }, ccc: true, log: (e) => log.push(e), transport: recording(opened) }));
      if (!CLEARS[kind]) {
        const error = await connect.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FtpReplyError);
        expect((error as FtpReplyError).command).toBe('CCC');
        expect([500, 502, 504, 534]).toContain((error as FtpReplyError).reply.code);
        return;
      }
      await using client = await connect;
      expect(sent(log).slice(0, 7)).toEqual(['AUTH TLS', 'PBSZ 0', 'PROT P', `USER ${server.user}`, 'PASS ****', 'CCC', 'FEAT']);
      expect(opened[0]?.tls.map((t) => t.stoppable)).toEqual([true]);
      expect(opened[0]?.conn.tls).toBeUndefined(); // plain text now
      expect(new TextDecoder().decode(await client.downloadToBytes('/hello.txt'))).toBe('hello\n');
      await client.upload(new TextEncoder().encode('after ccc\n'), '/ccc.txt');
      expect(await readFile(join(server.root, 'ccc.txt'), 'utf8')).toBe('after ccc\n');
      const activeOpened: Opened[] = [];
      await using active = await Client.connect(options({ tls: { ca: server.caPem, servername: 'localhost' }, ccc: true, mode: 'active', transport: recording(activeOpened) }));
      expect((await active.list('/')).map((e) => e.name)).toContain('hello.txt');
      // Every data connection, passive and active, ran TLS (without `stoppable`), and where the
      // server requires it (ProFTPD) resumed the control connection's session. Pure-FTPd resumes
      // none, with CCC or without.
      const data = [...opened.slice(1), ...activeOpened.slice(1)];
      expect(data).toHaveLength(3);
      for (const { conn, tls } of data) {
        expect(tls.map((t) => t.stoppable)).toEqual([undefined]);
        expect(conn.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
        if (server.requireTlsReuse) expect(conn.tls?.resumed).toBe(true);
      }
    });
  });
}

describe('option checks', () => {
  test('ccc without TLS, a bad activeAddress or activePorts are InvalidArgumentError before connecting', async () => {
    for (const bad of [
      { ccc: true },
      { activeAddress: 'nat.example.com' },
      { activeAddress: '[::1]' },
      { activePorts: { min: 2000, max: 1000 } },
      { activePorts: { min: 0, max: 10 } },
    ] as Partial<ClientOptions>[]) {
      await expect(Client.connect({ host: '127.0.0.1', port: 1, ...bad }), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });
});

describe.concurrent('active mode behind a NAT (testkit NAT proxy)', () => {
  /** What the servers answer to PORT with an address that is not the control connection's peer. */
  const REFUSES_FOREIGN_PORT: readonly ServerKind[] = ['vsftpd', 'proftpd', 'pure-ftpd', 'pyftpdlib'];

  for (const kind of SERVER_KINDS) {
    for (const secure of [false, 'explicit'] as const) {
      test(`${kind}, ${secure === false ? 'plain' : 'explicit TLS'}: advertise the public address, listen inside; the NAT forwards`, async () => {
        await using server = await startServer(kind, { fixture: true });
        await using nat = await startNatProxy({ target: server, inside: '127.0.0.2' });
        const base: ClientOptions = {
          host: nat.host,
          port: nat.port,
          user: server.user,
          password: server.password,
          secure,
          tls: { ca: server.caPem, servername: 'localhost' },
          mode: 'active',
          localAddress: '127.0.0.2',
        };
        const log: LogEntry[] = [];
        await using client = await Client.connect({ ...base, activeAddress: nat.publicHost, activePorts: nat.activePorts, log: (e) => log.push(e) });
        expect(new TextDecoder().decode(await client.downloadToBytes('/hello.txt'))).toBe('hello\n');
        await client.upload(new TextEncoder().encode('through the nat\n'), '/nat.txt');
        expect(await readFile(join(server.root, 'nat.txt'), 'utf8')).toBe('through the nat\n');
        expect(nat.forwarded()).toBe(2);
        const ports = sent(log).filter((t) => t.startsWith('PORT') || t.startsWith('EPRT'));
        expect(ports.length).toBe(2);
        for (const command of ports) {
          // 127.0.0.3 with a forwarded port: PORT 127,0,0,3,p1,p2
          const [, p1, p2] = /^PORT 127,0,0,3,(\d+),(\d+)$/.exec(command) ?? [];
          const port = Number(p1) * 256 + Number(p2);
          expect(port).toBeGreaterThanOrEqual(nat.activePorts.min);
          expect(port).toBeLessThanOrEqual(nat.activePorts.max);
        }
        // Without activeAddress the client names its own address, which the server sees nowhere.
        if (REFUSES_FOREIGN_PORT.includes(kind)) {
          await using plain = await Client.connect({ ...base, activePorts: nat.activePorts });
          const error = await plain.downloadToBytes('/hello.txt').catch((e: unknown) => e);
          expect(error).toBeInstanceOf(FtpReplyError);
          expect(['PORT', 'EPRT']).toContain((error as FtpReplyError).command?.split(' ')[0]);
        }
      });
    }
  }

  test('every port of activePorts in use: ConnectionError EADDRINUSE, and the session goes on', async () => {
    await using server = await startServer('vsftpd', { fixture: true });
    await using nat = await startNatProxy({ target: server, inside: '127.0.0.2', forwardedPorts: 3 });
    const taken: Server[] = [];
    for (let port = nat.activePorts.min; port <= nat.activePorts.max; port++) {
      const holder = createServer();
      await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.2', port }, resolve));
      taken.push(holder);
    }
    try {
      await using client = await Client.connect({
        host: nat.host,
        port: nat.port,
        user: server.user,
        password: server.password,
        mode: 'active',
        localAddress: '127.0.0.2',
        activeAddress: nat.publicHost,
        activePorts: nat.activePorts,
      });
      const error = await client.downloadToBytes('/hello.txt').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).osCode).toBe('EADDRINUSE');
      expect((error as ConnectionError).message).toContain(`${nat.activePorts.min}-${nat.activePorts.max}`);
      expect(await client.pwd()).toBe('/');
    } finally {
      for (const holder of taken) holder.close();
    }
  });

  test('family 4 resolves localhost to 127.0.0.1; localAddress is the address the server sees', async () => {
    await using server = await startServer('vsftpd', { fixture: true });
    await using client = await Client.connect({ host: 'localhost', port: server.port, user: server.user, password: server.password, family: 4, localAddress: '127.0.0.5' });
    expect((await client.send('STAT')).text).toMatch(/127\.0\.0\.5/);
  });
});
