/**
 * Rule 1: a raw command (the `command` operation) either updates the state the session keeps, or is
 * refused before a byte is sent. The first tests reproduce the old bug in which a raw `TYPE A` left
 * the session believing `TYPE I`, so a binary download went out in ASCII mode.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FtpReplyError, LocalProtocolError, TlsRefusedError } from '../src/errors.js';
import type { Action, Operation, SessionOptions } from '../src/index.js';
import { Harness, loggedIn } from './session-harness.js';

const raw = (name: string, arg?: string): Operation => ({ kind: 'command', command: arg === undefined ? { name } : { name, arg } });

/** Run a raw command that the server answers with `reply`. */
function rawCommand(h: Harness, name: string, arg: string | undefined, reply: string): Action | undefined {
  h.start(raw(name, arg));
  h.reply(reply);
  return h.outcome;
}

/** A passive RETR with `type` answered all the way: returns the commands it sent and its openData. */
function download(h: Harness, type: 'A' | 'I' = 'I'): { sent: string[]; openData: Action | undefined } {
  const before = h.sent.length;
  h.start({ kind: 'transfer', command: 'RETR', path: 'a.bin', type });
  for (;;) {
    const last = h.sent.at(-1) ?? '';
    if (last.startsWith('TYPE')) h.reply('200 type set\r\n');
    else if (last === 'EPSV') break;
    else throw new Error(`unexpected ${last}`);
  }
  h.reply('229 (|||40001|)\r\n');
  const openData = h.actions.findLast((a) => a.type === 'openData');
  h.dataOpened();
  h.reply('150 go\r\n');
  h.dataClosed();
  h.reply('226 done\r\n');
  if (h.outcome?.type !== 'done') throw new Error(`transfer did not complete: ${h.trace.join(', ')}`);
  return { sent: h.sent.slice(before), openData };
}

/** An implicit-TLS login (PBSZ 0, PROT P), with `feat` as the FEAT reply. */
function secureLoggedIn(options: SessionOptions = {}, feat = '211-Features:\r\n EPSV\r\n211 End\r\n'): Harness {
  const h = new Harness(options);
  h.start({ kind: 'connect', user: 'u', password: 'p', security: 'implicit' });
  for (const reply of ['220 hi', '200 PBSZ=0', '200 PROT P', '331 pw', '230 in']) h.reply(`${reply}\r\n`);
  h.reply(feat);
  h.reply('200 type I\r\n');
  if (h.outcome?.type !== 'done') throw new Error(`login did not complete: ${h.trace.join(', ')}`);
  h.actions.length = 0;
  return h;
}

describe('raw TYPE is modelled (the old W1 bug)', () => {
  test('raw TYPE A, then a binary transfer: TYPE I goes out before the transfer command', () => {
    const h = loggedIn();
    expect(rawCommand(h, 'TYPE', 'A', '200 Switching to ASCII mode.\r\n')?.type).toBe('done');
    const { sent } = download(h, 'I');
    expect(sent).toEqual(['TYPE I', 'EPSV', 'RETR a.bin']);
  });

  test('raw TYPE A, then an ASCII transfer: no TYPE is sent again', () => {
    const h = loggedIn();
    rawCommand(h, 'type', 'a n', '200 ok\r\n');
    expect(download(h, 'A').sent).toEqual(['EPSV', 'RETR a.bin']);
  });

  test.each(['L 8', 'E', 'A T', 'X'])('raw TYPE %s is not modelled: the next transfer sends TYPE whatever it needs', (arg) => {
    const h = loggedIn();
    rawCommand(h, 'TYPE', arg, '200 ok\r\n');
    expect(download(h, 'I').sent).toEqual(['TYPE I', 'EPSV', 'RETR a.bin']);
    rawCommand(h, 'TYPE', arg, '200 ok\r\n');
    expect(download(h, 'A').sent).toEqual(['TYPE A', 'EPSV', 'RETR a.bin']);
  });

  test('a refused raw TYPE changes nothing (RFC 959 §4.2): the binary transfer sends no TYPE', () => {
    const h = loggedIn();
    expect(rawCommand(h, 'TYPE', 'A', '504 Command not implemented for that parameter.\r\n')?.type).toBe('failed');
    expect(download(h, 'I').sent).toEqual(['EPSV', 'RETR a.bin']);
  });

  test('a raw TYPE A the server took while the user aborted is still recorded', () => {
    const h = loggedIn();
    h.start(raw('TYPE', 'A'));
    h.abort();
    h.reply('200 Switching to ASCII mode.\r\n');
    expect(h.outcome?.type).toBe('aborted');
    expect(download(h, 'I').sent).toEqual(['TYPE I', 'EPSV', 'RETR a.bin']);
  });
});

