/**
 * File checksums computed by the server: HASH (draft-bryan-ftpext-hash-02) and the older XCRC, XMD5,
 * XSHA1, XSHA256 and XSHA512 commands.
 *
 * Theory of operation: FEAT tells which exist. `HASH SHA-256*;SHA-1;MD5;` lists HASH's algorithms,
 * the `*` marking the one in use (`OPTS HASH <name>` changes it); each X command is its own FEAT
 * line. {@link pickHashCommand} chooses the strongest one a server offers (or the one asked for),
 * and the parsers turn the replies into an algorithm name and lower-case hex, checking the digest's
 * length, so that a checksum compared against a local one is never a truncated or garbled string.
 *
 * @module
 */
import { RemoteProtocolError } from './errors.js';
import type { Features } from './feat.js';
import type { Reply } from './reply.js';

/** Algorithm names as HASH spells them (draft-bryan-ftpext-hash-02 §3), strongest first. */
export const HASH_ALGORITHMS = ['SHA-512', 'SHA-256', 'SHA-1', 'MD5', 'CRC32'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Hex digits of each algorithm's digest. */
const HEX_LENGTH: Readonly<Record<HashAlgorithm, number>> = { 'SHA-512': 128, 'SHA-256': 64, 'SHA-1': 40, MD5: 32, CRC32: 8 };

/** The X command of each algorithm (ProFTPD mod_digest, Serv-U, FileZilla Server and others). */
const X_COMMANDS: Readonly<Record<HashAlgorithm, string>> = { 'SHA-512': 'XSHA512', 'SHA-256': 'XSHA256', 'SHA-1': 'XSHA1', MD5: 'XMD5', CRC32: 'XCRC' };

/** How to ask a server for a checksum: `HASH` (after `OPTS HASH` when `select` is set) or an X command. */
export type HashCommand =
  | { readonly kind: 'HASH'; readonly algorithm: HashAlgorithm; readonly select: boolean }
  | { readonly kind: 'X'; readonly algorithm: HashAlgorithm; readonly command: string };

/** A checksum as the server computed it. */
export interface ServerChecksum {
  readonly algorithm: HashAlgorithm;
  /** Lower-case hex. */
  readonly hash: string;
}

/**
 * The HASH feature's algorithms and the one currently selected, from FEAT's `HASH` parameters
 * (`CRC32;MD5;SHA-1*;SHA-256;`). Unknown names are left out.
 *
 * @example
 * ```ts
 * parseHashFeature('CRC32;MD5;SHA-1*;SHA-256;'); // { algorithms: ['CRC32', 'MD5', 'SHA-1', 'SHA-256'], selected: 'SHA-1' }
 * ```
 */
export function parseHashFeature(params: string): { algorithms: HashAlgorithm[]; selected: HashAlgorithm | undefined } {
  const algorithms: HashAlgorithm[] = [];
  let selected: HashAlgorithm | undefined;
  for (const raw of params.split(';')) {
    const item = raw.trim();
    const star = item.endsWith('*');
    const name = hashAlgorithm(star ? item.slice(0, -1) : item);
    if (!name) continue;
    algorithms.push(name);
    if (star) selected = name;
  }
  return { algorithms, selected };
}

/** The canonical name for `name` (case-insensitive; `SHA256` and `CRC-32` spellings too), or undefined. */
export function hashAlgorithm(name: string): HashAlgorithm | undefined {
  const key = name.trim().toUpperCase().replace(/-/g, '');
  return HASH_ALGORITHMS.find((algorithm) => algorithm.replace(/-/g, '') === key);
}

/**
 * The command that gets a checksum from this server: HASH when FEAT lists it, else an X command, with
 * `wanted` when the server has it, else the strongest it has. Undefined when it has none (or not `wanted`).
 *
 * @example
 * ```ts
 * pickHashCommand(parseFeatures(featReply)); // { kind: 'HASH', algorithm: 'SHA-512', select: true }
 * ```
 */
export function pickHashCommand(features: Features, wanted?: HashAlgorithm): HashCommand | undefined {
  const hash = features.get('HASH');
  if (hash !== undefined) {
    const { algorithms, selected } = parseHashFeature(hash);
    const algorithm = wanted ? algorithms.find((a) => a === wanted) : HASH_ALGORITHMS.find((a) => algorithms.includes(a));
    if (algorithm) return { kind: 'HASH', algorithm, select: algorithm !== selected };
  }
  const offered = HASH_ALGORITHMS.filter((a) => features.has(X_COMMANDS[a]));
  const algorithm = wanted ? offered.find((a) => a === wanted) : offered[0];
  return algorithm ? { kind: 'X', algorithm, command: X_COMMANDS[algorithm] } : undefined;
}

function checkedHex(algorithm: HashAlgorithm, hex: string, what: string): string {
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new RemoteProtocolError(`Malformed ${what} reply: not a ${algorithm} digest`);
  }
  return hex.toLowerCase();
}

/**
 * Read the reply to `HASH path`: `213 SHA-256 0-12 a9489…447 /h.txt` (draft-bryan-ftpext-hash-02 §3.2;
 * the last line of a multi-line reply). Throws {@link RemoteProtocolError} for another code, an
 * unknown algorithm, a digest of the wrong length, or a range that does not start at 0 (a partial
 * checksum must not pass for the whole file's).
 *
 * @example
 * ```ts
 * parseHashReply(createReply(213, ['SHA-1 0-12 22596363b3de40b06f981fb85d82312e8c0ed511 /h.txt']));
 * // { algorithm: 'SHA-1', hash: '22596363b3de40b06f981fb85d82312e8c0ed511', end: 12 }
 * ```
 */
export function parseHashReply(reply: Reply): ServerChecksum & { readonly end: number } {
  if (reply.code !== 213) throw new RemoteProtocolError(`Expected a 213 reply to HASH, got ${reply.code}`);
  // Earlier lines of a multi-line reply are commentary ("Computing SHA-1 digest").
  const last = reply.lines[reply.lines.length - 1] ?? '';
  const match = /^\s*(\S+) (\d+)-(\d+) ([0-9A-Fa-f]+)(?: |$)/.exec(last);
  const algorithm = match ? hashAlgorithm(match[1] as string) : undefined;
  if (!match || !algorithm) throw new RemoteProtocolError('Malformed reply to HASH');
  if (match[2] !== '0') throw new RemoteProtocolError(`HASH covered bytes ${match[2]}-${match[3]}, not the whole file`);
  return { algorithm, hash: checkedHex(algorithm, match[4] as string, 'HASH'), end: Number(match[3]) };
}

/**
 * Read the reply to an X command (`XSHA256 path` and the like): `250 A9489…447`, or 213 on some
 * servers; the digest is the last line's first word.
 *
 * @example
 * ```ts
 * parseXHashReply(createReply(250, ['AF083B2D']), 'CRC32'); // { algorithm: 'CRC32', hash: 'af083b2d' }
 * ```
 */
export function parseXHashReply(reply: Reply, algorithm: HashAlgorithm): ServerChecksum {
  const command = X_COMMANDS[algorithm];
  if (reply.code !== 250 && reply.code !== 213) throw new RemoteProtocolError(`Expected a 250 reply to ${command}, got ${reply.code}`);
  const last = reply.lines[reply.lines.length - 1] ?? '';
  const word = last.trim().split(/\s+/)[0] ?? '';
  return { algorithm, hash: checkedHex(algorithm, word, command) };
}
