/**
 * Strings a listing repeats (owners, groups, permissions), shared between its entries.
 *
 * Theory of operation: the entries of a big listing outlive its parse, and what they hold is what
 * the garbage collector has to copy. A listing names few owners, groups and permission strings, so
 * instead of a new string per entry each field reuses an equal one seen a few lines before. The
 * last {@link RECENT_SIZE} distinct values are kept, the oldest giving way to a new one: enough for
 * the handful of accounts a directory mixes, few enough that a miss costs little. A {@link Recent}
 * belongs to the scratch space of one parse; its strings can be slices of the listing text, so a
 * parse that outlives a piece of text (a streamed listing) empties it with {@link clearRecent}.
 *
 * @module
 */

/** How many distinct values a {@link Recent} remembers. */
const RECENT_SIZE = 8;

/**
 * The last few distinct strings seen, oldest first: a plain array, read and written only by the
 * functions of this module.
 *
 * @internal
 */
export type Recent = string[];

/**
 * `text[start, end)`, as a string `recent` holds when it holds an equal one; else the new string,
 * which `recent` then keeps.
 *
 * @internal
 * @example
 * ```ts
 * const owners: Recent = [];
 * recentOf(owners, 'ftp ftp', 0, 3) === recentOf(owners, 'ftp ftp', 4, 7); // true: one string for both
 * ```
 */
export function recentOf(recent: Recent, text: string, start: number, end: number): string {
  const length = end - start;
  for (let i = 0; i < recent.length; i++) {
    const item = recent[i]!;
    if (item.length === length && text.startsWith(item, start)) return item;
  }
  const value = text.slice(start, end);
  if (recent.length === RECENT_SIZE) recent.shift();
  recent.push(value);
  return value;
}

/**
 * Forget every value (they may be slices that keep a whole listing text alive).
 *
 * @internal
 */
export function clearRecent(recent: Recent): void {
  recent.length = 0;
}
