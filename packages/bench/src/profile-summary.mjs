// Where a `.cpuprofile` (node --cpu-prof, or `pnpm bench:timeline` with TIMELINE_PROFILE) spent its
// time: self time by kind (waiting, the runtime's socket calls, Node's own JavaScript, each ftpkit
// package) and the functions with the most self time.
//
// usage: node src/profile-summary.mjs FILE.cpuprofile [TOP=15]
import { readFileSync } from 'node:fs';

const [file, top = '15'] = process.argv.slice(2);
if (!file) throw new Error('usage: node src/profile-summary.mjs FILE.cpuprofile [TOP]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const SOCKET_CALLS = new Set(['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String', 'connect', 'close', 'shutdown', 'getsockname', 'getpeername', 'readStart', 'readStop']);
/** The kind of a frame's self time. */
function kindOf({ functionName: name, url }) {
  if (name === '(idle)') return 'idle: waiting for the peer or a timer';
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)') return 'the runtime itself (program)';
  if (!url) return SOCKET_CALLS.has(name) ? `native socket call: ${name}` : `native: ${name}`;
  if (url.startsWith('node:')) return "Node's own JavaScript (net, streams, events, timers)";
  const pkg = /packages\/([^/]+)\//.exec(url)?.[1];
  return pkg ? `@ftpkit/${pkg}` : 'other JavaScript';
}

const byKind = new Map();
const byFunction = new Map();
let total = 0;
for (const [id, us] of selfUs) {
  const frame = nodes.get(id).callFrame;
  const kind = kindOf(frame);
  byKind.set(kind, (byKind.get(kind) ?? 0) + us);
  const where = frame.url ? `${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : 'native';
  const name = `${frame.functionName || '(anonymous)'} (${where})`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  total += us;
}
const row = ([name, us]) => `| ${name} | ${(us / 1000).toFixed(1)} | ${((100 * us) / total).toFixed(1)}% |`;
const lines = [`${file}: ${(total / 1000).toFixed(0)} ms sampled`, '', '| kind | self ms | share |', '| --- | --- | --- |'];
lines.push(...[...byKind].sort((a, b) => b[1] - a[1]).map(row), '', '| function | self ms | share |', '| --- | --- | --- |');
lines.push(...[...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(top)).map(row));
console.log(lines.join('\n'));
