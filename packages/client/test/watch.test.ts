/**
 * watch() against real servers (pyftpdlib with MLSD, vsftpd with `ls -l`), files written straight
 * into the server's folder: a file that grows over several polls is reported once, complete;
 * changes, new times and removals; recursive trees; Client and Pool; calls in the loop body; abort
 * and break, with nothing left behind. Then the scripted server: a poll that fails ends the loop
 * with that poll's typed error, unless the retry policy lists it again on a new connection.
 */
import { appendFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { leakCheck, scriptedScenes, startServer, treeHandlers, type RunningServer, type ScriptContext, type TreeEntrySpec } from '@ftpkit/testkit';
import { Client, ConnectionError, FtpReplyError, Pool, UnreadableListingError, type ClientOptions, type RemoteCalls, type WatchEvent } from '../src/index.js';

/** `added a.txt 5`, `changed a.txt 5 was 7`, `removed d/`: an event in a line. */
const brief = (e: WatchEvent): string =>
  `${e.kind} ${e.path}${e.entry.type === 'file' ? ` ${e.entry.size}` : '/'}${e.kind === 'changed' ? ` was ${e.previous.size}` : ''}`;

/** A watch running in the background, its events collected. */
interface Watching {
  readonly events: WatchEvent[];
  /** Wait (up to 10 s) until an event `line` (see {@link brief}) has come; fails at once if the watch ended. */
  until(line: string): Promise<void>;
  /** The events, briefly, that concern `path` or what is below it. */
  about(path: string): string[];
  /** Leave the loop, as `break` does. */
  stop(): Promise<void>;
  /** How the loop ended. */
  readonly ended: Promise<unknown>;
}

function watching(source: AsyncIterableIterator<WatchEvent>): Watching {
  const events: WatchEvent[] = [];
  let failure: { readonly error: unknown } | undefined;
  const ended = (async () => {
    for await (const event of source) events.push(event);
  })().then(
    () => 'done',
    (error: unknown) => {
      failure = { error };
      return error;
    },
  );
  return {
    events,
    ended,
    until: async (line) => {
      const deadline = performance.now() + 10_000;
      while (!events.some((e) => brief(e) === line)) {
        if (failure) throw new Error(`the watch ended with ${String(failure.error)} before ${line}`);
        if (performance.now() > deadline) throw new Error(`no ${line} within 10 s; events: ${events.map(brief).join(', ')}`);
        await sleep(20);
      }
    },
    about: (path) => events.filter((e) => e.path === path || e.path.startsWith(`${path}/`)).map(brief),
    stop: async () => {
      await source.return?.();
      await ended;
    },
  };
}

/** 100 bytes. */
const CHUNK = new Uint8Array(100).fill(120);

/**
 * Append 100 bytes to `file` every 50 ms, 12 times: an upload that several polls see growing. It
 * would have to stall for `stableFor` (400 ms below) to be reported early.
 */
async function upload(file: string): Promise<void> {
  for (let i = 0; i < 12; i++) {
    await appendFile(file, CHUNK);
    await sleep(50);
  }
}

describe.each(['pyftpdlib', 'vsftpd'] as const)('%s', (kind) => {
  let server: RunningServer;
  let client: Client;
  beforeAll(async () => {
    server = await startServer(kind, { anonymous: false });
    client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  test('a file still being written is reported once, complete; then a change, a new time and a removal', async () => {
    const dir = join(server.root, 'flat');
    await mkdir(dir);
    await writeFile(join(dir, 'ready'), 'r');
    const watch = watching(client.watch('/flat', { interval: 100, stableFor: 400, initial: 'emit' }));
    await watch.until('added ready 1'); // the baseline is behind us
    await upload(join(dir, 'up.bin'));
    await watch.until('added up.bin 1200');
    await sleep(500); // several more polls: nothing more to say
    expect(watch.about('up.bin')).toEqual(['added up.bin 1200']);
    await writeFile(join(dir, 'up.bin'), 'short');
    await watch.until('changed up.bin 5 was 1200');
    await utimes(join(dir, 'up.bin'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
    await watch.until('changed up.bin 5 was 5');
    const changed = watch.events.at(-1);
    expect(changed?.kind === 'changed' && changed.entry.modifiedAt!.getTime() < changed.previous.modifiedAt!.getTime()).toBe(true);
    await rm(join(dir, 'up.bin'));
    await watch.until('removed up.bin 5');
    expect(watch.about('up.bin')).toEqual(['added up.bin 1200', 'changed up.bin 5 was 1200', 'changed up.bin 5 was 5', 'removed up.bin 5']);
    expect(watch.events.find((e) => e.path === 'up.bin')?.remote).toBe('/flat/up.bin');
    await watch.stop();
  });

  test('recursive: new folders at once and before their files, files once stable; a removed folder after its contents', async () => {
    const dir = join(server.root, 'tree');
    await mkdir(dir);
    await writeFile(join(dir, 'ready'), 'r');
    const watch = watching(client.watch('/tree', { interval: 100, stableFor: 200, recursive: true, initial: 'emit' }));
    await watch.until('added ready 1');
    await mkdir(join(dir, 'sub/deeper'), { recursive: true });
    await writeFile(join(dir, 'sub/deeper/x.txt'), 'xx');
    await writeFile(join(dir, 'sub/y.txt'), 'yyy');
    await watch.until('added sub/deeper/x.txt 2');
    await watch.until('added sub/y.txt 3');
    const added = watch.about('sub');
    expect(added.indexOf('added sub/')).toBe(0);
    expect(added.indexOf('added sub/deeper/')).toBeLessThan(added.indexOf('added sub/deeper/x.txt 2'));
    await rm(join(dir, 'sub'), { recursive: true });
    await watch.until('removed sub/');
    const removed = watch.about('sub').slice(added.length);
    expect([...removed].sort()).toEqual(['removed sub/', 'removed sub/deeper/', 'removed sub/deeper/x.txt 2', 'removed sub/y.txt 3']);
    expect(removed.at(-1)).toBe('removed sub/');
    expect(removed.indexOf('removed sub/deeper/x.txt 2')).toBeLessThan(removed.indexOf('removed sub/deeper/'));
    await watch.stop();
  });
});

describe('pyftpdlib: Client and Pool', () => {
  let server: RunningServer;
  let client: Client;
  const login = (): ClientOptions => ({ host: server.host, port: server.port, user: server.user, password: server.password });
  beforeAll(async () => {
    server = await startServer('pyftpdlib', { anonymous: false });
    client = await Client.connect(login());
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  test('on a Client, calls in the loop body run between polls; break leaves no timer, socket or listing behind', async () => {
    await mkdir(join(server.root, 'inbox'));
    await writeFile(join(server.root, 'inbox/a.txt'), 'alpha');
    const leaks = leakCheck();
    const fetched: string[] = [];
    for await (const event of client.watch('/inbox', { interval: 100, stableFor: 0, initial: 'emit' })) {
      fetched.push(new TextDecoder().decode(await client.downloadToBytes(event.remote)));
      break;
    }
    expect(fetched).toEqual(['alpha']);
    await leaks.assertNone();
    expect((await client.list('/inbox')).map((e) => e.name)).toEqual(['a.txt']);
  });

  test('on a Pool, each poll leases a session: the same events, and the sessions idle after break', async () => {
    await mkdir(join(server.root, 'pooled/a'), { recursive: true });
    await using pool = new Pool({ ...login(), size: 2 });
    const leaks = leakCheck();
    const watch = watching(pool.watch('/pooled', { interval: 100, stableFor: 300, recursive: true }));
    await sleep(300); // the baseline
    await upload(join(server.root, 'pooled/a/grown.bin'));
    await watch.until('added a/grown.bin 1200');
    await sleep(400);
    expect(watch.events.map(brief)).toEqual(['added a/grown.bin 1200']);
    await watch.stop();
    expect(pool.stats).toMatchObject({ waiting: 0 });
    expect(pool.stats.idle).toBe(pool.stats.open);
    await pool.close();
    await leaks.assertNone();
  });

  test('aborting the signal ends the loop with its reason; the Client goes on', async () => {
    await mkdir(join(server.root, 'aborted'));
    const abort = new AbortController();
    const watch = watching(client.watch('/aborted', { interval: 100, signal: abort.signal }));
    await sleep(250);
    const reason = new Error('enough watching');
    abort.abort(reason);
    expect(await watch.ended).toBe(reason);
    expect(await client.list('/aborted')).toEqual([]);
  });

  test('a folder that goes away ends the loop with the poll\'s FtpReplyError', async () => {
    await mkdir(join(server.root, 'going'));
    const watch = watching(client.watch('/going', { interval: 100 }));
    await sleep(250);
    await rm(join(server.root, 'going'), { recursive: true });
    expect(await watch.ended).toBeInstanceOf(FtpReplyError);
  });
});

describe('scripted server: a poll that fails', () => {
  const scenes = scriptedScenes({ beforeEach, afterEach }, {
    connect: (server) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' }),
    usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
  });

  /**
   * `/in` lists `a`, then `a` and `b`, then the third listing is `third`: the control connection
   * cut, or a line no format reads.
   */
  function polls(third: 'cut' | 'unreadable') {
    let lists = 0;
    const listing = (): TreeEntrySpec[] => (lists < 2 ? [{ name: 'a', type: 'file' }] : [{ name: 'a', type: 'file' }, { name: 'b', type: 'file' }]);
    const handlers = treeHandlers({
      list: (path) => (path === '/in' ? listing() : path === '/' ? [{ name: 'in', type: 'dir' }] : undefined),
      listText: (_, entries) => (lists === 3 && third === 'unreadable' ? 'this is no listing\r\n' : entries.map((e) => `-rw-r--r-- 1 ftp ftp 1 Jan 02 2020 ${e.name}\r\n`).join('')),
    });
    return {
      handlers: {
        ...handlers,
        LIST: (arg: string, ctx: ScriptContext) => {
          lists++;
          if (lists === 3 && third === 'cut') {
            ctx.socket.destroy();
            return;
          }
          return handlers.LIST!(arg, ctx);
        },
      },
    };
  }

  test.each(['Client', 'Pool'] as const)('%s: the connection cut during a poll ends the loop with ConnectionError, after the events before it', async (runner) => {
    const client = await scenes.setup(polls('cut'));
    const remote: RemoteCalls & { close(): Promise<void> } =
      runner === 'Client' ? client : new Pool({ host: scenes.server.host, port: scenes.server.port, user: 'u', password: 'p', size: 1 });
    try {
      const watch = watching(remote.watch('/in', { interval: 50, stableFor: 0 }));
      expect(await watch.ended).toBeInstanceOf(ConnectionError);
      expect(watch.events.map(brief)).toEqual(['added b 1']);
    } finally {
      if (remote !== client) await remote.close();
    }
  });

  test.each(['Client', 'Pool'] as const)('%s with retry: the cut poll is listed again on a new connection, and the watch goes on', async (runner) => {
    await scenes.setup(polls('cut'));
    const logins = () => scenes.server.received.filter((line) => line.startsWith('USER')).length;
    const before = logins(); // the scene's own client
    const options = { host: scenes.server.host, port: scenes.server.port, user: 'u', password: 'p', retry: { retries: 2, delay: 10, maxDelay: 10 } };
    const remote: RemoteCalls & { close(): Promise<void> } = runner === 'Client' ? await Client.connect(options) : new Pool({ ...options, size: 1 });
    try {
      const watch = watching(remote.watch('/in', { interval: 50, stableFor: 0 }));
      await watch.until('added b 1');
      // Two polls after the cut one: the watch outlived it, and reported nothing twice.
      const deadline = performance.now() + 10_000;
      while (scenes.server.received.filter((line) => line.startsWith('LIST')).length < 5 && performance.now() < deadline) await sleep(20);
      await watch.stop();
      expect(await watch.ended).toBe('done');
      expect(watch.events.map(brief)).toEqual(['added b 1']);
      expect(logins() - before).toBe(2); // the first connection, and the one after the cut
    } finally {
      await remote.close();
    }
  });

  test('recursive: a folder refused after its parent listed it (deleted as the tree is walked) does not end the watch', async () => {
    // `/t/sub` holds x; on the second walk the server refuses to list it; on the third it is gone.
    let walks = 0;
    const list = (path: string): TreeEntrySpec[] | undefined => {
      if (path === '/t') {
        walks++;
        return walks < 3 ? [{ name: 'sub', type: 'dir' }] : [];
      }
      return path === '/t/sub' && walks < 2 ? [{ name: 'x', type: 'file' }] : undefined;
    };
    const client = await scenes.setup({ handlers: treeHandlers({ list }) });
    const watch = watching(client.watch('/t', { interval: 50, stableFor: 0, recursive: true }));
    await watch.until('removed sub/');
    await watch.stop();
    expect(watch.events.map(brief)).toEqual(['removed sub/x 1', 'removed sub/']);
    expect(walks).toBeGreaterThanOrEqual(3);
    expect(scenes.server.received).toContain('LIST /t/sub'); // the refusal was seen: LIST -a, then plain LIST
  });

  test('a listing with lines no format reads ends the loop with UnreadableListingError', async () => {
    const client = await scenes.setup(polls('unreadable'));
    const watch = watching(client.watch('/in', { interval: 50, stableFor: 0 }));
    const error = await watch.ended;
    expect(error).toBeInstanceOf(UnreadableListingError);
    expect(watch.events.map(brief)).toEqual(['added b 1']);
  });
});
