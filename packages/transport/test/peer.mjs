// The real Node peer of the transport conformance suite. Whatever runtime runs the suite, the other
// end of every socket is this process: `node test/peer.mjs`.
//
// It listens on 127.0.0.1 and ::1 (ephemeral ports), prints one JSON line
// `{"hosts": {"127.0.0.1": {...ports}, "::1": {...ports}}, "pins": {"server", "other", "self"}}`
// (the pins of its certificates' public keys, in tls.pin's form), then takes commands on stdin, one JSON
// line each (`{"id": 1, "cmd": "open"}`), and answers each with one JSON line carrying the same id.
// It exits when stdin ends.
//
// Servers, per host:
//   echo        plain TCP echo. When the client ends its side, the peer finishes echoing and ends.
//   source      the client sends "<bytes>\n"; the peer sends that many pattern bytes, then ends.
//   sink        does not read until the `release` command; then counts and hashes everything, and
//               when the client ends, answers "bytes=<n> sha256=<hex>\n" and ends (a half-close).
//   reset       sends "partial\n", then resets the connection (RST).
//   resetUnread sends 12 MiB of pattern bytes and resets the connection 150 ms after accepting it,
//               while a client that waits before reading still has bytes unread in its kernel.
//   tlsResetUnread  the same over TLS 1.3 (the peer is the TLS server from the first byte).
//   tlsPlainAfter  TLS 1.3: the hello line, then, once the client sends something, a line in plain
//               text on the raw socket and the end (vsftpd's "500 OOPS" after a failed SSL_read).
//   tls12/tls13 TLS echo limited to TLS 1.2 / 1.3. Each connection first gets a JSON line
//               {"reused", "protocol", "client"}: whether the peer resumed a session
//               (tlsSocket.isSessionReused()), the version, the client certificate's CN.
//   tlsOther    like tls13, with a certificate for other.invalid (hostname mismatch).
//   tlsClientAuth  like tls13, requires a client certificate from the test CA.
//   tlsMute     accepts TCP and never answers: a TLS handshake that never completes.
//   tlsP256     like tls13 (its own server and tickets), but the only key-exchange group it takes is
//               P-256, as vsftpd 3.0.3 on Debian: a ClientHello without a P-256 key share gets a
//               HelloRetryRequest, and the client sends a second ClientHello. A relay in front of it
//               watches the client's TLS records on each connection (`relayed`), and when the
//               server's first answer passes, writes "F\n" to every `notify` connection.
//   notify      plain TCP that only ever gets those "F\n" lines.
//   tlsSelf     like tls13, with a self-signed certificate for localhost that no CA vouches for (pins).
//   ccc         "220 ready\n"; on "AUTH TLS\r\n" "234 go\n" and TLS (tls13's context), then "230 in\n";
//               then over TLS, "CCC\r\n" gets "200 clear\n" and TLS ends as ProFTPD ends it (the
//               peer waits for the client's close_notify, then sends its own), "CCC NOW\r\n" as
//               Pure-FTPd does (its close_notify right behind the 200); then each line the client
//               sends comes back in plain text as "plain <line>\n". Any other line before CCC comes
//               back over TLS as "tls <line>\n".
//   starttls    "220 ready\n"; on "AUTH TLS\r\n" answers "234 go\n" and starts TLS as the server
//               (asking for, not requiring, a client certificate), then behaves like tls13. Shares its TLS context with `tls13` and `dial`, so a
//               session from one resumes on the others (a control connection's on a data connection).
//   blackhole   a listener in a child process that never accepts, with its backlog already full:
//               a connect to it hangs (SYNs are dropped), for connect timeouts.
//   refused     a port nobody listens on.
//
// Commands:
//   open                 → {open}: server-side sockets still open (the client's leak check).
//   release              → {}: sink connections start reading.
//   dropMute             → {dropped}: close the tlsMute connections still open.
//   sourceStats          → {flushed}: bytes the newest source connection handed to its kernel.
//   relayed              → {connections}: per `tlsP256` connection since the last ask, oldest first,
//                        {clientHellos, closeNotify}: how many ClientHellos the client sent, and
//                        whether the last record it sent was a TLS 1.3 close_notify.
//   dial {host, port, tls}  → {}: connect to the client's listener, send "hello from peer\n" and
//                        echo; with tls, first act as the TLS server on it (active-mode FTPS).
import { spawn } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

