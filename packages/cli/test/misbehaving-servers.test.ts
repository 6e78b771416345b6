// The real binary against scripted servers that misbehave: listings no parser reads, a server that
// takes `LIST -a up` for the path "-a up". Each asserts the exit code, the one sentence on stderr
// and what is left on the server.
import { afterEach, describe, expect, test } from 'vitest';
import { fileTree, startScriptedServer, treeHandlers, type ScriptedServer, type ScriptedServerOptions } from '@ftpkit/testkit';
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
