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
 * How precise an entry's `modifiedAt` is: the server stated the `day` only (`Jan  2  2020`, a data
 * set's date), the `minute` (`Nov 25 15:40`, IIS), or the `second` or finer (MLSD, EPLF,
 * `ls --full-time`, VMS, IBM i). The smaller units of `modifiedAt` are zero beyond it; compare two
 * times only to the coarser precision of the two.
 *
 * @example
 * ```ts
 * const entry = parseListingLine('-rw-r--r-- 1 u g 6 Jan 02  2020 a', 'unix');
 * entry?.precision; // 'day': print the date alone, never an invented 00:00
 * ```
 */
export type ListingTimePrecision = 'day' | 'minute' | 'second';

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
  /**
   * Size in bytes. Absent for devices, for directories in formats that omit it, when unstated, when
   * the server counts in other units (VMS blocks, MVS tracks, PDS member lines), and for sizes
   * beyond `Number.MAX_SAFE_INTEGER`, which a `number` cannot hold exactly (the digits are in `raw`).
   */
  readonly size?: number;
  /**
   * Last modification. MLSD and EPLF times are UTC by definition; the times of every other format
   * are the server's local time, turned into UTC with {@link ParseListingOptions.timeZoneOffset}
   * (taken as UTC without it). Absent when unstated, and for a year-less unix date parsed without
   * `now`. {@link ListingEntry.precision} says how much of it the server stated.
   */
  readonly modifiedAt?: Date;
  /** How precise `modifiedAt` is; present exactly when `modifiedAt` is. */
  readonly precision?: ListingTimePrecision;
  /**
   * `ls`-style permissions (`rwxr-xr-x`) from unix listings, MLSD `UNIX.mode` or EPLF `up`; for
   * MLSD without `UNIX.mode`, the RFC 3659 §7.5.5 `perm` fact as sent (for example `adfrw`); for
   * the other formats their own notation as listed: VMS `RWED,RWED,RE,`, NetWare `RWCEAFMS`, HP
   * NonStop `nunu`.
   */
  readonly permissions?: string;
  /** Where a symlink points, when the listing says (`a -> b`, Pure-FTPd's `OS.unix=slink:b`). */
  readonly target?: string;
  /** Owner name or number, as listed (the member of a VMS `[group,member]` UIC). */
  readonly owner?: string;
  /** Group name or number, as listed (the group of a VMS UIC or a NonStop `group,user`). */
  readonly group?: string;
  /**
   * MLSD/MLST only: every fact, names lower-cased, values as sent, in the order sent; the first of
   * two facts with the same name wins. Read-only.
   */
  readonly facts?: ReadonlyMap<string, string>;
  /**
   * The line the entry was parsed from, without its line ending. A VMS record that the server
   * wrapped onto two lines keeps both, joined by `\n`.
   */
  readonly raw: string;
}

/**
 * The listing formats the codec parses: `ls -l` style (`unix`), Microsoft IIS / DOS (`dos`),
 * Bernstein's EPLF (`eplf`), RFC 3659 MLSD (`mlsd`), OpenVMS (`vms`), IBM z/OS data sets, PDS
 * members and the JES spool (`mvs`), IBM i (`os400`), OS/2 (`os2`), Novell NetWare (`netware`)
 * and HP NonStop Guardian (`nonstop`). The listing guide has a table of what each one reads.
 *
 * @example
 * ```ts
 * const format: ListingFormat = 'mlsd';
 * parseListing(text, { format });
 * ```
 */
export type ListingFormat = 'unix' | 'dos' | 'eplf' | 'mlsd' | 'vms' | 'mvs' | 'os400' | 'os2' | 'netware' | 'nonstop';

/**
 * The order of the parts of an all-numeric date with two-digit parts, such as IBM i's `06/11/97`
 * or a localised Windows `dir`'s `03/01/2024`: month, day, year (`mdy`), day first (`dmy`) or year
 * first (`ymd`). Formats whose order is fixed (IIS's `MM-DD-YY`, ISO `YYYY-MM-DD`, `DD.MM.YYYY`)
 * ignore it.
 *
 * @example
 * ```ts
 * parseListing(text, { dateOrder: 'dmy' }); // an IBM i server whose job date format is *DMY
 * ```
 */
