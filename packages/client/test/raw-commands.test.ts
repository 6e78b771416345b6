/**
 * Raw commands through `client.send` and the state the session keeps (h11's "Rule 1"). A raw TYPE or
 * PROT that the server accepts is what the next transfer starts from, and a raw command whose effect
 * the session cannot model is refused before anything is sent. Before, a raw `TYPE A` left the
 * session believing `TYPE I`, so the next "binary" download went out in ASCII mode and ProFTPD,
 * Pure-FTPd and pyftpdlib converted its line ends: a grown file that `checkComplete` let through.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { rejectionOf, scriptedScenes, sendAndClose, startServer, testCaPem, type ScriptContext } from '@ftpkit/testkit';
import { Client, LocalProtocolError, type ClientOptions, type LogEntry } from '../src/index.js';

/** CRLF, bare LF, a lone LF line, and bytes that are not text at all. */
const FILE = new Uint8Array([...new TextEncoder().encode('one\r\ntwo\nthree\r\n\nend'), 0x00, 0x0d, 0xff, 0x0a]);

/** The commands sent after `from`, as the client's protocol log shows them. */
function sentAfter(log: readonly LogEntry[], from: string): string[] {
  const sent = log.filter((e) => e.direction === '>').map((e) => e.text);
  return sent.slice(sent.lastIndexOf(from) + 1);
}

// vsftpd and ftp-srv send the file unchanged in TYPE A by default, so only these three show the bug.
describe.each(['proftpd', 'pure-ftpd', 'pyftpdlib'] as const)('%s: raw TYPE A, then a binary download', (kind) => {
  test('gives the exact bytes: TYPE I goes out again before RETR', async () => {
    await using server = await startServer(kind, { tls: false, anonymous: false });
    const log: LogEntry[] = [];
    const client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, log: (e) => log.push(e) });
    try {
      await client.upload(FILE, '/f.bin');
      expect((await client.send('TYPE A')).code).toBe(200);
      expect(await client.downloadToBytes('/f.bin')).toEqual(FILE);
      const after = sentAfter(log, 'TYPE A');
      expect(after[0]).toBe('TYPE I');
      expect(after).toContain('RETR /f.bin');
    } finally {
      await client.close();
    }
  }, 60_000);
});

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

/** A server that, like ProFTPD, turns every LF into CRLF when it sends a file in TYPE A. */
function convertingServer(): Record<string, (arg: string, ctx: ScriptContext) => string | Promise<string>> {
  let type = 'I';
  return {
    TYPE: (arg) => {
      type = arg.toUpperCase();
      return `200 Type set to ${type}`;
    },
    RETR: async (arg, ctx) => {
      const file = ctx.files.get(arg);
      if (!file) return '550 No such file';
      const out = type === 'A' ? new TextEncoder().encode(new TextDecoder('latin1').decode(file).replace(/\r?\n/g, '\r\n')) : file;
      const data = await ctx.acceptData();
      ctx.reply(`150 Opening ${type === 'A' ? 'ASCII' : 'BINARY'} mode data connection`);
      await sendAndClose(data, out);
      return '226 Transfer complete';
    },
  };
}

describe('raw TYPE against a server that converts in ASCII mode', () => {
  test('TYPE A, then downloadToBytes: the exact bytes, after a TYPE I', async () => {
    const client = await scenes.setup({ files: { 'f.bin': 'one\r\ntwo\nthree\r\n\nend' }, handlers: convertingServer() });
    await client.send('TYPE A');
    expect(new TextDecoder().decode(await client.downloadToBytes('f.bin'))).toBe('one\r\ntwo\nthree\r\n\nend');
    expect(scenes.server.received.slice(-4)).toEqual(['TYPE A', 'TYPE I', 'EPSV', 'RETR f.bin']);
  });

  test('a TYPE the session does not model (L 8) is followed by TYPE I too', async () => {
    const client = await scenes.setup({ files: { 'f.bin': 'a\nb' }, handlers: convertingServer() });
    await client.send('TYPE L 8');
    expect(new TextDecoder().decode(await client.downloadToBytes('f.bin'))).toBe('a\nb');
    expect(scenes.server.received.slice(-4)).toEqual(['TYPE L 8', 'TYPE I', 'EPSV', 'RETR f.bin']);
  });
});

