// The real binary against servers that misbehave: listings no parser reads, a server that takes
// `LIST -a up` for the path "-a up", an SSH server, the wrong FTPS mode for a port. Scripted servers,
// and real vsftpd where the behaviour is the server's (as root, with servers/install.sh done). Each
// asserts the exit code, the one sentence on stderr, and what is left on the server.
import { afterEach, describe, expect, test } from 'vitest';
import { fileTree, startScriptedServer, startServer, treeHandlers, type ScriptedServer, type ScriptedServerOptions } from '@ftpkit/testkit';
import { runCli } from './run-cli.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function scripted(options: ScriptedServerOptions): Promise<{ server: ScriptedServer; url: string }> {
  const server = await startScriptedServer(options);
  servers.push(server);
  return { server, url: `ftp://u:p@${server.host}:${server.port}` };
}

describe('listings', () => {
  test('rm -r on a server that takes `LIST -a up` for the path "-a up": the folder and its tree are removed, exit 0', async () => {
    const tree = fileTree({ '/up/a.txt': 'a', '/up/sub/b.txt': 'b', '/keep.txt': 'k' });
    const { server, url } = await scripted({ handlers: treeHandlers({ ...tree, listFlag: 'alone' }) });
    const r = await runCli(['rm', '-r', `${url}/up`]);
    expect(r.stderr).toBe('removed up\n');
    expect(r.code).toBe(0);
    expect([...tree.files.keys()]).toEqual(['/keep.txt']);
    expect([...tree.folders]).toEqual(['/']);
    const lists = server.received.filter((l) => l.startsWith('LIST'));
    expect(lists).toEqual(['LIST -a up', 'LIST up', 'LIST up/sub']);
    expect(server.received).toContain('RMD up');
  });

  test('ls of a listing in no known format: exit 8 and one sentence with a sample line, not an empty listing', async () => {
    const { url } = await scripted({
      handlers: treeHandlers({ ...fileTree({ '/odd/x': 'x' }), listText: () => 'Volume in drive C has no label\r\n<DIR?> strange\r\n' }),
    });
    const r = await runCli(['ls', `${url}/%2Fodd`]);
    expect(r.code).toBe(8);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'ftpkit: The listing of "/odd" has 2 lines in no known format (and no line in any format ftpkit reads); the first is "Volume in drive C has no label".\n',
    );
    const json = await runCli(['ls', '--json', `${url}/%2Fodd`]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FTP_LISTING_UNREADABLE', exitCode: 8 } });
  });
});

describe('errors that name the cause', () => {
  test('an SSH server: exit 8 and the sentence that says it is SSH/SFTP, not FTP', async () => {
    const { server, url } = await scripted({ greeting: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' });
    const r = await runCli(['ls', `${url}/`]);
    expect(r.code).toBe(8);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'ftpkit: The server is an SSH server ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"), not an FTP server: it offers SFTP, and ftpkit speaks FTP and FTPS.\n',
    );
    expect(server.received).toEqual([]);
    const json = await runCli(['ls', '--json', `${url}/`]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FTP_SSH_SERVER', exitCode: 8 } });
  });

  test('ftps:// against a plain FTP port: exit 4, "answered in plain text", ftpes:// suggested, no certificate advice or OpenSSL text', async () => {
    const { url } = await scripted({});
    const r = await runCli(['ls', url.replace(/^ftp:/, 'ftps:') + '/']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      'ftpkit: The server answered in plain text, not TLS: the port does not speak implicit FTPS; use explicit FTPS (ftpes://) or plain FTP (ftp://).\n',
    );
  });

  test('ftpes:// against a port that answers in TLS: exit 4, "answered in TLS", ftps:// suggested', async () => {
    const { url } = await scripted({ greeting: (ctx) => ctx.write(Uint8Array.of(0x16, 0x03, 0x03, 0x00, 0x31, 0x02, 0x00)) });
    const r = await runCli(['ls', url.replace(/^ftp:/, 'ftpes:') + '/']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('ftpkit: The server answered in TLS where an FTP greeting in plain text was expected: the port speaks implicit FTPS; use ftps://.\n');
  });

  test('a refused AUTH TLS: exit 4 without certificate advice', async () => {
    const { url } = await scripted({ handlers: { AUTH: () => '502 AUTH not implemented' } });
    const r = await runCli(['ls', url.replace(/^ftp:/, 'ftpes:') + '/']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^ftpkit: TLS failed: .*refused AUTH TLS/);
    expect(r.stderr).not.toContain('--ca');
  });
});

const isRoot = process.getuid?.() === 0;
describe.runIf(isRoot)('errors that name the cause, against real vsftpd', () => {
  test('ftps:// against its plain port: exit 4, the plain-text sentence', async () => {
    await using server = await startServer('vsftpd', { tls: true });
    const r = await runCli(['ls', `ftps://${server.user}:${server.password}@${server.host}:${server.port}/`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      'ftpkit: The server answered in plain text, not TLS: the port does not speak implicit FTPS; use explicit FTPS (ftpes://) or plain FTP (ftp://).\n',
    );
  });
});

describe('secrets in text from the server', () => {
  test('a server that echoes the PASS line: no password on stderr or stdout, --verbose and --json included', async () => {
    const { server, url } = await scripted({ handlers: { PASS: (arg) => `500 'PASS ${arg}': command not understood` } });
    const target = url.replace('u:p@', 'u:hunter2%C3%A4@');
    for (const flags of [[], ['--verbose'], ['--json'], ['--json', '--verbose']]) {
      const r = await runCli(['ls', ...flags, `${target}/`]);
      expect(r.code, flags.join(' ')).toBe(5);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/hunter2|%C3%A4/);
      if (flags.length === 0) expect(r.stderr).toBe("ftpkit: Login refused by the server: 500 'PASS ****': command not understood.\n");
    }
    expect(server.received).toContain('PASS hunter2ä'); // sent to the server, and nowhere else
  });
});
