// Mirror soak (issue 18, "Long unattended jobs"), not part of CI: `FTPKIT_SOAK_MODE=mirror pnpm soak`
// runs it on the built client (see soak.mjs).
//
// A job left running over a bad network: a real vsftpd from @ftpkit/testkit, explicit FTPS (or plain
// with FTPKIT_SOAK_SECURE=plain), reached through testkit's cut proxy, which drops connections at
// random for the whole run: at intervals drawn from the seed it resets one data connection, every
// connection (control ones too: a dropped network), or one control connection. A seeded tree of
// files (nested folders; mostly small, some several MiB) is mirrored up with a Pool whose `retry` is
// on, every file checked with `verify: 'size'` (vsftpd has no checksum command), then mirrored back
// down into a fresh folder the same way. Every file is then compared by SHA-256 with its source, on
// the server's disk and in the downloaded copy, and neither may hold a file the source does not.
//
// Reported: files and bytes; the proxy's drops by kind; retries (from `onRetry`: by call, by error,
// and the most for one path); per direction, the bytes the data connections carried through the
// proxy (both ways, TLS records and listings included) against the file bytes, a ratio near 1 showing
// that retried transfers resumed rather than sent files again in full; wall time and peak RSS. A last
// line `soak-result {json}` carries the same numbers. Exit code 1 on any mismatch, missing or extra
// file, a call that failed for good (a failure not retried, or retries used up), or a process
// warning (MaxListenersExceededWarning: a listener left behind per retry).
//
// Environment: FTPKIT_SOAK_FILES (1000), FTPKIT_SOAK_SEED (random), FTPKIT_SOAK_DROP_MS (500: the
// mean time between drops), FTPKIT_SOAK_ALL_SHARE (0.2) and FTPKIT_SOAK_CONTROL_SHARE (0.1) (the rest
// of the drops reset one data connection), FTPKIT_SOAK_SESSIONS (4), FTPKIT_SOAK_SECURE (explicit),
// FTPKIT_SOAK_RETRIES (20), FTPKIT_SOAK_KEEP (set: keep the local folders).
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, startCutProxy, startServer } from '@ftpkit/testkit';
import { attemptsOf, Pool } from '../dist/index.js';

const env = process.env;
const FILES = Number(env.FTPKIT_SOAK_FILES ?? 1000);
const SEED = Number(env.FTPKIT_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DROP_MS = Number(env.FTPKIT_SOAK_DROP_MS ?? 500);
const ALL_SHARE = Number(env.FTPKIT_SOAK_ALL_SHARE ?? 0.2);
const CONTROL_SHARE = Number(env.FTPKIT_SOAK_CONTROL_SHARE ?? 0.1);
const SESSIONS = Number(env.FTPKIT_SOAK_SESSIONS ?? 4);
const SECURE = env.FTPKIT_SOAK_SECURE ?? 'explicit';
const RETRIES = Number(env.FTPKIT_SOAK_RETRIES ?? 20);
const KEEP = Boolean(env.FTPKIT_SOAK_KEEP);
/** Its own loopback address, so that a test run beside it (on 127.0.0.2) never shares its ports. */
const PROXY_HOST = '127.0.0.60';
const REMOTE = '/mirror';
const KiB = 1024;
const MiB = 1024 * KiB;

if (!(Number.isInteger(FILES) && FILES > 0) || !(DROP_MS > 0) || !['explicit', 'plain'].includes(SECURE)) {
  console.error('FTPKIT_SOAK_FILES must be a whole number above 0, FTPKIT_SOAK_DROP_MS above 0, FTPKIT_SOAK_SECURE explicit or plain');
  process.exit(2);
}

const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;
const sizeText = (n) => (n < KiB ? `${n} B` : n < MiB ? `${(n / KiB).toFixed(1)} KiB` : mib(n));
const failures = [];
const fail = (text) => {
  failures.push(text);
  if (failures.length <= 20) console.error(`FAIL ${text}`);
};
// A warning (MaxListenersExceededWarning above all: a listener left behind per retry) is a leak.
process.on('warning', (warning) => fail(`${warning.name}: ${warning.message}`));

// --- The tree: folders, then files with a seeded mix of sizes, their bytes from the seed too. ---

const random = seededRandom(SEED);
const int = (n) => Math.floor(random() * n);
/** Mostly small, some larger, a few of several MiB: about 180 KiB a file on average. */
const fileSize = () => {
  const r = random();
  if (r < 0.85) return int(64 * KiB);
  if (r < 0.975) return 64 * KiB + int(960 * KiB);
  return 2 * MiB + int(3 * MiB);
};
const folders = [{ path: '', depth: 0 }];
for (let i = 1, count = Math.max(1, Math.round(FILES / 15)); i < count; i++) {
  const parents = folders.filter((f) => f.depth < 4);
  const parent = parents[int(parents.length)];
  folders.push({ path: `${parent.path}d${i}/`, depth: parent.depth + 1 });
}
/** Path (relative, `/`-separated) → size and SHA-256 of the source file. */
const source = new Map();
/** File `n`'s bytes: an AES-CTR key stream, keyed by the seed, its counter starting at `n`. Fast, and replayable. */
const key = createHash('sha256').update(`ftpkit mirror soak ${SEED}`).digest().subarray(0, 16);
const bytesOf = (n, size) => {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(n, 0);
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(size));
};

