/**
 * The RFC 3659 §7.2 fact list tokenizer, shared by the MLSD parser and by listing entries that
 * build their `facts` map on first read.
 *
 * Theory of operation: `facts = 1*( fact ";" )`, `fact = factname "=" value`. A value may contain
 * `=` (`type=OS.unix=slink:x`), so a fact splits at its first `=`. Fact names are case-insensitive
 * (RFC 3659 §7.5), so they are lower-cased; values are kept byte for byte.
 *
 * @module
 */

/** Why a fact list is malformed: the reasons {@link scanFacts} and the MLSD reader give. @internal */
export const NO_EQUALS = 'a fact without "="';
/** See {@link NO_EQUALS}. @internal */
export const NO_NAME = 'a fact without a name';

/**
 * The facts of `text[start, end)` as a map with lower-cased names, or, when a fact has no `=` or no
 * name, the reason as a string. Empty segments (`;;`) are skipped, a missing final `;` is
 * tolerated, and the first of two facts with the same name wins.
 *
 * @internal
 * @example
 * ```ts
 * (scanFacts('Type=file;Size=6; a.txt', 0, 17) as Map<string, string>).get('size'); // '6'
 * scanFacts('size', 0, 4); // 'a fact without "="'
 * ```
 */
export function scanFacts(text: string, start: number, end: number): Map<string, string> | string {
  const facts = new Map<string, string>();
  let pos = start;
  while (pos < end) {
    let semi = text.indexOf(';', pos);
    if (semi < 0 || semi > end) semi = end;
    if (semi > pos) {
      const eq = text.indexOf('=', pos);
      if (eq < 0 || eq >= semi) return NO_EQUALS;
      if (eq === pos) return NO_NAME;
      const name = text.slice(pos, eq).toLowerCase();
      if (!facts.has(name)) facts.set(name, text.slice(eq + 1, semi));
    }
    pos = semi + 1;
  }
  return facts;
}
