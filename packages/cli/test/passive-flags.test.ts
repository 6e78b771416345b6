/**
 * `--disable-epsv` and `--no-ftp-skip-pasv-ip` (curl's flags): passive mode with PASV only, and
 * data connections to the address a PASV reply names. The scripted server names 127.0.0.5 in its
 * PASV replies while its data listener is on 127.0.0.1, as a server behind a NAT does: by default
 * ftpkit connects to the control host and the transfer works; told to trust the PASV address it
 * connects to 127.0.0.5, where nothing listens, and fails there.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '@ftpkit/testkit';
import { runCli } from './run-cli.js';

let work: string;
let server: ScriptedServer;
let url: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ftpkit-cli-passive-'));
  server = await startScriptedServer({ passiveAddress: '127.0.0.5', files: { 'hello.txt': 'hello\n' } });
  url = `ftp://u:p@${server.host}:${server.port}/hello.txt`;
});
afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});
const cli = (...args: string[]) => runCli(args, { cwd: work, env: { HOME: work } });

test('--disable-epsv sends PASV and never EPSV, and the data goes to the control host', async () => {
  const got = await cli('get', '--verbose', '--disable-epsv', url, join(work, 'a.txt'));
  expect(got.code).toBe(0);
  expect(got.stderr).toContain('> PASV');
  expect(got.stderr).not.toContain('> EPSV');
  expect(await readFile(join(work, 'a.txt'), 'utf8')).toBe('hello\n');
  // Without the flag the same command asks for EPSV.
  const plain = await cli('get', '--verbose', url, join(work, 'b.txt'));
  expect(plain.code).toBe(0);
  expect(plain.stderr).toContain('> EPSV');
});

test('--no-ftp-skip-pasv-ip connects to the address in the PASV reply', async () => {
  const got = await cli('get', '--disable-epsv', '--no-ftp-skip-pasv-ip', '--retry', '0', '--timeout', '3', url, join(work, 'c.txt'));
  // 127.0.0.5 refuses: a failed data connection (exit 3), which names where it went.
  expect(got.code).toBe(3);
  expect(got.stderr).toContain('127.0.0.5');
});