describe('raw PROT is modelled on a TLS session', () => {
  test('PROT C: the next data connection is plain; PROT P: protected again', () => {
    const h = secureLoggedIn();
    expect(download(h).openData).toMatchObject({ type: 'openData', secure: true });
    expect(rawCommand(h, 'PROT', 'C', '200 Protection level set to Clear\r\n')?.type).toBe('done');
    expect(download(h).openData).toMatchObject({ type: 'openData', secure: false });
    rawCommand(h, 'PROT', 'p', '200 Protection level set to Private\r\n');
    expect(download(h).openData).toMatchObject({ type: 'openData', secure: true });
  });

  test('a refused PROT C leaves data protected', () => {
    const h = secureLoggedIn();
    expect(rawCommand(h, 'PROT', 'C', '534 Policy requires PROT P\r\n')?.type).toBe('failed');
    expect(download(h).openData).toMatchObject({ type: 'openData', secure: true });
  });

  test('PROT without TLS, or with a level TLS has no use for, is refused before sending', () => {
    const plain = loggedIn();
    expect(() => plain.start(raw('PROT', 'P'))).toThrow(/PROT cannot be sent as a raw command: PROT needs TLS/);
    const secure = secureLoggedIn();
    for (const level of ['S', 'E', 'P X', '']) {
      expect(() => secure.start(raw('PROT', level))).toThrow(LocalProtocolError);
    }
    expect([...plain.sent, ...secure.sent]).toEqual([]);
  });
});

describe('the selected HASH algorithm', () => {
  const feat = (hash: string): string => `211-Features:\r\n EPSV\r\n HASH ${hash}\r\n211 End\r\n`;

  test("comes from FEAT's * at login", () => {
    expect(loggedIn({}, feat('SHA-256*;SHA-1;MD5;')).session.hashAlgorithm).toBe('SHA-256');
    expect(loggedIn({}, feat('SHA-256;SHA-1;MD5;')).session.hashAlgorithm).toBeUndefined();
    expect(loggedIn().session.hashAlgorithm).toBeUndefined();
  });

  test('follows an accepted raw OPTS HASH, and not a refused one or a query', () => {
    const h = loggedIn({}, feat('SHA-256*;SHA-1;MD5;'));
    expect(rawCommand(h, 'OPTS', 'HASH SHA-1', '200 SHA-1\r\n')?.type).toBe('done');
    expect(h.session.hashAlgorithm).toBe('SHA-1');
    expect(rawCommand(h, 'OPTS', 'hash md5', '200 MD5\r\n')?.type).toBe('done');
    expect(h.session.hashAlgorithm).toBe('MD5');
    expect(rawCommand(h, 'OPTS', 'HASH SHA-512', '504 Unknown algorithm\r\n')?.type).toBe('failed');
    expect(h.session.hashAlgorithm).toBe('MD5');
    rawCommand(h, 'OPTS', 'HASH', '200 MD5\r\n');
    expect(h.session.hashAlgorithm).toBe('MD5');
  });

  test('an accepted OPTS HASH with a name the codec does not know makes it unknown', () => {
    const h = loggedIn({}, feat('SHA-256*;'));
    rawCommand(h, 'OPTS', 'HASH BLAKE3', '200 BLAKE3\r\n');
    expect(h.session.hashAlgorithm).toBeUndefined();
  });
});

