/**
 * Strings a listing repeats (owners, groups, permissions), shared between its entries.
 *
 * Theory of operation: the entries of a big listing outlive its parse, and what they hold is what
 * the garbage collector has to copy. A listing names few owners, groups and permission strings, so
 * instead of a new string per entry each field reuses an equal one seen a few lines before. The
 * last {@link RECENT_SIZE} distinct values are kept: enough for the handful of accounts a directory
 * mixes, few enough that a miss costs little. The strings can be slices of the listing text, so
 * {@link Recent.clear} is called at the end of every parse.
 *
 * @module
 */

/** How many distinct values a {@link Recent} remembers. */
const RECENT_SIZE = 8;

/**
 * The last few distinct strings seen, for reuse.
 *
 * @internal
 * @example
 * ```ts
 * const owners = new Recent();
 * owners.of('ftp ftp', 0, 3) === owners.of('ftp ftp', 4, 7); // true: one string for both
 * ```
 */
export class Recent {
  readonly #items: string[] = [];
  /** Where the next new value goes once {@link RECENT_SIZE} are kept: the oldest. */
  #next = 0;

  /** `text[start, end)`, as a string seen recently when there is one. */
  of(text: string, start: number, end: number): string {
    const items = this.#items;
    const length = end - start;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.length === length && text.startsWith(item, start)) return item;
    }
    return this.#keep(text.slice(start, end));
  }

  /** `value`, or an equal string seen recently (so that `value` itself can die young). */
  same(value: string): string {
    const items = this.#items;
    for (let i = 0; i < items.length; i++) if (items[i] === value) return items[i]!;
    return this.#keep(value);
  }

  #keep(value: string): string {
    const items = this.#items;
    if (items.length < RECENT_SIZE) items.push(value);
    else {
      items[this.#next] = value;
      this.#next = (this.#next + 1) % RECENT_SIZE;
    }
    return value;
  }

  /** Forget every value (they may be slices that keep a whole listing text alive). */
  clear(): void {
    this.#items.length = 0;
    this.#next = 0;
  }
}
