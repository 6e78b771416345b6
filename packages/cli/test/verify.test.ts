/**
 * `--verify size|checksum` on get, put and mirror: the client's `verify`, with exit code 9 for a
 * mismatch (the scripted server lies about SIZE), 6 for a server without a checksum command, and 2
 * for a value that is neither.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startScriptedServer, startServer } from '@ftpkit/testkit';
import { runCli } from './run-cli.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ftpkit-cli-verify-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});
const cli = (...args: string[]) => runCli(args, { cwd: work, env: { HOME: work } });
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const body = new Uint8Array(randomBytes(100_000));

test('a SIZE that differs: exit 9, the message says both sizes, and no file is left', async () => {
  const server = await startScriptedServer({ files: { 'f.bin': body }, handlers: { SIZE: () => `213 ${body.length - 1}` } });
  try {
    const url = `ftp://u:p@${server.host}:${server.port}/f.bin`;
    const dir = join(work, 'lie');
    await mkdir(dir);
    const r = await cli('get', '--verify', 'size', url, `${dir}/`);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(`the server has ${body.length - 1} bytes, the local copy ${body.length} bytes`);
    expect(await readdir(dir)).toEqual([]);
    const j = await cli('get', '--json', '--verify', 'size', url, `${dir}/`);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FTP_VERIFY', exitCode: 9 } });
    expect((await cli('get', '--verify', 'md5', url, `${dir}/`)).code).toBe(2);
    // Without --verify, the same download is taken as it comes.
    expect((await cli('get', url, `${dir}/`)).code).toBe(0);
  } finally {
    await server.close();
  }
});

describe.runIf(process.getuid?.() === 0)('real servers', () => {
  test('ProFTPD (mod_digest): put, get and mirror with --verify checksum send HASH and exit 0', async () => {
    await using proftpd = await startServer('proftpd', { anonymous: false });
    const p = `ftp://${proftpd.user}:${proftpd.password}@${proftpd.host}:${proftpd.port}`;
    const src = join(work, 'v-src');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'a.bin'), body);
    const put = await cli('put', '-v', '--verify', 'checksum', join(src, 'a.bin'), `${p}/a.bin`);
    expect(put.code).toBe(0);
    expect(put.stderr).toContain('> HASH a.bin');
    const get = await cli('get', '-v', '--verify', 'checksum', `${p}/a.bin`, join(work, 'got.bin'));
    expect(get.code).toBe(0);
    expect(get.stderr).toContain('> HASH a.bin');
    expect(digest(await readFile(join(work, 'got.bin')))).toBe(digest(body));
    const down = join(work, 'v-down');
    const mirror = await cli('mirror', '-v', '--verify', 'checksum', `${p}/`, down);
    expect(mirror.code).toBe(0);
    expect(mirror.stderr).toMatch(/> HASH \/?a\.bin/);
    expect(digest(await readFile(join(down, 'a.bin')))).toBe(digest(body));
  });

  test('vsftpd has no checksum command: --verify checksum exits 6 before anything moves', async () => {
    await using vsftpd = await startServer('vsftpd', { anonymous: false });
    const v = `ftp://${vsftpd.user}:${vsftpd.password}@${vsftpd.host}:${vsftpd.port}`;
    await writeFile(join(work, 'x.bin'), body);
    const r = await cli('put', '-v', '--verify', 'checksum', join(work, 'x.bin'), `${v}/x.bin`);
    expect(r.code).toBe(6);
    expect(r.stderr).not.toContain('> STOR');
    expect((await cli('put', '--verify', 'size', join(work, 'x.bin'), `${v}/x.bin`)).code).toBe(0);
  });
});
