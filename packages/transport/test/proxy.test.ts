// withProxy over the runtime's own adapter: one file, run by vitest on Node and Deno and by
// `bun test` on Bun, as the conformance suite is. The proxies are scripted ones in a Node process
// (test/proxy-peer.mjs); the targets are the conformance suite's peer (test/peer.mjs). The proxies
// against real Dante and tinyproxy are proven in the client's tests and the interop matrix.
//
// After each test both peers must have no socket left open.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidArgumentError, ProxyAuthError, ProxyError, ProxyRefusedError, ProxyTargetError, TimeoutError, TlsError } from '../src/errors.js';
import type { Connection, Transport } from '../src/types.js';
import { PeerProcess } from './peer-process.js';
import { Lines, encode, finish, rejection } from './streams.js';

const runtime: 'deno' | 'bun' | 'node' = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const entry = runtime === 'deno' ? await import('../src/deno.js') : runtime === 'bun' ? await import('../src/bun.js') : await import('../src/node.js');
const { transport: adapter, withProxy } = entry;
const { readFileSync } = await import('node:fs');
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const ca = fixture('ca.pem');

type ProxyName = 'socks5' | 'socks5auth' | 'socks4' | 'http' | 'httpauth' | 'coalesce' | 'refuse' | 'endless' | 'stall' | 'garbage';
const targets = new PeerProcess<{ hosts: Record<string, Record<string, number>> }>('peer.mjs');
const proxies = new PeerProcess<{ ports: Record<ProxyName, number> }>('proxy-peer.mjs');
let hosts: Record<string, Record<string, number>> = {};
let ports = {} as Record<ProxyName, number>;

