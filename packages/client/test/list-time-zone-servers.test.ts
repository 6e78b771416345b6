/**
 * `listTimeZone` against real servers that list in their local time and offer no MLSD
 * (packages/testkit): ProFTPD with `TimesGMT off`, MLST not advertised and `TZ` set, whose MDTM
 * stays UTC. `'auto'` must find the real offset, after which every `list()` time (and
 * `listEntries()`) matches MDTM, to the precision the line shows; an IANA zone must read a server
 * with summer time right on both sides of the switch, where 'auto''s one offset cannot; and mirror
 * must see files that did not change as unchanged. vsftpd with `use_localtime=YES` shows the limit
 * the docs state: its MDTM is local time too, so 'auto' finds 0, and only naming the zone helps.
 */
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, type ClientOptions, type ListingEntry } from '../src/index.js';

const MINUTE = 60_000;
const toMinute = (time: Date) => Math.floor(time.getTime() / MINUTE) * MINUTE;

/** Files with known times in `dir`: two recent ones (time of day listed) and two old ones (the day alone). */
async function makeFiles(dir: string): Promise<Record<string, Date>> {
  const now = Date.now();
  const times: Record<string, Date> = {
    'recent.txt': new Date(now - 3_600_000 - 7_000),
    'days-ago.txt': new Date(now - 3 * 86_400_000 - 41_000),
    'summer-2020.txt': new Date('2020-07-02T10:00:00Z'),
    'winter-2020.txt': new Date('2020-01-02T10:00:00Z'),
  };
  await mkdir(dir, { recursive: true });
  for (const [name, time] of Object.entries(times)) {
    await writeFile(join(dir, name), name);
    await utimes(join(dir, name), time, time);
  }
  return times;
}

/** The local midnight, as UTC, of the day `time` falls on at `offsetMinutes` east of UTC. */
function localMidnight(time: Date, offsetMinutes: number): number {
  const wall = time.getTime() + offsetMinutes * MINUTE;
  return Math.floor(wall / 86_400_000) * 86_400_000 - offsetMinutes * MINUTE;
}

/** `entry`'s time against MDTM's: equal to the minute where the line shows a time of day. */
async function expectMatchesMdtm(client: Client, dir: string, entry: ListingEntry): Promise<void> {
  const mdtm = await client.lastModified(`${dir}/${entry.name}`);
  expect(entry.precision, entry.name).not.toBe('day');
  expect(entry.modifiedAt?.getTime(), entry.name).toBe(toMinute(mdtm));
}

