/**
 * `listTimeZone` with a zone given: a fixed offset (three spellings) and an IANA zone with daylight
 * saving time, against the scripted server. Every LIST-derived time is read in it (list,
 * listEntries, stat's fallback), on both sides of a switch, the year of year-less dates is placed
 * by the server's calendar, MLSD times are never shifted, and a bad value fails the connect with
 * InvalidArgumentError before anything is sent.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { rejectionOf, scriptedScenes, startScriptedServer } from '@ftpkit/testkit';
import { Client, InvalidArgumentError, Pool, type ClientOptions, type ListingEntry } from '../src/index.js';
import { dayLine, isoLine, listOf, minutes, recentLine } from './list-zone-helpers.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

async function collect(iterable: AsyncIterable<ListingEntry>): Promise<ListingEntry[]> {
  const out: ListingEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

const times = (entries: readonly ListingEntry[]) => Object.fromEntries(entries.map((e) => [e.name, e.modifiedAt?.toISOString()]));

describe('a fixed offset', () => {
  const text = isoLine('a.txt', '2024-06-14 09:30') + dayLine('old.txt', 2020, 1, 2);
  const expected = { 'a.txt': '2024-06-14T04:00:00.000Z', 'old.txt': '2020-01-01T18:30:00.000Z' };

  test.each(['+05:30', 'UTC+05:30', 330] as const)('%s: list, listEntries and stat read LIST times at UTC+05:30', async (listTimeZone) => {
    const client = await scenes.setup({ handlers: { LIST: listOf(text) } }, { listTimeZone });
    expect(times(await client.list('/'))).toEqual(expected);
    expect(times(await collect(client.listEntries('/')))).toEqual(expected);
    expect((await client.stat('/old.txt')).modifiedAt?.toISOString()).toBe(expected['old.txt']);
    expect(client.listTimeZone).toMatchObject({ zone: '+05:30', offset: 330 });
    expect(client.listTimeZone.auto).toBeUndefined();
    expect(client.listTimeZone.offsetAt(new Date())).toBe(330);
  });

  test('west of UTC; the default is UTC', async () => {
    const client = await scenes.setup({ handlers: { LIST: listOf(text) } }, { listTimeZone: '-08:00' });
    expect(times(await client.list('/'))['a.txt']).toBe('2024-06-14T17:30:00.000Z');
    const utc = scenes.keep(await Client.connect({ host: scenes.server.host, port: scenes.server.port, user: 'u', password: 'p' }));
    await client.close();
    expect(times(await utc.list('/'))).toEqual({ 'a.txt': '2024-06-14T09:30:00.000Z', 'old.txt': '2020-01-02T00:00:00.000Z' });
    expect(utc.listTimeZone).toMatchObject({ zone: 'UTC', offset: 0 });
  });

  test('MLSD and MLST times are UTC (RFC 3659 §2.3): never shifted', async () => {
    const client = await scenes.setup(
      {
        features: ['MLST type*;size*;modify*;', 'MDTM'],
        handlers: {
          MLSD: listOf('type=file;size=6;modify=20240614093000; a.txt\r\n'),
          MLST: () => '250-Listing\r\n type=file;size=6;modify=20240614093000; /a.txt\r\n250 End',
        },
      },
      { listTimeZone: '+05:30' },
    );
    expect(times(await client.list('/'))).toEqual({ 'a.txt': '2024-06-14T09:30:00.000Z' });
    expect((await client.stat('/a.txt')).modifiedAt?.toISOString()).toBe('2024-06-14T09:30:00.000Z');
  });
});

describe('an IANA zone with daylight saving time', () => {
  test('Europe/Berlin: each time at the offset of its own date, on both sides of both switches', async () => {
    const text = [
      isoLine('winter', '2024-03-30 12:00'),
      isoLine('skipped-hour', '2024-03-31 02:30'), // 02:00–03:00 does not happen: read as before the switch
      isoLine('summer', '2024-03-31 04:30'),
      isoLine('repeated-hour', '2024-10-27 02:30'), // happens twice: the first, still summer time
      isoLine('winter-again', '2024-10-27 04:30'),
      dayLine('summer-day', 2020, 7, 2),
      dayLine('winter-day', 2020, 1, 2),
    ].join('');
    const client = await scenes.setup({ handlers: { LIST: listOf(text) } }, { listTimeZone: 'Europe/Berlin' });
    const expected = {
      winter: '2024-03-30T11:00:00.000Z',
      'skipped-hour': '2024-03-31T01:30:00.000Z',
      summer: '2024-03-31T02:30:00.000Z',
      'repeated-hour': '2024-10-27T00:30:00.000Z',
      'winter-again': '2024-10-27T03:30:00.000Z',
      'summer-day': '2020-07-01T22:00:00.000Z',
      'winter-day': '2020-01-01T23:00:00.000Z',
    };
    expect(times(await client.list('/'))).toEqual(expected);
    expect(times(await collect(client.listEntries('/')))).toEqual(expected);
    const state = client.listTimeZone;
    expect(state.zone).toBe('Europe/Berlin');
    expect(state.offset).toBeUndefined();
    expect(state.offsetAt(new Date('2024-07-01T00:00:00Z'))).toBe(120);
    expect(state.offsetAt(new Date('2024-12-01T00:00:00Z'))).toBe(60);
  });

  test('America/New_York, switching on other dates, west of UTC', async () => {
    const text = isoLine('before', '2024-03-09 12:00') + isoLine('after', '2024-03-10 12:00');
    const client = await scenes.setup({ handlers: { LIST: listOf(text) } }, { listTimeZone: 'America/New_York' });
    expect(times(await client.list('/'))).toEqual({ before: '2024-03-09T17:00:00.000Z', after: '2024-03-10T16:00:00.000Z' });
  });
});

test("the year of a date listed without one is placed by the server's calendar, not UTC's", async () => {
  // At UTC+14:00 the server's clock is 14 hours ahead: a file stamped 30 hours ahead of UTC's wall
  // clock is 16 hours ahead of the server's, within the day of slack for a clock a little fast: this
  // year. Read as UTC it would be more than a day in the future, so last year.
  const wall = new Date(Date.now() + 30 * 3_600_000);
  const text = recentLine('ahead.txt', wall);
  const client = await scenes.setup({ handlers: { LIST: listOf(text) } }, { listTimeZone: '+14:00' });
  const [entry] = await client.list('/');
  const expected = Math.floor(wall.getTime() / 60_000) * 60_000 - minutes(14 * 60);
  expect(entry?.modifiedAt?.getTime()).toBe(expected);
  expect(entry?.precision).toBe('minute');
});

describe('a bad value fails the connect with InvalidArgumentError, before anything is sent', () => {
  test.each([['Mars/Olympus_Mons'], ['+25:00'], ['+05:60'], ['05:30'], [''], [1.5], [1441], [Number.NaN], [{}]])('%s', async (bad) => {
    const server = await scenes.start();
    const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, listTimeZone: bad as never }));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/listTimeZone/);
    expect(() => new Pool({ host: server.host, port: server.port, listTimeZone: bad as never })).toThrow(InvalidArgumentError);
    expect(server.connections()).toBe(0);
  });

  test('an IANA name where the runtime has no Intl says so, and names what works instead', async () => {
    const server = await startScriptedServer();
    try {
      vi.stubGlobal('Intl', undefined);
      const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, listTimeZone: 'Europe/Berlin' }));
      vi.unstubAllGlobals();
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(/no Intl\.DateTimeFormat.*fixed offset/);
      // Fixed offsets and 'auto' need no Intl.
      vi.stubGlobal('Intl', undefined);
      const client = await Client.connect({ host: server.host, port: server.port, listTimeZone: '+01:00' });
      vi.unstubAllGlobals();
      await client.close();
    } finally {
      vi.unstubAllGlobals();
      await server.close();
    }
  });
});
