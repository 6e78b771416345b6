/**
 * The FEAT reply (RFC 2389) and the MLST feature (RFC 3659 §7.8, §7.9).
 *
 * Theory of operation: FEAT answers with a multi-line 211 whose first and last lines are framing
 * ("211-Features:", "211 End") and whose lines in between name one feature each, with its
 * parameters after a space (RFC 2389 §3.2). {@link parseFeatures} turns that into a map from the
 * upper-cased feature name to its parameter text. It is lenient about layout, because servers are:
 * a missing leading space, tabs, and trailing blanks are all accepted. The only hard errors are
 * replies that are not an answer to FEAT at all.
 *
 * The MLST feature lists the facts a server can report, with `*` on the ones it reports now;
 * {@link parseMlstFeature} reads it and {@link formatOptsMlst} writes the `OPTS MLST` argument that
 * selects a different set.
 *
 * @module
 */
import { LocalProtocolError, RemoteProtocolError } from './errors.js';
import type { Reply } from './reply.js';

/**
 * The features a server announced: upper-cased feature name → its parameter text (`''` when it has
 * none), in the server's order.
 *
 * @example
 * ```ts
 * const features: Features = parseFeatures(reply);
 * features.has('UTF8');     // true
 * features.get('REST');     // 'STREAM'
 * features.get('MLST');     // 'type*;size*;modify*;'
 * ```
 */
export type Features = ReadonlyMap<string, string>;

/**
 * The facts of an MLST feature: `facts` lists every fact the server supports and `enabled` the ones
 * it reports now (marked `*`). Names are lower-cased, because RFC 3659 §7.1 makes fact names
 * case-insensitive and servers disagree on spelling (`Size`, `size`, `UNIX.mode`).
 *
 * @example
 * ```ts
 * const mlst: MlstFeature = parseMlstFeature('type*;size*;modify*;UNIX.mode;');
 * mlst.facts;   // ['type', 'size', 'modify', 'unix.mode']
 * mlst.enabled; // ['type', 'size', 'modify']
 * ```
 */
export interface MlstFeature {
  readonly facts: readonly string[];
  readonly enabled: readonly string[];
}

/**
 * Read the reply to FEAT.
 *
 * Pass the reply whatever its code: a 211 is read as a feature list (a single-line 211 such as
 * `211 No features` gives an empty map), and a 5xx gives an empty map, because RFC 2389 §3.2 has
 * servers without FEAT answer 500 or 502. Any other code is not an answer to FEAT and throws
 * {@link RemoteProtocolError}; handle 421 and other 4xx before calling.
 *
 * A feature listed twice keeps every distinct parameter text, joined by `;`, the separator feature
 * parameters already use: pyftpdlib announces `AUTH SSL` and `AUTH TLS` on two lines, which becomes
 * `AUTH` → `SSL;TLS`.
 *
 * @example
 * ```ts
 * const [reply] = new ReplyParser().push(new TextEncoder().encode(
 *   '211-Features:\r\n MDTM\r\n REST STREAM\r\n UTF8\r\n211 End\r\n'));
 * parseFeatures(reply); // Map { 'MDTM' => '', 'REST' => 'STREAM', 'UTF8' => '' }
 * ```
 */
export function parseFeatures(reply: Reply): Features {
  const features = new Map<string, string>();
  if (reply.kind === 'permanent') return Object.freeze(features);
  if (reply.code !== 211) throw new RemoteProtocolError(`Expected a 211 or 5xx reply to FEAT, got ${reply.code}`);
  // RFC 2389 §3.2: the first line and the closing "211 End" carry no feature.
  for (const line of reply.lines.slice(1, -1)) {
    const entry = line.trim();
    if (entry === '') continue;
    const space = entry.search(/[ \t]/);
    const name = (space === -1 ? entry : entry.slice(0, space)).toUpperCase();
    const params = space === -1 ? '' : entry.slice(space + 1).trim();
    const known = features.get(name);
    if (known === undefined || known === '') features.set(name, params);
    else if (params !== '' && !known.split(';').includes(params)) features.set(name, `${known};${params}`);
  }
  return Object.freeze(features);
}

/**
 * Read the parameters of the MLST feature (`type*;size*;modify*;`, RFC 3659 §7.8). Empty entries
 * are skipped and a fact listed twice counts once; it never throws.
 *
 * @example
 * ```ts
 * parseMlstFeature(features.get('MLST') ?? '').enabled.includes('size');
 * ```
 */
export function parseMlstFeature(params: string): MlstFeature {
  const facts: string[] = [];
  const enabled: string[] = [];
  for (const item of params.split(';')) {
    const entry = item.trim();
    const on = entry.endsWith('*');
    const fact = (on ? entry.slice(0, -1) : entry).trim().toLowerCase();
    if (fact === '' || facts.includes(fact)) continue;
    facts.push(fact);
    if (on) enabled.push(fact);
  }
  return Object.freeze({ facts: Object.freeze(facts), enabled: Object.freeze(enabled) });
}

// RFC 3659 §7.9: a fact name is a token of RCHARs; ';' separates them and '*' marks them, so neither
// may appear inside one, and neither may space or a control character.
const FACT = /^[A-Za-z0-9,.:!@#$%^&()\-_+?/\\'"]+$/;

/**
 * The argument of `OPTS MLST` selecting `facts` (RFC 3659 §7.9): `MLST type;size;modify;`, or just
 * `MLST` for none. Throws {@link LocalProtocolError} for a fact name that is empty or has a
 * character a fact name cannot have (`;`, `*`, space, controls).
 *
 * @example
 * ```ts
 * formatOptsMlst(['type', 'size', 'modify']); // 'MLST type;size;modify;'
 * encodeCommand(commands.opts(formatOptsMlst(['type', 'size']))); // "OPTS MLST type;size;\r\n"
 * ```
 */
export function formatOptsMlst(facts: readonly string[]): string {
  for (const fact of facts) {
    if (!FACT.test(fact)) throw new LocalProtocolError('OPTS MLST: a fact name must be letters, digits and RFC 3659 punctuation');
  }
  return facts.length === 0 ? 'MLST' : `MLST ${facts.map((fact) => `${fact};`).join('')}`;
}
