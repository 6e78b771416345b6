// requires: Session parseListing
// A whole scripted session driven through the sans-IO Session inside a bare engine: greeting,
// login, EPSV with a refused answer and the PASV fallback, RETR with the 226 before the data EOF,
// then a LIST whose bytes are decoded by the codec's portable UTF-8 decoder and parsed; and a
// pipelined RETR with REST.
import { assert, bytes, equal, test } from 'harness';
import { Session, decodeText, parseListing } from '@ftpkit/codec';

/** Decode the ASCII bytes of a `send` action without TextDecoder (the engine has none). */
function sent(action) {
  let s = '';
  for (const b of action.bytes) s += String.fromCharCode(b);
  return s;
}

function drive() {
  const session = new Session();
  const log = [];
  const take = (actions) => {
    for (const a of actions) log.push(a.type === 'send' ? `> ${sent(a).trimEnd()}` : a.type === 'openData' ? `openData ${a.host ?? 'control-host'}:${a.port}` : a.type);
    return actions;
  };
  take(session.start({ kind: 'connect', user: 'alice', password: 'pw', security: 'none' }));
  take(session.receive(bytes('220 bare-engine server\r\n')));
  take(session.receive(bytes('331 Password please\r\n')));
  take(session.receive(bytes('230 Logged in\r\n')));
  take(session.receive(bytes('211-Features:\r\n MDTM\r\n211 End\r\n')));
  take(session.receive(bytes('200 Type set to I\r\n')));
  take(session.start({ kind: 'transfer', command: 'RETR', path: 'report.csv' }));
  take(session.receive(bytes('502 EPSV not implemented\r\n')));
  take(session.receive(bytes('227 Entering Passive Mode (10,0,0,9,195,80)\r\n')));
  take(session.dataOpened());
  take(session.receive(bytes('150 Opening BINARY mode data connection\r\n226 Transfer complete\r\n')));
  take(session.dataClosed());
  take(session.start({ kind: 'transfer', command: 'LIST' }));
  take(session.receive(bytes('227 Entering Passive Mode (127,0,0,1,195,81)\r\n')));
  take(session.dataOpened());
  take(session.receive(bytes('150 Here comes the listing\r\n')));
  take(session.dataClosed());
  take(session.receive(bytes('226 Directory send OK\r\n')));
  return { session, log };
}

test('the scripted session produces the expected command sequence and outcomes', () => {
  const { session, log } = drive();
  equal(log, [
    '> USER alice',
    '> PASS pw',
    '> FEAT',
    '> TYPE I',
    'done',
    '> EPSV',
    '> PASV',
    'openData control-host:50000',
    '> RETR report.csv',
    'dataReady',
    'closeData',
    'done',
    '> PASV',
    'openData control-host:50001',
    '> LIST',
    'dataReady',
    'closeData',
    'done',
  ]);
  equal(session.state, 'idle');
});

test('the LIST bytes are decoded and parsed without host text APIs', () => {
  // "résumé.txt" in UTF-8, and a directory, as vsftpd formats them.
  const listing = bytes(
    '-rw-r--r--    1 1001     1001         1234 Jan 02  2020 r\u00c3\u00a9sum\u00c3\u00a9.txt\r\n' +
      'drwxr-xr-x    2 1001     1001         4096 Jan 02  2020 sub dir\r\n',
  );
  const { format, entries, unparsed } = parseListing(decodeText(listing, 'utf8'));
  equal(format, 'unix');
  equal(unparsed.length, 0);
  equal(entries.length, 2);
  equal(entries[0].name, 'r\u00e9sum\u00e9.txt');
  equal(entries[0].type, 'file');
  equal(entries[0].size, 1234);
  equal(entries[1].name, 'sub dir');
  equal(entries[1].type, 'directory');
  assert(entries[0].modifiedAt instanceof Date, 'modifiedAt is a Date');
  equal(entries[0].modifiedAt.getTime(), Date.UTC(2020, 0, 2));
});

test('with pipelining, EPSV, REST and RETR leave in one write once EPSV has worked', () => {
  const session = new Session({ pipelining: true });
  const writes = [];
  const types = [];
  const take = (actions) => {
    for (const a of actions) {
      types.push(a.type);
      if (a.type === 'send') writes.push(sent(a));
    }
  };
  take(session.start({ kind: 'connect', user: 'alice', password: 'pw', security: 'none' }));
  take(session.receive(bytes('220 hi\r\n')));
  take(session.receive(bytes('331 pw\r\n')));
  take(session.receive(bytes('230 in\r\n')));
  take(session.receive(bytes('211 no features\r\n')));
  take(session.receive(bytes('200 I\r\n')));
  take(session.start({ kind: 'transfer', command: 'RETR', path: 'a' }));
  take(session.receive(bytes('229 (|||50000|)\r\n')));
  take(session.dataOpened());
  take(session.receive(bytes('150 go\r\n226 ok\r\n')));
  take(session.dataClosed());
  writes.length = 0;
  types.length = 0;
  take(session.start({ kind: 'transfer', command: 'RETR', path: 'b', restAt: 7 }));
  // One read holds every reply of the batch: they answer commands that all went out before it.
  take(session.receive(bytes('229 (|||50001|)\r\n350 Restarting at 7\r\n150 go\r\n226 ok\r\n')));
  take(session.dataOpened());
  take(session.dataClosed());
  equal(writes, ['EPSV\r\nREST 7\r\nRETR b\r\n']);
  equal(types, ['send', 'openData', 'dataReady', 'closeData', 'done']);
  equal(session.state, 'idle');
});
