/**
 * MLSD and MLST: the machine-readable listings of RFC 3659 §7.
 *
 * Theory of operation: an entry is a list of facts, one space, and the pathname (RFC 3659 §7.2:
 * `entry = [ facts ] SP pathname`, `facts = 1*( fact ";" )`, `fact = factname "=" value`). Fact
 * values never contain `;`, so the facts end at the first `"; "`. Splitting there, rather than at
 * the first space, keeps names with spaces and `;` whole and also copes with the rare server that
 * puts a space inside a value; a line that starts with the space has no facts at all.
 *
 * Fact names are case-insensitive (RFC 3659 §7.5), so they are stored lower-cased; values are kept
 * exactly as sent. The entry interprets the facts programs ask about:
 *
 * - `type`: `file`, `dir`, `cdir` (the listed directory itself) and `pdir` (its parent), and
 *   `OS.unix=symlink` (ProFTPD) or `OS.unix=slink:target` (Pure-FTPd, often with an empty target)
 *   for symbolic links. Other values (other `OS.name=type` values, unregistered names) are
 *   `unknown`. `cdir`/`pdir` entries are directories, marked so that listings can leave them out.
 * - `size`, or Pure-FTPd's `sizd` for directories; `modify` (RFC 3659 §2.3 time, UTC).
 * - `UNIX.mode` (octal) becomes the `ls`-style `permissions`; without it the RFC 3659 §7.5.5 `perm`
 *   fact is given as is. `UNIX.ownername`/`UNIX.owner`/`UNIX.uid` and the group counterparts become
 *   `owner`/`group`, names preferred.
 *
 * A malformed `size`, `sizd` or `modify` makes the whole line malformed: an entry with a wrong size
 * is worse than one reported as unparsed. Other facts are only carried in `facts`.
 *
 * Speed: a 100,000-line MLSD listing must parse several times faster than basic-ftp does it, so the
 * line is scanned in place in the listing text, the facts an entry needs are located by offset
 * without building a map, and the full fact map is only built when `entry.facts` is read.
 *
 * @module
 */
import { FtpReplyError, LocalProtocolError, RemoteProtocolError } from '../errors.js';
import type { Reply } from '../reply.js';
import { formatFtpTime, ftpTimeToEpoch } from '../time.js';
import { isSelfOrParent, mlsdEntry } from './entry.js';
import { factsError, scanFacts } from './facts.js';
import { modeToPermissions } from './mode.js';
import { Recent } from './recent.js';
import type { ListingEntry, ListingEntryType } from './types.js';

const ZERO = 0x30;

/**
 * Parse the facts part of an MLSD/MLST entry (`type=file;size=6;`) into a map from lower-cased
 * fact name to value (RFC 3659 §7.2, §7.5). Throws {@link RemoteProtocolError} for a fact without
 * `=` or without a name. The first of two facts with the same name wins.
 *
 * @example
 * ```ts
 * const facts = parseFacts('Type=file;Size=6;UNIX.mode=0644;');
 * facts.get('type');      // 'file'
 * facts.get('unix.mode'); // '0644'
 * ```
 */
export function parseFacts(factsText: string): ReadonlyMap<string, string> {
  const facts = scanFacts(factsText, 0, factsText.length);
  if (facts === undefined) throw new RemoteProtocolError(`Malformed MLSD facts: ${factsError} (RFC 3659 §7.2)`);
  return facts;
}

/** Reason the last {@link tryParseMlsdLine} returned undefined. */
let lineError = '';

/**
 * Whether the entry the last {@link tryParseMlsdLine} returned is a `cdir` or `pdir`, which listings
 * leave out: a flag the listing engine reads, cheaper than asking the entry.
 *
 * @internal
 * @example
 * ```ts
 * tryParseMlsdLine('type=cdir; .', 0, 12);
 * mlsdSelfOrParent; // true
 * ```
 */
export let mlsdSelfOrParent = false;

// Value offsets of the facts an entry is built from: slot k holds the start, k + 1 the end, -1 when
// the fact is absent. One scan fills them without allocating; only the values the entry keeps are
// ever sliced out. The codec is synchronous, so one scratch array serves every call.
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
const at = new Int32Array(24);

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

// The fact names seen in this listing, each with its "=" and as spelled, in the order of the line
// that first had them, and their slots. A server names the same facts in the same order on every
// line (or in one of a few orders: files and directories differ), so one startsWith per fact
// usually replaces reading its name: the name after the last one matched is tried first, then the
// others. Bounded, so that a line of ever new names cannot make every fact try them all.
const knownNames: string[] = [];
const knownSlots: number[] = [];
const MAX_KNOWN_NAMES = 32;

/**
 * Check the syntax of the facts in `text[start, end)`, where `text[end - 1]` is the `;` of the
 * final `"; "` (or `end` is where a fact list without it stops), and fill {@link at}. Same rules as
 * {@link scanFacts}.
 */
