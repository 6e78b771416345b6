import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { LocalProtocolError, RemoteProtocolError } from '../src/errors.js';
import { formatPwdReply, parsePwdReply } from '../src/pwd.js';
import { createReply } from '../src/reply.js';
import { ReplyParser } from '../src/reply-parser.js';
import { formatReply } from '../src/testing/replies.js';
import { SERVERS, exchangeOf, wireBytes } from './support/transcripts.js';

const pwd = (...lines: string[]) => parsePwdReply(createReply(257, lines));

/** A path as a server could name it: any text but CR, LF and NUL, quotes and spaces included. */
const arbPath = fc
  .string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('"', '""', ' ', '/')), minLength: 1, maxLength: 40 })
  .map((s) => s.replace(/[\r\n\0]/g, '_'));

describe('parsePwdReply (RFC 959 Appendix II)', () => {
  test.each(SERVERS)('%s: PWD as captured', (server) => {
    const [reply] = new ReplyParser().push(wireBytes(exchangeOf(server, 'PWD').lines));
    expect(parsePwdReply(reply!)).toBe('/');
  });

  test('the forms servers send', () => {
    expect(pwd('"/home/ftp" is the current directory')).toBe('/home/ftp');
    expect(pwd('"/"')).toBe('/');
    expect(pwd('"/new dir" created')).toBe('/new dir');
    expect(pwd('MKD command successful: "/a b" created')).toBe('/a b');
    expect(pwd('"C:\\Users\\ftp" is current directory.')).toBe('C:\\Users\\ftp');
    expect(pwd('"/d\u00e9j\u00e0/\u65e5\u672c" ok')).toBe('/d\u00e9j\u00e0/\u65e5\u672c');
    expect(pwd('"/a" and "/b"')).toBe('/a');
  });

  test('a doubled quote is a quote inside the path', () => {
    expect(pwd('"/a ""quoted"" dir" is current')).toBe('/a "quoted" dir');
    expect(pwd('""""')).toBe('"');
    expect(pwd('"/x"""')).toBe('/x"');
    expect(pwd('"""/x"')).toBe('"/x');
  });

  test('the path is taken from the line of its opening quote', () => {
    expect(pwd('Directory created:', '"/made" ok', '')).toBe('/made');
    expect(() => pwd('"/unterminated', 'rest" here')).toThrow(/not closed/);
  });

  test('no complete, non-empty quoted path is a RemoteProtocolError', () => {
    for (const text of ['/home/ftp is the current directory', '"/unclosed', '"" is current', '', '"', 'no "quote']) {
      expect(() => pwd(text), text).toThrow(RemoteProtocolError);
    }
    expect(() => parsePwdReply(createReply(250, ['"/x"']))).toThrow(/Expected a 257/);
    expect(() => parsePwdReply(createReply(550, ['"/x": Permission denied']))).toThrow(RemoteProtocolError);
  });

  test('reads back any path formatPwdReply writes, through the reply parser too', () => {
    fc.assert(
      fc.property(arbPath, fc.constantFrom('is the current directory', '', 'created "with" quotes'), (path, comment) => {
        const reply = formatPwdReply(path, comment);
        expect(parsePwdReply(reply)).toBe(path);
        const [parsed] = new ReplyParser().push(formatReply(reply));
        expect(parsePwdReply(parsed!)).toBe(path);
      }),
      { numRuns: 500 },
    );
  });

  test('arbitrary text gives a non-empty path or a RemoteProtocolError', () => {
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: fc.constantFrom('"', 'a', ' ', '/', '\n'), maxLength: 20 }));
    fc.assert(
      fc.property(text, (t) => {
        try {
          const path = pwd(t);
          expect(path.length).toBeGreaterThan(0);
          expect(path.includes('\n')).toBe(false);
        } catch (err) {
          expect(err).toBeInstanceOf(RemoteProtocolError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('formatPwdReply', () => {
  test('writes a 257 with the quotes doubled', () => {
    expect(formatPwdReply('/a"b')).toEqual(createReply(257, ['"/a""b" is the current directory']));
    expect(formatPwdReply('/new', 'directory created').text).toBe('"/new" directory created');
    expect(formatPwdReply('/', '').text).toBe('"/"');
  });

  test('refuses an empty path and line breaks', () => {
    for (const [path, comment] of [['', 'x'], ['/a\r\nb', 'x'], ['/a\nb', 'x'], ['/a\0', 'x'], ['/a', 'x\r\n257 "/evil"']]) {
      expect(() => formatPwdReply(path!, comment), JSON.stringify(path)).toThrow(LocalProtocolError);
    }
  });
});