const scratch = await mkdtemp(join(tmpdir(), 'ftpkit-soak-mirror-'));
const up = join(scratch, 'source');
const down = join(scratch, 'copy');
const generating = performance.now();
for (const f of folders) await mkdir(join(up, f.path), { recursive: true });
let totalBytes = 0;
for (let n = 0; n < FILES; n++) {
  const path = `${folders[int(folders.length)].path}f${n}.bin`;
  const size = fileSize();
  const bytes = bytesOf(n, size);
  await writeFile(join(up, path), bytes);
  source.set(path, { size, sha256: createHash('sha256').update(bytes).digest('hex') });
  totalBytes += size;
}
const sizes = [...source.values()].map((f) => f.size);
const generatedIn = (performance.now() - generating) / 1000;

// --- The server, the proxy in front of it, and the pool that mirrors through it. ---

const server = await startServer('vsftpd', {});
const proxy = await startCutProxy({ target: server, host: PROXY_HOST });
const retries = { total: 0, byCall: {}, byError: {}, examples: {}, byPath: new Map() };
const errorName = (e) => (e instanceof Error ? `${e.name}${e.reply?.code ? ` ${e.reply.code}` : ''}${e.osCode ? ` ${e.osCode}` : ''}` : String(e));
const onRetry = (event) => {
  retries.total++;
  retries.byCall[event.call] = (retries.byCall[event.call] ?? 0) + 1;
  const name = errorName(event.error);
  retries.byError[name] = (retries.byError[name] ?? 0) + 1;
  retries.examples[name] ??= String(event.error?.message ?? event.error).slice(0, 160);
  const where = `${event.call} ${event.path ?? ''}`;
  retries.byPath.set(where, (retries.byPath.get(where) ?? 0) + 1);
};
const pool = new Pool({
  host: proxy.host,
  port: proxy.port,
  user: server.user,
  password: server.password,
  secure: SECURE === 'explicit' ? 'explicit' : false,
  tls: { ca: server.caPem, servername: 'localhost' },
  size: SESSIONS,
  // A dropped connection shows at once (the proxy resets both sides); the bounds are for a loaded machine.
  timeouts: { connect: 15_000, reply: 30_000, dataIdle: 30_000 },
  retry: { retries: RETRIES, delay: 100, maxDelay: 2_000, onRetry },
});

console.log(
  `mirror soak: seed ${SEED}; ${FILES} files in ${folders.length} folders, ${mib(totalBytes)} (made in ${generatedIn.toFixed(1)} s); ` +
    `vsftpd ${server.version}, ${SECURE === 'explicit' ? 'explicit FTPS' : 'plain FTP'} through the cut proxy on ${proxy.host}, ` +
    `a drop every ~${DROP_MS} ms; Pool of ${SESSIONS}, retry ${RETRIES}, verify 'size'`,
);

const started = performance.now();
const drops = proxy.dropAtRandom({ seed: SEED, intervalMs: DROP_MS, allShare: ALL_SHARE, dataShare: 1 - ALL_SHARE - CONTROL_SHARE });
const phases = {};
/** Per direction, the files whose copy the mirror reported finished (`onFile`). */
const finished = { upload: new Set(), download: new Set() };
let done = 0;
let phase = 'upload';
const ticker = setInterval(() => {
  const d = proxy.drops();
  console.log(`  ${phase.padEnd(8)} ${String(done).padStart(5)}/${FILES} files  drops ${d.data + d.control + d.all}  retries ${retries.total}  rss ${mib(process.memoryUsage().rss)}  ${((performance.now() - started) / 1000).toFixed(0)} s`);
}, 10_000);

async function run(direction, local) {
  phase = direction;
  done = 0;
  const wireBefore = proxy.dataBytes();
  const at = performance.now();
  let copied = 0;
  let bytes = 0;
  try {
    const result = await pool.mirror({
      direction,
      local,
      remote: REMOTE,
      verify: 'size',
      onFile: (e) => {
        if (e.phase !== 'finish' || e.kind !== 'copy') return;
        finished[direction].add(e.path);
        done++;
      },
    });
    copied = result.copied.length;
    bytes = result.copied.reduce((sum, c) => sum + c.bytes, 0);
    if (copied !== FILES) fail(`${direction}: ${copied} files copied, not ${FILES}`);
    if (result.skipped.length > 0) fail(`${direction}: skipped ${result.skipped.map((s) => s.path).join(', ')}`);
  } catch (err) {
    fail(`${direction} failed for good after ${attemptsOf(err) ?? 1} attempt(s): ${errorName(err)}: ${err?.message}`);
  }
  const wire = proxy.dataBytes() - wireBefore;
  phases[direction] = { files: copied, bytes, wire, ratio: wire / totalBytes, seconds: (performance.now() - at) / 1000 };
}

