/**
 * Bounded scans inside one line of a listing: the searches every format reader needs.
 *
 * Theory of operation: the readers read each line in place inside the whole listing text, so a
 * plain `indexOf` that misses runs on through every later line, and a listing of lines that all
 * miss would take quadratic time. These helpers stop at the line's end (or start), which keeps
 * every reader linear in the length of its line.
 *
 * @module
 */

/** The first `code` in `text[from, end)`, or -1. @internal */
export function indexIn(text: string, code: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === code) return i;
  return -1;
}

/** The last `code` in `text[start, end)`, or -1. @internal */
export function lastIndexIn(text: string, code: number, start: number, end: number): number {
  for (let i = end - 1; i >= start; i--) if (text.charCodeAt(i) === code) return i;
  return -1;
}

/** The end of the run of characters above U+0020 that starts at `i` (at most `end`). @internal */
export function tokenEnd(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) > 0x20) i++;
  return i;
}

/** The first character above U+0020 at or after `i`, or `end`. @internal */
export function skipBlank(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) <= 0x20) i++;
  return i;
}

/** Is `c` an ASCII digit? @internal */
export function isDigit(c: number): boolean {
  return c - 0x30 >>> 0 <= 9;
}
