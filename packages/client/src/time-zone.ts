/**
 * The time zone of a server's LIST times: the `listTimeZone` option, the zones it names, and what
 * one session knows of its server's zone.
 *
 * Theory of operation: a LIST line shows the server's local time with no zone (RFC 959 §4.1.3
 * leaves the format to the server; `ls` prints local time), while MLSD and MDTM times are UTC
 * (RFC 3659 §2.3). The codec reads LIST times at an offset it is given, a number of minutes or a
 * function of the server's wall clock (`TimeZoneOffsetFunction`), and never asks the host; this
 * module makes that offset from the option:
 *
 * - `'UTC'` (the default) and fixed offsets (`'+05:30'`, `'UTC-08:00'`, or a number of minutes east
 *   of UTC) are one number;
 * - an IANA zone name (`'Europe/Berlin'`) is a function built on `Intl.DateTimeFormat`, the only
 *   zone database a JavaScript runtime carries. A zone with daylight saving time has two offsets a
 *   year, so the function answers for each date read; a wall clock that a switch skips or repeats
 *   gets the offset from before the switch, as `Date` and Temporal's `'compatible'` choose. `Intl`
 *   is slow next to a listing parse, so its answers are kept per UTC day, for the days without a
 *   switch (nearly all);
 * - `'auto'` starts as UTC, and a session learns its server's offset from MDTM (ops/list-zone.ts).
 *
 * A {@link SessionZone} belongs to one connection: the zone its listings are read in, and for
 * `'auto'` how far detection has got. A Pool's sessions each keep their own.
 *
 * @module
 */
import type { TimeZoneOffsetFunction } from '@ftpkit/codec';
import { InvalidArgumentError } from './errors.js';

/**
 * The `listTimeZone` option: `'UTC'`, a fixed offset (`'+05:30'`, `'-08:00'`, `'UTC+01:00'`, or a
 * number of minutes east of UTC such as `330`), an IANA zone name (`'Europe/Berlin'`) or `'auto'`.
 *
 * @example
 * ```ts
 * const zone: ListTimeZone = 'America/New_York';
 * const client = await Client.connect({ host: 'files.example.com', listTimeZone: zone });
 * ```
 */
export type ListTimeZone = 'UTC' | 'auto' | number | (string & {});

/**
 * What a session knows about its server's LIST time zone ({@link Client.listTimeZone},
 * {@link Pool.listTimeZones}).
 *
 * @example
 * ```ts
 * const { zone, offset, auto, reason } = client.listTimeZone;
 * if (auto === 'detected') console.log(`the server lists its times at ${zone} (${offset} minutes east of UTC)`);
 * if (auto === 'failed') console.warn(`LIST times are read as UTC: ${reason}`);
 * ```
 */
export interface ListTimeZoneState {
  /** The zone LIST times are read in now: `'UTC'`, a fixed offset such as `'+05:30'`, or an IANA zone name. */
  readonly zone: string;
  /** Minutes east of UTC when the zone is fixed (`'UTC'`: 0); absent for an IANA zone, whose offset depends on the date. */
  readonly offset?: number;
  /**
   * With `listTimeZone: 'auto'` only: `'pending'` until a LIST-based listing has told (a server
   * with MLSD never needs to), `'detected'` once MDTM of a listed file gave the offset, `'failed'`
   * when it cannot tell (then LIST times stay UTC; {@link ListTimeZoneState.reason} and the log
   * say why).
   */
  readonly auto?: 'pending' | 'detected' | 'failed';
  /** Why detection failed, or why the last try could not tell. */
  readonly reason?: string;
  /**
   * The zone's offset from UTC in minutes east at `time`: to show a LIST time as the server's
   * local time (the calendar date of a `day`-precision entry is the date in the server's zone).
   */
  offsetAt(time: Date): number;
}

