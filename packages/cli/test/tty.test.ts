// Progress on a real terminal: the binary runs under util-linux `script`, which gives it a pty, and
// the bar must be redrawn in place (carriage returns, erase to end of line) and end at 100%.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type RunningServer } from '@ftpkit/testkit';
import { BIN } from './run-cli.js';

let server: RunningServer;
let work: string;

beforeAll(async () => {
  server = await startServer('ftp-srv', {});
  work = await mkdtemp(join(tmpdir(), 'ftpkit-cli-tty-'));
  await writeFile(join(work, 'ca.pem'), server.caPem);
  // Large enough for several redraws at loopback speed (one every 100 ms).
  await writeFile(join(work, 'big.bin'), randomBytes(96 * 1024 * 1024));
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function underScript(args: string[]): Promise<string> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  // COLUMNS: `script` copies the size of its own terminal, and there is none here.
  const { stdout } = await promisify(execFile)('script', ['-qec', `stty cols 100 2>/dev/null; ${command}`, '/dev/null'], {
    cwd: work,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

test('put and get draw a progress bar redrawn in place on a terminal', async () => {
  const url = `ftpes://${server.user}:${server.password}@${server.host}:${server.port}/big.bin`;
  const ca = ['--ca', join(work, 'ca.pem')];
  for (const args of [['put', 'big.bin', url, ...ca], ['get', url, 'back.bin', ...ca]]) {
    const out = await underScript(args);
    const frames = out.split('\r').filter((f) => f.includes('big.bin'));
    expect(frames.length, out).toBeGreaterThanOrEqual(2);
    // Every frame clears the rest of the line; only the last ends it.
    for (const frame of frames) expect(frame).toMatch(/\x1b\[K/);
    expect(frames.at(-1)).toMatch(/^big\.bin +\[#{20}\] +100% 96 MiB\/96 MiB [\d.]+ \w+\/s [\dhms.]+\x1b\[K$/);
    // The final frame is followed by the line's end (the pty turns \n into \r\n).
    expect(out).toMatch(/100% 96 MiB\/96 MiB [^\r\n]*\x1b\[K\r?\n/);
    expect(frames.slice(0, -1).join('')).not.toContain('\n');
    expect(frames.some((f) => /ETA/.test(f)) || frames.length === 1).toBe(true);
  }
});

test('put -r --parallel 3 draws one line per running transfer, redrawn as a block', async () => {
  const dir = join(work, 'three');
  await mkdir(dir, { recursive: true });
  for (const name of ['a.bin', 'b.bin', 'c.bin']) await writeFile(join(dir, name), randomBytes(48 * 1024 * 1024));
  const url = `ftpes://${server.user}:${server.password}@${server.host}:${server.port}/three`;
  const out = await underScript(['put', '-r', '--parallel', '3', dir, url, '--ca', join(work, 'ca.pem')]);
  // The block is redrawn by moving up to its first line (CSI n F) over more than one line at once.
  const ups = [...out.matchAll(/\x1b\[(\d+)F/g)].map((m) => Number(m[1]));
  expect(ups.length, out).toBeGreaterThan(0);
  expect(Math.max(...ups), out).toBeGreaterThanOrEqual(2);
  // Each file ends once, as a permanent 100% line with its total time (no ETA).
  for (const name of ['a.bin', 'b.bin', 'c.bin']) {
    const finals = out.match(new RegExp(`${name.replace('.', '\\.')} +\\[#{20}\\] +100% 48 MiB/48 MiB [\\d.]+ \\w+/s [\\dhms.]+\\x1b\\[K`, 'g')) ?? [];
    expect(finals.length, out).toBe(1);
  }
  for (const name of ['a.bin', 'b.bin', 'c.bin']) expect((await stat(join(server.root, 'three', name))).size).toBe(48 * 1024 * 1024);
});
