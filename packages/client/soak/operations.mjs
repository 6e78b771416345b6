// Soak of mixed operations (issue 6), not part of CI: `pnpm soak` runs it (FTPKIT_SOAK_MODE unset or
// `operations`; see soak.mjs), on the built client.
//
// Several clients (half plaintext, half explicit TLS) run mixed operations against one real vsftpd
// started by @ftpkit/testkit: list, stat, upload, download, rename, remove, mkdir/rmdir, and
// transfers aborted at a random byte count. Every completed transfer is verified by SHA-256 (an
// upload against the file on disk, a download against what was uploaded). The operations run in
// rounds; between rounds every client is idle, and the process's RSS, heap and active handles are
// sampled. At the end they must be flat: the same handles as after the first round, and bounded memory
// growth. A summary is printed; the exit code is 1 on any failed check.
//
// Environment: FTPKIT_SOAK_OPS (default 10000), FTPKIT_SOAK_CLIENTS (4), FTPKIT_SOAK_ROUND (500
// operations between samples), FTPKIT_SOAK_SEED (random). Run with --expose-gc for steadier numbers.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom, startServer } from '@ftpkit/testkit';
import { Client, FtpReplyError, isAbortError, isFtpError } from '../dist/index.js';

const OPS = Number(process.env.FTPKIT_SOAK_OPS ?? 10_000);
const CLIENTS = Number(process.env.FTPKIT_SOAK_CLIENTS ?? 4);
const ROUND = Number(process.env.FTPKIT_SOAK_ROUND ?? 500);
const SEED = Number(process.env.FTPKIT_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MiB = 1024 * 1024;
/** Bounds of "flat": RSS and heap may grow this much from the first sample (allocator slack, JIT). */
const MAX_RSS_GROWTH = 64 * MiB;
const MAX_HEAP_GROWTH = 16 * MiB;

const random = seededRandom(SEED);
const int = (n) => Math.floor(random() * n);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

const WEIGHTS = { list: 10, stat: 10, upload: 20, download: 20, rename: 8, remove: 8, mkdir: 6, abort: 18 };
const pickOp = (w) => {
  // Keep each folder small: past 40 files, remove.
  if (w.files.size > 40) return 'remove';
  let r = random() * Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  for (const [op, w] of Object.entries(WEIGHTS)) if ((r -= w) < 0) return op;
  return 'list';
};
/** Mostly small files, sometimes a few MiB, so aborts land mid-transfer. */
const fileSize = () => (random() < 0.8 ? int(256 * 1024) : MiB + int(4 * MiB));

const counts = { ops: 0, verified: 0, aborted: 0, abortCompleted: 0, reconnects: 0, bytes: 0 };
const perOp = Object.fromEntries(Object.keys(WEIGHTS).map((k) => [k, 0]));
const failures = [];
const fail = (what, err) => {
  failures.push(`${what}: ${err instanceof Error ? `${err.name} ${err.message}` : String(err)}`);
  if (failures.length <= 10) console.error(`FAIL ${failures.at(-1)}`);
};

function handleCounts() {
  const byKind = {};
  for (const name of process.getActiveResourcesInfo()) byKind[name] = (byKind[name] ?? 0) + 1;
  return byKind;
}
/** What a leak is made of; transient kinds (an Immediate, a CloseReq in flight) are left out of the sum. */
const LEAKABLE = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'Timeout', 'FileHandle', 'PipeWrap', 'ProcessWrap'];
const total = (byKind) => LEAKABLE.reduce((sum, kind) => sum + (byKind[kind] ?? 0), 0);

const server = await startServer('vsftpd', {});
console.log(`soak: vsftpd ${server.version} on ${server.host}:${server.port}, ${CLIENTS} clients, ${OPS} operations, seed ${SEED}`);
const started = performance.now();

/** One worker: a client, its folder, and what it has put there (name → size and SHA-256; no bytes kept). */
async function makeWorker(i) {
  const options = {
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    secure: i % 2 === 1 ? 'explicit' : false,
    tls: { ca: server.caPem, servername: 'localhost' },
    timeouts: { connect: 10_000, reply: 15_000, dataIdle: 15_000 },
  };
  const worker = { i, options, dir: `/w${i}`, files: new Map(), serial: 0, client: await Client.connect(options) };
  await worker.client.mkdir(worker.dir, { recursive: true });
  return worker;
}

