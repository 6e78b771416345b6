/**
 * How an aborted TLS upload closes its data connection. OpenSSL servers drop a resumed TLS session
 * when its connection ends without close_notify, and that session is the control connection's: on
 * ProFTPD and vsftpd, which require data connections to resume it, every later transfer of the
 * session then fails with 425 (found by the interop matrix, ProFTPD with TLS 1.2). The client must
 * therefore end an aborted TLS upload cleanly (`end()`: close_notify) and not only tear it down.
 */
import { afterEach, expect, test } from 'vitest';
import { transport as nodeTransport, type Connection, type Transport } from '@ftpkit/transport';
import { pump, startScriptedServer, testCaPem, type ScriptedServer } from '@ftpkit/testkit';
import { Client, isAbortError } from '../src/index.js';

let server: ScriptedServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close().catch(() => {});
  await server?.close();
  client = server = undefined;
});

/** The Node transport, noting `end` and `destroy` calls on every connection after the first (data). */
function spyingTransport(calls: string[][]): Transport {
  let count = 0;
  return {
    ...nodeTransport,
    async connect(options) {
      const conn = await nodeTransport.connect(options);
      if (count++ === 0) return conn;
      const log: string[] = [];
      calls.push(log);
      return new Proxy(conn, {
        get(target, key) {
          const value = Reflect.get(target, key, target) as unknown;
          if (typeof value !== 'function') return value;
          if (key === 'end' || key === 'destroy') log.push(key);
          return (value as (...args: unknown[]) => unknown).bind(target);
        },
      }) as Connection;
    },
  };
}

async function* endless(controller: AbortController, limit: number): AsyncGenerator<Uint8Array> {
  for (let sent = 0; ; sent += 16_384) {
    if (sent >= limit) controller.abort();
    yield new Uint8Array(16_384);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

test('an aborted TLS upload ends its data connection with close_notify before tearing it down', async () => {
  server = await startScriptedServer({ tls: true });
  const calls: string[][] = [];
  client = await Client.connect({
    host: server.host,
    port: server.port,
    user: 'u',
    password: 'p',
    secure: 'explicit',
    tls: { ca: [testCaPem()] },
    transport: spyingTransport(calls),
  });
  const controller = new AbortController();
  const upload = client.upload(endless(controller, 256 * 1024), 'x.bin', { signal: controller.signal });
  await expect(upload).rejects.toSatisfy(isAbortError);
  // The session goes on, on a fresh data connection.
  expect((await client.upload(new Uint8Array(100), 'y.bin')).bytes).toBe(100);
  expect(calls.length).toBe(2);
  expect(calls[0]?.[0]).toBe('end');
});

test('an aborted TLS download is drained until the server closes it, not cut under its writes', async () => {
  // ProFTPD's mod_tls ends the whole session when a data write fails with EPIPE; the client must
  // let the server finish (or stop on ABOR) and close the data connection itself.
  const CHUNKS = 256;
  let serverSent = -1;
  let serverError: unknown;
  server = await startScriptedServer({
    tls: true,
    files: { small: new TextEncoder().encode('ok') },
    handlers: {
      RETR: async (arg, ctx) => {
        const data = await ctx.acceptData();
        ctx.reply('150 sending');
        if (arg === 'small') {
          await new Promise<void>((resolve) => data.end(new TextEncoder().encode('ok'), resolve));
          return '226 done';
        }
        data.on('error', (error) => (serverError = error));
        serverSent = await pump(data, new Uint8Array(64 * 1024), CHUNKS);
        return serverSent === CHUNKS ? '226 Transfer complete' : '426 Connection closed; transfer aborted';
      },
    },
  });
  client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', secure: 'explicit', tls: { ca: [testCaPem()] } });
  const controller = new AbortController();
  const download = client.download('big', () => controller.abort(), { signal: controller.signal });
  await expect(download).rejects.toSatisfy(isAbortError);
  // The next call waits for the abort to finish: by then the server's transfer has ended.
  expect(new TextDecoder().decode(await client.downloadToBytes('small'))).toBe('ok');
  expect(serverError).toBeUndefined();
  expect(serverSent).toBe(CHUNKS);
});
