// Proxies on the command line: curl's precedence of --proxy, --noproxy and the environment
// (ALL_PROXY, ftp_proxy, NO_PROXY), then the real binary through tinyproxy (HTTP CONNECT, Basic)
// and Dante (SOCKS5) to ftp-srv: the proxy's password is masked in --verbose and absent from every
// error, and each proxy failure has its exit code.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROXY_PASSWORD, startProxy, startServer, type RunningProxy, type RunningServer } from '@ftpkit/testkit';
import { bypassesProxy, chooseProxy } from '../src/proxy.js';
import { runCli } from './run-cli.js';

describe('which proxy (curl\'s rules)', () => {
  const none = { proxy: undefined, noproxy: undefined };
  test('--proxy, then ftp_proxy, FTP_PROXY, all_proxy, ALL_PROXY', () => {
    const env = { ALL_PROXY: 'socks5://all:1080', all_proxy: 'socks5://all-lower:1080', FTP_PROXY: 'http://ftp-upper:3128', ftp_proxy: 'http://ftp:3128' };
    expect(chooseProxy('h', { ...none, proxy: 'socks5h://flag:9050' }, env)).toEqual({ url: 'socks5h://flag:9050', from: '--proxy' });
    expect(chooseProxy('h', none, env)).toEqual({ url: 'http://ftp:3128', from: 'ftp_proxy' });
    expect(chooseProxy('h', none, { ...env, ftp_proxy: undefined })).toEqual({ url: 'http://ftp-upper:3128', from: 'FTP_PROXY' });
    expect(chooseProxy('h', none, { ALL_PROXY: env.ALL_PROXY, all_proxy: env.all_proxy })?.from).toBe('all_proxy');
    expect(chooseProxy('h', none, { ALL_PROXY: 'proxy.example:3128' })).toEqual({ url: 'http://proxy.example:3128', from: 'ALL_PROXY' });
    expect(chooseProxy('h', none, {})).toBeUndefined();
    expect(chooseProxy('h', { ...none, proxy: '' }, env)).toBeUndefined(); // --proxy '' turns the variables off
  });

  test('--noproxy, then no_proxy, then NO_PROXY; it applies to --proxy too', () => {
    const env = { ALL_PROXY: 'socks5://p:1080', NO_PROXY: 'example.com', no_proxy: 'example.org' };
    expect(chooseProxy('ftp.example.org', none, env)).toBeUndefined();
    expect(chooseProxy('ftp.example.com', none, env)).toBeDefined(); // no_proxy wins over NO_PROXY
    expect(chooseProxy('ftp.example.com', none, { ...env, no_proxy: undefined })).toBeUndefined();
    expect(chooseProxy('ftp.example.org', { proxy: 'socks5://q:1080', noproxy: 'other.net' }, env)?.url).toBe('socks5://q:1080');
    expect(chooseProxy('10.1.2.3', { proxy: 'socks5://q:1080', noproxy: '10.0.0.0/8' }, {})).toBeUndefined();
  });

  test.each([
    ['ftp.example.com', '*', true],
    ['ftp.example.com', 'example.com', true],
    ['ftp.example.com', '.example.com', true],
    ['example.com', '.example.com', true],
    ['badexample.com', 'example.com', false],
    ['FTP.Example.COM', 'ftp.example.com', true],
    ['127.0.0.1', 'localhost, 127.0.0.1', true],
    ['::1', '[::1]', true],
    ['192.168.1.7', '192.168.0.0/16', true],
    ['192.169.1.7', '192.168.0.0/16', false],
    ['10.0.0.1', '', false],
  ])('%s on the list %j: %s', (host, list, expected) => {
    expect(bypassesProxy(host, list)).toBe(expected);
  });
});

const root = process.getuid?.() === 0;

describe('the binary through real proxies', () => {
  let server: RunningServer;
  let tinyproxy: RunningProxy;
  let dante: RunningProxy | undefined;
  let work: string;
  let ca: string;
  let url: string;

  beforeAll(async () => {
    [server, tinyproxy, dante] = await Promise.all([startServer('ftp-srv', { fixture: true }), startProxy('tinyproxy', { auth: true }), root ? startProxy('dante', { auth: true }) : undefined]);
    work = await mkdtemp(join(tmpdir(), 'ftpkit-cli-proxy-'));
    ca = join(work, 'ca.pem');
    await writeFile(ca, server.caPem);
    url = `ftpes://${server.user}:${server.password}@${server.host}:${server.port}/`;
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), tinyproxy?.stop(), dante?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--ca', ca], { cwd: work, env: { HOME: work, ...env } });
  /** A proxy nobody listens on: the control port of the server, which is FTP, is no proxy; this port is nothing. */
  const deadProxy = () => `socks5://u:deadpass@127.0.0.1:${server.passivePorts.max}`;

  test('ALL_PROXY with credentials: --verbose masks the password, and the listing comes through the proxy', async () => {
    const r = await cli(['ls', '--verbose', url], { ALL_PROXY: tinyproxy.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('hello.txt');
    expect(r.stderr).toContain(`* proxy http://${tinyproxy.user}:****@127.0.0.1:${tinyproxy.port} (from ALL_PROXY)`);
    expect(r.stderr).toContain(`through the proxy ${tinyproxy.label}`);
    expect(r.stderr + r.stdout).not.toContain(PROXY_PASSWORD);
  });

  test('--proxy wins over the environment; --proxy \'\', --noproxy and NO_PROXY go direct', async () => {
    const env = { ALL_PROXY: deadProxy(), ftp_proxy: deadProxy() };
    expect((await cli(['ls', url, '--proxy', tinyproxy.url], env)).code).toBe(0);
    expect((await cli(['ls', url, '--proxy', ''], env)).code).toBe(0);
    expect((await cli(['ls', url, '--noproxy', '127.0.0.1'], env)).code).toBe(0);
    expect((await cli(['ls', url], { ...env, NO_PROXY: 'localhost,127.0.0.0/8' })).code).toBe(0);
    const through = await cli(['ls', url], env);
    expect(through.code).toBe(3);
    expect(through.stderr).toContain(`proxy socks5://127.0.0.1:${server.passivePorts.max} refused the connection`);
    expect(through.stderr).not.toContain('deadpass');
  });

  test('wrong proxy credentials exit 5 with ERR_FTP_PROXY_AUTH, the password nowhere', async () => {
    const wrong = tinyproxy.url.replace(PROXY_PASSWORD, 'wrongpass');
    const r = await cli(['ls', '--json', '--verbose', url, '--proxy', wrong]);
    expect(r.code).toBe(5);
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('ERR_FTP_PROXY_AUTH');
    expect(error.message).toContain(tinyproxy.label);
    expect(r.stdout + r.stderr).not.toContain('wrongpass');
  });

  test('active mode through a proxy is a usage error', async () => {
    const r = await cli(['ls', '--active', url, '--proxy', tinyproxy.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/passive mode/);
  });

  test.runIf(root)('SOCKS5 with username and password (Dante): get a file', async () => {
    const r = await cli(['get', `${url}hello.txt`, join(work, 'hello.txt'), '--proxy', dante!.url.replace('socks5://', 'socks5h://')]);
    expect(r.code, r.stderr).toBe(0);
  });
});
