import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { decodeText, decodeUtf8Portable, encodeText, encodeUtf8Portable } from '../src/text.js';

// The reference: the host's WHATWG decoder. ignoreBOM, because a reply line is not a document and
// its leading U+FEFF is text.
const hostDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const hostEncoder = new TextEncoder();

/**
 * Byte strings that look like UTF-8 and break it in every way the standard distinguishes: valid
 * sequences of every length, stray continuation bytes, truncated sequences, overlongs, encoded
 * surrogates, code points above U+10FFFF and bytes that never occur (C0, C1, F5–FF).
 */
const arbUtf8ish: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).map((c) => [...hostEncoder.encode(c)]),
      fc.integer({ min: 0x80, max: 0xbf }).map((b) => [b]),
      fc.integer({ min: 0xc0, max: 0xff }).map((b) => [b]),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).chain((c) => {
        const bytes = [...hostEncoder.encode(c)];
        return fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }).map((n) => bytes.slice(0, n));
      }),
      fc.constantFrom(
        [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf],
        [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xed, 0x9f, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf],
        [0xf5, 0x80, 0x80, 0x80], [0xef, 0xbb, 0xbf], [0xef, 0xbf, 0xbd], [0xe2, 0x82], [0xf0, 0x9f, 0x98],
      ),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

/** Strings of UTF-16 code units, lone surrogates included. */
const arbUtf16 = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
  ),
  maxLength: 40,
});

describe('decodeUtf8Portable', () => {
  test('equals the host TextDecoder for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeUtf8Portable(bytes)).toBe(hostDecoder.decode(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  test('equals the host TextDecoder for invalid, truncated, overlong and surrogate sequences', () => {
    fc.assert(
      fc.property(arbUtf8ish, (bytes) => {
        expect(decodeUtf8Portable(bytes)).toBe(hostDecoder.decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  test('decodeText agrees with it, whichever path it takes', () => {
    fc.assert(
      fc.property(arbUtf8ish, (bytes) => {
        expect(decodeText(bytes, 'utf8')).toBe(decodeUtf8Portable(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  test('each maximal invalid subpart becomes one U+FFFD (WHATWG Encoding §4.1)', () => {
    expect(decodeUtf8Portable(Uint8Array.of(0xe2, 0x82, 0x41))).toBe('\uFFFDA');
    expect(decodeUtf8Portable(Uint8Array.of(0xf0, 0x80, 0x80, 0x80))).toBe('\uFFFD'.repeat(4));
    expect(decodeUtf8Portable(Uint8Array.of(0xed, 0xa0, 0x80))).toBe('\uFFFD'.repeat(3));
    expect(decodeUtf8Portable(Uint8Array.of(0xf4, 0x8f, 0xbf, 0xbf))).toBe('\u{10FFFF}');
    expect(decodeUtf8Portable(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))).toBe('\uFEFFA');
    expect(decodeText(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41), 'utf8')).toBe('\uFEFFA');
  });

  test('long inputs, past the internal flush size, decode the same', () => {
    fc.assert(
      fc.property(fc.array(arbUtf8ish, { minLength: 200, maxLength: 600 }), (parts) => {
        const bytes = Uint8Array.from(parts.flatMap((p) => [...p]));
        expect(decodeUtf8Portable(bytes)).toBe(hostDecoder.decode(bytes));
      }),
      { numRuns: 20 },
    );
    const astral = hostEncoder.encode('\u{1F600}'.repeat(5000) + 'é'.repeat(3000));
    expect(decodeUtf8Portable(astral)).toBe(hostDecoder.decode(astral));
  });
});

describe('encodeUtf8Portable', () => {
  test('equals the host TextEncoder for any code point string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(encodeUtf8Portable(text)).toEqual(hostEncoder.encode(text));
      }),
      { numRuns: 1000 },
    );
  });

  test('equals the host TextEncoder with lone surrogates (each becomes U+FFFD)', () => {
    fc.assert(
      fc.property(arbUtf16, (text) => {
        expect(encodeUtf8Portable(text)).toEqual(hostEncoder.encode(text));
        expect(encodeText(text, 'utf8')).toEqual(hostEncoder.encode(text));
      }),
      { numRuns: 1000 },
    );
    expect(encodeUtf8Portable('\uD800')).toEqual(Uint8Array.of(0xef, 0xbf, 0xbd));
    expect(encodeUtf8Portable('\uDC00\uD800')).toEqual(Uint8Array.of(0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd));
    expect(encodeUtf8Portable('\uD83D\uDE00')).toEqual(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80));
  });

  test('round-trips with decodeUtf8Portable for well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(decodeUtf8Portable(encodeUtf8Portable(text))).toBe(text);
      }),
    );
  });
});

describe('latin1', () => {
  test('decoding maps each byte to the code point of the same value, at any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeText(bytes, 'latin1')).toBe(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
      }),
    );
    const long = Uint8Array.from({ length: 20000 }, (_, i) => (i * 7) & 0xff);
    expect(decodeText(long, 'latin1')).toBe(Array.from(long, (b) => String.fromCharCode(b)).join(''));
  });

  test('encoding round-trips U+0000–U+00FF and refuses anything above', () => {
    const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
    fc.assert(
      fc.property(latin1, (text) => {
        const bytes = encodeText(text, 'latin1');
        expect(bytes).toBeDefined();
        expect(decodeText(bytes!, 'latin1')).toBe(text);
      }),
    );
    fc.assert(
      fc.property(latin1, fc.integer({ min: 0x100, max: 0xffff }), latin1, (a, c, b) => {
        expect(encodeText(a + String.fromCharCode(c) + b, 'latin1')).toBeUndefined();
      }),
    );
  });
});