const fixtures = new URL('./fixtures/', import.meta.url);
const pem = (name) => readFileSync(new URL(name, fixtures), 'utf8');
const ca = pem('ca.pem');
const server = { key: pem('server.key'), cert: pem('server.pem') };
const other = { key: pem('other.key'), cert: pem('other.pem') };
const self = { key: pem('self.key'), cert: pem('self.pem') };
/** curl's --pinnedpubkey form of a certificate's public key: sha256// and base64 of SHA-256(DER SPKI). */
const pinOf = (cert) =>
  `sha256//${createHash('sha256').update(new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' })).digest('base64')}`;
const pins = { server: pinOf(server.cert), other: pinOf(other.cert), self: pinOf(self.cert) };
const ticketKeys = randomBytes(48);

const open = new Set();
const track = (socket) => {
  open.add(socket);
  socket.on('close', () => open.delete(socket));
  socket.on('error', () => {});
};
const held = new Set();
const mute = new Set();
let lastSource;
/** What the `tlsP256` relay saw of each client, oldest first. */
let relayed = [];
const notify = new Set();
const children = [];

/** What `resetUnread` sends: more than the adapters hold unread before pausing the socket. */
const UNREAD_BYTES = 12 * 1024 * 1024;

/** Byte i of every test payload: (i mod 251), so a lost, doubled or shifted chunk shows. */
export function pattern(offset, length) {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (offset + i) % 251;
  return bytes;
}

function hello(socket) {
  const cert = socket.getPeerCertificate?.();
  return `${JSON.stringify({
    reused: socket.isSessionReused(),
    protocol: socket.getProtocol(),
    client: cert?.subject?.CN ?? null,
  })}\n`;
}

function secureEcho(socket) {
  socket.on('error', () => {});
  socket.write(hello(socket));
  socket.pipe(socket);
}

function listen(srv, host) {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ host, port: 0 }, () => resolve(srv.address().port));
  });
}

/**
 * Relays `socket` to the TLS server at `port` and watches the client's records (RFC 8446 §5.1):
 * type 22 (handshake) with message type 1 is a ClientHello; once keys are in use, a close_notify is
 * an encrypted record (type 23) of 19 bytes: the 2-byte alert, its inner type and a 16-byte tag.
 */
function relayTls(socket, host, port) {
  const seen = { clientHellos: 0, closeNotify: false };
  relayed.push(seen);
  const upstream = net.connect({ host, port });
  track(upstream);
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
      const type = pending[0];
      const length = pending.readUInt16BE(3);
      if (type === 22 && pending[5] === 1) seen.clientHellos++;
      seen.closeNotify = type === 23 && length === 19;
      pending = pending.subarray(5 + length);
    }
  });
  socket.pipe(upstream);
  upstream.pipe(socket);
  let answered = false;
  upstream.on('data', () => {
    if (answered) return;
    answered = true;
    // Listeners run in order: the pipe has handed this chunk to the client's socket already.
    for (const listener of notify) listener.write('F\n');
  });
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
}

/**
 * The server side of a TLS session that can end while its TCP connection goes on (CCC): TLS over a
 * stream of ours, whose end writes close_notify without a FIN. Bytes reach the TLS layer one record
 * at a time, and none after the client's close_notify: a client may send its next command in plain
 * text right behind it, and OpenSSL servers (which read a record at a time) see it as such.
 * `detach(onPlain)` gives the socket back and hands over those bytes first.
 */
function clearableTls(socket) {
  const bridge = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      callback(); // close_notify is out; the TCP connection stays
    },
  });
  let pending = Buffer.alloc(0);
  let closed = false; // the client's close_notify has passed
  const relay = (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (!closed && pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
      const length = pending.readUInt16BE(3);
      const record = pending.subarray(0, 5 + length);
      pending = pending.subarray(5 + length);
      // RFC 8446 §5.2: a TLS 1.3 alert travels as application data: 2 bytes, the inner type, a 16-byte tag.
      closed = secure.clearing === true && record[0] === 23 && length === 19;
      if (!bridge.push(record)) socket.pause();
    }
  };
  socket.on('data', relay);
  const secure = new tls.TLSSocket(bridge, { isServer: true, secureContext: tls13Context });
  secure.on('error', () => {});
  const detach = (onPlain) => {
    socket.off('data', relay);
    secure.destroy();
    socket.on('data', onPlain);
    if (pending.length > 0) onPlain(pending);
    socket.resume();
  };
  return { secure, detach };
}

/** A `data` handler that calls `each` with every line, its line ending removed. */
function lineReader(each) {
  let text = '';
  return (chunk) => {
    text += chunk.toString('latin1');
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      const line = text.slice(0, nl).replace(/\r$/, '');
      text = text.slice(nl + 1);
      each(line);
    }
  };
}

