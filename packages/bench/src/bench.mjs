// Why this file is long: the orchestrator's servers, its workloads with their contenders, the rounds and the report share one set of settings.
// pnpm bench — ftpkit (on Node, Deno and Bun) against basic-ftp and curl, with the machine's ceilings,
// on vsftpd over loopback. A benchmark, not a test: it is never part of `pnpm test` or CI.
//
// Theory of operation. One process tree: this orchestrator starts three vsftpd instances on one root
// (plain; explicit FTPS with session reuse optional, since Deno cannot resume TLS sessions; and one
// with a per-connection rate cap for W6) plus a delay proxy (W7) in front of the plain one. Every
// measurement is a child process of its own (client-worker.mjs under the runtime being measured, curl,
// cat, or the raw TCP pair), run under /usr/bin/time so its peak RSS is that contender's alone. Each
// round runs every workload once with its contenders in alternating order (reversed on odd rounds);
// tables report medians over rounds, and ratios are medians of per-round ratios (same round, same
// machine state). After anything that writes a big file: rm, sync and a pause, so dirty pages of one
// contender do not slow the next. Results go to packages/bench/RESULTS.md (rewritten after each round; the hand-written part after KEEP_MARKER is kept).
//
// Env: BENCH_RUNS (5), BENCH_BIG_MB (1024), BENCH_MEM_MB (512, the download to memory), BENCH_SMALL (1000 files), BENCH_TLS_CURL_SMALL (50),
// BENCH_W7_FILES (100), BENCH_DELAY_MS (10 one-way), BENCH_CAP_MB (64, MB/s per connection for W6),
// BENCH_ONLY (comma-separated workload ids, e.g. W1-discard,W5-100k,W8-10k-down; `listing`: the listing-parse goal), BENCH_SETTLE_MS (1000),
// BENCH_W8_100K_RUNS (1: the rounds W8's 100,000-file and 20 ms mirrors run in, see w8.mjs), BENCH_W8_CONTENDERS (w8.mjs),
// BENCH_OUT (default packages/bench/RESULTS.md), BENCH_BASELINE (a second built checkout, e.g. the previous commit: `git worktree add
// ../base HEAD~1 && cd ../base && pnpm install && pnpm turbo run build --filter=@ftpkit/bench...`; every ftpkit row gets an `@base` twin).
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDelayProxy, startServer } from '@ftpkit/testkit';
import { issue21Goals, listingParse } from './goals.mjs';
import { mirrorGoals, mirrorSection, mirrorWorkloads } from './w8.mjs';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const RUNS = Math.max(1, env('BENCH_RUNS', 5));
const BIG_MB = env('BENCH_BIG_MB', 1024);
const BIG = BIG_MB * 1024 * 1024;
const MEM_MB = env('BENCH_MEM_MB', 512);
const MEM = MEM_MB * 1024 * 1024;
const SMALL = env('BENCH_SMALL', 1000);
const TLS_CURL_SMALL = env('BENCH_TLS_CURL_SMALL', 50);
const W7_FILES = env('BENCH_W7_FILES', 100);
const DELAY_MS = env('BENCH_DELAY_MS', 10);
const CAP_MB = env('BENCH_CAP_MB', 64);
const CAP = Math.round(CAP_MB * 1e6);
const SETTLE_MS = env('BENCH_SETTLE_MS', 1000);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
/**
 * Another built checkout of ftpkit (a worktree of the previous commit, say). Each ftpkit row then
 * gets a twin, `… @base`, measured by that checkout's worker in the same rounds, and a `vs base`
 * ratio: how a change moves every workload, on one machine, in one run.
 */
const BASELINE = process.env.BENCH_BASELINE;
const POOL = 8;

