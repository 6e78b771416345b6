/**
 * The zones `listTimeZone` names (time-zone.ts) and the arithmetic of 'auto' (ops/list-zone.ts),
 * without a server: every spelling of a fixed offset, IANA zones against `Intl` itself at any
 * instant (its answers kept per day must be the answers), the wall clock mapped back to the
 * instant it names on either side of a switch, and MDTM differences rounded and bounded.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../src/index.js';
import { offsetFromMdtm, zoneSample } from '../src/ops/list-zone.js';
import { zoneOf, type ServerZone } from '../src/time-zone.js';
import { parseListing } from '@ftpkit/codec';

const MINUTE = 60_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham'];

const formats = new Map<string, Intl.DateTimeFormat>();

/** The offset at an instant, straight from Intl, as a reference. */
function reference(zone: string, instant: number): number {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, format);
  }
  const parts: Record<string, number> = Object.fromEntries(
    format
      .formatToParts(instant)
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  );
  const whole = Math.floor(instant / 1000) * 1000;
  return Math.round((Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - whole) / MINUTE);
}

const iana = (name: string) => zoneOf(name) as ServerZone;

describe('zoneOf', () => {
  test('UTC, fixed offsets in every spelling, auto', () => {
    expect(zoneOf('UTC')).toMatchObject({ name: 'UTC', fixed: 0, offset: 0 });
    expect(zoneOf('utc')).toMatchObject({ name: 'UTC', fixed: 0 });
    for (const spelling of ['+05:30', 'UTC+05:30', 'GMT+05:30', 330]) expect(zoneOf(spelling)).toMatchObject({ name: '+05:30', fixed: 330, offset: 330 });
    expect(zoneOf('-08:00')).toMatchObject({ name: '-08:00', fixed: -480 });
    expect(zoneOf(-210)).toMatchObject({ name: '-03:30', fixed: -210 });
    expect(zoneOf(0)).toMatchObject({ name: 'UTC', fixed: 0 });
    expect(zoneOf('auto')).toBe('auto');
    expect(iana('europe/berlin').name).toBe('Europe/Berlin');
  });

  test('anything else is InvalidArgumentError', () => {
    for (const bad of ['', ' ', '+5:30', '05:30', '+05:61', '+25:00', 'Not/A_Zone', 1441, -1441, 0.5, Number.NaN, null, true, {}]) {
      expect(() => zoneOf(bad), String(bad)).toThrow(InvalidArgumentError);
    }
  });
});

describe('an IANA zone', () => {
  test('property: its offset at any instant is what Intl says, kept per day or not', () => {
    const zones = Object.fromEntries(ZONES.map((name) => [name, iana(name)]));
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) }), (name, instant) => {
        // Asked twice: the second answer may come from what the first kept.
        expect(zones[name]!.at(instant)).toBe(reference(name, instant));
        expect(zones[name]!.at(instant)).toBe(reference(name, instant));
      }),
      { numRuns: 2000 },
    );
  });

  test('property: the offset at a wall clock names an instant whose wall clock it is', () => {
    const zones = Object.fromEntries(ZONES.map((name) => [name, iana(name)]));
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1971, 0, 1) / MINUTE, max: Date.UTC(2099, 11, 31) / MINUTE }), (name, minute) => {
        const zone = zones[name]!;
        const instant = minute * MINUTE;
        // A wall clock that happened (the wall clock of some instant): never one of a skipped hour.
        const wall = instant + zone.at(instant) * MINUTE;
        const offset = (zone.offset as (wall: number) => number)(wall);
        expect(wall - offset * MINUTE + zone.at(wall - offset * MINUTE) * MINUTE).toBe(wall);
        // Of two instants with that wall clock (the hour a switch repeats), the earlier.
        if (offset !== zone.at(instant)) expect(wall - offset * MINUTE).toBeLessThan(instant);
      }),
      { numRuns: 2000 },
    );
  });

  test('every quarter hour of 2024 on the days of a switch, and every hour of the year, as Intl says', () => {
    for (const name of ['Europe/Berlin', 'Australia/Lord_Howe', 'America/New_York']) {
      const zone = iana(name);
      for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += 3_600_000) {
        const switchDay = reference(name, t - 86_400_000) !== reference(name, t + 86_400_000);
        for (let q = 0; q < (switchDay ? 4 : 1); q++) expect(zone.at(t + q * 15 * MINUTE), `${name} ${new Date(t).toISOString()}`).toBe(reference(name, t + q * 15 * MINUTE));
      }
    }
  });

  test('at the switches of Europe/Berlin in 2024: the skipped and the repeated hour', () => {
    const offset = iana('Europe/Berlin').offset as (wall: number) => number;
    expect(offset(Date.UTC(2024, 2, 31, 1, 59))).toBe(60);
    expect(offset(Date.UTC(2024, 2, 31, 2, 30))).toBe(60); // skipped: the offset from before, so 03:30 CEST
    expect(offset(Date.UTC(2024, 2, 31, 3, 0))).toBe(120);
    expect(offset(Date.UTC(2024, 9, 27, 1, 59))).toBe(120);
    expect(offset(Date.UTC(2024, 9, 27, 2, 30))).toBe(120); // repeated: the first, summer time
    expect(offset(Date.UTC(2024, 9, 27, 3, 0))).toBe(60);
  });
});

describe("'auto' arithmetic", () => {
  test('the difference rounded to 15 minutes: a LIST time cut to the minute, a file written meanwhile', () => {
    expect(offsetFromMdtm(new Date('2024-06-14T09:30:00Z'), new Date('2024-06-14T07:30:59Z'))).toBe(120);
    expect(offsetFromMdtm(new Date('2024-06-14T09:30:00Z'), new Date('2024-06-14T09:34:00Z'))).toBe(0);
    expect(Object.is(offsetFromMdtm(new Date('2024-06-14T09:30:00Z'), new Date('2024-06-14T09:30:40Z')), 0)).toBe(true);
    expect(offsetFromMdtm(new Date('2024-06-14T03:45:00Z'), new Date('2024-06-14T09:30:12Z'))).toBe(-345);
    expect(offsetFromMdtm(new Date('2024-06-14T23:45:00Z'), new Date('2024-06-14T09:45:00Z'))).toBe(840);
    expect(offsetFromMdtm(new Date('2024-06-14T23:45:00Z'), new Date('2024-06-14T09:29:00Z'))).toMatch(/differ by 14\.3 hours/);
    expect(offsetFromMdtm(new Date('2023-06-14T09:30:00Z'), new Date('2024-06-14T09:30:00Z'))).toMatch(/differ by -8784 hours/);
  });

  test('the sample: the first plain file whose time shows the minute or the second', () => {
    const now = new Date('2024-06-15T12:00:00Z');
    const text = [
      'drwxr-xr-x 2 u g 0 Jun 14 09:30 dir',
      'lrwxrwxrwx 1 u g 3 Jun 14 09:30 link -> a',
      '-rw-r--r-- 1 u g 6 Jan  2  2020 old',
      '-rw-r--r-- 1 u g 6 Jun 14 09:30 new',
      '-rw-r--r-- 1 u g 6 Jun 14 09:31 newer',
    ].join('\n');
    expect(zoneSample(parseListing(text, { now }).entries)?.name).toBe('new');
    expect(zoneSample(parseListing(text.split('\n').slice(0, 3).join('\n'), { now }).entries)).toBeUndefined();
  });
});