export type ListingDateOrder = 'mdy' | 'dmy' | 'ymd';

/**
 * A per-line parser of one's own, tried before the built-in ones ({@link ParseListingOptions.parseLine}):
 * an entry for a line it reads, `null` for a line to leave out on purpose (a banner), `undefined`
 * to hand the line on to the built-in parsers.
 *
 * @example
 * ```ts
 * const parseLine: ListingLineParser = (line) =>
 *   line.startsWith('FILE ') ? { name: line.slice(5), type: 'file', raw: line } : line.startsWith('#') ? null : undefined;
 * ```
 */
export type ListingLineParser = (line: string) => ListingEntry | null | undefined;

/**
 * A server's offset from UTC that changes with the date, as a function of the server's wall clock:
 * given a local date and time written as if it were UTC (`Date.UTC(2024, 6, 1, 12, 0)` for a line
 * that says 1 July 2024 12:00), the offset in minutes east of UTC in force at that local time, an
 * integer from -1440 to 1440 (`120` for Berlin in July, `60` in January). The parse then takes the
 * entry's time to be `wallClockAsUtcMs - offset * 60_000`.
 *
 * The codec never reads the host's zone: the caller builds the function (`@ftpkit/client` builds
 * one from an IANA zone name with `Intl`). It must be pure, as the parse calls it for every time it
 * reads, in any order; a local time the clocks skip or repeat at a switch is the function's to
 * settle (the client's takes, like JavaScript's `Date`, the offset from before the switch). A value
 * outside the range, or not an integer, makes the parse throw `LocalProtocolError`.
 *
 * @example
 * ```ts
 * // Central European Time, switching on the EU's dates (last Sunday of March and of October, 01:00 UTC).
 * const cet: TimeZoneOffsetFunction = (wall) => {
 *   const year = new Date(wall).getUTCFullYear();
 *   const lastSunday = (month: number) => {
 *     const end = Date.UTC(year, month + 1, 0);
 *     return end - new Date(end).getUTCDay() * 86_400_000;
 *   };
 *   const summer = wall >= lastSunday(2) + 2 * 3_600_000 && wall < lastSunday(9) + 3 * 3_600_000;
 *   return summer ? 120 : 60;
 * };
 * parseListing(text, { now: new Date(), timeZoneOffset: cet });
 * ```
 */
export type TimeZoneOffsetFunction = (wallClockAsUtcMs: number) => number;

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
   * The current time, used only to infer the year of dates printed without one (`Nov 25 15:40`):
   * the year chosen is that of the most recent such date, read in the server's zone
   * ({@link ParseListingOptions.timeZoneOffset}), at most one day after `now`. The codec never
   * reads the clock itself; without `now` such entries have no `modifiedAt`.
   */
  readonly now?: Date;
  /**
   * The server's offset from UTC in minutes, east positive (`60` for UTC+01:00, `-300` for
   * UTC-05:00): LIST times carry no zone, and are read as the server's local time at this offset.
   * Applies to every format but MLSD and EPLF, whose times are UTC by definition, and to lines that
   * state their own zone (`ls --full-time`). An integer from -1440 to 1440; default 0 (UTC).
   *
   * A zone with daylight saving time has no one offset: give a {@link TimeZoneOffsetFunction}
   * instead, which is asked for the offset in force at each time read (and at `now`, for the
   * year of year-less dates).
   */
  readonly timeZoneOffset?: number | TimeZoneOffsetFunction;
  /** The order of all-numeric dates whose order the format leaves open. Default `'mdy'`. */
  readonly dateOrder?: ListingDateOrder;
  /**
   * A parser of one's own, tried on every line (except blank lines and `total N`) before the
   * built-in parsers: an entry it returns is kept in its place among the others, `null` leaves the
   * line out, and `undefined` hands it on to the built-in parsers, so that returning `null` for
   * every line it does not read makes it the only parser. Its lines do not take part in the
   * format vote; its entries are kept whatever format wins (except `.` and `..`, left out as
   * always). An exception it throws propagates.
   */
  readonly parseLine?: ListingLineParser;
}