const here = fileURLToPath(new URL('.', import.meta.url));
const pkgDir = join(here, '..');
const repo = join(pkgDir, '..', '..');
const OUT = process.env.BENCH_OUT ?? join(pkgDir, 'RESULTS.md');
// The hand-written sections of the results file, from this line on, survive a regeneration.
const KEEP_MARKER = '<!-- Hand-written sections below: pnpm bench regenerates what is above this line and keeps the rest. -->';
const handWritten = (() => {
  const text = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  const at = text.indexOf(KEEP_MARKER);
  return `\n${at === -1 ? `${KEEP_MARKER}\n` : text.slice(at)}`;
})();
const WORKER = join(here, 'client-worker.mjs');
const BASE_WORKER = BASELINE ? join(BASELINE, 'packages', 'bench', 'src', 'client-worker.mjs') : undefined;
if (BASE_WORKER && !existsSync(BASE_WORKER)) throw new Error(`BENCH_BASELINE: no ${BASE_WORKER}`);
const PEER = join(here, 'raw-peer.mjs');
const bin = (name) => join(repo, 'node_modules', '.bin', name);
const RUNTIME_CMD = { node: [process.execPath], deno: [bin('deno'), 'run', '-A'], bun: [bin('bun')] };
const RUNTIMES = ['node', 'deno', 'bun'];
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const median = (v) => {
  const s = v.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (text) => process.stderr.write(`${text}\n`);

/** Run a child to completion; peak RSS and CPU seconds (user + system) from /usr/bin/time (the child's own getrusage). */
function run(cmd, args, { cwd = pkgDir, timeoutMs = 30 * 60_000 } = {}) {
  const rssFile = join(os.tmpdir(), `ftpkit-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [file, argv] = TIME ? [TIME, ['-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t0;
      let rssMB;
      let cpuS;
      if (TIME) {
        const [rss, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        rssMB = rss / 1024;
        cpuS = user + sys;
        rmSync(rssFile, { force: true });
      }
      resolve({ code, stdout, stderr, wallMs, rssMB, cpuS });
    });
  });
}

/** A measurement by client-worker.mjs under `runtime`. */
async function worker(runtime, spec, script = WORKER) {
  const r = await run(RUNTIME_CMD[runtime][0], [...RUNTIME_CMD[runtime].slice(1), script, JSON.stringify(spec)]);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let out;
  try {
    out = JSON.parse(line);
  } catch {
    return { error: `exit ${r.code}: ${(r.stderr || r.stdout).slice(-600)}` };
  }
  return { ...out, maxRssMB: r.rssMB ?? out.maxRssMB, processMs: r.wallMs, cpuS: r.cpuS };
}

/** The raw TCP ceiling: a Node peer (raw-peer.mjs) and this runtime's worker at the other end. */
async function raw(runtime, mode) {
  const peer = spawn(process.execPath, [PEER, mode === 'raw-recv' ? 'send' : 'recv', String(BIG)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    peer.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    peer.once('error', reject);
  });
  const exited = new Promise((resolve) => peer.once('close', resolve));
  const out = await worker(runtime, { contender: 'raw', workload: mode, port, bytes: BIG });
  await exited;
  return out;
}

/** curl with `-w`: time of the transfer alone (time_total − time_pretransfer), as in the baseline. */
async function curlTransfer(args) {
  const r = await run('curl', ['-sS', '-w', '%{size_download} %{size_upload} %{time_pretransfer} %{time_total}', ...args]);
  if (r.code !== 0) return { error: `curl exit ${r.code}: ${r.stderr.slice(-300)}` };
  const [down, up, pre, total] = r.stdout.trim().split(/\s+/).map(Number);
  return { bytes: down || up, ms: (total - pre) * 1000, maxRssMB: r.rssMB };
}

/** curl with a config file of many transfers on one reused connection; timed whole (incl. start and login). */
async function curlMany(lines, extra) {
  const cfg = join(scratch, `curl-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(cfg, lines.join('\n'));
  const r = await run('curl', ['-sS', ...extra, '-K', cfg]);
  rmSync(cfg, { force: true });
  if (r.code !== 0) return { error: `curl exit ${r.code}: ${r.stderr.slice(-300)}` };
  return { ms: r.wallMs, maxRssMB: r.rssMB };
}

// ---------------------------------------------------------------------------------------------
// Fixture and servers.

const scratch = mkdtempSync(join(os.tmpdir(), 'ftpkit-bench-'));
chmodSync(scratch, 0o755);
const local = join(scratch, 'local');
const root = join(scratch, 'root');
mkdirSync(local);
mkdirSync(root);
const caFile = join(scratch, 'ca.pem');
const loadStart = os.loadavg();
const started = new Date();

function writeBig(path, mb = BIG_MB) {
  // Incompressible-looking bytes (a cheap xorshift), written once, then warm in the page cache.
  const chunk = new Uint32Array(1 << 18);
  let x = 2463534242;
  const fd = openSync(path, 'w');
  for (let i = 0; i < mb; i++) {
    for (let j = 0; j < chunk.length; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk[j] = x >>> 0;
    }
    writeSync(fd, chunk);
  }
  closeSync(fd);
}

log(`bench: fixture in ${scratch} (${BIG_MB} MiB, ${SMALL} small files, 10k + 100k listing)`);
writeBig(join(root, 'big.bin'));
writeBig(join(local, 'big.bin'));
writeBig(join(root, 'mem.bin'), MEM_MB);
for (const d of ['small', 'many', 'many100k', 'up']) mkdirSync(join(root, d));
const small = new Uint8Array(4096).fill(42);
for (let i = 0; i < Math.max(SMALL, W7_FILES); i++) writeFileSync(join(root, 'small', `f${String(i).padStart(4, '0')}.bin`), small);
for (let i = 0; i < 10_000; i++) writeFileSync(join(root, 'many', `entry-${i}.txt`), '');
for (let i = 0; i < 100_000; i++) writeFileSync(join(root, 'many100k', `entry-${i}.txt`), '');

const servers = [];
const stopAll = async () => {
  for (const s of servers.reverse()) await (s.stop ?? s.close)().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
};
process.on('SIGINT', () => stopAll().then(() => process.exit(130)));

const plain = await startServer('vsftpd', { tls: false, anonymous: false, root });
servers.push(plain);
const secure = await startServer('vsftpd', { tls: true, requireTlsReuse: false, anonymous: false, root });
servers.push(secure);
const capped = await startServer('vsftpd', { tls: false, anonymous: false, root, maxRateBytesPerSecond: CAP });
servers.push(capped);
const proxy = await startDelayProxy({ target: plain, delayMs: DELAY_MS });
servers.push(proxy);
writeFileSync(caFile, secure.caPem);
execFileSync('chown', ['-R', `${plain.user}:`, root]);

const cleanUploads = () => {
  for (const name of readdirSync(join(root, 'up'))) rmSync(join(root, 'up', name), { force: true });
};
const cleanLocal = () => {
  for (const name of readdirSync(local)) if (name !== 'big.bin') rmSync(join(local, name), { force: true });
};
const settle = async () => {
  execFileSync('sync');
  await sleep(SETTLE_MS);
};

// ---------------------------------------------------------------------------------------------
// Workloads: each a list of contenders measured once per round.

const url = (server, path) => `ftp://${server.host}:${server.port}/${path}`;
const curlAuth = ['-u', 'ftpuser:ftppass'];
const curlTls = ['--ssl-reqd', '--cacert', caFile];
const base = (server, extra = {}) => ({ host: server.host, port: server.port, dir: local, ...extra });
const ftpkit = (runtime, spec) => ({ name: `ftpkit (${runtime})`, kind: 'ftpkit', runtime, spec, measure: () => worker(runtime, { contender: 'ftpkit', ...spec }) });
const basic = (spec, name = 'basic-ftp') => ({ name, kind: 'basic-ftp', runtime: 'node', measure: () => worker('node', { contender: 'basic-ftp', ...spec }) });
const curl = (measure, name = 'curl') => ({ name, kind: 'curl', runtime: 'node', measure });
const ceiling = (name, runtime, measure) => ({ name, kind: 'ceiling', runtime, measure });
const allFtpkit = (spec) => RUNTIMES.map((r) => ftpkit(r, spec));
/** ftpkit downloading into a callback that takes its chunks lent (`lending`), on every runtime. */
const lent = (spec) => RUNTIMES.map((r) => ({ ...ftpkit(r, { ...spec, workload: 'download-lent' }), name: `ftpkit lending (${r})` }));
/**
 * ftpkit with `pipelining: false`, one command at a time: the default (`'auto'`) pipelines with the
 * bench's vsftpd (its default banner), so this row is what the default saves.
 */
const oneAtATime = (spec) => ({ ...ftpkit('node', { ...spec, pipelining: false, tag: 'ftpkit-one-at-a-time' }), name: 'ftpkit, one command at a time (node)' });
/** ftpkit with `pipelining` and every call made at once on one Client: the next file's setup goes out behind the running transfer (client lane.ts). */
const atOnce = (spec) => ({ ...ftpkit('node', { ...spec, workload: `${spec.workload}-at-once`, pipelining: true, tag: 'ftpkit-at-once' }), name: 'ftpkit pipelining, calls at once (node)' });
/** ftpkit with a subscriber on every tracing channel (client-worker.mjs `subscribe`): what publishing the events costs. */
const SUBSCRIBED = 'ftpkit, subscribed to tracing (node)';
const subscribed = (spec, name = SUBSCRIBED, plain = 'ftpkit (node)') => ({ ...ftpkit('node', { ...spec, subscribe: true, tag: 'ftpkit-subscribed' }), name, tracing: plain });
const smallUrls = (server, n, extra = []) => Array.from({ length: n }, (_, i) => [`url = "${url(server, `small/f${String(i).padStart(4, '0')}.bin`)}"`, 'output = "/dev/null"', ...extra]).flat();
const upUrls = (server, n) => {
  const src = join(scratch, 'small4k.bin');
  if (!existsSync(src)) writeFileSync(src, small);
  return Array.from({ length: n }, (_, i) => [`upload-file = "${src}"`, `url = "${url(server, `up/curl-${i}.bin`)}"`]).flat();
};
const MBs = (r) => r.bytes / 1e6 / (r.ms / 1000);
const filesPerS = (n) => (r) => (r.files ?? n) / (r.ms / 1000);
const seconds = (r) => r.ms / 1000;

const W = [];
const add = (w) => (!ONLY || ONLY.has(w.id)) && W.push(w);
const big = (server, extra) => base(server, { remote: 'big.bin', ...extra });

add({
  id: 'W1-discard', title: `W1 ${BIG_MB} MiB download to a discarding sink`, unit: 'MB/s', value: MBs, big: true,
  contenders: [
    ...RUNTIMES.map((r) => ceiling(`raw TCP receive (${r})`, r, () => raw(r, 'raw-recv'))),
    // vsftpd's RETR into the runtime's bare socket (client-worker.mjs `rawFtp`): what the server sends with no client's work on the bytes.
    ...RUNTIMES.map((r) => ceiling(`vsftpd RETR to a bare socket (${r})`, r, () => worker(r, { contender: 'raw', workload: 'raw-ftp', host: plain.host, port: plain.port, remote: 'big.bin' }))),
    ...allFtpkit(big(plain, { workload: 'download' })),
    ...lent(big(plain, {})),
    basic(big(plain, { workload: 'download' })),
    curl(() => curlTransfer([...curlAuth, url(plain, 'big.bin'), '-o', '/dev/null'])),
  ],
});
add({
  id: 'W1-file', title: `W1 ${BIG_MB} MiB download to a file`, unit: 'MB/s', value: MBs, big: true, after: async () => (cleanLocal(), settle()),
  contenders: [
    ceiling('disk: cat big > file', 'node', async () => {
      const r = await run('sh', ['-c', `cat "${join(local, 'big.bin')}" > "${join(local, 'cat.bin')}"`]);
      return { bytes: BIG, ms: r.wallMs, maxRssMB: r.rssMB };
    }),
    ...allFtpkit(big(plain, { workload: 'download-file' })),
    basic(big(plain, { workload: 'download-file' })),
    curl(() => curlTransfer([...curlAuth, url(plain, 'big.bin'), '-o', join(local, 'curl.bin')])),
  ],
});
add({
  id: 'W2-upload', title: `W2 ${BIG_MB} MiB upload from a file`, unit: 'MB/s', value: MBs, big: true, after: async () => (cleanUploads(), settle()),
  contenders: [
    ...RUNTIMES.map((r) => ceiling(`raw TCP send (${r})`, r, () => raw(r, 'raw-send'))),
    ...allFtpkit(big(plain, { workload: 'upload' })),
    basic(big(plain, { workload: 'upload' })),
    curl(() => curlTransfer([...curlAuth, '-T', join(local, 'big.bin'), url(plain, 'up/curl.bin')])),
  ],
});
add({
  id: 'W1-bytes', title: `W1 ${MEM_MB} MiB download to memory (one array)`, unit: 'MB/s', value: MBs, big: true, bytes: MEM,
  contenders: [
    // ftpkit: downloadToBytes. basic-ftp: downloadTo a Writable that keeps the chunks, then Buffer.concat, as its users do.
    ...allFtpkit(base(plain, { workload: 'download-bytes', remote: 'mem.bin' })),
    basic(base(plain, { workload: 'download-bytes', remote: 'mem.bin' })),
  ],
});
const tlsSpec = (extra) => big(secure, { secure: true, caFile, ...extra });
add({
  id: 'W3-discard', title: `W3 FTPS ${BIG_MB} MiB download to a discarding sink`, unit: 'MB/s', value: MBs, big: true, ceilingOf: 'W1-discard',
  contenders: [...allFtpkit(tlsSpec({ workload: 'download' })), ...lent(tlsSpec({})), basic(tlsSpec({ workload: 'download' })), curl(() => curlTransfer([...curlAuth, ...curlTls, url(secure, 'big.bin'), '-o', '/dev/null']))],
});
add({
  id: 'W3-file', title: `W3 FTPS ${BIG_MB} MiB download to a file`, unit: 'MB/s', value: MBs, big: true, ceilingOf: 'W1-file', after: async () => (cleanLocal(), settle()),
  contenders: [...allFtpkit(tlsSpec({ workload: 'download-file' })), basic(tlsSpec({ workload: 'download-file' })), curl(() => curlTransfer([...curlAuth, ...curlTls, url(secure, 'big.bin'), '-o', join(local, 'curl.bin')]))],
});
add({
  id: 'W3-upload', title: `W3 FTPS ${BIG_MB} MiB upload from a file`, unit: 'MB/s', value: MBs, big: true, ceilingOf: 'W2-upload', after: async () => (cleanUploads(), settle()),
  contenders: [...allFtpkit(tlsSpec({ workload: 'upload' })), basic(tlsSpec({ workload: 'upload' })), curl(() => curlTransfer([...curlAuth, ...curlTls, '-T', join(local, 'big.bin'), url(secure, 'up/curl.bin')]))],
});
for (const tls of [false, true]) {
  const server = tls ? secure : plain;
  const t = tls ? 'FTPS ' : '';
  const spec = (workload) => base(server, { workload, files: SMALL, ...(tls ? { secure: true, caFile } : {}) });
  const curlN = tls ? TLS_CURL_SMALL : SMALL;
  const curlExtra = [...curlAuth, ...(tls ? curlTls : [])];
  add({
    id: `W4-down${tls ? '-tls' : ''}`, title: `W4 ${t}${SMALL} × 4 KiB downloads, one connection`, unit: 'files/s', value: filesPerS(SMALL),
    contenders: [
      ...allFtpkit(spec('small-down')),
      oneAtATime(spec('small-down')),
      atOnce(spec('small-down')),
      subscribed(spec('small-down')),
      basic(spec('small-down')),
      curl(async () => ({ ...(await curlMany(smallUrls(server, curlN), curlExtra)), files: curlN }), `curl (${curlN} files, incl. start + login)`),
    ],
  });
  add({
    id: `W4-up${tls ? '-tls' : ''}`, title: `W4 ${t}${SMALL} × 4 KiB uploads, one connection`, unit: 'files/s', value: filesPerS(SMALL), after: async () => cleanUploads(),
    contenders: [
      ...allFtpkit(spec('small-up')),
      oneAtATime(spec('small-up')),
      atOnce(spec('small-up')),
      subscribed(spec('small-up')),
      basic(spec('small-up')),
      curl(async () => ({ ...(await curlMany(upUrls(server, curlN), curlExtra)), files: curlN }), `curl (${curlN} files, incl. start + login)`),
    ],
  });
  add({
    id: `W4-pool-down${tls ? '-tls' : ''}`, title: `W4 ${t}${SMALL} × 4 KiB downloads, ${POOL} connections`, unit: 'files/s', value: filesPerS(SMALL),
    contenders: [
      ...RUNTIMES.map((r) => ({ ...ftpkit(r, spec('pool-down')), name: `ftpkit Pool(${POOL}) (${r})` })),
      subscribed(spec('pool-down'), `ftpkit Pool(${POOL}), subscribed to tracing (node)`, `ftpkit Pool(${POOL}) (node)`),
      basic(spec('pool-down'), `basic-ftp ×${POOL} clients`),
    ],
  });
  add({
    id: `W4-pool-up${tls ? '-tls' : ''}`, title: `W4 ${t}${SMALL} × 4 KiB uploads, ${POOL} connections`, unit: 'files/s', value: filesPerS(SMALL), after: async () => cleanUploads(),
    contenders: [...RUNTIMES.map((r) => ({ ...ftpkit(r, spec('pool-up')), name: `ftpkit Pool(${POOL}) (${r})` })), basic(spec('pool-up'), `basic-ftp ×${POOL} clients`)],
  });
}
for (const [id, dir, n] of [['W5-10k', 'many', '10,000'], ['W5-100k', 'many100k', '100,000']]) {
  add({
    id, title: `W5 listing of ${n} entries (LIST)`, unit: 's', lowerIsBetter: true, value: seconds,
    contenders: [
      ...allFtpkit(base(plain, { workload: 'list', listDir: dir })),
      ...RUNTIMES.map((r) => ({ ...ftpkit(r, base(plain, { workload: 'list-stream', listDir: dir })), name: `ftpkit listEntries (${r})` })),
      basic(base(plain, { workload: 'list', listDir: dir })),
      curl(async () => {
        const r = await run('curl', ['-sS', ...curlAuth, '-o', '/dev/null', url(plain, `${dir}/`)]);
        return r.code === 0 ? { ms: r.wallMs, maxRssMB: r.rssMB } : { error: r.stderr };
      }, 'curl (incl. start + login)'),
    ],
  });
}
add({
  id: 'W6', title: `W6 ${BIG_MB} MiB download to a file, server capped at ${CAP_MB} MB/s per connection`, unit: 'MB/s', value: MBs, big: true, after: async () => (cleanLocal(), settle()),
  contenders: [
    ...RUNTIMES.map((r) => ({ ...ftpkit(r, big(capped, { workload: 'segmented', segments: POOL })), name: `ftpkit segments: ${POOL} (${r})` })),
    { ...ftpkit('node', big(capped, { workload: 'download-file' })), name: 'ftpkit single stream (node)' },
    basic(big(capped, { workload: 'download-file' }), 'basic-ftp (single stream)'),
  ],
});
const delayed = { ...plain, host: proxy.host, port: proxy.port };
{
  const spec = (workload) => base(delayed, { workload, files: W7_FILES });
  for (const [dir, one, many] of [['down', 'small-down', 'pool-down'], ['up', 'small-up', 'pool-up']]) {
    add({
      id: `W7-${dir}`, title: `W7 ${W7_FILES} × 4 KiB ${dir === 'down' ? 'downloads' : 'uploads'} over ${2 * DELAY_MS} ms RTT`, unit: 'files/s', value: filesPerS(W7_FILES),
      after: dir === 'up' ? async () => cleanUploads() : undefined,
      contenders: [
        ...allFtpkit(spec(one)),
        oneAtATime(spec(one)),
        atOnce(spec(one)),
        { ...ftpkit('node', spec(many)), name: `ftpkit Pool(${POOL}) (node)` },
        basic(spec(one)),
        basic(spec(many), `basic-ftp ×${POOL} clients`),
        dir === 'down'
          ? curl(async () => ({ ...(await curlMany(smallUrls(delayed, W7_FILES), curlAuth)), files: W7_FILES }), 'curl (incl. start + login)')
          : curl(async () => ({ ...(await curlMany(upUrls(delayed, W7_FILES), curlAuth)), files: W7_FILES }), 'curl (incl. start + login)'),
      ],
    });
  }
  add({
    id: 'W7-big', title: `W7 ${BIG_MB} MiB download to a discarding sink over ${2 * DELAY_MS} ms RTT`, unit: 'MB/s', value: MBs, big: true,
    contenders: [ftpkit('node', big(delayed, { workload: 'download' })), basic(big(delayed, { workload: 'download' })), curl(() => curlTransfer([...curlAuth, url(delayed, 'big.bin'), '-o', '/dev/null']))],
  });
}

// W8 (w8.mjs): mirrors of 10,000 and 100,000 small files against lftp, with their own baseline twins.
const W8 = mirrorWorkloads({
  run,
  worker,
  root,
  server: plain, delayed, rttMs: 2 * DELAY_MS, // W8-10k-20ms: the same server behind the delay proxy
  scratch,
  select: (id) => !ONLY || ONLY.has(id),
  chown: (path) => execFileSync('chown', ['-R', `${plain.user}:`, path]),
  cli: join(repo, 'packages', 'cli', 'dist', 'bin.js'),
  baseCli: BASELINE ? join(BASELINE, 'packages', 'cli', 'dist', 'bin.js') : undefined,
  baseWorker: BASE_WORKER,
});
if (W8.length > 0) log('bench: W8 trees (10k, 100k files of 1 KiB) in the server root');
for (const prepare of W8.prepare ?? []) prepare();
W.push(...W8);

// The baseline twins: right after each ftpkit row, the same spec through the other checkout's worker.
if (BASE_WORKER) {
  for (const w of W) {
    w.contenders = w.contenders.flatMap((c) =>
      c.kind === 'ftpkit' && c.spec && !c.tracing
        ? [c, { name: `${c.name} @base`, kind: 'baseline', runtime: c.runtime, measure: () => worker(c.runtime, { contender: 'ftpkit', ...c.spec }, BASE_WORKER) }]
        : [c],
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Rounds.

/** results[workload id][contender name] = [{ value, rssMB, error? } per round] */
const results = {};
const loadSamples = [];
const listing = !ONLY || ONLY.has('listing') ? (log('bench: listing parse (codec.mjs, hot rows)'), listingParse()) : undefined;
try {
  for (let round = 0; round < RUNS; round++) {
    for (const w of W) {
      if (w.rounds !== undefined && round >= w.rounds) continue;
      const order = round % 2 === 0 ? w.contenders : [...w.contenders].reverse();
      for (const c of order) {
        loadSamples.push(os.loadavg()[0]);
        let out;
        try {
          out = await c.measure();
        } catch (error) {
          out = { error: String(error) };
        }
        // A transfer that moved the wrong number of bytes is a failure, not a fast result.
        if (w.big && !out.error && !out.unavailable && out.bytes !== (w.bytes ?? BIG)) out = { error: `moved ${out.bytes} bytes, expected ${w.bytes ?? BIG}` };
        const entry = out.unavailable
          ? { unavailable: out.unavailable }
          : out.error
            ? { error: out.error }
            : { value: w.value(out), rssMB: out.maxRssMB, cpuS: out.cpuS };
        ((results[w.id] ??= {})[c.name] ??= [])[round] = entry;
        log(`round ${round + 1}/${RUNS} ${w.id} ${c.name}: ${entry.value !== undefined ? `${entry.value.toFixed(w.unit === 's' ? 3 : 1)} ${w.unit}, ${entry.rssMB?.toFixed(0)} MB RSS` : entry.unavailable ? `not available: ${entry.unavailable}` : `ERROR ${entry.error.slice(0, 400)}`}`);
        if (w.after) await w.after(c);
      }
    }
    writeFileSync(OUT, `${report(round + 1)}${handWritten}`);
    log(`bench: wrote ${OUT} after round ${round + 1}`);
  }
} finally {
  await stopAll();
}

// ---------------------------------------------------------------------------------------------
// Report.

function versions() {
  const tryRun = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  return {
    cpu: `${cpuModel}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    kernel: `${os.type()} ${os.release()}`,
    os: tryRun('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']),
    node: process.version,
    deno: tryRun(bin('deno'), ['--version']).split('\n')[0],
    bun: tryRun(bin('bun'), ['--version']),
    curl: tryRun('curl', ['--version']).split('\n')[0],
    basicFtp: JSON.parse(readFileSync(join(pkgDir, 'node_modules', 'basic-ftp', 'package.json'), 'utf8')).version,
    vsftpd: plain.version,
    fs: tryRun('sh', ['-c', `df -T "${os.tmpdir()}" | tail -1 | awk '{print $2" on "$1}'`]),
  };
}

function report(rounds) {
  const v = versions();
  const lines = [];
  const ended = new Date();
  const busy = Math.max(...loadSamples, ...loadStart) > 3;
  lines.push('# ftpkit benchmark results', '');
  lines.push(`Generated by \`pnpm bench\` (packages/bench/src/bench.mjs) on ${started.toISOString()}, ${rounds} round(s) of ${RUNS}.`, '');
  lines.push('## Machine', '');
  lines.push(`- CPU: ${v.cpu}`, `- OS: ${v.os}, kernel ${v.kernel}`, `- Filesystem of the local files and the server root: ${v.fs}`);
  lines.push(`- Node ${v.node}; ${v.deno}; Bun ${v.bun}`, `- ${v.curl}`, `- basic-ftp ${v.basicFtp}; vsftpd ${v.vsftpd} on 127.0.0.1 (TLS 1.3, \`require_ssl_reuse=NO\` so Deno can take part)`);
  lines.push(`- Load average (1 min) before: ${loadStart.map((x) => x.toFixed(2)).join(', ')}; during: median ${median(loadSamples).toFixed(2)}, max ${Math.max(...loadSamples).toFixed(2)}; ended ${ended.toISOString()}`);
  if (busy) lines.push('', `> **The machine was busy** (1-minute load average above 3 on ${os.cpus().length} cores at some point: other engineers' test runs). Absolute numbers are depressed and noisy; the per-round ratios are the more trustworthy figures.`);
  lines.push('', '## Method', '');
  lines.push(
    `- ${BIG_MB} MiB file (random bytes, warm in the page cache), ${SMALL} × 4 KiB files, directories of 10,000 and 100,000 empty files. MB = 10^6 bytes.`,
    '- Every measurement is its own child process under `/usr/bin/time` (peak RSS = that process\'s maxrss). Login (and pool warm-up) is outside the timing, except where a curl row says otherwise; curl big transfers are timed as `time_total − time_pretransfer`.',
    '- All contenders in the same round, order reversed every other round; value = median over rounds; ratios = median of per-round ratios (same round). Ceilings: raw TCP in each runtime against a Node peer (1 MiB writes; node:net for Node and Bun, `Deno.connect` for Deno: the APIs @ftpkit/transport uses), and the disk: `cat big > file` on the same filesystem. After a big file is written: rm, `sync`, a pause.',
    `- W6: vsftpd \`local_max_rate=${CAP}\` (bytes/s per connection); the ceiling is ${POOL} × the cap. W7: the testkit's delay proxy (\`startDelayProxy\`, ${DELAY_MS} ms each way = ${2 * DELAY_MS} ms RTT, 4 MiB per-direction buffer) on 127.0.0.2; data connections follow the control host.`,
    '- `ftpkit, subscribed to tracing (node)`: a subscriber on every `diagnostics_channel` channel of the client (each handler counts its events); the plain rows have none. See "Tracing" below.',
    '- The plain `ftpkit` rows use the default options. Their `pipelining` default (`\'auto\'`) is on with this vsftpd, whose greeting is its default banner: once EPSV has worked, EPSV and the transfer command go out in one write, uploads start at the data connection\'s open rather than at the 150, and calls made at once (a tree\'s copies) run two at a time, the next set up behind the running one. `ftpkit, one command at a time (node)`: `pipelining: false`, what the default saves.',
    '- `ftpkit lending (runtime)` (W1 and W3 to a discarding sink): the same counting callback wrapped in `lending()`, which lends each chunk until the callback returns, so the transport reads into the memory it gives back. The plain `ftpkit` rows give the callback its chunks to keep.',
    '- W8 (w8.mjs): trees of 1 KiB files, 10 per folder, mirrored down into an empty folder and up into an empty remote folder, then again with nothing changed; each row is a whole process (start, login, listings, copies) under `/usr/bin/time`, CPU = its user + system seconds. lftp 4.9 from Debian with `set ftp:ssl-allow no`. The 10,000-file tree is also mirrored over the delay proxy by the contenders that copy 8 at once (lftp with `set ftp:prefer-epsv yes` there, so its data goes through the proxy too). The 100,000-file rows and the delayed rows run in the first `BENCH_W8_100K_RUNS` rounds (default 1). `Pool(8).mirror` also runs under Deno and Bun on the 10,000-file tree over loopback.',
    '- basic-ftp has no pool: its parallel rows use 8 independent clients on a shared work queue (labelled). curl FTPS small files: only a few, because curl stalls about 200 ms per file on a reused FTPS connection to vsftpd (see the baseline research).',
    '- Caveats seen while building this: curl 7.88.1 on a reused plain connection sometimes waits exactly 1 s between "Connecting to 127.0.0.1 port …" and "Trying …" for a data connection (`--trace-time`), so its many-small-files rows swing from ~1,300 to ~15 files/s and are no reference. Deno 2.9.6 cannot resume TLS sessions, so every FTPS data connection from Deno is a full handshake (its W4 FTPS rows). vsftpd\'s `local_max_rate` lets each new transfer start with a burst, so 8 ranges can beat 8 × the nominal cap. The delay proxy cannot delay the client\'s own TCP handshake; it charges that round trip to the server side instead (see delay-proxy.ts).',
  );
  const med = (w, c, key = 'value') => median((results[w]?.[c] ?? []).map((e) => e?.[key]));
  const perRound = (w, a, wb, b, lowerIsBetter) => {
    const ra = results[w]?.[a] ?? [];
    const rb = results[wb]?.[b] ?? [];
    const ratios = ra.map((e, i) => (e?.value !== undefined && rb[i]?.value !== undefined ? (lowerIsBetter ? rb[i].value / e.value : e.value / rb[i].value) : NaN));
    return median(ratios);
  };
  const fmt = (x, unit) => (Number.isFinite(x) ? (unit === 's' ? x.toFixed(3) : x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—');
  const fr = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
  const ceilingFor = (w, c) => {
    const src = w.ceilingOf ?? w.id;
    const names = Object.keys(results[src] ?? {});
    if (src === 'W1-file' || src === 'W3-file') return names.find((n) => n.startsWith('disk')) && [src, names.find((n) => n.startsWith('disk'))];
    const raws = names.filter((n) => n.startsWith('raw'));
    const mine = raws.find((n) => n.endsWith(`(${c.runtime})`));
    return mine ? [src, mine] : undefined;
  };
  const basicName = (w) => w.contenders.find((c) => c.kind === 'basic-ftp' && (!c.name.includes('×') || w.id.includes('pool')))?.name;
  lines.push('', '## Results', '');
  for (const w of W) {
    if (!results[w.id]) continue;
    const better = w.lowerIsBetter ? 'lower is better' : 'higher is better';
    lines.push(`### ${w.title}`, '', `Unit: ${w.unit} (${better}). Ratios > 1 mean the row is better than the reference.`, '');
    const baseCol = BASE_WORKER ? ' vs base |' : '';
    // W8 has no ceiling: its column is the process's CPU (user + system), median over rounds.
    lines.push(`| contender | median ${w.unit} | min–max | vs basic-ftp | ${w.cpu ? 'CPU s' : 'vs ceiling'} | peak RSS MB |${baseCol}`, `| --- | --- | --- | --- | --- | --- |${BASE_WORKER ? ' --- |' : ''}`);
    const bf = basicName(w);
    for (const c of w.contenders) {
      const entries = results[w.id][c.name] ?? [];
      const na = entries.find((e) => e?.unavailable);
      if (na) {
        lines.push(`| ${c.name} | not available (${na.unavailable}) | | | | |${BASE_WORKER ? ' |' : ''}`);
        continue;
      }
      const vals = entries.map((e) => e?.value).filter(Number.isFinite);
      const errors = entries.filter((e) => e?.error).length;
      const ceil = c.kind === 'ceiling' ? undefined : w.id === 'W6' ? ['cap', null] : ceilingFor(w, c);
      const vsCeil = ceil?.[0] === 'cap' ? med(w.id, c.name) / ((POOL * CAP) / 1e6) : ceil ? perRound(w.id, c.name, ceil[0], ceil[1], w.lowerIsBetter) : NaN;
      const vsBf = bf && c.name !== bf && c.kind !== 'ceiling' ? perRound(w.id, c.name, w.id, bf, w.lowerIsBetter) : NaN;
      const range = vals.length ? `${fmt(Math.min(...vals), w.unit)}–${fmt(Math.max(...vals), w.unit)}` : '';
      const vsBase = BASE_WORKER && c.kind === 'ftpkit' ? ` ${fr(perRound(w.id, c.name, w.id, `${c.name} @base`, w.lowerIsBetter))} |` : BASE_WORKER ? ' |' : '';
      lines.push(`| ${c.kind === 'ceiling' ? `*${c.name}*` : c.name} | ${fmt(med(w.id, c.name), w.unit)}${errors ? ` (${errors} failed)` : ''} | ${range} | ${fr(vsBf)} | ${w.cpu ? fmt(med(w.id, c.name, 'cpuS'), 's') : fr(vsCeil)} | ${fmt(Math.max(...entries.map((e) => e?.rssMB ?? NaN).filter(Number.isFinite)), 'MB')} |${vsBase}`);
    }
    const errs = Object.entries(results[w.id]).flatMap(([n, es]) => es.filter((e) => e?.error).map((e) => `${n}: ${e.error.split('\n')[0].slice(0, 200)}`));
    if (errs.length) lines.push('', 'Failures:', ...[...new Set(errs)].map((e) => `- ${e}`));
    lines.push('');
  }
  lines.push('## Goals (issue 21)', '', '| goal | row | measured | verdict |', '| --- | --- | --- | --- |');
  const goal = (text, row, measured, ok) => lines.push(`| ${text} | ${row} | ${measured} | ${ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**'} |`);
  const has = (id) => results[id] !== undefined;
  issue21Goals({ W, results, perRound, med, median, fmt, fr, RUNTIMES, DELAY_MS, listing }, goal);
  mirrorGoals(W, results, { perRound, median, goal, fr });
  mirrorSection(W, results, { median, lines });
  tracingSection();
  lines.push('');
  return lines.join('\n');

  /**
   * Issue 20: what the client's diagnostics_channel events cost. Per-round ratios of the same
   * workload (> 1: the first row is faster), their median and min–max: the ftpkit row without a
   * subscriber against its `@base` twin (BENCH_BASELINE: a checkout without the tracing code), and
   * the row with a subscriber on every channel against the one without.
   */
  function tracingSection() {
    const rows = W.flatMap((w) => (has(w.id) ? w.contenders.filter((c) => c.tracing).map((c) => [w, c]) : []));
    if (rows.length === 0) return;
    const ratios = (w, a, b) => {
      const ra = results[w.id]?.[a] ?? [];
      const rb = results[w.id]?.[b] ?? [];
      const all = ra.map((e, i) => (e?.value !== undefined && rb[i]?.value !== undefined ? e.value / rb[i].value : NaN)).filter(Number.isFinite);
      return all.length ? `${fr(median(all))} | ${fr(Math.min(...all))}–${fr(Math.max(...all))}` : '— | —';
    };
    lines.push('', '## Tracing (issue 20)', '');
    lines.push(
      'Same-round ratios of files/s, median and min–max over the rounds (> 1: the first row is faster). "No subscriber" is the',
      'cost of the tracing code when nothing listens (one `hasSubscribers` read per event), against the same worker on a',
      `checkout without it${BASE_WORKER ? ` (\`BENCH_BASELINE\`=${BASELINE})` : ' (run with `BENCH_BASELINE` to get it)'}; "subscribed" is a subscriber`,
      'on every channel (each handler counts its events) against no subscriber.',
      '',
      '| workload | comparison | median | min–max |',
      '| --- | --- | --- | --- |',
    );
    for (const [w, c] of rows) {
      if (BASE_WORKER) lines.push(`| ${w.id} | no subscriber: ${c.tracing} vs ${c.tracing} @base | ${ratios(w, c.tracing, `${c.tracing} @base`)} |`);
      lines.push(`| ${w.id} | subscribed: ${c.name} vs ${c.tracing} | ${ratios(w, c.name, c.tracing)} |`);
    }
  }
}
