/**
 * The lock of a journal (trees/journal-lock.ts): while a run writes a journal, another run of the
 * job is refused with JournalBusyError before anything moves; a lock whose holder is gone (no such
 * process, an earlier boot of the machine, a lock file torn by a kill) is taken over; a dry run only
 * reads and takes no lock. journal-kills.test.ts kills real runs and starts them again, each over
 * the lock its killed predecessor left.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { rejectionOf, startScriptedServer, treeHandlers } from '@ftpkit/testkit';
import { Client, JournalBusyError } from '../src/index.js';
import { bootId } from '../src/io/fs.js';
import { Journal } from '../src/trees/journal.js';
import { lockPathOf } from '../src/trees/journal-lock.js';
import { JOB, journalScratch, V } from './journal-fixtures.js';

const scratch = journalScratch('ftpkit-journal-lock-');
const { fresh } = scratch;

/** The id of a process that ran and is gone. */
async function gonePid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('one run at a time', () => {
  test('while a run holds the journal, another is refused naming the process and the lock; once it closes, the next goes on', async () => {
    const path = fresh();
    const first = await Journal.open(path, JOB);
    await first.done('a.txt', V);
    const before = await readFile(path, 'utf8');
    const err = await rejectionOf(Journal.open(path, JOB));
    expect(err).toBeInstanceOf(JournalBusyError);
    expect(err).toMatchObject({ code: 'ERR_FTP_JOURNAL_BUSY', path, lockPath: lockPathOf(path), pid: process.pid });
    expect((err as Error).message).toContain(`process ${process.pid}`);
    expect(await readFile(path, 'utf8')).toBe(before);
    // A dry run reads it all the same, and takes no lock.
    const dry = await Journal.open(path, JOB, { readOnly: true });
    expect(dry.finished('a.txt', V)).toBe(true);
    await dry.close();
    await first.close();
    expect(await readdir(join(path, '..'))).toEqual(['job.journal']);
    const next = await Journal.open(path, JOB);
    expect(next.finished('a.txt', V)).toBe(true);
    await next.remove();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  test('a lock whose process is gone, of an earlier boot, or torn by a kill is taken over', async () => {
    const boot = await bootId();
    const stale = [
      `${JSON.stringify({ pid: await gonePid(), ...(boot ? { boot } : {}), token: 'gone' })}\n`,
      ...(boot ? [`${JSON.stringify({ pid: process.pid, boot: 'an-earlier-boot', token: 'rebooted' })}\n`] : []),
      '',
      '{"pid":',
    ];
    for (const text of stale) {
      const path = fresh();
      await (await Journal.open(path, JOB)).close();
      await writeFile(lockPathOf(path), text);
      const journal = await Journal.open(path, JOB);
      const held = await readFile(lockPathOf(path), 'utf8');
      expect(JSON.parse(held)).toMatchObject({ pid: process.pid });
      await journal.close();
      expect(await readdir(join(path, '..'))).toEqual(['job.journal']);
    }
  });

  test('a lock of a process that runs, in this boot, is not taken over', async () => {
    const path = fresh();
    const boot = await bootId();
    await (await Journal.open(path, JOB)).close();
    // The parent of this test process runs as long as the test does.
    await writeFile(lockPathOf(path), `${JSON.stringify({ pid: process.ppid, ...(boot ? { boot } : {}), token: 'parent' })}\n`);
    expect(await rejectionOf(Journal.open(path, JOB))).toMatchObject({ code: 'ERR_FTP_JOURNAL_BUSY', pid: process.ppid });
  });
});

test('a tree call whose journal another run holds moves nothing', async () => {
  const files: Record<string, Uint8Array> = { '/t/a.txt': new TextEncoder().encode('alpha') };
  await using server = await startScriptedServer({
    handlers: treeHandlers({
      list: (p) => (p === '/t' ? [{ name: 'a.txt', type: 'file', size: 5 }] : p === '/' ? [{ name: 't', type: 'dir' }] : undefined),
      read: (p) => files[p],
    }),
  });
  await using client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' });
  const target = await mkdtemp(join(scratch.dir(), 'call-'));
  const journal = join(target, 'job.journal');
  const other = await Journal.open(journal, JOB);
  const before = server.received.length;
  const err = await rejectionOf(client.downloadDir('/t', join(target, 'copy'), { journal }));
  expect(err).toBeInstanceOf(JournalBusyError);
  expect(server.received.length).toBe(before);
  expect(await readdir(target)).not.toContain('copy');
  // The other run ends (its job done, its journal gone): this one goes on.
  await other.remove();
  await client.downloadDir('/t', join(target, 'copy'), { journal });
  expect(await readFile(join(target, 'copy', 'a.txt'), 'utf8')).toBe('alpha');
});
