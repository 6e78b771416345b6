// requires: ListingParser
// A listing parsed piece by piece inside the bare engine: the streaming parser must need no host API
// either (it gets text; the decoding is the host's).
import { assert, equal, test, throws } from 'harness';
import { ListingParser, RemoteProtocolError } from '@ftpkit/codec';

const line = (name) => `-rw-r--r--    1 ftp      ftp          1024 Jan 02  2020 ${name}`;

test('pieces split inside lines and between CR and LF give the entries', () => {
  const parser = new ListingParser();
  const names = [];
  for (const piece of ['total 3\r\n', line('a').slice(0, 20), `${line('a').slice(20)}\r`, `\n${line('b c')}\r\n`, line('last')]) {
    for (const entry of parser.push(piece)) names.push(entry.name);
  }
  for (const entry of parser.end()) names.push(entry.name);
  equal(names, ['a', 'b c', 'last']);
  equal(parser.format, 'unix');
  equal(parser.unparsedCount, 0);
});

test('MLSD given as the format: entries come out at once, cdir left out', () => {
  const parser = new ListingParser({ format: 'mlsd' });
  equal(parser.push('type=cdir; .\r\ntype=file;size=6; hello.txt\r\n').map((e) => [e.name, e.size]), [['hello.txt', 6]]);
});

test('a line over the bound is a RemoteProtocolError', () => {
  const parser = new ListingParser({ maxLineLength: 64 });
  const err = throws(() => parser.push('x'.repeat(100)));
  assert(err instanceof RemoteProtocolError, 'a RemoteProtocolError');
  equal(err.code, 'ERR_FTP_REMOTE_PROTOCOL');
});
