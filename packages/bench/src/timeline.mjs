// `pnpm bench:timeline`: where the time of one small transfer goes, on one connection, call after
// call (W4 on loopback, W7 over the delay proxy). Each command and reply is timed through the
// client's tracing channels, so the gaps between them split a file's time into what the client
// does (the call to its first command, the 229 to the transfer command, the 226 to the call's end)
// and what it waits for (the server's replies, which on loopback include the server's own work).
// The client's CPU per file (user + system of this process, over the same calls) says how much of
// the time is spent here at all; through the delay proxy, which runs in this process too, it is the
// client's and the proxy's together.
//
// Env: TIMELINE_FILES (200 per row, after 20 not counted), TIMELINE_SERVERS (vsftpd; comma-separated
// testkit kinds), TIMELINE_DELAY_MS (0: loopback; 10 runs the same through the delay proxy, 20 ms
// RTT, and reports gaps in round trips too), TIMELINE_RUNS (3 per row: the median of their medians,
// and their range), TIMELINE_PROFILE (a folder: each row gets one more run, not counted, whose
// transfers are profiled into `<server>-<direction>-<options>.cpuprofile`, for Chrome's or VS Code's
// profiler).
import dc from 'node:diagnostics_channel';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { Client } from '@ftpkit/client';
import { startDelayProxy, startServer } from '@ftpkit/testkit';

const FILES = Number(process.env.TIMELINE_FILES ?? 200);
const WARM = 20;
const RUNS = Math.max(1, Number(process.env.TIMELINE_RUNS ?? 3));
const DELAY_MS = Number(process.env.TIMELINE_DELAY_MS ?? 0);
const SERVERS = (process.env.TIMELINE_SERVERS ?? 'vsftpd').split(',').filter(Boolean);
const PROFILE = process.env.TIMELINE_PROFILE;
const body = new Uint8Array(4096).fill(7);
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Events of the running call: [time, label], labels `C EPSV`, `R 229`, `end`. */
let events;
dc.subscribe('ftpkit:client:command', (m) => events?.push([performance.now(), `C ${String(m.command).split(' ')[0]}`]));
dc.subscribe('ftpkit:client:reply', (m) => events?.push([performance.now(), `R ${m.reply.code}`]));

/**
 * One row: `FILES` transfers one after another on one Client. Returns the most common sequence of
 * events per file, the median gap before each event over the files with that sequence, the median
 * time per file, and CPU per file.
 */
async function row(target, direction, pipelining, profileTo) {
  const client = await Client.connect({ host: target.host, port: target.port, user: target.user, password: target.password, pipelining });
  const one = (i) => (direction === 'download' ? client.downloadToBytes(`tl/f${i}.bin`) : client.upload(body, `tl-up/f${i}.bin`));
  try {
    for (let i = 0; i < WARM; i++) await one(i);
    const files = [];
    const profiler = profileTo ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
      await profiler.post('Profiler.start');
    }
    const cpu0 = process.cpuUsage();
    for (let i = WARM; i < WARM + FILES; i++) {
      events = [];
      const t0 = performance.now();
      await one(i);
      const t1 = performance.now();
      const gaps = [];
      let prev = t0;
      for (const [t, label] of events) gaps.push([label, t - prev]), (prev = t);
      gaps.push(['end', t1 - prev]);
      files.push({ ms: t1 - t0, gaps });
      events = undefined;
    }
    const cpu = process.cpuUsage(cpu0);
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(profileTo, JSON.stringify(profile));
      profiler.disconnect();
    }
    const bySequence = new Map();
    for (const f of files) {
      const key = f.gaps.map(([l]) => l).join('|');
      bySequence.set(key, [...(bySequence.get(key) ?? []), f]);
    }
    const [sequence, same] = [...bySequence].sort((a, b) => b[1].length - a[1].length)[0];
    const labels = sequence.split('|');
    const gaps = labels.map((_, k) => median(same.map((f) => f.gaps[k][1])));
    return { labels, gaps, share: same.length / files.length, ms: median(files.map((f) => f.ms)), cpuMs: (cpu.user + cpu.system) / 1000 / FILES, sysMs: cpu.system / 1000 / FILES };
  } finally {
    await client.close();
  }
}

const lines = [`# Timeline of small transfers, one connection (${FILES} × 4 KiB per row, ${RUNS} runs, ${DELAY_MS ? `${2 * DELAY_MS} ms RTT through the delay proxy` : 'loopback'})`, ''];
const unit = DELAY_MS ? (ms) => `${ms.toFixed(1)} ms (${(ms / (2 * DELAY_MS)).toFixed(2)} RTT)` : (ms) => `${Math.round(ms * 1000)} µs`;
for (const kind of SERVERS) {
  const server = await startServer(kind);
  const proxy = DELAY_MS ? await startDelayProxy({ target: server, delayMs: DELAY_MS }) : undefined;
  const target = proxy ? { ...server, host: proxy.host, port: proxy.port } : server;
  mkdirSync(join(server.root, 'tl'), { recursive: true });
  mkdirSync(join(server.root, 'tl-up'), { recursive: true });
  for (let i = 0; i < WARM + FILES; i++) writeFileSync(join(server.root, 'tl', `f${i}.bin`), body);
  execFileSync('chown', ['-R', `${server.user}:`, server.root]);
  try {
    for (const direction of ['download', 'upload']) {
      for (const pipelining of [false, true]) {
        const runs = [];
        const options = pipelining ? 'pipelining' : 'one-at-a-time';
        if (PROFILE) mkdirSync(PROFILE, { recursive: true });
        if (PROFILE) await row(target, direction, pipelining, join(PROFILE, `${kind}-${direction}-${options}.cpuprofile`));
        for (let r = 0; r < RUNS; r++) runs.push(await row(target, direction, pipelining));
        const first = runs[0];
        const same = runs.filter((r) => r.labels.join() === first.labels.join());
        const ms = runs.map((r) => r.ms);
        lines.push(`## ${kind}, ${direction}s, ${pipelining ? '`pipelining: true`' : '`pipelining: false` (one command at a time)'}`, '');
        lines.push(`Per file: ${unit(median(ms))} (runs ${unit(Math.min(...ms))} – ${unit(Math.max(...ms))}); ${DELAY_MS ? 'CPU of the client and the delay proxy' : 'client CPU'} ${unit(median(runs.map((r) => r.cpuMs)))} per file, of it system ${unit(median(runs.map((r) => r.sysMs)))}; ${Math.round(first.share * 100)}% of the files had this sequence.`, '');
        lines.push('| event | median gap before it |', '| --- | --- |');
        first.labels.forEach((label, k) => {
          const before = k === 0 ? 'the call' : first.labels[k - 1];
          lines.push(`| ${before} → ${label} | ${unit(median(same.map((r) => r.gaps[k])))} |`);
        });
        lines.push('');
      }
    }
  } finally {
    await proxy?.close();
    await server[Symbol.asyncDispose]();
  }
}
console.log(lines.join('\n'));
process.exit(0);
