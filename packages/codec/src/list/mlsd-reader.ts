// Why this file is long: the scratch layout, the fact-name table and the reader that uses them change together.
/**
 * The MLSD line reader: one line of an MLSD listing (or the entry line of an MLST reply) to a
 * listing entry, as fast as the listing engine needs it.
 *
 * Theory of operation: the line is scanned in place in the listing text (RFC 3659 §7.2: `entry =
 * [ facts ] SP pathname`; the facts end at the first `"; "`, see `mlsd.ts`). The facts an entry is
 * built from are located by offset without building a map; only the values the entry keeps are
 * sliced out, and the full fact map is built only when `entry.facts` is read. The facts it
 * interprets:
 *
 * - `type`: `file`, `dir`, `cdir` (the listed directory itself) and `pdir` (its parent), and
 *   `OS.unix=symlink` (ProFTPD) or `OS.unix=slink:target` (Pure-FTPd, often with an empty target)
 *   for symbolic links. Other values (other `OS.name=type` values, unregistered names) are
 *   `unknown`; RFC 3659 §7.5.1 makes type values case-insensitive. `cdir`/`pdir` entries are
 *   directories, marked so that listings can leave them out.
 * - `size`, or Pure-FTPd's `sizd` for directories; `modify` (RFC 3659 §2.3 time, UTC).
 * - `UNIX.mode` (octal) becomes the `ls`-style `permissions`; without it the RFC 3659 §7.5.5 `perm`
 *   fact is given as is. `UNIX.ownername`/`UNIX.owner`/`UNIX.uid` and the group counterparts become
 *   `owner`/`group`, names preferred.
 *
 * A malformed `size`, `sizd` or `modify` makes the whole line malformed: an entry with a wrong size
 * is worse than one reported as unparsed. Other facts are only carried in `facts`. What the reader
 * remembers between lines (the fact names a listing uses, where the next `;` is) belongs to the one
 * {@link MlsdScratch} of one parse, never to the module.
 *
 * @module
 */
import { ftpTimeToEpoch } from '../time.js';
import { decimal } from './digits.js';
import { mlsdEntry } from './entry.js';
import { NO_EQUALS, NO_NAME } from './facts.js';
import { modeToPermissions } from './mode.js';
import { clearRecent, type Recent, recentOf } from './recent.js';
import type { ListingEntry, ListingEntryType } from './types.js';

const ZERO = 0x30;

// Value offsets of the facts an entry is built from: slot k holds the start, k + 1 the end, -1 when
// the fact is absent. One scan fills them without allocating; only the values the entry keeps are
// ever sliced out.
const TYPE = 0;
const SIZE = 2;
const SIZD = 4;
const MODIFY = 6;
const PERM = 8;
const MODE = 10;
const OWNERNAME = 12;
const OWNER = 14;
const UID = 16;
const GROUPNAME = 18;
const GROUP = 20;
const GID = 22;
const SLOTS = 24;

