/**
 * Bandwidth limits against real servers (vsftpd, pyftpdlib) and the scripted server, on the wall
 * clock: each transfer runs a few seconds under its limit, and the measured rate must be the limit
 * (within what a loaded 2-core machine can keep: timers that fire late only ever slow a transfer
 * down, and the one burst a transfer may take speeds it up by a computable amount), with no half
 * second moving more than its share plus one burst and a read per transfer. The exact pacing is
 * throttle.test.ts's, on a manual clock.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rejectionOf, startScriptedServer, startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, Pool, isAbortError, type Progress } from '../src/index.js';
import { realClientOptions, realPoolOptions, sha256 } from './pool-helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The most one read brings under a limit (the read-ahead's ceiling, driver/throttle.ts). */
const READ = 64 * KiB;

/** The burst at `limit` (driver/throttle.ts: 50 ms, at least 1 KiB). */
const burstOf = (limit: number): number => Math.max(KiB, limit / 20);

/** Progress with the wall-clock time of each report, from `t0` (the call, or what the test says). */
function recorder(): { samples: { t: number; bytes: number }[]; t0: number; onProgress: (p: Progress) => void } {
  const samples: { t: number; bytes: number }[] = [];
  return { samples, t0: performance.now(), onProgress: (p) => void samples.push({ t: performance.now(), bytes: p.bytes }) };
}

/**
 * The transfer moved `total` bytes under `limit` from `t0` to now: its average rate is the limit, at
 * most one burst and `transfers` reads above it (each transfer's last read is not paid for by a
 * pause), and no worse than 15% below; and no half second moved more than its share, one burst and
 * two reads per transfer (one paid for late, one early).
 */
function expectPaced(run: ReturnType<typeof recorder>, total: number, limit: number, transfers = 1): void {
  const seconds = (performance.now() - run.t0) / 1000;
  const rate = total / seconds;
  const ceiling = (limit * total) / (total - burstOf(limit) - transfers * READ);
  expect(rate, `${Math.round(rate)} B/s under a limit of ${limit} B/s`).toBeGreaterThan(0.85 * limit);
  expect(rate, `${Math.round(rate)} B/s under a limit of ${limit} B/s`).toBeLessThan(ceiling * 1.01);
  const { samples } = run;
  for (let i = 0; i < samples.length; i++) {
    for (let j = i + 1; j < samples.length && samples[j]!.t - samples[i]!.t <= 500; j++) {
      const moved = samples[j]!.bytes - samples[i]!.bytes;
      const allowed = (limit * (samples[j]!.t - samples[i]!.t)) / 1000 + burstOf(limit) + 2 * transfers * READ;
      expect(moved, `${moved} bytes in ${Math.round(samples[j]!.t - samples[i]!.t)} ms`).toBeLessThanOrEqual(allowed);
    }
  }
}

/** Log `pool`'s sessions in before a measurement: a login to vsftpd alone can take a second here. */
async function warm(pool: Pool): Promise<void> {
  await Promise.all(Array.from({ length: pool.stats.size }, () => pool.list('/')));
}

let scratch: string;
let vsftpd: RunningServer;
let pyftpdlib: RunningServer;
const big = randomBytes(6 * MiB);
const small = Array.from({ length: 32 }, (_, i) => ({ name: `s${String(i).padStart(2, '0')}.bin`, bytes: randomBytes(128 * KiB) }));

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-throttle-'));
  await chmod(scratch, 0o755);
  const root = join(scratch, 'root');
  await mkdir(join(root, 'small'), { recursive: true, mode: 0o755 });
  await chmod(root, 0o777);
  await chmod(join(root, 'small'), 0o777);
  await writeFile(join(root, 'big.bin'), big, { mode: 0o644 });
  for (const f of small) await writeFile(join(root, 'small', f.name), f.bytes, { mode: 0o644 });
  [vsftpd, pyftpdlib] = await Promise.all([startServer('vsftpd', { root }), startServer('pyftpdlib', { root: join(scratch, 'py') })]);
});

