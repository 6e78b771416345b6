/**
 * A download that ends short of the size the server announced is an error, never a file that looks
 * whole: a connection reset behind the last bytes read can look like a clean end of stream on Node
 * while the server has already sent 226 (found by resume-cuts.test.ts through a resetting proxy).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { sendAndClose, startScriptedServer, type ScriptContext, type ScriptedServer } from '@ftpkit/testkit';
import { Client, ConnectionError } from '../src/index.js';

let server: ScriptedServer | undefined;
let client: Client | undefined;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ftpkit-short-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await client?.close().catch(() => {});
  await server?.close();
  client = server = undefined;
});

const FILE = new Uint8Array(100_000).fill(9);

/** RETR that announces `announced` bytes in its 150 and sends `sent` of the file, then 226. */
function retr(announced: string, sent: (offset: number) => number) {
  return async (_: string, ctx: ScriptContext) => {
    const offset = ctx.restAt;
    ctx.restAt = 0;
    const data = await ctx.acceptData();
    ctx.reply(`150 Opening BINARY mode data connection for f${announced}`);
    await sendAndClose(data, FILE.subarray(offset, offset + sent(offset)));
    return '226 Transfer complete';
  };
}

async function connect(handler: ReturnType<typeof retr>, size = FILE.length): Promise<Client> {
  server = await startScriptedServer({ handlers: { RETR: handler, SIZE: () => `213 ${size}` } });
  return (client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' }));
}

test('fewer bytes than the 150 announced: ConnectionError, and no file is left', async () => {
  const c = await connect(retr(' (100000 bytes)', () => 60_000));
  const target = join(dir, 'short.bin');
  await expect(c.download('f', target)).rejects.toSatisfy((e) => e instanceof ConnectionError && /60000 of 100000/.test((e as Error).message));
  expect(await readdir(dir)).not.toContain('short.bin');
  // The session is fine: the server ended the transfer properly.
  expect(await c.pwd()).toBe('/');
});

test('no size in the 150, but SIZE (asked for progress) says more: ConnectionError too', async () => {
  const c = await connect(retr('', () => 60_000));
  await expect(c.downloadToBytes('f', { onProgress: () => {} })).rejects.toBeInstanceOf(ConnectionError);
  // Without a size from anywhere there is nothing to compare with.
  expect((await c.downloadToBytes('f')).length).toBe(60_000);
});

test('after REST: the whole file (vsftpd) or what is left (ProFTPD) announced, complete either way', async () => {
  for (const style of ['whole', 'rest'] as const) {
    const c = await connect(retr(style === 'whole' ? ' (100000 bytes)' : ' (70000 bytes)', (offset) => FILE.length - offset));
    const got = await c.downloadToBytes('f', { startAt: 30_000 });
    expect(got.length).toBe(70_000);
    await c.close();
    await server?.close();
    server = undefined;
  }
});

test('more bytes than announced (a file that grew while read) is fine', async () => {
  const c = await connect(retr(' (50000 bytes)', () => 100_000));
  expect((await c.downloadToBytes('f')).length).toBe(100_000);
});
