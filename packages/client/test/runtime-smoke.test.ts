// Why this file is long: one file runs on every runtime (see below), so every runtime's smoke scenario is here.
// The client on each runtime: the same smoke scenarios against a real vsftpd, plaintext and with
// explicit FTPS, written with the vitest API only so that one file runs everywhere:
//
//   Node  `pnpm test`        vitest run (this file is part of the Node suite too)
//   Deno  `pnpm test:deno`   deno run -A npm:vitest run test/runtime-smoke.test.ts
//   Bun   `pnpm test:bun`    bun --bun vitest run test/runtime-smoke.test.ts
//
// The bare `@ftpkit/transport` import resolves to the runtime's own adapter (export conditions
// deno, bun, node), so each run exercises its own sockets and TLS.
//
// Deno cannot resume TLS sessions (transport README, measured): vsftpd's default
// `require_ssl_reuse=YES` refuses its protected data connections. On Deno the FTPS scenarios
// therefore run against a vsftpd started with `requireTlsReuse: false`, and two more tests check
// that vsftpd and ProFTPD insisting on reuse fail the transfer with TlsError 'session-reuse'.
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { capabilities, transport } from '@ftpkit/transport';
import { reset, startNatProxy, startScriptedServer, startServer, testCertificate, type RunningServer } from '@ftpkit/testkit';
import {
  Client,
  ConnectionError,
  FtpReplyError,
  InvalidArgumentError,
  isAbortError,
  isFtpError,
  lending,
  TlsError,
  type ClientOptions,
  type LogEntry,
  diagnose,
} from '../src/index.js';

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const MiB = 1024 * 1024;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), `ftpkit-smoke-${runtime}-`));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test(`the bare @ftpkit/transport import is the ${runtime} adapter`, () => {
  expect(transport.runtime).toBe(runtime);
});

