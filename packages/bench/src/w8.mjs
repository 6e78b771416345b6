// W8 of `pnpm bench` (issue 21): a mirror at scale, against lftp. Trees of small files (1 KiB each,
// 10 per folder) of 10,000 and 100,000 files, mirrored down into an empty folder and up into an
// empty remote folder, then the same again with nothing changed (a listing-bound run), on the
// bench's plain vsftpd over loopback.
//
// Contenders: the `ftpkit mirror --parallel 8` CLI, `Pool.mirror` with 8 sessions, `Client.mirror` on
// one session, `lftp -e "mirror --parallel=8"` (lftp from Debian; packages/testkit/servers/install.sh
// installs it), and basic-ftp's `downloadToDir`/`uploadFromDir` on one connection (no mirror: it
// copies everything, the "again" rows too). Every row is one whole process timed from its start
// (start, login, listing and copies: the CLI and lftp can only be timed so), with its peak RSS and CPU
// (user + system) from /usr/bin/time. A run whose target does not hold every file is a failure.
//
// Each contender has its own target folder: its "again" row finds what its first row left.
//
// The 10,000-file tree is also mirrored over the delay proxy (20 ms RTT with the bench's default
// BENCH_DELAY_MS), by the contenders that run 8 copies at once: one session there needs at least
// three round trips per file, over ten minutes a row (W7 measures one connection over that link).
// lftp is told to prefer EPSV there: with PASV it would take vsftpd's 127.0.0.1 and go round the
// proxy. The 100,000-file rows and the 20 ms rows run in the first BENCH_W8_100K_RUNS rounds only
// (default 1). `Pool.mirror` also runs under Deno and Bun on the 10,000-file tree over loopback.
// BENCH_W8_CONTENDERS (comma-separated slugs: cli, pool, client, pool-deno, pool-bun, lftp, basic)
// keeps only those contenders and their @base twins.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Each tree and link a W8 row runs on: `key` is in its id, `tree` names the source tree. */
const SIZES = [
  { key: '10k', tree: '10k', files: 10_000, folders: 1_000 },
  { key: '100k', tree: '100k', files: 100_000, folders: 10_000, slow: true },
  { key: '10k-20ms', tree: '10k', files: 10_000, folders: 1_000, slow: true, delayed: true },
];
const FILE = new Uint8Array(1024).fill(42);
const PARALLEL = 8;

/** `files` files of 1 KiB in `folders` folders under `dir` (made once). */
function makeTree(dir, files, folders) {
  if (existsSync(join(dir, '.complete'))) return;
  rmSync(dir, { recursive: true, force: true });
  const per = files / folders;
  for (let d = 0; d < folders; d++) {
    const folder = join(dir, `d${String(d).padStart(5, '0')}`);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < per; i++) writeFileSync(join(folder, `f${String(i).padStart(4, '0')}.bin`), FILE);
  }
  writeFileSync(join(dir, '.complete'), '');
}

/** Regular files below `dir`, not counting dot files (the tree's own marker). */
function countFiles(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) n += countFiles(join(dir, entry.name));
    else if (entry.isFile() && !entry.name.startsWith('.')) n++;
  }
  return n;
}

/**
 * The W8 workloads. `ctx`: the bench's `run` and `worker`, the server's `root` and `server`, the
 * same server behind the delay proxy (`delayed`, with `rttMs`), a `scratch` folder, `select(id)`
 * (BENCH_ONLY), `cli`/`baseCli` (the CLIs' bin.js), `baseWorker`.
 */
