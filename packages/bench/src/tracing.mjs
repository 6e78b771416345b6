// pnpm bench:tracing — what @ftpkit/client's diagnostics_channel events cost (src/tracing.ts), measured
// without the network: the client runs over testkit's in-memory pair against a server played here,
// so a round is CPU-bound and the few nanoseconds of a `hasSubscribers` read are not drowned in
// loopback and kernel noise. A benchmark, not a test: never part of `pnpm test` or CI.
//
// Theory of operation. One process per runtime (Node, Deno, Bun), started by this script as the
// orchestrator. In it, each contender has its own logged-in client on its own in-memory pair:
//   - `no tracing code`: the client of BENCH_BASELINE (a built checkout from before tracing);
//   - `no subscriber`: this checkout's client, nothing subscribed;
//   - `subscribed`: the same client while a subscriber (each handler counts) is on every channel;
//     it subscribes before its turn and unsubscribes after, so the others run with none.
// Each round runs every workload once per contender, in alternating order (reversed on odd rounds):
// `downloads` (N × RETR of 4 KiB: EPSV, RETR, data, 150, 226: about ten events each) and `commands`
// (N × NOOP: two events each). Each is timed in the process's CPU time, not wall time: the machine
// is shared, and a process that waits for a core is not slower. Reported: operations per CPU
// second, the median over rounds with min–max, and the median, quartiles and min–max of the
// per-round ratios (same round, same process).
//
// Env: BENCH_BASELINE (as for `pnpm bench`), BENCH_TRACING_ROUNDS (61), BENCH_TRACING_N (2000: short rounds, so that the contenders of one round see the same machine),
// BENCH_TRACING_RUNTIMES (node,deno,bun), BENCH_OUT (default packages/bench/RESULTS-tracing.md).
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const env = globalThis.Deno?.env.toObject() ?? process.env;
const args = globalThis.Deno?.args ?? process.argv.slice(2);
const ROUNDS = Math.max(1, Number(env.BENCH_TRACING_ROUNDS ?? 61));
const N = Math.max(1, Number(env.BENCH_TRACING_N ?? 2000));
const BASELINE = env.BENCH_BASELINE;
const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..', '..');
const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
/** The `q` quantile of `v` (0.5: the median), interpolated. */
const quantile = (v, q) => {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const low = Math.floor(at);
  return s[low] + (s[Math.min(low + 1, s.length - 1)] - s[low]) * (at - low);
};
const median = (v) => quantile(v, 0.5);

if (args[0] === '--worker') await worker();
else await orchestrate();

// ---------------------------------------------------------------------------------------------
// The worker: one runtime, every contender in one process.

async function worker() {
  const { memoryPair } = await import('@ftpkit/testkit');
  const current = await import('@ftpkit/client');
  const base = BASELINE ? await import(pathToFileURL(join(BASELINE, 'packages', 'client', 'dist', 'index.js')).href) : undefined;
  if (base?.TRACING_CHANNELS) throw new Error('BENCH_BASELINE: that checkout has tracing already');
  const diagnostics = (await import('node:diagnostics_channel')).default;
  const payload = new Uint8Array(4096).fill(7);

  /** Play the server on `pair`: a login, then EPSV + RETR (4 KiB) and NOOP, forever. */
  async function serve(pair) {
    const control = await pair.control.accept();
    control.reply('220 memory');
    let port;
    for (;;) {
      const line = await control.line();
      if (line === null) return;
      const [verb] = line.split(' ');
      if (verb === 'USER') control.reply('331 password please');
      else if (verb === 'PASS') control.reply('230 logged in');
      else if (verb === 'FEAT') control.reply('211-Features:', ' EPSV', ' SIZE', '211 End');
      else if (verb === 'TYPE' || verb === 'NOOP') control.reply('200 ok');
      else if (verb === 'EPSV') {
        port = pair.server.listen(2121); // one port, given back at each close (a new one each time would run out)
        control.reply(`229 Entering Extended Passive Mode (|||${port.port}|)`);
      } else if (verb === 'RETR') {
        control.reply('150 4096 bytes');
        const data = await port.accept();
        port.close();
        await data.write(payload);
        await data.end();
        control.reply('226 done');
      } else if (verb === 'QUIT') {
        control.reply('221 bye');
        return;
      } else control.reply('502 not here');
    }
  }

  async function connect(mod) {
    const pair = memoryPair({ capacity: 1 << 20 });
    const served = serve(pair);
    const client = await mod.Client.connect({ host: pair.host, port: pair.port, user: 'u', password: 'p', transport: pair.transport });
    return { client, served };
  }

  /** A subscriber on every channel of `mod`; returns the function that unsubscribes. */
  function subscribeAll(counter) {
    const count = () => void counter.events++;
    const handlers = { start: count, end: count, asyncStart: count, asyncEnd: count, error: count };
    const { connect: c, command, reply, transfer, lease } = current.TRACING_CHANNELS;
    const tracing = [c, transfer, lease].map((name) => diagnostics.tracingChannel(name));
    for (const channel of tracing) channel.subscribe(handlers);
    for (const name of [command, reply]) diagnostics.subscribe(name, count);
    return () => {
      for (const channel of tracing) channel.unsubscribe(handlers);
      for (const name of [command, reply]) diagnostics.unsubscribe(name, count);
    };
  }

  const counter = { events: 0 };
  const contenders = [
    ...(base ? [{ name: 'no tracing code', ...(await connect(base)) }] : []),
    { name: 'no subscriber', ...(await connect(current)) },
    { name: 'subscribed', ...(await connect(current)), subscribe: true },
  ];
  const sink = () => {};
  const workloads = {
    downloads: async (client) => {
      for (let i = 0; i < N; i++) await client.download('/f.bin', sink);
    },
    commands: async (client) => {
      for (let i = 0; i < N; i++) await client.send('NOOP');
    },
  };

  const results = {}; // results[workload][contender] = [ops/s per round]
  // One warm-up round, not recorded: every contender's code compiled before the timing.
  for (let round = -1; round < ROUNDS; round++) {
    for (const [workload, run] of Object.entries(workloads)) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const c of order) {
        const unsubscribe = c.subscribe ? subscribeAll(counter) : undefined;
        const before = counter.events;
        const t0 = cpuMs();
        await run(c.client);
        const ms = cpuMs() - t0;
        unsubscribe?.();
        if (c.subscribe && counter.events === before) throw new Error('the subscriber saw no event');
        if (!c.subscribe && counter.events !== before) throw new Error(`${c.name}: a subscriber saw events`);
        if (round >= 0) ((results[workload] ??= {})[c.name] ??= []).push((N * 1000) / ms);
      }
    }
  }
  for (const c of contenders) await c.client.close();
  console.log(JSON.stringify({ runtime, version: runtimeVersion(), results, eventsPerRound: counter.events / (ROUNDS + 1) }));
  if (runtime !== 'node') (globalThis.Deno?.exit ?? process.exit)(0);
}

