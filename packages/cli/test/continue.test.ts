/**
 * `--continue` and `--journal` on mirror, get -r and put -r: the client's `journal`. A mirror killed
 * (SIGKILL) once it has finished a file goes on when the same command runs again: the finished file
 * is not fetched again, the one it was in the middle of resumes (REST), every file ends whole, and
 * the journal (in `$XDG_STATE_HOME/ftpkit/journals/`, named by a hash, holding no password) is gone.
 * A journal of another job exits 2.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type RunningServer } from '@ftpkit/testkit';
import { BIN, runCli } from './run-cli.js';

let server: RunningServer;
let work: string;
let url: string;
const FILES: Record<string, Buffer> = { 'a.bin': randomBytes(200_000), 'b.bin': randomBytes(600_000), 'c.bin': randomBytes(300_000), 'd/e.txt': Buffer.from('echo') };

beforeAll(async () => {
  server = await startServer('pyftpdlib', {});
  work = await mkdtemp(join(tmpdir(), 'ftpkit-cli-continue-'));
  for (const [path, bytes] of Object.entries(FILES)) {
    await mkdir(join(server.root, 'tree', path, '..'), { recursive: true });
    await writeFile(join(server.root, 'tree', path), bytes);
  }
  url = `ftp://${server.user}:${server.password}@${server.host}:${server.port}`;
});
afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const env = () => ({ HOME: work, XDG_STATE_HOME: join(work, 'state') });
const cli = (...args: string[]) => runCli(args, { cwd: work, env: env() });
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Everything in the journals folder: while a job runs, its journal and the journal's lock (a dot file). */
const stateFiles = () => readdir(join(work, 'state', 'ftpkit', 'journals')).catch(() => [] as string[]);
const journals = async () => (await stateFiles()).filter((name) => !name.startsWith('.'));

/** Run the CLI, and kill it (SIGKILL) once `ready()` holds; resolves when it has died. */
async function killWhen(args: readonly string[], ready: () => Promise<boolean>): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env: { ...process.env, ...env() }, stdio: 'ignore' });
  const ended = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  let gone = false;
  void ended.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (!gone && Date.now() < deadline && !(await ready())) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  expect(await ended, 'the command was killed before it could end').toBe('SIGKILL');
}

for (const command of ['mirror', 'get -r'] as const) {
  test(`${command} --continue, killed after its first file, goes on: nothing finished is fetched again, the partial file resumes`, async () => {
    const local = join(work, command === 'mirror' ? 'mirror' : 'get');
    const args = [...command.split(' '), '--continue', `${url}/tree/`, local];
    // 64 KiB/s: a.bin takes about 3 s, so the kill falls inside b.bin.
    await killWhen([...args, '--limit-rate', '64K'], async () => {
      const [name] = await journals();
      if (!name) return false;
      const text = await readFile(join(work, 'state', 'ftpkit', 'journals', name), 'utf8');
      const part = await stat(join(local, '.b.bin.journal.ftpkit-part')).catch(() => undefined);
      return text.includes('"done":"a.bin"') && (part?.size ?? 0) > 0;
    });
    const [name] = await journals();
    expect(name).toMatch(/^download-[0-9a-f]{32}\.journal$/);
    expect(await readFile(join(work, 'state', 'ftpkit', 'journals', name!), 'utf8')).not.toContain(server.password);

    // The same command (the rate is no part of the job), with the protocol log to see the REST.
    const again = await cli(...args, '--json', '--verbose');
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout) as { finishedEarlier: string[]; unchanged: string[]; transfers: { remote: string }[]; journal: string };
    // A mirror finds a.bin up to date by itself (size and time); get -r copies all, so the journal tells.
    if (command === 'mirror') expect(result.unchanged).toEqual(['a.bin']);
    else expect(result.finishedEarlier).toEqual(['a.bin']);
    expect(result.transfers.map((t) => t.remote)).not.toContain('tree/a.bin');
    expect(result.journal).toBe(join(work, 'state', 'ftpkit', 'journals', name!));
    expect(again.stderr).not.toMatch(/> RETR tree\/a\.bin/);
    expect(again.stderr).toMatch(/> REST [1-9]\d*\r?\n(?:.*\r?\n)*?> RETR tree\/b\.bin/);
    for (const [path, bytes] of Object.entries(FILES)) expect(digest(await readFile(join(local, path))), path).toBe(digest(bytes));
    expect(await readdir(local)).not.toContain('.b.bin.journal.ftpkit-part');
    expect(await stateFiles()).toEqual([]);
  });
}

test('put -r --continue with --journal FILE, and get -r: the journal at FILE, removed once done', async () => {
  const journal = join(work, 'put.journal');
  const r = await cli('put', '-r', '--journal', journal, join(work, 'mirror'), `${url}/up/`);
  expect(r.code, r.stderr).toBe(0);
  for (const [path, bytes] of Object.entries(FILES)) expect(digest(await readFile(join(server.root, 'up', 'mirror', path))), path).toBe(digest(bytes));
  await expect(stat(journal)).rejects.toThrow();
  const g = await cli('get', '-r', '--continue', `${url}/up/mirror`, join(work, 'got'));
  expect(g.code, g.stderr).toBe(0);
  expect(digest(await readFile(join(work, 'got', 'b.bin')))).toBe(digest(FILES['b.bin']!));
  expect(await stateFiles()).toEqual([]);
});

test('a --journal of another job exits 2 and is left alone; --continue on one file is a usage error', async () => {
  const journal = join(work, 'notes.txt');
  await writeFile(journal, 'my notes\n');
  const r = await cli('mirror', '--journal', journal, '--json', `${url}/tree/`, join(work, 'other'));
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FTP_JOURNAL_MISMATCH', exitCode: 2 } });
  expect(await readFile(journal, 'utf8')).toBe('my notes\n');
  // A journal another run is writing (its lock names this test's process, which runs): exit 2, nothing copied.
  const busy = join(work, 'busy.journal');
  await writeFile(join(work, '.busy.journal.lock'), `${JSON.stringify({ pid: process.pid, token: 'test' })}\n`);
  const b = await cli('mirror', '--journal', busy, '--json', `${url}/tree/`, join(work, 'busy'));
  expect(b.code).toBe(2);
  expect(JSON.parse(b.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FTP_JOURNAL_BUSY', exitCode: 2 } });
  await expect(stat(join(work, 'busy'))).rejects.toThrow();
  expect((await cli('get', '--continue', `${url}/tree/a.bin`, join(work, 'one.bin'))).code).toBe(2);
  expect((await cli('get', '-r', '--resume', `${url}/tree/`, join(work, 'one'))).code).toBe(2);
});