function locateFacts(text: string, start: number, end: number): boolean {
  // Only the starts say whether a fact is present. A loop rather than fill(), which V8 runs in C++
  // at the cost of a call per line.
  for (let k = 0; k < at.length; k += 2) at[k] = -1;
  let pos = start;
  let next = 0;
  while (pos < end) {
    let semi = nextSemicolon(text, pos);
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
          lineError = 'a fact without "="';
          return false;
        }
        if (eq === pos) {
          lineError = 'a fact without a name';
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

// The first "; " at or after `semiFrom` in `semiText` (-1: none). A listing whose server leaves out
// the final ";" has no "; " at all, and searching the rest of the text again for every line would
// take quadratic time; remembering the answer keeps the whole listing linear.
let semiText = '';
let semiFrom = 0;
let semiAt = -1;
// The same for the first ";" at or after `semicolonFrom`: facts without any ";" in a long listing
// must not make every line search the rest of the text for one.
let semicolonText = '';
let semicolonFrom = 0;
let semicolonAt = -1;

/**
 * Forget the listing text and the strings remembered from it, so that module state does not keep a
 * big listing alive after its entries are gone. Called at the end of every listing parse.
 *
 * @internal
 * @example
 * ```ts
 * releaseMlsdScratch();
 * ```
 */
export function releaseMlsdScratch(): void {
  semiText = '';
  semiFrom = 0;
  semiAt = -1;
  semicolonText = '';
  semicolonFrom = 0;
  semicolonAt = -1;
  owners.clear();
  groups.clear();
  perms.clear();
  knownNames.length = 0;
  knownSlots.length = 0;
}

function nextSemicolon(text: string, from: number): number {
  if (text === semicolonText && from >= semicolonFrom && (semicolonAt < 0 || semicolonAt >= from)) return semicolonAt;
  semicolonText = text;
  semicolonFrom = from;
  semicolonAt = text.indexOf(';', from);
  return semicolonAt;
}

function nextSemicolonSpace(text: string, from: number): number {
  if (text === semiText && from >= semiFrom && (semiAt < 0 || semiAt >= from)) return semiAt;
  semiText = text;
  semiFrom = from;
  semiAt = text.indexOf('; ', from);
  return semiAt;
}

/** Decimal value of `line[start, end)`, or -1 when empty, not all digits, or beyond 2^53. */
function decimalAt(line: string, start: number, end: number): number {
  if (end <= start || end - start > 16) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = line.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value <= Number.MAX_SAFE_INTEGER ? value : -1;
}

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

// Permission strings by mode, and recent owner, group and perm texts: a listing repeats them on
// nearly every line, and sharing the strings saves memory per entry (see list/recent.ts).
const permissionsByMode: (string | undefined)[] = [];
const owners = new Recent();
const groups = new Recent();
const perms = new Recent();

function permissionsFor(mode: number): string {
  const bits = mode & 0o7777;
  return (permissionsByMode[bits] ??= modeToPermissions(bits));
}

/** The value in `slot`, as a string `recent` has seen when it has. */
function textAt(line: string, slot: number, recent: Recent): string {
  return recent.of(line, at[slot]!, at[slot + 1]!);
}

/** The first of three slots whose fact is present, or -1. */
function firstPresent(a: number, b: number, c: number): number {
  return at[a]! >= 0 ? a : at[b]! >= 0 ? b : at[c]! >= 0 ? c : -1;
}

/** ASCII letters: RFC 3659 §7.5 fact names all start with one. */
function isLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

/**
 * Parse the MLSD line `text[start, end)` into an entry, or return undefined (the reason is kept
 * for {@link parseMlsdLine}). Never throws. The listing parser's fast path.
 *
 * @internal
 * @example
 * ```ts
 * const line = 'type=file;size=6; hello.txt';
 * tryParseMlsdLine(line, 0, line.length)?.size; // 6
 * ```
 */
export function tryParseMlsdLine(text: string, start: number, end: number): ListingEntry | undefined {
  const first = text.charCodeAt(start);
  if (first !== 0x20) {
    // Cheap rejection before anything is copied: the first fact name starts with a letter and
    // runs to "=" (a unix "drwxr-xr-x ..." line reaches its space first).
    if (!isLetter(first)) {
      lineError = 'a line must start with a fact name or a space';
      return undefined;
    }
    // A line that starts with the first name known needs no second look: that passed this check.
    if (knownNames.length === 0 || !text.startsWith(knownNames[0]!, start)) {
      let i = start + 1;
      let c = text.charCodeAt(i);
      while (i < end && c !== 0x3d && c !== 0x20 && c !== 0x3b) c = text.charCodeAt(++i);
      if (c !== 0x3d) {
        lineError = 'a fact without "="';
        return undefined;
      }
    }
  }
  let factsEnd: number;
  let nameStart: number;
  if (first === 0x20) {
    factsEnd = start; // RFC 3659 §7.2: the facts are optional; the space is not
    nameStart = start + 1;
  } else {
    const semi = nextSemicolonSpace(text, start);
    if (semi >= 0 && semi < end) {
      factsEnd = semi + 1;
      nameStart = semi + 2;
    } else {
      // No "; ": a server that left out the final ";" (tolerated), or not MLSD at all. The facts
      // end at the first space, searched within the line only.
      let space = start;
      while (space < end && text.charCodeAt(space) !== 0x20) space++;
      if (space >= end) {
        lineError = 'no space between facts and name';
        return undefined;
      }
      factsEnd = space;
      nameStart = space + 1;
    }
  }
  if (nameStart >= end) {
    lineError = 'empty name';
    return undefined;
  }
  if (!locateFacts(text, start, factsEnd)) return undefined;
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
    size = decimalAt(text, at[sizeSlot]!, at[sizeSlot + 1]!);
    if (size < 0) {
      lineError = 'malformed size fact';
      return undefined;
    }
  }
  let time = Number.NaN;
  if (at[MODIFY]! >= 0) {
    time = ftpTimeToEpoch(text, at[MODIFY]!, at[MODIFY + 1]!);
    if (time !== time) {
      lineError = 'malformed modify fact';
      return undefined;
    }
  }
  let permissions: string | undefined;
  const mode = at[MODE]! >= 0 ? octalAt(text, at[MODE]!, at[MODE + 1]!) : -1;
  if (mode >= 0) permissions = permissionsFor(mode);
  else if (at[PERM]! >= 0) permissions = textAt(text, PERM, perms);
  let owner: string | undefined;
  const ownerSlot = firstPresent(OWNERNAME, OWNER, UID);
  if (ownerSlot >= 0) owner = textAt(text, ownerSlot, owners);
  let group: string | undefined;
  const groupSlot = firstPresent(GROUPNAME, GROUP, GID);
  if (groupSlot >= 0) group = textAt(text, groupSlot, groups);

  mlsdSelfOrParent = selfOrParent;
  return mlsdEntry(text.slice(nameStart, end), type, size, time, permissions, target, owner, group, text.slice(start, end));
}

/**
 * True for the `cdir` and `pdir` entries of an MLSD listing (the listed directory and its parent),
 * which {@link parseListing} leaves out.
 *
 * @internal
 * @example
 * ```ts
 * isMlsdSelfOrParent(parseMlsdLine('type=cdir; /pub')); // true
 * ```
 */
export function isMlsdSelfOrParent(entry: ListingEntry): boolean {
  return isSelfOrParent(entry);
}

/**
 * Parse one line of an MLSD listing (RFC 3659 §7.2): facts, one space, the name. The name may
 * contain spaces and `;`. Throws {@link RemoteProtocolError} when the line is malformed. `cdir` and
 * `pdir` entries are returned as directories; their `facts.get('type')` tells them apart.
 *
 * @example
 * ```ts
 * const entry = parseMlsdLine('type=file;size=6;modify=20200102030405;UNIX.mode=0644; my file.txt');
 * entry.name;        // 'my file.txt'
 * entry.type;        // 'file'
 * entry.size;        // 6
 * entry.permissions; // 'rw-r--r--'
 * entry.modifiedAt;  // 2020-01-02T03:04:05.000Z
 * ```
 */
export function parseMlsdLine(line: string): ListingEntry {
  const entry = tryParseMlsdLine(line, 0, line.length);
  if (entry === undefined) throw new RemoteProtocolError(`Malformed MLSD line: ${lineError} (RFC 3659 §7.2)`);
  return entry;
}

/**
 * The entry carried by a reply to `MLST path` (RFC 3659 §7.2: `250-` text, the entry on a line of
 * its own that starts with a space, then `250 ` text). The name is the pathname as the server wrote
 * it, often absolute (`/hello.txt`). A reply other than 250 throws {@link FtpReplyError}; a 250
 * without exactly one entry line, or with a malformed one, throws {@link RemoteProtocolError}.
 *
 * @example
 * ```ts
 * const reply = createReply(250, ['Listing hello.txt', ' type=file;size=6; /hello.txt', 'End']);
 * parseMlstReply(reply).name; // '/hello.txt'
 * ```
 */
export function parseMlstReply(reply: Reply): ListingEntry {
  if (reply.code !== 250) throw new FtpReplyError(reply, 'MLST');
  let found: string | undefined;
  const lines = reply.lines;
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (found !== undefined) throw new RemoteProtocolError('Malformed MLST reply: more than one entry (RFC 3659 §7.2)');
    found = line;
  }
  if (found === undefined) throw new RemoteProtocolError('Malformed MLST reply: no entry line (RFC 3659 §7.2)');
  // RFC 3659 §7.2: the entry line starts with one space. A server that repeated the "250-" prefix
  // instead had it removed by the reply parser, leaving no space; both are accepted.
  return parseMlsdLine(found.charCodeAt(0) === 0x20 ? found.slice(1) : found);
}

