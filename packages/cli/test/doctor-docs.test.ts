// The generated section of docs-src/guides/doctor.md ("What doctor says about real servers") must be
// what `ftpkit doctor` prints now: scripts/doctor-docs.mjs --check runs every testkit server and the
// two scripted ones, fixes the ports as the page shows them, and fails on any other difference.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

test('the doctor guide shows what ftpkit doctor prints for each testkit server', async () => {
  const script = fileURLToPath(new URL('../scripts/doctor-docs.mjs', import.meta.url));
  const run = await promisify(execFile)(process.execPath, [script, '--check']).catch((err: { stdout: string; stderr: string }) => err);
  expect(run.stderr).toBe('');
  expect(run.stdout).toBe('docs-src/guides/doctor.md is up to date\n');
}, 180_000);
