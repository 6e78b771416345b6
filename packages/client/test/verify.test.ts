/**
 * `verify` on transfers: the scripted server lies about SIZE, truncates or damages data and answers
 * checksums of other bytes, so every mismatch is a `VerifyError` and a downloaded file never stays
 * at its destination; the real servers show matches, and what a server without a checksum command
 * does (NotSupportedError before a byte moves).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { readAll, rejectionOf, SERVER_KINDS, startScriptedServer, startServer, type CommandHandler, type RunningServer, type ScriptedServer } from '@ftpkit/testkit';
import { Client, InvalidArgumentError, NotSupportedError, Pool, VerifyError, type LogEntry } from '../src/index.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const body = new Uint8Array(randomBytes(200_003));
const FEATURES = ['EPSV', 'PASV', 'SIZE', 'REST STREAM'];
/** XSHA256 of the server's copy, as a correct server answers it. */
const xsha256: CommandHandler = (arg, ctx) => {
  const file = ctx.files.get(arg);
  return file ? `250 ${sha256(file)}` : '550 No such file';
};

const dirs: string[] = [];
async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ftpkit-verify-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('scripted server', () => {
  let server: ScriptedServer | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });
  async function setup(options: { features?: string[]; handlers?: Record<string, CommandHandler> } = {}): Promise<Client> {
    server = await startScriptedServer({ files: { f: body }, features: options.features ?? [...FEATURES, 'XSHA256'], handlers: { XSHA256: xsha256, ...options.handlers } });
    client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' });
    return client;
  }
  const sent = () => server!.received.filter((l) => !/^(USER|PASS|FEAT|TYPE|OPTS|EPSV|PASV)\b/.test(l));

  test("'size': SIZE after the transfer, and a match keeps the file", async () => {
    const c = await setup();
    const dir = await folder();
    await c.download('f', join(dir, 'f.bin'), { verify: 'size' });
    expect(sha256(await readFile(join(dir, 'f.bin')))).toBe(sha256(body));
    expect(sent()).toEqual(['RETR f', 'SIZE f']);
  });

  test("'size' mismatch (the server's SIZE says more): VerifyError, and no file, temporary or not", async () => {
    const c = await setup({ handlers: { SIZE: () => `213 ${body.length + 7}` } });
    const dir = await folder();
    const err = await rejectionOf(c.download('f', join(dir, 'f.bin'), { verify: 'size' }));
    expect(err).toBeInstanceOf(VerifyError);
    expect(err).toMatchObject({ code: 'ERR_FTP_VERIFY', path: 'f', local: join(dir, 'f.bin'), direction: 'download', method: 'size', expected: body.length + 7, actual: body.length });
    expect(await readdir(dir)).toEqual([]);
    // The session is fine afterwards.
    expect((await c.downloadToBytes('f')).length).toBe(body.length);
  });

  test("'size' catches a data connection closed early that nothing else notices", async () => {
    const c = await setup({
      handlers: {
        RETR: async (arg, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 Opening data connection');
          await new Promise<void>((resolve) => data.end(ctx.files.get(arg)!.subarray(0, 1000), () => resolve()));
          return '226 Transfer complete';
        },
      },
    });
    const dir = await folder();
    await expect(c.download('f', join(dir, 'f.bin'))).resolves.toMatchObject({ bytes: 1000 }); // unverified: looks fine
    await rm(join(dir, 'f.bin'));
    await expect(c.download('f', join(dir, 'f.bin'), { verify: 'size' })).rejects.toMatchObject({ method: 'size', expected: body.length, actual: 1000 });
    expect(await readdir(dir)).toEqual([]);
  });

  test("'checksum': the strongest command FEAT offers, hashed as the bytes pass; to a stream too", async () => {
    const c = await setup();
    const dir = await folder();
    await c.download('f', join(dir, 'f.bin'), { verify: 'checksum' });
    expect(sha256(await readFile(join(dir, 'f.bin')))).toBe(sha256(body));
    expect(sent()).toEqual(['RETR f', 'XSHA256 f']);
    expect(sha256(await c.downloadToBytes('f', { verify: 'checksum' }))).toBe(sha256(body));
  });

  test("'checksum' mismatch: VerifyError with both digests, and no file", async () => {
    const other = sha256(new Uint8Array(3));
    const c = await setup({ handlers: { XSHA256: () => `250 ${other}` } });
    const dir = await folder();
    const err = await rejectionOf(c.download('f', join(dir, 'f.bin'), { verify: 'checksum' }));
    expect(err).toMatchObject({ code: 'ERR_FTP_VERIFY', method: 'checksum', algorithm: 'SHA-256', expected: other, actual: sha256(body) });
    expect(await readdir(dir)).toEqual([]);
    // A stream destination has had the bytes, but the call still fails.
    const chunks: Uint8Array[] = [];
    await expect(c.download('f', (chunk) => void chunks.push(chunk), { verify: 'checksum' })).rejects.toBeInstanceOf(VerifyError);
  });

  test("no checksum command: 'checksum' is NotSupportedError before anything moves", async () => {
    const c = await setup({ features: FEATURES });
    const dir = await folder();
    const before = server!.received.length;
    await expect(c.download('f', join(dir, 'f.bin'), { verify: 'checksum' })).rejects.toBeInstanceOf(NotSupportedError);
    await expect(c.upload(body, 'g', { verify: 'checksum' })).rejects.toThrow("verify: 'checksum' needs a checksum command");
    expect(server!.received.slice(before)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a resumed download is verified whole (the bytes before startAt read once); a mismatch deletes the file', async () => {
    const c = await setup();
    const dir = await folder();
    const target = join(dir, 'f.bin');
    await writeFile(target, body.subarray(0, 50_000));
    await c.download('f', target, { startAt: 50_000, verify: 'checksum' });
    expect(sha256(await readFile(target))).toBe(sha256(body));

    // A wrong prefix on disk: the resumed file is wrong as a whole, so it goes.
    await writeFile(target, new Uint8Array(50_000));
    await expect(c.download('f', target, { startAt: 50_000, verify: 'checksum' })).rejects.toMatchObject({ method: 'checksum', actual: sha256(Buffer.concat([new Uint8Array(50_000), body.subarray(50_000)])) });
    expect(await readdir(dir)).toEqual([]);

    // By size, the prefix is counted, not read.
    await writeFile(target, new Uint8Array(50_000));
    await c.download('f', target, { startAt: 50_000, verify: 'size' });
    // 'checksum' of a resumed stream cannot see the bytes before startAt.
    await expect(c.download('f', () => {}, { startAt: 50_000, verify: 'checksum' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  test('uploads: match, a server that stores other bytes, and a resumed upload', async () => {
    let damage = false;
    const c = await setup({
      handlers: {
        STOR: async (arg, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 Ready to receive');
          const bytes = await readAll(data);
          const old = ctx.files.get(arg) ?? new Uint8Array();
          const next = new Uint8Array(ctx.restAt + bytes.length);
          next.set(old.subarray(0, ctx.restAt));
          next.set(bytes, ctx.restAt);
          ctx.restAt = 0;
          if (damage) next[next.length - 1]! ^= 1;
          ctx.files.set(arg, next);
          return '226 Transfer complete';
        },
      },
    });
    await c.upload(body, 'up', { verify: 'checksum' });
    await c.upload(body, 'up', { verify: 'size' });
    damage = true;
    const err = await rejectionOf(c.upload(body, 'up', { verify: 'checksum' }));
    expect(err).toMatchObject({ direction: 'upload', method: 'checksum', expected: sha256(body), local: undefined });
    expect((err as VerifyError).actual).not.toBe(sha256(body));
    damage = false;

    const dir = await folder();
    const local = join(dir, 'up.bin');
    await writeFile(local, body);
    server!.files.set('part', body.slice(0, 80_000));
    await c.upload(local, 'part', { startAt: 80_000, verify: 'checksum' });
    expect(sha256(server!.files.get('part')!)).toBe(sha256(body));
  });

  test("append: 'size' counts what the server had before; 'checksum' is refused", async () => {
    const c = await setup();
    server!.files.set('log', new Uint8Array(10));
    const before = server!.received.length;
    await c.append(body, 'log', { verify: 'size' });
    expect(server!.files.get('log')!.length).toBe(10 + body.length);
    expect(server!.received.slice(before).filter((l) => /^(SIZE|APPE)/.test(l))).toEqual(['SIZE log', 'APPE log', 'SIZE log']);
    await expect(c.append(body, 'log', { verify: 'checksum' as 'size' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  test('bad values and ASCII transfers are InvalidArgumentError before anything is sent', async () => {
    const c = await setup();
    const before = server!.received.length;
    await expect(c.downloadToBytes('f', { verify: 'md5' as 'size' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(c.downloadToBytes('f', { verify: 'size', mode: 'ascii' })).rejects.toThrow('ASCII');
    await expect(c.upload(body, 'x', { verify: 'checksum', mode: 'ascii' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(c.downloadDir('', await folder(), { verify: 'yes' as 'size' })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(server!.received.slice(before)).toEqual([]);
    expect((await c.downloadToBytes('f', { verify: false })).length).toBe(body.length);
  });

  test('a tree download: the file whose checksum differs is not renamed into place', async () => {
    const good = new Uint8Array(randomBytes(5000));
    const c = await setup({ handlers: { XSHA256: (arg, ctx) => (arg.endsWith('bad.bin') ? `250 ${sha256(new Uint8Array(1))}` : xsha256(arg, ctx)) } });
    server!.files.delete('f');
    server!.files.set('bad.bin', good);
    const dir = await folder();
    const err = await rejectionOf(c.downloadDir('', dir, { verify: 'checksum' }));
    expect(err).toMatchObject({ code: 'ERR_FTP_VERIFY', path: 'bad.bin', local: join(dir, 'bad.bin') });
    expect(await readdir(dir)).toEqual([]);
    server!.files.set('ok.bin', good);
    server!.files.delete('bad.bin');
    await c.downloadDir('', dir, { verify: 'checksum' });
    expect(await readdir(dir)).toEqual(['ok.bin']);
  });
});

describe.each(SERVER_KINDS)('%s', (kind) => {
  let server: RunningServer;
  let client: Client;
  const log: LogEntry[] = [];
  beforeAll(async () => {
    server = await startServer(kind, { anonymous: false });
    client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, log: (e) => log.push(e) });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  test("'size' both ways", async () => {
    const dir = await folder();
    await client.upload(body, '/v.bin', { verify: 'size' });
    await client.download('/v.bin', join(dir, 'v.bin'), { verify: 'size' });
    expect(sha256(await readFile(join(dir, 'v.bin')))).toBe(sha256(body));
  });

  test("'checksum' both ways where FEAT offers one, else NotSupportedError before anything moves", async () => {
    const dir = await folder();
    const offers = ['HASH', 'XSHA512', 'XSHA256', 'XSHA1', 'XMD5', 'XCRC'].some((c) => client.features.has(c));
    expect(offers).toBe(kind === 'proftpd');
    if (offers) {
      await client.upload(body, '/c.bin', { verify: 'checksum' });
      await client.download('/c.bin', join(dir, 'c.bin'), { verify: 'checksum' });
      expect(sha256(await readFile(join(dir, 'c.bin')))).toBe(sha256(body));
      return;
    }
    const before = log.length;
    await expect(client.upload(body, '/c.bin', { verify: 'checksum' })).rejects.toBeInstanceOf(NotSupportedError);
    expect(log.length).toBe(before);
  });
});

describe('ProFTPD (mod_digest): trees and Pool', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('proftpd', { anonymous: false });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const options = () => ({ host: server.host, port: server.port, user: server.user, password: server.password });

  test('uploadDir, downloadDir and mirror with verify, on a Client and a Pool', async () => {
    const src = await folder();
    await writeFile(join(src, 'a.bin'), body);
    await writeFile(join(src, 'b.bin'), body.subarray(7));
    await using client = await Client.connect(options());
    const log: string[] = [];
    await using pool = new Pool({ ...options(), size: 2, log: (e) => void (e.direction === '>' && log.push(e.text)) });
    expect(await client.uploadDir(src, '/tree', { verify: 'checksum' })).toMatchObject({ files: 2 });
    const down = await folder();
    expect(await pool.downloadDir('/tree', down, { verify: 'checksum' })).toMatchObject({ files: 2 });
    expect(log.filter((l) => l.startsWith('HASH ')).sort()).toEqual(['HASH /tree/a.bin', 'HASH /tree/b.bin']);
    const again = await folder();
    const { copied } = await pool.mirror({ direction: 'download', remote: '/tree', local: again, verify: 'size' });
    expect(copied.map((c) => c.path).sort()).toEqual(['a.bin', 'b.bin']);
    expect(sha256(await readFile(join(again, 'b.bin')))).toBe(sha256(body.subarray(7)));
  });

  test('Pool.downloadMany, uploadMany and a segmented download with verify', async () => {
    const log: string[] = [];
    await using pool = new Pool({ ...options(), size: 3, log: (e) => void (e.direction === '>' && log.push(e.text)) });
    const big = new Uint8Array(randomBytes(3 * 1024 * 1024 + 5));
    await pool.uploadMany(
      [
        { from: body, to: '/m1.bin' },
        { from: big, to: '/m2.bin' },
      ],
      { verify: 'checksum' },
    );
    const dir = await folder();
    await pool.downloadMany(
      [
        { from: '/m1.bin', to: join(dir, 'm1.bin') },
        { from: '/m2.bin', to: join(dir, 'm2.bin') },
      ],
      { verify: 'checksum' },
    );
    expect(sha256(await readFile(join(dir, 'm2.bin')))).toBe(sha256(big));
    await pool.download('/m2.bin', join(dir, 'seg.bin'), { segments: 3, verify: 'checksum' });
    expect(sha256(await readFile(join(dir, 'seg.bin')))).toBe(sha256(big));
    expect((await readdir(dir)).sort()).toEqual(['m1.bin', 'm2.bin', 'seg.bin']);
    // Two uploads, two downloads and the segmented file as a whole: one HASH each.
    expect(log.filter((l) => l.startsWith('HASH ')).sort()).toEqual(['HASH /m1.bin', 'HASH /m1.bin', 'HASH /m2.bin', 'HASH /m2.bin', 'HASH /m2.bin']);
  });
});
