// pnpm bench:codec — @ftpkit/codec against basic-ftp, in one run, on the same generated input.
//
// Listings, hot: a 100,000-line unix `ls -l` listing and a 100,000-line MLSD listing, parsed from a
// string by `parseListing` (@ftpkit/codec) and by basic-ftp's `parseList`. The contenders alternate
// (which one goes first flips every round), each gets warm-up rounds, and the median of the timed
// rounds is reported, with the slowest and fastest round beside it, and the ratio of the medians.
// Listings, cold: what a program that parses one listing per process sees, before the JIT has
// warmed up. Each measurement is a fresh `node` process that decodes a 10,000-line listing from
// bytes and parses it once (@ftpkit/codec: `parseListing(decodeText(bytes, 'utf8'), { now })`;
// basic-ftp: `parseList` of the bytes decoded by Buffer), timed from after the imports. The
// contenders alternate, and the median (min–max) of BENCH_COLD_RUNS processes each is reported.
// Framing: a large transcript of realistic replies, as bytes, pushed through `ReplyParser.push` in
// 64 KiB chunks. For reference, basic-ftp's way of doing the same (decode each chunk to a string,
// then `parseControlResponse` on the accumulated text) is measured too.
//
// Options (environment): BENCH_RUNS (timed rounds, default 7), BENCH_LINES (default 100000),
// BENCH_COLD_RUNS (fresh processes per contender, default 7, at least 5), BENCH_REPLY_MB (size of
// the reply transcript, default 32), BENCH_CODEC_JSON (a file: the hot listing rows' ratios,
// `{ "unix": x, "mlsd": y }`, for `pnpm bench`'s goals table).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { REPLIES_PER_SESSION, mlsdListing, replyStream, unixListing, vsftpdListing } from './generate.mjs';

const COLD_LINES = 10_000;

// A cold measurement: this file run again as `node codec.mjs --cold <contender> <unix|mlsd>`. Only
// the contender's library is loaded, and only the parse is timed; the result goes to stdout as JSON.
if (process.argv[2] === '--cold') {
  const [, , , who, kind] = process.argv;
  const bytes = new TextEncoder().encode(kind === 'mlsd' ? mlsdListing(COLD_LINES) : vsftpdListing(COLD_LINES));
  let t0;
  let count;
  if (who === 'codec') {
    const { decodeText, parseListing } = await import('@ftpkit/codec');
    const now = new Date();
    t0 = performance.now();
    count = parseListing(decodeText(bytes, 'utf8'), { now }).entries.length;
  } else {
    const { parseList } = await import('basic-ftp');
    t0 = performance.now();
    count = parseList(Buffer.from(bytes).toString('utf8')).length;
  }
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, count }));
  process.exit(0);
}

const codec = await import('@ftpkit/codec');
const basicFtp = await import('basic-ftp');

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 7));
const WARMUP = 2;
const LINES = Number(process.env.BENCH_LINES ?? 100_000);
const REPLY_MB = Number(process.env.BENCH_REPLY_MB ?? 32);
const COLD_RUNS = Math.max(5, Number(process.env.BENCH_COLD_RUNS ?? 7));
const CHUNK = 64 * 1024;

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : () => {};

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(fn) {
  gc();
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

/**
 * Alternate the contenders for WARMUP + RUNS rounds. Returns, per contender, the timed rounds in
 * milliseconds and the last result (for a sanity check).
 */
function duel(contenders) {
  const stats = contenders.map(() => ({ ms: [], result: undefined }));
  for (let round = 0; round < WARMUP + RUNS; round++) {
    const order = round % 2 === 0 ? contenders.map((_, i) => i) : contenders.map((_, i) => i).reverse();
    for (const i of order) {
      const { ms, result } = time(contenders[i].run);
      if (round >= WARMUP) stats[i].ms.push(ms);
      stats[i].result = result;
    }
  }
  return stats;
}

const fmtRate = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);

/** `median (slowest–fastest) lines/s` of `count` lines parsed in each of `ms`. */
function rateCell(count, ms) {
  const rate = (t) => count / (t / 1000);
  return `${fmtRate(rate(median(ms)))} (${fmtRate(rate(Math.max(...ms)))}–${fmtRate(rate(Math.min(...ms)))}) lines/s`;
}

