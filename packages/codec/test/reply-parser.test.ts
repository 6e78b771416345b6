import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { RemoteProtocolError } from '../src/errors.js';
import { createReply, type Reply } from '../src/reply.js';
import { DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_REPLY_BYTES, ReplyParser, type ReplyParserOptions } from '../src/reply-parser.js';
import { arbChunks, arbReply, arbReplyStream, formatReply, type FormatReplyOptions } from '../src/testing/replies.js';
import { SERVERS, exchangeOf, readTranscript, sessionsOf, wireBytes } from './support/transcripts.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function parseChunks(chunks: readonly Uint8Array[], options?: ReplyParserOptions): Reply[] {
  const parser = new ReplyParser(options);
  const replies = chunks.flatMap((chunk) => parser.push(chunk));
  parser.end(); // a valid stream ends cleanly
  return replies;
}

const parseAll = (bytes: Uint8Array, options?: ReplyParserOptions): Reply[] => parseChunks([bytes], options);

const byteByByte = (bytes: Uint8Array): Uint8Array[] => Array.from(bytes, (b) => Uint8Array.of(b));

/** What a parser makes of some chunks, faults included: the replies delivered, then the error message if any. */
function outcome(chunks: readonly Uint8Array[], options?: ReplyParserOptions): { replies: Reply[]; error: string | undefined } {
  const parser = new ReplyParser(options);
  const replies: Reply[] = [];
  try {
    for (const chunk of chunks) parser.pushEach(chunk, (reply) => replies.push(reply));
    parser.end();
    return { replies, error: undefined };
  } catch (err) {
    if (!(err instanceof RemoteProtocolError)) throw err;
    return { replies, error: err.message };
  }
}

const arbFormat: fc.Arbitrary<FormatReplyOptions> = fc.record({
  lineEnding: fc.constantFrom('\r\n' as const, '\n' as const),
  innerPrefix: fc.constantFrom('always' as const, 'when-needed' as const),
});

/**
 * A valid reply stream and its bytes: each reply with its own line ending and inner-line style,
 * some preceded by blank lines (which carry nothing and must be skipped).
 */
function arbWire(options: Parameters<typeof arbReplyStream>[0] = {}): fc.Arbitrary<{ replies: Reply[]; bytes: Uint8Array }> {
  return arbReplyStream(options).chain((replies) =>
    fc
      .array(fc.tuple(arbFormat, fc.constantFrom('', '', '', '\r\n', '\n', '\r\n\n')), {
        minLength: replies.length,
        maxLength: replies.length,
      })
      .map((styles) => ({
        replies,
        bytes: concat(
          replies.flatMap((reply, i) => {
            const [format, blank] = styles[i]!;
            return [utf8(blank), formatReply(reply, format)];
          }),
        ),
      })),
  );
}

