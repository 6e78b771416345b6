// One measurement in its own process, so peak RSS belongs to one contender and one workload.
// Runs under Node, Deno (`deno run -A`) and Bun for ftpkit and raw TCP; basic-ftp under Node.
//
// usage: client-worker.mjs CONTENDER WORKLOAD PORT DIR         (the `pnpm bench:client` form)
//        client-worker.mjs '{"contender":…,"workload":…,…}'    (the `pnpm bench` form, see bench.mjs)
// CONTENDER: ftpkit | basic-ftp | raw (WORKLOAD raw-recv, raw-send, or raw-ftp: vsftpd's RETR into a bare socket). Prints one JSON line: { ms, bytes?, files?, entries?, maxRssMB }
// or { unavailable: reason }. Login and pool warm-up are not timed.
import { readFileSync } from 'node:fs';

const args = (globalThis.Deno?.args ?? process.argv.slice(2));
const spec = args[0]?.startsWith('{')
  ? JSON.parse(args[0])
  : { contender: args[0], workload: args[1], port: Number(args[2]), dir: args[3] };
const {
  contender,
  workload,
  host = '127.0.0.1',
  port,
  dir,
  secure = false,
  caFile,
  files = 1000,
  poolSize = 8,
  segments = 8,
  remote = 'big.bin',
  listDir = 'many',
  tag = contender,
  pipelining,
  subscribe = false,
  direction = 'download',
  remoteDir,
  localDir,
} = spec;
const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
const login = { host, port, user: 'ftpuser', password: 'ftppass' };
const smallName = (i) => `small/f${String(i).padStart(4, '0')}.bin`;
const body4k = new Uint8Array(4096).fill(7);

/** Peak RSS of this process, from the kernel (works the same under all three runtimes). */
function vmHwmMB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Run `worker(i)` for i in 0..count-1 on `lanes` lanes that each take the next index. */
async function lanes(count, lanesCount, worker) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanesCount }, async (_, lane) => {
      while (next < count) await worker(next++, lane);
    }),
  );
}

/**
 * `subscribe`: a subscriber on every channel of @ftpkit/client's tracing (src/tracing.ts), each
 * handler counting its events, so the bench sees what publishing costs; without it nothing
 * subscribes, and the events cost a `hasSubscribers` read each.
 */
async function subscribeToTracing(mod) {
  if (mod.TRACING_CHANNELS === undefined) return undefined; // a checkout from before tracing
  const diagnostics = (await import('node:diagnostics_channel')).default;
  const counts = { events: 0 };
  const count = () => void counts.events++;
  const { connect, command, reply, transfer, lease } = mod.TRACING_CHANNELS;
  for (const name of [connect, transfer, lease]) {
    diagnostics.tracingChannel(name).subscribe({ start: count, end: count, asyncStart: count, asyncEnd: count, error: count });
  }
  for (const name of [command, reply]) diagnostics.subscribe(name, count);
  return counts;
}

