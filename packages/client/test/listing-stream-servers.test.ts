/**
 * `listEntries` against real servers (packages/testkit): vsftpd, which has no MLSD (LIST with
 * format detection, `LIST -a`), and ProFTPD (MLSD). A directory of a few thousand files, named with
 * multi-byte UTF-8 so that characters fall across data chunks, must stream exactly what `list()`
 * returns; leaving the loop early and aborting its signal must stop the transfer and leave the
 * session ready for the next command; `Pool.listEntries` must hold one session for the loop and give
 * it back.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, Pool, isAbortError, type ClientOptions, type ListingEntry } from '../src/index.js';

const FILES = 3000;
const DIR = '/many';
/** Names of varied length with two- to four-byte UTF-8 characters, and a dotfile for `LIST -a`. */
const names = [...Array.from({ length: FILES }, (_, i) => `${'é'.repeat(i % 7)}fichier-${i}-日本語-${'🙂'.repeat(i % 3)}.txt`), '.hidden'];

async function collect(iterable: AsyncIterable<ListingEntry>): Promise<ListingEntry[]> {
  const out: ListingEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

/** Entries without their times, which list() and listEntries() may infer from different `now`s. */
const byName = (entries: readonly ListingEntry[]) => [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

for (const [kind, command] of [
  ['vsftpd', 'LIST'],
  ['proftpd', 'MLSD'],
] as const) {
  describe.concurrent(`${kind} (${command})`, () => {
    let server: RunningServer;
    const options = (): ClientOptions => ({ host: server.host, port: server.port, user: server.user, password: server.password, secure: false });

    beforeAll(async () => {
      server = await startServer(kind, { tls: false });
      await mkdir(join(server.root, 'many'));
      for (const name of names) await writeFile(join(server.root, 'many', name), name);
      await mkdir(join(server.root, 'few'));
      await writeFile(join(server.root, 'few', 'one.txt'), 'one');
    });
    afterAll(async () => {
      await server?.stop();
    });

    test(`${kind}: a directory of ${FILES} files streams the same entries as list()`, async () => {
      await using client = await Client.connect(options());
      const streamed = await collect(client.listEntries(DIR));
      const whole = await client.list(DIR);
      expect(streamed).toHaveLength(FILES + 1);
      expect(byName(streamed).map((e) => e.name)).toEqual([...names].sort());
      expect(streamed).toEqual(whole);
      expect(streamed.every((e) => e.type === 'file' && e.size === new TextEncoder().encode(e.name).length)).toBe(true);
      // Twice on one session: the first left nothing behind.
      expect((await collect(client.listEntries(DIR))).length).toBe(FILES + 1);
    });

    test(`${kind}: leaving the loop early aborts the transfer, and the next commands work`, async () => {
      const sent: string[] = [];
      await using client = await Client.connect({ ...options(), log: (e) => void (e.direction === '>' && sent.push(e.text)) });
      let seen = 0;
      for await (const entry of client.listEntries(DIR)) {
        expect(entry.name).toBeTruthy();
        if (++seen === 10) break;
      }
      expect(seen).toBe(10);
      expect(sent).toContain('ABOR');
      expect((await client.list('/few')).map((e) => e.name)).toEqual(['one.txt']);
      expect(await client.pwd()).toBe('/');
      expect((await collect(client.listEntries(DIR))).length).toBe(FILES + 1);
    });

    test(`${kind}: aborting the signal mid-listing throws AbortError, and the session stays usable`, async () => {
      await using client = await Client.connect(options());
      const controller = new AbortController();
      let seen = 0;
      const failure = await (async () => {
        for await (const _ of client.listEntries(DIR, { signal: controller.signal })) if (++seen === 100) controller.abort();
      })().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isAbortError(failure)).toBe(true);
      expect(seen).toBe(100);
      expect((await client.list('/few')).map((e) => e.name)).toEqual(['one.txt']);
    });

    test(`${kind}: Pool.listEntries holds one session for the loop and gives it back`, async () => {
      await using pool = new Pool({ ...options(), size: 2 });
      let seen = 0;
      for await (const _ of pool.listEntries(DIR)) {
        if (seen++ === 0) {
          expect(pool.stats.open).toBe(1);
          expect(pool.stats.idle).toBe(0);
          // Another call meanwhile runs on the second session.
          expect((await pool.list('/few')).map((e) => e.name)).toEqual(['one.txt']);
        }
      }
      expect(seen).toBe(FILES + 1);
      expect(pool.stats.idle).toBe(2);
      for await (const _ of pool.listEntries(DIR)) break;
      expect(pool.stats.idle).toBe(2);
      expect((await pool.list('/few')).length).toBe(1);
    });
  });
}
