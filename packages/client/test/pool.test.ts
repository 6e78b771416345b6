/**
 * Pool: leasing, the FIFO queue, reconnects, aborts, fail-fast many-calls and progress, first against
 * the scripted server (where the test decides when each transfer moves), then against vsftpd and
 * ProFTPD in plaintext and explicit TLS (parallel transfers and directory trees, checked on disk).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  capturingGreeting,
  makeFixtureTree,
  rejectionOf,
  scriptedScenes,
  startServer,
  type CommandHandler,
  type RunningServer,
  type ScriptContext,
} from '@ftpkit/testkit';
import { ConnectionError, FtpReplyError, InvalidArgumentError, LocalProtocolError, Pool, isAbortError, type PoolOptions, type Progress } from '../src/index.js';
import { deferred, realPoolOptions, send, sha256 } from './pool-helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;


/** RETR that announces itself and then waits for the test's go before sending the file. */
function gatedRetr(started: (name: string) => void, go: Promise<void>): Record<string, CommandHandler> {
  return {
    RETR: async (arg, ctx) => {
      const file = ctx.files.get(arg);
      if (!file) return '550 No such file';
      const data = await ctx.acceptData();
      ctx.reply('150 go');
      started(arg);
      await go;
      return (await send(data, file)) ? '226 done' : '426 aborted';
    },
  };
}