afterAll(async () => {
  await Promise.all([vsftpd?.stop(), pyftpdlib?.stop()]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('a Client under a limit', () => {
  for (const secure of [false, 'explicit'] as const) {
    test(`vsftpd ${secure ? 'over TLS' : 'plain'}: 6 MiB at 2 MiB/s takes 3 s, smoothly, byte-exact`, async () => {
      await using client = await Client.connect(realClientOptions(vsftpd, secure, { limitRate: 2 * MiB }));
      const run = recorder();
      const got = await client.downloadToBytes('/big.bin', { onProgress: run.onProgress });
      expectPaced(run, big.length, 2 * MiB);
      expect(sha256(got)).toBe(sha256(big));
    });
  }

  test('pyftpdlib: an upload of 6 MiB at 2 MiB/s takes 3 s, smoothly, byte-exact', async () => {
    await using client = await Client.connect(realClientOptions(pyftpdlib, false, { limitRate: 2 * MiB }));
    const run = recorder();
    await client.upload(big, '/up.bin', { onProgress: run.onProgress });
    expectPaced(run, big.length, 2 * MiB);
    expect(sha256(await readFile(join(pyftpdlib.root, 'up.bin')))).toBe(sha256(big));
  });

  test('a call limit lowers the Client limit: the last 2 MiB at 1 MiB/s under 8 MiB/s', async () => {
    await using client = await Client.connect(realClientOptions(vsftpd, false, { limitRate: 8 * MiB }));
    const run = recorder();
    const got = await client.downloadToBytes('/big.bin', { startAt: 4 * MiB, limitRate: MiB, onProgress: run.onProgress });
    expect(sha256(got)).toBe(sha256(big.subarray(4 * MiB)));
    expectPaced(run, got.length, MiB);
  });

  test('a stream read under the limit is paced too', async () => {
    await using client = await Client.connect(realClientOptions(vsftpd, false, { limitRate: 4 * MiB }));
    const run = recorder();
    let bytes = 0;
    // Progress is the transfer's: what the loop sees lags behind by up to the stream's buffer.
    for await (const chunk of client.openReadStream('/big.bin', { onProgress: run.onProgress })) bytes += chunk.length;
    expect(bytes).toBe(big.length);
    expectPaced(run, bytes, 4 * MiB);
  });

  test('pauses longer than timeouts.dataIdle never trip it', async () => {
    // 16 KiB/s and reads of 16 KiB (the read-ahead's floor): about a second between reads, under a
    // 300 ms data-idle timeout. The last 48 KiB of a file: three reads, two pauses.
    await using client = await Client.connect(realClientOptions(vsftpd, false, { limitRate: 16 * KiB, timeouts: { dataIdle: 300 } }));
    const run = recorder();
    const got = await client.downloadToBytes('/small/s00.bin', { startAt: 80 * KiB, onProgress: run.onProgress });
    expect(sha256(got)).toBe(sha256(small[0]!.bytes.subarray(80 * KiB)));
    expect(performance.now() - run.t0).toBeGreaterThan(1800);
    expect((await client.size('/small/s01.bin')) > 0).toBe(true);
  });

  test('an abort while paused ends the call at once, and the session goes on', async () => {
    // At 4 KiB/s each read of at least 16 KiB (the read-ahead's floor) is paid for by a pause of
    // about 4 s: a call that waited the pause out would end seconds after the abort.
    await using client = await Client.connect(realClientOptions(vsftpd, false, { limitRate: 4 * KiB }));
    const stop = new AbortController();
    const running = rejectionOf(client.downloadToBytes('/big.bin', { signal: stop.signal }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const abortedAt = performance.now();
    stop.abort();
    expect(isAbortError(await running)).toBe(true);
    expect(performance.now() - abortedAt).toBeLessThan(1500);
    const next = performance.now();
    expect(await client.size('/big.bin')).toBe(big.length);
    expect(performance.now() - next).toBeLessThan(2000);
  });
});

describe('a Pool shares its limit among its sessions', () => {
  test('32 uploads of 128 KiB on 4 sessions at 2 MiB/s together', async () => {
    await using pool = new Pool(realPoolOptions(vsftpd, false, { size: 4, limitRate: 2 * MiB }));
    const local = await mkdtemp(join(scratch, 'up-'));
    for (const f of small) await writeFile(join(local, f.name), f.bytes);
    await pool.mkdir('/many-up');
    await warm(pool);
    const run = recorder();
    await pool.uploadMany(
      small.map((f) => ({ from: join(local, f.name), to: `/many-up/${f.name}` })),
      { onProgress: run.onProgress },
    );
    expectPaced(run, small.length * 128 * KiB, 2 * MiB, 4);
    expect(pool.stats.open).toBe(4);
    for (const f of small.slice(0, 3)) expect(sha256(await readFile(join(vsftpd.root, 'many-up', f.name)))).toBe(sha256(f.bytes));
  });

  test('a tree call’s limit is one budget for all its files: downloadDir at 2 MiB/s under 8 MiB/s', async () => {
    await using pool = new Pool(realPoolOptions(vsftpd, false, { size: 4, limitRate: 8 * MiB }));
    const local = join(await mkdtemp(join(scratch, 'dl-')), 'small');
    await warm(pool);
    const run = recorder();
    // Counted from the first file: the listing before it moves no file's bytes.
    let started = false;
    const onFile = (): void => {
      if (!started) run.t0 = performance.now();
      started = true;
    };
    const { files } = await pool.downloadDir('/small', local, { limitRate: 2 * MiB, onProgress: run.onProgress, onFile });
    expect(files).toBe(small.length);
    expectPaced(run, small.length * 128 * KiB, 2 * MiB, 4);
    expect(sha256(await readFile(join(local, small[5]!.name)))).toBe(sha256(small[5]!.bytes));
  });

  test('a segmented download shares the pool limit among its ranges', async () => {
    await using pool = new Pool(realPoolOptions(vsftpd, false, { size: 4, limitRate: 2 * MiB }));
    const target = join(await mkdtemp(join(scratch, 'seg-')), 'big.bin');
    await warm(pool);
    const run = recorder();
    await pool.download('/big.bin', target, { segments: 4, onProgress: run.onProgress });
    expectPaced(run, big.length, 2 * MiB, 4);
    expect(sha256(await readFile(target))).toBe(sha256(big));
  });
});

describe('on the wire', () => {
  test('a paced download holds the server back (TCP flow control), in reads of at most 16 KiB', async () => {
    // The server writes 16 MiB as fast as its socket takes it. Under 256 KiB/s, what it has handed to
    // its kernel after a second is its send buffer (4 MiB by Linux's default bound) and little more;
    // a client that read ahead 4 MiB at full speed, as the transport does unbounded, let it hand over
    // 12 MiB by then.
    let written = 0;
    const server = await startScriptedServer({
      handlers: {
        RETR: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 go');
          const piece = new Uint8Array(64 * KiB);
          for (let i = 0; i < 256 && !data.destroyed; i++) {
            if (!data.write(piece)) await new Promise((resolve) => (data.once('drain', resolve), data.once('close', resolve)));
            written += piece.length;
          }
          data.end();
          return '226 done';
        },
      },
    });
    try {
      await using client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', limitRate: 256 * KiB });
      const stop = new AbortController();
      const sizes: number[] = [];
      const running = rejectionOf(client.download('f', (chunk) => void sizes.push(chunk.length), { signal: stop.signal }));
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(written).toBeLessThan(6 * MiB);
        // The socket's first read was given its buffer when it was made, before the bound: the rest
        // are at most the read-ahead (16 KiB, its floor; a burst at 256 KiB/s is 12.8 KiB).
        expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(16 * KiB);
      } finally {
        stop.abort();
        expect(isAbortError(await running)).toBe(true);
      }
    } finally {
      await server.close();
    }
  });
});
