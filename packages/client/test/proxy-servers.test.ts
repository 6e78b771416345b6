/**
 * The client through real proxies: Dante (SOCKS5, without authentication and with username and
 * password) and tinyproxy (HTTP CONNECT, without and with Basic), to vsftpd, which requires TLS data
 * connections to resume the control connection's session (testkit's default for it). Plain FTP,
 * explicit and implicit FTPS; the control connection and every data connection must go through
 * the proxy, and FTPS runs inside the tunnel with session reuse. Then the failures: each is its own
 * typed error, names the proxy, and never the FTP server or a credential. Node here; the interop
 * matrix runs the same through both proxies on Node, Deno and Bun.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { transport as nodeTransport, type ConnectOptions, type Transport } from '@ftpkit/transport';
import { PROXY_PASSWORD, PROXY_REFUSED_HOST, startProxy, startServer, type RunningProxy, type RunningServer } from '@ftpkit/testkit';
import { Client, InvalidArgumentError, ProxyAuthError, ProxyRefusedError, ProxyTargetError, TlsError, type ClientOptions, type LogEntry } from '../src/index.js';

const root = process.getuid?.() === 0;
let explicit: RunningServer;
let implicit: RunningServer;
const proxies: Record<string, RunningProxy> = {};

beforeAll(async () => {
  [explicit, implicit, proxies['dante'], proxies['dante auth'], proxies['tinyproxy'], proxies['tinyproxy auth']] = await Promise.all([
    startServer('vsftpd', { fixture: true }),
    startServer('vsftpd', { fixture: true, implicitTls: true }),
    startProxy('dante'),
    startProxy('dante', { auth: true }),
    startProxy('tinyproxy'),
    startProxy('tinyproxy', { auth: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([explicit?.stop(), implicit?.stop(), ...Object.values(proxies).map((p) => p.stop())]);
});

/** The Node transport, recording where every connect went: through a proxy, only to the proxy. */
function recording(): { transport: Transport; endpoints: string[] } {
  const endpoints: string[] = [];
  return {
    endpoints,
    transport: { ...nodeTransport, connect: (options: ConnectOptions) => (endpoints.push(`${options.host}:${options.port}`), nodeTransport.connect(options)) },
  };
}

function optionsFor(server: RunningServer, secure: false | 'explicit' | 'implicit'): ClientOptions {
  return { host: server.host, port: server.port, user: server.user, password: server.password, secure, tls: { ca: server.caPem } };
}

