/**
 * The transfer keep-alive against the five real servers (packages/testkit), plaintext and explicit
 * FTPS: slow downloads and uploads with a NOOP every 100 ms of control silence are byte-exact, and
 * the calls after them get their own replies whichever way the server answered the NOOPs (at once,
 * after the 226, with 500, or not at all). Then through testkit's idle-killing proxy, a NAT that
 * forgets a connection silent for 1 s: a transfer of more than 2 s completes with the keep-alive,
 * and without it loses its control connection while the data connection is busy.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConnectionError } from '@ftpkit/transport';
import { SERVER_KINDS, startIdleProxy, startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, type LogEntry } from '../src/index.js';
import { realClientOptions } from './pool-helpers.js';

const MODES = [
  { name: 'plain', secure: false },
  { name: 'tls', secure: 'explicit' },
] as const;

const SIZE = 3 * 1024 * 1024;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A download sink that takes `bytesPerSecond`: the data keeps moving while the control connection idles. */
function throttledSink(bytesPerSecond: number, into: Uint8Array[]): (chunk: Uint8Array) => Promise<void> {
  return async (chunk) => {
    into.push(chunk.slice());
    await sleep((chunk.length / bytesPerSecond) * 1000);
  };
}

/** An upload source of `bytes` at `bytesPerSecond`. */
async function* throttledSource(bytes: Uint8Array, bytesPerSecond: number): AsyncGenerator<Uint8Array> {
  const piece = 32 * 1024;
  for (let at = 0; at < bytes.length; at += piece) {
    yield bytes.subarray(at, at + piece);
    await sleep((piece / bytesPerSecond) * 1000);
  }
}

const joined = (chunks: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(chunks));
const sent = (log: readonly LogEntry[], text: string): number => log.filter((e) => e.direction === '>' && e.text === text).length;

for (const [lane, kind] of SERVER_KINDS.entries()) {
  describe.concurrent(`${kind} with the transfer keep-alive`, () => {
    let server: RunningServer;
    const content = new Uint8Array(randomBytes(SIZE));

    beforeAll(async () => {
      server = await startServer(kind, { anonymous: false });
      await writeFile(join(server.root, 'big.bin'), content);
    });
    afterAll(async () => {
      await server?.stop();
    });

    for (const mode of MODES) {
      test(`${kind} ${mode.name}: slow transfers both ways are byte-exact, and the next calls get their own replies`, async () => {
        const log: LogEntry[] = [];
        const client = await Client.connect(realClientOptions(server, mode.secure, { transferKeepAlive: 100, log: (entry) => void log.push(entry) }));
        try {
          const chunks: Uint8Array[] = [];
          await client.download('/big.bin', throttledSink(4 * 1024 * 1024, chunks));
          expect(sha256(joined(chunks))).toBe(sha256(content));
          const afterDownload = sent(log, 'NOOP');
          expect(afterDownload).toBeGreaterThan(1);
          expect(await client.size('/big.bin')).toBe(SIZE);

          const path = `/up-${mode.name}.bin`;
          await client.upload(throttledSource(content, 4 * 1024 * 1024), path);
          expect(sha256(await readFile(join(server.root, path)))).toBe(sha256(content));
          expect(sent(log, 'NOOP')).toBeGreaterThan(afterDownload + 1);
          expect(await client.size(path)).toBe(SIZE);
          expect(await client.pwd()).toBe('/');
          expect((await client.list('/')).map((e) => e.name)).toContain(path.slice(1));
        } finally {
          await client.close();
        }
      });
    }

    test(`${kind}: through a NAT that forgets idle connections, a long transfer completes with the keep-alive and fails without`, async () => {
      await using proxy = await startIdleProxy({ target: server, host: `127.0.0.${20 + lane}`, idleMs: 1000 });
      const options = { ...realClientOptions(server, false), host: proxy.host, port: proxy.port };
      // About 3 s at 1 MiB/s: three times the idle limit, with data moving all along.
      const slow = 1024 * 1024;

      const kept = await Client.connect({ ...options, transferKeepAlive: 250 });
      try {
        const chunks: Uint8Array[] = [];
        await kept.download('/big.bin', throttledSink(slow, chunks));
        expect(sha256(joined(chunks))).toBe(sha256(content));
        expect(await kept.size('/big.bin')).toBe(SIZE);
        expect(proxy.forgotten().filter((f) => f.connection === 'control')).toEqual([]);
      } finally {
        await kept.close();
      }

      const bare = await Client.connect({ ...options, transferKeepAlive: 0 });
      try {
        const chunks: Uint8Array[] = [];
        const error = await bare.download('/big.bin', throttledSink(slow, chunks)).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(ConnectionError);
        expect(joined(chunks).length).toBeLessThan(SIZE); // it died mid-transfer, data still moving
        expect(proxy.forgotten().map((f) => f.connection)).toContain('control');
        expect(bare.closed).toBe(true);
      } finally {
        await bare.close();
      }
    });
  });
}
