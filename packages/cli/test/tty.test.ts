// Progress on a real terminal: the binary runs under util-linux `script`, which gives it a pty, and
// the bar must be redrawn in place (carriage returns, erase to end of line) and end at 100%.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