async function runFtpkit() {
  // Each contender loads only its own library, so peak RSS is its own.
  const mod = await import('@ftpkit/client');
  const traced = subscribe ? await subscribeToTracing(mod) : undefined;
  const options = { ...login, ...(secure ? { secure: 'explicit', tls: { ca } } : {}), ...(pipelining === undefined ? {} : { pipelining }) };
  const out = {};
  const pooled = workload.startsWith('pool-') || workload === 'segmented';
  if (pooled && typeof mod.Pool !== 'function') return { unavailable: '@ftpkit/client has no Pool export' };
  if (pooled) {
    const size = workload === 'segmented' ? segments : poolSize;
    const pool = new mod.Pool({ ...options, size });
    // Warm-up: `size` concurrent calls make the pool log in `size` sessions, outside the timing.
    await Promise.all(Array.from({ length: size }, () => pool.size(remote === 'big.bin' ? 'big.bin' : remote)));
    const t0 = performance.now();
    if (workload === 'pool-down') {
      let bytes = 0;
      const sink = (chunk) => void (bytes += chunk.length);
      await pool.downloadMany(Array.from({ length: files }, (_, i) => ({ from: smallName(i), to: sink })));
      Object.assign(out, { files, bytes });
    } else if (workload === 'pool-up') {
      await pool.uploadMany(Array.from({ length: files }, (_, i) => ({ from: body4k, to: `up/${tag}-${i}.bin` })));
      out.files = files;
    } else if (workload === 'segmented') {
      out.bytes = (await pool.download(remote, `${dir}/seg-${tag}.bin`, { segments })).bytes;
    } else if (workload === 'pool-mirror') {
      out.files = (await pool.mirror({ direction, remote: remoteDir, local: localDir })).copied.length;
    }
    out.ms = performance.now() - t0;
    await pool.close();
    if (traced) out.events = traced.events;
    return out;
  }
  const client = await mod.Client.connect(options);
  const t0 = performance.now();
  if (workload === 'download') {
    let bytes = 0;
    await client.download(remote, (chunk) => void (bytes += chunk.length));
    out.bytes = bytes;
  } else if (workload === 'download-lent') {
    // The same callback, its chunks lent (`lending`): the transport reads into the memory they come back to.
    let bytes = 0;
    await client.download(remote, mod.lending((chunk) => void (bytes += chunk.length)));
    out.bytes = bytes;
  } else if (workload === 'download-file') {
    out.bytes = (await client.download(remote, `${dir}/dl-${tag}.bin`)).bytes;
  } else if (workload === 'download-bytes') {
    out.bytes = (await client.downloadToBytes(remote)).length;
  } else if (workload === 'upload') {
    out.bytes = (await client.upload(`${dir}/big.bin`, `up/${tag}.bin`)).bytes;
  } else if (workload === 'small-down') {
    let bytes = 0;
    const sink = (chunk) => void (bytes += chunk.length);
    for (let i = 0; i < files; i++) await client.download(smallName(i), sink);
    Object.assign(out, { files, bytes });
  } else if (workload === 'small-up') {
    for (let i = 0; i < files; i++) await client.upload(body4k, `up/${tag}-${i}.bin`);
    out.files = files;
  } else if (workload === 'small-down-at-once') {
    // Every call made at once on the one Client: with `pipelining`, the next file's EPSV and RETR go out behind the running one.
    let bytes = 0;
    const sink = (chunk) => void (bytes += chunk.length);
    await Promise.all(Array.from({ length: files }, (_, i) => client.download(smallName(i), sink)));
    Object.assign(out, { files, bytes });
  } else if (workload === 'small-up-at-once') {
    await Promise.all(Array.from({ length: files }, (_, i) => client.upload(body4k, `up/${tag}-${i}.bin`)));
    out.files = files;
  } else if (workload === 'list') {
    out.entries = (await client.list(listDir)).length;
  } else if (workload === 'mirror') {
    out.files = (await client.mirror({ direction, remote: remoteDir, local: localDir })).copied.length;
  } else if (workload === 'list-stream') {
    // The streaming listing, consumed as it arrives: count, keep nothing.
    if (typeof client.listEntries !== 'function') return { unavailable: '@ftpkit/client has no listEntries' };
    let entries = 0;
    for await (const _ of client.listEntries(listDir)) entries++;
    out.entries = entries;
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  out.ms = performance.now() - t0;
  await client.close();
  if (traced) out.events = traced.events;
  return out;
}

async function runBasicFtp() {
  const basicFtp = await import('basic-ftp');
  const { Writable, Readable } = await import('node:stream');
  const discard = () => {
    const sink = new Writable({
      write(chunk, _e, cb) {
        sink.bytes += chunk.length;
        cb();
      },
    });
    sink.bytes = 0;
    return sink;
  };
  const connect = async () => {
    const client = new basicFtp.Client(60_000);
    await client.access({ ...login, ...(secure ? { secure: true, secureOptions: { ca } } : {}) });
    return client;
  };
  const out = {};
  // basic-ftp has no pool: the parallel rows give it `poolSize` independent clients (labelled so).
  const clients = await Promise.all(Array.from({ length: workload.startsWith('pool-') ? poolSize : 1 }, connect));
  const client = clients[0];
  const t0 = performance.now();
  if (workload === 'download') {
    const sink = discard();
    await client.downloadTo(sink, remote);
    out.bytes = sink.bytes;
  } else if (workload === 'download-bytes') {
    // What a basic-ftp user writes to get a file into memory: keep the chunks, join them.
    const chunks = [];
    await client.downloadTo(new Writable({ write: (chunk, _e, cb) => (chunks.push(chunk), cb()) }), remote);
    out.bytes = Buffer.concat(chunks).length;
  } else if (workload === 'download-file') {
    await client.downloadTo(`${dir}/dl-${tag}.bin`, remote);
    out.bytes = (await import('node:fs')).statSync(`${dir}/dl-${tag}.bin`).size;
  } else if (workload === 'upload') {
    await client.uploadFrom(`${dir}/big.bin`, `up/${tag}.bin`);
    out.bytes = (await import('node:fs')).statSync(`${dir}/big.bin`).size;
  } else if (workload === 'small-down' || workload === 'pool-down') {
    let bytes = 0;
    await lanes(files, clients.length, async (i, lane) => {
      const sink = discard();
      await clients[lane].downloadTo(sink, smallName(i));
      bytes += sink.bytes;
    });
    Object.assign(out, { files, bytes });
  } else if (workload === 'small-up' || workload === 'pool-up') {
    await lanes(files, clients.length, (i, lane) => clients[lane].uploadFrom(Readable.from([Buffer.from(body4k)]), `up/${tag}-${i}.bin`));
    out.files = files;
  } else if (workload === 'list') {
    out.entries = (await client.list(listDir)).length;
  } else if (workload === 'mirror') {
    // basic-ftp has no mirror: it copies the whole tree, one connection.
    if (direction === 'download') await client.downloadToDir(localDir, remoteDir);
    else await client.uploadFromDir(localDir, remoteDir);
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  out.ms = performance.now() - t0;
  for (const c of clients) c.close();
  return out;
}

/**
 * The ceiling: this runtime's own socket API (the one @ftpkit/transport uses: node:net on Node and
 * Bun, Deno.connect on Deno) receiving from or sending to a Node peer, `spec.bytes` bytes in 1 MiB writes.
 */
async function runRaw() {
  if (workload === 'raw-ftp') return rawFtp();
  const total = spec.bytes;
  const t0 = performance.now();
  let bytes = 0;
  if (runtime === 'deno') {
    const conn = await Deno.connect({ hostname: host, port });
    if (workload === 'raw-recv') {
      bytes = await readAllDeno(conn);
    } else {
      const chunk = new Uint8Array(1 << 20).fill(1);
      while (bytes < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - bytes));
        for (let off = 0; off < part.length; ) off += await conn.write(part.subarray(off));
        bytes += part.length;
      }
      await conn.closeWrite();
      await conn.read(new Uint8Array(1)); // the peer closes once it has read everything
    }
    conn.close();
  } else {
    const { connect } = await import('node:net');
    const socket = connect({ host, port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    if (workload === 'raw-recv') {
      bytes = await countToEnd(socket);
    } else {
      const chunk = Buffer.alloc(1 << 20, 1);
      while (bytes < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - bytes));
        bytes += part.length;
        if (!socket.write(part)) await new Promise((resolve) => socket.once('drain', resolve));
      }
      socket.end();
      await new Promise((resolve) => socket.once('close', resolve));
    }
    socket.destroy();
  }
  return { ms: performance.now() - t0, bytes };
}

