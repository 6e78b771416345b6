/**
 * `listTimeZone: 'auto'` against the scripted server: a server that lists in its local time and
 * answers MDTM in UTC. The first LIST-based listing of a session finds the offset and comes out
 * read in it (list, listEntries, a first listing too big to hold, which is cut and listed again),
 * later listings ask nothing more, and what was found is exposed per session (Client, Pool). When it
 * cannot tell (no MDTM, MDTM refused or unreadable, a difference that is no zone, a listing with
 * no file timed to the minute, MLSD) it says so, never fails the listing, and reads UTC. And
 * mirror over LIST then sees unchanged files as unchanged.
 */
import type { Socket } from 'node:net';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { pump, scriptedScenes, sendAndClose, type CommandHandler, type ScriptedServerOptions } from '@ftpkit/testkit';
import { Client, Pool, type ClientOptions, type ListingEntry, type LogEntry } from '../src/index.js';
import { dayLine, dirLine, listOf, mdtmOf, mdtmReply, minutes, recentLine, toMinute, twoDaysAgo } from './list-zone-helpers.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', listTimeZone: 'auto', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

async function collect(iterable: AsyncIterable<ListingEntry>): Promise<ListingEntry[]> {
  const out: ListingEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

/** Files whose true (UTC) times are `true`, listed by a server `offset` minutes east of UTC, MDTM in UTC. */
function server(offset: number, files: Record<string, Date>, extra: Partial<ScriptedServerOptions> = {}): ScriptedServerOptions {
  const text = Object.entries(files)
    .map(([name, time]) => recentLine(name, new Date(time.getTime() + minutes(offset))))
    .join('');
  const mdtm = Object.fromEntries(Object.entries(files).map(([name, time]) => [name, mdtmReply(time)]));
  return { ...extra, handlers: { LIST: listOf(text), MDTM: mdtmOf(mdtm), ...extra.handlers } };
}

const mdtms = () => scenes.server.received.filter((line) => line.startsWith('MDTM'));
const lists = () => scenes.server.received.filter((line) => line.startsWith('LIST'));

describe('finding the offset', () => {
  const a = twoDaysAgo();
  const b = new Date(a.getTime() - 3 * 3_600_000);

  test('list(): the first listing is read in the zone it finds, later ones ask nothing more; the log says what was found', async () => {
    const log: LogEntry[] = [];
    const client = await scenes.setup(server(120, { 'a.txt': a, 'b.txt': b }), { log: (entry) => log.push(entry) });
    expect(client.listTimeZone).toMatchObject({ zone: 'UTC', offset: 0, auto: 'pending' });
    const first = await client.list('/');
    expect(first.map((e) => [e.name, e.modifiedAt?.getTime()])).toEqual([
      ['a.txt', toMinute(a).getTime()],
      ['b.txt', toMinute(b).getTime()],
    ]);
    expect(client.listTimeZone).toMatchObject({ zone: '+02:00', offset: 120, auto: 'detected' });
    expect(client.listTimeZone.reason).toBeUndefined();
    expect(mdtms()).toEqual(['MDTM /a.txt']);
    expect(await client.list('/')).toEqual(first);
    expect(mdtms()).toHaveLength(1);
    expect(log).toContainEqual({ direction: '*', text: "listTimeZone 'auto': the server lists its times at +02:00 (MDTM of /a.txt)" });
  });

  test('listEntries(): no entry is handed out before the zone is known', async () => {
    const client = await scenes.setup(server(-345, { 'a.txt': a, 'b.txt': b }));
    const entries = await collect(client.listEntries());
    expect(entries.map((e) => e.modifiedAt?.getTime())).toEqual([toMinute(a).getTime(), toMinute(b).getTime()]);
    expect(client.listTimeZone).toMatchObject({ zone: '-05:45', offset: -345, auto: 'detected' });
    expect(mdtms()).toEqual(['MDTM a.txt']);
  });

  test('listEntries() of a first listing too big to hold: cut, the zone found, listed again, every entry once and right', async () => {
    const COUNT = 6000;
    const names = Array.from({ length: COUNT }, (_, i) => `file-${String(i).padStart(5, '0')}.txt`);
    const text = new TextEncoder().encode(names.map((name) => recentLine(name, new Date(a.getTime() + minutes(60)))).join(''));
    let calls = 0;
    const list: CommandHandler = async (_, ctx) => {
      const data: Socket = await ctx.acceptData();
      ctx.reply('150 Here comes the listing');
      if (++calls > 1) {
        await sendAndClose(data, text);
        return '226 Directory send OK';
      }
      await pump(data, text, 1); // the client leaves half way: ABOR answers
    };
    const client = await scenes.setup({
      handlers: { LIST: list, MDTM: () => mdtmReply(a), ABOR: (_, ctx) => ctx.write('426 Transfer aborted\r\n226 Abort successful\r\n') },
    });
    const entries = await collect(client.listEntries('/big'));
    expect(entries.map((e) => e.name)).toEqual(names);
    expect(entries.every((e) => e.modifiedAt?.getTime() === toMinute(a).getTime())).toBe(true);
    expect(lists()).toEqual(['LIST -a /big', 'LIST -a /big']);
    expect(scenes.server.received).toContain('ABOR');
    expect(client.listTimeZone).toMatchObject({ offset: 60, auto: 'detected' });
  });

  test('a Pool: each session finds it on its own first listing, and listTimeZones shows each', async () => {
    await scenes.start(server(600, { 'a.txt': a }));
    await using pool = new Pool({ host: scenes.server.host, port: scenes.server.port, user: 'u', password: 'p', listTimeZone: 'auto', size: 2 });
    expect(pool.listTimeZones).toEqual([]);
    const [entry] = await pool.list('/');
    expect(entry?.modifiedAt?.getTime()).toBe(toMinute(a).getTime());
    expect(pool.listTimeZones).toEqual([expect.objectContaining({ zone: '+10:00', offset: 600, auto: 'detected' })]);
    // A second session at once: it has not listed yet, so it is still pending until it does.
    await Promise.all([pool.use((c) => c.pwd()), pool.use((c) => c.pwd())]);
    expect(pool.listTimeZones.map((s) => s.auto)).toEqual(['detected', 'pending']);
  });
});

describe('when it cannot tell: said, never a failed listing, times read as UTC', () => {
  const a = twoDaysAgo();
  const asUtc = new Date(toMinute(a).getTime() + minutes(120));

  test('no MDTM in FEAT: failed at once, nothing asked, the log says why', async () => {
    const log: LogEntry[] = [];
    const client = await scenes.setup(server(120, { 'a.txt': a }, { features: ['EPSV', 'PASV', 'SIZE', 'UTF8'] }), { log: (e) => log.push(e) });
    expect((await client.list('/'))[0]?.modifiedAt).toEqual(asUtc);
    expect(client.listTimeZone).toMatchObject({ zone: 'UTC', offset: 0, auto: 'failed', reason: expect.stringMatching(/does not offer MDTM/) });
    expect(mdtms()).toEqual([]);
    expect(log.some((e) => e.direction === '*' && /does not offer MDTM/.test(e.text))).toBe(true);
  });

  test('MDTM refused, then unreadable, then refused: three tries over three listings, then it gives up', async () => {
    const replies = ['550 Permission denied', '213 yesterday', '500 MDTM not understood'];
    let asked = 0;
    const client = await scenes.setup(server(120, { 'a.txt': a }, { handlers: { MDTM: () => replies[asked++] ?? '213 20200101000000' } }));
    for (let i = 0; i < 3; i++) {
      expect((await client.list('/'))[0]?.modifiedAt).toEqual(asUtc);
      expect(client.listTimeZone.auto).toBe(i < 2 ? 'pending' : 'failed');
      expect(client.listTimeZone.reason).toMatch(/MDTM \/a\.txt failed/);
    }
    await client.list('/');
    expect(mdtms()).toHaveLength(3);
  });

  test('a difference that is no time zone (20 hours) counts as a try, and is said', async () => {
    const client = await scenes.setup(server(120, { 'a.txt': a }, { handlers: { MDTM: () => mdtmReply(new Date(a.getTime() - 18 * 3_600_000)) } }));
    expect((await client.list('/'))[0]?.modifiedAt).toEqual(asUtc);
    expect(client.listTimeZone).toMatchObject({ auto: 'pending', reason: expect.stringMatching(/differ by 20 hours/) });
  });

  test('a listing with no file timed to the minute asks nothing; the next listing that has one finds it', async () => {
    const text = (arg: string) => (arg.endsWith('/old') ? dirLine('sub') + dayLine('old.txt', 2020, 1, 2) : recentLine('a.txt', new Date(a.getTime() + minutes(90))));
    const client = await scenes.setup({ handlers: { LIST: listOf(text), MDTM: () => mdtmReply(a) } });
    const old = await client.list('/old');
    expect(old.find((e) => e.name === 'old.txt')?.modifiedAt?.toISOString()).toBe('2020-01-02T00:00:00.000Z');
    expect(client.listTimeZone).toMatchObject({ auto: 'pending', reason: expect.stringMatching(/no plain file with a time of day/) });
    expect(mdtms()).toEqual([]);
    expect((await client.list('/new'))[0]?.modifiedAt).toEqual(toMinute(a));
    expect(client.listTimeZone).toMatchObject({ offset: 90, auto: 'detected' });
  });

  test('a server with MLSD: times are UTC already, nothing is asked, and it stays pending', async () => {
    const client = await scenes.setup({
      features: ['MLST type*;size*;modify*;', 'MDTM'],
      handlers: { MLSD: listOf('type=file;size=6;modify=20240614093000; a.txt\r\n'), MDTM: () => '213 20240614073000' },
    });
    expect((await client.list('/'))[0]?.modifiedAt?.toISOString()).toBe('2024-06-14T09:30:00.000Z');
    expect(mdtms()).toEqual([]);
    expect(client.listTimeZone.auto).toBe('pending');
  });
});

describe('mirror over LIST', () => {
  test('files that did not change are unchanged with auto; read as UTC, every one looks newer', async () => {
    const a = twoDaysAgo();
    const b = new Date(a.getTime() - 86_400_000);
    const local = await mkdtemp(join(tmpdir(), 'ftpkit-zone-'));
    try {
      for (const [name, time] of [
        ['a.txt', a],
        ['b.txt', b],
      ] as const) {
        await writeFile(join(local, name), 'xxxxxx');
        await utimes(join(local, name), time, time);
      }
      const options = server(120, { 'a.txt': a, 'b.txt': b }, { files: { '/site/a.txt': 'xxxxxx', '/site/b.txt': 'xxxxxx' } });
      const client = await scenes.setup(options);
      const auto = await client.mirror({ direction: 'download', remote: '/site', local, dryRun: true });
      expect(auto.plan.actions).toEqual([]);
      expect(auto.plan.unchanged).toEqual(['a.txt', 'b.txt']);
      await client.close();
      const utc = scenes.keep(await Client.connect({ host: scenes.server.host, port: scenes.server.port, user: 'u', password: 'p' }));
      const wrong = await utc.mirror({ direction: 'download', remote: '/site', local, dryRun: true });
      expect(wrong.plan.actions.map((x) => x.kind === 'copy' && x.reason)).toEqual(['newer', 'newer']);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  test("a date without a time of day is the whole day, in the server's zone", async () => {
    const local = await mkdtemp(join(tmpdir(), 'ftpkit-zone-'));
    try {
      // 2 January 2020 at the server (UTC+05:30) is 1 January 18:30 to 2 January 18:30 UTC.
      const same = new Date('2020-01-02T18:00:00Z');
      const dayBefore = new Date('2020-01-01T18:00:00Z');
      await writeFile(join(local, 'same.txt'), 'xxxxxx');
      await utimes(join(local, 'same.txt'), same, same);
      await writeFile(join(local, 'older.txt'), 'xxxxxx');
      await utimes(join(local, 'older.txt'), dayBefore, dayBefore);
      const client = await scenes.setup(
        { handlers: { LIST: listOf(dayLine('older.txt', 2020, 1, 2) + dayLine('same.txt', 2020, 1, 2)) } },
        { listTimeZone: '+05:30' },
      );
      const plan = (await client.mirror({ direction: 'download', remote: '/site', local, dryRun: true })).plan;
      expect(plan.actions).toEqual([expect.objectContaining({ kind: 'copy', path: 'older.txt', reason: 'newer' })]);
      expect(plan.unchanged).toEqual(['same.txt']);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });
});
