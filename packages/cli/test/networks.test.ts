/**
 * The network flags against real servers: `ftpkit cert URL` (a self-signed or untrusted server
 * shown, no credentials sent, the pin line ready to paste), `--pinnedpubkey` (exit 0 with the pin
 * and no CA, exit 4 with the presented pin otherwise), `--ftp-ssl-ccc`, and `--ftp-port` with
 * `--interface` through testkit's NAT (active mode completes only through its port forwarding).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startNatProxy, startServer, type RunningServer } from '@ftpkit/testkit';
import { runCli } from './run-cli.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ftpkit-cli-networks-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});
const cli = (...args: string[]) => runCli(args, { cwd: work, env: { HOME: work } });

describe.runIf(process.getuid?.() === 0)('real servers', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('proftpd', { fixture: true });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const url = (scheme: string, path = '') => `${scheme}://${server.user}:${server.password}@${server.host}:${server.port}/${path}`;

  test('cert shows an untrusted certificate, sends no credentials, and prints the pin line; --pinnedpubkey takes it', async () => {
    const shown = await cli('cert', '--verbose', url('ftpes'));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('subject:  O=ftpkit, CN=localhost');
    expect(shown.stdout).toContain('issuer:   O=ftpkit, CN=ftpkit test CA');
    expect(shown.stdout).toMatch(/^trusted:  no \(\S+\)$/m);
    const pinLine = /^--pinnedpubkey (sha256\/\/\S+)$/m.exec(shown.stdout);
    expect(pinLine).not.toBeNull();
    // The protocol log: AUTH TLS and QUIT, no USER or PASS.
    expect(shown.stderr).toContain('> AUTH TLS');
    expect(shown.stderr).not.toMatch(/> (USER|PASS)/);
    const pin = pinLine![1]!;
    // With the CA the same certificate is trusted; --json carries the same facts.
    const ca = join(work, 'ca.pem');
    await writeFile(ca, server.caPem);
    const json = JSON.parse((await cli('cert', '--json', '--ca', ca, url('ftp'))).stdout) as { ok: boolean; certificate: { pin: string; trusted: boolean } };
    expect(json).toMatchObject({ ok: true, certificate: { pin, trusted: true } });
    // The pin alone (no --ca) admits the server; several pins, separated by ';', any one of them.
    const listed = await cli('ls', '--pinnedpubkey', `sha256//${'A'.repeat(43)}=;${pin}`, url('ftpes'));
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('hello.txt');
    const got = await cli('get', '--pinnedpubkey', pin, url('ftpes', 'hello.txt'), join(work, 'pinned.txt'));
    expect(got.code).toBe(0);
    expect(await readFile(join(work, 'pinned.txt'), 'utf8')).toBe('hello\n');
  });

  test('a pin that does not match: exit 4, the presented pin in the message; a malformed one: exit 2', async () => {
    const shown = await cli('cert', url('ftpes'));
    const pin = /^--pinnedpubkey (sha256\/\/\S+)$/m.exec(shown.stdout)![1]!;
    const wrong = await cli('ls', '--pinnedpubkey', `sha256//${'A'.repeat(43)}=`, url('ftpes'));
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain(`it presented ${pin}`);
    expect(wrong.stderr).toContain('ftpkit cert URL');
    expect((await cli('ls', '--pinnedpubkey', './server-key.pem', url('ftpes'))).code).toBe(2);
  });

  test('--ftp-ssl-ccc: CCC after the login, then the transfer', async () => {
    const ca = join(work, 'ca-ccc.pem');
    await writeFile(ca, server.caPem);
    const r = await cli('get', '--verbose', '--ftp-ssl-ccc', '--ca', ca, url('ftpes', 'hello.txt'), join(work, 'ccc.txt'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('> CCC');
    expect(r.stderr).toMatch(/< 200 Clearing control channel protection/);
    expect(await readFile(join(work, 'ccc.txt'), 'utf8')).toBe('hello\n');
    // Without TLS there is nothing to clear.
    expect((await cli('ls', '--ftp-ssl-ccc', url('ftp'))).code).toBe(2);
  });

  test('--ftp-port ADDR:MIN-MAX with --interface: active mode through a NAT', async () => {
    await using vsftpd = await startServer('vsftpd', { fixture: true });
    await using nat = await startNatProxy({ target: vsftpd, inside: '127.0.0.2' });
    const through = `ftp://${vsftpd.user}:${vsftpd.password}@${nat.host}:${nat.port}/hello.txt`;
    const ftpPort = `${nat.publicHost}:${nat.activePorts.min}-${nat.activePorts.max}`;
    const r = await cli('get', '--verbose', '-P', ftpPort, '--interface', '127.0.0.2', through, join(work, 'nat.txt'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/> PORT 127,0,0,3,\d+,\d+/);
    expect(await readFile(join(work, 'nat.txt'), 'utf8')).toBe('hello\n');
    expect(nat.forwarded()).toBe(1);
    // Without the public address the server refuses the client's own: exit 6.
    const refused = await cli('get', '--active', '--interface', '127.0.0.2', through, join(work, 'nat2.txt'));
    expect(refused.code).toBe(6);
    expect((await cli('get', '-P', 'nat.example.com', through)).code).toBe(2);
    expect((await cli('get', '-4', '-6', through)).code).toBe(2);
  });
});
