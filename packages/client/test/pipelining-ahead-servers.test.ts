/**
 * Deep pipelining (lane.ts, the codec's ahead.ts) against the five real servers, plaintext and
 * explicit FTPS: many uploads and downloads made at once on one Client with `pipelining`, so each
 * file's EPSV and STOR/RETR go out behind the running transfer, every byte checked, a missing file
 * among them reported as the server's refusal, then more work on the same Client. ProFTPD and
 * Pure-FTPd read commands during a transfer and answer them there (450 / 500): the client must see
 * that, fall back to one command at a time, and still deliver every file right.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SERVER_KINDS, startDelayProxy, startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, FtpReplyError, type LogEntry } from '../src/index.js';
import { realClientOptions } from './pool-helpers.js';

const FILES = 16;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A transfer command sent before the previous transfer's final reply came: the pipeline went deep. */
function wentAhead(log: readonly LogEntry[]): boolean {
  let open = false;
  for (const entry of log) {
    if (entry.direction === '>' && /^(RETR|STOR) /.test(entry.text)) {
      if (open) return true;
      open = true;
    } else if (entry.direction === '<' && /^(2[25][06]|[45]\d\d)/.test(entry.text)) open = false;
  }
  return false;
}

for (const kind of SERVER_KINDS) {
  describe.concurrent(`${kind} with transfers set up ahead`, () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(kind, { anonymous: false });
    });
    afterAll(async () => {
      await server?.stop();
    });

    test(`${kind}: uploadDir then downloadDir on one Client set each copy up behind the last, every file right`, async () => {
      const log: LogEntry[] = [];
      // Through a 10 ms round trip: on loopback a small file can be over before the tree engine has
      // the next one's temporary file open, and then there is nothing to overlap.
      await using proxy = await startDelayProxy({ target: server, delayMs: 5 });
      const client = await Client.connect({ ...realClientOptions(server, false, { pipelining: true, log: (entry) => void log.push(entry) }), host: proxy.host, port: proxy.port });
      const here = await mkdtemp(join(tmpdir(), 'ftpkit-ahead-'));
      try {
        const files = Array.from({ length: FILES }, (_, i) => new Uint8Array(randomBytes(300 + i * 211)));
        await mkdir(join(here, 'up', 'sub'), { recursive: true });
        for (const [i, bytes] of files.entries()) await writeFile(join(here, 'up', i % 2 ? 'sub' : '', `t${i}.bin`), bytes);
        await client.uploadDir(join(here, 'up'), '/ahead-tree');
        const uploadsWent = wentAhead(log);
        const upNotes = log.filter((e) => e.direction === '*').map((e) => e.text);
        log.length = 0;
        await client.downloadDir('/ahead-tree', join(here, 'down'));
        for (const [i, bytes] of files.entries()) expect(sha256(await readFile(join(here, 'down', i % 2 ? 'sub' : '', `t${i}.bin`))), `t${i}`).toBe(sha256(bytes));
        const notes = [...upNotes, ...log.filter((e) => e.direction === '*').map((e) => e.text)];
        // vsftpd runs one command at a time and reads none during a transfer: it takes the pipeline whole.
        if (kind === 'vsftpd') expect([uploadsWent, wentAhead(log), notes.filter((n) => /pipelining/.test(n))]).toEqual([true, true, []]);
      } finally {
        await client.close();
        await rm(here, { recursive: true, force: true });
      }
    });

    for (const secure of [false, 'explicit'] as const) {
      test(`${kind} ${secure || 'plain'}: files made at once both ways arrive whole, a missing one is refused`, async () => {
        const log: LogEntry[] = [];
        const client = await Client.connect(realClientOptions(server, secure, { pipelining: true, log: (entry) => void log.push(entry) }));
        const dir = `/ahead-${secure || 'plain'}`;
        try {
          await client.mkdir(dir);
          const files = Array.from({ length: FILES }, (_, i) => new Uint8Array(randomBytes(500 + i * 613)));
          await Promise.all(files.map((bytes, i) => client.upload(bytes, `${dir}/f${i}.bin`)));
          for (const [i, bytes] of files.entries()) expect(sha256(await readFile(join(server.root, dir, `f${i}.bin`))), `upload ${i}`).toBe(sha256(bytes));
          const names = [...files.keys()].map((i) => `${dir}/f${i}.bin`);
          names.splice(5, 0, `${dir}/no-such-file`);
          const got = await Promise.allSettled(names.map((name) => client.downloadToBytes(name)));
          expect(got[5]?.status === 'rejected' && got[5].reason).toBeInstanceOf(FtpReplyError);
          const fetched = got.filter((_, i) => i !== 5);
          for (const [i, result] of fetched.entries()) {
            expect(result.status, `download ${i}`).toBe('fulfilled');
            if (result.status === 'fulfilled') expect(sha256(result.value), `download ${i}`).toBe(sha256(files[i] as Uint8Array));
          }
          expect(await client.pwd()).toMatch(/^\//);
          // The servers that answer during a transfer made the client fall back; vsftpd went deep, and
          // its refusal of the missing file (before any data, so with nothing set up behind it) is an
          // ordinary one that leaves pipelining on.
          if (kind === 'vsftpd') expect([wentAhead(log), log.filter((e) => /pipelining/.test(e.text)).length]).toEqual([true, 0]);
        } finally {
          await client.close();
        }
      });
    }
  });
}
