/**
 * The classes behind every {@link ListingEntry} the parsers return.
 *
 * Theory of operation: a listing of 100,000 lines becomes 100,000 entries, and what costs most is
 * not reading the lines but the objects that outlive the parse. Measured on Node 20 (V8):
 *
 * - a `Date` per entry costs more collector time than scanning the whole line, and an MLSD fact
 *   `Map` per entry several times that;
 * - an object whose fields (private ones included) number more than nine, or whose numeric field
 *   ever holds a non-integer, costs several times more to allocate and collect than a small one.
 *
 * So an entry holds its listed fields as plain own properties (at most eight) plus one private
 * small integer, and computes `modifiedAt` and `facts` when they are read: a unix or DOS entry
 * keeps its time as whole minutes since 2000 (those listings have minute resolution), an MLSD entry
 * keeps where its facts end in `raw`, and MLSD and EPLF times are read back from `raw`. Each read
 * returns a new `Date` or `Map`, which also keeps the entry immutable: changing what one read
 * returned changes nothing.
 *
 * Entries are frozen. `modifiedAt` and `facts` are accessors on the prototype, so object spread and
 * `toEqual` see only the own properties; `toJSON` and the Node/Deno inspect hooks show everything,
 * and `toMatchObject` (which reads through the prototype) sees everything too.
 *
 * @module
 */
import type { ListingEntry, ListingEntryType } from '../listing.js';
import { ftpTimeToEpoch } from '../time.js';
import { scanFacts } from './facts.js';

type Draft = { -readonly [K in keyof ListingEntry]?: ListingEntry[K] };

const MINUTE_MS = 60_000;
/** 2000-01-01T00:00Z. Minutes counted from here fit a V8 small integer for years 0 to 4000. */
const MINUTES_BASE = 946_684_800_000;
/** #minutes of an entry without a time: the year −40, which no listing can state. */
const NO_TIME = -0x40000000;

/**
 * What every entry class shares: the own fields, freezing, and the JSON and inspect views.
 *
 * @internal
 * @example
 * ```ts
 * makeTimedEntry('a', 'file', 6, Number.NaN, undefined, undefined, undefined, undefined, 'raw') instanceof Entry; // true
 * ```
 */
export abstract class Entry {
  declare readonly name: string;
  declare readonly type: ListingEntryType;
  declare readonly size?: number;
  declare readonly permissions?: string;
  declare readonly target?: string;
  declare readonly owner?: string;
  declare readonly group?: string;
  declare readonly raw: string;

  /** Last modification, or undefined when the line does not state it. */
  abstract get modifiedAt(): Date | undefined;

  /** MLSD facts; undefined for other formats. */
  get facts(): ReadonlyMap<string, string> | undefined {
    return undefined;
  }

  /** A plain object with every field, for `JSON.stringify` (facts become an object). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, type: this.type };
    if (this.size !== undefined) out['size'] = this.size;
    const modifiedAt = this.modifiedAt;
    if (modifiedAt !== undefined) out['modifiedAt'] = modifiedAt;
    if (this.permissions !== undefined) out['permissions'] = this.permissions;
    if (this.target !== undefined) out['target'] = this.target;
    if (this.owner !== undefined) out['owner'] = this.owner;
    if (this.group !== undefined) out['group'] = this.group;
    const facts = this.facts;
    if (facts !== undefined) out['facts'] = Object.fromEntries(facts);
    out['raw'] = this.raw;
    return out;
  }

  /** Node's and Bun's `util.inspect` hook (a registered symbol, so no Node import is needed). */
  [Symbol.for('nodejs.util.inspect.custom')](): Record<string, unknown> {
    return inspectView(this);
  }

  /** Deno's `Deno.inspect` hook. */
  [Symbol.for('Deno.customInspect')](): Record<string, unknown> {
    return inspectView(this);
  }
}

/** What the inspect hooks show: every field, facts as a Map. */
function inspectView(entry: Entry): Record<string, unknown> {
  const view = entry.toJSON();
  const facts = entry.facts;
  if (facts !== undefined) view['facts'] = facts;
  return view;
}

/** A unix or DOS entry: the time, to the minute, is kept as a small integer. */
class TimedEntry extends Entry {
  readonly #minutes: number;

  constructor(
    name: string,
    type: ListingEntryType,
    size: number,
    time: number,
    permissions: string | undefined,
    target: string | undefined,
    owner: string | undefined,
    group: string | undefined,
    raw: string,
  ) {
    super();
    this.#minutes = time === time ? Math.floor((time - MINUTES_BASE) / MINUTE_MS) : NO_TIME;
    // Own fields in one fixed order, assigned through `this` in the constructor itself: V8 sizes
    // the object from the assignments it sees here, and fields added elsewhere go to a slower,
    // separately allocated store.
    (this as Draft).name = name;
    (this as Draft).type = type;
    if (size >= 0) (this as Draft).size = size;
    if (permissions !== undefined) (this as Draft).permissions = permissions;
    if (target !== undefined) (this as Draft).target = target;
    if (owner !== undefined) (this as Draft).owner = owner;
    if (group !== undefined) (this as Draft).group = group;
    (this as Draft).raw = raw;
    Object.freeze(this);
  }

  get modifiedAt(): Date | undefined {
    const minutes = this.#minutes;
    return minutes === NO_TIME ? undefined : new Date(MINUTES_BASE + minutes * MINUTE_MS);
  }
}