/** Characters a fact name or value may not contain: they delimit facts, entries or lines. */
function checkFactText(text: string, what: string, forbidEquals: boolean): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3b || c === 0x20 || c === 0x0d || c === 0x0a || c === 0 || (forbidEquals && c === 0x3d)) {
      throw new LocalProtocolError(`An MLSD ${what} cannot contain ";", "=", space, CR, LF or NUL`);
    }
  }
}

const FORMAT_TYPES: Readonly<Record<ListingEntryType, string | undefined>> = {
  file: 'file',
  directory: 'dir',
  symlink: 'OS.unix=symlink',
  unknown: undefined,
};

/**
 * Format an entry as an MLSD line, the inverse of {@link parseMlsdLine}:
 * `parseMlsdLine(formatMlsdLine(e))` describes the same entry as `e`. When the entry has `facts`
 * they are written as they are (names lower-case); otherwise facts are derived from `type`,
 * `size`, `modifiedAt`, `permissions` (as `UNIX.mode` when it is `ls`-style, else `perm`), `target`,
 * `owner` and `group`. Throws {@link LocalProtocolError} for an empty name, a name with CR, LF or
 * NUL, or a fact that would not survive the trip.
 *
 * @example
 * ```ts
 * formatMlsdLine({ name: 'a b.txt', type: 'file', size: 6, raw: '' }); // 'type=file;size=6; a b.txt'
 * ```
 */
