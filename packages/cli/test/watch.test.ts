// `ftpkit watch` with the real binary against the scripted server's in-memory tree, changed by the
// test while the command runs: one line per event (or one JSON line with --json), --count to stop,
// usage errors and a folder that is not there.
import { spawn } from 'node:child_process';
import { afterEach, expect, test } from 'vitest';
import { fileTree, startScriptedServer, treeHandlers, type FileTree, type ScriptedServer } from '@ftpkit/testkit';
import { BIN, runCli } from './run-cli.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(tree: FileTree): Promise<string> {
  const server = await startScriptedServer({ handlers: treeHandlers(tree) });
  servers.push(server);
  return `ftp://u:p@${server.host}:${server.port}`;
}

/** The binary, running: its stdout lines as they come, and how it ended. */
function running(args: readonly string[]): { readonly lines: string[]; line(n: number): Promise<void>; readonly exit: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return {
    lines,
    exit,
    line: async (n) => {
      const deadline = performance.now() + 15_000;
      while (lines.length < n) {
        if (child.exitCode !== null || performance.now() > deadline) throw new Error(`no line ${n}; stdout: ${lines.join(' | ')}; stderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

test('watch --initial: a line per event, folders with a slash, sizes; --count ends it with exit 0', async () => {
  const tree = fileTree({ '/in/a.txt': 'alpha', '/in/sub/b.txt': 'b' });
  const url = await serve(tree);
  const cli = running(['watch', '--initial', '--interval', '0.1', '--stable', '0.2', '--count', '4', `${url}/in/`]);
  await cli.line(2); // `sub/` at once, then a.txt once stable
  expect(cli.lines).toEqual(['added sub/', 'added a.txt (5 bytes)']);
  tree.files.set('/in/a.txt', new TextEncoder().encode('alpha, longer'));
  await cli.line(3);
  tree.files.delete('/in/a.txt');
  const { code, stderr } = await cli.exit;
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(cli.lines).toEqual(['added sub/', 'added a.txt (5 bytes)', 'changed a.txt (13 bytes, was 5)', 'removed a.txt']);
});

test('watch -r --json: one JSON line per event, then the document of the command', async () => {
  const url = await serve(fileTree({ '/in/sub/b.txt': 'bb' }));
  const cli = await runCli(['watch', '-r', '--json', '--initial', '--interval', '0.1', '--stable', '0', '--count', '2', `${url}/in/`]);
  expect(cli.code).toBe(0);
  expect(cli.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
    { kind: 'added', path: 'sub', remote: 'in/sub', type: 'directory', modifiedAt: '2020-01-02T00:00:00.000Z' },
    { kind: 'added', path: 'sub/b.txt', remote: 'in/sub/b.txt', type: 'file', size: 2, modifiedAt: '2020-01-02T00:00:00.000Z' },
    { ok: true, command: 'watch', path: 'in', events: 2 },
  ]);
});

test('usage errors and a missing folder', async () => {
  const url = await serve(fileTree({ '/in/a.txt': 'a' }));
  for (const flags of [['--interval', '0'], ['--stable', '-1'], ['--count', '0'], ['--interval', 'soon']]) {
    const r = await runCli(['watch', ...flags, `${url}/in/`]);
    expect(r.code, flags.join(' ')).toBe(2);
  }
  expect((await runCli(['watch', `${url}/in/`, `${url}/in/`])).code).toBe(2);
  const missing = await runCli(['watch', '--interval', '0.1', `${url}/nowhere/`]);
  expect(missing.code).toBe(6);
  expect(missing.stderr).toMatch(/^ftpkit: The server refused LIST/);
});
