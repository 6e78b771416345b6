// pnpm bench:client — @ftpkit/client against basic-ftp on the same vsftpd, in one run.
//
// vsftpd (from @ftpkit/testkit) serves a 1 GiB file, 1,000 files of 4 KiB and a directory of 10,000
// entries. Each measurement runs in its own process (so peak RSS is that contender's alone); the
// contenders alternate and the order flips each round; medians of BENCH_RUNS rounds (default 5).
// Options: BENCH_RUNS, BENCH_BIG_MB (default 1024).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '@ftpkit/testkit';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 1024);
const worker = fileURLToPath(new URL('./client-worker.mjs', import.meta.url));
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const server = await startServer('vsftpd', { tls: false, anonymous: false });
const local = mkdtempSync(join(os.tmpdir(), 'ftpkit-bench-'));
try {
  // Server-side content, written straight into the server's root.
  const chunk = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 255);
  for (const path of [join(server.root, 'big.bin'), join(local, 'big.bin')]) {
    const fd = openSync(path, 'w');
    for (let i = 0; i < BIG_MB; i++) writeSync(fd, chunk);
    closeSync(fd);
  }
  for (const d of ['small', 'many', 'up']) mkdirSync(join(server.root, d), { recursive: true });
  for (let i = 0; i < 1000; i++) writeFileSync(join(server.root, 'small', `f${String(i).padStart(4, '0')}.bin`), chunk.subarray(0, 4096));
  for (let i = 0; i < 10000; i++) writeFileSync(join(server.root, 'many', `entry-${i}.txt`), '');
  execFileSync('chown', ['-R', `${server.user}:`, server.root]);

  const workloads = [
    { name: `${BIG_MB} MiB download (discarding sink)`, key: 'download', unit: 'MB/s', value: (r) => r.bytes / 1e6 / (r.ms / 1000) },
    { name: `${BIG_MB} MiB upload (from a file)`, key: 'upload', unit: 'MB/s', value: (r) => r.bytes / 1e6 / (r.ms / 1000) },
    { name: '1,000 × 4 KiB downloads, one connection', key: 'small-down', unit: 'files/s', value: (r) => r.files / (r.ms / 1000) },
    { name: '1,000 × 4 KiB uploads, one connection', key: 'small-up', unit: 'files/s', value: (r) => r.files / (r.ms / 1000) },
    { name: '10,000-entry listing', key: 'list', unit: 'ms', value: (r) => r.ms, lowerIsBetter: true },
  ];
  const contenders = ['ftpkit', 'basic-ftp'];
  const rows = [];
  for (const w of workloads) {
    const results = Object.fromEntries(contenders.map((c) => [c, { values: [], rss: [] }]));
    for (let round = 0; round < RUNS; round++) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const c of order) {
        const out = JSON.parse(execFileSync(process.execPath, [worker, c, w.key, String(server.port), local], { encoding: 'utf8' }).trim().split('\n').pop());
        results[c].values.push(w.value(out));
        results[c].rss.push(out.maxRssMB);
      }
    }
    const ours = median(results.ftpkit.values);
    const theirs = median(results['basic-ftp'].values);
    rows.push({
      name: w.name,
      unit: w.unit,
      ours,
      theirs,
      ratio: w.lowerIsBetter ? theirs / ours : ours / theirs,
      rssOurs: Math.max(...results.ftpkit.rss),
      rssTheirs: Math.max(...results['basic-ftp'].rss),
    });
    process.stderr.write(`${w.name}: ftpkit ${ours.toFixed(1)} ${w.unit}, basic-ftp ${theirs.toFixed(1)} ${w.unit}\n`);
  }
  const basicVersion = JSON.parse(execFileSync(process.execPath, ['-p', 'JSON.stringify(require("basic-ftp/package.json"))'], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) })).version;
  console.log(`\n## @ftpkit/client vs basic-ftp ${basicVersion} on ${server.kind} ${server.version}, loopback\n`);
  console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores. Median of ${RUNS} rounds, contenders alternating, one process per measurement.\n`);
  console.log('| workload | ftpkit | basic-ftp | ratio (>1 = ftpkit better) | peak RSS ftpkit | peak RSS basic-ftp |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.ours.toFixed(1)} ${r.unit} | ${r.theirs.toFixed(1)} ${r.unit} | ${r.ratio.toFixed(2)}× | ${r.rssOurs.toFixed(0)} MB | ${r.rssTheirs.toFixed(0)} MB |`);
  }
} finally {
  await server.stop();
  rmSync(local, { recursive: true, force: true });
}
