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

/**
 * Why {@link scanFacts} last refused its input: `''` after a success.
 *
 * @internal
 * @example
 * ```ts
 * if (scanFacts('size', 0, 4) === undefined) console.log(factsError); // 'a fact without "="'
 * ```
 */
export let factsError = '';

/**
 * The facts of `text[start, end)` as a map with lower-cased names, or `undefined` when a fact has
 * no `=` or no name (the reason is left in {@link factsError}). Empty segments (`;;`) are skipped, a
 * missing final `;` is tolerated, and the first of two facts with the same name wins.
 *
 * @internal
 * @example
 * ```ts
 * scanFacts('Type=file;Size=6; a.txt', 0, 17)?.get('size'); // '6'
 * ```
 */
export function scanFacts(text: string, start: number, end: number): Map<string, string> | undefined {
  const facts = new Map<string, string>();
  let pos = start;
  while (pos < end) {
    let semi = text.indexOf(';', pos);
    if (semi < 0 || semi > end) semi = end;
    if (semi > pos) {
      const eq = text.indexOf('=', pos);
      if (eq < 0 || eq >= semi) {
        factsError = 'a fact without "="';
        return undefined;
      }
      if (eq === pos) {
        factsError = 'a fact without a name';
        return undefined;
      }
      const name = text.slice(pos, eq).toLowerCase();
      if (!facts.has(name)) facts.set(name, text.slice(eq + 1, semi));
    }
    pos = semi + 1;
  }
  factsError = '';
  return facts;
}