const rows = [];
const notes = [];
/** Hot listing rows: @ftpkit/codec's rate ÷ basic-ftp's, by format. */
const hotRatios = {};

// ---- listings ----------------------------------------------------------------------------------
const listings = [
  { label: `unix \`ls -l\`, ${LINES.toLocaleString('en')} lines`, text: unixListing(LINES), format: 'unix' },
  { label: `MLSD, ${LINES.toLocaleString('en')} lines`, text: mlsdListing(LINES), format: 'mlsd' },
];

// Until the package root exports parseListing, take it from the built dist/listing.js next to the
// entry point (named as such in the output), so the numbers exist while the API is being wired.
let parseListing = codec.parseListing;
if (typeof parseListing !== 'function') {
  try {
    parseListing = (await import(new URL('./listing.js', import.meta.resolve('@ftpkit/codec')).href)).parseListing;
    if (typeof parseListing === 'function') {
      notes.push('`parseListing` is not exported from the @ftpkit/codec root yet; it was loaded from dist/listing.js.');
    }
  } catch {
    parseListing = undefined;
  }
}
const hasParseListing = typeof parseListing === 'function';
if (!hasParseListing) {
  notes.push(
    '@ftpkit/codec does not export `parseListing` yet (dist/listing.js not built), so the listing ' +
      'rows show basic-ftp alone. Rebuild the codec once listing.ts lands and run this again.',
  );
}

for (const listing of listings) {
  const contenders = [];
  if (hasParseListing) contenders.push({ name: 'codec', run: () => parseListing(listing.text) });
  contenders.push({ name: 'basic-ftp', run: () => basicFtp.parseList(listing.text) });
  const stats = duel(contenders);
  const byName = Object.fromEntries(contenders.map((c, i) => [c.name, stats[i]]));

  const basicRate = LINES / (median(byName['basic-ftp'].ms) / 1000);
  const basicCount = byName['basic-ftp'].result.length;
  let codecCell = 'skipped (no parseListing)';
  let ratio = 'n/a';
  if (byName.codec) {
    const out = byName.codec.result;
    const entries = Array.isArray(out) ? out : out.entries;
    const rate = LINES / (median(byName.codec.ms) / 1000);
    codecCell = rateCell(LINES, byName.codec.ms);
    ratio = `${(rate / basicRate).toFixed(2)}×`;
    hotRatios[listing.format] = rate / basicRate;
    const format = Array.isArray(out) ? '?' : out.format;
    const unparsed = Array.isArray(out) ? 0 : (out.unparsed?.length ?? 0);
    if (format !== listing.format) notes.push(`${listing.label}: codec detected format '${format}', expected '${listing.format}'.`);
    if (entries.length !== LINES || unparsed !== 0) {
      notes.push(`${listing.label}: codec returned ${entries.length} entries and ${unparsed} unparsed lines (expected ${LINES} and 0).`);
    }
  }
  if (basicCount !== LINES) notes.push(`${listing.label}: basic-ftp returned ${basicCount} entries (expected ${LINES}).`);
  rows.push([listing.label, codecCell, rateCell(LINES, byName['basic-ftp'].ms), ratio]);
}

// ---- listings, cold --------------------------------------------------------------------------------
const self = fileURLToPath(import.meta.url);
for (const cold of [
  { label: `unix \`ls -l\` (vsftpd), ${COLD_LINES.toLocaleString('en')} lines, cold`, kind: 'unix' },
  { label: `MLSD, ${COLD_LINES.toLocaleString('en')} lines, cold`, kind: 'mlsd' },
]) {
  const names = hasParseListing ? ['codec', 'basic-ftp'] : ['basic-ftp'];
  const ms = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < COLD_RUNS; round++) {
    for (const who of round % 2 === 0 ? names : [...names].reverse()) {
      const out = JSON.parse(execFileSync(process.execPath, [self, '--cold', who, cold.kind], { encoding: 'utf8' }));
      if (out.count !== COLD_LINES) notes.push(`${cold.label}: ${who} returned ${out.count} entries (expected ${COLD_LINES}).`);
      ms[who].push(out.ms);
    }
  }
  const cell = (name) => {
    const m = median(ms[name]);
    return `${m.toFixed(1)} ms (${Math.min(...ms[name]).toFixed(1)}–${Math.max(...ms[name]).toFixed(1)})`;
  };
  const ratio = hasParseListing ? `${(median(ms['basic-ftp']) / median(ms.codec)).toFixed(2)}×` : 'n/a';
  rows.push([cold.label, hasParseListing ? cell('codec') : 'skipped (no parseListing)', cell('basic-ftp'), ratio]);
}