describe.runIf(root)('through real proxies', () => {
  const securities = [
    ['plain', false],
    ['explicit FTPS', 'explicit'],
    ['implicit FTPS', 'implicit'],
  ] as const;
  for (const name of ['dante', 'dante auth', 'tinyproxy', 'tinyproxy auth']) {
    for (const [security, secure] of securities) {
      test(`${name}, ${security}: the control connection and every data connection go through the proxy`, async () => {
        const proxy = proxies[name]!;
        const { transport, endpoints } = recording();
        const log: LogEntry[] = [];
        const server = secure === 'implicit' ? implicit : explicit;
        await using client = await Client.connect({ ...optionsFor(server, secure), proxy: proxy.url, transport, log: (entry) => log.push(entry) });
        const names = (await client.list('/')).map((entry) => entry.name);
        expect(names).toContain('small.bin');
        const bytes = await client.downloadToBytes('/small.bin');
        expect(bytes.byteLength).toBe(4096);
        const work = `/proxy-${name.replace(' ', '-')}-${security.split(' ')[0]}`;
        await client.mkdir(work, { recursive: true });
        await client.upload(new TextEncoder().encode('through the proxy\n'), `${work}/up.txt`);
        expect(new TextDecoder().decode(await client.downloadToBytes(`${work}/up.txt`))).toBe('through the proxy\n');
        await client.rmdir(work, { recursive: true });
        // 1 control connection + a data connection for each of list, 2 downloads, the upload, and rmdir's listing.
        expect(endpoints.length).toBeGreaterThanOrEqual(6);
        expect(new Set(endpoints)).toEqual(new Set([`127.0.0.1:${proxy.port}`]));
        const text = log.map((entry) => entry.text).join('\n');
        expect(text).toContain(`through the proxy ${proxy.label}`);
        expect(text).not.toContain(PROXY_PASSWORD);
        if (secure !== false) expect(client.features.has('AUTH') || secure === 'implicit').toBe(true);
      });
    }
  }

  for (const [security, secure] of securities.slice(1)) {
    test(`dante, ${security}: a pin is read and held through the tunnel, on the control and every data connection`, async () => {
      const proxy = proxies['dante']!;
      const server = secure === 'implicit' ? implicit : explicit;
      const { ca: _ca, ...noCa } = { ca: server.caPem };
      const { transport, endpoints } = recording();
      const cert = await Client.certificate({ ...optionsFor(server, secure), tls: noCa, proxy: proxy.url, transport });
      expect(cert.pin).toMatch(/^sha256\/\/[A-Za-z0-9+/]{43}=$/);
      // No CA: the pin alone admits the server, through the proxy, for the listing and the download too.
      await using client = await Client.connect({ ...optionsFor(server, secure), tls: { pin: cert.pin }, proxy: proxy.url, transport });
      expect((await client.downloadToBytes('/small.bin')).byteLength).toBe(4096);
      expect((await client.list('/')).length).toBeGreaterThan(0);
      expect(new Set(endpoints)).toEqual(new Set([`127.0.0.1:${proxy.port}`]));
      const wrong = `sha256//${'A'.repeat(43)}=`;
      const error = await Client.connect({ ...optionsFor(server, secure), tls: { pin: wrong }, proxy: proxy.url }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(TlsError);
      expect((error as TlsError).reason).toBe('pin');
      expect((error as TlsError).presentedPin).toBe(cert.pin);
    });
  }

  /** The error of connecting with `options`, checked to name the proxy and nothing it must not. */
  async function failure(proxy: RunningProxy, options: Partial<ClientOptions>): Promise<Error> {
    const error = (await Client.connect({ ...optionsFor(explicit, false), proxy: proxy.url, timeouts: { connect: 5000 }, ...options }).then(
      () => undefined,
      (err: unknown) => err,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(proxy.label);
    expect(error.message).not.toContain(PROXY_PASSWORD);
    expect(error.message).not.toContain(String(options.port ?? explicit.port));
    expect((error as { proxy?: string }).proxy).toBe(proxy.label);
    return error;
  }

  for (const kind of ['dante', 'tinyproxy'] as const) {
    test(`${kind}: no credentials, and wrong ones, are a ProxyAuthError`, async () => {
      const proxy = proxies[`${kind} auth`]!;
      const none = await failure({ ...proxy, url: proxy.label }, {});
      expect(none).toBeInstanceOf(ProxyAuthError);
      const wrong = await failure({ ...proxy, url: proxy.url.replace(PROXY_PASSWORD, 'wrong-password') }, {});
      expect(wrong).toBeInstanceOf(ProxyAuthError);
      expect(wrong.message).not.toContain('wrong-password');
    });

    test(`${kind}: a target its rules refuse is a ProxyRefusedError`, async () => {
      const error = await failure(proxies[kind]!, { host: PROXY_REFUSED_HOST });
      expect(error).toBeInstanceOf(ProxyRefusedError);
    });

    test(`${kind}: a target that refuses the proxy's connection is a ProxyTargetError`, async () => {
      // The server's first passive port: inside its reserved block, and nobody listens there.
      const error = await failure(proxies[kind]!, { port: explicit.passivePorts.max });
      expect(error).toBeInstanceOf(ProxyTargetError);
    });
  }

  test('active mode through a proxy is refused before anything is sent', async () => {
    const { transport, endpoints } = recording();
    const error = await Client.connect({ ...optionsFor(explicit, false), proxy: proxies['dante']!.url, mode: 'active', transport }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(endpoints).toEqual([]);
  });
});