describe('scripted server', () => {
  const scenes = scriptedScenes({ beforeEach, afterEach }, {
    connect: async (server, extra?: Partial<PoolOptions>) => new Pool({ host: server.host, port: server.port, user: 'u', password: 'p', size: 2, ...extra }),
    // A pool still open after a scenario must still work: a listing through one of its sessions.
    usable: async (pool: Pool) => expect(Array.isArray(await pool.list())).toBe(true),
  });

  /** A pool of one session, busy downloading `a` until `go` is called. */
  async function oneBusySession(files: Record<string, string> = { a: 'a' }) {
    const go = deferred();
    const first = deferred();
    const pool = await scenes.setup({ files, handlers: gatedRetr(() => first.resolve(), go.promise) }, { size: 1 });
    const running = pool.downloadToBytes('a');
    await first.promise;
    return { pool, running, go: go.resolve };
  }

  describe('leasing', () => {
    test('connects lazily, reuses an idle session, and logs every session in with the same identity', async () => {
      const pool = await scenes.setup({ files: { f: 'abc' } }, { account: 'acct', size: 3 });
      expect(pool.stats).toEqual({ size: 3, open: 0, idle: 0, waiting: 0 });
      expect(scenes.server.connections()).toBe(0);
      for (let i = 0; i < 3; i++) expect(await pool.size('f')).toBe(3);
      expect(scenes.server.connections()).toBe(1);
      expect(pool.stats).toMatchObject({ open: 1, idle: 1 });
      await Promise.all([pool.size('f'), pool.size('f'), pool.size('f')]);
      expect(pool.stats.open).toBeLessThanOrEqual(3);
      const logins = scenes.server.received.filter((l) => /^(USER|PASS|ACCT) /.test(l));
      expect(new Set(logins)).toEqual(new Set(['USER u', 'PASS p']));
      expect(Object.isFrozen(pool.options)).toBe(true);
    });

    test('the option set is copied and frozen: changing the caller object later changes nothing', async () => {
      const server = await scenes.start({ files: { f: 'abc' } });
      const options = { host: server.host, port: server.port, user: 'u', password: 'p', timeouts: { reply: 5_000 } };
      const pool = scenes.keep(new Pool(options));
      options.user = 'mallory';
      options.timeouts.reply = 1;
      expect(await pool.size('f')).toBe(3);
      expect(server.received).toContain('USER u');
      expect(server.received).not.toContain('USER mallory');
      expect(pool.options.timeouts.reply).toBe(5_000);
    });

    test('size 2: two transfers run at once on two sessions, a third waits in line and reuses one', async () => {
      const go = deferred();
      const started: string[] = [];
      const twoStarted = deferred();
      const pool = await scenes.setup({
        files: { a: 'A'.repeat(1000), b: 'B'.repeat(1000), c: 'C'.repeat(1000) },
        handlers: gatedRetr((name) => {
          started.push(name);
          if (started.length === 2) twoStarted.resolve();
        }, go.promise),
      });
      const results = ['a', 'b', 'c'].map((name) => pool.downloadToBytes(name));
      await twoStarted.promise;
      expect(started).toEqual(['a', 'b']); // both in flight: the server has two transfers open at once
      expect(pool.stats).toMatchObject({ open: 2, idle: 0, waiting: 1 });
      go.resolve();
      const [a, b, c] = await Promise.all(results);
      expect([a!.length, b!.length, c!.length]).toEqual([1000, 1000, 1000]);
      expect(new TextDecoder().decode(c!.subarray(0, 3))).toBe('CCC');
      expect(started).toEqual(['a', 'b', 'c']);
      expect(scenes.server.connections()).toBe(2);
    });

    test('waiters are served first come, first served', async () => {
      const { pool, running, go } = await oneBusySession({ a: 'a', b: 'b', c: 'c', d: 'd' });
      const order: string[] = [];
      const first = running.then(() => order.push('a'));
      const queued = ['b', 'c', 'd'].map((name) => pool.size(name).then(() => order.push(name)));
      expect(pool.stats.waiting).toBe(3);
      go();
      await Promise.all([first, ...queued]);
      expect(order).toEqual(['a', 'b', 'c', 'd']);
    });

    test('aborting one transfer leaves the other running and the pool usable; the session is reused', async () => {
      const go = deferred();
      const twoStarted = deferred();
      let count = 0;
      const body = randomBytes(2 * MiB);
      const pool = await scenes.setup({
        files: { a: body, b: body },
        handlers: gatedRetr(() => ++count === 2 && twoStarted.resolve(), go.promise),
      });
      const stop = new AbortController();
      let gotA = 0;
      const a = pool.download('a', (chunk) => {
        gotA += chunk.length;
        stop.abort();
      }, { signal: stop.signal });
      const b = pool.downloadToBytes('b');
      await twoStarted.promise;
      go.resolve();
      expect(isAbortError(await rejectionOf(a))).toBe(true);
      expect(gotA).toBeGreaterThan(0);
      expect(sha256(await b)).toBe(sha256(body));
      expect(await pool.size('a')).toBe(body.length);
      expect(scenes.server.connections()).toBe(2);
      expect(scenes.server.received).toContain('ABOR');
    });

    test('a call aborted while it waits for a session leaves the queue and nothing else', async () => {
      const { pool, running, go } = await oneBusySession();
      const stop = new AbortController();
      const waiting = pool.size('a', { signal: stop.signal });
      expect(pool.stats.waiting).toBe(1);
      stop.abort();
      expect(isAbortError(await rejectionOf(waiting))).toBe(true);
      expect(pool.stats.waiting).toBe(0);
      go();
      expect((await running).length).toBe(1);
      expect(scenes.server.received.filter((l) => l === 'SIZE a')).toHaveLength(0);
    });

    test('a session killed during a call is dropped with the typed error; the next call reconnects', async () => {
      let kills = 1;
      const pool = await scenes.setup(
        {
          files: { f: 'abc' },
          handlers: {
            SIZE: (arg, ctx) => {
              if (arg === 'kill' && kills-- > 0) return void ctx.socket.destroy();
              return ctx.files.has(arg) ? `213 ${ctx.files.get(arg)!.length}` : '550 No such file';
            },
          },
        },
        { size: 1 },
      );
      expect(await pool.size('f')).toBe(3);
      // What a Client says when the control connection closes under a command.
      expect(await rejectionOf(pool.size('kill'))).toBeInstanceOf(ConnectionError);
      expect(pool.stats.open).toBe(0);
      expect(await pool.size('f')).toBe(3);
      expect(scenes.server.connections()).toBe(2);
    });

    test('a session that dies while idle is replaced on next use', async () => {
      const greeting = capturingGreeting();
      const pool = await scenes.setup({ files: { f: 'abc' }, greeting: greeting.greeting }, { size: 1 });
      const client = await pool.use(async (c) => c);
      greeting.control.socket.destroy();
      await vi.waitFor(() => expect(client.closed).toBe(true));
      expect(await pool.size('f')).toBe(3);
      expect(scenes.server.connections()).toBe(2);
    });

    test('a failed login rejects that call with FtpReplyError and frees the slot for the next', async () => {
      let refuse = 1;
      const pool = await scenes.setup({ files: { f: 'abc' }, handlers: { PASS: () => (refuse-- > 0 ? '530 Login incorrect' : '230 Logged in') } }, { size: 1 });
      const err = await rejectionOf(pool.size('f'));
      expect(err).toBeInstanceOf(FtpReplyError);
      expect((err as FtpReplyError).reply.code).toBe(530);
      expect(pool.stats.open).toBe(0);
      expect(await pool.size('f')).toBe(3);
    });

    test('use(): a cd inside is undone before the session serves anyone else', async () => {
      const cwd = new WeakMap<ScriptContext, string>();
      const pool = await scenes.setup(
        {
          files: { f: 'abc' },
          handlers: {
            PWD: (_, ctx) => `257 "${cwd.get(ctx) ?? '/home/u'}" is the current directory`,
            CWD: (arg, ctx) => {
              cwd.set(ctx, arg);
              return '250 OK';
            },
          },
        },
        { size: 1 },
      );
      const where = await pool.use(async (client) => {
        await client.cd('/elsewhere');
        return client.pwd();
      });
      expect(where).toBe('/elsewhere');
      expect(scenes.server.received.slice(-2)).toEqual(['PWD', 'CWD /home/u']);
      expect(await pool.use((client) => client.pwd())).toBe('/home/u');
    });

    test('close(): waiting calls fail with ConnectionError, later calls too, running ones finish', async () => {
      const { pool, running, go } = await oneBusySession();
      const waiting = pool.size('a');
      const closing = pool.close();
      expect(await rejectionOf(waiting)).toBeInstanceOf(ConnectionError);
      go();
      expect((await running).length).toBe(1);
      await closing;
      expect(pool.closed).toBe(true);
      expect(await rejectionOf(pool.size('a'))).toBeInstanceOf(ConnectionError);
      expect(scenes.server.received.at(-1)).toBe('QUIT');
    });

    test('size must be a positive integer', () => {
      expect(() => new Pool({ host: '127.0.0.1', size: 0 })).toThrow(InvalidArgumentError);
      expect(() => new Pool('ftp://127.0.0.1', { size: 1.5 })).toThrow(InvalidArgumentError);
    });
  });

  describe('many-item calls', () => {
    test('uploadMany: every file arrives, progress adds up to the known total', async () => {
      const bodies = Array.from({ length: 5 }, (_, i) => randomBytes(100 * KiB + i));
      const pool = await scenes.setup({}, { size: 3 });
      const seen: Progress[] = [];
      const results = await pool.uploadMany(
        bodies.map((body, i) => ({ from: body, to: `u${i}` })),
        { onProgress: (p) => seen.push(p) },
      );
      const total = bodies.reduce((sum, b) => sum + b.length, 0);
      expect(results.map((r) => r.bytes)).toEqual(bodies.map((b) => b.length));
      bodies.forEach((body, i) => expect(sha256(scenes.server.files.get(`u${i}`)!)).toBe(sha256(body)));
      expect(seen.at(-1)).toMatchObject({ bytes: total, total });
      expect(seen.every((p, i) => i === 0 || p.bytes >= seen[i - 1]!.bytes)).toBe(true);
    });

    test('downloadMany is fail-fast: the first error (550) is the rejection, the rest are stopped, no partial files', async () => {
      const go = deferred();
      const dir = await mkdtemp(join(tmpdir(), 'ftpkit-pool-'));
      let started = 0;
      const bothStarted = deferred();
      const pool = await scenes.setup({
        files: { a: randomBytes(MiB), b: randomBytes(MiB) },
        handlers: {
          RETR: async (arg, ctx) => {
            const file = ctx.files.get(arg);
            if (!file) {
              await bothStarted.promise;
              return '550 No such file';
            }
            const data = await ctx.acceptData();
            ctx.reply('150 go');
            if (++started === 1) bothStarted.resolve();
            await go.promise;
            return (await send(data, file)) ? '226 done' : '426 aborted';
          },
        },
      });
      const many = pool.downloadMany(['a', 'missing', 'b'].map((name) => ({ from: name, to: join(dir, name) })));
      const err = await rejectionOf(many);
      go.resolve();
      expect(err).toBeInstanceOf(FtpReplyError);
      expect((err as FtpReplyError).reply.code).toBe(550);
      expect(await readdir(dir)).toEqual([]);
      expect(await pool.size('a')).toBe(MiB);
      await rm(dir, { recursive: true });
    });
  });

});

