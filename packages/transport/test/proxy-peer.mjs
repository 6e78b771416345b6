// Scripted proxies for test/proxy.test.ts, in a Node process of their own (like peer.mjs, so that
// whatever runtime runs the suite, the proxy is the same). They relay to loopback targets only
// (127.0.0.1, ::1, localhost); any other target is refused without a connection.
//
// It listens on 127.0.0.1 (ephemeral ports), prints one JSON line `{"ports": {...}}`, then takes
// commands on stdin as peer.mjs does (`open`: sockets still open, clients' and upstream ones;
// `seen`: the requests the proxies took since the last ask). It exits when stdin ends.
//
// Proxies:
//   socks5      SOCKS5 (RFC 1928) without authentication.
//   socks5auth  SOCKS5 that takes only username/password (RFC 1929): alice / s3cret.
//   socks4      SOCKS4 and SOCKS4a.
//   http        HTTP CONNECT.
//   httpauth    HTTP CONNECT with Basic authentication, alice / s3cret; else 407.
//   coalesce    HTTP CONNECT that waits for the target's first bytes and writes them in the same
//               write as its 200, so they arrive with the proxy's answer.
//   refuse      SOCKS5 that answers every CONNECT with reply 2 (not allowed by ruleset).
//   endless     HTTP that answers "HTTP/1.1 200 OK" and then headers without end (up to 1 MiB).
//   stall       takes the request and never answers.
//   garbage     answers an SSH banner.
import net from 'node:net';
import { createInterface } from 'node:readline';

const USER = 'alice';
const PASSWORD = 's3cret';
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const open = new Set();
const track = (socket) => {
  open.add(socket);
  socket.on('close', () => open.delete(socket));
  socket.on('error', () => {});
};
let seen = [];

/** Read from `socket` until `parse(buffer)` returns a result (not undefined); resolves with it and the rest. */
function readUntil(socket, parse) {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const onData = (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const result = parse(buffer);
      if (result === undefined) return;
      socket.off('data', onData);
      socket.pause();
      resolve(result);
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed')));
  });
}

/** Connect to a loopback target; resolves with the socket, or with the error code. */
function dial(host, port) {
  return new Promise((resolve) => {
    if (!LOOPBACK.has(host)) return resolve({ error: 'EREFUSEDBYPEER' });
    // localhost is 127.0.0.1 here, whatever the resolver's order: the suite's peer has a port per address.
    const upstream = net.connect({ host: host === 'localhost' ? '127.0.0.1' : host, port });
    track(upstream);
    upstream.once('connect', () => resolve({ upstream }));
    upstream.once('error', (error) => resolve({ error: error.code ?? 'ERROR' }));
  });
}

function relay(socket, upstream, first) {
  if (first !== undefined && first.length > 0) upstream.write(first);
  socket.pipe(upstream);
  upstream.pipe(socket);
  socket.resume();
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
}

function parseSocks5Address(buffer, at) {
  const type = buffer[at];
  if (type === 1 && buffer.length >= at + 7) return { host: [...buffer.subarray(at + 1, at + 5)].join('.'), port: buffer.readUInt16BE(at + 5), end: at + 7 };
  if (type === 4 && buffer.length >= at + 19) {
    const groups = [];
    for (let i = 0; i < 8; i++) groups.push(buffer.readUInt16BE(at + 1 + 2 * i).toString(16));
    return { host: net.isIPv6(groups.join(':')) ? new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1) : '', port: buffer.readUInt16BE(at + 17), end: at + 19 };
  }
  if (type === 3 && buffer.length >= at + 2 && buffer.length >= at + 2 + buffer[at + 1] + 2) {
    const end = at + 2 + buffer[at + 1];
    return { host: buffer.subarray(at + 2, end).toString('utf8'), port: buffer.readUInt16BE(end), end: end + 2 };
  }
  return undefined;
}

const SOCKS5_OK = Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]);

async function socks5(socket, { auth = false, refuse = false } = {}) {
  const greeting = await readUntil(socket, (b) => (b.length >= 2 && b.length >= 2 + b[1] ? b : undefined));
  const methods = [...greeting.subarray(2, 2 + greeting[1])];
  let rest = greeting.subarray(2 + greeting[1]);
  if (auth) {
    if (!methods.includes(2)) return void socket.end(Buffer.from([5, 0xff]));
    socket.write(Buffer.from([5, 2]));
    socket.resume();
    const request = rest.length > 0 ? rest : await readUntil(socket, (b) => (b.length >= 2 && b.length >= 3 + b[1] && b.length >= 3 + b[1] + b[2 + b[1]] ? b : undefined));
    const user = request.subarray(2, 2 + request[1]).toString();
    const password = request.subarray(3 + request[1], 3 + request[1] + request[2 + request[1]]).toString();
    seen.push({ proxy: 'socks5auth', user });
    if (user !== USER || password !== PASSWORD) return void socket.end(Buffer.from([1, 1]));
    socket.write(Buffer.from([1, 0]));
    rest = Buffer.alloc(0);
  } else {
    if (!methods.includes(0)) return void socket.end(Buffer.from([5, 0xff]));
    socket.write(Buffer.from([5, 0]));
  }
  socket.resume();
  const request = await readUntil(socket, (b) => {
    const all = Buffer.concat([rest, b]);
    const address = all.length >= 4 ? parseSocks5Address(all, 3) : undefined;
    return address === undefined ? undefined : { ...address, all };
  });
  seen.push({ proxy: 'socks5', host: request.host, port: request.port });
  if (refuse) return void socket.end(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]));
  const { upstream, error } = await dial(request.host, request.port);
  if (upstream === undefined) return void socket.end(Buffer.from([5, error === 'ECONNREFUSED' ? 5 : error === 'EREFUSEDBYPEER' ? 2 : 4, 0, 1, 0, 0, 0, 0, 0, 0]));
  socket.write(SOCKS5_OK);
  relay(socket, upstream, request.all.subarray(request.end));
}

