/**
 * `names()` (NLST), `exists()` and `stat()` against the five real servers of testkit, on a Client
 * and a Pool. What each server answers NLST with for an empty and a missing folder is pinned here
 * (the table in src/ops/names.ts), and whatever it is, the calls must give the same answers: the
 * bare names of a folder, `[]` for an empty one, `NotFoundError` for a missing one, never `[]`;
 * `exists` true or false, without MLST (vsftpd, ftp-srv) through the parent's listing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SERVER_KINDS, rejectionOf, startServer, type RunningServer, type ServerKind } from '@ftpkit/testkit';
import { Client, NotFoundError, Pool, type ClientOptions } from '../src/index.js';

/** What each server does with NLST, as observed; `names()` must hide every difference. */
const NLST: Record<ServerKind, { readonly hidesDotfiles: boolean; readonly empty: number; readonly missing: number }> = {
  vsftpd: { hidesDotfiles: true, empty: 226, missing: 226 },
  proftpd: { hidesDotfiles: true, empty: 226, missing: 450 },
  'pure-ftpd': { hidesDotfiles: false, empty: 226, missing: 550 },
  pyftpdlib: { hidesDotfiles: false, empty: 226, missing: 550 },
  'ftp-srv': { hidesDotfiles: false, empty: 226, missing: 451 },
};

for (const kind of SERVER_KINDS) {
  describe(kind, () => {
    let server: RunningServer;
    const log: string[] = [];
    const options = (): ClientOptions => ({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      secure: false,
      log: (e) => void log.push(`${e.direction} ${e.text}`),
    });
    /** The code of the reply that ended the first NLST logged from `from` on (its 4xx/5xx, or the 226 after 150). */
    const nlstCode = (from: number) => {
      const lines = log.slice(from);
      const sent = lines.findIndex((l) => l.startsWith('> NLST'));
      // NLST's own reply: not a 1xx, and not the 229 of an EPSV sent in the same write (vsftpd pipelines).
      return Number(lines.slice(sent + 1).find((l) => l.startsWith('< ') && !l.startsWith('< 1') && !l.startsWith('< 229'))?.slice(2, 5));
    };

    beforeAll(async () => {
      server = await startServer(kind, { tls: false });
      await mkdir(join(server.root, 'd', 'sub'), { recursive: true });
      await writeFile(join(server.root, 'd', 'a.txt'), 'a');
      await writeFile(join(server.root, 'd', '.hidden'), 'h');
      await writeFile(join(server.root, 'd', 'sub', 'b.txt'), 'b');
      await mkdir(join(server.root, 'empty'));
      await writeFile(join(server.root, 'top.txt'), 't');
    });
    afterAll(async () => {
      await server?.stop();
    });

    test(`${kind}: names() of a folder, absolute, relative and current, are the bare names`, async () => {
      await using client = await Client.connect(options());
      const expected = [...(NLST[kind].hidesDotfiles ? [] : ['.hidden']), 'a.txt', 'sub'];
      expect((await client.names('/d')).sort()).toEqual(expected);
      expect((await client.names('d')).sort()).toEqual(expected);
      expect((await client.names('/d/')).sort()).toEqual(expected);
      expect((await client.names()).sort()).toEqual(['d', 'empty', 'top.txt']);
      expect(await client.names('/d/sub')).toEqual(['b.txt']);
    });

    test(`${kind}: an empty folder is [] (NLST answers ${NLST[kind].empty}); a missing one NotFoundError (NLST answers ${NLST[kind].missing})`, async () => {
      await using client = await Client.connect(options());
      let from = log.length;
      expect(await client.names('/empty')).toEqual([]);
      expect(nlstCode(from)).toBe(NLST[kind].empty);
      for (const missing of ['/missing', '/missing/deeper']) {
        from = log.length;
        const err = await rejectionOf(client.names(missing));
        expect(err, missing).toBeInstanceOf(NotFoundError);
        expect(err).toMatchObject({ path: missing });
        expect(nlstCode(from)).toBe(NLST[kind].missing);
      }
      expect(await client.pwd()).toBe('/');
    });

    test(`${kind}: exists() for files, folders and the root; false for what is not there`, async () => {
      await using client = await Client.connect(options());
      for (const path of ['/d/a.txt', '/d/.hidden', '/d/sub', '/d/sub/', 'd/a.txt', '/top.txt', '/empty', '/']) {
        expect(await client.exists(path), path).toBe(true);
      }
      for (const path of ['/d/nope', '/missing', '/missing/x', '/missing/deeper/x', '/empty/x']) {
        expect(await client.exists(path), path).toBe(false);
      }
      expect(await client.pwd()).toBe('/');
    });

    test(`${kind}: stat() of the root and of a folder with a trailing slash`, async () => {
      await using client = await Client.connect(options());
      expect((await client.stat('/')).type).toBe('directory');
      expect((await client.stat('/d/sub/')).type).toBe('directory');
      expect(await rejectionOf(client.stat('/missing/x'))).toMatchObject({ name: client.features.has('MLST') ? 'FtpReplyError' : 'NotFoundError' });
    });

    test(`${kind}: Pool.names() and Pool.exists() give the same answers`, async () => {
      await using pool = new Pool({ ...options(), size: 2 });
      const [names, empty, missing, yes, no] = await Promise.all([
        pool.names('/d/sub'),
        pool.names('/empty'),
        rejectionOf(pool.names('/missing')),
        pool.exists('/d/a.txt'),
        pool.exists('/missing/x'),
      ]);
      expect({ names, empty, yes, no }).toEqual({ names: ['b.txt'], empty: [], yes: true, no: false });
      expect(missing).toBeInstanceOf(NotFoundError);
    });
  });
}