/** A zone LIST times are read in. @internal */
export interface ServerZone {
  /** `'UTC'`, `'+05:30'`, or the IANA name as the runtime spells it. */
  readonly name: string;
  /** Minutes east of UTC, for a fixed zone. */
  readonly fixed: number | undefined;
  /** What the codec reads LIST times with (`timeZoneOffset`). */
  readonly offset: number | TimeZoneOffsetFunction;
  /** Minutes east of UTC in force at the instant `utcMs`. */
  at(utcMs: number): number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The codec's bound on an offset, and so on a fixed one: a day either way. */
const MAX_OFFSET = 1440;

/** A zone at a fixed offset of `minutes` east of UTC. @internal */
export function fixedZone(minutes: number): ServerZone {
  return Object.freeze({ name: minutes === 0 ? 'UTC' : formatOffset(minutes), fixed: minutes, offset: minutes, at: () => minutes });
}

/** UTC. @internal */
export const UTC: ServerZone = fixedZone(0);

/**
 * `'+05:30'` for 330 minutes, `'-08:00'` for -480.
 *
 * @internal
 * @example
 * ```ts
 * formatOffset(-210); // '-03:30'
 * ```
 */
export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `±HH:MM`, with or without `UTC` or `GMT` before it, as minutes east; undefined when it is not one. */
function parseOffset(text: string): number | undefined {
  const match = /^(?:UTC|GMT)?([+-])(\d{2}):([0-5]\d)$/i.exec(text);
  if (match === null) return undefined;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

/**
 * The zone a `listTimeZone` value names, or `'auto'`. Throws {@link InvalidArgumentError} for a
 * value that names none, or an IANA name where the runtime has no `Intl` or does not know it.
 *
 * @internal
 * @example
 * ```ts
 * zoneOf('+05:30').fixed; // 330
 * zoneOf('Europe/Berlin').at(Date.UTC(2024, 6, 1)); // 120
 * ```
 */
export function zoneOf(option: unknown): ServerZone | 'auto' {
  if (option === 'auto') return 'auto';
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || Math.abs(option) > MAX_OFFSET) {
      throw new InvalidArgumentError(`listTimeZone as a number is whole minutes east of UTC from -${MAX_OFFSET} to ${MAX_OFFSET}, not ${option}`);
    }
    return fixedZone(option);
  }
  if (typeof option !== 'string' || option.trim() === '') {
    throw new InvalidArgumentError(`listTimeZone must be 'UTC', 'auto', an offset such as '+05:30', minutes east of UTC or an IANA zone name, not ${String(option)}`);
  }
  if (option.toUpperCase() === 'UTC') return UTC;
  const offset = parseOffset(option);
  if (offset !== undefined) {
    if (Math.abs(offset) > MAX_OFFSET) throw new InvalidArgumentError(`listTimeZone ${option} is more than a day from UTC`);
    return fixedZone(offset);
  }
  return ianaZone(option);
}

/**
 * The local date and time `format` gives for `instant` (whole seconds), as a number as if UTC.
 * Years before 1 are out of a listing's reach; `Date.UTC` would misread years 0–99, so the year is set apart.
 */
function wallClockOf(format: Intl.DateTimeFormat, instant: number): number {
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(instant)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const date = new Date(0);
  date.setUTCFullYear(parts.year!, parts.month! - 1, parts.day!);
  date.setUTCHours(parts.hour!, parts.minute!, parts.second!, 0);
  return date.getTime();
}

/** The bound on the answers an IANA zone keeps: a year and more of days, each a few bytes. */
const MAX_CACHED_DAYS = 4096;

/**
 * The zone of IANA name `name`, by `Intl.DateTimeFormat`. Throws {@link InvalidArgumentError}
 * where the runtime has no `Intl` or does not know the name.
 *
 * @internal
 */
