// One measurement in its own process, so peak RSS belongs to one contender and one workload.
// usage: node client-worker.mjs CONTENDER WORKLOAD PORT DIR   (CONTENDER: ftpkit | basic-ftp)
// Prints one JSON line: { ms, bytes?, files?, entries?, maxRssMB }. Login is not timed.
import { Writable } from 'node:stream';

const [contender, workload, portText, dir] = process.argv.slice(2);
const port = Number(portText);
const login = { host: '127.0.0.1', port, user: 'ftpuser', password: 'ftppass' };
const SMALL = 1000;
const smallName = (i) => `small/f${String(i).padStart(4, '0')}.bin`;

function discard() {
  const sink = new Writable({
    write(chunk, _e, cb) {
      sink.bytes += chunk.length;
      cb();
    },
  });
  sink.bytes = 0;
  return sink;
}

async function runFtpkit() {
  // Each contender loads only its own library, so peak RSS is its own.
  const { Client } = await import('@ftpkit/client');
  const client = await Client.connect(login);
  const t0 = performance.now();
  const out = {};
  if (workload === 'download') {
    let bytes = 0;
    await client.download('big.bin', (chunk) => void (bytes += chunk.length));
    out.bytes = bytes;
  } else if (workload === 'upload') {
    out.bytes = (await client.upload(`${dir}/big.bin`, 'upload-ftpkit.bin')).bytes;
  } else if (workload === 'small-down') {
    let bytes = 0;
    for (let i = 0; i < SMALL; i++) await client.download(smallName(i), (chunk) => void (bytes += chunk.length));
    out.files = SMALL;
    out.bytes = bytes;
  } else if (workload === 'small-up') {
    const body = new Uint8Array(4096);
    for (let i = 0; i < SMALL; i++) await client.upload(body, `up-ftpkit/f${i}.bin`);
    out.files = SMALL;
  } else if (workload === 'list') {
    out.entries = (await client.list('many')).length;
  }
  out.ms = performance.now() - t0;
  await client.close();
  return out;
}

async function runBasicFtp() {
  const basicFtp = await import('basic-ftp');
  const client = new basicFtp.Client(60_000);
  await client.access(login);
  const t0 = performance.now();
  const out = {};
  if (workload === 'download') {
    const sink = discard();
    await client.downloadTo(sink, 'big.bin');
    out.bytes = sink.bytes;
  } else if (workload === 'upload') {
    await client.uploadFrom(`${dir}/big.bin`, 'upload-basic.bin');
    out.bytes = (await client.size('upload-basic.bin'));
  } else if (workload === 'small-down') {
    let bytes = 0;
    for (let i = 0; i < SMALL; i++) {
      const sink = discard();
      await client.downloadTo(sink, smallName(i));
      bytes += sink.bytes;
    }
    out.files = SMALL;
    out.bytes = bytes;
  } else if (workload === 'small-up') {
    const { Readable } = await import('node:stream');
    for (let i = 0; i < SMALL; i++) await client.uploadFrom(Readable.from([Buffer.alloc(4096)]), `up-basic/f${i}.bin`);
    out.files = SMALL;
  } else if (workload === 'list') {
    out.entries = (await client.list('many')).length;
  }
  out.ms = performance.now() - t0;
  client.close();
  return out;
}

const out = contender === 'ftpkit' ? await runFtpkit() : await runBasicFtp();
out.maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
