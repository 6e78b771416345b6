import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { RemoteProtocolError } from '../src/errors.js';
import { createReply } from '../src/reply.js';
import { ReplyParser } from '../src/reply-parser.js';
import { parseFeatures } from '../src/feat.js';
import { HASH_ALGORITHMS, hashAlgorithm, parseHashFeature, parseHashReply, parseXHashReply, pickHashCommand } from '../src/hash.js';

const wire = (text: string) => new TextEncoder().encode(text.replace(/\n/g, '\r\n'));
const replyOf = (text: string) => {
  const [reply] = new ReplyParser().push(wire(text));
  if (!reply) throw new Error('no reply');
  return reply;
};

// ProFTPD 1.3.8 with mod_digest, captured on loopback (hello world\n, 12 bytes).
const PROFTPD_FEAT = replyOf('211-Features:\n HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;\n MDTM\n XCRC\n XMD5\n XSHA\n XSHA1\n XSHA256\n XSHA512\n211 End\n');
const SHA1 = '22596363b3de40b06f981fb85d82312e8c0ed511';
const SHA256 = 'a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447';

describe('the HASH feature', () => {
  test('algorithms and the selected one', () => {
    expect(parseHashFeature('CRC32;MD5;SHA-1*;SHA-256;SHA-512;')).toEqual({ algorithms: ['CRC32', 'MD5', 'SHA-1', 'SHA-256', 'SHA-512'], selected: 'SHA-1' });
    expect(parseHashFeature('SHA-256;WHIRLPOOL*;')).toEqual({ algorithms: ['SHA-256'], selected: undefined });
    expect(parseHashFeature('')).toEqual({ algorithms: [], selected: undefined });
  });

  test('spellings of algorithm names', () => {
    expect(hashAlgorithm('sha256')).toBe('SHA-256');
    expect(hashAlgorithm('CRC-32')).toBe('CRC32');
    expect(hashAlgorithm('md5')).toBe('MD5');
    expect(hashAlgorithm('SHA-3')).toBeUndefined();
  });
});

describe('pickHashCommand', () => {
  const features = parseFeatures(PROFTPD_FEAT);

  test('HASH with the strongest algorithm, selected with OPTS HASH when it is not the current one', () => {
    expect(pickHashCommand(features)).toEqual({ kind: 'HASH', algorithm: 'SHA-512', select: true });
    expect(pickHashCommand(features, 'SHA-1')).toEqual({ kind: 'HASH', algorithm: 'SHA-1', select: false });
  });

  test('X commands when there is no HASH', () => {
    const x = new Map([['XMD5', ''], ['XCRC', '']]);
    expect(pickHashCommand(x)).toEqual({ kind: 'X', algorithm: 'MD5', command: 'XMD5' });
    expect(pickHashCommand(x, 'CRC32')).toEqual({ kind: 'X', algorithm: 'CRC32', command: 'XCRC' });
    expect(pickHashCommand(x, 'SHA-256')).toBeUndefined();
  });

  test('nothing on a server without either', () => {
    expect(pickHashCommand(new Map([['MDTM', ''], ['SIZE', '']]))).toBeUndefined();
  });
});

describe('replies', () => {
  test('HASH as ProFTPD sends it: commentary, then the digest line', () => {
    const reply = replyOf(`213-Computing SHA-1 digest\n213 SHA-1 0-12 ${SHA1} /h.txt\n`);
    expect(parseHashReply(reply)).toEqual({ algorithm: 'SHA-1', hash: SHA1, end: 12 });
  });

  test('HASH of a name with spaces, and upper-case hex', () => {
    const reply = createReply(213, [`SHA-256 0-12 ${SHA256.toUpperCase()} my file.txt`]);
    expect(parseHashReply(reply)).toEqual({ algorithm: 'SHA-256', hash: SHA256, end: 12 });
  });

  test('X commands: 250 (ProFTPD) or 213, upper-case hex', () => {
    expect(parseXHashReply(replyOf(`250-Computing SHA256 digest\n250 ${SHA256.toUpperCase()}\n`), 'SHA-256')).toEqual({ algorithm: 'SHA-256', hash: SHA256 });
    expect(parseXHashReply(createReply(213, ['AF083B2D']), 'CRC32')).toEqual({ algorithm: 'CRC32', hash: 'af083b2d' });
  });

  test('a partial range, a wrong length, an unknown algorithm or another code is a RemoteProtocolError', () => {
    for (const line of [`SHA-1 5-12 ${SHA1} /h.txt`, `SHA-1 0-12 ${SHA1.slice(1)} /h.txt`, `SHA-3 0-12 ${SHA1} /h.txt`, `SHA-1 0-12 ${SHA1}g /h.txt`, 'busy']) {
      expect(() => parseHashReply(createReply(213, [line])), line).toThrow(RemoteProtocolError);
    }
    expect(() => parseHashReply(createReply(550, ['No such file']))).toThrow(/Expected a 213/);
    expect(() => parseXHashReply(createReply(250, [SHA1]), 'MD5')).toThrow(RemoteProtocolError);
    expect(() => parseXHashReply(createReply(550, ['nope']), 'MD5')).toThrow(/Expected a 250/);
  });

  test('any digest of the right length reads back as lower-case hex', () => {
    fc.assert(
      fc.property(fc.constantFrom(...HASH_ALGORITHMS), fc.uint8Array({ minLength: 64, maxLength: 64 }), (algorithm, bytes) => {
        const length = { 'SHA-512': 128, 'SHA-256': 64, 'SHA-1': 40, MD5: 32, CRC32: 8 }[algorithm];
        const hex = [...bytes, ...bytes].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, length);
        expect(parseXHashReply(createReply(250, [hex.toUpperCase()]), algorithm).hash).toBe(hex);
        expect(parseHashReply(createReply(213, [`${algorithm} 0-9 ${hex} f`])).hash).toBe(hex);
      }),
    );
  });
});
