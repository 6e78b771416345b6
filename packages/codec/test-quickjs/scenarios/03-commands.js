// Command serialization through the portable (non-TextEncoder) UTF-8 encoder.
import { assert, bytes, equal, test, throws } from 'harness';
import { LocalProtocolError, encodeCommand, isFtpError } from '@ftpkit/codec';

test("encodeCommand('RETR', 'ü.txt') is UTF-8 with CRLF", () => {
  equal(encodeCommand('RETR', '\u00fc.txt'), bytes('RETR \xC3\xBC.txt\r\n'));
});

test('a command without argument', () => {
  equal(encodeCommand('PASV'), bytes('PASV\r\n'));
});

test('astral characters encode as 4 bytes', () => {
  equal(encodeCommand('STOR', '\uD83D\uDCC1'), bytes('STOR \xF0\x9F\x93\x81\r\n'));
});

test('latin1 encoding writes one byte per character', () => {
  equal(encodeCommand('RETR', '\u00fc.txt', { encoding: 'latin1' }), bytes('RETR \xFC.txt\r\n'));
});

test('0xFF is doubled when escapeIac is on', () => {
  equal(encodeCommand('RETR', '\u00ff', { encoding: 'latin1', escapeIac: true }), bytes('RETR \xFF\xFF\r\n'));
});

for (const [label, arg] of [
  ['CR LF', 'a.txt\r\nDELE b.txt'],
  ['LF', 'a.txt\nDELE b.txt'],
  ['CR', 'a.txt\rDELE b.txt'],
  ['NUL', 'a.txt\u0000'],
]) {
  test(`an argument with ${label} is refused with ERR_FTP_LOCAL_PROTOCOL`, () => {
    const err = throws(() => encodeCommand('RETR', arg));
    equal(err.code, 'ERR_FTP_LOCAL_PROTOCOL');
    assert(err instanceof LocalProtocolError, 'instanceof LocalProtocolError');
    assert(isFtpError(err), 'isFtpError');
    assert(!err.message.includes('DELE'), 'the message does not repeat the argument');
  });
}

test('a refused PASS does not leak the password', () => {
  const err = throws(() => encodeCommand('PASS', 'hunter2\r\nDELE x'));
  equal(err.code, 'ERR_FTP_LOCAL_PROTOCOL');
  assert(!err.message.includes('hunter2'), 'no password in the message');
});
