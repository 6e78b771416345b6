/**
 * A download gives its session back before its destination is committed (retried-transfers.ts):
 * the last write, the close and the rename into place do not hold the connection, so a tree's next
 * file goes out while the previous one is put in place. Against a real vsftpd.
 */
import dc from 'node:diagnostics_channel';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, Pool } from '../src/index.js';

let server: RunningServer;
let scratch: string;
const FILES = 12;
const body = (i: number) => new Uint8Array(3000 + i * 11).fill(i + 1);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-commit-'));
  await chmod(scratch, 0o755); // the server's user reads its root below it
  const root = join(scratch, 'root');
  await mkdir(join(root, 'tree'), { recursive: true, mode: 0o755 });
  for (let i = 0; i < FILES; i++) await writeFile(join(root, 'tree', `f${String(i).padStart(2, '0')}.bin`), body(i), { mode: 0o644 });
  server = await startServer('vsftpd', { root, anonymous: false });
});
afterAll(async () => {
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const connect = () => Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password });

test('while a download waits for its destination to finish, the next call on the Client runs', async () => {
  await using client = await connect();
  const received: Uint8Array[] = [];
  let finishing!: () => void;
  const gate = new Promise<void>((resolve) => (finishing = resolve));
  let inFinal!: () => void;
  const reachedFinal = new Promise<void>((resolve) => (inFinal = resolve));
  const target = new Writable({
    write(chunk: Uint8Array, _encoding, done) {
      received.push(chunk);
      done();
    },
    final(done) {
      inFinal();
      void gate.then(() => done());
    },
  });
  let settled = false;
  const download = client.download('/tree/f03.bin', target).finally(() => (settled = true));
  try {
    await reachedFinal;
    // The download is not done (its destination has not finished), yet the session is free.
    const size = await Promise.race([client.size('/tree/f03.bin'), new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 5000))]);
    expect(size).toBe(body(3).length);
    expect(settled).toBe(false);
  } finally {
    finishing();
  }
  expect((await download).bytes).toBe(body(3).length);
  expect(Buffer.concat(received)).toEqual(Buffer.from(body(3)));
});

test("a one-session tree download runs two copies at once, asks for the session in plan order, and every file arrives whole", async () => {
  // One command at a time, the path this file is about (two copies at once without the transfer
  // lane). With pipelining, the default with this vsftpd, the lane's two copies open their local
  // files at once and the first open to finish sends its RETR first: plan order is not kept there
  // (1 CI run in 6), a known gap of the lane, not of the commit.
  await using client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, pipelining: false });
  const events: string[] = [];
  const onCommand = (m: unknown) => {
    const line = String((m as { command: string }).command);
    if (line.startsWith('RETR ')) events.push(`RETR ${line.slice(line.lastIndexOf('/') + 1)}`);
  };
  dc.subscribe('ftpkit:client:command', onCommand);
  const local = join(scratch, 'local');
  try {
    const result = await client.downloadDir('/tree', local, {
      onFile: (e) => {
        events.push(`${e.phase} ${e.path}`);
      },
    });
    expect(result.files).toBe(FILES);
  } finally {
    dc.unsubscribe('ftpkit:client:command', onCommand);
  }
  for (let i = 0; i < FILES; i++) {
    expect(await readFile(join(local, `f${String(i).padStart(2, '0')}.bin`))).toEqual(Buffer.from(body(i)));
  }
  // Copies ask for the session in plan order, two at once or not (trees/run.ts).
  const names = Array.from({ length: FILES }, (_, i) => `f${String(i).padStart(2, '0')}.bin`);
  expect(events.filter((e) => e.startsWith('RETR ')).map((e) => e.slice(5))).toEqual(names);
  // Two copies at once: the second file starts before the first finishes (one at a time it never
  // does). Whether its RETR also goes out before the first is renamed is a race with the disk; the
  // test above shows the session is free while a destination finishes.
  expect(events.indexOf(`start ${names[1]}`)).toBeLessThan(events.indexOf(`finish ${names[0]}`));
});

test('Pool calls waiting for a session hold no open file; each is opened once it has one', async () => {
  await using pool = new Pool({ host: server.host, port: server.port, user: server.user, password: server.password, size: 1 });
  const local = join(scratch, 'waiting');
  await mkdir(local);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first!: () => void;
  const gotFirst = new Promise<void>((resolve) => (first = resolve));
  // The one session is busy with a download whose destination waits at its first chunk.
  const busy = pool.download('/tree/f00.bin', async () => {
    first();
    await gate;
  });
  const waiting = [1, 2, 3].map((i) => pool.download(`/tree/f0${i}.bin`, join(local, `f0${i}.bin`)));
  try {
    await gotFirst;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readdir(local)).toEqual([]);
  } finally {
    release();
  }
  await busy;
  await Promise.all(waiting);
  expect((await readdir(local)).sort()).toEqual(['f01.bin', 'f02.bin', 'f03.bin']);
  expect(await readFile(join(local, 'f02.bin'))).toEqual(Buffer.from(body(2)));
});
