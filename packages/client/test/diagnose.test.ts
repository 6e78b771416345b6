/**
 * `diagnose` against the scripted server: the faults the report must turn into a sentence (an SSH
 * server, a port with nothing behind it or nothing to say, a blackholed EPSV, no data path at all,
 * a PASV naming another address, a refused login, a certificate the options refuse), each probe
 * within its own deadline, and nothing left open afterwards. The real servers are in
 * diagnose-servers.test.ts.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { transport as nodeTransport, TimeoutError, type ConnectOptions, type Transport } from '@ftpkit/transport';
import { brokenPasv, closedPort, leakCheck, SSH_GREETING, startScriptedServer, type CommandHandler, type LeakCheck, type ScriptedServer, type ScriptedServerOptions } from '@ftpkit/testkit';
import { diagnose, type DiagnoseOptions, type Diagnosis } from '../src/index.js';
import { addressScope } from '../src/diagnose/address.js';

let leaks: LeakCheck;
let server: ScriptedServer | undefined;
let others: Server[] = [];
beforeEach(() => {
  leaks = leakCheck();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const other of others) await new Promise((resolve) => other.close(resolve));
  others = [];
  await leaks.assertNone(2000);
});

async function scripted(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  server = await startScriptedServer(options);
  return server;
}

function run(target: ScriptedServer, extra: Partial<DiagnoseOptions> = {}): Promise<Diagnosis> {
  return diagnose({ host: target.host, port: target.port, user: 'alice', password: 'hunter2-secret', probeTimeout: 1000, ...extra });
}

/**
 * Fault injection at the transport: connections to the ports `drop` names hang until their connect
 * timeout, as when a firewall drops the SYN (loopback itself never does).
 */
function blackholing(drop: (port: number) => boolean): Transport {
  return {
    runtime: nodeTransport.runtime,
    capabilities: nodeTransport.capabilities,
    listen: (options) => nodeTransport.listen(options),
    connect: (options: ConnectOptions) => {
      if (!drop(options.port)) return nodeTransport.connect(options);
      return new Promise((_, reject) => {
        const timer = setTimeout(() => reject(new TimeoutError(`Connecting to ${options.host}:${options.port} timed out after ${options.timeout} ms`)), options.timeout);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(options.signal?.reason);
        });
      });
    },
  };
}

/** Handlers that remember the ports EPSV (or PASV) offered, for {@link blackholing}. */
function remembering(ports: Set<number>, which: 'EPSV' | 'PASV'): Record<string, CommandHandler> {
  return which === 'EPSV'
    ? {
        EPSV: async (_, ctx) => {
          const port = await ctx.passive();
          ports.add(port);
          return `229 Entering Extended Passive Mode (|||${port}|)`;
        },
      }
    : {
        PASV: async (_, ctx) => {
          const port = await ctx.passive();
          ports.add(port);
          return `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`;
        },
      };
}

