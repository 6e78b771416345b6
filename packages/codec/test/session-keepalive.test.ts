/**
 * Keep-alive NOOPs during a transfer, one server behaviour at a time, with the exact exchange: the
 * ones measured on the five real servers (answers at once, after the 226, 500 and dropped), and the
 * awkward cases (421, a failed transfer, an abort, the 226 before the data's end, a fence that
 * cannot be told from a NOOP's answer).
 */
import { describe, expect, test } from 'vitest';
import { FtpReplyError, RemoteProtocolError } from '../src/errors.js';
import { commands } from '../src/index.js';
import { Harness, loggedIn } from './session-harness.js';

/** A passive RETR past its 150, with the data connection open. */
function transferring(command: 'RETR' | 'STOR' = 'RETR'): Harness {
  const h = loggedIn();
  h.start({ kind: 'transfer', command, path: 'f' });
  h.reply('229 Entering Extended Passive Mode (|||40001|)\r\n');
  h.dataOpened();
  h.reply('150 opening\r\n');
  h.actions.length = 0;
  return h;
}

/** A keep-alive tick, recorded. */
function tick(h: Harness): void {
  h.actions.push(...h.session.keepAlive());
}

/** The final reply of a finished operation, as the server wrote it. */
function finalOf(h: Harness): string {
  const end = h.outcome;
  if (end?.type === 'done' && end.result.kind === 'reply') return `${end.result.reply.code} ${end.result.reply.text}`;
  if (end?.type === 'failed' && end.error instanceof FtpReplyError) return `failed ${end.error.reply.code} ${end.error.reply.text}`;
  return end?.type ?? 'none';
}

/** The next command gets its own reply. */
function nextCommandIsInStep(h: Harness): void {
  h.actions.length = 0;
  h.start({ kind: 'command', command: commands.size('f') });
  h.reply('213 4096\r\n');
  expect(finalOf(h)).toBe('213 4096');
  expect(h.session.state).toBe('idle');
}

describe('when a keep-alive goes out', () => {
  test('only past the 1xx of a running transfer, and until it ends', () => {
    const h = loggedIn();
    expect(h.session.canKeepAlive).toBe(false);
    expect(h.session.keepAlive()).toEqual([]); // idle
    h.start({ kind: 'transfer', command: 'RETR', path: 'f' });
    expect(h.session.keepAlive()).toEqual([]); // waiting for EPSV's answer
    h.reply('229 Entering Extended Passive Mode (|||40001|)\r\n');
    h.dataOpened();
    expect(h.session.waiting).toBe('transfer');
    expect(h.session.canKeepAlive).toBe(false); // RETR is out, its 150 is not in
    expect(h.session.keepAlive()).toEqual([]);
    h.reply('150 opening\r\n');
    expect(h.session.canKeepAlive).toBe(true);
    expect(h.session.keepAlive().map((a) => a.type === 'send' && a.command)).toEqual(['NOOP']);
    h.reply('226 done\r\n');
    expect(h.session.canKeepAlive).toBe(true); // the data still moves: the 226 came first
    h.reply('200 NOOP ok\r\n');
    h.dataClosed();
    expect(h.session.canKeepAlive).toBe(false);
    expect(h.session.keepAlive()).toEqual([]);
    expect(finalOf(h)).toBe('226 done');
    expect(h.sent).not.toContain('PWD'); // nothing owed: no fence
  });

  test('in no other wait: greeting, TLS, the active-mode listener', () => {
    const greeting = new Harness();
    greeting.start({ kind: 'connect', user: 'a', password: 'b', security: 'explicit' });
    expect(greeting.session.keepAlive()).toEqual([]);
    greeting.reply('220 hi\r\n234 go\r\n');
    expect(greeting.session.waiting).toBe('tls');
    expect(greeting.session.keepAlive()).toEqual([]);
    const active = loggedIn();
    active.start({ kind: 'transfer', command: 'RETR', path: 'f', mode: 'active' });
    expect(active.session.waiting).toBe('listening');
    expect(active.session.keepAlive()).toEqual([]);
    expect(active.session.state).toBe('busy');
  });

  test('not while a command waits for its reply, nor while ABOR is answered', () => {
    const h = loggedIn();
    h.start({ kind: 'command', command: commands.noop() });
    expect(h.session.keepAlive()).toEqual([]);
    h.reply('200 ok\r\n');
    const t = transferring();
    t.abort();
    expect(t.session.waiting).toBe('aborting');
    expect(t.session.keepAlive()).toEqual([]);
  });
});

