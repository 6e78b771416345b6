// requires: parsePasv parseEpsv formatPort formatEprt
// Data-connection addresses: 227 and 229 replies framed from bytes, then parsed.
import { bytes, equal, test, throws } from 'harness';
import { ReplyParser, formatEprt, formatPort, parseEpsv, parsePasv } from '@ftpkit/codec';

function reply(text) {
  const parser = new ReplyParser();
  const [r] = parser.push(bytes(text));
  parser.end();
  return r;
}

test('227 with parentheses gives host and port', () => {
  equal(parsePasv(reply('227 Entering Passive Mode (127,0,0,1,126,12).\r\n')), { host: '127.0.0.1', port: 32268 });
});

test('227 without parentheses (RFC 1123 §4.1.2.6)', () => {
  equal(parsePasv(reply('227 =192,168,10,20,4,1\r\n')), { host: '192.168.10.20', port: 1025 });
});

test('227 with a number above 255 is a RemoteProtocolError', () => {
  const err = throws(() => parsePasv(reply('227 Entering Passive Mode (127,0,0,1,300,12).\r\n')));
  equal(err.code, 'ERR_FTP_REMOTE_PROTOCOL');
});

test('227 with five numbers is a RemoteProtocolError', () => {
  const err = throws(() => parsePasv(reply('227 Entering Passive Mode (127,0,0,1,126).\r\n')));
  equal(err.code, 'ERR_FTP_REMOTE_PROTOCOL');
});

test('229 with | and with ! delimiters', () => {
  equal(parseEpsv(reply('229 Entering Extended Passive Mode (|||6446|)\r\n')), { port: 6446 });
  equal(parseEpsv(reply('229 Entering Extended Passive Mode (!!!6446!)\r\n')), { port: 6446 });
});

test('PORT and EPRT arguments', () => {
  equal(formatPort({ host: '127.0.0.1', port: 32268 }), '127,0,0,1,126,12');
  equal(formatEprt({ host: '::1', port: 6275 }), '|2|::1|6275|');
});