export function mirrorWorkloads(ctx) {
  const { run, worker, root, scratch, select, chown } = ctx;
  const slowRounds = Math.max(1, Number(process.env.BENCH_W8_100K_RUNS ?? 1));
  const out = [];
  for (const size of SIZES) {
    const ids = ['down', 'down-again', 'up', 'up-again'].map((d) => `W8-${size.key}-${d}`);
    if (!ids.some(select)) continue;
    const server = size.delayed ? ctx.delayed : ctx.server;
    const url = (path) => `ftp://${server.user}:${server.password}@${server.host}:${server.port}/${path}`;
    const lftpSet = `set ftp:ssl-allow no;${size.delayed ? ' set ftp:prefer-epsv yes;' : ''}`;
    const lftp = (command) => ['-u', `${server.user},${server.password}`, '-p', String(server.port), server.host, '-e', `${lftpSet} ${command}; quit`];
    const tree = `w8/t${size.tree}`;
    const source = join(root, tree);
    for (const direction of ['down', 'up']) {
      /**
       * One contender of this size and direction: `start(target)` runs it once into `target` (a local
       * folder down, a remote path under the server's root up) and resolves with the bench's result.
       */
      const contender = (name, kind, slug, start, runtime = 'node') => {
        const local = join(scratch, 'w8', `${slug}-${size.key}`);
        const remote = `w8up/${slug}-${size.key}`;
        const where = direction === 'down' ? local : join(root, remote);
        const once = async () => {
          const r = await start(direction === 'down' ? local : remote);
          if (r.error || r.unavailable) return r;
          const n = countFiles(where);
          return n === size.files ? r : { error: `the target holds ${n} of ${size.files} files` };
        };
        return {
          name,
          kind,
          slug,
          runtime,
          first: async () => {
            rmSync(where, { recursive: true, force: true });
            return once();
          },
          again: async () => {
            // The first row of this round left the mirror; alone (BENCH_ONLY), it is made here first.
            if (!existsSync(where) || countFiles(where) !== size.files) {
              rmSync(where, { recursive: true, force: true });
              await once();
            }
            return once();
          },
          clean: () => rmSync(where, { recursive: true, force: true }),
        };
      };
      const down = direction === 'down';
      const cliRow = (cli, slug, name) =>
        contender(name, 'ftpkit', slug, async (target) => {
          const args = down ? [url(tree), target] : [source, url(target)];
          const r = await run(process.execPath, [cli, 'mirror', '--parallel', String(PARALLEL), '-q', ...args]);
          return r.code === 0 ? { processMs: r.wallMs, maxRssMB: r.rssMB, cpuS: r.cpuS } : { error: `exit ${r.code}: ${r.stderr.slice(-300)}` };
        });
      const workerRow = (script, slug, name, workload, contenderKind = 'ftpkit', poolSize, runtime = 'node') =>
        contender(name, contenderKind === 'basic-ftp' ? 'basic-ftp' : 'ftpkit', slug, (target) =>
          worker(runtime, {
            contender: contenderKind,
            workload,
            host: server.host,
            port: server.port,
            direction: down ? 'download' : 'upload',
            remoteDir: down ? tree : target,
            localDir: down ? target : source,
            ...(poolSize ? { poolSize } : {}),
          }, script),
        runtime);
      const oneSession = !size.delayed;
      const rows = [
        cliRow(ctx.cli, 'cli', `ftpkit mirror --parallel ${PARALLEL} (CLI)`),
        workerRow(undefined, 'pool', `ftpkit Pool(${PARALLEL}).mirror (node)`, 'pool-mirror', 'ftpkit', PARALLEL),
        ...(oneSession ? [workerRow(undefined, 'client', 'ftpkit Client.mirror, one session (node)', 'mirror')] : []),
        ...(size.key === '10k' ? ['deno', 'bun'].map((rt) => workerRow(undefined, `pool-${rt}`, `ftpkit Pool(${PARALLEL}).mirror (${rt})`, 'pool-mirror', 'ftpkit', PARALLEL, rt)) : []),
        contender(`lftp mirror --parallel=${PARALLEL}`, 'lftp', 'lftp', async (target) => {
          const command = down ? `mirror --parallel=${PARALLEL} ${tree} ${target}` : `mirror -R --parallel=${PARALLEL} ${source} ${target}`;
          const r = await run('lftp', lftp(command));
          return r.code === 0 ? { processMs: r.wallMs, maxRssMB: r.rssMB, cpuS: r.cpuS } : { error: `lftp exit ${r.code}: ${r.stderr.slice(-300)}` };
        }),
        ...(oneSession ? [workerRow(undefined, 'basic', `basic-ftp ${down ? 'downloadToDir' : 'uploadFromDir'}, one connection`, 'mirror', 'basic-ftp')] : []),
      ];
      if (ctx.baseCli) {
        // The same-run baseline (BENCH_BASELINE): the ftpkit rows again, through the other checkout,
        // each right after its twin.
        const base = [
          cliRow(ctx.baseCli, 'cli-base', `ftpkit mirror --parallel ${PARALLEL} (CLI) @base`),
          workerRow(ctx.baseWorker, 'pool-base', `ftpkit Pool(${PARALLEL}).mirror (node) @base`, 'pool-mirror', 'ftpkit', PARALLEL),
          ...(oneSession ? [workerRow(ctx.baseWorker, 'client-base', 'ftpkit Client.mirror, one session (node) @base', 'mirror')] : []),
        ];
        base.forEach((b, i) => {
          b.kind = 'baseline';
          rows.splice(2 * i + 1, 0, b);
        });
      }
      // BENCH_W8_CONTENDERS (e.g. `cli,pool`): only these contenders (slugs; each keeps its @base twin).
      const only = (process.env.BENCH_W8_CONTENDERS ?? '').split(',').filter(Boolean);
      if (only.length > 0) rows.splice(0, rows.length, ...rows.filter((r) => only.includes(r.slug.replace(/-base$/, ''))));
      const value = (r) => (r.processMs ?? r.ms) / 1000;
      const common = { unit: 's', lowerIsBetter: true, value, cpu: true, files: size.files, rounds: size.slow ? slowRounds : undefined, w8: { size: size.key, direction } };
      const first = `W8-${size.key}-${direction}`;
      const again = `${first}-again`;
      const what = `${size.files.toLocaleString('en-US')} × 1 KiB in ${size.folders.toLocaleString('en-US')} folders${size.delayed ? ` over ${ctx.rttMs} ms RTT` : ''}`;
      if (select(first)) {
        out.push({
          id: first,
          title: `W8 mirror ${down ? 'down' : 'up'}: ${what}, into an empty ${down ? 'local' : 'remote'} folder (whole process)`,
          ...common,
          // With its "again" row selected too, the mirror stays for it; else it goes at once.
          after: select(again) ? undefined : (c) => c.clean?.(),
          contenders: rows.map((c) => ({ ...c, measure: c.first })),
        });
      }
      if (select(again)) {
        out.push({
          id: again,
          title: `W8 mirror ${down ? 'down' : 'up'} again, nothing changed: ${what} (whole process)`,
          ...common,
          again: true,
          after: (c) => c.clean?.(),
          contenders: rows.map((c) => ({ ...c, measure: c.again })),
        });
      }
    }
    // Made once, before the first round: the trees and the upload targets' parent.
    out.prepare ??= [];
    out.prepare.push(() => {
      makeTree(source, size.files, size.folders);
      mkdirSync(join(scratch, 'w8'), { recursive: true });
      mkdirSync(join(root, 'w8up'), { recursive: true });
      chown(join(root, 'w8'));
      chown(join(root, 'w8up'));
    });
  }
  return out;
}

