/**
 * The vocabulary of directory listings: the entry every format parser builds, the formats, and what
 * a parse returns. A module of its own, below both the format parsers (`list/*.ts`) and the public
 * face (`listing.ts`), so that neither has to import the other for a type.
 *
 * Theory of operation: types only, no code. Entries are frozen plain objects (see `list/entry.ts`
 * for how they are built); a field a line does not state is absent rather than guessed.
 *
 * @module
 */
/**
 * What a listing entry is. Devices, sockets, FIFOs and unrecognised MLSD types are `unknown`.
 *
 * @example
 * ```ts
 * const dirs = parseListing(text).entries.filter((e) => e.type === 'directory');
 * ```
 */
export type ListingEntryType = 'file' | 'directory' | 'symlink' | 'unknown';

/**
 * One entry of a directory listing: a frozen plain object. Only `name`, `type` and `raw` are always
 * present: each format carries different information, and a field a line does not state is absent
 * (not a property at all) rather than guessed.
 *
 * Every field is an own data property, so object spread, `toEqual`, `structuredClone` and
 * `JSON.stringify` see them all. `modifiedAt` is a `Date` of the entry's own (mutable, as every
 * `Date` is; the type is readonly). `facts` is a read-only `Map` view that reads the facts from
 * `raw` when first asked: `toEqual` compares two of them by content, `JSON.stringify` writes an
 * object, and `new Map(entry.facts)` makes a mutable copy.
 *
 * @example
 * ```ts
 * const entry = parseListingLine('lrwxrwxrwx 1 u g 9 Jan 02  2020 link -> hello.txt', 'unix');
 * // { name: 'link', type: 'symlink', size: 9, modifiedAt: 2020-01-02T00:00:00.000Z,
 * //   permissions: 'rwxrwxrwx', target: 'hello.txt', owner: 'u', group: 'g', raw: 'lrwxrwxrwx 1 u g …' }
 * JSON.stringify({ ...entry }); // every field, modifiedAt as "2020-01-02T00:00:00.000Z"
 * ```
 */
export interface ListingEntry {
  /**
   * The name exactly as listed, spaces included. For MLST it is the pathname the server echoed,
   * often absolute. Untrusted: sanitise before using it as a local path.
   */
  readonly name: string;
  readonly type: ListingEntryType;
  /** Size in bytes. Absent for devices, for directories in formats that omit it, and when unstated. */
  readonly size?: number;
  /**
   * Last modification. MLSD and EPLF times are UTC by definition; unix and DOS times are the
   * server's local time taken as UTC, to the minute. Absent when unstated, and for a year-less
   * unix date parsed without `now`.
   */
  readonly modifiedAt?: Date;
  /**
   * `ls`-style permissions (`rwxr-xr-x`) from unix listings, MLSD `UNIX.mode` or EPLF `up`; for
   * MLSD without `UNIX.mode`, the RFC 3659 §7.5.5 `perm` fact as sent (for example `adfrw`).
   */
  readonly permissions?: string;
  /** Where a symlink points, when the listing says (`a -> b`, Pure-FTPd's `OS.unix=slink:b`). */
  readonly target?: string;
  /** Owner name or number, as listed. */
  readonly owner?: string;
  /** Group name or number, as listed. */
  readonly group?: string;
  /**
   * MLSD/MLST only: every fact, names lower-cased, values as sent, in the order sent; the first of
   * two facts with the same name wins. Read-only.
   */
  readonly facts?: ReadonlyMap<string, string>;
  /** The line the entry was parsed from, without its line ending. */
  readonly raw: string;
}

/**
 * The listing formats the codec parses: `ls -l` style (`unix`), Microsoft IIS / DOS (`dos`),
 * Bernstein's EPLF (`eplf`) and RFC 3659 MLSD (`mlsd`).
 *
 * @example
 * ```ts
 * const format: ListingFormat = 'mlsd';
 * parseListing(text, { format });
 * ```
 */
export type ListingFormat = 'unix' | 'dos' | 'eplf' | 'mlsd';

/**
 * A line the chosen format could not parse. `index` is its 0-based line number in the input
 * (blank lines count), or its index in `reply.lines` for {@link parseStatListing}.
 *
 * @example
 * ```ts
 * parseListing('-rw-r--r-- 1 u g 6 Jan 02  2020 a\nls: cannot open x\n').unparsed;
 * // [{ line: 'ls: cannot open x', index: 1 }]
 * ```
 */
export interface UnparsedLine {
  readonly line: string;
  readonly index: number;
}

/**
 * The outcome of parsing a listing. `format` is the detected (or forced) format, `undefined` when no
 * line fits any format. Every non-blank line other than `total N` ends up either in `entries`
 * (unless it is `.`, `..`, `cdir` or `pdir`) or in `unparsed`.
 *
 * @example
 * ```ts
 * const { format, entries, unparsed } = parseListing(text, { now: new Date() });
 * if (unparsed.length > 0) console.warn('unrecognised listing lines', unparsed);
 * ```
 */
export interface ListingResult {
  readonly format: ListingFormat | undefined;
  readonly entries: readonly ListingEntry[];
  readonly unparsed: readonly UnparsedLine[];
}

/**
 * Options of {@link parseListing} and friends.
 *
 * @example
 * ```ts
 * parseListing(text, { format: 'unix', now: new Date() });
 * ```
 */
export interface ParseListingOptions {
  /** Skip detection and parse every line with this format. */
  readonly format?: ListingFormat;
  /**
   * The current time, used only to infer the year of unix dates printed without one
   * (`Nov 25 15:40`): the year chosen is that of the most recent such date at most one day after
   * `now`. The codec never reads the clock itself; without `now` such entries have no `modifiedAt`.
   */
  readonly now?: Date;
}