describe('raw OPTS UTF8 and EPSV ALL are modelled', () => {
  const latin1Pwd = new Uint8Array([...new TextEncoder().encode('257 "/caf'), 0xe9, ...new TextEncoder().encode('"\r\n')]);
  const pwdText = (h: Harness): string => {
    h.start(raw('PWD'));
    h.session.receive(latin1Pwd).forEach((a) => h.actions.push(a));
    const outcome = h.outcome;
    if (outcome?.type !== 'done' || outcome.result.kind !== 'reply') throw new Error('PWD failed');
    return outcome.result.reply.text;
  };

  test('OPTS UTF8 OFF goes back to the configured encoding for replies, OPTS UTF8 ON to UTF-8', () => {
    const h = loggedIn({ encoding: 'latin1' }); // FEAT lists UTF8: login switched replies to UTF-8
    expect(pwdText(h)).toBe('"/caf\uFFFD"');
    rawCommand(h, 'OPTS', 'UTF8 OFF', '200 UTF8 off\r\n');
    expect(pwdText(h)).toBe('"/café"');
    rawCommand(h, 'OPTS', 'utf8 on', '200 UTF8 on\r\n');
    expect(pwdText(h)).toBe('"/caf\uFFFD"');
  });

  test('after EPSV ALL, a refused EPSV is not followed by PASV (RFC 2428 §4)', () => {
    const h = loggedIn();
    rawCommand(h, 'EPSV', 'ALL', '200 EPSV ALL ok\r\n');
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('500 EPSV not understood\r\n');
    expect(h.sent.slice(-1)).toEqual(['EPSV']);
    expect(h.outcome?.type).toBe('failed');
  });

  test('without EPSV ALL, the same refusal falls back to PASV', () => {
    const h = loggedIn();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('500 EPSV not understood\r\n');
    expect(h.sent.slice(-2)).toEqual(['EPSV', 'PASV']);
  });
});

describe('working-directory changes are counted', () => {
  test('an accepted CWD, CDUP, XCWD, XCUP or SMNT moves the count; a refused one and other commands do not', () => {
    const h = loggedIn();
    expect(h.session.directoryChanges).toBe(0);
    rawCommand(h, 'CWD', 'pub', '250 ok\r\n');
    expect(h.session.directoryChanges).toBe(1);
    rawCommand(h, 'CWD', 'missing', '550 no such folder\r\n');
    rawCommand(h, 'PWD', undefined, '257 "/pub"\r\n');
    rawCommand(h, 'SITE', 'CHMOD 644 a', '200 ok\r\n');
    expect(h.session.directoryChanges).toBe(1);
    for (const [name, arg] of [['CDUP', undefined], ['XCWD', 'a'], ['XCUP', undefined], ['SMNT', '/mnt']] as const) {
      rawCommand(h, name, arg, '250 ok\r\n');
    }
    expect(h.session.directoryChanges).toBe(5);
  });
});