/**
 * The W8 summary for RESULTS.md: per contender, time, CPU per file and peak RSS at 10k and 100k, and
 * how they grow (per-file time and RSS at 100k ÷ at 10k: 1.00 is linear time and flat memory).
 */
export function mirrorSection(W, results, { median, lines }) {
  const w8 = W.filter((w) => w.w8);
  if (w8.length === 0) return;
  const med = (id, name, key) => median((results[id]?.[name] ?? []).map((e) => e?.[key]));
  const max = (id, name, key) => Math.max(...(results[id]?.[name] ?? []).map((e) => e?.[key] ?? NaN).filter(Number.isFinite));
  const f = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
  lines.push('', '## W8 mirror at scale: growth and CPU per file (issue 21)', '');
  lines.push(
    'Medians over the rounds each row ran in; CPU = user + system seconds of the whole process (the server\'s',
    'CPU is not in it), per file in ms. Growth = (per-file time at 100k) ÷ (per-file time at 10k), and',
    'peak RSS at 100k ÷ at 10k: 1.00 is linear time and memory flat in the number of files.',
    '',
  );
  for (const kind of ['down', 'up', 'down-again', 'up-again']) {
    const of = (key) => w8.find((w) => w.id === `W8-${key}-${kind}`);
    const small = of('10k');
    const big = of('100k');
    if (!small && !big) continue;
    lines.push(`### ${kind}`, '', '| contender | 10k s | 10k CPU ms/file | 10k RSS MB | 100k s | 100k CPU ms/file | 100k RSS MB | time growth | RSS growth |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const c of (small ?? big).contenders) {
      const cells = [small, big].map((w) => {
        if (!w || !results[w.id]?.[c.name]) return [NaN, NaN, NaN];
        return [med(w.id, c.name, 'value'), (med(w.id, c.name, 'cpuS') / w.files) * 1000, max(w.id, c.name, 'rssMB')];
      });
      const growth = cells[1][0] / 10 / cells[0][0];
      const rss = cells[1][2] / cells[0][2];
      lines.push(`| ${c.name} | ${f(cells[0][0])} | ${f(cells[0][1], 3)} | ${f(cells[0][2], 0)} | ${f(cells[1][0])} | ${f(cells[1][1], 3)} | ${f(cells[1][2], 0)} | ${f(growth)} | ${f(rss)} |`);
    }
    lines.push('');
  }
  const delayed = w8.filter((w) => w.w8.size.endsWith('ms'));
  if (delayed.length === 0) return;
  lines.push('### 10k over the delay proxy', '', '| row | contender | s | CPU ms/file | RSS MB |', '| --- | --- | --- | --- | --- |');
  for (const w of delayed) {
    for (const c of w.contenders) {
      if (!results[w.id]?.[c.name]) continue;
      lines.push(`| ${w.id} | ${c.name} | ${f(med(w.id, c.name, 'value'))} | ${f((med(w.id, c.name, 'cpuS') / w.files) * 1000, 3)} | ${f(max(w.id, c.name, 'rssMB'), 0)} |`);
    }
  }
  lines.push('');
}