const onDisk = (remote) => join(server.root, ...remote.split('/').filter(Boolean));
const anyFile = (w) => [...w.files.keys()][int(w.files.size)];

async function runOp(w, op) {
  const c = w.client;
  switch (op) {
    case 'list': {
      const names = new Set((await c.list(w.dir)).map((e) => e.name));
      for (const name of w.files.keys()) if (!names.has(name)) throw new Error(`list of ${w.dir} lacks ${name}`);
      return;
    }
    case 'stat': {
      const name = anyFile(w);
      if (!name) return;
      const entry = await c.stat(`${w.dir}/${name}`);
      if (entry.size !== w.files.get(name).size) throw new Error(`stat ${name}: size ${entry.size}, expected ${w.files.get(name).size}`);
      return;
    }
    case 'upload': {
      const name = `f${w.serial++}.bin`;
      const bytes = randomBytes(fileSize());
      await c.upload(bytes, `${w.dir}/${name}`);
      const stored = await readFile(onDisk(`${w.dir}/${name}`));
      const sum = sha256(bytes);
      if (sha256(stored) !== sum) throw new Error(`upload ${name}: SHA-256 differs on disk`);
      w.files.set(name, { size: bytes.length, sha256: sum });
      counts.verified++;
      counts.bytes += bytes.length;
      return;
    }
    case 'download': {
      const name = anyFile(w);
      if (!name) return;
      const got = await c.downloadToBytes(`${w.dir}/${name}`);
      if (sha256(got) !== w.files.get(name).sha256) throw new Error(`download ${name}: SHA-256 differs`);
      counts.verified++;
      counts.bytes += got.length;
      return;
    }
    case 'rename': {
      const name = anyFile(w);
      if (!name) return;
      const to = `f${w.serial++}.bin`;
      await c.rename(`${w.dir}/${name}`, `${w.dir}/${to}`);
      w.files.set(to, w.files.get(name));
      w.files.delete(name);
      return;
    }
    case 'remove': {
      const name = anyFile(w);
      if (!name) return;
      await c.remove(`${w.dir}/${name}`);
      w.files.delete(name);
      return;
    }
    case 'mkdir': {
      const dir = `${w.dir}/d${w.serial++}/sub`;
      await c.mkdir(dir, { recursive: true });
      await c.rmdir(`${w.dir}/d${w.serial - 1}`, { recursive: true });
      return;
    }
    case 'abort': {
      const upload = random() < 0.5 || w.files.size === 0;
      const name = upload ? `f${w.serial++}.bin` : anyFile(w);
      const bytes = upload ? randomBytes(MiB + int(3 * MiB)) : undefined;
      const size = bytes?.length ?? w.files.get(name).size;
      const after = int(size);
      const abort = new AbortController();
      const onProgress = (p) => {
        if (p.bytes >= after) abort.abort();
      };
      try {
        if (upload) {
          await c.upload(bytes, `${w.dir}/${name}`, { signal: abort.signal, onProgress });
          const sum = sha256(bytes);
          if (sha256(await readFile(onDisk(`${w.dir}/${name}`))) !== sum) throw new Error(`upload ${name} (not aborted in time): SHA-256 differs`);
          w.files.set(name, { size: bytes.length, sha256: sum });
        } else {
          const got = await c.downloadToBytes(`${w.dir}/${name}`, { signal: abort.signal, onProgress });
          if (sha256(got) !== w.files.get(name).sha256) throw new Error(`download ${name} (not aborted in time): SHA-256 differs`);
        }
        counts.abortCompleted++;
        counts.verified++;
      } catch (err) {
        if (!isAbortError(err)) throw err;
        counts.aborted++;
        if (upload) {
          // A partial upload: remove it (it may not exist if the abort came before STOR).
          await c.remove(`${w.dir}/${name}`).catch((e) => {
            if (!(e instanceof FtpReplyError)) throw e;
          });
        }
      }
      return;
    }
  }
}