async function socks4(socket) {
  const request = await readUntil(socket, (b) => {
    if (b.length < 9) return undefined;
    const userEnd = b.indexOf(0, 8);
    if (userEnd < 0) return undefined;
    const ip = [...b.subarray(4, 8)];
    const port = b.readUInt16BE(2);
    const user = b.subarray(8, userEnd).toString();
    if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
      const nameEnd = b.indexOf(0, userEnd + 1);
      return nameEnd < 0 ? undefined : { host: b.subarray(userEnd + 1, nameEnd).toString(), port, user, end: nameEnd + 1, b };
    }
    return { host: ip.join('.'), port, user, end: userEnd + 1, b };
  });
  seen.push({ proxy: 'socks4', host: request.host, port: request.port, user: request.user });
  const { upstream } = await dial(request.host, request.port);
  if (upstream === undefined) return void socket.end(Buffer.from([0, 91, 0, 0, 0, 0, 0, 0]));
  socket.write(Buffer.from([0, 90, 0, 0, 0, 0, 0, 0]));
  relay(socket, upstream, request.b.subarray(request.end));
}

async function http(socket, { auth = false, coalesce = false } = {}) {
  const head = await readUntil(socket, (b) => {
    const end = b.indexOf('\r\n\r\n');
    return end < 0 ? undefined : { text: b.subarray(0, end).toString('latin1'), rest: b.subarray(end + 4) };
  });
  const [line, ...headers] = head.text.split('\r\n');
  const match = /^CONNECT (\[[^\]]+\]|[^:]+):(\d+) HTTP\/1\.1$/.exec(line);
  if (match === null) return void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  const host = match[1].replace(/^\[|\]$/g, '');
  const port = Number(match[2]);
  const credentials = headers.find((h) => /^proxy-authorization:/i.test(h))?.replace(/^[^:]*:\s*Basic\s+/i, '');
  seen.push({ proxy: 'http', host, port, authorization: credentials !== undefined });
  if (auth && credentials !== Buffer.from(`${USER}:${PASSWORD}`).toString('base64')) {
    return void socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
  }
  const { upstream, error } = await dial(host, port);
  if (upstream === undefined) return void socket.end(error === 'EREFUSEDBYPEER' ? 'HTTP/1.1 403 Forbidden\r\n\r\n' : 'HTTP/1.1 502 Bad Gateway\r\n\r\n');
  const answer = 'HTTP/1.1 200 Connection established\r\nProxy-Agent: ftpkit-test\r\n\r\n';
  if (!coalesce) {
    socket.write(answer);
    return relay(socket, upstream, head.rest);
  }
  upstream.once('data', (first) => {
    upstream.pause();
    socket.write(Buffer.concat([Buffer.from(answer), first]));
    relay(socket, upstream, head.rest);
    upstream.resume();
  });
}

function endless(socket) {
  socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\n');
    let sent = 0;
    const pump = () => {
      while (sent < 1024 * 1024 && !socket.destroyed) {
        sent += 64;
        if (!socket.write(`X-Padding-${sent}: ${'x'.repeat(40)}\r\n`)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
}

const handlers = {
  socks5: (socket) => socks5(socket),
  socks5auth: (socket) => socks5(socket, { auth: true }),
  socks4,
  http: (socket) => http(socket),
  httpauth: (socket) => http(socket, { auth: true }),
  coalesce: (socket) => http(socket, { coalesce: true }),
  refuse: (socket) => socks5(socket, { refuse: true }),
  endless,
  stall: (socket) => socket.resume(),
  garbage: (socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.2\r\n')),
};

const ports = {};
for (const [name, handler] of Object.entries(handlers)) {
  const server = net.createServer((socket) => {
    track(socket);
    Promise.resolve(handler(socket)).catch(() => socket.destroy());
  });
  await new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  ports[name] = server.address().port;
}
process.stdout.write(`${JSON.stringify({ ports })}\n`);

const commands = {
  open: () => ({ open: open.size }),
  seen: () => {
    const requests = seen;
    seen = [];
    return { requests };
  },
};
createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  process.stdout.write(`${JSON.stringify({ id: message.id, ...commands[message.cmd]() })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
