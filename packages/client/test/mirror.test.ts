/**
 * client.mirror() against a real ProFTPD (MLSD times, MFMT, mod_digest checksums): only what changed
 * moves, both ways; dry runs change nothing; deletions, filters and links behave as documented.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type RunningServer } from '@ftpkit/testkit';
import { Client } from '../src/index.js';

let server: RunningServer;
let client: Client;
let work: string;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  server = await startServer('proftpd', { anonymous: false });
  client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password });
  work = await mkdtemp(join(tmpdir(), 'ftpkit-mirror-'));
  await mkdir(join(work, 'src/sub'), { recursive: true });
  await writeFile(join(work, 'src/a.txt'), 'alpha');
  await writeFile(join(work, 'src/sub/b.txt'), 'bravo');
  await writeFile(join(work, 'src/skip.tmp'), 'temporary');
  await symlink('a.txt', join(work, 'src/link'));
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const up = (extra = {}) => client.mirror({ direction: 'upload', local: join(work, 'src'), remote: '/site', exclude: ['*.tmp'], ...extra });

test('upload: everything new the first time, nothing the second; links and excluded files stay out', async () => {
  const first = await up();
  expect(first.copied.map((c) => c.path)).toEqual(['a.txt', 'sub/b.txt']);
  expect(await readFile(join(server.root, 'site/sub/b.txt'), 'utf8')).toBe('bravo');
  await expect(readFile(join(server.root, 'site/skip.tmp'))).rejects.toThrow();
  const again = await up();
  expect(again.copied).toEqual([]);
  expect(again.plan.unchanged).toEqual(['a.txt', 'sub/b.txt']);
});

test('a changed size is copied; a dry run plans the deletion without doing it; delete does it', async () => {
  await writeFile(join(work, 'src/a.txt'), 'alpha, longer');
  await rm(join(work, 'src/sub/b.txt'));
  const dry = await up({ delete: true, dryRun: true });
  expect(dry.plan.actions).toEqual([
    expect.objectContaining({ kind: 'copy', path: 'a.txt', reason: 'size' }),
    { kind: 'delete', path: 'sub/b.txt', type: 'file' },
  ]);
  expect(dry.copied).toEqual([]);
  expect(await readFile(join(server.root, 'site/sub/b.txt'), 'utf8')).toBe('bravo');
  const real = await up({ delete: true });
  expect(real.copied.map((c) => c.path)).toEqual(['a.txt']);
  await expect(readFile(join(server.root, 'site/sub/b.txt'))).rejects.toThrow();
  expect(await readFile(join(server.root, 'site/a.txt'), 'utf8')).toBe('alpha, longer');
});

test('download: a copy with the server times, so a second run copies nothing', async () => {
  const back = join(work, 'back');
  const first = await client.mirror({ direction: 'download', remote: '/site', local: back });
  expect(first.copied.map((c) => c.path)).toEqual(['a.txt']);
  expect(sha(await readFile(join(back, 'a.txt')))).toBe(sha(await readFile(join(work, 'src/a.txt'))));
  expect((await client.mirror({ direction: 'download', remote: '/site', local: back })).copied).toEqual([]);
});

test('checksum: same size, other bytes, older time on the target: copied by content, not by time', async () => {
  await writeFile(join(server.root, 'site/a.txt'), 'ALPHA, LONGER'); // same size as the local file
  const past = new Date('2020-01-01T00:00:00Z');
  await utimes(join(server.root, 'site/a.txt'), past, past);
  await utimes(join(work, 'src/a.txt'), past, past);
  expect((await up()).copied).toEqual([]); // size and time agree: unchanged without checksums
  const summed = await up({ checksum: true });
  expect(summed.checksum).toBe('SHA-512');
  expect(summed.plan.actions).toEqual([expect.objectContaining({ kind: 'copy', path: 'a.txt', reason: 'checksum' })]);
  expect(await readFile(join(server.root, 'site/a.txt'), 'utf8')).toBe('alpha, longer');
});