export function ianaZone(name: string): ServerZone {
  if (typeof Intl !== 'object' || typeof Intl.DateTimeFormat !== 'function') {
    throw new InvalidArgumentError(`listTimeZone ${name}: this runtime has no Intl.DateTimeFormat to read zone names with; give a fixed offset such as '+01:00', or 'auto'`);
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (err) {
    throw new InvalidArgumentError(`listTimeZone ${JSON.stringify(name)} is not a time zone this runtime knows (an IANA name such as 'Europe/Berlin', an offset such as '+05:30', 'UTC' or 'auto')`, {
      cause: err,
    });
  }
  /** Offset in minutes at an instant, straight from Intl. */
  const exact = (instant: number): number => {
    const whole = Math.floor(instant / 1000) * 1000;
    return Math.round((wallClockOf(format, whole) - whole) / MINUTE);
  };
  /** Per UTC day: its offset when the day has no switch, NaN when it has one. */
  const days = new Map<number, number>();
  const at = (instant: number): number => {
    const day = Math.floor(instant / DAY);
    let known = days.get(day);
    if (known === undefined) {
      // A switch inside the day makes its two ends differ (zones switch at most twice a year).
      const start = exact(day * DAY);
      known = start === exact(day * DAY + DAY - 1000) ? start : Number.NaN;
      if (days.size >= MAX_CACHED_DAYS) days.clear();
      days.set(day, known);
    }
    return known === known ? known : exact(instant);
  };
  /**
   * The offset at the server's wall clock `wall`: the instant it names is `wall - offset`, for the
   * offset in force then. The offsets a day before and after bracket any switch near it; with no
   * switch they agree. Else each is tried: one that maps back to `wall` is right; both do in the
   * hour a switch repeats (the earlier instant is taken, the offset from before the switch), none
   * does in the hour it skips (the offset from before the switch, so the time moves forward).
   */
  const offset: TimeZoneOffsetFunction = (wall) => {
    const before = at(wall - DAY);
    const after = at(wall + DAY);
    if (before === after) return before;
    const beforeFits = at(wall - before * MINUTE) === before;
    const afterFits = at(wall - after * MINUTE) === after;
    if (beforeFits && afterFits) return Math.max(before, after);
    return afterFits && !beforeFits ? after : before;
  };
  return Object.freeze({ name: format.resolvedOptions().timeZone, fixed: undefined, offset, at });
}

/** How many MDTM tries 'auto' makes in a session before it gives up (a file MDTM refuses, a bad reply). */
const MAX_TRIES = 3;

/**
 * One session's zone for LIST times: the zone its listings are read in and, for `'auto'`, how far
 * detection has got. It lives on the connection (`Conn`), so each session of a Pool has its own.
 *
 * @internal
 */
export class SessionZone {
  #zone: ServerZone;
  #auto: 'pending' | 'detected' | 'failed' | undefined;
  #tries = 0;
  #reason: string | undefined;

  /** From an option already checked (`resolveOptions`). */
  constructor(option: ListTimeZone) {
    const zone = zoneOf(option);
    this.#zone = zone === 'auto' ? UTC : zone;
    this.#auto = zone === 'auto' ? 'pending' : undefined;
  }

  /** The zone listings are read in now. */
  get zone(): ServerZone {
    return this.#zone;
  }

  /** `'auto'` has not settled: a LIST-based listing must hold its entries until it has tried. */
  get pending(): boolean {
    return this.#auto === 'pending';
  }

  /** Detection found the server `minutes` east of UTC. */
  detected(minutes: number): void {
    this.#zone = fixedZone(minutes);
    this.#auto = 'detected';
    this.#reason = undefined;
  }

  /**
   * Detection could not tell, for `reason`: for good when `final`, else after {@link MAX_TRIES}
   * such tries; until then the next LIST-based listing tries again. Listings stay UTC.
   */
  undecided(reason: string, final: boolean, tried: boolean): void {
    this.#reason = reason;
    if (tried) this.#tries++;
    if (final || this.#tries >= MAX_TRIES) this.#auto = 'failed';
  }

  /** What {@link Client.listTimeZone} shows. */
  get state(): ListTimeZoneState {
    const zone = this.#zone;
    return Object.freeze({
      zone: zone.name,
      ...(zone.fixed === undefined ? {} : { offset: zone.fixed }),
      ...(this.#auto === undefined ? {} : { auto: this.#auto }),
      ...(this.#reason === undefined ? {} : { reason: this.#reason }),
      offsetAt: (time: Date) => zone.at(time.getTime()),
    });
  }
}
