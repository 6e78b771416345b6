import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { parseNameList } from '../src/nlst.js';
import { createReply, isFileSystemRefusal } from '../src/reply.js';

describe('parseNameList (RFC 959 §4.1.3 NLST)', () => {
  // What each real server sent (packages/client/test/names-servers.test.ts checks them live).
  test.each([
    ['vsftpd, ProFTPD: the folder echoed as given', '/d/a.txt\r\n/d/sub\r\n', ['a.txt', 'sub']],
    ['the folder given relative', 'd/a.txt\r\nd/sub\r\n', ['a.txt', 'sub']],
    ['pyftpdlib, ftp-srv: bare names', '.hidden\r\na.txt\r\nsub\r\n', ['.hidden', 'a.txt', 'sub']],
    ["Pure-FTPd: `.` and `..` among them", '/d/.hidden\r\n/d/.\r\n/d/sub\r\n/d/..\r\n/d/a.txt\r\n', ['.hidden', 'sub', 'a.txt']],
    ['ftp-srv: an empty folder is one empty line', '\r\n', []],
    ['nothing at all', '', []],
    ['bare LF, and no line end at the very end', 'a\nb', ['a', 'b']],
    ['a trailing slash on a folder', 'sub/\r\n/d/other/\r\n', ['sub', 'other']],
    ['the root and lone slashes name nothing', '/\r\n//\r\n/top.txt\r\n', ['top.txt']],
    ['spaces are part of a name', '  lead\r\ntrail  \r\n/d/ in the middle \r\n', ['  lead', 'trail  ', ' in the middle ']],
    ['a CR inside a line is kept; only the one before LF ends it', 'a\rb\r\n', ['a\rb']],
    ['UTF-8 names (decoded before)', '/d/日本語.txt\r\nfichier-é\r\n', ['日本語.txt', 'fichier-é']],
  ])('%s', (_, text, expected) => {
    expect(parseNameList(text)).toEqual(expected);
  });

  test('any line ending, any prefix: the names come back, in order, never with `/`, `.`, `..` or empty', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\r\n/]/.test(s) && s !== '.' && s !== '..');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, fc.constantFrom('', '/d/', 'd/', './', '/a/b/'), fc.constantFrom('\r\n', '\n')), { maxLength: 20 }),
        (lines) => {
          const text = lines.map(([n, prefix, end]) => `${prefix}${n}${end}`).join('');
          expect(parseNameList(text)).toEqual(lines.map(([n]) => n));
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        for (const n of parseNameList(text)) {
          expect(n).not.toMatch(/[\n/]/);
          expect(['', '.', '..']).not.toContain(n);
        }
      }),
    );
  });
});

describe('isFileSystemRefusal', () => {
  test('negative replies about the file system (x5z) are; connection, login, syntax and positive replies are not', () => {
    for (const code of [450, 451, 452, 550, 551, 552, 553]) expect(isFileSystemRefusal(createReply(code, ['x'])), String(code)).toBe(true);
    for (const code of [421, 425, 426, 500, 501, 502, 503, 504, 530, 532, 534, 150, 226, 250, 257, 350]) {
      expect(isFileSystemRefusal(createReply(code, ['x'])), String(code)).toBe(false);
    }
  });
});