describe('chunking invariance', () => {
  test('any split of a valid stream gives the replies of one push', () => {
    fc.assert(
      fc.property(
        arbWire().chain((wire) => fc.tuple(fc.constant(wire), arbChunks(wire.bytes, { maxChunks: 24 }))),
        ([{ replies, bytes }, chunks]) => {
          expect(parseAll(bytes)).toEqual(replies);
          expect(parseChunks(chunks)).toEqual(replies);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('byte by byte gives the replies of one push', () => {
    fc.assert(
      fc.property(arbWire(), ({ replies, bytes }) => {
        expect(parseChunks(byteByByte(bytes))).toEqual(replies);
      }),
    );
  });

  test('a cut at every offset gives the replies of one push', () => {
    fc.assert(
      fc.property(arbWire({ maxReplies: 4, maxLines: 4, maxLineLength: 12 }), ({ replies, bytes }) => {
        for (let cut = 0; cut <= bytes.length; cut++) {
          expect(parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(replies);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('pushEach hands over the same replies as push', () => {
    fc.assert(
      fc.property(arbWire().chain((w) => fc.tuple(fc.constant(w), arbChunks(w.bytes))), ([{ replies }, chunks]) => {
        const parser = new ReplyParser();
        const seen: Reply[] = [];
        for (const chunk of chunks) parser.pushEach(chunk, (reply) => seen.push(reply));
        expect(seen).toEqual(replies);
      }),
    );
  });

  test('the parser keeps no reference to a chunk after push returns', () => {
    fc.assert(
      fc.property(arbWire().chain((w) => fc.tuple(fc.constant(w), arbChunks(w.bytes))), ([{ replies }, chunks]) => {
        const parser = new ReplyParser();
        const seen: Reply[] = [];
        for (const chunk of chunks) {
          seen.push(...parser.push(chunk));
          chunk.fill(0x0a); // a socket reusing its read buffer
        }
        expect(seen).toEqual(replies);
      }),
    );
  });

  test('faults too: any split of any bytes delivers the same replies and the same error', () => {
    const interesting = fc.constantFrom(0x31, 0x32, 0x30, 0x2d, 0x20, 0x0d, 0x0a, 0x0a, 0xc3, 0xa9);
    const bytes = fc.array(fc.oneof(interesting, fc.integer({ min: 0, max: 255 })), { maxLength: 200 }).map((a) => Uint8Array.from(a));
    const options = fc.constantFrom<ReplyParserOptions>({}, { maxLineBytes: 8, maxReplyBytes: 40 });
    fc.assert(
      fc.property(
        bytes.chain((b) => fc.tuple(fc.constant(b), arbChunks(b), options)),
        ([all, chunks, opts]) => {
          const whole = outcome([all], opts);
          expect(outcome(chunks, opts)).toEqual(whole);
          expect(outcome(byteByByte(all), opts)).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('round trip', () => {
  test('parse(formatReply(r)) is r, UTF-8', () => {
    fc.assert(
      fc.property(arbReply(), arbFormat, (reply, format) => {
        expect(parseAll(formatReply(reply, format))).toEqual([reply]);
      }),
      { numRuns: 500 },
    );
  });

  test('parse(formatReply(r)) is r, latin1', () => {
    fc.assert(
      fc.property(arbReply({ charset: 'latin1' }), arbFormat, (reply, format) => {
        expect(parseAll(formatReply(reply, { ...format, encoding: 'latin1' }), { encoding: 'latin1' })).toEqual([reply]);
      }),
    );
  });

  test('text beginning with U+FEFF keeps it (no BOM sniffing per line)', () => {
    const reply = createReply(211, ['\uFEFFfirst', '\uFEFF inner', '\uFEFF']);
    expect(parseAll(formatReply(reply, { innerPrefix: 'when-needed' }))).toEqual([reply]);
    expect(parseAll(utf8('150 \uFEFFa\r\n'))[0]?.text).toBe('\uFEFFa');
  });

  test('formatReply writes what servers write', () => {
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const reply = createReply(226, ['Options: -l ', '150 not an end', '226 looks like the end', '226-looks prefixed', '8 matches total']);
    expect(decode(formatReply(reply, { innerPrefix: 'when-needed' }))).toBe(
      '226-Options: -l \r\n150 not an end\r\n226-226 looks like the end\r\n226-226-looks prefixed\r\n226 8 matches total\r\n',
    );
    expect(decode(formatReply(createReply(200, ['']), { lineEnding: '\n' }))).toBe('200 \n');
  });

  test('formatReply refuses lines it cannot write faithfully', () => {
    expect(() => formatReply(createReply(200, ['a\nb']))).toThrow(/LF/);
    expect(() => formatReply(createReply(200, ['a\r']), { lineEnding: '\n' })).toThrow(/CR/);
    expect(parseAll(formatReply(createReply(200, ['a\r'])))).toEqual([createReply(200, ['a\r'])]);
    expect(() => formatReply(createReply(200, ['\u0100']), { encoding: 'latin1' })).toThrow(/latin1/);
    expect(() => formatReply({ code: 99, kind: 'completion', lines: ['x'], text: 'x' })).toThrow(/Not a reply/);
  });
});

describe('garbage in', () => {
  const check = (chunks: readonly Uint8Array[], options?: ReplyParserOptions) => {
    const parser = new ReplyParser(options);
    try {
      for (const chunk of chunks) {
        for (const reply of parser.push(chunk)) {
          expect(reply.code).toBeGreaterThanOrEqual(100);
          expect(reply.code).toBeLessThanOrEqual(699);
          expect(reply.lines.length).toBeGreaterThan(0);
          expect(Object.isFrozen(reply) && Object.isFrozen(reply.lines)).toBe(true);
        }
      }
      parser.end();
    } catch (err) {
      expect(err).toBeInstanceOf(RemoteProtocolError);
      // Sticky: nothing after a framing fault is trusted, so every later call reports the same error.
      expect(() => parser.push(utf8('200 fine\r\n'))).toThrow(err as Error);
      expect(() => parser.end()).toThrow(err as Error);
      parser.reset();
      expect(parser.push(utf8('200 fine\r\n'))).toEqual([createReply(200, ['fine'])]);
    }
  };

  test('arbitrary bytes give replies or RemoteProtocolError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => check([bytes])), { numRuns: 500 });
  });

  test('arbitrary chunks mixed with valid fragments, small bounds', () => {
    const fragment = fc.oneof(
      fc.uint8Array({ maxLength: 30 }),
      arbReply({ maxLines: 3, maxLineLength: 10 }).map((r) => formatReply(r)),
      fc.constantFrom('211-', '211 ', '211', '\r\n', '\n', '\r', '226-x', '150 y', '\uFFFD', '999 ', '099 ', '2', '-').map(utf8),
    );
    const options = fc.constantFrom<ReplyParserOptions | undefined>(undefined, { maxLineBytes: 12 }, { maxReplyBytes: 30 }, { encoding: 'latin1' });
    fc.assert(fc.property(fc.array(fragment, { maxLength: 12 }), options, (chunks, opts) => check(chunks, opts)), { numRuns: 500 });
  });
});

describe('bounds', () => {
  const line = (length: number, eol = '\r\n') => utf8(`200 ${'a'.repeat(length - 4)}${eol}`);

  test('a line of exactly maxLineBytes is accepted, one byte more is not, with either line ending', () => {
    for (const eol of ['\r\n', '\n']) {
      for (const split of [(b: Uint8Array) => [b], byteByByte]) {
        expect(parseChunks(split(line(64, eol)), { maxLineBytes: 64 })).toHaveLength(1);
        expect(() => parseChunks(split(line(65, eol)), { maxLineBytes: 64 })).toThrow(RemoteProtocolError);
      }
    }
  });

  test('the default line bound is 16 KiB', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(16 * 1024);
    expect(parseAll(line(DEFAULT_MAX_LINE_BYTES))).toHaveLength(1);
    expect(() => parseAll(line(DEFAULT_MAX_LINE_BYTES + 1))).toThrow(/longer than 16384/);
  });

  test('a reply of exactly maxReplyBytes (as sent with CRLF) is accepted, one byte more is not', () => {
    const multi = createReply(211, Array.from({ length: 10 }, (_, i) => `line ${i} ${'x'.repeat(20)}`));
    for (const reply of [multi, createReply(200, ['one line'])]) {
      const bytes = formatReply(reply, { innerPrefix: 'when-needed' });
      for (const lineEnding of ['\r\n', '\n'] as const) {
        const sent = formatReply(reply, { innerPrefix: 'when-needed', lineEnding });
        expect(parseAll(sent, { maxReplyBytes: bytes.length })).toEqual([reply]);
        expect(() => parseAll(sent, { maxReplyBytes: bytes.length - 1 })).toThrow(/larger than/);
        expect(() => parseChunks(byteByByte(sent), { maxReplyBytes: bytes.length - 1 })).toThrow(/larger than/);
      }
    }
  });

  test('50 MB without LF fails after about maxLineBytes, whatever the chunk size, and stays failed', () => {
    const total = 50 * 1024 * 1024;
    for (const size of [64 * 1024, 1024, 100]) {
      const chunk = new Uint8Array(size).fill(0x61);
      chunk.set(utf8('200 '));
      const parser = new ReplyParser();
      let fed = 0;
      let error: unknown;
      while (fed < total && error === undefined) {
        try {
          parser.push(chunk);
        } catch (err) {
          error = err;
        }
        fed += size;
      }
      expect(error).toBeInstanceOf(RemoteProtocolError);
      // It refused within one chunk of the bound instead of buffering the stream.
      expect(fed).toBeLessThanOrEqual(DEFAULT_MAX_LINE_BYTES + 1 + size);
      for (; fed < total; fed += 1024 * 1024) expect(() => parser.push(chunk)).toThrow(error as Error);
    }
  });

  test('an endless multi-line reply fails after about maxReplyBytes', () => {
    const lines = utf8(`${' inner line of a reply that never ends'.padEnd(1022, '.')}\r\n`.repeat(64)); // 64 KiB
    const parser = new ReplyParser();
    expect(parser.push(utf8('211-start\r\n'))).toEqual([]);
    let fed = 0;
    expect(() => {
      for (; fed < 50 * 1024 * 1024; fed += lines.length) parser.push(lines);
    }).toThrow(RemoteProtocolError);
    expect(fed).toBeLessThanOrEqual(DEFAULT_MAX_REPLY_BYTES);
    expect(fed).toBeGreaterThanOrEqual(DEFAULT_MAX_REPLY_BYTES - lines.length);
  });
});

describe('framing and decoding details', () => {
  test('end() in the middle of a line or of a multi-line reply is a RemoteProtocolError', () => {
    for (const text of ['2', '200 no line end', '200 cr only\r', '211-open\r\n', '211-open\r\n inner\r\n', '211-open\r\n211 e']) {
      const parser = new ReplyParser();
      parser.push(utf8(text));
      expect(parser.pending).toBe(true);
      expect(() => parser.end()).toThrow(RemoteProtocolError);
      expect(() => parser.end()).toThrow(/middle of a reply/);
    }
    const clean = new ReplyParser();
    expect(clean.push(utf8('221 bye\r\n\r\n'))).toHaveLength(1);
    expect(clean.pending).toBe(false);
    expect(() => clean.end()).not.toThrow();
  });

  test('bare LF, CRLF, and a CR split from its LF across chunks', () => {
    expect(parseAll(utf8('200 a\n220 b\r\n'))).toEqual([createReply(200, ['a']), createReply(220, ['b'])]);
    expect(parseChunks([utf8('200 ok\r'), utf8('\n')])).toEqual([createReply(200, ['ok'])]);
    expect(parseChunks([utf8('211-a\r'), utf8('\n b\r'), utf8('\n211 c\r'), utf8('\n')])).toEqual([createReply(211, ['a', ' b', 'c'])]);
  });

  test('a CR that does not end the line is text', () => {
    expect(parseAll(utf8('200 a\rb\r\n'))).toEqual([createReply(200, ['a\rb'])]);
    expect(parseAll(utf8('200 a\r\r\n'))).toEqual([createReply(200, ['a\r'])]);
    expect(parseAll(utf8('200 a\r\n'))).toEqual([createReply(200, ['a'])]);
  });

  test('UTF-8 by default, latin1 on request, and a switch applies to lines completed afterwards', () => {
    const bytes = Uint8Array.of(...utf8('257 "'), 0xe9, ...utf8('"\r\n'));
    expect(parseAll(bytes)[0]?.text).toBe('"\uFFFD"');
    expect(parseAll(bytes, { encoding: 'latin1' })[0]?.text).toBe('"é"');
    expect(parseAll(utf8('257 "/d\u00e9j\u00e0 vu/\u65e5\u672c\u{1F600}"\r\n'))[0]?.text).toBe('"/d\u00e9j\u00e0 vu/\u65e5\u672c\u{1F600}"');
    const parser = new ReplyParser();
    expect(parser.push(bytes.subarray(0, 6))).toEqual([]);
    parser.encoding = 'latin1';
    expect(parser.push(bytes.subarray(6))[0]?.text).toBe('"é"');
  });

  test('a multi-byte character split across chunks decodes whole', () => {
    const bytes = utf8('250 \u{1F600}\u00e9\r\n');
    expect(parseChunks(byteByByte(bytes))).toEqual([createReply(250, ['\u{1F600}\u00e9'])]);
  });

  test('blank lines between replies are skipped; inside a multi-line reply they are kept', () => {
    expect(parseAll(utf8('\r\n\n\r\n200 a\r\n\r\n\n220 b\r\n\r\n'))).toEqual([createReply(200, ['a']), createReply(220, ['b'])]);
    expect(parseAll(utf8('211-a\r\n\r\n\n211 b\r\n'))).toEqual([createReply(211, ['a', '', '', 'b'])]);
  });

  test('a code with no text, or with a space and no text', () => {
    expect(parseAll(utf8('200\r\n200 \r\n'))).toEqual([createReply(200, ['']), createReply(200, [''])]);
    expect(parseAll(utf8('211-\r\n211\r\n'))).toEqual([createReply(211, ['', ''])]);
  });

  test('codes outside 100-699, short lines and bad separators are refused', () => {
    for (const text of ['099 x', '000 x', '700 x', '999 x', '20 x', '2\r', 'abc', '2a0 x', '200x', '2000 x', '200\tx', ' 200 x', '\u0660\u0660\u0660 x']) {
      expect(() => parseAll(utf8(`${text}\r\n`)), text).toThrow(RemoteProtocolError);
    }
    for (const code of [100, 199, 600, 699]) expect(parseAll(utf8(`${code} x\r\n`))[0]?.code).toBe(code);
    expect(parseAll(utf8('631 protected\r\n'))[0]?.kind).toBe('protected');
  });

  test('RFC 959 §4.2: only the opening code followed by a space ends a multi-line reply', () => {
    const bytes = utf8('226-Done\r\n150 Opening\r\n227 Entering\r\n226-Again\r\n226x\r\n 226 indented\r\n226 End\r\n200 next\r\n');
    expect(parseAll(bytes)).toEqual([
      createReply(226, ['Done', '150 Opening', '227 Entering', 'Again', '226x', ' 226 indented', 'End']),
      createReply(200, ['next']),
    ]);
  });

  test('replies before a fault in the same chunk are delivered by pushEach', () => {
    const parser = new ReplyParser();
    const seen: number[] = [];
    expect(() => parser.pushEach(utf8('200 a\r\n220 b\r\nnot a reply\r\n230 c\r\n'), (r) => seen.push(r.code))).toThrow(RemoteProtocolError);
    expect(seen).toEqual([200, 220]);
  });

  test('reset() forgets a partial line, an open reply and a sticky error', () => {
    const parser = new ReplyParser();
    parser.push(utf8('211-open\r\n half'));
    parser.reset();
    expect(parser.pending).toBe(false);
    expect(parser.push(utf8('200 fresh\r\n'))).toEqual([createReply(200, ['fresh'])]);
  });
});

describe('golden replies from real servers', () => {
  const parseLines = (lines: readonly string[]) => parseAll(wireBytes(lines));

  test("pure-ftpd's multi-line 220 greeting and 226 after LIST", () => {
    expect(parseLines(readTranscript('pure-ftpd')[0]!.lines)).toEqual([
      createReply(220, [
        '--------- Welcome to Pure-FTPd [privsep] [TLS] ----------',
        'You are user number 1 of 50 allowed.',
        'Local time is now 15:58. Server port: 2123.',
        'You will be disconnected after 15 minutes of inactivity.',
      ]),
    ]);
    expect(parseLines(exchangeOf('pure-ftpd', 'LIST').lines)).toEqual([
      createReply(150, ['Accepted data connection']),
      createReply(226, ['Options: -l ', '8 matches total']),
    ]);
  });

  test('HELP replies: bare inner lines, trailing blanks, and inner lines carrying the code', () => {
    expect(parseLines(exchangeOf('pure-ftpd', 'HELP').lines)).toEqual([
      createReply(214, ['The following SITE commands are recognized', ' ALIAS', ' CHMOD', ' IDLE', ' UTIME', 'Pure-FTPd - http://pureftpd.org/']),
    ]);
    const proftpd = parseLines(exchangeOf('proftpd', 'HELP').lines);
    expect(proftpd).toHaveLength(1);
    expect(proftpd[0]?.code).toBe(214);
    expect(proftpd[0]?.lines).toHaveLength(9);
    expect(proftpd[0]?.lines[1]).toBe(' CWD     XCWD    CDUP    XCUP    SMNT*   QUIT    PORT    PASV    ');
    expect(proftpd[0]?.lines.at(-1)).toBe('Direct comments to root@127.0.0.1');
    const ftpSrv = parseLines(exchangeOf('ftp-srv', 'HELP').lines);
    expect(ftpSrv).toHaveLength(1);
    expect(ftpSrv[0]?.lines[1]).toBe('ABOR\tALLO\tAPPE\tAUTH\tCDUP');
    expect(ftpSrv[0]?.lines.at(-1)).toBe('Use "HELP [command]" for syntax help.');
    for (const server of ['vsftpd', 'pyftpdlib'] as const) {
      const [help, ...rest] = parseLines(exchangeOf(server, 'HELP').lines);
      expect(rest).toEqual([]);
      expect(help?.code).toBe(214);
      expect(help?.lines.slice(1, -1).every((l) => l.startsWith(' '))).toBe(true);
    }
  });

  test('a whole pure-ftpd session gives the expected reply codes', () => {
    const codes = parseLines(sessionsOf('pure-ftpd')[0]!.lines).map((r) => r.code);
    expect(codes).toEqual([
      220, 211, 331, 230, 211, 215, 257, 200, 504, 250, 250, 213, 213, 213, 550, 550, 214,
      150, 226, 150, 226, 150, 226, 150, 226, 150, 226, 150, 226, 550, 150, 226, 221,
    ]);
  });

  test.each(SERVERS)('%s: every session parses, and a cut at every offset changes nothing', (server) => {
    for (const { lines } of sessionsOf(server)) {
      const bytes = wireBytes(lines);
      const whole = parseAll(bytes);
      // Every line the server sent belongs to exactly one reply: nothing dropped, nothing doubled.
      expect(whole.reduce((n, reply) => n + reply.lines.length, 0)).toBe(lines.length);
      expect(whole.length).toBeGreaterThan(5);
      expect(parseAll(wireBytes(lines, '\n'))).toEqual(whole);
      expect(parseChunks(byteByByte(bytes))).toEqual(whole);
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
      }
    }
  });
});
