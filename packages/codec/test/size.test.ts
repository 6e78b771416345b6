import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { RemoteProtocolError } from '../src/errors.js';
import { createReply } from '../src/reply.js';
import { ReplyParser } from '../src/reply-parser.js';
import { parseAnnouncedSize, parseSizeReply } from '../src/size.js';
import { formatReply } from '../src/testing/replies.js';
import { SERVERS, exchangeOf, wireBytes } from './support/transcripts.js';

const size = (text: string) => parseSizeReply(createReply(213, [text]));

describe('parseSizeReply (RFC 3659 §4)', () => {
  test.each(SERVERS)('%s: SIZE hello.txt as captured', (server) => {
    const [reply] = new ReplyParser().push(wireBytes(exchangeOf(server, 'SIZE hello.txt').lines));
    expect(parseSizeReply(reply!)).toBe(6);
  });

  test('the size of a directory, from a server that gives one (ftp-srv)', () => {
    const [reply] = new ReplyParser().push(wireBytes(exchangeOf('ftp-srv', 'SIZE sub').lines));
    expect(parseSizeReply(reply!)).toBe(4096);
  });

  test('digits, leading zeros, and blanks around them', () => {
    expect(size('0')).toBe(0);
    expect(size('000123')).toBe(123);
    expect(size(' 42 ')).toBe(42);
    expect(size('\t42\t')).toBe(42);
    expect(size(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  test('anything else is a RemoteProtocolError', () => {
    for (const text of ['', ' ', '-1', '+1', '1.5', '1e3', '0x10', '12 34', '6 bytes', 'File size: 6', '1_000', 'Infinity', '\u0666', '9007199254740992', '9'.repeat(400)]) {
      expect(() => size(text), text).toThrow(RemoteProtocolError);
    }
    expect(() => parseSizeReply(createReply(213, ['6', 'End']))).toThrow(RemoteProtocolError);
    expect(() => parseSizeReply(createReply(550, ['Could not get file size.']))).toThrow(/Expected a 213/);
    expect(() => parseSizeReply(createReply(200, ['6']))).toThrow(RemoteProtocolError);
  });

  test('reads back any safe size, through the reply parser', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.constantFrom('', '0', '00'), (n, zeros) => {
        const [reply] = new ReplyParser().push(formatReply(createReply(213, [zeros + String(n)])));
        expect(parseSizeReply(reply!)).toBe(n);
      }),
    );
  });

  test('arbitrary text gives a non-negative safe integer or a RemoteProtocolError', () => {
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: fc.constantFrom(...'0123456789 \t.-+e'), maxLength: 20 }));
    fc.assert(
      fc.property(text, (t) => {
        let n: number;
        try {
          n = size(t);
        } catch (err) {
          expect(err).toBeInstanceOf(RemoteProtocolError);
          return;
        }
        expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
        expect(t.trim().replace(/^0+(?=\d)/, '')).toBe(String(n));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseAnnouncedSize (the size in a 150 reply)', () => {
  test('vsftpd and ProFTPD say "(N bytes)"; others say nothing', () => {
    expect(parseAnnouncedSize(createReply(150, ['Opening BINARY mode data connection for big.bin (8388608 bytes).']))).toBe(8388608);
    expect(parseAnnouncedSize(createReply(150, ['Opening BINARY mode data connection for /m/a.bin (741388 bytes)']))).toBe(741388);
    expect(parseAnnouncedSize(createReply(150, ['Accepted data connection', '1024.0 kbytes to download']))).toBeUndefined();
    expect(parseAnnouncedSize(createReply(125, ['Data connection already open. Transfer starting.']))).toBeUndefined();
    expect(parseAnnouncedSize(createReply(150, [`x (${'9'.repeat(30)} bytes)`]))).toBeUndefined();
  });
});
