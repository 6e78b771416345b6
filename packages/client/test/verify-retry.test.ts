/**
 * `verify` under `retry`: a transfer whose check fails goes again from byte 0 (a download into an
 * emptied destination, an upload as a whole STOR), never resumed onto the suspect bytes, and at
 * most `retries` times however far each attempt got; what cannot start over fails at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { readAll, rejectionOf, startScriptedServer, type CommandHandler, type ScriptedServer } from '@ftpkit/testkit';
import { attemptsOf, Client, VerifyError, type RetryEvent } from '../src/index.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const body = new Uint8Array(randomBytes(150_001));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('verify under retry (scripted server)', () => {
  let server: ScriptedServer | undefined;
  let client: Client | undefined;
  const events: RetryEvent[] = [];
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
    events.length = 0;
  });
  async function setup(handlers: Record<string, CommandHandler>, retries = 2): Promise<Client> {
    const xsha256: CommandHandler = (arg, ctx) => {
      const file = ctx.files.get(arg);
      return file ? `250 ${sha256(file)}` : '550 No such file';
    };
    server = await startScriptedServer({ files: { f: body }, features: ['EPSV', 'PASV', 'SIZE', 'REST STREAM', 'XSHA256'], handlers: { XSHA256: xsha256, ...handlers } });
    client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', retry: { retries, delay: 1, onRetry: (e) => events.push(e) } });
    return client;
  }
  const sent = () => server!.received.filter((l) => /^(RETR|STOR|APPE|REST|SIZE)\b/.test(l));
  const folder = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ftpkit-verify-retry-'));
    dirs.push(dir);
    return dir;
  };

  test('a download whose size check fails once goes again from byte 0 and ends with the right file', async () => {
    let lies = 1;
    const c = await setup({ SIZE: () => `213 ${lies-- > 0 ? body.length + 5 : body.length}` });
    const dir = await folder();
    await c.download('f', join(dir, 'f.bin'), { verify: 'size' });
    expect(sha256(await readFile(join(dir, 'f.bin')))).toBe(sha256(body));
    // No REST: the second attempt starts over rather than resume onto the suspect bytes.
    expect(sent()).toEqual(['RETR f', 'SIZE f', 'RETR f', 'SIZE f']);
    expect(events.map((e) => [e.attempt, e.error instanceof VerifyError, e.resumeAt])).toEqual([[2, true, 0]]);
    expect(await readdir(dir)).toEqual(['f.bin']);
  });

  test('a check that always fails ends after `retries` more attempts with VerifyError, and leaves no file', async () => {
    const c = await setup({ SIZE: () => `213 ${body.length + 5}` });
    const dir = await folder();
    const err = await rejectionOf(c.download('f', join(dir, 'f.bin'), { verify: 'size' }));
    expect(err).toBeInstanceOf(VerifyError);
    expect(attemptsOf(err)).toBe(3);
    expect(sent().filter((l) => l.startsWith('RETR'))).toHaveLength(3);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a download to a stream cannot take its bytes back: a mismatch is final', async () => {
    const c = await setup({ SIZE: () => `213 ${body.length + 5}` });
    const err = await rejectionOf(c.download('f', () => undefined, { verify: 'size' }));
    expect(err).toBeInstanceOf(VerifyError);
    expect(sent().filter((l) => l.startsWith('RETR'))).toHaveLength(1);
  });

  test('an upload the server stored damaged once is sent whole again (STOR, no REST) and verifies', async () => {
    let damage = 1;
    const c = await setup({
      STOR: async (arg, ctx) => {
        const data = await ctx.acceptData();
        ctx.reply('150 Ready to receive');
        const bytes = new Uint8Array(await readAll(data));
        if (ctx.restAt !== 0) return '503 this test expects no REST';
        if (damage-- > 0) bytes[bytes.length - 1]! ^= 1;
        ctx.files.set(arg, bytes);
        return '226 Transfer complete';
      },
    });
    await c.upload(body, 'up', { verify: 'checksum' });
    expect(sha256(server!.files.get('up')!)).toBe(sha256(body));
    expect(sent().filter((l) => /^(STOR|REST|APPE)/.test(l))).toEqual(['STOR up', 'STOR up']);
    expect(events.map((e) => [e.call, e.attempt, e.error instanceof VerifyError])).toEqual([['upload', 2, true]]);
  });
});
