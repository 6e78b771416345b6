// The live heap of one `Pool(8).mirror` down (issue 21, W8): what a tree transfer keeps per file.
// Every 250 ms a forced GC, then `heapUsed`: the most live heap during the run, and the live heap
// with the result still held (what the result's per-file lists cost). Peak RSS is printed too, but
// forced GCs change it: W8's rows (w8.mjs) are the RSS record.
//
//   node --expose-gc packages/bench/src/w8-heap.mjs <checkout> <files> [<files> ...]
//
// <checkout>: a built ftpkit checkout (its packages/client/dist is measured); the tree (1 KiB files,
// 10 a folder, as W8's) is made in a temporary folder and served by vsftpd (testkit).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startServer } from '@ftpkit/testkit';

const [checkout, ...sizes] = process.argv.slice(2);
if (typeof gc !== 'function' || !checkout || sizes.length === 0) throw new Error('usage: node --expose-gc w8-heap.mjs <checkout> <files>...');
const { Pool } = await import(join(checkout, 'packages/client/dist/index.js'));
const scratch = mkdtempSync(join(os.tmpdir(), 'ftpkit-w8-heap-'));
chmodSync(scratch, 0o755); // the server's user reads the tree below it
const FILE = new Uint8Array(1024).fill(42);
try {
  for (const files of sizes.map(Number)) {
    for (let d = 0; d < files / 10; d++) {
      const folder = join(scratch, 'root', `t${files}`, `d${String(d).padStart(5, '0')}`);
      mkdirSync(folder, { recursive: true });
      for (let i = 0; i < 10; i++) writeFileSync(join(folder, `f${String(i).padStart(4, '0')}.bin`), FILE);
    }
  }
  const server = await startServer('vsftpd', { root: join(scratch, 'root'), tls: false });
  try {
    // One function call a size: what one run's frame held is garbage before the next (a suspended
    // async function keeps its locals).
    const measure = async (files) => {
      let maxLive = 0;
      let maxRss = 0;
      const sample = () => {
        gc();
        const m = process.memoryUsage();
        maxLive = Math.max(maxLive, m.heapUsed);
        maxRss = Math.max(maxRss, m.rss);
      };
      const timer = setInterval(sample, 250);
      const pool = new Pool({ host: server.host, port: server.port, user: server.user, password: server.password, size: 8 });
      const t0 = performance.now();
      const result = await pool.mirror({ direction: 'download', remote: `t${files}`, local: join(scratch, `out${files}`) });
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(timer);
      sample();
      const withResult = process.memoryUsage().heapUsed;
      await pool.close();
      const mb = (bytes) => +(bytes / 1e6).toFixed(1);
      return { files: result.copied.length, seconds: +seconds.toFixed(1), maxLiveMB: mb(maxLive), liveWithResultMB: mb(withResult), maxRssMB: mb(maxRss), load: os.loadavg()[0] };
    };
    for (const files of sizes.map(Number)) console.log(JSON.stringify(await measure(files)));
  } finally {
    await server.stop();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