// --- real servers ------------------------------------------------------------------------------

const KINDS = ['vsftpd', 'proftpd'] as const;
const MODES = [
  { name: 'plain', secure: false },
  { name: 'tls', secure: 'explicit' },
] as const;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-pool-real-'));
  await chmod(scratch, 0o755);
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Every file under `dir` (symlinks as `-> target`), path → sha256. */
async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = `${prefix}${entry.name}`;
      if (entry.isDirectory()) {
        out[`${path}/`] = 'dir';
        await walk(join(at, entry.name), `${path}/`);
      } else if (entry.isFile()) out[path] = sha256(await readFile(join(at, entry.name)));
    }
  };
  await walk(dir, '');
  return out;
}

for (const kind of KINDS) {
  describe.concurrent(kind, () => {
    let server: RunningServer;
    let root: string;
    const files = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.bin`, bytes: randomBytes(MiB + i * 77_777) }));

    beforeAll(async () => {
      root = await mkdtemp(join(scratch, `${kind}-`));
      await mkdir(join(root, 'fixture'), { mode: 0o755 });
      await makeFixtureTree(join(root, 'fixture'));
      await mkdir(join(root, 'many'), { mode: 0o755 });
      for (const f of files) await writeFile(join(root, 'many', f.name), f.bytes, { mode: 0o644 });
      server = await startServer(kind, { root });
    });
    afterAll(async () => {
      await server?.stop();
    });

    for (const mode of MODES) {
      const options = (): PoolOptions => realPoolOptions(server, mode.secure, { size: 4 });

      test(`${mode.name}: downloadMany runs 4 sessions at once; checksums and progress totals`, async () => {
        await using pool = new Pool(options());
        const local = await mkdtemp(join(scratch, `${kind}-${mode.name}-dl-`));
        // Each of the first four transfers holds its first chunk until all four have one: this only
        // finishes if four sessions really transfer at the same time.
        const allFour = deferred();
        let firstChunks = 0;
        const barrier = (name: string) => {
          let first = true;
          const hash = createHash('sha256');
          const sink = async (chunk: Uint8Array) => {
            hash.update(chunk);
            if (!first) return;
            first = false;
            if (++firstChunks === 4) allFour.resolve();
            await allFour.promise;
          };
          return { name, sink, hash };
        };
        const sinks = files.slice(0, 4).map((f) => barrier(f.name));
        await pool.downloadMany(sinks.map((s) => ({ from: `/many/${s.name}`, to: s.sink })));
        sinks.forEach((s, i) => expect(s.hash.digest('hex')).toBe(sha256(files[i]!.bytes)));
        expect(pool.stats.open).toBe(4);

        const seen: Progress[] = [];
        const results = await pool.downloadMany(
          files.map((f) => ({ from: `/many/${f.name}`, to: join(local, f.name) })),
          { onProgress: (p) => seen.push(p) },
        );
        const total = files.reduce((sum, f) => sum + f.bytes.length, 0);
        expect(results.reduce((sum, r) => sum + r.bytes, 0)).toBe(total);
        expect(seen.at(-1)!.bytes).toBe(total);
        for (const f of files) expect(sha256(await readFile(join(local, f.name)))).toBe(sha256(f.bytes));
        expect(pool.stats.open).toBe(4);
      });

      test(`${mode.name}: uploadMany of files; the server's copies are identical`, async () => {
        await using pool = new Pool(options());
        const local = await mkdtemp(join(scratch, `${kind}-${mode.name}-ul-`));
        for (const f of files) await writeFile(join(local, f.name), f.bytes);
        const remote = `/up-${mode.name}`;
        await pool.mkdir(remote);
        const seen: Progress[] = [];
        await pool.uploadMany(
          files.map((f) => ({ from: join(local, f.name), to: `${remote}/${f.name}` })),
          { onProgress: (p) => seen.push(p) },
        );
        const total = files.reduce((sum, f) => sum + f.bytes.length, 0);
        expect(seen.at(-1)).toMatchObject({ bytes: total, total });
        for (const f of files) expect(sha256(await readFile(join(root, remote, f.name)))).toBe(sha256(f.bytes));
      });

      test(`${mode.name}: downloadDir and uploadDir in parallel give identical trees; symlinks reported`, async () => {
        await using pool = new Pool(options());
        const local = join(await mkdtemp(join(scratch, `${kind}-${mode.name}-tree-`)), 'copy');
        const down = await pool.downloadDir('/fixture', local);
        const expected = await treeOf(join(root, 'fixture'));
        expect(await treeOf(local)).toEqual(expected);
        expect(down.skipped.map((s) => s.path)).toEqual(['/fixture/link-to-hello', '/fixture/link-to-sub']);
        expect(down.files).toBe(Object.keys(expected).filter((p) => !p.endsWith('/')).length);

        const remote = `/tree-${mode.name}`;
        const seen: Progress[] = [];
        const up = await pool.uploadDir(local, remote, { onProgress: (p) => seen.push(p) });
        expect(await treeOf(join(root, remote))).toEqual(expected);
        expect(up.files).toBe(down.files);
        expect(up.bytes).toBe(down.bytes);
        expect(seen.at(-1)).toMatchObject({ bytes: up.bytes, total: up.bytes });
      });

      test(`${mode.name}: aborting one download leaves another running; the pool stays usable`, async () => {
        await using pool = new Pool(options());
        const stop = new AbortController();
        const aborted = pool.download(`/many/${files[0]!.name}`, () => stop.abort(), { signal: stop.signal });
        const other = pool.downloadToBytes(`/many/${files[1]!.name}`);
        expect(isAbortError(await rejectionOf(aborted))).toBe(true);
        expect(sha256(await other)).toBe(sha256(files[1]!.bytes));
        expect((await pool.list('/many')).length).toBe(files.length);
        expect(await pool.size(`/many/${files[2]!.name}`)).toBe(files[2]!.bytes.length);
      });
    }
  });
}
