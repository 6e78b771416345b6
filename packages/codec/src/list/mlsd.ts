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
 * exactly as sent. Which facts an entry interprets, and how a line is read fast enough for a
 * 100,000-line listing, is the line reader's business (`mlsd-reader.ts`); this module holds the
 * public parsing and formatting functions.
 *
 * @module
 */
import { FtpReplyError, LocalProtocolError, RemoteProtocolError } from '../errors.js';
import type { Reply } from '../reply.js';
import { formatFtpTime } from '../time.js';
import { isSelfOrParent } from './entry.js';
import { scanFacts } from './facts.js';
import { mlsdError, mlsdScratch, readMlsdLine } from './mlsd-reader.js';
import type { ListingEntry, ListingEntryType } from './types.js';

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
  if (typeof facts === 'string') throw new RemoteProtocolError(`Malformed MLSD facts: ${facts} (RFC 3659 §7.2)`);
  return facts;
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
  const scratch = mlsdScratch();
  const entry = readMlsdLine(line, 0, line.length, scratch);
  if (entry === undefined) throw new RemoteProtocolError(`Malformed MLSD line: ${mlsdError(scratch)} (RFC 3659 §7.2)`);
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