/** The W8 goals of issue 21, as rows of the goals table. */
export function mirrorGoals(W, results, { perRound, median, goal, fr }) {
  const cli = `ftpkit mirror --parallel ${PARALLEL} (CLI)`;
  const pool = `ftpkit Pool(${PARALLEL}).mirror (node)`;
  const one = 'ftpkit Client.mirror, one session (node)';
  const lftp = `lftp mirror --parallel=${PARALLEL}`;
  for (const size of ['10k', '100k', '10k-20ms']) {
    for (const kind of ['down', 'up', 'down-again', 'up-again']) {
      const id = `W8-${size}-${kind}`; // a row not run (BENCH_ONLY) is "not measured"
      const runtimes = size === '10k' ? ['deno', 'bun'].map((rt) => `ftpkit Pool(${PARALLEL}).mirror (${rt})`) : [];
      for (const row of [cli, pool, ...runtimes]) {
        const x = perRound(id, row, id, lftp, true);
        goal('W8 ftpkit ≥ lftp on time', `${id} ${row}`, fr(x), Number.isFinite(x) ? x >= 1 : undefined);
      }
      if (kind.endsWith('again') || size.endsWith('ms')) continue;
      const basic = W.find((w) => w.id === id)?.contenders.find((c) => c.kind === 'basic-ftp')?.name;
      const x = basic ? perRound(id, one, id, basic, true) : NaN;
      goal('W8 single-session mirror ≥ 1.5 × basic-ftp', `${id} ${one}`, fr(x), Number.isFinite(x) ? x >= 1.5 : undefined);
      const cpu = (name) => median((results[id]?.[name] ?? []).map((e) => e?.cpuS));
      const ratio = cpu(lftp) / cpu(cli);
      goal('W8 client CPU per file ≤ lftp\'s', `${id} ${cli}`, Number.isFinite(ratio) ? `${(cpu(cli) * 1e3 / W.find((w) => w.id === id).files).toFixed(3)} vs ${(cpu(lftp) * 1e3 / W.find((w) => w.id === id).files).toFixed(3)} ms` : '—', Number.isFinite(ratio) ? ratio >= 1 : undefined);
    }
  }
  // Linear time: the per-file time at 100k against the per-file time at 10k (mirrorSection's growth).
  for (const kind of ['down', 'up', 'down-again', 'up-again']) {
    const [a, b] = [`W8-10k-${kind}`, `W8-100k-${kind}`];
    for (const row of [cli, pool]) {
      const seconds = (id) => median((results[id]?.[row] ?? []).map((e) => e?.value));
      const x = seconds(b) / 10 / seconds(a);
      goal('W8 time linear: per-file time at 100k ≤ 1.25 × at 10k', `${kind} ${row}`, Number.isFinite(x) ? `${x.toFixed(2)}× (${seconds(a).toFixed(1)} → ${seconds(b).toFixed(1)} s)` : '—', Number.isFinite(x) ? x <= 1.25 : undefined);
    }
  }
  for (const kind of ['down', 'up']) {
    const [a, b] = [`W8-10k-${kind}`, `W8-100k-${kind}`];
    for (const row of [cli, pool]) {
      const rss = (id) => Math.max(...(results[id]?.[row] ?? []).map((e) => e?.rssMB ?? NaN).filter(Number.isFinite));
      const x = rss(b) / rss(a);
      goal('W8 memory flat: peak RSS at 100k ≤ 1.25 × at 10k', `${kind} ${row}`, Number.isFinite(x) ? `${x.toFixed(2)}× (${rss(a).toFixed(0)} → ${rss(b).toFixed(0)} MB)` : '—', Number.isFinite(x) ? x <= 1.25 : undefined);
    }
  }
}