/** Lines of a stream, one callback per line; returns the function that stops listening. */
function onLines(stream, each) {
  const onData = lineReader(each);
  stream.on('data', onData);
  return () => stream.off('data', onData);
}

const handlers = {
  echo(socket) {
    socket.pipe(socket);
  },
  source(socket) {
    lastSource = socket;
    let head = '';
    const onData = (chunk) => {
      head += chunk.toString('latin1');
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onData);
      let left = Number(head.slice(0, nl));
      let offset = 0;
      const step = 256 * 1024;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(step, left);
          const ok = socket.write(pattern(offset, n));
          offset += n;
          left -= n;
          if (!ok) return void socket.once('drain', pump);
        }
        socket.end();
      };
      pump();
    };
    socket.on('data', onData);
  },
  sink(socket) {
    socket.pause();
    held.add(socket);
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    socket.on('end', () => {
      socket.end(`bytes=${bytes} sha256=${hash.digest('hex')}\n`);
    });
  },
  reset(socket) {
    socket.write('partial\n', () => setTimeout(() => socket.resetAndDestroy(), 50));
  },
  resetUnread(socket) {
    socket.write(pattern(0, UNREAD_BYTES));
    setTimeout(() => socket.resetAndDestroy(), 150);
  },
  tlsResetUnread(socket) {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: tls13Context });
    secure.on('error', () => {});
    secure.on('secure', () => {
      secure.write(pattern(0, UNREAD_BYTES));
      setTimeout(() => socket.resetAndDestroy(), 150);
    });
  },
  // What vsftpd does when its side of a TLS session fails: it writes "500 OOPS: ..." in plain text
  // on the connection, past the TLS layer. Here: TLS 1.3, the hello line, and once the client sends
  // anything, that line on the raw TCP socket, then the end.
  tlsPlainAfter(socket) {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: tls13Context });
    secure.on('error', () => {});
    secure.on('secure', () => {
      secure.write(hello(secure));
      secure.once('data', () => socket.end('500 OOPS: SSL_read\r\n'));
    });
  },
  // TLS 1.3 through a TLSSocket on the shared context (not tls.Server, which has its own), so that
  // sessions resume across this port, `starttls` and `dial` as they do across an FTP server's control
  // and data connections.
  tls13(socket) {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: tls13Context });
    secure.on('secure', () => secureEcho(secure));
    secure.on('error', () => {});
  },
  tlsMute(socket) {
    mute.add(socket);
    socket.on('close', () => mute.delete(socket));
    socket.on('data', () => {});
  },
  notify(socket) {
    notify.add(socket);
    socket.on('close', () => notify.delete(socket));
    socket.resume();
  },
  ccc(socket) {
    socket.write('220 ready\n');
    const stopPlain = onLines(socket, (line) => {
      stopPlain();
      if (line !== 'AUTH TLS') return void socket.end('500 what?\n');
      socket.write('234 go\n');
      const { secure, detach } = clearableTls(socket);
      secure.on('secure', () => secure.write('230 in\n'));
      const stopTls = onLines(secure, (command) => {
        if (command !== 'CCC' && command !== 'CCC NOW') return void secure.write(`tls ${command}\n`);
        stopTls();
        secure.clearing = true;
        const clear = () => {
          detach(lineReader((text) => socket.write(`plain ${text}\n`)));
          socket.on('end', () => socket.end());
        };
        if (command === 'CCC NOW') {
          // Pure-FTPd: the 200 and close_notify in one go; then plain text, whatever the client does.
          secure.end('200 clear\n');
          secure.once('end', clear);
        } else {
          // ProFTPD: the 200, then the client's close_notify, then ours.
          secure.write('200 clear\n');
          secure.once('end', () => secure.end(clear));
        }
      });
    });
  },
  starttls(socket) {
    socket.write('220 ready\n');
    let line = '';
    const onData = (chunk) => {
      line += chunk.toString('latin1');
      if (!line.includes('\n')) return;
      socket.off('data', onData);
      if (line.trim() !== 'AUTH TLS') return void socket.end('500 what?\n');
      socket.write('234 go\n');
      // A client certificate is asked for, not required: the hello line names it when one came.
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext: tls13Context,
        requestCert: true,
        rejectUnauthorized: false,
      });
      secure.on('secure', () => secureEcho(secure));
      secure.on('error', () => {});
    };
    socket.on('data', onData);
  },
};

