// pnpm bench:transport — download throughput through each runtime's adapter against that runtime's
// plainest socket loop (the ceiling), plain TCP and TLS, in one run, from one local Node server.
//
// The server (this process) sends BENCH_BYTES (default 1 GiB) on every connection and closes. Each
// measurement is a fresh client process (node, deno or bun running bench/client.mjs) that reads to
// the end; contenders alternate run by run and the median of BENCH_RUNS (default 3) is reported.
// For Bun, a node:net loop is measured too: it is what Bun's adapter is built on. For Deno, a loop
// that takes a fresh buffer per read is measured too: the ceiling for chunks the caller owns.
// Needs `pnpm build` first (the clients import dist/). Prints a markdown table.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const fixtures = (name) => here(`../test/fixtures/${name}`);

const block = Buffer.alloc(1024 * 1024, 0x5a);
function blast(socket) {
  socket.on('error', () => {});
  let left = BYTES;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, block.length);
      left -= n;
      if (!socket.write(n === block.length ? block : block.subarray(0, n))) return void socket.once('drain', pump);
    }
    socket.end();
  };
  pump();
}

function listen(server) {
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server.address().port)));
}

const ports = {
  plain: await listen(net.createServer(blast)),
  tls: await listen(
    tls.createServer({ key: readFileSync(fixtures('server.key')), cert: readFileSync(fixtures('server.pem')) }, blast),
  ),
};

const only = process.env.BENCH_ONLY?.split(',');
const runtimes = [
  { name: 'node', command: process.execPath, args: [], ceiling: 'node:net `data` events' },
  { name: 'deno', command: 'deno', args: ['run', '-A'], ceiling: '`Deno.connect` + `conn.read(64 KiB buffer)` loop' },
  { name: 'bun', command: 'bun', args: [], ceiling: '`Bun.connect` `data` handler' },
];

function version(command, args) {
  const out = spawnSync(command, args, { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim().split('\n')[0] : undefined;
}

// With two or more CPUs and `taskset`, the server keeps CPU 0 and each client gets CPU 1: otherwise
// the scheduler moving both around the same cores doubles the run-to-run spread on a small VM.
const pinned = os.cpus().length >= 2 && spawnSync('taskset', ['-pc', '0', String(process.pid)]).status === 0;

function measure(runtime, contender, mode) {
  return new Promise((resolve, reject) => {
    const argv = [...runtime.args, here('./client.mjs'), contender, mode, String(ports[mode]), String(BYTES), fixtures('ca.pem')];
    const child = spawn(
      pinned ? 'taskset' : runtime.command,
      pinned ? ['-c', '1', runtime.command, ...argv] : argv,
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${runtime.name} ${contender} ${mode} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()).mbps);
    });
  });
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const rows = [];
for (const runtime of runtimes) {
  if (only !== undefined && !only.includes(runtime.name)) continue;
  const v = runtime.name === 'node' ? process.version : version(runtime.command, ['--version']);
  if (v === undefined) {
    console.error(`skipping ${runtime.name}: '${runtime.command}' not found`);
    continue;
  }
  runtime.version = v.replace(/^deno (\S+).*/, '$1');
  const contenders = ['ceiling', 'adapter', ...(runtime.name === 'bun' ? ['nodenet'] : runtime.name === 'deno' ? ['owned'] : [])];
  for (const mode of ['plain', 'tls']) {
    const results = Object.fromEntries(contenders.map((c) => [c, []]));
    for (let round = 0; round < RUNS; round++) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const contender of order) results[contender].push(await measure(runtime, contender, mode));
    }
    const row = { runtime, mode, ...Object.fromEntries(contenders.map((c) => [c, median(results[c])])) };
    rows.push(row);
    const nodenet =
      (row.nodenet !== undefined ? `, node:net loop ${row.nodenet.toFixed(0)}` : '') +
      (row.owned !== undefined ? `, owned-chunk loop ${row.owned.toFixed(0)}` : '');
    console.error(
      `${runtime.name} ${mode}: ceiling ${row.ceiling.toFixed(0)} MB/s, adapter ${row.adapter.toFixed(0)} MB/s${nodenet} ` +
        `(runs: ${contenders.map((c) => `${c} ${results[c].map((x) => x.toFixed(0)).join('/')}`).join('; ')})`,
    );
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\nReceiving ${BYTES / 1024 ** 3} GiB from a local Node ${process.version} server, median of ${RUNS} runs, ` +
    `${os.cpus().length} × ${cpu}${pinned ? ', server on CPU 0 and client on CPU 1' : ''}\n`,
);
console.log('| runtime | mode | ceiling (plainest loop) | adapter | adapter / ceiling |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.runtime.name} ${r.runtime.version} | ${r.mode} | ${r.ceiling.toFixed(0)} MB/s | ${r.adapter.toFixed(0)} MB/s | ${((r.adapter / r.ceiling) * 100).toFixed(0)} % |`,
  );
}
const bun = rows.filter((r) => r.nodenet !== undefined);
if (bun.length > 0) {
  console.log('\nBun, node:net loop (what the Bun adapter is built on) against the Bun.connect ceiling:\n');
  console.log('| mode | Bun.connect loop | node:net loop | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of bun) {
    console.log(`| ${r.mode} | ${r.ceiling.toFixed(0)} MB/s | ${r.nodenet.toFixed(0)} MB/s | ${((r.nodenet / r.ceiling) * 100).toFixed(0)} % |`);
  }
}
const deno = rows.filter((r) => r.owned !== undefined);
if (deno.length > 0) {
  console.log('\nDeno, against a loop that allocates a fresh 64 KiB buffer per read (chunks the caller may keep):\n');
  console.log('| mode | fresh-buffer loop | adapter | adapter / fresh-buffer loop |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of deno) {
    console.log(`| ${r.mode} | ${r.owned.toFixed(0)} MB/s | ${r.adapter.toFixed(0)} MB/s | ${((r.adapter / r.owned) * 100).toFixed(0)} % |`);
  }
}
console.log(`\nCeilings: ${runtimes.filter((r) => r.version).map((r) => `${r.name}: ${r.ceiling}`).join('; ')}.`);
process.exit(0);
