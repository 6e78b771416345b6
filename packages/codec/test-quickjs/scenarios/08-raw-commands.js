// requires: Session LocalProtocolError
// Rule 1 in a bare engine: a raw TYPE A the server accepted makes the next binary transfer send
// TYPE I again, and a raw REST is refused before anything is sent.
import { bytes, equal, test, throws } from 'harness';
import { LocalProtocolError, Session } from '@ftpkit/codec';

function sent(action) {
  let s = '';
  for (const b of action.bytes) s += String.fromCharCode(b);
  return s.trimEnd();
}

function loggedIn(writes) {
  const session = new Session();
  const take = (actions) => {
    for (const a of actions) if (a.type === 'send') writes.push(sent(a));
  };
  take(session.start({ kind: 'connect', user: 'alice', password: 'pw', security: 'none' }));
  for (const reply of ['220 hi', '331 pw', '230 in', '211 no features', '200 I']) take(session.receive(bytes(`${reply}\r\n`)));
  writes.length = 0;
  return { session, take };
}

test('raw TYPE A, then a binary RETR: TYPE I goes out before the transfer command', () => {
  const writes = [];
  const { session, take } = loggedIn(writes);
  take(session.start({ kind: 'command', command: { name: 'TYPE', arg: 'A' } }));
  take(session.receive(bytes('200 Switching to ASCII mode.\r\n')));
  take(session.start({ kind: 'transfer', command: 'RETR', path: 'a.bin', type: 'I' }));
  take(session.receive(bytes('200 Switching to Binary mode.\r\n')));
  take(session.receive(bytes('229 (|||50000|)\r\n')));
  take(session.dataOpened());
  equal(writes, ['TYPE A', 'TYPE I', 'EPSV', 'RETR a.bin']);
});

test('raw REST is refused with LocalProtocolError and nothing is sent', () => {
  const writes = [];
  const { session } = loggedIn(writes);
  const err = throws(() => session.start({ kind: 'command', command: { name: 'REST', arg: '100' } }));
  equal(err instanceof LocalProtocolError, true);
  equal(writes, []);
  equal(session.state, 'idle');
});
