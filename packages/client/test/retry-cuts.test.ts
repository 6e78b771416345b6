/**
 * Retry under random cuts, many seeds: a scripted server whose transfers and changes fail at random
 * points (testkit's `flakyHandlers`: data connections reset mid-transfer with a 426, control
 * connections dropped without a reply, changes carried out and their replies lost, or refused with
 * 450), against downloads, uploads, listings, directory transfers and the calls that change the
 * server, on a Client and on a Pool. After each run:
 * - every file is byte-identical to its source;
 * - no file was transferred twice in full: at most one transfer of a path ran from offset 0 to its
 *   end, and a resumable one never went back to an earlier offset;
 * - no change was carried out twice (the server's log of what it did), and no entry of a listing
 *   came twice.
 * The seed is random and printed; FTPKIT_RETRY_SEED replays one, FTPKIT_RETRY_RUNS sets the runs
 * per case.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FLAKY_FEATURES, fileTree, flakyHandlers, seededRandom, startScriptedServer, type FileTree, type FlakyLog } from '@ftpkit/testkit';
import { Client, Pool, type RemoteCalls, type RetryEvent } from '../src/index.js';

const SEED = Number(process.env['FTPKIT_RETRY_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env['FTPKIT_RETRY_RUNS'] ?? 10);
const KiB = 1024;

let scratch: string;
const totals = { runs: 0, retries: 0, cuts: 0 };
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-retry-cuts-'));
});
afterAll(async () => {
  console.log(`retry-cuts: seed ${SEED} (FTPKIT_RETRY_SEED replays it); ${JSON.stringify(totals)}`);
  await rm(scratch, { recursive: true, force: true });
});

/** One run: a tree on a flaky server, a Client or a Pool with retries, and a scratch folder. */
interface Run {
  readonly remote: RemoteCalls;
  readonly tree: FileTree;
  readonly log: FlakyLog;
  readonly local: string;
  readonly random: () => number;
  readonly retries: RetryEvent[];
}

/** Random file contents: mostly small, some over the 1 MiB below which an upload starts over rather than resume. */
function contents(random: () => number, count: number): Uint8Array[] {
  return Array.from({ length: count }, () => randomBytes(Math.floor(random() < 0.3 ? 1100 * KiB + random() * 1500 * KiB : random() * 300 * KiB)));
}

async function withRun(caseName: string, seed: number, files: Readonly<Record<string, Uint8Array>>, pool: boolean, body: (run: Run) => Promise<void>): Promise<void> {
  const random = seededRandom(seed);
  const tree = fileTree(files);
  const { handlers, log } = flakyHandlers({ tree, random, chance: 0.35 });
  const server = await startScriptedServer({ handlers, features: FLAKY_FEATURES });
  const retries: RetryEvent[] = [];
  const options = { host: server.host, port: server.port, user: 'u', password: 'p', retry: { retries: 25, delay: 0, onRetry: (e: RetryEvent) => retries.push(e) } };
  const remote: RemoteCalls = pool ? new Pool({ ...options, size: 3 }) : await Client.connect(options);
  const local = join(scratch, `${caseName}-${seed}`);
  await mkdir(local, { recursive: true });
  try {
    await body({ remote, tree, log, local, random, retries });
    totals.runs++;
    totals.retries += retries.length;
    totals.cuts += [...log.cuts.values()].reduce((a, b) => a + b, 0);
  } catch (err) {
    console.log(`${caseName}: seed ${seed} failed; cuts ${JSON.stringify([...log.cuts])}; retries ${retries.map((r) => `${r.call} ${r.path} @${r.resumeAt}: ${String(r.error)}`).join(' | ')}`);
    throw err;
  } finally {
    await (remote as Client | Pool).close();
    await server.close();
  }
}

/** No path moved in full twice; a resumable download never went back. */
function expectNothingTwice(log: FlakyLog, resumable: (path: string) => boolean, from = 0): void {
  const byPath = new Map<string, typeof log.transfers>();
  for (const t of log.transfers.slice(from)) byPath.set(`${t.command === 'RETR' ? 'get' : 'put'} ${t.path}`, [...(byPath.get(`${t.command === 'RETR' ? 'get' : 'put'} ${t.path}`) ?? []), t]);
  for (const [key, transfers] of byPath) {
    expect(transfers.filter((t) => t.offset === 0 && t.complete).length, `${key} moved in full more than once`).toBeLessThanOrEqual(1);
    if (!resumable(key.slice(4))) continue;
    const offsets = transfers.map((t) => t.offset);
    expect(offsets, `${key} went back to an earlier offset`).toEqual([...offsets].sort((a, b) => a - b));
  }
}

function expectNoChangeTwice(log: FlakyLog): void {
  expect(new Set(log.effects).size, `a change was carried out twice: ${log.effects.join(', ')}`).toBe(log.effects.length);
}

const seeds = (lane: number) => Array.from({ length: RUNS }, (_, i) => SEED + lane * 10_000 + i);

