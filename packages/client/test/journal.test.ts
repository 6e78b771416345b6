/**
 * The journal of tree jobs (trees/journal.ts): its file format (a CRC a line; a torn or damaged line
 * is skipped, never applied), the refusal of another job's journal, compaction, and what a tree
 * call does with it against a scripted server: a mismatch stops it before anything moves, a dry run
 * writes nothing, a success removes the journal and a failure keeps it. With it: a tree download
 * whose data connection ends short is a retryable `ConnectionError`, never a short file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { rejectionOf, sendAndClose, startScriptedServer, startServer, treeHandlers, type ScriptContext, type ScriptedServer, type TreeEntrySpec } from '@ftpkit/testkit';
import { Client, ConnectionError, isRetryable, JournalMismatchError, LocalFileError, type LogEntry } from '../src/index.js';
import { bootId } from '../src/io/fs.js';
import { COMPACT_MIN_RECORDS, Journal, jobOf, type JournalJob } from '../src/trees/journal.js';
import { JOB, journalScratch, V } from './journal-fixtures.js';

const scratch = journalScratch('ftpkit-journal-');
const { fresh } = scratch;
const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');

describe('the file', () => {
  test('a new journal is its job; records read back once it is opened again', async () => {
    const path = fresh();
    const journal = await Journal.open(path, JOB);
    await journal.done('a.txt', V);
    await journal.part('b.bin', V, 4);
    await journal.upload('c.bin', V, undefined);
    await journal.close();
    const text = await lines(path);
    expect(text).toHaveLength(4);
    // Each line: the CRC-32 of its JSON, then the JSON; the job holds no user name.
    for (const line of text) expect(line).toMatch(/^[0-9a-f]{8} \{.*\}$/);
    expect(text[0]).toContain('"kind":"downloadDir"');
    expect(text[0]).not.toContain('u@127.0.0.1');

    const again = await Journal.open(path, JOB);
    expect(again.finished('a.txt', V)).toBe(true);
    expect(again.finished('a.txt', { ...V, size: 11 })).toBe(false); // another version of the source
    expect(again.heldOf('b.bin', V, 4)).toBe(4);
    expect(again.heldOf('b.bin', { ...V, time: 0 }, 4)).toBe(0);
    expect(again.uploadOf('c.bin', V)).toEqual({ before: undefined });
    expect(again.uploadOf('a.txt', V)).toBeUndefined();
    await again.remove();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  test('a torn last line (a kill mid-write) is skipped, and cut off before the next record', async () => {
    const path = fresh();
    const journal = await Journal.open(path, JOB);
    await journal.done('a.txt', V);
    await journal.close();
    const whole = await readFile(path, 'utf8');
    const torn = '1234abcd {"done":"b.txt","si';
    await writeFile(path, whole + torn);
    const again = await Journal.open(path, JOB);
    expect(again.finished('a.txt', V)).toBe(true);
    expect(again.finished('b.txt', V)).toBe(false);
    await again.done('c.txt', V);
    await again.close();
    expect(await readFile(path, 'utf8')).not.toContain(torn);
    const third = await Journal.open(path, JOB, { readOnly: true });
    expect(third.finished('c.txt', V)).toBe(true);
  });

  test('a line whose CRC does not match is skipped; the lines after it count', async () => {
    const path = fresh();
    const journal = await Journal.open(path, JOB);
    await journal.done('a.txt', V);
    await journal.done('b.txt', V);
    await journal.close();
    const [header, a, b] = await lines(path);
    // One byte of a's record changed (10 → 19 bytes), its CRC left as it was.
    await writeFile(path, [header, a!.replace('"size":10', '"size":19'), b, ''].join('\n'));
    const again = await Journal.open(path, JOB, { readOnly: true });
    expect(again.finished('a.txt', V)).toBe(false);
    expect(again.finished('a.txt', { ...V, size: 19 })).toBe(false);
    expect(again.finished('b.txt', V)).toBe(true);
  });

  test('a first line torn by a kill, or zeros a crash left, is a new journal', async () => {
    for (const text of ['', '0a1b', '0a1b2c3d {"journal":"ftp', '\0\0\0\0']) {
      const path = fresh();
      const journal = await Journal.open(path, JOB);
      await journal.close();
      await writeFile(path, text);
      const again = await Journal.open(path, JOB);
      await again.done('a.txt', V);
      await again.close();
      expect(await lines(path), JSON.stringify(text)).toHaveLength(2);
    }
  });

  test("another job's journal is refused, naming what differs, and left as it was", async () => {
    const path = fresh();
    const journal = await Journal.open(path, JOB);
    await journal.done('a.txt', V);
    await journal.close();
    const before = await readFile(path);
    const others: [JournalJob, string][] = [
      [jobOf('uploadDir', 'upload', 'u@127.0.0.1:21', '/pub', '/tmp/pub', {}), 'kind'],
      [jobOf('downloadDir', 'download', 'v@127.0.0.1:21', '/pub', '/tmp/pub', {}), 'server'],
      [jobOf('downloadDir', 'download', 'u@127.0.0.1:2121', '/pub', '/tmp/pub', {}), 'server'],
      [jobOf('downloadDir', 'download', 'u@127.0.0.1:21', '/pub/x', '/tmp/pub', {}), 'remote'],
      [jobOf('downloadDir', 'download', 'u@127.0.0.1:21', '/pub', '/tmp/other', {}), 'local'],
      [jobOf('downloadDir', 'download', 'u@127.0.0.1:21', '/pub', '/tmp/pub', { exclude: ['*.tmp'] }), 'options'],
    ];
    for (const [job, field] of others) {
      const err = await rejectionOf(Journal.open(path, job));
      expect(err, field).toBeInstanceOf(JournalMismatchError);
      expect((err as JournalMismatchError).field).toBe(field);
      expect((err as JournalMismatchError).code).toBe('ERR_FTP_JOURNAL_MISMATCH');
      expect((err as JournalMismatchError).path).toBe(path);
    }
    expect(await readFile(path)).toEqual(before);
  });

  test('a file that is no journal (or of another format) is refused and left alone', async () => {
    for (const text of ['hello\nworld\n', 'notes without a newline', `00000000 {"journal":"ftpkit-journal","version":99}\n`]) {
      const path = fresh();
      await Journal.open(path, JOB).then((j) => j.close());
      await writeFile(path, text);
      const err = await rejectionOf(Journal.open(path, JOB));
      expect(err, text).toBeInstanceOf(JournalMismatchError);
      expect((err as JournalMismatchError).field).toBe('format');
      expect(await readFile(path, 'utf8')).toBe(text);
    }
  });

  test('a journal that grew is compacted when opened: the same state in one record a file', async () => {
    const path = fresh();
    const journal = await Journal.open(path, JOB);
    for (let i = 1; i <= COMPACT_MIN_RECORDS; i++) await journal.part(`f${i % 3}.bin`, V, i);
    await journal.done('f0.bin', V);
    await journal.close();
    expect(await lines(path)).toHaveLength(COMPACT_MIN_RECORDS + 2);
    const again = await Journal.open(path, JOB);
    await again.close();
    expect(await lines(path)).toHaveLength(1 + 3);
    const read = await Journal.open(path, JOB, { readOnly: true });
    expect(read.finished('f0.bin', V)).toBe(true);
    // The part records kept their offsets (the last of each file).
    expect(read.heldOf('f1.bin', V, 10_000)).toBeGreaterThanOrEqual(COMPACT_MIN_RECORDS - 2);
    expect(read.heldOf('f2.bin', V, 10_000)).toBeGreaterThanOrEqual(COMPACT_MIN_RECORDS - 2);
  });

  test('a part file keeps what the disk holds in the same boot, and no more than the record claims after a crash', async () => {
    const path = fresh();
    const journal = await Journal.open(path, JOB);
    await journal.part('a.bin', V, 100);
    await journal.close();
    const same = await Journal.open(path, JOB, { readOnly: true });
    // A kill loses no write: bytes past the last record are good (when the system names its boot).
    expect(same.heldOf('a.bin', V, 250)).toBe((await bootId()) === undefined ? 100 : 250);
    expect(same.heldOf('a.bin', V, 50)).toBe(50);
    // The record of another boot: the machine went down since, and only synced bytes are sure.
    const [header, record] = await lines(path);
    const other = JSON.parse(record!.slice(9)) as Record<string, unknown>;
    other['boot'] = '00000000-0000-0000-0000-000000000000';
    const json = JSON.stringify(other);
    await writeFile(path, `${header}\n${crc32(json).toString(16).padStart(8, '0')} ${json}\n`);
    const after = await Journal.open(path, JOB, { readOnly: true });
    expect(after.heldOf('a.bin', V, 250)).toBe(100);
    expect(after.heldOf('a.bin', V, 50)).toBe(50);
  });

  test('read only (a dry run): nothing is created, and records are not written', async () => {
    const path = fresh();
    const journal = await Journal.open(path, JOB, { readOnly: true });
    await journal.done('a.txt', V);
    await journal.remove();
    await expect(readdir(join(path, '..'))).rejects.toThrow();
  });
});

describe('tree calls with a journal, against a scripted server', () => {
  const FILES: Record<string, Uint8Array> = { '/t/a.bin': new Uint8Array(100_000).fill(7), '/t/b.txt': new TextEncoder().encode('bravo') };
  const list = (path: string): TreeEntrySpec[] | undefined =>
    path === '/t' ? Object.entries(FILES).map(([p, bytes]) => ({ name: p.slice(3), type: 'file' as const, size: bytes.length })) : path === '/' ? [{ name: 't', type: 'dir' }] : undefined;
  let server: ScriptedServer | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    await client?.close().catch(() => {});
    await server?.close();
    client = server = undefined;
  });
  /** A server of `/t`, whose RETR sends at most `cap(path, offset)` bytes of the rest, then 226 (no size in the 150). */
  async function connect(cap: (path: string, offset: number) => number = () => Infinity, sizeOf?: (path: string) => number): Promise<Client> {
    server = await startScriptedServer({
      handlers: {
        ...treeHandlers({ list, read: (path) => FILES[path] }),
        ...(sizeOf ? { SIZE: (arg: string) => `213 ${sizeOf(arg)}` } : {}),
        RETR: async (arg: string, ctx: ScriptContext) => {
          const bytes = FILES[arg];
          if (!bytes) return '550 No such file';
          const offset = ctx.restAt;
          ctx.restAt = 0;
          const data = await ctx.acceptData();
          ctx.reply('150 Opening data connection');
          await sendAndClose(data, bytes.subarray(offset, offset + Math.min(bytes.length - offset, cap(arg, offset))));
          return '226 Transfer complete';
        },
      },
    });
    return (client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' }));
  }
  const retrs = () => server!.received.filter((l) => l.startsWith('RETR')).length;

  test('a mismatched journal stops the call before anything is listed or fetched', async () => {
    const c = await connect();
    const target = await mkdtemp(join(scratch.dir(), 'mis-'));
    const journal = join(target, 'job.journal');
    await c.downloadDir('/t', join(target, 'one'), { journal: join(target, 'keep.journal'), exclude: ['nothing'] });
    // Another job's journal (another local folder) at the same path.
    const other = await Journal.open(journal, jobOf('downloadDir', 'download', 'u@127.0.0.1:1', '/t', join(target, 'x'), {}));
    await other.close();
    const before = server!.received.length;
    const err = await rejectionOf(c.downloadDir('/t', join(target, 'two'), { journal }));
    expect(err).toBeInstanceOf(JournalMismatchError);
    expect(server!.received.length).toBe(before);
    expect(await readdir(target)).not.toContain('two');
  });

  test('a success removes the journal; a dry run creates none; a failure keeps it for the next run', async () => {
    const c = await connect();
    const target = await mkdtemp(join(scratch.dir(), 'life-'));
    const journal = join(target, 'state', 'job.journal');
    await c.mirror({ direction: 'download', remote: '/t', local: join(target, 'dry'), journal, dryRun: true });
    expect(await readdir(target)).toEqual([]);
    const stop = new AbortController();
    const aborted = c.downloadDir('/t', join(target, 'out'), {
      journal,
      onFile: (e) => {
        if (e.phase === 'finish') stop.abort();
      },
      signal: stop.signal,
    });
    await expect(aborted).rejects.toThrow();
    expect(await readdir(join(target, 'state'))).toEqual(['job.journal']);
    const retrsBefore = retrs();
    const result = await c.downloadDir('/t', join(target, 'out'), { journal });
    // The file finished before the abort is not fetched again.
    expect(result.finishedEarlier).toEqual(['a.bin']);
    expect(result.files).toBe(1);
    expect(retrs() - retrsBefore).toBe(1);
    expect(await readdir(join(target, 'state'))).toEqual([]);
    expect((await readFile(join(target, 'out', 'a.bin'))).equals(Buffer.from(FILES['/t/a.bin']!))).toBe(true);
  });

  test('a tree download whose data connection ends short is a retryable ConnectionError, never a short file', async () => {
    // The listing says 100 000 bytes; the first RETR sends 60 000 and a 226, with no size in its 150.
    let first = true;
    const cap = (path: string) => (path === '/t/a.bin' && first ? ((first = false), 60_000) : Infinity);
    const c = await connect(cap);
    const target = await mkdtemp(join(scratch.dir(), 'short-'));
    const err = await rejectionOf(c.downloadDir('/t', join(target, 'out')));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(isRetryable(err)).toBe(true);
    expect(await readdir(join(target, 'out'))).not.toContain('a.bin');
    await c.close();

    // With a retry it goes on from byte 60 000 (REST), and the file is whole.
    first = true;
    const again = await Client.connect({ host: server!.host, port: server!.port, user: 'u', password: 'p', retry: { retries: 1, delay: 1 } });
    client = again;
    await again.downloadDir('/t', join(target, 'retried'), { journal: join(target, 'j') });
    expect(server!.received).toContain('REST 60000');
    expect((await readFile(join(target, 'retried', 'a.bin'))).equals(Buffer.from(FILES['/t/a.bin']!))).toBe(true);
  });

  test('a run killed between a rename and its record: the file is there, its part file gone, so it is finished', async () => {
    const c = await connect();
    const target = await mkdtemp(join(scratch.dir(), 'renamed-'));
    const out = join(target, 'out');
    const journal = join(target, 'j');
    await c.downloadDir('/t', out);
    const listed = await c.list('/t');
    const version = (name: string) => {
      const entry = listed.find((e) => e.name === name)!;
      return { size: entry.size ?? null, time: entry.modifiedAt?.getTime() ?? null };
    };
    // What the killed run had written: both part files whole (a.bin renamed, b.txt not yet).
    const earlier = await Journal.open(journal, jobOf('downloadDir', 'download', `u@${server!.host}:${server!.port}`, '/t', out, {}));
    await earlier.part('a.bin', version('a.bin'), 100_000);
    await earlier.part('b.txt', version('b.txt'), 5);
    await earlier.close();
    await writeFile(join(out, '.b.txt.journal.ftpkit-part'), 'bravo');
    const before = server!.received.length;
    const result = await c.downloadDir('/t', out, { journal });
    expect(result.finishedEarlier).toEqual(['a.bin']);
    const sent = server!.received.slice(before);
    expect(sent).not.toContain('RETR /t/a.bin');
    // b.txt's part file is whole: it goes on from its end, and nothing more moves.
    expect(sent).toContain('REST 5');
    expect(result.bytes).toBe(0);
    expect(await readFile(join(out, 'b.txt'), 'utf8')).toBe('bravo');
  });

  test('a symbolic link where a part file goes is refused (ELOOP), and what it points to is left alone', async () => {
    const c = await connect();
    const target = await mkdtemp(join(scratch.dir(), 'link-'));
    await mkdir(join(target, 'out'));
    await writeFile(join(target, 'victim'), 'keep');
    await symlink(join(target, 'victim'), join(target, 'out', '.a.bin.journal.ftpkit-part'));
    const err = await rejectionOf(c.downloadDir('/t', join(target, 'out'), { journal: join(target, 'j') }));
    expect(err).toBeInstanceOf(LocalFileError);
    expect((err as LocalFileError).osCode).toBe('ELOOP');
    expect(await readFile(join(target, 'victim'), 'utf8')).toBe('keep');
  });

  test('a file that shrank after it was listed (SIZE says so) is taken at its new size', async () => {
    const c = await connect((path) => (path === '/t/a.bin' ? 60_000 : Infinity), (path) => (path === '/t/a.bin' ? 60_000 : FILES[path]!.length));
    const target = await mkdtemp(join(scratch.dir(), 'shrank-'));
    const result = await c.downloadDir('/t', join(target, 'out'));
    expect(result.bytes).toBe(60_000 + 5);
    expect((await readFile(join(target, 'out', 'a.bin'))).length).toBe(60_000);
  });
});

