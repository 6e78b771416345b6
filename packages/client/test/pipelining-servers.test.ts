/**
 * The `pipelining` option against the five real servers (packages/testkit), plaintext and explicit
 * FTPS: many small files both ways with every byte checked, a resumed download whose REST rides in
 * the batch, a missing file, an abort mid-download, and (pyftpdlib) a REST the server refuses, each
 * followed by more work on the same session. The protocol log proves the batch went out: no reply
 * between EPSV and the transfer command. With the default (`'auto'`) only vsftpd's banner turns it on.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SERVER_KINDS, startServer, type RunningServer, type ServerKind } from '@ftpkit/testkit';
import { Client, FtpReplyError, isAbortError, type ClientOptions, type LogEntry } from '../src/index.js';
import { realClientOptions } from './pool-helpers.js';

const MODES = [
  { name: 'plain', secure: false },
  { name: 'tls', secure: 'explicit' },
] as const;

/** The reply to RETR of a missing file (ftp-srv answers 551 for any read error). */
const MISSING: Record<ServerKind, number> = { vsftpd: 550, proftpd: 550, 'pure-ftpd': 550, pyftpdlib: 550, 'ftp-srv': 551 };
/** ftp-srv 4.6.3 stops reading commands after about 1 aborted RETR in 3 (see interop.test.ts). */
const ABORT_WEDGES: readonly ServerKind[] = ['ftp-srv'];

const FILES = 12;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Commands sent right after an EPSV with no reply read in between: the batches that went out. */
function batches(log: readonly LogEntry[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < log.length; i++) {
    if (log[i]?.direction === '>' && log[i]?.text === 'EPSV' && log[i + 1]?.direction === '>') out.push(log[i + 1]?.text ?? '');
  }
  return out;
}

for (const kind of SERVER_KINDS) {
  describe.concurrent(`${kind} with pipelining`, () => {
    let server: RunningServer;

    beforeAll(async () => {
      server = await startServer(kind, { anonymous: false });
    });
    afterAll(async () => {
      await server?.stop();
    });

    for (const mode of MODES) {
      test(`${kind} ${mode.name}: small files both ways, resume, a missing file, an abort, then more work`, async () => {
        const log: LogEntry[] = [];
        const options = realClientOptions(server, mode.secure, { pipelining: true, log: (entry) => void log.push(entry) });
        const client = await Client.connect(options);
        const dir = `/pipelined-${mode.name}`;
        try {
          await client.mkdir(dir);
          const files = Array.from({ length: FILES }, (_, i) => new Uint8Array(randomBytes(1000 + i * 997)));
          for (const [i, bytes] of files.entries()) await client.upload(bytes, `${dir}/f${i}.bin`);
          for (const [i, bytes] of files.entries()) {
            const onDisk = await readFile(join(server.root, dir, `f${i}.bin`));
            expect(sha256(onDisk), `upload ${i}`).toBe(sha256(bytes));
          }
          for (const [i, bytes] of files.entries()) expect(sha256(await client.downloadToBytes(`${dir}/f${i}.bin`)), `download ${i}`).toBe(sha256(bytes));

          // REST inside the batch.
          const whole = files[FILES - 1] as Uint8Array;
          const tail = await client.downloadToBytes(`${dir}/f${FILES - 1}.bin`, { startAt: 777 });
          expect(sha256(tail)).toBe(sha256(whole.subarray(777)));

          // A missing file: refused while the data connection opens; the session stays in step.
          const missing = await client.downloadToBytes(`${dir}/no-such-file`).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(missing).toBeInstanceOf(FtpReplyError);
          expect((missing as FtpReplyError).reply.code).toBe(MISSING[kind]);
          expect(await client.pwd()).toBe('/');

          if (kind === 'pyftpdlib') {
            // pyftpdlib refuses REST in ASCII mode (501): the RETR that then runs from 0 is discarded.
            let written = 0;
            const refused = await client.download(`${dir}/f0.bin`, (chunk) => void (written += chunk.length), { mode: 'ascii', startAt: 10 }).then(
              () => undefined,
              (error: unknown) => error,
            );
            expect(refused).toBeInstanceOf(FtpReplyError);
            expect((refused as FtpReplyError).command).toBe('REST 10');
            expect(written).toBe(0);
          }

          if (!ABORT_WEDGES.includes(kind)) {
            const big = new Uint8Array(randomBytes(8 * 1024 * 1024));
            await client.upload(big, `${dir}/big.bin`);
            const controller = new AbortController();
            let seen = 0;
            const aborted = await client
              .download(`${dir}/big.bin`, (chunk) => {
                seen += chunk.length;
                if (seen > 256 * 1024) controller.abort();
              }, { signal: controller.signal })
              .then(
                () => undefined,
                (error: unknown) => error,
              );
            expect(isAbortError(aborted)).toBe(true);
          }

          // Still in step after all of it.
          expect(sha256(await client.downloadToBytes(`${dir}/f1.bin`))).toBe(sha256(files[1] as Uint8Array));
          const names = (await client.list(dir)).map((e) => e.name).filter((n) => n.startsWith('f')).sort();
          expect(names).toEqual(files.map((_, i) => `f${i}.bin`).sort());
          // Every transfer after the first went out as one batch.
          expect(batches(log).length).toBeGreaterThanOrEqual(2 * FILES);
        } catch (error) {
          console.log(`--- ${kind} ${mode.name}: last protocol lines ---\n${log.slice(-60).map((e) => `${e.direction} ${e.text}`).join('\n')}`);
          throw error;
        } finally {
          await client.close();
        }
      });

      test(`${kind} ${mode.name}: by default, pipelining is on with vsftpd's banner only, and \`false\` turns it off`, async () => {
        const choices = kind === 'vsftpd' ? [undefined, false] : [undefined];
        for (const pipelining of choices) {
          const log: LogEntry[] = [];
          const extra: Partial<ClientOptions> = pipelining === undefined ? {} : { pipelining };
          const client = await Client.connect(realClientOptions(server, mode.secure, { ...extra, log: (entry) => void log.push(entry) }));
          const dir = `/auto-${mode.name}-${String(pipelining)}`;
          try {
            const on = kind === 'vsftpd' && pipelining === undefined;
            expect(client.pipelining).toBe(on);
            await client.mkdir(dir);
            const files = Array.from({ length: 4 }, (_, i) => new Uint8Array(randomBytes(500 + i * 300)));
            await Promise.all(files.map((bytes, i) => client.upload(bytes, `${dir}/f${i}.bin`)));
            const back = await Promise.all(files.map((_, i) => client.downloadToBytes(`${dir}/f${i}.bin`)));
            for (const [i, bytes] of back.entries()) expect(sha256(bytes), `file ${i}`).toBe(sha256(files[i] as Uint8Array));
            expect(client.pipelining).toBe(on); // vsftpd took all of it: no fallback
            if (on) expect(batches(log).length).toBeGreaterThanOrEqual(2 * files.length - 1);
            else expect(batches(log)).toEqual([]);
          } finally {
            await client.close();
          }
        }
      });
    }
  });
}
