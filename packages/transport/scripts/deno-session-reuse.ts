// Reproduction: whether Deno can resume the control connection's TLS session on FTPS data
// connections, which vsftpd (require_ssl_reuse=YES) and ProFTPD (TLSOptions without
// NoSessionReuseRequired) require by default. Needs no ftpkit:
//
//   deno run -A packages/transport/scripts/deno-session-reuse.ts HOST PORT USER PASSWORD [CA.pem]
//   DENO_CERT=CA.pem deno run -A packages/transport/scripts/deno-session-reuse.ts HOST PORT USER PASSWORD
//
// It logs in over explicit FTPS (AUTH TLS, PBSZ 0, PROT P) and opens three passive data connections
// (EPSV, NLST), in two ways, printing the server's final reply to each:
// - `native`: Deno.connect + Deno.startTls, what @ftpkit/transport/deno uses. Deno builds a fresh
//   rustls client configuration (and so a fresh session cache) for every handshake and takes no
//   session option: nothing is ever resumed, whatever the trust.
// - `node:tls`: the data socket is a node:net socket upgraded by tls.connect({ socket, session }),
//   with the control socket's getSession(). Deno's node:tls keeps one process-wide rustls session
//   store, keyed by server name; `session` is a synthetic value that only unlocks a lookup in it,
//   and only when its servername:port equals this connection's (an upgraded socket has no port, so
//   control and data match; a data tls.connect({ host, port }) never does). Resumption also needs
//   the same verifier as the control handshake, which Deno keeps only on the default trust path: a
//   `ca` option (CA.pem given) or a client certificate makes a fresh verifier per connection, and
//   nothing resumes. Trusted through Deno's own root store (DENO_CERT, --cert), it does.
// Measured with Deno 2.9.6 against testkit's vsftpd 3.0.3 and ProFTPD 1.3.8, and what it means for
// ftpkit: packages/transport/README.md, "Deno and TLS session reuse".
import net from 'node:net';
import tls from 'node:tls';

const [host = '127.0.0.1', port = '21', user = 'anonymous', password = 'anonymous@', caFile] = Deno.args;
const caPem = caFile === undefined ? undefined : await Deno.readTextFile(caFile);
const servername = 'localhost';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads whole FTP replies (RFC 959 §4.2: a multi-line reply ends at "ddd " with its opening code). */
function replyReader(next: () => Promise<Uint8Array | null>): () => Promise<string> {
  let buffered = '';
  return async () => {
    for (;;) {
      const lines = buffered.split('\r\n');
      const first = lines[0] ?? '';
      const end = lines.findIndex((line, i) => i < lines.length - 1 && line.startsWith(`${first.slice(0, 3)} `));
      if (end >= 0 && first.length >= 3) {
        buffered = lines.slice(end + 1).join('\r\n');
        return lines[end] as string;
      }
      const chunk = await next();
      if (chunk === null) throw new Error(`the server closed the control connection${buffered ? ` after ${JSON.stringify(buffered.trim())}` : ''}`);
      buffered += decoder.decode(chunk);
    }
  };
}

interface Control {
  send(line: string): Promise<void>;
  reply(): Promise<string>;
  data(epsvPort: number): Promise<{ drain(): Promise<void> }>;
  close(): void;
}

async function expect(control: Control, line: string, code: string): Promise<string> {
  await control.send(line);
  const reply = await control.reply();
  if (!reply.startsWith(code)) throw new Error(`${line.split(' ')[0]}: ${reply}`);
  return reply;
}

async function nativeControl(): Promise<Control> {
  let conn: Deno.Conn = await Deno.connect({ hostname: host, port: Number(port) });
  const buffer = new Uint8Array(65536);
  const read = async () => {
    // vsftpd ends the control connection without close_notify after its 522.
    const n = await conn.read(buffer).catch(() => null);
    return n === null ? null : buffer.slice(0, n);
  };
  const reply = replyReader(read);
  const control: Control = {
    send: async (line) => void (await conn.write(encoder.encode(`${line}\r\n`))),
    reply,
    async data(epsvPort) {
      const tcp = await Deno.connect({ hostname: host, port: epsvPort });
      const secured = Deno.startTls(tcp, { hostname: servername, ...(caPem ? { caCerts: [caPem] } : {}) });
      return {
        async drain() {
          const d = await secured;
          const scratch = new Uint8Array(65536);
          while ((await d.read(scratch).catch(() => null)) !== null);
          d.close();
        },
      };
    },
    close: () => conn.close(),
  };
  if (!(await reply()).startsWith('220')) throw new Error('no greeting');
  await expect(control, 'AUTH TLS', '234');
  conn = await Deno.startTls(conn as Deno.TcpConn, { hostname: servername, ...(caPem ? { caCerts: [caPem] } : {}) });
  return control;
}

