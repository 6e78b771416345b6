/**
 * Client features checked against the scripted server: ASCII mode, streams, keep-alive, logging,
 * progress and URL options.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '@ftpkit/testkit';
import { crlfToLf, lfToCrlf } from '../src/io/ascii.js';
import { Client, InvalidArgumentError, NotFoundError, parseUrl, parseUrlPath, type LogEntry } from '../src/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
let server: ScriptedServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

function convertAll(conv: ReturnType<typeof crlfToLf>, chunks: Uint8Array[]): Uint8Array {
  const parts = [...chunks.map((c) => conv.push(c)), conv.flush()];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe('ASCII line endings', () => {
  test('CRLF → LF is independent of chunking, and LF → CRLF inverts it', () => {
    const line = fc.stringMatching(/^[a-z\r ]{0,6}$/);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.array(fc.nat(40), { maxLength: 6 }), (lines, cuts) => {
        const wire = enc.encode(lines.map((l) => `${l}\r\n`).join(''));
        const points = [...new Set(cuts.map((c) => Math.min(c, wire.length)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((p, i, all) => wire.subarray(p, all[i + 1] ?? wire.length));
        const local = convertAll(crlfToLf(), chunks);
        expect(dec.decode(local)).toBe(lines.map((l) => `${l}\n`).join(''));
        // Back to the wire gives the original bytes, except where a line itself ends in CR: "x\r" + LF
        // is indistinguishable from a CRLF line end locally, an ambiguity of ASCII mode itself.
        if (!lines.some((l) => l.endsWith('\r'))) expect(convertAll(lfToCrlf(), [local])).toEqual(wire);
      }),
    );
  });

  test('LF → CRLF leaves an existing CRLF alone, even split across chunks', () => {
    expect(dec.decode(convertAll(lfToCrlf(), [enc.encode('a\r'), enc.encode('\nb\nc')])).replace(/\r/g, '<CR>')).toBe('a<CR>\nb<CR>\nc');
  });

  test('an ASCII download and upload convert on the wire', async () => {
    server = await startScriptedServer({ files: { 'a.txt': 'one\r\ntwo\r\n' } });
    client = await Client.connect({ host: server.host, port: server.port });
    expect(dec.decode(await client.downloadToBytes('a.txt', { mode: 'ascii' }))).toBe('one\ntwo\n');
    await client.upload(enc.encode('x\ny\n'), 'b.txt', { mode: 'ascii' });
    expect(dec.decode(server.files.get('b.txt'))).toBe('x\r\ny\r\n');
    expect(server.received.filter((l) => l.startsWith('TYPE'))).toEqual(['TYPE I', 'TYPE A']);
  });
});

describe('streams and helpers', () => {
  test('openReadStream delivers the file and can be cancelled', async () => {
    const body = new Uint8Array(2_000_000).map((_, i) => i & 0xff);
    server = await startScriptedServer({ files: { big: body, small: 'tiny' } });
    client = await Client.connect({ host: server.host, port: server.port });
    const chunks: Uint8Array[] = [];
    for await (const chunk of client.openReadStream('big')) chunks.push(chunk);
    const joined = Uint8Array.from(chunks.flatMap((c) => [...c]));
    expect(joined.length).toBe(body.length);
    expect(joined.every((b, i) => b === (i & 0xff))).toBe(true);

    const reader = client.openReadStream('big').getReader();
    await reader.read();
    await reader.cancel('enough');
    expect(dec.decode(await client.downloadToBytes('small'))).toBe('tiny');
  });

  test('stat without MLST finds the entry in the parent listing, or throws NotFoundError', async () => {
    server = await startScriptedServer({ files: { 'report.csv': 'a,b\n' } });
    client = await Client.connect({ host: server.host, port: server.port });
    const entry = await client.stat('report.csv');
    expect(entry).toMatchObject({ name: 'report.csv', type: 'file', size: 4 });
    await expect(client.stat('nope.csv')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('progress counts the bytes moved and knows the total from SIZE', async () => {
    server = await startScriptedServer({ files: { f: new Uint8Array(300_000) } });
    client = await Client.connect({ host: server.host, port: server.port });
    const seen: { bytes: number; total: number | undefined }[] = [];
    await client.download('f', () => {}, { onProgress: (p) => seen.push({ bytes: p.bytes, total: p.total }) });
    expect(seen.at(-1)).toEqual({ bytes: 300_000, total: 300_000 });
    expect(seen.every((p, i) => i === 0 || p.bytes > seen[i - 1]!.bytes)).toBe(true);
  });
});

describe('resume', () => {
  const full = new Uint8Array(100_000).map((_, i) => (i * 13) & 0xff);

  test('an upload resumes with REST+STOR when the server advertises REST STREAM', async () => {
    server = await startScriptedServer({ files: { f: full.subarray(0, 40_000) } });
    client = await Client.connect({ host: server.host, port: server.port });
    await client.upload(full, 'f', { startAt: 40_000 });
    expect(server.received.filter((l) => /^(REST|STOR|APPE)/.test(l))).toEqual(['REST 40000', 'STOR f']);
    expect(server.files.get('f')).toEqual(full);
  });

  test('without REST STREAM it appends the rest instead (REST+STOR would truncate there)', async () => {
    server = await startScriptedServer({ files: { f: full.subarray(0, 40_000) }, features: ['EPSV', 'SIZE'] });
    client = await Client.connect({ host: server.host, port: server.port });
    await client.upload(full, 'f', { startAt: 40_000 });
    expect(server.received.filter((l) => /^(REST|STOR|APPE)/.test(l))).toEqual(['APPE f']);
    expect(server.files.get('f')).toEqual(full);
  });

  test('a resume offset that does not match the remote size is refused before any data moves', async () => {
    server = await startScriptedServer({ files: { f: full.subarray(0, 30_000) } });
    client = await Client.connect({ host: server.host, port: server.port });
    await expect(client.upload(full, 'f', { startAt: 40_000 })).rejects.toThrow(/remote file has 30000 bytes/);
    expect(server.received.some((l) => /^(STOR|APPE)/.test(l))).toBe(false);
  });
});

describe('session behaviour', () => {
  test('the log sees commands and replies, with the password redacted', async () => {
    server = await startScriptedServer({});
    const log: LogEntry[] = [];
    client = await Client.connect({ host: server.host, port: server.port, user: 'bob', password: 'pa55word', log: (e) => log.push(e) });
    await client.pwd();
    const text = log.map((e) => `${e.direction} ${e.text}`).join('\n');
    expect(text).toContain('> USER bob');
    expect(text).toContain('> PASS ****');
    expect(text).toContain('< 257 "/" is the current directory');
    expect(text).not.toContain('pa55word');
  });

  test('keep-alive sends NOOP while idle and stops after close', async () => {
    server = await startScriptedServer({});
    client = await Client.connect({ host: server.host, port: server.port, keepAlive: 50 });
    const count = () => server!.received.filter((l) => l === 'NOOP').length;
    // Two NOOPs without any call in between; polled, so a loaded machine only makes it slower.
    for (let waited = 0; count() < 2 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(count()).toBeGreaterThanOrEqual(2);
    const noops = count();
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(count()).toBeLessThanOrEqual(noops + 1); // one may have been queued before close()
    expect(server.received.at(-1)).toBe('QUIT');
  });

  test('close() sends QUIT and releases every socket', async () => {
    server = await startScriptedServer({ files: { f: 'x' } });
    client = await Client.connect({ host: server.host, port: server.port });
    await client.downloadToBytes('f');
    await client.close();
    expect(server.received.at(-1)).toBe('QUIT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.openSockets()).toBe(0);
    expect(client.closed).toBe(true);
  });
});

describe('URLs', () => {
  test('schemes map to security modes and default ports', () => {
    expect(parseUrl('ftp://a:b@h/')).toEqual({ host: 'h', user: 'a', password: 'b', secure: false });
    expect(parseUrl('ftpes://h:2121')).toEqual({ host: 'h', port: 2121, secure: 'explicit' });
    expect(parseUrl('ftps://u%40x:p%3Aw@[::1]/')).toEqual({ host: '::1', user: 'u@x', password: 'p:w', secure: 'implicit' });
    expect(() => parseUrl('http://h/')).toThrow(/Unsupported URL scheme/);
    expect(() => parseUrl('http://h/')).toThrow(InvalidArgumentError);
    expect(() => parseUrl('not a url')).toThrow(InvalidArgumentError);
  });

  test('a malformed percent-encoding in the user or password is an InvalidArgumentError that never shows the password', () => {
    for (const url of ['ftp://a%zz:b@h/', 'ftp://a:s%ZZecret@h/']) {
      let error: unknown;
      try {
        parseUrl(url);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/percent-encoding in the URL's (user name|password)/);
      expect((error as Error).message).not.toMatch(/ecret/);
    }
  });

  test('parseUrlPath reads the path as curl does: relative, %2F for absolute, decoded', () => {
    expect(parseUrlPath('ftp://h')).toBe('');
    expect(parseUrlPath('ftp://h/')).toBe('');
    expect(parseUrlPath('ftp://h/pub/a%20b.txt')).toBe('pub/a b.txt');
    expect(parseUrlPath('ftp://h/%2Fsrv/data/')).toBe('/srv/data/');
    expect(() => parseUrlPath('ftp://h/a%zz')).toThrow(/percent-encoding in the URL's path/);
    expect(() => parseUrlPath('ftp://h/a%zz')).toThrow(InvalidArgumentError);
    expect(() => parseUrlPath('not a url')).toThrow(InvalidArgumentError);
  });
});
