// One measured download, run by node, deno or bun (spawned by bench/run.mjs):
//   <runtime> bench/client.mjs <contender> <plain|tls> <port> <bytes> <ca file>
// contender: `adapter` (this package's adapter for the runtime, from dist/), `ceiling` (the
// runtime's plainest socket loop), `owned` (Deno only: the same loop with a fresh buffer per read,
// as a caller that keeps its chunks needs), or `nodenet` (a node:net loop, for Bun's adapter choice).
// Prints {"mbps": ...} on stdout.
import { readFileSync } from 'node:fs';

const [contender, mode, portText, bytesText, caFile] = process.argv.slice(2);
const port = Number(portText);
const expected = Number(bytesText);
const ca = readFileSync(caFile, 'utf8');
const secure = mode === 'tls';
const host = '127.0.0.1';
const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';

async function viaAdapter() {
  const { transport } = await import(`../dist/${runtime}.js`);
  const conn = await transport.connect({ host, port, ...(secure ? { tls: { ca, servername: 'localhost' } } : {}) });
  let total = 0;
  for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) total += chunk.byteLength;
  await conn.closed;
  return total;
}

async function viaNodeNet() {
  const net = await import('node:net');
  const tls = await import('node:tls');
  return new Promise((resolve, reject) => {
    let total = 0;
    const socket = secure ? tls.connect({ host, port, ca, servername: 'localhost' }) : net.connect({ host, port });
    socket.on('data', (chunk) => (total += chunk.length));
    socket.on('end', () => resolve(total));
    socket.on('error', reject);
  });
}

async function viaDeno(owned) {
  const conn = secure
    ? await Deno.connectTls({ hostname: host, port, caCerts: [ca] })
    : await Deno.connect({ hostname: host, port });
  let buffer = new Uint8Array(64 * 1024);
  let total = 0;
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    total += n;
    // `owned`: every chunk is the caller's to keep, so each read needs fresh memory.
    if (owned) buffer = new Uint8Array(64 * 1024);
  }
  conn.close();
  return total;
}

function viaBun() {
  return new Promise((resolve, reject) => {
    let total = 0;
    Bun.connect({
      hostname: host,
      port,
      ...(secure ? { tls: { ca, serverName: 'localhost' } } : {}),
      socket: {
        data(_socket, chunk) {
          total += chunk.length;
        },
        close() {
          resolve(total);
        },
        error(_socket, error) {
          reject(error);
        },
        connectError(_socket, error) {
          reject(error);
        },
      },
    }).catch(reject);
  });
}

const run =
  contender === 'adapter'
    ? viaAdapter
    : contender === 'nodenet' || runtime === 'node'
      ? viaNodeNet
      : runtime === 'deno'
        ? () => viaDeno(contender === 'owned')
        : viaBun;
const started = performance.now();
const total = await run();
const seconds = (performance.now() - started) / 1000;
if (total !== expected) throw new Error(`received ${total} bytes, expected ${expected}`);
console.log(JSON.stringify({ mbps: total / 1e6 / seconds }));