describe('raw commands the session cannot model are refused before a byte is sent', () => {
  const refused: readonly [string, string | undefined, RegExp][] = [
    ['USER', 'bob', /Client\.connect/],
    ['PASS', 'hunter2', /Client\.connect/],
    ['ACCT', 'acct-s3cret', /Client\.connect/],
    ['REIN', undefined, /new connection/],
    ['AUTH', 'TLS', /secure/],
    ['PBSZ', '0', /secure/],
    ['CCC', undefined, /ccc: true/],
    ['ADAT', 'x', /RFC 2228/],
    ['MIC', 'x', /RFC 2228/],
    ['CONF', 'x', /RFC 2228/],
    ['ENC', 'x', /RFC 2228/],
    ['REST', '100', /startAt/],
    ['RETR', 'a', /Client\.download/],
    ['STOR', 'a', /Client\.upload/],
    ['STOU', undefined, /Client\.upload/],
    ['APPE', 'a', /Client\.append/],
    ['LIST', undefined, /Client\.list/],
    ['NLST', 'd', /Client\.names/],
    ['MLSD', 'd', /Client\.list/],
    ['RNFR', 'a', /Client\.rename/],
    ['RNTO', 'b', /Client\.rename/],
    ['ABOR', undefined, /AbortSignal/],
    ['QUIT', undefined, /Client\.close/],
    ['MODE', 'B', /MODE S/],
    ['MODE', 'Z', /MODE S/],
    ['STRU', 'R', /STRU F/],
  ];

  test.each(refused)('%s %s: LocalProtocolError naming the call to use; nothing sent; the session stays usable', (name, arg, instead) => {
    const h = loggedIn();
    let error: unknown;
    try {
      h.start(raw(name.toLowerCase(), arg));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LocalProtocolError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^${name} cannot be sent as a raw command: `));
    expect(message).toMatch(instead);
    // As every codec error, the message never repeats the argument (a password, here).
    if (name === 'PASS' || name === 'ACCT') expect(message).not.toContain(arg);
    expect(h.actions).toEqual([]);
    expect(h.session.state).toBe('idle');
    expect(rawCommand(h, 'NOOP', undefined, '200 ok\r\n')?.type).toBe('done');
    expect(h.sent).toEqual(['NOOP']);
  });

  test.each([
    ['MODE', 'S'],
    ['STRU', 'F'],
    ['PASV', undefined],
    ['EPSV', undefined],
    ['PORT', '127,0,0,1,4,1'],
    ['SITE', 'CHMOD 644 a'],
    ['OPTS', 'MLST type;size;'],
  ])('%s %s is sent as it is', (name, arg) => {
    const h = loggedIn();
    expect(rawCommand(h, name, arg, '200 ok\r\n')?.type).toBe('done');
    expect(h.sent).toEqual([arg === undefined ? name : `${name} ${arg}`]);
  });
});

describe('a refused AUTH TLS', () => {
  test.each(['530 Please login with USER and PASS.', '500 AUTH not understood', '230 already in'])('answered %s: TlsRefusedError, a FtpReplyError for AUTH TLS', (answer) => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'explicit' });
    h.reply(`220 hi\r\n`);
    h.reply(`${answer}\r\n`);
    const outcome = h.outcome;
    if (outcome?.type !== 'failed') throw new Error(`expected failure, got ${h.trace.join(', ')}`);
    expect(outcome.error).toBeInstanceOf(TlsRefusedError);
    expect(outcome.error).toBeInstanceOf(FtpReplyError);
    expect((outcome.error as TlsRefusedError).command).toBe('AUTH TLS');
    expect((outcome.error as TlsRefusedError).code).toBe('ERR_FTP_REPLY');
    expect(outcome.error.name).toBe('TlsRefusedError');
  });

  test('a refused PBSZ after TLS is a plain FtpReplyError, not a refused TLS', () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'implicit' });
    h.reply('220 hi\r\n');
    h.reply('503 PBSZ refused\r\n');
    const outcome = h.outcome;
    if (outcome?.type !== 'failed') throw new Error('expected failure');
    expect(outcome.error).toBeInstanceOf(FtpReplyError);
    expect(outcome.error).not.toBeInstanceOf(TlsRefusedError);
  });
});

describe('property: the session always knows whether the next binary transfer needs TYPE I', () => {
  const rawStep = fc.record({
    command: fc.constantFrom<[string, string | undefined]>(['TYPE', 'A'], ['TYPE', 'I'], ['TYPE', 'L 8'], ['TYPE', 'a n'], ['NOOP', undefined], ['SITE', 'X'], ['REST', '1'], ['PASS', 'p']),
    answer: fc.constantFrom('200 ok', '504 no', '550 no'),
    abort: fc.boolean(),
  });

  test('after any raw commands, answers and aborts, TYPE I is sent exactly when the server may not be in I', () => {
    fc.assert(
      fc.property(fc.array(rawStep, { maxLength: 8 }), (steps) => {
        const h = loggedIn();
        let model: 'A' | 'I' | undefined = 'I'; // what a server that took each accepted TYPE is in
        for (const { command: [name, arg], answer, abort } of steps) {
          try {
            h.start(raw(name, arg));
          } catch (err) {
            expect(err).toBeInstanceOf(LocalProtocolError); // refused: nothing sent, nothing changed
            continue;
          }
          if (abort) h.abort();
          h.reply(`${answer}\r\n`);
          if (name === 'TYPE' && answer.startsWith('2')) model = arg === 'I' ? 'I' : arg === 'A' || arg === 'a n' ? 'A' : undefined;
        }
        const { sent } = download(h, 'I');
        expect(sent[0] === 'TYPE I').toBe(model !== 'I');
      }),
      { numRuns: 300 },
    );
  });
});