describe(`vsftpd on ${runtime}`, () => {
  let server: RunningServer;

  beforeAll(async () => {
    // Node and Bun resume the control connection's TLS session on data connections, so vsftpd keeps
    // its strict default; Deno cannot (see the header).
    server = await startServer('vsftpd', { fixture: true, requireTlsReuse: capabilities.sessionReuse });
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const mode of [
    { name: 'plain', secure: false },
    { name: 'explicit TLS', secure: 'explicit' },
  ] as const) {
    describe(mode.name, () => {
      const work = `/smoke-${mode.secure === false ? 'plain' : 'tls'}`;
      let client: Client;
      const options = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
        host: server.host,
        port: server.port,
        user: server.user,
        password: server.password,
        secure: mode.secure,
        tls: { ca: server.caPem, servername: 'localhost' },
        ...extra,
      });
      const onDisk = (remote: string): string => join(server.root, ...remote.split('/').filter(Boolean));

      beforeAll(async () => {
        client = await Client.connect(options());
        await client.mkdir(work);
      });
      afterAll(async () => {
        await client?.close();
      });

      test('login, FEAT, PWD; a wrong password is a 530 without the password', async () => {
        expect(client.welcome.login.code).toBe(230);
        expect(client.features.has('EPSV')).toBe(true);
        expect(await client.pwd()).toBe('/');
        const password = 'not-the-Password-42';
        let error: unknown;
        try {
          await Client.connect(options({ password }));
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(FtpReplyError);
        expect((error as FtpReplyError).reply.code).toBe(530);
        expect((error as Error).message).not.toContain(password);
      });

      test('list and stat the fixture (unicode, spaces, dotfile, symlinks)', async () => {
        const entries = await client.list('/');
        const byName = new Map(entries.map((e) => [e.name, e]));
        for (const name of ['hello.txt', 'small.bin', 'file with space.txt', 'ünïcödé.txt', '.hidden']) {
          expect(byName.get(name)?.type, name).toBe('file');
        }
        expect(byName.get('sub')?.type).toBe('directory');
        expect(byName.get('link-to-hello')?.type).toBe('symlink');
        expect(byName.get('small.bin')?.size).toBe(4096);
        expect(byName.get('hello.txt')?.modifiedAt).toEqual(new Date('2020-01-02T00:00:00Z')); // `ls -l`: the day only
        expect((await client.stat('/sub/nested.txt')).size).toBe(2);
        expect(await client.names('/sub')).toEqual(['nested.txt']);
        expect(await client.exists('/sub/nested.txt')).toBe(true);
        expect(await client.exists('/sub/missing.txt')).toBe(false);
        expect(await client.size('/hello.txt')).toBe(6);
        expect(await client.lastModified('/hello.txt')).toEqual(new Date('2020-01-02T03:04:05Z'));
      });

      test('round trips byte-identical: bytes, file path, Web streams; 0 B and 1 MiB', async () => {
        for (const size of [0, MiB]) {
          const bytes = randomBytes(size);
          await client.upload(bytes, `${work}/a-${size}.bin`);
          expect(sha256(await readFile(onDisk(`${work}/a-${size}.bin`)))).toBe(sha256(bytes));
          expect(sha256(await client.downloadToBytes(`${work}/a-${size}.bin`))).toBe(sha256(bytes));

          const local = join(scratch, `${mode.name}-${size}.bin`);
          await writeFile(local, bytes);
          await client.upload(local, `${work}/b-${size}.bin`);
          const back = join(scratch, `${mode.name}-${size}.back.bin`);
          await client.download(`${work}/b-${size}.bin`, back);
          expect(sha256(await readFile(back))).toBe(sha256(bytes));

          const source = new ReadableStream<Uint8Array>({
            start(controller) {
              for (let offset = 0; offset < bytes.length; offset += 64 * 1024) controller.enqueue(bytes.slice(offset, offset + 64 * 1024));
              controller.close();
            },
          });
          await client.upload(source, `${work}/c-${size}.bin`);
          const hash = createHash('sha256');
          let length = 0;
          await client.download(
            `${work}/c-${size}.bin`,
            new WritableStream<Uint8Array>({
              write(chunk) {
                hash.update(chunk);
                length += chunk.length;
              },
            }),
          );
          expect({ length, sha256: hash.digest('hex') }).toEqual({ length: size, sha256: sha256(bytes) });
        }
      });

      test('under limitRate 2 MiB/s, 1 MiB each way takes its time and arrives byte-identical', async () => {
        // At least (1 MiB − a 102 KiB burst − one read, up to about 300 KiB on Bun) / 2 MiB/s: 0.3 s.
        await using limited = await Client.connect(options({ limitRate: 2 * MiB }));
        const bytes = randomBytes(MiB);
        let started = performance.now();
        await limited.upload(bytes, `${work}/limited.bin`);
        expect(performance.now() - started).toBeGreaterThan(300);
        started = performance.now();
        expect(sha256(await limited.downloadToBytes(`${work}/limited.bin`))).toBe(sha256(bytes));
        expect(performance.now() - started).toBeGreaterThan(300);
      });

      test('resume both ways, append, rename, mkdir -p, rm -r', async () => {
        const bytes = randomBytes(MiB + 7);
        const offset = 123_457;
        // Download resume onto a partial local file.
        await writeFile(onDisk(`${work}/resume.bin`), bytes);
        const local = join(scratch, `${mode.name}-resume.bin`);
        await writeFile(local, bytes.subarray(0, offset));
        await client.download(`${work}/resume.bin`, local, { startAt: offset });
        expect(sha256(await readFile(local))).toBe(sha256(bytes));
        // Upload resume (REST + STOR).
        await client.upload(bytes.subarray(0, offset), `${work}/resume-up.bin`);
        await client.upload(bytes, `${work}/resume-up.bin`, { startAt: offset });
        expect(sha256(await readFile(onDisk(`${work}/resume-up.bin`)))).toBe(sha256(bytes));

        await client.upload(new TextEncoder().encode('a'), `${work}/append.txt`);
        await client.append(new TextEncoder().encode('b'), `${work}/append.txt`);
        expect(await readFile(onDisk(`${work}/append.txt`), 'utf8')).toBe('ab');

        await client.mkdir(`${work}/x/y z/ü`, { recursive: true });
        await client.rename(`${work}/append.txt`, `${work}/x/y z/ü/.moved`);
        expect(await readFile(onDisk(`${work}/x/y z/ü/.moved`), 'utf8')).toBe('ab');
        await client.rmdir(`${work}/x`, { recursive: true });
        expect(await stat(onDisk(`${work}/x`)).then(() => true, () => false)).toBe(false);
      });

      test('lending: each chunk stays whole while lent, and the reads reuse their memory where the adapter pools it', async () => {
        const bytes = randomBytes(32 * MiB);
        await writeFile(onDisk(`${work}/lent.bin`), bytes);
        const buffersOf = async (lend: boolean): Promise<{ buffers: number; sha256: string; changed: number }> => {
          const hash = createHash('sha256');
          const buffers = new Set<ArrayBufferLike>();
          let count = 0;
          let changed = 0;
          const take = async (chunk: Uint8Array): Promise<void> => {
            buffers.add(chunk.buffer);
            const copy = chunk.slice();
            // Every fourth chunk is held across a timer, while the data connection reads on.
            if (++count % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
            if (copy.some((byte, i) => chunk[i] !== byte)) changed++;
            hash.update(chunk);
          };
          await client.download(`${work}/lent.bin`, lend ? lending(take) : take);
          return { buffers: buffers.size, sha256: hash.digest('hex'), changed };
        };
        const given = await buffersOf(false);
        const lent = await buffersOf(true);
        expect(given.sha256).toBe(sha256(bytes));
        expect(lent).toMatchObject({ sha256: sha256(bytes), changed: 0 });
        // Node's plain sockets and all of Deno's read into the transport's slabs, which lent chunks
        // go back to; Bun's sockets and Node's TLS give a buffer of their own per read.
        const pooled = runtime === 'deno' || (runtime === 'node' && mode.secure === false);
        if (pooled) {
          expect(lent.buffers).toBeLessThanOrEqual(8); // measured: Node 5–6 (4 MiB read ahead in 2 MiB slabs), Deno 2
          expect(given.buffers).toBeGreaterThanOrEqual(2 * lent.buffers); // measured: Node 18–20, Deno 129–159
        }
      });

      test('abort a download mid-transfer, then keep using the client', async () => {
        await writeFile(onDisk(`${work}/big.bin`), randomBytes(32 * MiB));
        const controller = new AbortController();
        let received = 0;
        let error: unknown;
        try {
          await client.download(
            `${work}/big.bin`,
            (chunk) => {
              received += chunk.length;
              if (received >= 2 * MiB) controller.abort();
            },
            { signal: controller.signal },
          );
        } catch (err) {
          error = err;
        }
        expect(isAbortError(error), String(error)).toBe(true);
        expect(received).toBeLessThan(32 * MiB);
        expect(await client.size('/small.bin')).toBe(4096);
        expect(new TextDecoder().decode(await client.downloadToBytes('/hello.txt'))).toBe('hello\n');
      });

      test('10 concurrent calls resolve in call order', async () => {
        const order: number[] = [];
        const calls = Array.from({ length: 10 }, (_, i) => {
          const call: Promise<unknown> =
            i % 3 === 0 ? client.size('/small.bin') : i % 3 === 1 ? client.list('/sub') : client.upload(new Uint8Array([i]), `${work}/c${i}.bin`);
          return call.then(() => void order.push(i));
        });
        await Promise.all(calls);
        expect(order).toEqual([...Array(10).keys()]);
      });
    });
  }

  // Only where the runtime cannot resume TLS sessions (Deno): vsftpd's and ProFTPD's defaults refuse
  // the data connection (522 and 425). The refusal must be a TlsError that says why and what to do,
  // with the server's reply as its cause, and not a hang or a bare reply.
  for (const kind of ['vsftpd', 'proftpd'] as const) {
    test.skipIf(capabilities.sessionReuse)(
      `FTPS to ${kind} requiring TLS session reuse fails with TlsError 'session-reuse' — runs only where the runtime cannot resume sessions (${runtime}: sessionReuse=${capabilities.sessionReuse})`,
      async () => {
        await using strict = await startServer(kind, { fixture: true, requireTlsReuse: true });
        await using client = await Client.connect({
          host: strict.host,
          port: strict.port,
          user: strict.user,
          password: strict.password,
          secure: 'explicit',
          tls: { ca: strict.caPem, servername: 'localhost' },
          timeouts: { reply: 10_000, dataIdle: 10_000 },
        });
        let error: unknown;
        try {
          await client.list('/');
        } catch (err) {
          error = err;
        }
        expect(error, String(error)).toBeInstanceOf(TlsError);
        expect((error as TlsError).reason).toBe('session-reuse');
        const reply = (error as TlsError).cause;
        expect(reply).toBeInstanceOf(FtpReplyError);
        // vsftpd: "522 SSL connection failed: session reuse required"; ProFTPD: "425 Unable to build
        // data connection: Operation not permitted" (its log: "client did not reuse TLS session").
        expect((reply as FtpReplyError).reply.code).toBe(kind === 'vsftpd' ? 522 : 425);
        const message = (error as TlsError).message;
        expect(message).toContain('require_ssl_reuse=NO (vsftpd) or TLSOptions NoSessionReuseRequired (ProFTPD)');
        expect(message).toContain('run the client under Node or Bun');
        if (runtime === 'deno') expect(message).toContain('Deno cannot resume TLS sessions');
        let after: unknown;
        try {
          await client.size('/hello.txt');
        } catch (err) {
          after = err;
        }
        if (kind === 'vsftpd') {
          // vsftpd ends the session after a 522 (vsf_cmdio_write_exit): later calls fail, typed, at once.
          expect(isFtpError(after), String(after)).toBe(true);
          expect(client.closed).toBe(true);
        } else {
          // ProFTPD refuses the data connection only: the session goes on.
          expect(after, String(after)).toBeUndefined();
        }
      },
    );
  }
});

// A server that sends no size (no SIZE asked, no byte count in the 150) and resets the data
// connection while the client's sink is slow, bytes still unread, then claims 226: each runtime's
// sockets must report the reset, never a clean end of file (misbehaving-servers.md, "Deadlines and
// bounds"). The scripted server runs in this runtime too.
test(`a reset data connection is never an end of file, even with a 226 after it (${runtime})`, async () => {
  const server = await startScriptedServer({
    handlers: {
      RETR: async (_, ctx) => {
        const data = await ctx.acceptData();
        ctx.reply('150 Opening BINARY mode data connection');
        data.write(new Uint8Array(12 * MiB));
        await new Promise((resolve) => setTimeout(resolve, 150));
        reset(data);
        return '226 Transfer complete';
      },
    },
  });
  try {
    await using client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', timeouts: { reply: 10_000, dataIdle: 10_000 } });
    let first = true;
    let error: unknown;
    try {
      await client.download('/f', async () => {
        if (first) await new Promise((resolve) => setTimeout(resolve, 500)); // the reset comes meanwhile
        first = false;
      });
    } catch (err) {
      error = err;
    }
    expect(error, String(error)).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('ERR_FTP_CONNECTION');
  } finally {
    await server.close();
  }
});

// Networks in the way (pins, CCC, active mode behind a NAT): what works on this runtime works, and
// what its adapter cannot do is refused with a typed error before anything is sent.
describe(`networks in the way on ${runtime}`, () => {
  const pinOf = (pem: string): string =>
    `sha256//${createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64')}`;
  const serverPin = pinOf(testCertificate().cert);

  test(capabilities.peerCertificate ? 'tls.pin admits vsftpd by its key alone; Client.certificate shows it' : 'tls.pin and Client.certificate are TlsError before anything is sent', async () => {
    await using server = await startServer('vsftpd', { fixture: true, requireTlsReuse: capabilities.sessionReuse });
    const log: LogEntry[] = [];
    const options: ClientOptions = { host: server.host, port: server.port, user: server.user, password: server.password, secure: 'explicit', tls: { pin: serverPin }, log: (e) => log.push(e) };
    if (!capabilities.peerCertificate) {
      await expect(Client.connect(options)).rejects.toBeInstanceOf(TlsError);
      await expect(Client.certificate(options)).rejects.toBeInstanceOf(TlsError);
      expect(log).toEqual([]);
      return;
    }
    await using client = await Client.connect(options);
    expect(new TextDecoder().decode(await client.downloadToBytes('/hello.txt'))).toBe('hello\n');
    const wrong = await Client.connect({ ...options, tls: { pin: pinOf(server.caPem) } }).catch((e: unknown) => e);
    expect((wrong as TlsError).reason).toBe('pin');
    expect((wrong as TlsError).presentedPin).toBe(serverPin);
    expect((await Client.certificate(options)).pin).toBe(serverPin);
  });

  test(capabilities.stopTls ? 'ccc: ProFTPD clears the control connection; transfers go on over TLS' : 'ccc is a TlsError before anything is sent', async () => {
    await using server = await startServer('proftpd', { fixture: true, requireTlsReuse: capabilities.sessionReuse });
    const log: LogEntry[] = [];
    const options: ClientOptions = {
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      secure: 'explicit',
      tls: { ca: server.caPem, servername: 'localhost' },
      ccc: true,
      log: (e) => log.push(e),
    };
    if (!capabilities.stopTls) {
      await expect(Client.connect(options)).rejects.toBeInstanceOf(TlsError);
      expect(log).toEqual([]);
      return;
    }
    await using client = await Client.connect(options);
    expect(log.some((e) => e.direction === '>' && e.text === 'CCC')).toBe(true);
    expect(new TextDecoder().decode(await client.downloadToBytes('/hello.txt'))).toBe('hello\n');
    await client.upload(new TextEncoder().encode('ccc\n'), '/ccc.txt');
    expect(await readFile(join(server.root, 'ccc.txt'), 'utf8')).toBe('ccc\n');
  });

  for (const secure of [false, 'explicit'] as const) {
    test(`active mode behind a NAT, ${secure === false ? 'plain' : 'explicit TLS'}: advertise the public address; the NAT forwards${capabilities.localAddress ? '' : ' (no localAddress here: refused)'}`, async () => {
      await using server = await startServer('vsftpd', { fixture: true, requireTlsReuse: capabilities.sessionReuse });
      // Where the client listens: its chosen address, or (Deno) the one the system picks for loopback.
      const inside = capabilities.localAddress ? '127.0.0.2' : '127.0.0.1';
      await using nat = await startNatProxy({ target: server, inside });
      const options: ClientOptions = {
        host: nat.host,
        port: nat.port,
        user: server.user,
        password: server.password,
        secure,
        tls: { ca: server.caPem, servername: 'localhost' },
        mode: 'active',
        activeAddress: nat.publicHost,
        activePorts: nat.activePorts,
      };
      if (!capabilities.localAddress) {
        await expect(Client.connect({ ...options, localAddress: '127.0.0.2' })).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      await using client = await Client.connect(capabilities.localAddress ? { ...options, localAddress: inside } : options);
      expect(new TextDecoder().decode(await client.downloadToBytes('/hello.txt'))).toBe('hello\n');
      await client.upload(new TextEncoder().encode('nat\n'), `/nat-${secure === false ? 'plain' : 'tls'}.txt`);
      expect(await readFile(join(server.root, `nat-${secure === false ? 'plain' : 'tls'}.txt`), 'utf8')).toBe('nat\n');
      expect(nat.forwarded()).toBe(2);
    });
  }
});

// diagnose on this runtime, against vsftpd requiring TLS session reuse: what the adapter cannot do
// (read a certificate, hold a handshake to one version, resume a session) is said, not failed on.
test(`diagnose on ${runtime}: vsftpd with require_ssl_reuse`, async () => {
  await using server = await startServer('vsftpd', { fixture: true });
  const report = await diagnose({ host: server.host, port: server.port, user: server.user, password: server.password, secure: 'explicit', tls: { ca: server.caPem }, probeTimeout: 15_000 });
  const { explicitTls, certificate, login, epsv, tlsReuse } = report.probes;
  expect(explicitTls.status).toBe('ok');
  expect(login.status).toBe('ok');
  expect(certificate.status).toBe(capabilities.peerCertificate ? 'ok' : 'not-applicable');
  if (capabilities.sessionReuse) {
    expect(epsv.status).toBe('ok');
    expect(tlsReuse).toMatchObject({ status: 'ok', detail: { required: true } });
    expect(report.recommendation.changes).toEqual([]);
  } else {
    expect(epsv).toMatchObject({ status: 'failed', detail: { stage: 'transfer' } });
    expect(report.recommendation.summary).toMatch(new RegExp(`the ${runtime} transport cannot resume TLS sessions\\. Run on Node or Bun\\.$`));
  }
});
