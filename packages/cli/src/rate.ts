/**
 * `--limit-rate`'s value, in curl's syntax.
 *
 * Theory of operation: curl reads a number of bytes per second with an optional one-letter unit,
 * in either case, 1024-based: `K`, `M`, `G` (and `T`, `P`, `B` for plain bytes), so `500K` is
 * 512 000 and `2M` 2 097 152. A fraction (`1.5M`) is taken too. `0` is no limit. Anything else is a
 * usage error, before anything connects.
 *
 * @module
 */
import { UsageError } from './exit-codes.js';

/** Bytes per unit letter, 1024-based as curl's. */
const UNITS: Readonly<Record<string, number>> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Bytes per second from `500K`, `2M`, `1G` or plain `4096`; `0` is no limit. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([bkmgtp])?$/i.exec(text.trim());
  const rate = match ? Math.round(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]!) : Number.NaN;
  if (!Number.isSafeInteger(rate) || (rate === 0 && Number(match?.[1]) !== 0)) {
    throw new UsageError(`--limit-rate wants bytes per second, with K, M or G for 1024-based units (500K, 2M), not ${JSON.stringify(text)}`);
  }
  return rate;
}
