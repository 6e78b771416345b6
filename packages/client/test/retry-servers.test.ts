/**
 * Retry against real servers (vsftpd and pyftpdlib) through testkit's cut proxy: one call each, cut
 * several times at random points while it runs (a data connection reset, or the whole network
 * dropped, control connection included), must finish on its own, byte-identical, having moved less
 * than twice the file's bytes (counted by the proxy), each attempt going on from further than the
 * one before. The seed is random and printed; FTPKIT_RETRY_SEED replays one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seededRandom, startCutProxy, startServer, type CutProxy, type RunningServer, type ServerKind } from '@ftpkit/testkit';
import { Client, Pool, type ClientOptions, type RetryEvent } from '../src/index.js';

const SEED = Number(process.env['FTPKIT_RETRY_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const MiB = 1024 * 1024;
const SIZE = 8 * MiB + 5;
const CUTS = 3;
const KINDS: readonly ServerKind[] = ['vsftpd', 'pyftpdlib'];
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-retry-servers-'));
});
afterAll(async () => {
  console.log(`retry-servers: seed ${SEED} (FTPKIT_RETRY_SEED replays it)`);
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Arm the proxy's next cut now, and again at each retry until `cuts` have been made: each after a
 * random number of data bytes (the first within the first half of the file), every other one a
 * dropped network. Returns the `onRetry` that re-arms, and the events it saw.
 */
function cutter(proxy: CutProxy, random: () => number, cuts: number, size: number): { onRetry: (event: RetryEvent) => void; events: RetryEvent[] } {
  const events: RetryEvent[] = [];
  let made = 0;
  const arm = (): void => {
    if (made >= cuts) return;
    const all = made % 2 === 1;
    made++;
    void proxy.cutNextData(64 * 1024 + Math.floor(random() * (size / (cuts + 1))), { all }).catch(() => {});
  };
  arm();
  return {
    onRetry: (event) => {
      events.push(event);
      arm();
    },
    events,
  };
}

describe.concurrent.each(KINDS)('%s through the cut proxy', (kind) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(kind, {});
  });
  afterAll(async () => {
    await server?.stop();
  });
  const lane = KINDS.indexOf(kind) * 4;
  const options = (proxy: CutProxy, onRetry: (e: RetryEvent) => void, secure: false | 'explicit' = false): ClientOptions => ({
    host: proxy.host,
    port: proxy.port,
    user: server.user,
    password: server.password,
    secure,
    tls: { ca: server.caPem, servername: 'localhost' },
    timeouts: { connect: 10_000, reply: 10_000, dataIdle: 10_000 },
    retry: { retries: 6, delay: 50, onRetry },
  });

  test('a download cut and dropped at random points resumes to a byte-identical file', async () => {
    const random = seededRandom(SEED + lane);
    await using proxy = await startCutProxy({ target: server, host: `127.0.0.${20 + lane}` });
    const source = randomBytes(SIZE);
    await writeFile(join(server.root, 'retry-down.bin'), source, { mode: 0o644 });
    const { onRetry, events } = cutter(proxy, random, CUTS, SIZE);
    await using client = await Client.connect(options(proxy, onRetry, kind === 'vsftpd' ? 'explicit' : false));
    const local = join(scratch, `${kind}-down.bin`);
    await client.download('/retry-down.bin', local);
    expect(sha256(await readFile(local))).toBe(sha256(source));
    expect(events.length).toBeGreaterThanOrEqual(CUTS);
    const offsets = events.map((e) => e.resumeAt ?? 0);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(proxy.dataBytes()).toBeLessThan(2 * SIZE);
  });

  test('an upload cut and dropped at random points resumes to a byte-identical file', async () => {
    const random = seededRandom(SEED + lane + 1);
    await using proxy = await startCutProxy({ target: server, host: `127.0.0.${21 + lane}` });
    const source = randomBytes(SIZE);
    const local = join(scratch, `${kind}-up.bin`);
    await writeFile(local, source);
    const { onRetry, events } = cutter(proxy, random, CUTS, SIZE);
    await using client = await Client.connect(options(proxy, onRetry));
    await client.upload(local, '/retry-up.bin');
    expect(sha256(await readFile(join(server.root, 'retry-up.bin')))).toBe(sha256(source));
    expect(events.length).toBeGreaterThanOrEqual(CUTS);
    expect(proxy.dataBytes()).toBeLessThan(2 * SIZE);
  });

  test('a listing cut part-way goes on: every entry once', async () => {
    const random = seededRandom(SEED + lane + 3);
    await using proxy = await startCutProxy({ target: server, host: `127.0.0.${23 + lane}` });
    const names = Array.from({ length: 3000 }, (_, i) => `entry-with-a-long-name-${String(i).padStart(5, '0')}.txt`);
    await mkdir(join(server.root, 'retry-list'), { recursive: true });
    await Promise.all(names.map((name) => writeFile(join(server.root, 'retry-list', name), '')));
    const events: RetryEvent[] = [];
    await using client = await Client.connect(options(proxy, (e) => events.push(e)));
    const plain = (await client.list('/retry-list')).map((e) => e.name);
    expect(plain.sort()).toEqual(names);
    void proxy.cutNextData(20_000 + Math.floor(random() * 100_000), { all: random() < 0.5 }).catch(() => {});
    const streamed: string[] = [];
    for await (const entry of client.listEntries('/retry-list')) streamed.push(entry.name);
    expect([...streamed].sort()).toEqual(names);
    expect(events.map((e) => e.call)).toEqual(['listEntries']);
  });

  test('a Pool downloadDir with a network drop in the middle completes, every file byte-identical', async () => {
    const random = seededRandom(SEED + lane + 2);
    await using proxy = await startCutProxy({ target: server, host: `127.0.0.${22 + lane}` });
    const files = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}.bin`, body: randomBytes(256 * 1024 + Math.floor(random() * MiB)) }));
    await mkdir(join(server.root, 'retry-tree'), { recursive: true });
    for (const f of files) await writeFile(join(server.root, 'retry-tree', f.name), f.body, { mode: 0o644 });
    const events: RetryEvent[] = [];
    void proxy.cutNextData(100_000, { all: true, skip: 3 }).catch(() => {});
    const pool = new Pool({ ...options(proxy, (e) => events.push(e)), size: 3 });
    try {
      const local = join(scratch, `${kind}-tree`);
      const result = await pool.downloadDir('/retry-tree', local);
      expect(result.files).toBe(files.length);
      for (const f of files) expect(sha256(await readFile(join(local, f.name)))).toBe(sha256(f.body));
      expect(events.length).toBeGreaterThanOrEqual(1);
    } finally {
      await pool.close();
    }
  });
});
