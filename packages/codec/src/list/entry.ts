/**
 * How the parsers build every {@link ListingEntry}: plain, frozen objects whose fields are all own
 * data properties, so object spread, `toEqual`, `structuredClone` and `JSON.stringify` see every
 * one of them, `modifiedAt` and `facts` included.
 *
 * Theory of operation: a listing of 100,000 lines becomes 100,000 entries, and what costs most is
 * not reading the lines but the objects that outlive the parse. So:
 *
 * - Each common combination of fields has an object literal of its own below, and only unusual
 *   entries are grown field by field (every shape keeps the same field order): V8 allocates the
 *   objects of one literal more cheaply than class instances or objects grown field by field.
 * - `modifiedAt` is an own `Date`, made once per entry, rather than an accessor that makes a new one
 *   on every read: it costs the parse more, but a program that reads each `modifiedAt` once pays
 *   less, and entries that `toEqual` compares without their times made tests that passed without
 *   checking them. The `Date` is mutable, as every `Date` is; the type is readonly.
 * - MLSD `facts` are not a `Map` built per entry (a hash table and two strings per fact): `facts`
 *   is an own property holding an {@link MlsdFacts}, a read-only `Map`-like view that reads `raw`
 *   when first asked and compares, serialises and prints as its facts.
 *
 * The measurements behind these choices are in `packages/bench/RESULTS.md`, "Listing entries".
 *
 * @module
 */
import { PRECISIONS } from './context.js';
import { scanFacts } from './facts.js';
import type { ListingEntry, ListingEntryType, ListingTimePrecision } from './types.js';

type Draft = { -readonly [K in keyof ListingEntry]?: ListingEntry[K] };

/**
 * The facts of an MLSD or MLST entry: a read-only `Map` from lower-cased fact name to the value as
 * sent (RFC 3659 §7.5). It holds only the entry's `raw` line and reads the facts from it when first
 * asked, so a big listing does not pay for a hash table per entry; the reading is kept.
 *
 * Two views with the same facts are equal under `toEqual` (it compares iterables by content);
 * `JSON.stringify` writes the facts as an object, and `console.log` prints them as a `Map`. To get a
 * mutable copy, or to compare with a `Map`, use `new Map(entry.facts)`.
 *
 * @example
 * ```ts
 * const entry = parseMlsdLine('Type=file;Size=6;unique=801g3; a.txt');
 * entry.facts?.get('unique');    // '801g3'
 * [...(entry.facts ?? [])];      // [['type', 'file'], ['size', '6'], ['unique', '801g3']]
 * JSON.stringify(entry.facts);   // '{"type":"file","size":"6","unique":"801g3"}'
 * ```
 */
export class MlsdFacts implements ReadonlyMap<string, string> {
  /** The entry's line, which the facts start. */
  readonly #raw: string;
  /** The facts once read. Private fields are not frozen: this cache fills on first use. */
  #map: Map<string, string> | undefined;

  /**
   * Not frozen, unlike entries: it has no own properties to protect, its fields are private and
   * nothing changes them, and freezing costs a call into the runtime per entry (see RESULTS.md).
   * It keeps no more than the line, as it is made for every entry of a listing.
   *
   * @internal
   */
  constructor(raw: string) {
    this.#raw = raw;
    this.#map = undefined;
  }

