// The scripted server as a client meets it, over raw sockets (this package must not depend on an FTP
// client): the defaults, a NAT'd PASV answer, required TLS session reuse, and its own cleanup.
import { once } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { describe, expect, test } from 'vitest';
import { readAll, startScriptedServer, testCertificate, type ScriptedServer } from '../src/index.js';

/** A control connection read reply by reply (a reply ends at a line `ddd `, RFC 959 §4.2). */
class Control {
  #socket: Socket;
  #buffer = '';
  #waiting: (() => void) | undefined;
  constructor(socket: Socket) {
    this.#socket = socket;
    this.#listen();
  }
  #listen(): void {
    this.#socket.setEncoding('utf8');
    this.#socket.on('data', (text: string) => {
      this.#buffer += text;
      this.#waiting?.();
    });
    this.#socket.on('error', () => {});
  }
  static async open(server: ScriptedServer): Promise<Control> {
    const socket = tcpConnect(server.port, server.host);
    await once(socket, 'connect');
    return new Control(socket);
  }
  async reply(): Promise<string> {
    for (;;) {
      const end = /^(\d{3}) .*\r\n/m.exec(this.#buffer);
      if (end) {
        const upTo = end.index + end[0].length;
        const text = this.#buffer.slice(0, upTo).trimEnd();
        this.#buffer = this.#buffer.slice(upTo);
        return text;
      }
      await new Promise<void>((resolve) => (this.#waiting = resolve));
    }
  }
  async send(line: string): Promise<string> {
    this.#socket.write(`${line}\r\n`);
    return this.reply();
  }
  /**
   * `AUTH TLS`, then the handshake, trusting only the test CA. Resolves with the TLS socket and the
   * session the server issues on it (the 'session' event: a ticket, in TLS 1.2 and 1.3 alike).
   */
  async upgrade(tls: ConnectionOptions = {}): Promise<{ secure: TLSSocket; session: Promise<Buffer> }> {
    expect(await this.send('AUTH TLS')).toMatch(/^234 /);
    this.#socket.removeAllListeners('data');
    const secure = tlsConnect({ ...tls, socket: this.#socket, servername: 'localhost', ca: testCertificate().ca });
    const session = once(secure, 'session').then(([ticket]) => ticket as Buffer);
    await once(secure, 'secureConnect');
    this.#socket = secure;
    this.#listen();
    return { secure, session };
  }
  /** Resolves when the server closes the connection. */
  closed(): Promise<unknown> {
    return once(this.#socket, 'close');
  }
  write(line: string): void {
    this.#socket.write(`${line}\r\n`);
  }
  close(): void {
    this.#socket.destroy();
  }
}

const portOf = (epsv: string): number => Number(/\|\|\|(\d+)\|/.exec(epsv)![1]);

describe('the defaults: a small, correct server', () => {
  test('greets, logs in, lists, serves and stores files over passive data connections', async () => {
    await using server = await startScriptedServer({ files: { 'a.txt': 'hello' } });
    const control = await Control.open(server);
    try {
      expect(await control.reply()).toBe('220 ftpkit scripted server');
      expect(await control.send('USER alice')).toMatch(/^331 /);
      expect(await control.send('PASS secret')).toMatch(/^230 /);
      expect(await control.send('FEAT')).toMatch(/^211-Features:\r\n EPSV\r\n[\s\S]* UTF8\r\n211 End$/);

      let data = tcpConnect(portOf(await control.send('EPSV')), server.host);
      expect(await control.send('RETR a.txt')).toMatch(/^150 /);
      expect(new TextDecoder().decode(await readAll(data))).toBe('hello');
      expect(await control.reply()).toMatch(/^226 /);

      data = tcpConnect(portOf(await control.send('EPSV')), server.host);
      await once(data, 'connect');
      expect(await control.send('STOR b.txt')).toMatch(/^150 /);
      data.end('written');
      expect(await control.reply()).toMatch(/^226 /);
      expect(new TextDecoder().decode(server.files.get('b.txt'))).toBe('written');
      expect(server.received).toEqual(['USER alice', 'PASS secret', 'FEAT', 'EPSV', 'RETR a.txt', 'EPSV', 'STOR b.txt']);
    } finally {
      control.close();
    }
  });

  test('await using closes every socket and listener', async () => {
    let seen: ScriptedServer;
    {
      await using server = await startScriptedServer();
      seen = server;
      const control = await Control.open(server);
      await control.reply();
      await control.send('EPSV'); // a passive listener, left open
      expect(server.openSockets()).toBe(1);
    }
    // A closed server takes no connection.
    const socket = tcpConnect(seen.port, seen.host);
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    expect(seen.openSockets()).toBe(0);
  });

  test('a command without a handler is 502; a handler that throws ends the session', async () => {
    await using server = await startScriptedServer({ handlers: { SITE: () => Promise.reject(new Error('scripted failure')) } });
    const control = await Control.open(server);
    await control.reply();
    expect(await control.send('XYZZY')).toBe('502 Command not implemented');
    control.write('SITE CHMOD 600 a.txt');
    await control.closed();
    const next = await Control.open(server); // the server itself goes on
    expect(await next.reply()).toMatch(/^220 /);
    next.close();
  });
});

describe('passiveAddress: the PASV answer of a server behind NAT', () => {
  test('the 227 reply names the address; the listener stays on the server\'s own', async () => {
    await using server = await startScriptedServer({ passiveAddress: '127.0.0.2', files: { 'a.txt': 'behind NAT' } });
    const control = await Control.open(server);
    try {
      await control.reply();
      const pasv = await control.send('PASV');
      const fields = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(pasv)!.slice(1).map(Number);
      expect(fields.slice(0, 4)).toEqual([127, 0, 0, 2]);
      const port = fields[4]! * 256 + fields[5]!;
      // Where the reply points, nothing listens (Linux answers every 127/8 address on loopback).
      const named = tcpConnect(port, '127.0.0.2');
      const [error] = (await once(named, 'error')) as [NodeJS.ErrnoException];
      expect(error.code).toBe('ECONNREFUSED');
      // The control connection's host works, as a client that ignores the PASV address does it.
      const data = tcpConnect(port, server.host);
      expect(await control.send('RETR a.txt')).toMatch(/^150 /);
      expect(new TextDecoder().decode(await readAll(data))).toBe('behind NAT');
    } finally {
      control.close();
    }
  });

  test('only an IPv4 address is accepted', async () => {
    await expect(startScriptedServer({ passiveAddress: '::1' })).rejects.toThrow(/passiveAddress must be an IPv4 address/);
    await expect(startScriptedServer({ passiveAddress: '127.0.0.256' })).rejects.toThrow(TypeError);
  });
});

describe('requireTlsReuse: TLS data connections must resume the session', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: a data connection that resumes the control session is served, a fresh one gets 522, and the session goes on`, async () => {
      await using server = await startScriptedServer({ tls: true, requireTlsReuse: true, files: { 'a.txt': 'secret data' } });
      const control = await Control.open(server);
      const tls = { servername: 'localhost', ca: testCertificate().ca, minVersion: version, maxVersion: version } as const;
      try {
        await control.reply();
        const upgraded = await control.upgrade(tls);
        expect(upgraded.secure.getProtocol()).toBe(version);
        expect(await control.send('PBSZ 0')).toMatch(/^200 /);
        expect(await control.send('PROT P')).toMatch(/^200 /);
        const session = await upgraded.session;

        // Resumes the control connection's session: served.
        const data = tlsConnect({ ...tls, host: server.host, port: portOf(await control.send('EPSV')), session });
        await once(data, 'secureConnect');
        expect(data.isSessionReused()).toBe(true);
        expect(await control.send('RETR a.txt')).toMatch(/^150 /);
        expect(new TextDecoder().decode(await readAll(data))).toBe('secret data');
        expect(await control.reply()).toMatch(/^226 /);

        // A full handshake instead: closed, and 522 when the command asks for its data connection.
        const fresh = tlsConnect({ ...tls, host: server.host, port: portOf(await control.send('EPSV')) });
        fresh.on('error', () => {});
        const freshClosed = once(fresh, 'close'); // before anything else: it may close at once
        await once(fresh, 'secureConnect');
        expect(fresh.isSessionReused()).toBe(false);
        expect(await control.send('RETR a.txt')).toBe('522 SSL connection failed: session reuse required');
        await freshClosed;
        expect(server.refusedTlsData()).toBe(1);
        expect(await control.send('NOOP')).toMatch(/^200 /); // the control connection goes on
      } finally {
        control.close();
      }
    });
  }

  test('without requireTlsReuse a fresh TLS data connection is served', async () => {
    await using server = await startScriptedServer({ tls: true, files: { 'a.txt': 'x' } });
    const control = await Control.open(server);
    try {
      await control.reply();
      await control.upgrade();
      await control.send('PROT P');
      const data = tlsConnect({ host: server.host, port: portOf(await control.send('EPSV')), servername: 'localhost', ca: testCertificate().ca });
      expect(await control.send('RETR a.txt')).toMatch(/^150 /);
      expect(new TextDecoder().decode(await readAll(data))).toBe('x');
      expect(server.refusedTlsData()).toBe(0);
    } finally {
      control.close();
    }
  });

  test('requireTlsReuse needs tls', async () => {
    await expect(startScriptedServer({ requireTlsReuse: true })).rejects.toThrow('startScriptedServer: requireTlsReuse needs the tls option');
  });
});

test('testCertificate: the CA signed the server certificate, for localhost, 127.0.0.1 and ::1', async () => {
  const { X509Certificate } = await import('node:crypto');
  const { ca, cert, key } = testCertificate();
  const leaf = new X509Certificate(cert);
  expect(leaf.verify(new X509Certificate(ca).publicKey)).toBe(true);
  expect(leaf.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  expect(testCertificate()).toBe(testCertificate()); // read once
});