describe.each([false, true])('pool %s', (pool) => {
  const lane = pool ? 100 : 0;

  test.each(seeds(lane + 1))('download to a file and to a stream, seed %i', async (seed) => {
    const random = seededRandom(seed ^ 0x5eed);
    const [a, b] = contents(random, 2);
    await withRun('download', seed, { '/a.bin': a!, '/b.bin': b! }, pool, async ({ remote, log, local }) => {
      await remote.download('/a.bin', join(local, 'a.bin'));
      const chunks: Uint8Array[] = [];
      await remote.download('/b.bin', new WritableStream({ write: (c) => void chunks.push(c) }));
      expect((await readFile(join(local, 'a.bin'))).equals(a!)).toBe(true);
      expect(Buffer.concat(chunks).equals(b!)).toBe(true);
      expectNothingTwice(log, () => true);
    });
  });

  test.each(seeds(lane + 2))('upload from a file and from bytes, and append, seed %i', async (seed) => {
    const random = seededRandom(seed ^ 0x5eed);
    const [a, b, c] = contents(random, 3);
    await withRun('upload', seed, { '/log.txt': new Uint8Array([1, 2, 3]) }, pool, async ({ remote, tree, log, local }) => {
      await writeFile(join(local, 'a.bin'), a!);
      await remote.upload(join(local, 'a.bin'), '/a.bin');
      await remote.upload(b!, '/b.bin');
      await remote.append(c!, '/log.txt');
      expect(Buffer.from(tree.files.get('/a.bin')!).equals(a!)).toBe(true);
      expect(Buffer.from(tree.files.get('/b.bin')!).equals(b!)).toBe(true);
      expect(Buffer.from(tree.files.get('/log.txt')!).equals(Buffer.concat([new Uint8Array([1, 2, 3]), c!]))).toBe(true);
      const sizes = { '/a.bin': a!.length, '/b.bin': b!.length } as Record<string, number>;
      expectNothingTwice(log, (path) => (sizes[path] ?? 0) >= 1024 * KiB);
    });
  });

  test.each(seeds(lane + 3))('list and listEntries, seed %i', async (seed) => {
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`/d/f${String(i).padStart(4, '0')}`, new Uint8Array(i % 7)]));
    await withRun('list', seed, files, pool, async ({ remote }) => {
      const names = Object.keys(files).map((p) => p.slice(3));
      expect((await remote.list('/d')).map((e) => e.name).sort()).toEqual(names);
      const streamed: string[] = [];
      try {
        for await (const entry of remote.listEntries('/d')) streamed.push(entry.name);
        expect(streamed).toEqual(names);
      } catch (err) {
        // Only a listing that cannot go on may fail, and never with an entry twice.
        expect(new Set(streamed).size).toBe(streamed.length);
        throw err;
      }
    });
  });

  test.each(seeds(lane + 4))('downloadDir, uploadDir and mirror, seed %i', async (seed) => {
    const random = seededRandom(seed ^ 0x5eed);
    const bodies = contents(random, 6);
    const files = Object.fromEntries(bodies.map((body, i) => [`/src/${i % 2 ? 'sub/' : ''}f${i}.bin`, body]));
    await withRun('trees', seed, files, pool, async ({ remote, tree, log, local }) => {
      await remote.downloadDir('/src', join(local, 'down'));
      for (const [path, body] of Object.entries(files)) expect((await readFile(join(local, 'down', path.slice(5)))).equals(body)).toBe(true);
      await remote.uploadDir(join(local, 'down'), '/up');
      for (const [path, body] of Object.entries(files)) expect(Buffer.from(tree.files.get(`/up/${path.slice(5)}`)!).equals(body)).toBe(true);
      const large = (path: string) => path.startsWith('/src/') || (tree.files.get(path)?.length ?? 0) >= 1024 * KiB;
      expectNothingTwice(log, large);
      // A mirror that deletes: one file gone from the source, one changed (and the others newer than
      // the server's times, so copied again: a mirror's copies are checked on their own).
      const mark = log.transfers.length;
      await rm(join(local, 'down', 'f0.bin'));
      await writeFile(join(local, 'down', 'f2.bin'), 'changed');
      await remote.mirror({ direction: 'upload', local: join(local, 'down'), remote: '/up', delete: true });
      expect(tree.files.has('/up/f0.bin')).toBe(false);
      expect(new TextDecoder().decode(tree.files.get('/up/f2.bin'))).toBe('changed');
      expect((await readdir(join(local, 'down'))).sort()).toEqual(['f2.bin', 'f4.bin', 'sub']);
      expectNoChangeTwice(log);
      expectNothingTwice(log, large, mark);
    });
  });

  test.each(seeds(lane + 5))('remove, rename, mkdir and rmdir are never carried out twice, seed %i', async (seed) => {
    const files = { '/a': new Uint8Array([1]), '/b': new Uint8Array([2]), '/c': new Uint8Array([3]) };
    await withRun('changes', seed, files, pool, async ({ remote, tree, log }) => {
      await remote.mkdir('/new');
      await remote.rename('/a', '/new/a');
      await remote.remove('/b');
      await remote.mkdir('/gone');
      await remote.rmdir('/gone');
      await remote.mkdir('/deep/er/est', { recursive: true });
      expect([...tree.files.keys()].sort()).toEqual(['/c', '/new/a']);
      expect([...tree.folders].sort()).toEqual(['/', '/deep', '/deep/er', '/deep/er/est', '/new']);
      expectNoChangeTwice(log);
    });
  });
});