async function work(w, n) {
  for (let k = 0; k < n; k++) {
    const op = pickOp(w);
    perOp[op]++;
    try {
      await runOp(w, op);
    } catch (err) {
      fail(`client ${w.i} ${op}`, err);
      if (!isFtpError(err) && !isAbortError(err)) fail(`client ${w.i} ${op}: untyped error`, err);
    }
    counts.ops++;
    if (w.client.closed) {
      // Not expected against a healthy server; counted, and the soak goes on with a new session.
      counts.reconnects++;
      w.client = await Client.connect(w.options);
    }
  }
}

const workers = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => makeWorker(i)));
const samples = [];
/**
 * Sample once the clients are idle and what they closed is gone: an aborted TLS transfer may take up
 * to 2 s to close gently (driver/data-channel.ts, TLS_CLOSE_GRACE_MS), so wait until the handles are back at the
 * baseline, or 5 s.
 */
const sample = async () => {
  const deadline = performance.now() + 5000;
  while (samples.length > 0 && total(handleCounts()) > samples[0].handles && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  globalThis.gc?.();
  const mem = process.memoryUsage();
  const handles = handleCounts();
  samples.push({ ops: counts.ops, rss: mem.rss, heap: mem.heapUsed, external: mem.external, handles: total(handles), byKind: handles, at: performance.now() });
};
const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;

for (let done = 0; done < OPS; ) {
  const n = Math.min(ROUND, OPS - done);
  await Promise.all(workers.map((w, i) => work(w, Math.floor(n / CLIENTS) + (i < n % CLIENTS ? 1 : 0))));
  done += n;
  await sample();
  const s = samples.at(-1);
  console.log(`  ${String(s.ops).padStart(6)} ops  rss ${mib(s.rss)}  heap ${mib(s.heap)}  external ${mib(s.external)}  handles ${s.handles} ${JSON.stringify(s.byKind)}  ${((s.at - started) / 1000).toFixed(0)} s`);
}

for (const w of workers) await w.client.close();
await server.stop();

// Memory is compared from the second sample on: the first round warms up buffers and the JIT.
const first = samples[Math.min(1, samples.length - 1)];
const last = samples.at(-1);
const maxHandles = Math.max(...samples.map((s) => s.handles));
const handleBaseline = samples[0].handles;
const maxRss = Math.max(...samples.map((s) => s.rss));
if (maxHandles > handleBaseline) fail('handles', new Error(`active handles grew from ${handleBaseline} to ${maxHandles}`));
if (last.rss - first.rss > MAX_RSS_GROWTH) fail('rss', new Error(`RSS grew ${mib(last.rss - first.rss)} (bound ${mib(MAX_RSS_GROWTH)})`));
if (last.heap - first.heap > MAX_HEAP_GROWTH) fail('heap', new Error(`heap grew ${mib(last.heap - first.heap)} (bound ${mib(MAX_HEAP_GROWTH)})`));

const seconds = (performance.now() - started) / 1000;
console.log(`
soak summary (seed ${SEED})
  operations        ${counts.ops} in ${seconds.toFixed(1)} s (${(counts.ops / seconds).toFixed(0)}/s), ${CLIENTS} clients
  by operation      ${JSON.stringify(perOp)}
  verified (SHA-256) ${counts.verified} transfers, ${mib(counts.bytes)}
  aborted           ${counts.aborted} mid-transfer (${counts.abortCompleted} finished before the abort landed)
  reconnects        ${counts.reconnects}
  RSS               start ${mib(samples[0].rss)}, after warm-up ${mib(first.rss)}, last ${mib(last.rss)}, max ${mib(maxRss)}
  heap              after warm-up ${mib(first.heap)}, last ${mib(last.heap)}
  active handles    first ${handleBaseline}, last ${last.handles}, max ${maxHandles} (sampled idle)
  failures          ${failures.length}`);
if (failures.length > 0) {
  for (const f of failures.slice(0, 20)) console.log(`    ${f}`);
  process.exitCode = 1;
}