export function formatMlsdLine(entry: ListingEntry): string {
  const name = entry.name;
  if (name.length === 0) throw new LocalProtocolError('An MLSD entry needs a name');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) throw new LocalProtocolError('An MLSD name cannot contain CR, LF or NUL');
  }
  let pairs: Iterable<readonly [string, string]>;
  if (entry.facts !== undefined) {
    pairs = entry.facts;
  } else {
    const derived: [string, string][] = [];
    const type = entry.type === 'symlink' && entry.target !== undefined ? `OS.unix=slink:${entry.target}` : FORMAT_TYPES[entry.type];
    if (type !== undefined) derived.push(['type', type]);
    if (entry.size !== undefined) {
      if (!Number.isSafeInteger(entry.size) || entry.size < 0) throw new LocalProtocolError('An MLSD size must be a non-negative integer');
      derived.push(['size', String(entry.size)]);
    }
    const modified = entry.modifiedAt;
    if (modified !== undefined) derived.push(['modify', formatFtpTime(modified, { fraction: modified.getUTCMilliseconds() !== 0 })]);
    if (entry.permissions !== undefined) {
      const mode = permissionsToMode(entry.permissions);
      derived.push(mode >= 0 ? ['UNIX.mode', `0${mode.toString(8)}`] : ['perm', entry.permissions]);
    }
    if (entry.owner !== undefined) derived.push(['UNIX.owner', entry.owner]);
    if (entry.group !== undefined) derived.push(['UNIX.group', entry.group]);
    pairs = derived;
  }
  let facts = '';
  for (const [key, value] of pairs) {
    if (key.length === 0) throw new LocalProtocolError('An MLSD fact needs a name');
    checkFactText(key, 'fact name', true);
    checkFactText(value, 'fact value', false);
    facts += `${key}=${value};`;
  }
  return `${facts} ${name}`;
}

/** The letters `ls` prints in the execute slots for setuid, setgid and sticky (lower case: also executable). */
const SPECIAL = [
  { lower: 's', upper: 'S', bit: 0o4000 },
  { lower: 's', upper: 'S', bit: 0o2000 },
  { lower: 't', upper: 'T', bit: 0o1000 },
] as const;

/** Numeric mode of a nine-character `ls` permission string, or -1 when it is not one. */
function permissionsToMode(text: string): number {
  if (text.length !== 9) return -1;
  let mode = 0;
  for (let who = 0; who < 3; who++) {
    const r = text[who * 3];
    const w = text[who * 3 + 1];
    const x = text[who * 3 + 2];
    const shift = 6 - who * 3;
    const special = SPECIAL[who]!;
    if (r === 'r') mode |= 4 << shift;
    else if (r !== '-') return -1;
    if (w === 'w') mode |= 2 << shift;
    else if (w !== '-') return -1;
    if (x === 'x') mode |= 1 << shift;
    else if (x === special.lower) mode |= (1 << shift) | special.bit;
    else if (x === special.upper) mode |= special.bit;
    else if (x !== '-') return -1;
  }
  return mode;
}