// ---- reply framing -------------------------------------------------------------------------------
const perSession = replyStream(1).length;
const sessions = Math.ceil((REPLY_MB * 1e6) / perSession);
const transcript = new TextEncoder().encode(replyStream(sessions));
const chunks = [];
for (let i = 0; i < transcript.length; i += CHUNK) chunks.push(transcript.subarray(i, i + CHUNK));
const expectedReplies = sessions * REPLIES_PER_SESSION;

const framing = [
  {
    name: 'codec',
    run: () => {
      const parser = new codec.ReplyParser();
      let n = 0;
      for (const chunk of chunks) n += parser.push(chunk).length;
      parser.end();
      return n;
    },
  },
];
// basic-ftp does not export its reply parser from the package root; load it from its dist folder
// if it is still there, and skip the reference row otherwise.
let parseControlResponse;
try {
  parseControlResponse = createRequire(import.meta.url)('basic-ftp/dist/parseControlResponse.js').parseControlResponse;
} catch {
  notes.push("basic-ftp's parseControlResponse could not be loaded; framing has no reference row.");
}
if (parseControlResponse) {
  framing.push({
    name: 'basic-ftp',
    run: () => {
      // What basic-ftp's FtpContext does per socket 'data' event: decode, append, re-parse.
      const decoder = new TextDecoder();
      let rest = '';
      let n = 0;
      for (const chunk of chunks) {
        const parsed = parseControlResponse(rest + decoder.decode(chunk, { stream: true }));
        n += parsed.messages.length;
        rest = parsed.rest;
      }
      return n;
    },
  });
}
const framed = duel(framing);
const mbps = (ms) => transcript.length / 1e6 / (ms / 1000);
const codecFraming = median(framed[0].ms);
if (framed[0].result !== expectedReplies) notes.push(`framing: codec produced ${framed[0].result} replies, expected ${expectedReplies}.`);
let basicFramingCell = 'n/a';
let framingRatio = 'n/a';
if (framed[1]) {
  const basicFraming = median(framed[1].ms);
  basicFramingCell = `${mbps(basicFraming).toFixed(0)} MB/s (string parser)`;
  framingRatio = `${(basicFraming / codecFraming).toFixed(2)}×`;
  if (framed[1].result !== expectedReplies) {
    notes.push(
      `framing: basic-ftp produced ${framed[1].result} messages, expected ${expectedReplies}: it treats a line ` +
        'cut off at a chunk boundary as a complete reply.',
    );
  }
}
rows.push([
  `reply framing, ${(transcript.length / 1e6).toFixed(0)} MB in 64 KiB chunks`,
  `${mbps(codecFraming).toFixed(0)} MB/s (${fmtRate(expectedReplies / (codecFraming / 1000))} replies/s)`,
  basicFramingCell,
  framingRatio,
]);

// ---- report --------------------------------------------------------------------------------------
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`\n## @ftpkit/codec vs basic-ftp ${basicVersion()}\n`);
console.log(
  `Node ${process.version}, ${cpu}, ${os.cpus().length} cores. Hot: median (slowest–fastest) of ${RUNS} timed rounds after ${WARMUP} warm-up rounds, contenders alternating.${gc === globalThis.gc ? ' GC forced before each round.' : ''} Cold: median (min–max) of ${COLD_RUNS} fresh processes each, alternating.\n`,
);
const header = ['benchmark', '@ftpkit/codec', 'basic-ftp', 'codec ÷ basic-ftp'];
const table = [header, header.map(() => '---'), ...rows];
for (const row of table) console.log(`| ${row.join(' | ')} |`);
if (process.env.BENCH_CODEC_JSON) writeFileSync(process.env.BENCH_CODEC_JSON, JSON.stringify(hotRatios));
if (notes.length) {
  console.log('');
  for (const note of notes) console.log(`- ${note}`);
}

function basicVersion() {
  try {
    return createRequire(import.meta.url)('basic-ftp/package.json').version;
  } catch {
    return '';
  }
}
