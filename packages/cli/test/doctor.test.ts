// `ftpkit doctor URL`: the real binary against real vsftpd, a scripted SSH server, a scripted broken
// PASV and an address where nothing listens. Exit 0 whenever something answered (the report says
// what is wrong), the connection's exit code when nothing did; the password never printed.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { brokenPasv, closedPort, SSH_GREETING, startScriptedServer, startServer, type ScriptedServer } from '@ftpkit/testkit';
import { runCli } from './run-cli.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('ftpkit doctor', () => {
  test('vsftpd over explicit FTPS: a line per probe, nothing to change, the options; --json the same report; no password anywhere', async () => {
    await using server = await startServer('vsftpd', { fixture: true });
    const work = await mkdtemp(join(tmpdir(), 'ftpkit-doctor-'));
    try {
      const ca = join(work, 'ca.pem');
      await writeFile(ca, server.caPem);
      const url = `ftpes://${server.user}:${server.password}@${server.host}:${server.port}/`;
      const r = await runCli(['doctor', url, '--ca', ca, '--timeout', '15']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const lines = r.stdout.split('\n');
      expect(lines.slice(0, 14).map((line) => line.slice(0, 22))).toEqual([
        'greeting        ok    ',
        'explicit TLS    ok    ',
        'implicit TLS    -     ',
        'certificate     ok    ',
        'TLS versions    ok    ',
        'login           ok    ',
        'FEAT            ok    ',
        'EPSV            ok    ',
        'PASV            ok    ',
        'PASV address    ok    ',
        'active mode     ok    ',
        'data TLS reuse  ok    ',
        'LIST -a         ok    ',
        'LIST time zone  ok    ',
      ]);
      expect(r.stdout).toContain('data TLS reuse  ok    required: without the control connection\'s session the data connection is refused (522 SSL connection failed: session reuse required)\n');
      expect(r.stdout).toContain('\nNothing needs to change: connect with the options below.\n');
      expect(r.stdout).toContain(`Recommended ClientOptions (add your password):\n{ host: '127.0.0.1', port: ${server.port}, user: 'ftpuser', secure: 'explicit' }\n`);
      expect(r.stdout).not.toContain(server.password);

      const json = await runCli(['doctor', url, '--ca', ca, '--timeout', '15', '--json']);
      expect(json.code).toBe(0);
      expect(json.stdout).not.toContain(server.password);
      const doc = JSON.parse(json.stdout);
      expect(doc).toMatchObject({
        ok: true,
        command: 'doctor',
        doctor: {
          target: { host: '127.0.0.1', port: server.port, user: 'ftpuser', secure: 'explicit' },
          reachable: true,
          probes: { epsv: { status: 'ok' }, tlsReuse: { status: 'ok', detail: { required: true } }, listAll: { detail: { behaviour: 'shows-hidden', hidden: ['.hidden'] } } },
          recommendation: { changes: [], options: { host: '127.0.0.1', port: server.port, user: 'ftpuser', secure: 'explicit' } },
        },
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  test('an SSH server: exit 0 (it answered), and the report says SFTP', async () => {
    const ssh = await startScriptedServer({ greeting: SSH_GREETING });
    servers.push(ssh);
    const r = await runCli(['doctor', `ftp://u:p@${ssh.host}:${ssh.port}/`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^greeting {8}FAIL {2}The server is an SSH server \("SSH-2\.0-OpenSSH_9\.2p1 Debian-2\+deb12u3"\)/);
    expect(r.stdout).toContain(`\n${ssh.host}:${ssh.port} is an SSH server: it offers SFTP, and ftpkit speaks FTP and FTPS. Use an SFTP client, or the server's FTP port.\n`);
    expect(r.stdout).not.toContain('Recommended ClientOptions');
    expect(ssh.received).toEqual([]);
  });

  test('a broken PASV: found, and said to need no change', async () => {
    const nat = await startScriptedServer({ ...brokenPasv(), files: { 'a.txt': 'a' } });
    servers.push(nat);
    const r = await runCli(['doctor', `ftp://u:p@${nat.host}:${nat.port}/`, '--json']);
    expect(r.code).toBe(0);
    const { doctor } = JSON.parse(r.stdout);
    expect(doctor.probes.pasvAddress).toMatchObject({ status: 'failed', detail: { host: '127.0.0.2', scope: 'loopback', sameAsControl: false } });
    expect(doctor.recommendation.changes).toEqual([]);
  });

  test('nothing listening: the report\'s line, then exit 3 with the connection\'s sentence; --json an error document', async () => {
    const port = await closedPort();
    const r = await runCli(['doctor', `ftp://127.0.0.1:${port}/`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^greeting {8}FAIL {2}no connection: .*ECONNREFUSED/);
    expect(r.stdout).toContain(`Nothing answers at 127.0.0.1:${port}`);
    expect(r.stderr).toMatch(/^ftpkit: Connection failed: .*ECONNREFUSED.*\n$/);
    const json = await runCli(['doctor', `ftp://127.0.0.1:${port}/`, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FTP_CONNECTION', exitCode: 3 } });
  });

  test('no URL, or two: a usage error', async () => {
    expect((await runCli(['doctor'])).code).toBe(2);
    expect((await runCli(['doctor', 'ftp://127.0.0.1/', 'ftp://127.0.0.1/'])).code).toBe(2);
  });
});
