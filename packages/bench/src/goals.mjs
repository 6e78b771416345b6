// The goals table of RESULTS.md: issue 21's goals, each row met, missed or "not measured" (its
// workload was not run: BENCH_ONLY, or a row this checkout's bench does not have yet).
//
// `ctx` is what bench.mjs's report has: W (the workloads), results, perRound, med, fmt, fr,
// RUNTIMES, DELAY_MS and `listing` (what {@link listingParse} measured). Rows are added through
// `goal(text, row, measured, ok)`.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The listing-parse goal's measurement: `pnpm bench:codec` (codec.mjs) run once, in a process of
 * its own, for its hot rows (100,000 lines of unix `ls -l` and of MLSD, @ftpkit/codec against
 * basic-ftp, CPU only). Returns `{ unix, mlsd }` ratios, or `{ error }` when the run failed.
 */
export function listingParse() {
  const out = join(tmpdir(), `ftpkit-bench-listing-${process.pid}.json`);
  try {
    const codec = fileURLToPath(new URL('./codec.mjs', import.meta.url));
    execFileSync(process.execPath, ['--expose-gc', codec], { env: { ...process.env, BENCH_CODEC_JSON: out }, stdio: ['ignore', 'ignore', 'inherit'] });
    return JSON.parse(readFileSync(out, 'utf8'));
  } catch (error) {
    return { error: String(error?.message ?? error).split('\n')[0] };
  } finally {
    rmSync(out, { force: true });
  }
}

/** Issue 21's goals (its table "Where it stands and where it must go"); the W8 goals are w8.mjs's `mirrorGoals`. */
export function issue21Goals(ctx, goal) {
  const { W, results, perRound, med, fmt, fr, RUNTIMES, DELAY_MS } = ctx;
  const verdict = (x, ok) => (Number.isFinite(x) ? ok(x) : undefined);
  /** The ftpkit row of `runtime` with default options in workload `id`. */
  const plainRow = (runtime) => `ftpkit (${runtime})`;

  for (const rt of RUNTIMES) {
    const x = perRound('W1-discard', plainRow(rt), 'W1-discard', `raw TCP receive (${rt})`);
    goal('W1 discard ≥ 0.9 × raw TCP of the runtime', plainRow(rt), fr(x), verdict(x, (v) => v >= 0.9));
  }
  for (const rt of RUNTIMES) {
    const x = perRound('W1-file', plainRow(rt), 'W1-file', 'disk: cat big > file');
    goal('W1 file ≥ 0.7 × disk ceiling (`cat`)', plainRow(rt), fr(x), verdict(x, (v) => v >= 0.7));
  }
  for (const rt of RUNTIMES) {
    const x = perRound('W1-bytes', plainRow(rt), 'W1-bytes', 'basic-ftp');
    goal('W1 to memory (downloadToBytes) ≥ 1.5 × basic-ftp', plainRow(rt), fr(x), verdict(x, (v) => v >= 1.5));
  }
  for (const rt of RUNTIMES) {
    const x = perRound('W3-discard', plainRow(rt), 'W3-discard', 'basic-ftp');
    goal('W3 FTPS download to discard ≥ 1.2 × basic-ftp', plainRow(rt), fr(x), verdict(x, (v) => v >= 1.2));
    const y = perRound('W3-discard', plainRow(rt), 'W3-discard', 'curl');
    goal('W3 FTPS download to discard ≥ 1.2 × curl', plainRow(rt), fr(y), verdict(y, (v) => v >= 1.2));
  }
  for (const rt of RUNTIMES) {
    const x = perRound('W3-file', plainRow(rt), 'W3-file', 'curl');
    goal('W3 FTPS download to a file ≥ curl', plainRow(rt), fr(x), verdict(x, (v) => v >= 1));
  }
  for (const id of ['W4-down', 'W4-up']) {
    for (const rt of RUNTIMES) {
      const x = perRound(id, plainRow(rt), id, 'basic-ftp');
      goal('W4 1,000 × 4 KiB, one connection, default options ≥ 1.5 × basic-ftp', `${id} ${plainRow(rt)}`, fr(x), verdict(x, (v) => v >= 1.5));
    }
  }
  const rttS = (2 * DELAY_MS) / 1000;
  for (const id of ['W7-down', 'W7-up']) {
    for (const rt of RUNTIMES) {
      const rtts = 1 / med(id, plainRow(rt)) / rttS;
      goal(`W7 one connection ≤ 1.5 RTT per file (${2 * DELAY_MS} ms RTT)`, `${id} ${plainRow(rt)}`, Number.isFinite(rtts) ? `${rtts.toFixed(2)} RTT` : '—', verdict(rtts, (v) => v <= 1.5));
      const x = perRound(id, plainRow(rt), id, 'basic-ftp');
      goal('W7 one connection ≥ 2.5 × basic-ftp', `${id} ${plainRow(rt)}`, fr(x), verdict(x, (v) => v >= 2.5));
    }
  }
  // Peak RSS: the worst ftpkit row of each runtime over every workload run, against 100 MB and
  // against the runtime's own raw TCP process (the larger of its raw receive and send rows).
  const peak = (id, name) => Math.max(...(results[id]?.[name] ?? []).map((e) => e?.rssMB ?? NaN).filter(Number.isFinite));
  for (const rt of RUNTIMES) {
    // The download to memory holds the file by design: its bound is one copy (W1-bytes), not this one.
    const rows = W.filter((w) => w.id !== 'W1-bytes').flatMap((w) => w.contenders.filter((c) => c.kind === 'ftpkit' && c.runtime === rt && !c.tracing).map((c) => [w.id, c.name]));
    const worst = rows.map(([id, n]) => [id, n, peak(id, n)]).filter((r) => Number.isFinite(r[2])).sort((a, b) => b[2] - a[2])[0];
    const where = worst ? `${fmt(worst[2], 'MB')} MB (${worst[0]}, ${worst[1]})` : '—';
    goal('Peak RSS, any workload ≤ 100 MB', `ftpkit (${rt}), worst row`, where, worst ? worst[2] <= 100 : undefined);
    const raws = ['W1-discard', 'W2-upload'].flatMap((id) => Object.keys(results[id] ?? {}).filter((n) => n.startsWith('raw') && n.endsWith(`(${rt})`)).map((n) => peak(id, n)));
    const raw = Math.max(...raws.filter(Number.isFinite));
    const x = worst && Number.isFinite(raw) ? worst[2] / raw : NaN;
    goal('Peak RSS, any workload ≤ 1.5 × the runtime\'s raw TCP process', `ftpkit (${rt}), worst row`, Number.isFinite(x) ? `${fr(x)} (${where} vs raw ${fmt(raw, 'MB')} MB)` : '—', verdict(x, (v) => v <= 1.5));
  }
  // CPU only: codec.mjs's hot rows, run once before the rounds (listingParse; BENCH_ONLY keeps it with `listing`).
  for (const [format, key] of [['unix LIST', 'unix'], ['MLSD', 'mlsd']]) {
    const x = ctx.listing?.[key];
    goal(`Listing parse, CPU only, ${format} ≥ 2 × basic-ftp`, 'pnpm bench:codec, hot, 100,000 lines', ctx.listing?.error ? `failed: ${ctx.listing.error}` : fr(x), verdict(x, (v) => v >= 2));
  }
}

