/**
 * `--pipelining` (lftp's `set ftp:sync-mode off`): a mirror down from vsftpd sends the next
 * file's EPSV and RETR while the running transfer has not ended, which the verbose log shows as a
 * RETR written before the previous file's 226; without the flag every RETR waits for it.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer } from '@ftpkit/testkit';
import { runCli } from './run-cli.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ftpkit-cli-pipelining-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});
const cli = (...args: string[]) => runCli(args, { cwd: work, env: { HOME: work } });

/** How many RETRs of `log` were written before the 226 of the transfer ahead of them. */
function retrsAhead(log: string): number {
  let running = 0;
  let ahead = 0;
  for (const line of log.split('\n')) {
    if (line.startsWith('> RETR ')) {
      if (running > 0) ahead++;
      running++;
    } else if (line.startsWith('< 226 ') && running > 0) running--;
  }
  return ahead;
}

test.runIf(process.getuid?.() === 0)('vsftpd: mirror --pipelining sends the next RETR before the running one ends, and every file arrives whole', async () => {
  await using vsftpd = await startServer('vsftpd', { tls: false, anonymous: false });
  const url = `ftp://${vsftpd.user}:${vsftpd.password}@${vsftpd.host}:${vsftpd.port}`;
  const src = join(work, 'src');
  await mkdir(src);
  const names = Array.from({ length: 6 }, (_, i) => `f${i}.txt`);
  for (const name of names) await writeFile(join(src, name), `${name}\n`.repeat(100));
  expect((await cli('mirror', src, `${url}/tree/`)).code).toBe(0);
  for (const [flags, dir] of [[['--pipelining'], 'piped'], [[], 'plain']] as const) {
    const got = await cli('mirror', '--verbose', ...flags, `${url}/tree/`, join(work, dir));
    expect(got.code, got.stderr).toBe(0);
    for (const name of names) expect(await readFile(join(work, dir, name), 'utf8')).toBe(`${name}\n`.repeat(100));
    if (dir === 'piped') expect(retrsAhead(got.stderr)).toBeGreaterThan(0);
    else expect(retrsAhead(got.stderr)).toBe(0);
  }
});