describe.runIf(process.getuid?.() === 0)('ProFTPD (mod_digest): a resumed copy is verified by checksum as a whole', () => {
  test.each(['download', 'upload'] as const)('%s: stopped half-way, run again with the journal: REST, and the checksum of the whole file matches', async (direction) => {
    await using proftpd = await startServer('proftpd', { anonymous: false });
    const big = randomBytes(3 * 1024 * 1024);
    const base = await mkdtemp(join(scratch.dir(), `digest-${direction}-`));
    const source = direction === 'download' ? join(proftpd.root, 'src') : join(base, 'src');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'big.bin'), big);
    await writeFile(join(source, 'small.txt'), 'small');
    const commands: string[] = [];
    const log = (e: LogEntry) => void (e.direction === '>' && commands.push(e.text));
    await using c = await Client.connect({ host: proftpd.host, port: proftpd.port, user: proftpd.user, password: proftpd.password, log, limitRate: 2 * 1024 * 1024 });
    const journal = join(base, 'job.journal');
    const local = direction === 'download' ? join(base, 'out') : source;
    const copy = (options: { signal?: AbortSignal; onProgress?: (p: { path: string; file: { bytes: number } }) => void }) =>
      direction === 'download'
        ? c.downloadDir('/src', local, { journal, verify: 'checksum', ...options })
        : c.uploadDir(local, '/up', { journal, verify: 'checksum', ...options });
    const stop = new AbortController();
    await expect(copy({ signal: stop.signal, onProgress: (p) => p.path === 'big.bin' && p.file.bytes > 1024 * 1024 && stop.abort() })).rejects.toThrow();
    commands.length = 0;
    const result = await copy({});
    expect(commands.some((line) => /^REST [1-9]/.test(line)), commands.join('\n')).toBe(true);
    expect(commands.some((line) => /^(HASH|XSHA|XMD5|XCRC)/.test(line))).toBe(true);
    // big.bin was cut, and small.txt (after it) not begun: nothing was finished before.
    expect(result.finishedEarlier).toEqual([]);
    const copied = direction === 'download' ? join(local, 'big.bin') : join(proftpd.root, 'up', 'big.bin');
    expect((await readFile(copied)).equals(big)).toBe(true);
  });
});