  #facts(): Map<string, string> {
    // Where the parser found the facts to end (RFC 3659 §7.2): at the first "; ", else (a server
    // that left out the final ";") at the first space; a line that starts with the space has none.
    // The facts were validated when the entry was made, so the scan cannot fail here.
    if (this.#map === undefined) {
      const raw = this.#raw;
      const semi = raw.indexOf('; ');
      const end = raw.charCodeAt(0) === 0x20 ? 0 : semi >= 0 ? semi + 1 : raw.indexOf(' ');
      const facts = scanFacts(raw, 0, end);
      this.#map = typeof facts === 'string' ? new Map<string, string>() : facts;
    }
    return this.#map;
  }

  /** How many distinct facts the line has. */
  get size(): number {
    return this.#facts().size;
  }

  /** The value of fact `name` (lower case), as sent. */
  get(name: string): string | undefined {
    return this.#facts().get(name);
  }

  /** Whether the line has fact `name` (lower case). */
  has(name: string): boolean {
    return this.#facts().has(name);
  }

  /** Calls `callback` with each value and name, in the order the server sent them. */
  forEach(callback: (value: string, name: string, facts: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [name, value] of this.#facts()) callback.call(thisArg, value, name, this);
  }

  /** `[name, value]` pairs, in the order the server sent them. */
  entries(): MapIterator<[string, string]> {
    return this.#facts().entries();
  }

  /** The fact names (lower case), in the order the server sent them. */
  keys(): MapIterator<string> {
    return this.#facts().keys();
  }

  /** The values, in the order the server sent them. */
  values(): MapIterator<string> {
    return this.#facts().values();
  }

  /** `[name, value]` pairs, in the order the server sent them. */
  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.#facts().entries();
  }

  /** The facts as an object, for `JSON.stringify`. */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.#facts());
  }

  /** Node's and Bun's `util.inspect` hook (a registered symbol, so no Node import is needed). */
  [Symbol.for('nodejs.util.inspect.custom')](): Map<string, string> {
    return new Map(this.#facts());
  }

  /** Deno's `Deno.inspect` hook, which must return text: Deno passes its `inspect` to format with. */
  [Symbol.for('Deno.customInspect')](inspect: (value: unknown, options?: unknown) => string, options?: unknown): string {
    return inspect(new Map(this.#facts()), options);
  }

  /** Is `facts` the view of an MLSD `cdir` or `pdir` entry (RFC 3659 §7.5.1: type names are case-insensitive)? */
  static isSelfOrParent(facts: unknown): boolean {
    if (typeof facts !== 'object' || facts === null || !(#raw in facts)) return false;
    const type = (facts as MlsdFacts).#facts().get('type')?.toLowerCase();
    return type === 'cdir' || type === 'pdir';
  }
}

/** An entry with any combination of fields, grown field by field: the slow path for unusual lines. */
function anyEntry(
  name: string,
  type: ListingEntryType,
  size: number,
  time: number,
  precision: ListingTimePrecision,
  permissions: string | undefined,
  target: string | undefined,
  owner: string | undefined,
  group: string | undefined,
  facts: MlsdFacts | undefined,
  raw: string,
): ListingEntry {
  const entry: Draft = { name, type };
  if (size >= 0) entry.size = size;
  if (time === time) {
    entry.modifiedAt = new Date(time);
    entry.precision = precision;
  }
  if (permissions !== undefined) entry.permissions = permissions;
  if (target !== undefined) entry.target = target;
  if (owner !== undefined) entry.owner = owner;
  if (group !== undefined) entry.group = group;
  if (facts !== undefined) entry.facts = facts;
  entry.raw = raw;
  return Object.freeze(entry) as ListingEntry;
}

/**
 * A frozen entry of a LIST format (unix, DOS and the others). `size` -1 and `time` NaN mean absent;
 * `time` is epoch milliseconds and `precision` says how much of it the line stated (`DAY`,
 * `MINUTE`, `SECOND` of context.ts). The literals are the shapes of nearly every `ls -l` and IIS
 * line.
 *
 * @internal
 * @example
 * ```ts
 * timedEntry('a', 'file', 6, Number.NaN, MINUTE, undefined, undefined, undefined, undefined, 'raw'); // { name: 'a', type: 'file', size: 6, raw: 'raw' }
 * ```
 */
export function timedEntry(
  name: string,
  type: ListingEntryType,
  size: number,
  time: number,
  precisionCode: number,
  permissions: string | undefined,
  target: string | undefined,
  owner: string | undefined,
  group: string | undefined,
  raw: string,
): ListingEntry {
  const precision = PRECISIONS[precisionCode]!;
  if (size >= 0) {
    if (permissions !== undefined && owner !== undefined && group !== undefined) {
      if (time === time) {
        const modifiedAt = new Date(time);
        if (target === undefined) return Object.freeze({ name, type, size, modifiedAt, precision, permissions, owner, group, raw });
        return Object.freeze({ name, type, size, modifiedAt, precision, permissions, target, owner, group, raw });
      }
      if (target === undefined) return Object.freeze({ name, type, size, permissions, owner, group, raw });
      return Object.freeze({ name, type, size, permissions, target, owner, group, raw });
    }
    if (permissions === undefined && target === undefined && owner === undefined && group === undefined && time === time) {
      return Object.freeze({ name, type, size, modifiedAt: new Date(time), precision, raw }); // DOS file
    }
  } else if (permissions === undefined && target === undefined && owner === undefined && group === undefined && time === time) {
    return Object.freeze({ name, type, modifiedAt: new Date(time), precision, raw }); // DOS directory
  }
  return anyEntry(name, type, size, time, precision, permissions, target, owner, group, undefined, raw);
}

/**
 * A frozen MLSD entry, `facts` read from `raw` when asked for.
 *
 * @internal
 * @example
 * ```ts
 * mlsdEntry('a', 'file', 6, Number.NaN, undefined, undefined, undefined, undefined, 'size=6; a').facts?.get('size'); // '6'
 * ```
 */
export function mlsdEntry(
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
  const facts = new MlsdFacts(raw);
  // RFC 3659 §2.3: a time-val states at least the second.
  const precision = 'second';
  if (time === time && permissions !== undefined && target === undefined) {
    const modifiedAt = new Date(time);
    if (owner !== undefined && group !== undefined) {
      if (size >= 0) return Object.freeze({ name, type, size, modifiedAt, precision, permissions, owner, group, facts, raw });
      return Object.freeze({ name, type, modifiedAt, precision, permissions, owner, group, facts, raw });
    }
    if (owner === undefined && group === undefined) {
      if (size >= 0) return Object.freeze({ name, type, size, modifiedAt, precision, permissions, facts, raw });
      return Object.freeze({ name, type, modifiedAt, precision, permissions, facts, raw });
    }
  }
  return anyEntry(name, type, size, time, precision, permissions, target, owner, group, facts, raw);
}

/**
 * A frozen EPLF entry; `time` is epoch milliseconds or NaN.
 *
 * @internal
 * @example
 * ```ts
 * eplfEntry('a', 'file', 6, 0, undefined, '+m0,s6,r,\ta').modifiedAt?.getTime(); // 0
 * ```
 */
export function eplfEntry(name: string, type: ListingEntryType, size: number, time: number, permissions: string | undefined, raw: string): ListingEntry {
  // EPLF's m fact counts whole seconds since the epoch.
  return anyEntry(name, type, size, time, 'second', permissions, undefined, undefined, undefined, undefined, raw);
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
  return MlsdFacts.isSelfOrParent(entry.facts);
}