// OpenSSL refuses to resume (alert "internal error") where a client certificate is asked for and no
// session id context is set, as on the `starttls` port.
const tls13Context = tls.createSecureContext({
  ...server,
  ca,
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  ticketKeys,
  sessionIdContext: 'ftpkit-peer',
});

function tlsServer(options) {
  return tls.createServer({ ...server, ...options }, secureEcho);
}

/** `ecdhCurve` is OpenSSL's groups list; Node's server takes the client's first acceptable share. */
const p256Options = { minVersion: 'TLSv1.3', ecdhCurve: 'P-256' };

async function serve(host) {
  const ports = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const srv = net.createServer({ allowHalfOpen: name === 'echo' || name === 'sink' }, (socket) => {
      track(socket);
      handler(socket);
    });
    ports[name] = await listen(srv, host);
  }
  const secure = {
    tls12: tlsServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }),
    tlsOther: tlsServer({ ...other, minVersion: 'TLSv1.3' }),
    tlsSelf: tlsServer({ ...self, minVersion: 'TLSv1.3' }),
    tlsClientAuth: tlsServer({ minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true, ca }),
    tlsP256Server: tlsServer(p256Options),
  };
  for (const [name, srv] of Object.entries(secure)) {
    srv.on('connection', track);
    srv.on('tlsClientError', () => {});
    ports[name] = await listen(srv, host);
  }
  // Clients reach the P-256 server through the relay only.
  const p256Port = ports.tlsP256Server;
  delete ports.tlsP256Server;
  const relay = net.createServer((socket) => {
    track(socket);
    relayTls(socket, host, p256Port);
  });
  ports.tlsP256 = await listen(relay, host);
  ports.blackhole = await blackhole(host);
  const gone = net.createServer();
  ports.refused = await listen(gone, host);
  await new Promise((resolve) => gone.close(resolve));
  return ports;
}

/** A listener that never accepts, in a blocked child process, with its accept queue filled. */
async function blackhole(host) {
  const code = `
    const net = require('node:net');
    const s = net.createServer().listen({ host: ${JSON.stringify(host)}, port: 0, backlog: 1 }, () => {
      process.stdout.write(JSON.stringify(s.address().port) + '\\n', () => {
        // Block the event loop so nothing is ever accepted; leave once the peer is gone.
        const parent = process.ppid;
        const cell = new Int32Array(new SharedArrayBuffer(4));
        while (process.ppid === parent) Atomics.wait(cell, 0, 0, 1000);
        process.exit(0);
      });
    });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = JSON.parse(await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve)));
  // Linux queues backlog + 1 connections; after that, SYNs are dropped and a connect hangs.
  for (let i = 0; i < 2; i++) {
    const filler = net.connect({ host, port });
    filler.on('error', () => {});
    await new Promise((resolve) => filler.once('connect', resolve));
  }
  return port;
}

function dial({ host, port, tls: secure }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    track(socket);
    socket.once('error', reject);
    socket.once('connect', () => {
      resolve({});
      if (!secure) {
        socket.write('hello from peer\n');
        socket.pipe(socket);
        return;
      }
      // Active-mode FTPS: the server connects, the client starts TLS as the TLS client.
      const wrapped = new tls.TLSSocket(socket, { isServer: true, secureContext: tls13Context });
      wrapped.on('error', () => {});
      wrapped.on('secure', () => secureEcho(wrapped));
    });
  });
}

const commands = {
  open: () => ({ open: open.size }),
  release: () => {
    for (const socket of held) socket.resume();
    held.clear();
    return {};
  },
  dropMute: () => {
    const dropped = mute.size;
    for (const socket of mute) socket.destroy();
    return { dropped };
  },
  sourceStats: () => ({ flushed: lastSource ? lastSource.bytesWritten - lastSource.writableLength : 0 }),
  relayed: () => {
    const connections = relayed;
    relayed = [];
    return { connections };
  },
  dial,
};

const hosts = {};
for (const host of ['127.0.0.1', '::1']) hosts[host] = await serve(host);
process.stdout.write(`${JSON.stringify({ hosts, pins })}\n`);

createInterface({ input: process.stdin }).on('line', async (line) => {
  let id;
  try {
    const message = JSON.parse(line);
    id = message.id;
    const result = await commands[message.cmd](message);
    process.stdout.write(`${JSON.stringify({ id, ...result })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ id, error: String(error) })}\n`);
  }
});
const quit = () => {
  for (const child of children) child.kill('SIGKILL');
  process.exit(0);
};
process.stdin.on('end', quit);
process.on('SIGTERM', quit);