/** An MLSD entry: #facts is where the facts end in `raw`, times two, plus one for cdir/pdir. */
class MlsdEntry extends Entry {
  readonly #facts: number;

  constructor(
    name: string,
    type: ListingEntryType,
    size: number,
    permissions: string | undefined,
    target: string | undefined,
    owner: string | undefined,
    group: string | undefined,
    raw: string,
    factsEnd: number,
    selfOrParent: boolean,
  ) {
    super();
    this.#facts = factsEnd * 2 + (selfOrParent ? 1 : 0);
    // Own fields in one fixed order, assigned through `this` in the constructor itself: V8 sizes
    // the object from the assignments it sees here, and fields added elsewhere go to a slower,
    // separately allocated store.
    (this as Draft).name = name;
    (this as Draft).type = type;
    if (size >= 0) (this as Draft).size = size;
    if (permissions !== undefined) (this as Draft).permissions = permissions;
    if (target !== undefined) (this as Draft).target = target;
    if (owner !== undefined) (this as Draft).owner = owner;
    if (group !== undefined) (this as Draft).group = group;
    (this as Draft).raw = raw;
    Object.freeze(this);
  }

  override get facts(): ReadonlyMap<string, string> {
    // The facts were validated when the entry was made, so the scan cannot fail here.
    return scanFacts(this.raw, 0, this.#facts >> 1) ?? new Map<string, string>();
  }

  get modifiedAt(): Date | undefined {
    const modify = this.facts.get('modify');
    if (modify === undefined) return undefined;
    const time = ftpTimeToEpoch(modify, 0, modify.length);
    return time === time ? new Date(time) : undefined; // validated when parsed: never NaN here
  }

  static isSelfOrParent(entry: ListingEntry): boolean {
    return #facts in entry && (entry.#facts & 1) === 1;
  }
}

/** An EPLF entry: the time is read back from the `m` fact of `raw`. */
class EplfEntry extends Entry {
  constructor(
    name: string,
    type: ListingEntryType,
    size: number,
    permissions: string | undefined,
    raw: string,
  ) {
    super();
    (this as Draft).name = name;
    (this as Draft).type = type;
    if (size >= 0) (this as Draft).size = size;
    if (permissions !== undefined) (this as Draft).permissions = permissions;
    (this as Draft).raw = raw;
    Object.freeze(this);
  }

  get modifiedAt(): Date | undefined {
    const raw = this.raw;
    const tab = raw.indexOf('\t');
    for (let pos = 1; pos < tab; ) {
      let comma = raw.indexOf(',', pos);
      if (comma < 0 || comma > tab) comma = tab;
      if (raw.charCodeAt(pos) === 0x6d) return new Date(Number(raw.slice(pos + 1, comma)) * 1000); // 'm', validated
      pos = comma + 1;
    }
    return undefined;
  }
}

/**
 * A frozen unix or DOS entry. `size` -1 and `time` NaN mean absent; `time` has minute resolution.
 *
 * @internal
 * @example
 * ```ts
 * makeTimedEntry('a', 'file', 6, Number.NaN, undefined, undefined, undefined, undefined, 'raw').size; // 6
 * ```
 */
export function makeTimedEntry(
  name: string,
  type: ListingEntryType,
  size: number,
  time: number,
  permissions: string | undefined,
  target: string | undefined,
  owner: string | undefined,
  group: string | undefined,
  raw: string,
): ListingEntry {
  // The accessors return `T | undefined` where the interface says `T?`: the same values when read.
  return new TimedEntry(name, type, size, time, permissions, target, owner, group, raw) as unknown as ListingEntry;
}

/**
 * A frozen MLSD entry; `factsEnd` is where the facts end in `raw`.
 *
 * @internal
 * @example
 * ```ts
 * makeMlsdEntry('a', 'file', 6, undefined, undefined, undefined, undefined, 'size=6; a', 7, false).facts?.get('size'); // '6'
 * ```
 */
export function makeMlsdEntry(
  name: string,
  type: ListingEntryType,
  size: number,
  permissions: string | undefined,
  target: string | undefined,
  owner: string | undefined,
  group: string | undefined,
  raw: string,
  factsEnd: number,
  selfOrParent: boolean,
): ListingEntry {
  return new MlsdEntry(name, type, size, permissions, target, owner, group, raw, factsEnd, selfOrParent) as unknown as ListingEntry;
}

/**
 * A frozen EPLF entry (its `m` fact must have been validated).
 *
 * @internal
 * @example
 * ```ts
 * makeEplfEntry('a', 'file', 6, undefined, '+m0,s6,r,\ta').modifiedAt?.getTime(); // 0
 * ```
 */
export function makeEplfEntry(name: string, type: ListingEntryType, size: number, permissions: string | undefined, raw: string): ListingEntry {
  return new EplfEntry(name, type, size, permissions, raw) as unknown as ListingEntry;
}

/**
 * True for MLSD `cdir` and `pdir` entries: the listed directory itself and its parent.
 *
 * @internal
 * @example
 * ```ts
 * isSelfOrParent(parseMlsdLine('type=cdir; /pub')); // true
 * ```
 */
export function isSelfOrParent(entry: ListingEntry): boolean {
  return MlsdEntry.isSelfOrParent(entry);
}