/** Does `text[start, end)` equal `lower` ignoring ASCII case? `lower` must be lower case. */
function sameText(line: string, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = line.charCodeAt(start + i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The slot of the fact named `line[start, end)`, or -1 for a fact the entry does not use. Length
 * and one distinguishing letter pick the one candidate, which is then compared in full.
 */
function slotOf(line: string, start: number, end: number): number {
  const last = line.charCodeAt(end - 1) | 0x20;
  switch (end - start) {
    case 4: {
      const first = line.charCodeAt(start) | 0x20;
      if (first === 0x74) return sameText(line, start, end, 'type') ? TYPE : -1; // t
      if (first === 0x70) return sameText(line, start, end, 'perm') ? PERM : -1; // p
      if (last === 0x65) return sameText(line, start, end, 'size') ? SIZE : -1; // ...e
      return sameText(line, start, end, 'sizd') ? SIZD : -1;
    }
    case 6:
      return sameText(line, start, end, 'modify') ? MODIFY : -1;
    case 8:
      if (line.charCodeAt(start + 5) === 0x75 || line.charCodeAt(start + 5) === 0x55) return sameText(line, start, end, 'unix.uid') ? UID : -1;
      return sameText(line, start, end, 'unix.gid') ? GID : -1;
    case 9:
      return sameText(line, start, end, 'unix.mode') ? MODE : -1;
    case 10:
      if (last === 0x72) return sameText(line, start, end, 'unix.owner') ? OWNER : -1; // ...r
      return sameText(line, start, end, 'unix.group') ? GROUP : -1;
    case 14:
      if ((line.charCodeAt(start + 5) | 0x20) === 0x6f) return sameText(line, start, end, 'unix.ownername') ? OWNERNAME : -1; // o
      return sameText(line, start, end, 'unix.groupname') ? GROUPNAME : -1;
    default:
      return -1;
  }
}

/** How many fact names an {@link MlsdScratch} remembers. */
const MAX_KNOWN_NAMES = 32;

/** Octal value of `line[start, end)`, or -1. */
function octalAt(line: string, start: number, end: number): number {
  if (end <= start || end - start > 12) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = line.charCodeAt(i) - ZERO;
    if (d < 0 || d > 7) return -1;
    value = value * 8 + d;
  }
  return value;
}

/** ASCII letters: RFC 3659 §7.5 fact names all start with one. */
function isLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

// The parts of an MlsdScratch, and the slots of its `ints` and `texts`.
const AT = 0;
const INTS = 1;
const TEXTS = 2;
const KNOWN_NAMES = 3;
const KNOWN_SLOTS = 4;
const BY_MODE = 5;
const PERMS = 6;
const OWNERS = 7;
const GROUPS = 8;
/** In `ints`: 1 when the last entry read is a `cdir` or `pdir`, else 0. */
const SELF_OR_PARENT = 0;
/** In `ints` and `texts`: the first `"; "` at or after `SEMI_FROM` in `texts[SEMI_TEXT]` (-1: none). */
const SEMI_FROM = 1;
const SEMI_AT = 2;
const SEMI_TEXT = 0;
/** In `ints` and `texts`: the same for the first `;`. */
const SEMICOLON_FROM = 3;
const SEMICOLON_AT = 4;
const SEMICOLON_TEXT = 1;
/** In `texts`: why the last line was refused. */
const ERROR = 2;

/**
 * What the MLSD lines of one parse remember from one line to the next, so that two parses never
 * share it. A parse makes one with {@link mlsdScratch} and passes it to every {@link readMlsdLine}
 * call. An array of arrays rather than an object with fields, for speed: `packages/bench/RESULTS.md`,
 * "Listing parse: per-parse state", says why. It holds:
 *
 * - the fact offsets of the line being read, by slot;
 * - whether the last entry read is a `cdir` or `pdir` ({@link mlsdSelfOrParent}) and why the last
 *   line was refused ({@link mlsdError});
 * - where the next `"; "` and `;` are. A listing whose server leaves out the final ";" has no
 *   `"; "` at all, and searching the rest of the text again for every line would take quadratic
 *   time; remembering the answer keeps the whole listing linear. The same holds for facts without
 *   any ";";
 * - the fact names seen in this listing, each with its "=" and as spelled, in the order of the line
 *   that first had them, and their slots. A server names the same facts in the same order on every
 *   line (or in one of a few orders: files and directories differ), so one startsWith per fact
 *   usually replaces reading its name: the name after the last one matched is tried first, then
 *   the others. Bounded, so that a line of ever new names cannot make every fact try them all;
 * - permission strings by mode, and recent perm, owner and group texts: a listing repeats them on
 *   nearly every line, and sharing the strings saves memory per entry (see recent.ts).
 *
 * @internal
 */
export type MlsdScratch = [
  at: Int32Array,
  ints: Int32Array,
  texts: string[],
  knownNames: string[],
  knownSlots: number[],
  permissionsByMode: (string | undefined)[],
  perms: Recent,
  owners: Recent,
  groups: Recent,
];

/**
 * The scratch space of one parse's MLSD lines.
 *
 * @internal
 * @example
 * ```ts
 * const scratch = mlsdScratch();
 * readMlsdLine('type=cdir; .', 0, 12, scratch)?.type; // 'directory'
 * mlsdSelfOrParent(scratch);                         // true
 * ```
 */
export function mlsdScratch(): MlsdScratch {
  const ints = new Int32Array(5);
  ints[SEMI_AT] = -1;
  ints[SEMICOLON_AT] = -1;
  return [new Int32Array(SLOTS), ints, ['', '', ''], [], [], [], [], [], []];
}

/** Whether the entry the last {@link readMlsdLine} with `scratch` returned is a `cdir` or `pdir`. @internal */
export function mlsdSelfOrParent(scratch: MlsdScratch): boolean {
  return scratch[INTS][SELF_OR_PARENT] === 1;
}

/** Why the last {@link readMlsdLine} with `scratch` returned `undefined`. @internal */
export function mlsdError(scratch: MlsdScratch): string {
  return scratch[TEXTS][ERROR]!;
}

/**
 * Forget the listing text and the strings remembered from it, so that a big listing does not stay
 * alive after its entries are gone: at the end of a piece of a streamed listing.
 *
 * @internal
 */
export function releaseMlsdScratch(scratch: MlsdScratch): void {
  const ints = scratch[INTS];
  const texts = scratch[TEXTS];
  texts[SEMI_TEXT] = '';
  ints[SEMI_FROM] = 0;
  ints[SEMI_AT] = -1;
  texts[SEMICOLON_TEXT] = '';
  ints[SEMICOLON_FROM] = 0;
  ints[SEMICOLON_AT] = -1;
  clearRecent(scratch[PERMS]);
  clearRecent(scratch[OWNERS]);
  clearRecent(scratch[GROUPS]);
  scratch[KNOWN_NAMES].length = 0;
  scratch[KNOWN_SLOTS].length = 0;
}

/** Leave `reason` in `scratch` ({@link mlsdError}), and refuse the line. */
function refuse(scratch: MlsdScratch, reason: string): undefined {
  scratch[TEXTS][ERROR] = reason;
  return undefined;
}

/**
 * The MLSD line `text[start, end)` as an entry, or `undefined` (the reason is left for
 * {@link mlsdError}). Never throws. The listing parser's fast path.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'type=file;size=6; hello.txt';
 * readMlsdLine(line, 0, line.length, mlsdScratch())?.size; // 6
 * ```
 */
export function readMlsdLine(text: string, start: number, end: number, scratch: MlsdScratch): ListingEntry | undefined {
  const first = text.charCodeAt(start);
  if (first !== 0x20) {
    // Cheap rejection before anything is copied: the first fact name starts with a letter and
    // runs to "=" (a unix "drwxr-xr-x ..." line reaches its space first).
    if (!isLetter(first)) return refuse(scratch, 'a line must start with a fact name or a space');
    // A line that starts with the first name known needs no second look: that passed this check.
    const knownNames = scratch[KNOWN_NAMES];
    if (knownNames.length === 0 || !text.startsWith(knownNames[0]!, start)) {
      let i = start + 1;
      let c = text.charCodeAt(i);
      while (i < end && c !== 0x3d && c !== 0x20 && c !== 0x3b) c = text.charCodeAt(++i);
      if (c !== 0x3d) return refuse(scratch, NO_EQUALS);
    }
  }
  let factsEnd: number;
  let nameStart: number;
  if (first === 0x20) {
    factsEnd = start; // RFC 3659 §7.2: the facts are optional; the space is not
    nameStart = start + 1;
  } else {
    const semi = nextSemicolonSpace(text, start, scratch);
    if (semi >= 0 && semi < end) {
      factsEnd = semi + 1;
      nameStart = semi + 2;
    } else {
      // No "; ": a server that left out the final ";" (tolerated), or not MLSD at all. The facts
      // end at the first space, searched within the line only.
      let space = start;
      while (space < end && text.charCodeAt(space) !== 0x20) space++;
      if (space >= end) return refuse(scratch, 'no space between facts and name');
      factsEnd = space;
      nameStart = space + 1;
    }
  }
  if (nameStart >= end) return refuse(scratch, 'empty name');
  if (!locateFacts(text, start, factsEnd, scratch)) return undefined;
  const at = scratch[AT];
  let type: ListingEntryType = 'unknown';
  let target: string | undefined;
  let selfOrParent = false;
  const ts = at[TYPE]!;
  if (ts >= 0) {
    const te = at[TYPE + 1]!;
    // RFC 3659 §7.5.1: type values are case-insensitive. Anything not recognised here (other
    // OS.name=type values, unregistered names) stays 'unknown'; the value is in the facts.
    if (sameText(text, ts, te, 'file')) type = 'file';
    else if (sameText(text, ts, te, 'dir')) type = 'directory';
    else if (sameText(text, ts, te, 'cdir') || sameText(text, ts, te, 'pdir')) {
      type = 'directory';
      selfOrParent = true;
    } else if (sameText(text, ts, te, 'os.unix=symlink') || sameText(text, ts, te, 'os.unix=slink')) type = 'symlink';
    else if (te - ts >= 14 && sameText(text, ts, ts + 14, 'os.unix=slink:')) {
      type = 'symlink'; // Pure-FTPd: OS.unix=slink:target, the target often left empty
      if (te - ts > 14) target = text.slice(ts + 14, te);
    }
  }
  let size = -1;
  const sizeSlot = at[SIZE]! >= 0 ? SIZE : at[SIZD]! >= 0 ? SIZD : -1; // sizd: Pure-FTPd's directory size
  if (sizeSlot >= 0) {
    size = decimal(text, at[sizeSlot]!, at[sizeSlot + 1]!);
    if (size < 0) return refuse(scratch, 'malformed size fact');
  }
  let time = Number.NaN;
  if (at[MODIFY]! >= 0) {
    time = ftpTimeToEpoch(text, at[MODIFY]!, at[MODIFY + 1]!);
    if (time !== time) return refuse(scratch, 'malformed modify fact');
  }
  let permissions: string | undefined;
  const mode = at[MODE]! >= 0 ? octalAt(text, at[MODE]!, at[MODE + 1]!) : -1;
  if (mode >= 0) permissions = (scratch[BY_MODE][mode & 0o7777] ??= modeToPermissions(mode & 0o7777));
  else if (at[PERM]! >= 0) permissions = recentOf(scratch[PERMS], text, at[PERM]!, at[PERM + 1]!);
  let owner: string | undefined;
  const ownerSlot = firstPresent(at, OWNERNAME, OWNER, UID);
  if (ownerSlot >= 0) owner = recentOf(scratch[OWNERS], text, at[ownerSlot]!, at[ownerSlot + 1]!);
  let group: string | undefined;
  const groupSlot = firstPresent(at, GROUPNAME, GROUP, GID);
  if (groupSlot >= 0) group = recentOf(scratch[GROUPS], text, at[groupSlot]!, at[groupSlot + 1]!);

  scratch[INTS][SELF_OR_PARENT] = selfOrParent ? 1 : 0;
  return mlsdEntry(text.slice(nameStart, end), type, size, time, permissions, target, owner, group, text.slice(start, end));
}

/**
 * Check the syntax of the facts in `text[start, end)`, where `text[end - 1]` is the `;` of the
 * final `"; "` (or `end` is where a fact list without it stops), and fill the offsets. Same rules
 * as `scanFacts` (facts.ts).
 */
function locateFacts(text: string, start: number, end: number, scratch: MlsdScratch): boolean {
  const at = scratch[AT];
  const knownNames = scratch[KNOWN_NAMES];
  const knownSlots = scratch[KNOWN_SLOTS];
  // Only the starts say whether a fact is present. A loop rather than fill(), which V8 runs in C++
  // at the cost of a call per line.
  for (let k = 0; k < SLOTS; k += 2) at[k] = -1;
  let pos = start;
  let next = 0;
  while (pos < end) {
    let semi = nextSemicolon(text, pos, scratch);
    if (semi < 0 || semi > end) semi = end;
    if (semi > pos) {
      // A known name holds no ";" and its "=" is its first, so where one matches, its "=" is this
      // fact's first "=", as the search below would find.
      let known = -1;
      const count = knownNames.length;
      for (let tried = 0; tried < count; tried++) {
        const k = next + tried < count ? next + tried : next + tried - count;
        const name = knownNames[k]!;
        if (pos + name.length <= semi && text.startsWith(name, pos)) {
          known = k;
          break;
        }
      }
      let eq: number;
      let slot: number;
      if (known >= 0) {
        eq = pos + knownNames[known]!.length - 1;
        slot = knownSlots[known]!;
        next = known + 1;
      } else {
        // The next "=" exists: the first fact has one (checked by the caller) and a later fact
        // without one makes this search stop at the next line's, never rescanning a long stretch.
        eq = text.indexOf('=', pos);
        if (eq < 0 || eq >= semi) {
          scratch[TEXTS][ERROR] = NO_EQUALS;
          return false;
        }
        if (eq === pos) {
          scratch[TEXTS][ERROR] = NO_NAME;
          return false;
        }
        slot = slotOf(text, pos, eq);
        if (count < MAX_KNOWN_NAMES) {
          knownNames.push(text.slice(pos, eq + 1));
          knownSlots.push(slot);
          next = count + 1;
        }
      }
      if (slot >= 0 && at[slot]! < 0) {
        at[slot] = eq + 1;
        at[slot + 1] = semi;
      }
    }
    pos = semi + 1;
  }
  return true;
}

/** The first `;` at or after `from` in `text` (-1: none), remembered for the lines that follow. */
function nextSemicolon(text: string, from: number, scratch: MlsdScratch): number {
  return nextOf(';', text, from, scratch[INTS], scratch[TEXTS], SEMICOLON_TEXT, SEMICOLON_FROM, SEMICOLON_AT);
}

/** The first `"; "` at or after `from` in `text` (-1: none), remembered for the lines that follow. */
function nextSemicolonSpace(text: string, from: number, scratch: MlsdScratch): number {
  return nextOf('; ', text, from, scratch[INTS], scratch[TEXTS], SEMI_TEXT, SEMI_FROM, SEMI_AT);
}

/**
 * The first `needle` at or after `from` in `text`, where `texts[textSlot]`, `ints[fromSlot]` and
 * `ints[atSlot]` remember the last search: its answer holds for any later `from` up to it.
 */
function nextOf(needle: string, text: string, from: number, ints: Int32Array, texts: string[], textSlot: number, fromSlot: number, atSlot: number): number {
  const at = ints[atSlot]!;
  if (text === texts[textSlot] && from >= ints[fromSlot]! && (at < 0 || at >= from)) return at;
  texts[textSlot] = text;
  ints[fromSlot] = from;
  return (ints[atSlot] = text.indexOf(needle, from));
}

/** The first of three slots whose fact is present in `at`, or -1. */
function firstPresent(at: Int32Array, a: number, b: number, c: number): number {
  return at[a]! >= 0 ? a : at[b]! >= 0 ? b : at[c]! >= 0 ? c : -1;
}