await run('upload', up);
await run('download', down);
drops.stop();
clearInterval(ticker);
const seconds = (performance.now() - started) / 1000;

// --- Every file, by SHA-256: on the server's disk, and downloaded back; nothing more on either. ---

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}
async function filesUnder(root, prefix = '') {
  const out = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true }).catch(() => [])) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) out.push(...(await filesUnder(root, `${path}/`)));
    else out.push(path);
  }
  return out;
}
const checks = { compared: 0, mismatched: 0, missing: 0, extra: 0 };
/** One failure per kind of problem, with its count and the first paths. */
const problems = new Map();
const problem = (kind, path) => {
  const list = problems.get(kind) ?? [];
  list.push(path);
  problems.set(kind, list);
};
for (const [where, root, direction] of [['server', join(server.root, REMOTE), 'upload'], ['copy', down, 'download']]) {
  const found = new Set(await filesUnder(root));
  // A file the mirror said it copied must be right; one it never finished (a call that failed for
  // good stops the others, fail-fast) is only a consequence of that failure.
  const said = (path) => (finished[direction].has(path) ? `its ${direction} finished` : `its ${direction} never finished`);
  for (const [path, { sha256 }] of source) {
    checks.compared++;
    if (!found.has(path)) {
      checks.missing++;
      problem(`${where}: missing, ${said(path)}`, path);
      continue;
    }
    found.delete(path);
    if ((await sha256File(join(root, path))) !== sha256) {
      checks.mismatched++;
      problem(`${where}: SHA-256 differs, ${said(path)}`, path);
    }
  }
  for (const path of found) {
    checks.extra++;
    problem(`${where}: not in the source (a partial or temporary file left behind)`, path);
  }
}
// The worst first: a wrong file the mirror reported copied is a silent corruption.
const severity = (kind) => (kind.includes('never finished') ? 2 : kind.includes('differs') ? 0 : 1);
for (const [kind, paths] of [...problems].sort(([a], [b]) => severity(a) - severity(b))) {
  fail(`${kind}: ${paths.length} (${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', ...' : ''})`);
}

await pool.close();
const dropReport = drops.report();
const dropCounts = proxy.drops();
await proxy.close();
await server.stop();
if (!KEEP) await rm(scratch, { recursive: true, force: true });

const peakRss = process.resourceUsage().maxRSS * 1024;
const [worstPath, worstCount] = [...retries.byPath].reduce((a, b) => (b[1] > a[1] ? b : a), ['-', 0]);
const line = (direction) => {
  const p = phases[direction];
  return p
    ? `${p.files} files, ${mib(p.bytes)} of files, ${mib(p.wire)} through the data connections (${p.ratio.toFixed(3)} of the file bytes), ${p.seconds.toFixed(1)} s`
    : 'not run';
};
console.log(`
mirror soak summary (seed ${SEED})
  server            vsftpd ${server.version}, ${SECURE === 'explicit' ? 'explicit FTPS' : 'plain FTP'}, through the cut proxy; Pool of ${SESSIONS}
  files             ${FILES} in ${folders.length} folders, ${mib(totalBytes)} (${sizeText(Math.min(...sizes))} to ${sizeText(Math.max(...sizes))}; ${sizes.filter((s) => s >= MiB).length} of 1 MiB or more)
  drops             ${dropCounts.data + dropCounts.control + dropCounts.all}: one data connection ${dropCounts.data}, every connection ${dropCounts.all}, one control connection ${dropCounts.control} (a drop every ~${DROP_MS} ms; ${dropReport.missed} found nothing to drop)
  upload            ${line('upload')}
  download          ${line('download')}
  retries           ${retries.total}; most for one path ${worstCount} (${worstPath.trim()})
    by call         ${JSON.stringify(retries.byCall)}
    by error        ${JSON.stringify(retries.byError)}
${Object.entries(retries.examples).map(([name, text]) => `      ${name}: ${text}`).join('\n')}
  verified          ${checks.compared} comparisons by SHA-256 (server's disk and the copy): ${checks.mismatched} differ, ${checks.missing} missing, ${checks.extra} extra
  wall time         ${seconds.toFixed(1)} s (mirroring; making the files took ${generatedIn.toFixed(1)} s)
  peak RSS          ${mib(peakRss)}
  failures          ${failures.length}${KEEP ? `\n  kept            ${scratch}` : ''}`);
for (const f of failures.slice(0, 20)) console.log(`    ${f}`);
console.log(
  `soak-result ${JSON.stringify({
    seed: SEED,
    files: FILES,
    bytes: totalBytes,
    secure: SECURE,
    drops: dropCounts,
    retries: retries.total,
    maxRetriesPerPath: worstCount,
    retriesByCall: retries.byCall,
    retriesByError: retries.byError,
    upload: phases.upload,
    download: phases.download,
    seconds,
    peakRss,
    failures: failures.length,
  })}`,
);
if (failures.length > 0) process.exitCode = 1;