beforeAll(async () => {
  [{ hosts }, { ports }] = await Promise.all([targets.start(), proxies.start()]);
}, 20_000);
afterAll(() => {
  targets.stop();
  proxies.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const target = (name: string, host = '127.0.0.1'): number => hosts[host]![name]!;
const url = (name: ProxyName, credentials = ''): string => `${name.startsWith('socks4') ? 'socks4' : name.startsWith('socks5') || name === 'refuse' ? 'socks5' : 'http'}://${credentials}127.0.0.1:${ports[name]}`;
const via = (name: ProxyName, credentials = ''): Transport => withProxy(adapter, url(name, credentials));

/** The test, then: no socket left open on either peer (a leaked tunnel keeps both ends open). */
function check(name: string, body: () => Promise<void>, timeout = 20_000): void {
  test(
    name,
    async () => {
      await body();
      for (const peer of [targets, proxies]) {
        let open = -1;
        for (let i = 0; i < 150 && open !== 0; i++) {
          open = Number((await peer.ask('open')).open);
          if (open !== 0) await sleep(20);
        }
        expect(open, 'sockets still open: a tunnel leaked').toBe(0);
      }
    },
    timeout,
  );
}

async function echo(conn: Connection): Promise<void> {
  await conn.write(encode('through the tunnel\n'));
  expect(await new Lines(conn).next()).toBe('through the tunnel');
}

interface Hello {
  reused: boolean;
}

describe(`withProxy on ${runtime}`, () => {
  const kinds: [ProxyName, string][] = [
    ['socks5', ''],
    ['socks5auth', 'alice:s3cret@'],
    ['socks4', 'alice@'],
    ['http', ''],
    ['httpauth', 'alice:s3cret@'],
  ];
  for (const [kind, credentials] of kinds) {
    check(`${kind}: bytes go both ways, and the tunnel reports its target as the remote address`, async () => {
      await proxies.ask('seen');
      const conn = await via(kind, credentials).connect({ host: '127.0.0.1', port: target('echo'), timeout: 5000 });
      expect(conn.remoteAddress).toEqual({ host: '127.0.0.1', port: target('echo'), family: 4 });
      expect(conn.localAddress.host).toBe('127.0.0.1');
      await echo(conn);
      await finish(conn);
    });

    check(`${kind}: a host name goes to the proxy as a name (the proxy resolves it)`, async () => {
      await proxies.ask('seen');
      const conn = await via(kind, credentials).connect({ host: 'localhost', port: target('echo') });
      expect(conn.remoteAddress.host).toBe('localhost');
      await echo(conn);
      await finish(conn);
      const requests = (await proxies.ask('seen')).requests as { host: string }[];
      expect(requests.at(-1)?.host).toBe('localhost');
    });
  }

  for (const kind of ['socks5', 'http'] as const) {
    check(`${kind}: an IPv6 target`, async () => {
      const conn = await via(kind).connect({ host: '::1', port: target('echo', '::1') });
      expect(conn.remoteAddress).toEqual({ host: '::1', port: target('echo', '::1'), family: 6 });
      await echo(conn);
      await finish(conn);
    });

    check(`${kind}: implicit TLS runs inside the tunnel, checked against the target's name`, async () => {
      const conn = await via(kind).connect({ host: 'localhost', port: target('tls13'), tls: { ca }, timeout: 5000 });
      expect(conn.tls).toBeDefined();
      expect((JSON.parse(await new Lines(conn).next()) as Hello).reused).toBe(false);
      await echo(conn);
      await finish(conn);
      const wrongName = await rejection(via(kind).connect({ host: '127.0.0.1', port: target('tlsOther'), tls: { ca } }));
      expect(wrongName).toBeInstanceOf(TlsError);
      expect((wrongName as TlsError).reason).toBe('certificate');
    });

    check(`${kind}: explicit TLS in the tunnel, and a data connection through the proxy resumes its session where the runtime can`, async () => {
      const proxied = via(kind);
      const control = await proxied.connect({ host: '127.0.0.1', port: target('starttls') });
      const lines = new Lines(control);
      expect(await lines.next()).toBe('220 ready');
      await control.write(encode('AUTH TLS\r\n'));
      expect(await lines.next()).toBe('234 go');
      await control.startTls({ ca });
      expect((JSON.parse(await new Lines(control).next()) as Hello).reused).toBe(false);
      await echo(control); // TLS 1.3 tickets are in by now
      const data = await proxied.connect({ host: '127.0.0.1', port: target('tls13'), tls: { ca, session: control.tlsSession() } });
      // The peer says whether it resumed: the server's word, not the client's.
      expect((JSON.parse(await new Lines(data).next()) as Hello).reused).toBe(adapter.capabilities.sessionReuse);
      await finish(data);
      await finish(control);
    });
  }

  check('a client certificate with implicit TLS in the tunnel: where the runtime can present one on an upgrade', async () => {
    const pending = via('socks5').connect({ host: '127.0.0.1', port: target('tlsClientAuth'), tls: { ca, cert: fixture('client.pem'), key: fixture('client.key') } });
    if (!adapter.capabilities.clientCertificates) {
      // Deno presents client certificates only on connections Deno.connectTls opens by itself.
      expect(await rejection(pending)).toBeInstanceOf(TlsError);
      return;
    }
    const conn = await pending;
    expect((JSON.parse(await new Lines(conn).next()) as { client: string | null }).client).not.toBeNull();
    await finish(conn);
  });

  check('bytes of the target that come with the proxy\'s answer are read first, and dropped by startTls', async () => {
    const conn = await via('coalesce').connect({ host: '127.0.0.1', port: target('starttls') });
    const lines = new Lines(conn);
    expect(await lines.next()).toBe('220 ready');
    await conn.write(encode('AUTH TLS\r\n'));
    expect(await lines.next()).toBe('234 go');
    await conn.startTls({ ca, servername: 'localhost' });
    expect((JSON.parse(await new Lines(conn).next()) as Hello).reused).toBe(false);
    await finish(conn);
  });

  check('implicit TLS to a target that speaks plain text first is a not-tls TlsError', async () => {
    const error = await rejection(via('coalesce').connect({ host: '127.0.0.1', port: target('starttls'), tls: { ca } }));
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).reason).toBe('not-tls');
  });

  describe('failures name the proxy, never the target', () => {
    const targetPort = (): number => target('echo');
    async function failure(proxied: Transport, port = targetPort(), timeout?: number): Promise<Error> {
      const error = (await rejection(proxied.connect({ host: '127.0.0.1', port, ...(timeout ? { timeout } : {}) }))) as Error;
      expect(error.message).not.toContain(`:${port}`);
      expect(error.message).not.toContain('s3cret');
      expect(error.message).not.toContain('wrong');
      return error;
    }

    check('authentication: none given, or wrong ones (SOCKS5 and HTTP)', async () => {
      for (const [kind, credentials] of [
        ['socks5auth', ''],
        ['socks5auth', 'alice:wrong@'],
        ['httpauth', ''],
        ['httpauth', 'alice:wrong@'],
      ] as const) {
        const error = await failure(via(kind, credentials));
        expect(error).toBeInstanceOf(ProxyAuthError);
        expect(error).toMatchObject({ code: 'ERR_FTP_PROXY_AUTH', proxy: url(kind) });
        expect(error.message).toContain(url(kind));
      }
    });

    check('refused by rule (SOCKS5 reply 2)', async () => {
      const error = await failure(via('refuse'));
      expect(error).toBeInstanceOf(ProxyRefusedError);
      expect(error).toMatchObject({ code: 'ERR_FTP_PROXY_REFUSED', proxy: url('refuse') });
    });

    check('the target out of reach: SOCKS5 reply 5, HTTP 502; SOCKS4 can only say "rejected or failed"', async () => {
      for (const kind of ['socks5', 'http'] as const) {
        const error = await failure(via(kind), target('refused'));
        expect(error).toBeInstanceOf(ProxyTargetError);
        expect(error).toMatchObject({ code: 'ERR_FTP_PROXY_TARGET', proxy: url(kind) });
      }
      expect(await failure(via('socks4'), target('refused'))).toBeInstanceOf(ProxyRefusedError);
    });

    check('the proxy\'s port refuses the connection', async () => {
      const proxied = withProxy(adapter, `socks5://127.0.0.1:${target('refused')}`);
      const error = await failure(proxied);
      expect(error).toBeInstanceOf(ProxyRefusedError);
      expect(error).toMatchObject({ osCode: 'ECONNREFUSED', proxy: `socks5://127.0.0.1:${target('refused')}` });
    });

    check('endless headers stop at the bound; a banner of another protocol is a protocol failure', async () => {
      const endless = await failure(via('endless'));
      expect(endless).toBeInstanceOf(ProxyError);
      expect(endless).not.toBeInstanceOf(ProxyRefusedError);
      expect(endless).toMatchObject({ code: 'ERR_FTP_PROXY' });
      expect(endless.message).toMatch(/exceeds 16384 bytes/);
      const garbage = await failure(withProxy(adapter, `http://127.0.0.1:${ports.garbage}`));
      expect(garbage).toMatchObject({ code: 'ERR_FTP_PROXY' });
      expect(garbage.message).toContain('SSH-2.0');
    });

    check('a proxy that never answers: the connect timeout covers the handshake', async () => {
      const started = Date.now();
      const error = await failure(via('stall' as ProxyName), targetPort(), 300);
      const took = Date.now() - started;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.message).toContain(`proxy http://127.0.0.1:${ports.stall}`);
      // Generous upper bound: a loaded 2-core machine; the point is that it does not hang.
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(5000);
    });

    check('a proxy that never answers: the signal aborts the handshake with its reason', async () => {
      const controller = new AbortController();
      const pending = via('stall').connect({ host: '127.0.0.1', port: targetPort(), signal: controller.signal });
      setTimeout(() => controller.abort(new Error('stop now')), 100);
      expect(((await rejection(pending)) as Error).message).toBe('stop now');
    });

    test('listen() is refused: active mode cannot go through a proxy', async () => {
      const error = await rejection(via('socks5').listen({ host: '127.0.0.1' }));
      expect(error).toBeInstanceOf(ProxyError);
      expect((error as Error).message).toMatch(/passive mode/);
    });

    test('what a proxy cannot carry is refused before connecting', async () => {
      expect(() => withProxy(adapter, 'https://127.0.0.1:3128')).toThrow(InvalidArgumentError);
      expect(await rejection(via('socks4').connect({ host: '::1', port: 21 }))).toBeInstanceOf(InvalidArgumentError);
      expect(await rejection(via('socks5').connect({ host: '127.0.0.1', port: 0 }))).toBeInstanceOf(InvalidArgumentError);
    });
  });
});