/** Bytes read from a Deno connection until its end, again and again into one 1 MiB buffer. */
async function readAllDeno(conn) {
  const buf = new Uint8Array(1 << 20);
  let bytes = 0;
  for (let n; (n = await conn.read(buf)) !== null; ) bytes += n;
  return bytes;
}

/** Bytes a node:net socket delivers until its end, counted from now on. */
function countToEnd(socket) {
  let bytes = 0;
  socket.on('data', (chunk) => void (bytes += chunk.length));
  return new Promise((resolve, reject) => socket.once('end', () => resolve(bytes)).once('error', reject));
}

/**
 * vsftpd's side of W1 with no client library: the control exchange typed out by hand (node:net on
 * every runtime), then `remote`'s RETR read through this runtime's own socket API as in
 * {@link runRaw}, until the end and the 226. Timed from RETR to 226, so it is what vsftpd can send
 * this runtime's bare socket, without any client's work on the bytes.
 */
async function rawFtp() {
  const { connect } = await import('node:net');
  const control = connect({ host, port });
  control.setEncoding('latin1');
  let text = '';
  let wake = () => {};
  control.on('data', (d) => {
    text += d;
    wake();
  });
  control.on('error', (e) => {
    text += `\n599 ${e.message}\r\n`;
    wake();
  });
  /** The next final reply (`NNN ` at the start of a line), its code checked against `ok`. */
  const reply = async (ok) => {
    for (;;) {
      const m = /^(\d{3}) .*\r?\n/m.exec(text);
      if (m) {
        text = text.slice(m.index + m[0].length);
        if (!ok.test(m[1])) throw new Error(`raw FTP: expected ${ok}, got ${m[0].trim()}`);
        return m[0];
      }
      await new Promise((resolve) => (wake = resolve));
    }
  };
  const send = async (line, ok) => {
    control.write(`${line}\r\n`);
    return reply(ok);
  };
  await reply(/^220$/);
  await send('USER ftpuser', /^331$/);
  await send('PASS ftppass', /^230$/);
  await send('TYPE I', /^200$/);
  const epsv = await send('EPSV', /^229$/);
  const dataPort = Number(/\(\|\|\|(\d+)\|\)/.exec(epsv)?.[1]);
  let bytes = 0;
  const t0 = performance.now();
  if (runtime === 'deno') {
    const conn = await Deno.connect({ hostname: host, port: dataPort });
    await send(`RETR ${remote}`, /^150$/);
    bytes = await readAllDeno(conn);
    conn.close();
  } else {
    const socket = connect({ host, port: dataPort });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const counted = countToEnd(socket);
    await send(`RETR ${remote}`, /^150$/);
    bytes = await counted;
    socket.destroy();
  }
  await reply(/^226$/);
  const ms = performance.now() - t0;
  control.end('QUIT\r\n');
  control.destroy();
  return { ms, bytes };
}

let out;
try {
  out = contender === 'ftpkit' ? await runFtpkit() : contender === 'raw' ? await runRaw() : await runBasicFtp();
} catch (error) {
  out = { error: String(error?.stack ?? error) };
}
out.runtime = runtime;
out.maxRssMB = vmHwmMB();
console.log(JSON.stringify(out));
// Deno and Bun may keep the process up for a lingering handle; the measurement is done.
if (runtime !== 'node') (globalThis.Deno?.exit ?? process.exit)(0);
