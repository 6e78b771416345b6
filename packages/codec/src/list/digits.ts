/**
 * Decimal numbers inside listing lines: sizes, days, years, hours and link counts in `ls -l`
 * columns, MLSD `size` facts.
 *
 * Theory of operation: the parsers read lines in place in the listing text, so a number is a range
 * `text[start, end)`, read without slicing it out or calling `Number`, which would also take
 * spaces, signs, exponents and `0x`. At most 16 digits and no more than 2^53 - 1 (a `number` holds
 * every integer up to there exactly), so no size is ever rounded.
 *
 * @module
 */

const ZERO = 0x30;

/**
 * Decimal value of `text[start, end)`, or -1 if empty, not all ASCII digits, longer than 16 digits
 * or beyond 2^53 - 1.
 *
 * @internal
 * @example
 * ```ts
 * decimal('size=4096;', 5, 9); // 4096
 * decimal('-1', 0, 2);         // -1: not a digit
 * ```
 */
export function decimal(text: string, start: number, end: number): number {
  if (end <= start || end - start > 16) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value <= Number.MAX_SAFE_INTEGER ? value : -1;
}

/**
 * Is `text[s, e)` a size beyond 2^53 - 1 that a 64-bit `off_t` can hold (at most 2^63 - 1)? Such a
 * size is stated but cannot be a `number` exactly.
 *
 * @internal
 */
export function bigSize(text: string, s: number, e: number): boolean {
  const width = e - s;
  if (width < 16 || width > 19) return false;
  for (let i = s; i < e; i++) if (text.charCodeAt(i) - ZERO >>> 0 > 9) return false;
  return width < 19 || text.slice(s, e) <= '9223372036854775807';
}
