// `pnpm demo` (demo/run.mjs) must finish with its summary, exit 0, and leave no server behind.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

test('the demo runs end to end and exits 0', async () => {
  const script = fileURLToPath(new URL('../demo/run.mjs', import.meta.url));
  const before = new Set((await readdir(tmpdir())).filter((n) => n.startsWith('ftpkit-demo-')));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], { maxBuffer: 16 * 1024 * 1024 });
  expect(stdout).toMatch(/ftpkit demo OK: 7 files, [\d.]+ MiB uploaded and mirrored back over FTPS, sha256 checksums match, remote cleaned up/);
  // The second mirror has nothing to do.
  expect(stderr).toContain('downloaded 0 file(s), 0 bytes; 7 unchanged');
  // Its temporary folder is gone (the demo removes it before exiting).
  const after = (await readdir(tmpdir())).filter((n) => n.startsWith('ftpkit-demo-') && !before.has(n));
  expect(after).toEqual([]);
}, 120_000);

test.runIf(existsSync('/usr/sbin/danted'))('the demo through a SOCKS5 proxy (Dante) runs end to end and exits 0', async () => {
  const script = fileURLToPath(new URL('../demo/run.mjs', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script, '--proxy'], { maxBuffer: 16 * 1024 * 1024 });
  expect(stdout).toMatch(/ftpkit demo OK: 7 files, [\d.]+ MiB uploaded and mirrored back over FTPS through a SOCKS5 proxy, sha256 checksums match/);
  expect(stdout).toMatch(/--proxy socks5h:\/\/127\.0\.0\.1:\d+/);
}, 120_000);