/**
 * The process's CPU time in milliseconds (user and system): a round is CPU-bound (no I/O), and
 * unlike wall time this does not count the time the shared machine gave to other processes.
 */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function runtimeVersion() {
  return runtime === 'deno' ? `Deno ${Deno.version.deno}` : runtime === 'bun' ? `Bun ${Bun.version}` : `Node ${process.version}`;
}

// ---------------------------------------------------------------------------------------------
// The orchestrator: a worker per runtime, then the report.

async function orchestrate() {
  const bin = (name) => join(repo, 'node_modules', '.bin', name);
  const commands = { node: [process.execPath], deno: [bin('deno'), 'run', '-A'], bun: [bin('bun')] };
  const runtimes = (env.BENCH_TRACING_RUNTIMES ?? 'node,deno,bun').split(',');
  const script = fileURLToPath(import.meta.url);
  const started = new Date();
  const load = [os.loadavg()[0]];
  const reports = [];
  for (const name of runtimes) {
    const [file, ...pre] = commands[name];
    process.stderr.write(`bench:tracing: ${name}, ${ROUNDS} rounds of ${N}...\n`);
    const out = await new Promise((resolve, reject) => {
      const child = spawn(file, [...pre, script, '--worker'], { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`${name} worker exited ${code}`))));
    });
    reports.push(JSON.parse(out.trim().split('\n').pop()));
    load.push(os.loadavg()[0]);
  }
  const text = report(reports, started, load);
  const file = env.BENCH_OUT ?? join(here, '..', 'RESULTS-tracing.md');
  writeFileSync(file, text);
  process.stdout.write(text);
  process.stderr.write(`bench:tracing: wrote ${file}\n`);
}

function commitOf(dir) {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function report(reports, started, load) {
  const fmt = (x) => (Number.isFinite(x) ? x.toFixed(0) : '—');
  const fr = (x) => (Number.isFinite(x) ? `${x.toFixed(3)}×` : '—');
  const lines = [
    '# What tracing costs: `pnpm bench:tracing`',
    '',
    `Generated by \`pnpm bench:tracing\` (packages/bench/src/tracing.mjs) on ${started.toISOString()}: ${ROUNDS} rounds (after one warm-up) of ${N} operations per workload and contender.`,
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; 1-minute load average ${load.map((x) => x.toFixed(2)).join(', ')} (before, and after each runtime).`,
    BASELINE ? `\`no tracing code\`: the client of BENCH_BASELINE, a checkout from before tracing (commit ${commitOf(BASELINE)}).` : '`no tracing code`: not measured (run with `BENCH_BASELINE`, a built checkout from before tracing).',
    '',
    'The client runs over testkit\'s in-memory pair (no sockets), against a server played in the same process: the work is the',
    'client\'s and the codec\'s CPU alone. `downloads`: 4 KiB RETRs (EPSV, RETR, the data, 150, 226: 2 commands, 3 replies and a',
    'transfer\'s 4 events each); `commands`: NOOPs (a command and a reply each). `subscribed`: a subscriber on every channel, each',
    'handler counting, on for that contender\'s turn only. Operations per second of the process\'s CPU time (user and system), so',
    'that time the shared machine gave to other processes does not count. Ratios are per round (same round, same process), > 1: faster.',
    '',
  ];
  for (const r of reports) {
    lines.push(`## ${r.version}`, '', '| workload | contender | median ops per CPU s | min–max | vs no tracing code: median (p25–p75; min–max) | vs no subscriber: median (p25–p75; min–max) |', '| --- | --- | --- | --- | --- | --- |');
    for (const [workload, byContender] of Object.entries(r.results)) {
      for (const [name, values] of Object.entries(byContender)) {
        const ratio = (other) => {
          const ref = byContender[other];
          if (!ref || other === name) return '—';
          const all = values.map((v, i) => v / ref[i]);
          return `${fr(median(all))} (${fr(quantile(all, 0.25))}–${fr(quantile(all, 0.75))}; ${fr(Math.min(...all))}–${fr(Math.max(...all))})`;
        };
        lines.push(`| ${workload} | ${name} | ${fmt(median(values))} | ${fmt(Math.min(...values))}–${fmt(Math.max(...values))} | ${ratio('no tracing code')} | ${ratio('no subscriber')} |`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}
