/**
 * The listing corpus (test/support/listing-corpus.ts): every record parses to its expected entry,
 * is skipped as a header, or is reported as unparsed, in its format given and when the format is
 * detected among the other lines of its family.
 */
import { describe, expect, test } from 'vitest';
import { detectListingFormat, type ListingEntry, parseListing } from '../src/listing.js';
import { CORPUS, CORPUS_NOW, type CorpusCase } from './support/listing-corpus.js';

/** The entry a case expects, as `parseListing` gives it. */
function expectedEntry(c: CorpusCase): ListingEntry {
  const { modifiedAt, ...rest } = c.expected as Exclude<CorpusCase['expected'], 'skip' | null>;
  const entry: Record<string, unknown> = { name: rest.name, type: rest.type };
  if (rest.size !== undefined) entry.size = rest.size;
  if (modifiedAt !== undefined) {
    entry.modifiedAt = new Date(modifiedAt);
    entry.precision = rest.precision;
  }
  for (const key of ['permissions', 'target', 'owner', 'group'] as const) if (rest[key] !== undefined) entry[key] = rest[key];
  entry.raw = c.lines.join('\n');
  return entry as unknown as ListingEntry;
}

const families = [...new Set(CORPUS.map((c) => c.family))];

describe.each(families)('corpus: %s', (family) => {
  const cases = CORPUS.filter((c) => c.family === family);

  test.each(cases.map((c) => [c.shape, c] as const))('%s', (_shape, c) => {
    const text = `${c.lines.join('\r\n')}\r\n`;
    const result = parseListing(text, { ...c.options, format: c.format, now: CORPUS_NOW });
    if (c.expected === null) {
      expect(result.entries).toEqual([]);
      expect(result.unparsed.map((u) => u.line)).toEqual(c.lines);
    } else if (c.expected === 'skip') {
      expect(result.entries).toEqual([]);
      expect(result.unparsed).toEqual([]);
    } else {
      expect(result.unparsed).toEqual([]);
      expect(result.entries).toStrictEqual([expectedEntry(c)]);
    }
  });

  test('detected among the other lines of the family, with the same entries and unparsed lines', () => {
    const plain = cases.filter((c) => c.options === undefined);
    const text = `${plain.flatMap((c) => c.lines).join('\r\n')}\r\n`;
    const forced = parseListing(text, { format: plain[0]!.format, now: CORPUS_NOW });
    const detected = parseListing(text, { now: CORPUS_NOW });
    expect(detected.format).toBe(plain[0]!.format);
    expect(detected).toStrictEqual(forced);
    expect(detected.entries).toHaveLength(plain.filter((c) => c.expected !== null && c.expected !== 'skip').length);
    expect(detectListingFormat(plain.flatMap((c) => c.lines))).toBe(plain[0]!.format);
  });
});
