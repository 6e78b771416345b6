/** What the journal tests share: a scratch folder for the file, a fresh journal path, a job and a version. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { jobOf, type FileVersion, type JournalJob } from '../src/trees/journal.js';

export const JOB: JournalJob = jobOf('downloadDir', 'download', 'u@127.0.0.1:21', '/pub', '/tmp/pub', {});
export const V: FileVersion = { size: 10, time: 1_700_000_000_000 };

/**
 * A scratch folder made before the file's tests and removed after them (`dir()`), and `fresh()`: a
 * journal path in a folder of its own, not yet made.
 */
export function journalScratch(prefix: string): { dir: () => string; fresh: () => string } {
  let dir: string | undefined;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return { dir: () => dir!, fresh: () => join(dir!, `j${++n}`, 'job.journal') };
}
