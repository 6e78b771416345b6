// Reply framing and decoding through the portable (non-TextDecoder) path.
import { assert, bytes, concat, equal, test, throws } from 'harness';
import { ReplyParser } from '@ftpkit/codec';

// A greeting with an inner line that looks like another reply, a login, a multi-line FEAT and a
// 257 with UTF-8 in the path. '\xC3\xA9' is "é" in UTF-8; one line ends in a bare LF.
const stream = bytes(
  '220-Welcome to the test server\r\n' +
    '230 this line is inside the greeting\r\n' +
    '220 Ready\r\n' +
    '331 Password required\r\n' +
    '230 Logged in\n' +
    '211-Features:\r\n' +
    ' MDTM\r\n' +
    ' MLST type*;size*;modify*;\r\n' +
    ' UTF8\r\n' +
    '211 End\r\n' +
    '257 "/r\xC3\xA9sum\xC3\xA9" created\r\n',
);

const expected = [
  { code: 220, kind: 'completion', lines: ['Welcome to the test server', '230 this line is inside the greeting', 'Ready'] },
  { code: 331, kind: 'intermediate', lines: ['Password required'] },
  { code: 230, kind: 'completion', lines: ['Logged in'] },
  { code: 211, kind: 'completion', lines: ['Features:', ' MDTM', ' MLST type*;size*;modify*;', ' UTF8', 'End'] },
  { code: 257, kind: 'completion', lines: ['"/r\u00e9sum\u00e9" created'] },
];

function plain(replies) {
  return replies.map((r) => ({ code: r.code, kind: r.kind, lines: [...r.lines] }));
}

function byteByByte(input, parser = new ReplyParser()) {
  const out = [];
  for (let i = 0; i < input.length; i++) out.push(...parser.push(input.subarray(i, i + 1)));
  parser.end();
  return out;
}

test('greeting, login, FEAT and 257 fed byte by byte', () => {
  equal(plain(byteByByte(stream)), expected);
});

test('the same stream in one chunk gives the same replies', () => {
  const parser = new ReplyParser();
  const replies = parser.push(stream);
  parser.end();
  equal(plain(replies), expected);
});

test('reply text joins the lines and replies are frozen', () => {
  const [greeting] = new ReplyParser().push(stream);
  equal(greeting.text, 'Welcome to the test server\n230 this line is inside the greeting\nReady');
  assert(Object.isFrozen(greeting), 'reply frozen');
  assert(Object.isFrozen(greeting.lines), 'lines frozen');
});

test('257 with UTF-8 path decodes to "/résumé"', () => {
  const replies = byteByByte(bytes('257 "/r\xC3\xA9sum\xC3\xA9" created\r\n'));
  equal(replies[0].text, '"/r\u00e9sum\u00e9" created');
});

test('4-byte UTF-8 becomes a surrogate pair', () => {
  // U+1F4C1 FILE FOLDER = F0 9F 93 81
  const [reply] = byteByByte(bytes('250 \xF0\x9F\x93\x81 ok\r\n'));
  equal(reply.text, '\uD83D\uDCC1 ok');
});

test('invalid UTF-8 becomes U+FFFD per maximal subpart', () => {
  // FF is never valid; E2 82 is a truncated 3-byte sequence (one U+FFFD); C0 AF is overlong (two).
  const [reply] = byteByByte(bytes('550 a\xFFb\xE2\x82c\xC0\xAFd\r\n'));
  equal(reply.text, 'a\uFFFDb\uFFFDc\uFFFD\uFFFDd');
});

test('latin1 decoding maps each byte to one character', () => {
  const [reply] = byteByByte(bytes('257 "/r\xE9sum\xE9" created\r\n'), new ReplyParser({ encoding: 'latin1' }));
  equal(reply.text, '"/r\u00e9sum\u00e9" created');
});

test('a CR LF split across chunks frames one line', () => {
  const parser = new ReplyParser();
  equal(parser.push(bytes('200 OK\r')).length, 0);
  const replies = parser.push(bytes('\n'));
  equal(plain(replies), [{ code: 200, kind: 'completion', lines: ['OK'] }]);
});

test('an over-long line is a RemoteProtocolError and sticks', () => {
  const parser = new ReplyParser({ maxLineBytes: 64 });
  const long = concat(bytes('220 '), bytes('x'.repeat(100)));
  const err = throws(() => parser.push(long));
  equal(err.code, 'ERR_FTP_REMOTE_PROTOCOL');
  const again = throws(() => parser.push(bytes('200 OK\r\n')));
  equal(again.code, 'ERR_FTP_REMOTE_PROTOCOL');
});

test('garbage instead of a reply code is a RemoteProtocolError', () => {
  const err = throws(() => new ReplyParser().push(bytes('HTTP/1.1 400 Bad Request\r\n')));
  equal(err.code, 'ERR_FTP_REMOTE_PROTOCOL');
});

test('end() in the middle of a multi-line reply throws', () => {
  const parser = new ReplyParser();
  parser.push(bytes('211-Features:\r\n MDTM\r\n'));
  const err = throws(() => parser.end());
  equal(err.code, 'ERR_FTP_REMOTE_PROTOCOL');
});
