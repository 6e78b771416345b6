/**
 * `diagnose` against every real server of the testkit (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib,
 * ftp-srv), with explicit FTPS and the fixture tree: every probe works, what differs between the
 * servers is found (MLST, TLS session reuse, how `LIST -a` is taken), and there is nothing to
 * change. Then the cases where there is: a port of the other TLS mode, a server that lists in its
 * local time, and reuse not required where it usually is.
 */
import { describe, expect, test } from 'vitest';
import { SERVER_KINDS, startServer, type RunningServer, type ServerKind, type StartServerOptions } from '@ftpkit/testkit';
import { diagnose, type DiagnoseOptions, type Diagnosis, type ListAllBehaviour } from '../src/index.js';

/** What `LIST -a` does on each server, with the fixture's `.hidden` in the login folder. */
const LIST_ALL: Readonly<Record<ServerKind, ListAllBehaviour>> = {
  vsftpd: 'shows-hidden', // plain LIST hides dotfiles
  proftpd: 'shows-hidden',
  'pure-ftpd': 'shows-hidden',
  pyftpdlib: 'same', // lists dotfiles either way
  'ftp-srv': 'same',
};

/** Which servers announce MLST. */
const MLST: Readonly<Record<ServerKind, boolean>> = { vsftpd: false, proftpd: true, 'pure-ftpd': true, pyftpdlib: true, 'ftp-srv': false };

async function withServer<T>(kind: ServerKind, options: StartServerOptions, fn: (server: RunningServer) => Promise<T>): Promise<T> {
  const server = await startServer(kind, { fixture: true, ...options });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

function run(server: RunningServer, extra: Partial<DiagnoseOptions> = {}): Promise<Diagnosis> {
  // A generous deadline: a loaded machine (two cores, servers forking) must not fail a probe.
  return diagnose({ host: server.host, port: server.port, user: server.user, password: server.password, secure: 'explicit', tls: { ca: server.caPem }, probeTimeout: 15_000, ...extra });
}

function statuses(report: Diagnosis): Record<string, string> {
  return Object.fromEntries(Object.entries(report.probes).map(([name, probe]) => [name, probe.status]));
}

describe.each(SERVER_KINDS)('%s', (kind) => {
  test('every probe works, the differences are found, and nothing needs to change', async () => {
    await withServer(kind, {}, async (server) => {
      const report = await run(server);
      expect(statuses(report)).toEqual({
        greeting: 'ok',
        explicitTls: 'ok',
        implicitTls: 'not-applicable',
        certificate: 'ok',
        tlsVersions: 'ok',
        login: 'ok',
        features: 'ok',
        epsv: 'ok',
        pasv: 'ok',
        pasvAddress: 'ok',
        active: 'ok',
        tlsReuse: 'ok',
        listAll: 'ok',
        listTimeZone: 'ok',
      });
      const { probes } = report;
      expect(probes.greeting).toMatchObject({ detail: { port: 'plain', text: expect.stringMatching(/^220 /) } });
      expect(probes.certificate).toMatchObject({ detail: { accepted: 'trusted', certificate: { subject: 'O=ftpkit, CN=localhost' } } });
      expect(probes.tlsVersions).toMatchObject({ detail: { accepted: ['TLSv1.2', 'TLSv1.3'], refused: [] } });
      expect(probes.login).toMatchObject({ detail: { secure: 'explicit' } });
      expect(probes.features).toMatchObject({ detail: { mlst: MLST[kind], mdtm: true, size: true } });
      expect(probes.pasvAddress).toMatchObject({ detail: { host: '127.0.0.1', scope: 'loopback', sameAsControl: true } });
      // vsftpd and ProFTPD are started requiring reuse (testkit's default), the others cannot.
      expect(probes.tlsReuse).toMatchObject({ detail: { required: server.requireTlsReuse } });
      expect(probes.listAll).toMatchObject({ detail: { behaviour: LIST_ALL[kind], hidden: LIST_ALL[kind] === 'shows-hidden' ? ['.hidden'] : [] } });
      expect(probes.listTimeZone).toMatchObject({ detail: { offset: 0, zone: 'UTC' } });
      expect(report.recommendation.changes).toEqual([]);
      expect(report.recommendation.summary).toBe('Nothing needs to change: connect with the options below.');
      expect(report.recommendation.options).toEqual({ host: server.host, port: server.port, user: server.user, secure: 'explicit' });
      expect(JSON.stringify(report)).not.toContain(server.password);
    });
  });
});

describe('what to change', () => {
  test('vsftpd with implicit FTPS, asked for explicit: the port is found out, and ftps:// recommended', async () => {
    await withServer('vsftpd', { implicitTls: true }, async (server) => {
      // The plain look waits its deadline for a greeting that a TLS port never sends.
      const report = await run(server, { probeTimeout: 3000 });
      expect(report.probes.greeting).toMatchObject({ status: 'ok', detail: { port: 'implicit-tls' } });
      expect(report.probes.implicitTls.status).toBe('ok');
      expect(report.probes.epsv.status).toBe('ok');
      expect(report.recommendation.summary).toBe("This port speaks implicit FTPS (TLS from the first byte): use ftps:// (secure: 'implicit').");
      expect(report.recommendation.options?.secure).toBe('implicit');
    });
  });

  test('Pure-FTPd asked for implicit FTPS: it speaks plain FTP with AUTH TLS, so ftpes://', async () => {
    await withServer('pure-ftpd', {}, async (server) => {
      const report = await run(server, { secure: 'implicit' });
      expect(report.probes.implicitTls).toMatchObject({ status: 'failed', reason: 'the port answered the TLS handshake in plain text: it speaks plain FTP' });
      expect(report.probes.login).toMatchObject({ status: 'ok', detail: { secure: 'explicit' } });
      expect(report.recommendation.summary).toBe("This port speaks plain FTP, not implicit FTPS: use ftpes:// (secure: 'explicit').");
    });
  });

  test('ProFTPD listing in UTC+05:30 without MLST: the zone is found, and listTimeZone recommended', async () => {
    await withServer('proftpd', { listTimeZone: 'XST-5:30', mlst: false }, async (server) => {
      const report = await run(server);
      expect(report.probes.listTimeZone).toMatchObject({ status: 'ok', detail: { offset: 330, zone: '+05:30' } });
      expect(report.recommendation.summary).toBe(
        "LIST times are at +05:30, not UTC: set listTimeZone: '+05:30' (--list-time-zone), or the server's IANA zone, which follows summer time, or 'auto'.",
      );
      expect(report.recommendation.options?.listTimeZone).toBe('+05:30');
    });
  });

  test('vsftpd without require_ssl_reuse: reuse found not required', async () => {
    await withServer('vsftpd', { requireTlsReuse: false }, async (server) => {
      const report = await run(server);
      expect(report.probes.tlsReuse).toMatchObject({ status: 'ok', detail: { required: false } });
    });
  });
});