async function nodeControl(): Promise<Control> {
  const chunks: (Uint8Array | null)[] = [];
  let wake: (() => void) | undefined;
  const push = (chunk: Uint8Array | null) => {
    chunks.push(chunk);
    wake?.();
  };
  const read = async () => {
    while (chunks.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return chunks.shift() ?? null;
  };
  const tcp = net.connect({ host, port: Number(port) });
  let socket: net.Socket = tcp;
  tcp.on('data', push);
  tcp.on('end', () => push(null));
  tcp.on('error', () => push(null));
  const reply = replyReader(read);
  const trust = caPem ? { ca: caPem } : {};
  const control: Control = {
    send: (line) => new Promise((resolve) => socket.write(`${line}\r\n`, () => resolve())),
    reply,
    async data(epsvPort) {
      const session = (socket as tls.TLSSocket).getSession();
      const tcp = net.connect({ host, port: epsvPort });
      await new Promise((resolve) => tcp.once('connect', resolve));
      const data = tls.connect({ socket: tcp, servername, session, ...trust });
      data.on('data', () => {});
      data.on('error', () => {});
      return {
        drain: () =>
          new Promise<void>((resolve) => {
            data.on('close', () => resolve());
            data.on('end', () => data.end());
            // A refused handshake may leave the socket half open: the control reply says the rest.
            setTimeout(() => (data.destroy(), resolve()), 5_000);
          }),
      };
    },
    close: () => socket.destroy(),
  };
  if (!(await reply()).startsWith('220')) throw new Error('no greeting');
  await expect(control, 'AUTH TLS', '234');
  tcp.removeAllListeners('data');
  tcp.removeAllListeners('end');
  const secured = tls.connect({ socket: tcp, servername, ...trust });
  await new Promise<void>((resolve, reject) => {
    secured.once('secureConnect', resolve);
    secured.once('error', reject);
  });
  secured.on('data', push);
  secured.on('end', () => push(null));
  secured.on('error', () => push(null));
  socket = secured;
  return control;
}

async function attempt(name: string, open: () => Promise<Control>): Promise<void> {
  const control = await open();
  try {
    await expect(control, `USER ${user}`, '331');
    await expect(control, `PASS ${password}`, '230');
    await expect(control, 'PBSZ 0', '200');
    await expect(control, 'PROT P', '200');
    // Give TLS 1.3 session tickets, which arrive after the handshake, time to be read.
    await expect(control, 'NOOP', '200');
    const results: string[] = [];
    for (let i = 1; i <= 3; i++) {
      try {
      const epsv = await expect(control, 'EPSV', '229');
      const dataPort = Number(/\|\|\|(\d+)\|/.exec(epsv)?.[1]);
      const data = await control.data(dataPort);
      await control.send('NLST');
      let reply = await control.reply();
      if (reply.startsWith('150') || reply.startsWith('125')) {
        await data.drain();
        reply = await control.reply();
      }
      results.push(`data ${i}: ${reply}`);
      } catch (error) {
        results.push(`data ${i}: ${(error as Error).message}`);
        break;
      }
    }
    console.log(`${name}:\n  ${results.join('\n  ')}`);
  } finally {
    control.close();
  }
}

console.log(`${Deno.version.deno}, ${host}:${port}, trust: ${caPem ? 'the given CA (node:tls: ca option)' : 'Deno root store (DENO_CERT, --cert, system or Mozilla roots)'}`);
await attempt('native (Deno.startTls)', nativeControl);
await attempt('node:tls (session: control.getSession())', nodeControl);
Deno.exit(0);