describe('raw PROT on an FTPS session is modelled', () => {
  const secure = (): Partial<ClientOptions> => ({ secure: true, tls: { ca: testCaPem() } });

  test('PROT C: the next data connection is plain and the download works; PROT P: protected again', async () => {
    const client = await scenes.setup({ tls: true, files: { f: 'secret data' } }, secure());
    expect((await client.send('PROT C')).code).toBe(200);
    // The scripted server speaks TLS on data connections exactly when PROT P is in force, so a
    // client that still believed PROT P would fail its handshake here.
    expect(new TextDecoder().decode(await client.downloadToBytes('f'))).toBe('secret data');
    expect((await client.send('PROT P')).code).toBe(200);
    expect(new TextDecoder().decode(await client.downloadToBytes('f'))).toBe('secret data');
    expect(scenes.server.received.filter((c) => c.startsWith('PROT'))).toEqual(['PROT P', 'PROT C', 'PROT P']);
  });

  test('a refused PROT C leaves data protected', async () => {
    const client = await scenes.setup({ tls: true, files: { f: 'secret data' }, handlers: { PROT: (arg, ctx) => (arg === 'P' ? ((ctx.protectData = true), '200 PROT P ok') : '534 Policy requires PROT P') } }, secure());
    await expect(client.send('PROT C')).rejects.toMatchObject({ code: 'ERR_FTP_REPLY', reply: { code: 534 } });
    expect(new TextDecoder().decode(await client.downloadToBytes('f'))).toBe('secret data');
  });

  test('PROT on a plain session is refused before it is sent', async () => {
    const client = await scenes.setup();
    const before = scenes.server.received.length;
    const err = await rejectionOf(client.send('PROT P'));
    expect(err).toBeInstanceOf(LocalProtocolError);
    expect((err as Error).message).toMatch(/PROT needs TLS/);
    expect(scenes.server.received.length).toBe(before);
  });
});

describe('raw commands the session cannot model are refused, and nothing is sent', () => {
  test.each([
    ['USER bob', /Client\.connect/],
    ['PASS secret', /Client\.connect/],
    ['ACCT acct', /Client\.connect/],
    ['REIN', /Client\.connect/],
    ['AUTH TLS', /secure/],
    ['PBSZ 0', /secure/],
    ['CCC', /ccc: true/],
    ['REST 5', /startAt/],
    ['RETR f', /Client\.download/],
    ['STOR f', /Client\.upload/],
    ['APPE f', /Client\.append/],
    ['LIST', /Client\.list/],
    ['MLSD', /Client\.list/],
    ['RNFR f', /Client\.rename/],
    ['ABOR', /AbortSignal/],
    ['QUIT', /Client\.close/],
    ['MODE Z', /MODE S/],
    ['STRU R', /STRU F/],
  ])('%s: LocalProtocolError that names the call to use', async (raw, instead) => {
    const client = await scenes.setup({ files: { f: '0123456789' } });
    const before = scenes.server.received.length;
    const err = await rejectionOf(client.send(raw));
    expect(err).toBeInstanceOf(LocalProtocolError);
    expect((err as Error).message).toMatch(instead);
    expect(scenes.server.received.length).toBe(before);
    // The session is as it was: a raw REST in particular left no offset behind.
    expect(new TextDecoder().decode(await client.downloadToBytes('f'))).toBe('0123456789');
    expect(scenes.server.received.slice(before)).toEqual(['EPSV', 'RETR f']);
  });
});

test('raw OPTS HASH, then checksum(): the algorithm is selected again before HASH', async () => {
  const digest = 'a'.repeat(64);
  let selected = 'SHA-256';
  const client = await scenes.setup({
    features: ['EPSV', 'HASH SHA-256*;MD5'],
    handlers: {
      OPTS: (arg) => {
        selected = arg.replace(/^HASH /i, '').toUpperCase();
        return `200 ${selected}`;
      },
      HASH: (arg) => (selected === 'SHA-256' ? `213 SHA-256 0-10 ${digest} ${arg}` : `213 MD5 0-10 ${'b'.repeat(32)} ${arg}`),
    },
  });
  await client.send('OPTS HASH MD5');
  expect(await client.checksum('f')).toEqual({ algorithm: 'SHA-256', hash: digest });
  expect(scenes.server.received.slice(-3)).toEqual(['OPTS HASH MD5', 'OPTS HASH SHA-256', 'HASH f']);
});

describe('proftpd: raw OPTS HASH is what checksum() builds on', () => {
  test('no blame on the server, and the algorithm asked for', async () => {
    await using server = await startServer('proftpd', { tls: false, anonymous: false });
    const log: LogEntry[] = [];
    const client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, log: (e) => log.push(e) });
    try {
      await client.upload(FILE, '/raw.bin');
      expect((await client.send('OPTS HASH MD5')).code).toBe(200);
      const md5 = createHash('md5').update(FILE).digest('hex');
      expect(await client.checksum('/raw.bin', { algorithm: 'MD5' })).toEqual({ algorithm: 'MD5', hash: md5 });
      expect(sentAfter(log, 'OPTS HASH MD5')).toEqual(['HASH /raw.bin']);
      const sha256 = createHash('sha256').update(FILE).digest('hex');
      expect(await client.checksum('/raw.bin', { algorithm: 'SHA-256' })).toEqual({ algorithm: 'SHA-256', hash: sha256 });
    } finally {
      await client.close();
    }
  }, 60_000);
});