describe('what real servers do with a NOOP during a transfer', () => {
  test('answered at once, before the 226 (pyftpdlib; ProFTPD during STOR)', () => {
    const h = transferring('STOR');
    tick(h);
    h.reply('200 NOOP: data transfer in progress\r\n');
    tick(h);
    h.reply('200 NOOP: data transfer in progress\r\n');
    h.dataClosed();
    h.reply('226 Transfer complete\r\n');
    expect(h.sent).toEqual(['NOOP', 'NOOP']);
    expect(finalOf(h)).toBe('226 Transfer complete');
    nextCommandIsInStep(h);
  });

  test('answered after the 226 (vsftpd, ftp-srv; ProFTPD during RETR): the fence reads them', () => {
    const h = transferring();
    tick(h);
    tick(h);
    tick(h);
    h.dataClosed();
    h.reply('226 Transfer complete.\r\n');
    expect(h.sent).toEqual(['NOOP', 'NOOP', 'NOOP', 'PWD']);
    expect(h.outcome).toBeUndefined();
    h.replyAtOnce('200 NOOP ok.\r\n200 NOOP ok.\r\n200 NOOP ok.\r\n257 "/" is the current directory\r\n');
    expect(finalOf(h)).toBe('226 Transfer complete.');
    nextCommandIsInStep(h);
  });

  test('500 at once, several read together answered once, the last after the 226 (Pure-FTPd)', () => {
    const h = transferring();
    tick(h);
    tick(h);
    tick(h);
    h.reply('500 Unknown command\r\n'); // the three NOOPs came in one read
    tick(h);
    h.reply('226-File successfully transferred\r\n226 0.5 seconds\r\n');
    h.reply('200 Zzz...\r\n'); // read after the transfer
    h.dataClosed();
    expect(h.sent.slice(-1)).toEqual(['PWD']); // two NOOPs are owed, never to be answered
    h.reply('257 "/" is your current location\r\n');
    expect(finalOf(h)).toBe('226 File successfully transferred\n0.5 seconds');
    nextCommandIsInStep(h);
  });

  test('never answered: the fence ends the wait', () => {
    const h = transferring();
    tick(h);
    tick(h);
    h.reply('226 done\r\n');
    h.dataClosed();
    h.reply('257 "/"\r\n');
    expect(finalOf(h)).toBe('226 done');
    nextCommandIsInStep(h);
  });
});

describe('awkward orders and endings', () => {
  test('the 226 before the data EOF, NOOPs still owed: the fence waits for the EOF', () => {
    const h = transferring();
    tick(h);
    h.reply('226 done\r\n');
    expect(h.sent).toEqual(['NOOP']);
    h.dataClosed();
    expect(h.sent).toEqual(['NOOP', 'PWD']);
    h.reply('200 NOOP ok\r\n257 "/"\r\n');
    expect(finalOf(h)).toBe('226 done');
    nextCommandIsInStep(h);
  });

  test('421 in answer to a NOOP ends the transfer and the session', () => {
    const h = transferring();
    tick(h);
    h.reply('421 Too busy, closing\r\n');
    expect(finalOf(h)).toBe('failed 421 Too busy, closing');
    expect(h.session.state).toBe('closed');
  });

  test('a failed transfer with NOOPs owed: the fence first, then the failure', () => {
    const h = transferring();
    tick(h);
    h.reply('451 Local error\r\n');
    expect(h.trace).toEqual(['send:NOOP', 'closeData', 'send:PWD']);
    expect(h.outcome).toBeUndefined();
    h.reply('200 NOOP ok\r\n257 "/"\r\n');
    expect(finalOf(h)).toBe('failed 451 Local error');
    nextCommandIsInStep(h);
  });

  test('an abort with NOOPs owed fences with PWD, since a 200 may be a NOOP\'s', () => {
    const h = transferring();
    tick(h);
    tick(h);
    h.abort();
    expect(h.sent).toEqual(['NOOP', 'NOOP', 'ABOR']);
    h.reply('426 Failure writing network stream.\r\n');
    expect(h.sent.slice(-1)).toEqual(['PWD']);
    h.reply('200 NOOP ok.\r\n200 NOOP ok.\r\n225 No transfer to ABOR.\r\n');
    expect(h.outcome).toBeUndefined(); // none of those 200s ends the abort
    h.reply('257 "/"\r\n');
    expect(h.outcome?.type).toBe('aborted');
    nextCommandIsInStep(h);
  });

  test('an abort while the fence is out: the fence is read to its end, then the transfer ends aborted', () => {
    const h = transferring();
    tick(h);
    h.reply('226 done\r\n');
    h.dataClosed();
    h.abort();
    expect(h.sent).toEqual(['NOOP', 'PWD']); // no ABOR: the transfer is over
    h.reply('200 NOOP ok\r\n257 "/"\r\n');
    expect(h.outcome?.type).toBe('aborted');
    nextCommandIsInStep(h);
  });

  test('an abort with the NOOPs answered keeps the NOOP fence', () => {
    const h = transferring();
    tick(h);
    h.reply('200 NOOP ok\r\n');
    h.abort();
    h.reply('426 aborted\r\n');
    h.reply('226 ABOR ok\r\n');
    expect(h.sent).toEqual(['NOOP', 'ABOR', 'NOOP']);
    h.reply('200 NOOP ok\r\n');
    expect(h.outcome?.type).toBe('aborted');
    nextCommandIsInStep(h);
  });

  test('a refusal that may answer a NOOP or the fence breaks the session rather than guess', () => {
    const h = transferring();
    tick(h);
    h.reply('226 done\r\n');
    h.dataClosed();
    h.reply('502 PWD not implemented\r\n');
    expect(h.session.state).toBe('broken');
    expect(h.session.error).toBeInstanceOf(RemoteProtocolError);
    expect(h.session.error?.message).toMatch(/may answer a keep-alive NOOP or PWD/);
  });

  test('a refused fence with nothing owed is the fence\'s own answer', () => {
    const h = transferring();
    tick(h);
    h.reply('226 done\r\n');
    h.dataClosed();
    h.reply('200 NOOP ok\r\n'); // answered after all, but only after the fence went out
    h.reply('550 PWD failed\r\n');
    expect(finalOf(h)).toBe('226 done');
    nextCommandIsInStep(h);
  });

  test('a reply that began before the fence went out cannot be its answer', () => {
    const h = transferring();
    tick(h);
    h.dataClosed();
    // The 226 and a 257 in one read: the 257 was on its way before PWD was sent.
    h.replyAtOnce('226 done\r\n257 "/"\r\n');
    expect(h.session.state).toBe('broken');
    expect(h.session.error?.message).toMatch(/arrived before PWD was sent/);
  });
});