describe('what the port speaks', () => {
  test('an SSH banner: the report says SFTP and stops there, with no options to offer', async () => {
    const ssh = await scripted({ greeting: SSH_GREETING });
    const report = await run(ssh);
    expect(report.reachable).toBe(true);
    const { greeting, login, epsv } = report.probes;
    expect(greeting).toMatchObject({ status: 'failed', detail: { port: 'ssh', text: SSH_GREETING } });
    expect(greeting.status === 'failed' && greeting.reason).toMatch(/SSH server.*SFTP.*FTP and FTPS/);
    expect(login.status).toBe('not-applicable');
    expect(epsv.status).toBe('not-applicable');
    expect(report.recommendation.options).toBeUndefined();
    expect(report.recommendation.summary).toBe(`${ssh.host}:${ssh.port} is an SSH server: it offers SFTP, and ftpkit speaks FTP and FTPS. Use an SFTP client, or the server's FTP port.`);
    expect(ssh.connections()).toBe(1); // one look, no login, no password
    expect(ssh.received).toEqual([]);
  });

  test('a 421 instead of a greeting: an FTP server turning the connection away, said as such', async () => {
    const busy = await scripted({ greeting: '421 Too many connections from your address' });
    const report = await run(busy);
    expect(report.reachable).toBe(true);
    expect(report.probes.greeting).toMatchObject({ status: 'failed', detail: { port: 'refusing', text: '421 Too many connections from your address' } });
    expect(report.recommendation.summary).toBe(
      `${busy.host}:${busy.port} is an FTP server that turned the connection away (421 Too many connections from your address): it may be busy, or limit connections per address; try again later.`,
    );
  });

  test('nothing listening: not reachable, and the report says which host and port', async () => {
    const port = await closedPort();
    const report = await diagnose({ host: '127.0.0.1', port, probeTimeout: 1000 });
    expect(report.reachable).toBe(false);
    expect(report.probes.greeting).toMatchObject({ status: 'failed', detail: { port: 'unreachable' } });
    expect(report.recommendation.summary).toMatch(new RegExp(`^Nothing answers at 127\\.0\\.0\\.1:${port} \\(no connection: .*ECONNREFUSED`));
  });

  test('a port that takes the connection and says nothing: silent, within the deadline, after a TLS try too', async () => {
    const silent = createServer(() => {});
    others.push(silent);
    // Reads (and drops) what comes, so it sees the client's close; says nothing.
    silent.on('connection', (socket) => socket.on('error', () => {}).resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const started = performance.now();
    const report = await diagnose({ host: '127.0.0.1', port, probeTimeout: 500 });
    // Two looks of one deadline each (plain, then TLS); generous room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(8000);
    expect(report.reachable).toBe(true);
    expect(report.probes.greeting).toMatchObject({ status: 'failed', detail: { port: 'silent' } });
    expect(report.recommendation.summary).toMatch(/takes connections but sends no FTP greeting and speaks no TLS within 0\.5 s/);
  });
});

describe('data connections', () => {
  test('EPSV blackholed: "no data connection within 1 s", found in seconds, and the advice is epsv: false', async () => {
    const offered = new Set<number>();
    const target = await scripted({ handlers: remembering(offered, 'EPSV') });
    const started = performance.now();
    const report = await run(target, { transport: blackholing((port) => offered.has(port)) });
    // Each probe waits at most its deadline (1 s); a default client would wait 30 s on the connect.
    expect(performance.now() - started).toBeLessThan(10_000);
    const { epsv, pasv, active } = report.probes;
    expect(epsv).toMatchObject({ status: 'failed', detail: { stage: 'connect' } });
    expect(epsv.status === 'failed' && epsv.reason).toMatch(/^no data connection to port \d+ within 1 s$/);
    expect(pasv.status).toBe('ok');
    expect(active.status).toBe('ok');
    expect(report.recommendation.summary).toMatch(/^EPSV's data connection fails \(no data connection to port \d+ within 1 s\) while PASV works: set epsv: false \(--disable-epsv\)\.$/);
    expect(report.recommendation.options).toMatchObject({ epsv: false });
    expect(report.recommendation.options?.mode).toBeUndefined();
  });

  test('EPSV refused: PASV is used by itself, so nothing to change', async () => {
    const target = await scripted({ handlers: { EPSV: () => '502 EPSV not implemented' } });
    const report = await run(target);
    expect(report.probes.epsv).toMatchObject({ status: 'failed', reason: 'refused: 502 EPSV not implemented', detail: { stage: 'command', setup: '502 EPSV not implemented' } });
    expect(report.recommendation.changes).toEqual([]);
    expect(report.recommendation.notes).toContain('The server refuses EPSV (502 EPSV not implemented): ftpkit falls back to PASV by itself.');
    expect(report.recommendation.options?.epsv).toBeUndefined();
  });

  test('passive blackholed both ways, active works: mode active', async () => {
    const offered = new Set<number>();
    const target = await scripted({ handlers: { ...remembering(offered, 'EPSV'), ...remembering(offered, 'PASV') } });
    const report = await run(target, { transport: blackholing((port) => offered.has(port)) });
    expect(report.probes.active.status).toBe('ok');
    expect(report.recommendation.summary).toMatch(/^Passive data connections fail \(EPSV: no data connection .*; PASV: no data connection .*\) while active mode works: set mode: 'active' \(--active\)\.$/);
    expect(report.recommendation.options?.mode).toBe('active');
  });

  test('no data path at all: one sentence naming each mode and what to ask for, instead of "no strategy works"', async () => {
    const offered = new Set<number>();
    const target = await scripted({
      handlers: { ...remembering(offered, 'EPSV'), ...remembering(offered, 'PASV'), PORT: () => "425 Can't open data connection", EPRT: () => "425 Can't open data connection" },
    });
    const report = await run(target, { transport: blackholing((port) => offered.has(port)) });
    expect(report.probes.active).toMatchObject({ status: 'failed', reason: "refused: 425 Can't open data connection", detail: { stage: 'command' } });
    const summary = report.recommendation.summary;
    expect(summary).toMatch(/^No data connection works \(EPSV: no data connection to port \d+ within 1 s; PASV: no data connection to port \d+ within 1 s; active: refused: 425 Can't open data connection\)/);
    expect(summary).toMatch(/Ask for the server's passive port range to be let through/);
    expect(report.probes.listAll.status).toBe('not-applicable');
    expect(report.probes.tlsReuse.status).toBe('not-applicable');
  });

  test('every data connection opens and the server refuses the transfer: said to be the server, not the network', async () => {
    const target = await scripted({
      handlers: {
        LIST: async (_, ctx) => {
          (await ctx.acceptData()).destroy();
          return '425 Data connection refused by policy';
        },
      },
    });
    const report = await run(target);
    for (const mode of ['epsv', 'pasv', 'active'] as const) {
      expect(report.probes[mode]).toMatchObject({ status: 'failed', reason: 'the data connection opened, but the transfer failed: 425 Data connection refused by policy', detail: { stage: 'transfer' } });
    }
    expect(report.recommendation.summary).toMatch(/^No data connection works, though each one opens \(EPSV: .*\): it is the server that refuses them, not the network; its log says why\.$/);
  });

  test('a broken PASV (another address than the server\'s): found, and harmless to ftpkit, which connects to the control host', async () => {
    const target = await scripted({ ...brokenPasv(), files: { 'a.txt': 'a' } });
    const report = await run(target);
    const { epsv, pasv, pasvAddress } = report.probes;
    expect(epsv).toMatchObject({ status: 'failed', detail: { stage: 'command' } });
    expect(pasv.status).toBe('ok');
    expect(pasvAddress).toMatchObject({ status: 'failed', detail: { host: '127.0.0.2', scope: 'loopback', controlHost: '127.0.0.1', sameAsControl: false } });
    expect(report.recommendation.changes).toEqual([]);
    expect(report.recommendation.notes).toContain(
      'PASV names 127.0.0.2, a loopback address, not the control host 127.0.0.1. ftpkit connects to the control host instead (trustPasvHost: false), so this needs no change here; clients that trust PASV fail.',
    );
  });

  test('a broken PASV with trustPasvHost: the data connection goes nowhere, and the advice is to stop trusting it', async () => {
    const target = await scripted({ ...brokenPasv(), files: { 'a.txt': 'a' } });
    const report = await run(target, { trustPasvHost: true });
    expect(report.probes.pasv).toMatchObject({ status: 'failed', detail: { stage: 'connect' } });
    expect(report.probes.active.status).toBe('ok');
    expect(report.recommendation.changes).toContain(
      'PASV names 127.0.0.2, a loopback address, not the control host 127.0.0.1: set trustPasvHost: false (the default), so that data connections go to the host you connected to.',
    );
    expect(report.recommendation.options?.trustPasvHost).toBe(false);
  });
});

describe('login and TLS', () => {
  test('a refused login: said, the data probes skipped, and the password nowhere in the report', async () => {
    const target = await scripted({ handlers: { PASS: () => '530 Login incorrect.' } });
    const report = await run(target);
    expect(report.probes.login).toMatchObject({ status: 'failed', reason: '530 Login incorrect.' });
    expect(report.probes.epsv).toMatchObject({ status: 'not-applicable', reason: 'the login failed' });
    expect(report.recommendation.summary).toBe('The server refused the login (530 Login incorrect.): check the user name and the password.');
    expect(JSON.stringify(report)).not.toContain('hunter2-secret');
    expect(JSON.stringify(report.recommendation)).not.toContain('hunter2');
  });

  test('a certificate the options would refuse: no password sent over it, and the pin to use', async () => {
    const target = await scripted({ tls: true });
    const report = await run(target, { secure: 'explicit' });
    const { certificate, login } = report.probes;
    expect(certificate).toMatchObject({ status: 'failed', detail: { accepted: 'no' } });
    expect(login.status).toBe('not-applicable');
    expect(target.received.some((line) => line.startsWith('PASS'))).toBe(false);
    const pin = certificate.status === 'failed' ? certificate.detail?.certificate.pin : undefined;
    expect(pin).toMatch(/^sha256\/\//);
    expect(report.recommendation.options?.tls).toEqual({ pin });
    expect(report.recommendation.summary).toMatch(/^The certificate is not trusted \(\w+\): give its CA as tls\.ca \(--ca FILE\), or, once you have checked it is the server's, pin its key/);

    // The pin it gave: now accepted, and the session probed over TLS.
    const pinned = await run(target, { secure: 'explicit', tls: { pin: pin! } });
    expect(pinned.probes.certificate).toMatchObject({ status: 'ok', detail: { accepted: 'pinned' } });
    expect(pinned.probes.login).toMatchObject({ status: 'ok', detail: { secure: 'explicit' } });
    expect(pinned.probes.epsv.status).toBe('ok');

    // Another key's pin: refused, and said so.
    const other = await run(target, { secure: 'explicit', tls: { pin: 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' } });
    expect(other.probes.certificate).toMatchObject({ status: 'failed', detail: { accepted: 'pin-mismatch' } });
    expect(other.recommendation.summary).toBe(`The server's key does not match tls.pin: it presents ${pin}. If the key changed on purpose, pin the new one.`);
  });

  test('explicit TLS refused where it was asked for: no password in plain text', async () => {
    const target = await scripted();
    const report = await run(target, { secure: 'explicit' });
    expect(report.probes.explicitTls).toMatchObject({ status: 'failed', reason: 'AUTH TLS refused: 502 Command not implemented' });
    expect(report.probes.login).toMatchObject({ status: 'not-applicable' });
    expect(target.received.some((line) => line.startsWith('USER') || line.startsWith('PASS'))).toBe(false);
    expect(report.recommendation.summary).toBe(
      "The server refuses TLS on this port (AUTH TLS refused: 502 Command not implemented): it offers no FTPS here, and ftp:// (secure: false) sends the password in plain text.",
    );
  });

  test('a transport that cannot listen (Workers): active mode not tried, and asking for it refused up front', async () => {
    const target = await scripted();
    const cannotListen: Transport = { ...nodeTransport, capabilities: { ...nodeTransport.capabilities, listen: false }, connect: (o) => nodeTransport.connect(o), listen: (o) => nodeTransport.listen(o) };
    const report = await run(target, { transport: cannotListen });
    expect(report.probes.active).toEqual({ status: 'not-applicable', reason: `the ${nodeTransport.runtime} transport cannot listen for the server's connection` });
    expect(report.probes.epsv.status).toBe('ok');
    await expect(run(target, { transport: cannotListen, mode: 'active' })).rejects.toMatchObject({ code: 'ERR_FTP_INVALID_ARG' });
  });

  test("a URL's path is the folder the listing probes list, relative to the login folder; `path` overrides it", async () => {
    const target = await scripted();
    const base = `ftp://alice:hunter2-secret@${target.host}:${target.port}`;
    const listed = () => target.received.filter((line) => /^(LIST|MLSD|NLST)\b/.test(line));
    await diagnose(`${base}/in%20box`, { probeTimeout: 1000 });
    expect(listed().length).toBeGreaterThan(0);
    expect(listed().every((line) => line.endsWith(' in box'))).toBe(true);
    target.received.length = 0;
    await diagnose(`${base}/%2Fsrv/out`, { probeTimeout: 1000, path: 'other' });
    expect(listed().every((line) => line.endsWith(' other'))).toBe(true);
    target.received.length = 0;
    await diagnose(`${base}/`, { probeTimeout: 1000 });
    expect(listed().some((line) => / (in box|other)$/.test(line))).toBe(false);
  });

  test('bad arguments are refused before anything is sent', async () => {
    await expect(diagnose({ host: '127.0.0.1', probeTimeout: 0 })).rejects.toMatchObject({ code: 'ERR_FTP_INVALID_ARG' });
    await expect(diagnose({ host: '127.0.0.1', activeAddress: 'not an address' })).rejects.toMatchObject({ code: 'ERR_FTP_INVALID_ARG' });
    await expect(diagnose('ftp://127.0.0.1/%E0%A4%A')).rejects.toMatchObject({ code: 'ERR_FTP_INVALID_ARG' });
  });
});

describe('addressScope', () => {
  // Classification only: these are strings, never connected to.
  test.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.10', 'private'],
    ['fd00::1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.254', 'shared'],
    ['100.128.0.1', 'public'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['203.0.113.7', 'public'],
    ['2001:db8::1', 'public'],
  ])('%s is %s', (host, scope) => {
    expect(addressScope(host)).toBe(scope);
  });

  test('a name is no address', () => {
    expect(addressScope('files.example.com')).toBeUndefined();
  });
});