describe.concurrent('ProFTPD listing at UTC+05:30, LIST only', () => {
  let server: RunningServer;
  let times: Record<string, Date>;
  const options = (extra: Partial<ClientOptions> = {}): ClientOptions => ({ host: server.host, port: server.port, user: server.user, password: server.password, ...extra });

  beforeAll(async () => {
    // POSIX TZ counts west of UTC: XST-5:30 is UTC+05:30.
    server = await startServer('proftpd', { tls: false, listTimeZone: 'XST-5:30', mlst: false });
    times = await makeFiles(join(server.root, 'pub'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("'auto' finds +05:30 from MDTM, and every list() time then matches MDTM", async () => {
    await using client = await Client.connect(options({ listTimeZone: 'auto' }));
    expect(client.features.has('MLST')).toBe(false);
    const entries = await client.list('/pub');
    expect(client.listTimeZone).toMatchObject({ zone: '+05:30', offset: 330, auto: 'detected' });
    const timed = entries.filter((e) => e.precision !== 'day');
    expect(timed.map((e) => e.name).sort()).toEqual(['days-ago.txt', 'recent.txt']);
    for (const entry of timed) await expectMatchesMdtm(client, '/pub', entry);
    // A day alone is that day at the server, from its midnight.
    for (const name of ['summer-2020.txt', 'winter-2020.txt']) {
      const entry = entries.find((e) => e.name === name);
      expect(entry?.precision).toBe('day');
      expect(entry?.modifiedAt?.getTime(), name).toBe(localMidnight(times[name]!, 330));
    }
  });

  test("listEntries() as the session's first listing comes out read at +05:30 too", async () => {
    await using client = await Client.connect(options({ listTimeZone: 'auto' }));
    const entries: ListingEntry[] = [];
    for await (const entry of client.listEntries('/pub')) entries.push(entry);
    for (const entry of entries.filter((e) => e.precision !== 'day')) await expectMatchesMdtm(client, '/pub', entry);
    expect(client.listTimeZone.offset).toBe(330);
  });

  test('read as UTC (the default), the same times are five and a half hours off', async () => {
    await using client = await Client.connect(options());
    const entry = (await client.list('/pub')).find((e) => e.name === 'recent.txt');
    expect((entry?.modifiedAt?.getTime() ?? 0) - toMinute(await client.lastModified('/pub/recent.txt'))).toBe(330 * MINUTE);
  });

  test("mirror: files that did not change are unchanged with 'auto', and look newer read as UTC", async () => {
    const local = await mkdtemp(join(tmpdir(), 'ftpkit-zone-mirror-'));
    try {
      // A faithful copy: the same bytes and the same times (as rsync, or an earlier MLSD mirror, leaves them).
      for (const [name, time] of Object.entries(times)) {
        await writeFile(join(local, name), name);
        await utimes(join(local, name), time, time);
      }
      await using auto = await Client.connect(options({ listTimeZone: 'auto' }));
      const plan = (await auto.mirror({ direction: 'download', remote: '/pub', local, dryRun: true })).plan;
      expect(plan.actions).toEqual([]);
      expect(plan.unchanged).toEqual(Object.keys(times).sort());
      await using utc = await Client.connect(options());
      const wrong = (await utc.mirror({ direction: 'download', remote: '/pub', local, dryRun: true })).plan;
      expect(wrong.actions.length).toBeGreaterThanOrEqual(2);
      expect(wrong.actions.every((a) => a.kind === 'copy' && a.reason === 'newer')).toBe(true);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });
});

describe.concurrent('ProFTPD listing in Central European Time, with summer time', () => {
  let server: RunningServer;
  let times: Record<string, Date>;
  const options = (extra: Partial<ClientOptions> = {}): ClientOptions => ({ host: server.host, port: server.port, user: server.user, password: server.password, ...extra });

  beforeAll(async () => {
    // The EU rule: CEST (UTC+2) from the last Sunday of March to the last Sunday of October.
    server = await startServer('proftpd', { tls: false, listTimeZone: 'CET-1CEST,M3.5.0,M10.5.0/3', mlst: false });
    times = await makeFiles(join(server.root, 'pub'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("'Europe/Berlin' reads both sides of the switch right; 'auto' has one offset, today's", async () => {
    await using berlin = await Client.connect(options({ listTimeZone: 'Europe/Berlin' }));
    const entries = await berlin.list('/pub');
    for (const entry of entries.filter((e) => e.precision !== 'day')) await expectMatchesMdtm(berlin, '/pub', entry);
    const at = (name: string) => entries.find((e) => e.name === name)?.modifiedAt?.getTime();
    expect(at('summer-2020.txt')).toBe(localMidnight(times['summer-2020.txt']!, 120));
    expect(at('winter-2020.txt')).toBe(localMidnight(times['winter-2020.txt']!, 60));

    await using auto = await Client.connect(options({ listTimeZone: 'auto' }));
    const guessed = await auto.list('/pub');
    const today = berlin.listTimeZone.offsetAt(new Date());
    expect(auto.listTimeZone).toMatchObject({ offset: today, auto: 'detected' });
    // The recent file is right; the old one from the other season is an hour off.
    await expectMatchesMdtm(auto, '/pub', guessed.find((e) => e.name === 'recent.txt')!);
    const otherSeason = today === 60 ? 'summer-2020.txt' : 'winter-2020.txt';
    expect(Math.abs((guessed.find((e) => e.name === otherSeason)?.modifiedAt?.getTime() ?? 0) - at(otherSeason)!)).toBe(60 * MINUTE);
  });
});

describe('vsftpd with use_localtime=YES: MDTM is local time too', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer('vsftpd', { tls: false, listTimeZone: 'XST-5:30' });
    await makeFiles(join(server.root, 'pub'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("'auto' finds 0, as the docs say; naming the zone reads the true times", async () => {
    const options: ClientOptions = { host: server.host, port: server.port, user: server.user, password: server.password };
    const truth = toMinute((await stat(join(server.root, 'pub', 'recent.txt'))).mtime);
    await using auto = await Client.connect({ ...options, listTimeZone: 'auto' });
    const guessed = (await auto.list('/pub')).find((e) => e.name === 'recent.txt');
    expect(auto.listTimeZone).toMatchObject({ zone: 'UTC', offset: 0, auto: 'detected' });
    expect(guessed?.modifiedAt?.getTime()).toBe(truth + 330 * MINUTE);
    expect((await auto.lastModified('/pub/recent.txt')).getTime() - truth).toBeGreaterThanOrEqual(330 * MINUTE);
    await using named = await Client.connect({ ...options, listTimeZone: '+05:30' });
    expect((await named.list('/pub')).find((e) => e.name === 'recent.txt')?.modifiedAt?.getTime()).toBe(truth);
  });
});
