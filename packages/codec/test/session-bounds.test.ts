// The session's bounds against a hostile server: a flood of preliminary replies, and how a control
// connection that the server closes is reported (SessionOptions.connectionClosed).
import { describe, expect, test } from 'vitest';
import { FtpError, RemoteProtocolError, TooManyPreliminaryRepliesError } from '../src/index.js';
import { commands } from '../src/index.js';
import { Harness, loggedIn } from './session-harness.js';

const LIMIT = TooManyPreliminaryRepliesError.LIMIT;

function failure(h: Harness): unknown {
  const outcome = h.outcome;
  if (outcome?.type !== 'failed') throw new Error(`expected failed, got ${h.trace.join(', ')}`);
  return outcome.error;
}

describe('a flood of preliminary replies', () => {
  test(`${LIMIT} times 120 and then 220 is still a greeting`, () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'none' });
    for (let i = 0; i < LIMIT; i++) h.reply(`120 ready in ${LIMIT - i} minutes\r\n`);
    expect(h.sent).toEqual([]);
    h.reply('220 ready\r\n');
    expect(h.sent).toEqual(['USER a']);
  });

  test(`120 forever fails at the ${LIMIT + 1}th with TooManyPreliminaryRepliesError, and the session is broken`, () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'none' });
    for (let i = 0; i < LIMIT; i++) h.reply('120 ready in 5 minutes\r\n');
    expect(h.outcome).toBeUndefined();
    h.reply('120 ready in 5 minutes\r\n');
    const error = failure(h);
    expect(error).toBeInstanceOf(TooManyPreliminaryRepliesError);
    expect(error).toBeInstanceOf(RemoteProtocolError);
    expect((error as TooManyPreliminaryRepliesError).code).toBe('ERR_FTP_REMOTE_PROTOCOL');
    expect((error as TooManyPreliminaryRepliesError).command).toBeUndefined();
    expect((error as TooManyPreliminaryRepliesError).reply.code).toBe(120);
    expect(h.trace.at(-1)).toBe('close');
    expect(h.session.state).toBe('broken');
    expect(h.sent).toEqual([]);
  });

  test('the flood arriving in one read fails the same way', () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'none' });
    h.replyAtOnce('120 wait\r\n'.repeat(LIMIT + 5) + '220 ready\r\n');
    expect(failure(h)).toBeInstanceOf(TooManyPreliminaryRepliesError);
    expect(h.sent).toEqual([]);
  });

  test('the count starts again at each command: a delayed greeting does not use up a transfer’s', () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'none' });
    for (let i = 0; i < LIMIT; i++) h.reply('120 soon\r\n');
    h.reply('220 ready\r\n331 password\r\n230 in\r\n500 no FEAT\r\n200 type I\r\n');
    expect(h.outcome?.type).toBe('done');
    h.actions.length = 0;
    h.start({ kind: 'transfer', command: 'RETR', path: 'f', mode: 'passive' });
    h.reply('229 Entering Extended Passive Mode (|||2000|)\r\n');
    h.dataOpened();
    h.reply('150 here it comes\r\n');
    h.dataClosed();
    h.reply('226 done\r\n');
    expect(h.outcome?.type).toBe('done');
  });

  test('a second 1xx to a transfer command, or any 1xx to another command, fails at once', () => {
    const transfer = loggedIn();
    transfer.start({ kind: 'transfer', command: 'RETR', path: 'f', mode: 'passive' });
    transfer.reply('229 Entering Extended Passive Mode (|||2000|)\r\n');
    transfer.dataOpened();
    transfer.reply('150 one\r\n150 two\r\n');
    expect(failure(transfer)).toBeInstanceOf(RemoteProtocolError);
    const command = loggedIn();
    command.start({ kind: 'command', command: commands.noop() });
    command.reply('150 what\r\n');
    expect(failure(command)).toBeInstanceOf(RemoteProtocolError);
  });
});

describe('a control connection the server closes', () => {
  class Closed extends FtpError {
    constructor(message: string, options?: { cause?: unknown }) {
      super('ERR_TEST_CLOSED', message, options);
    }
  }
  const connectionClosed = (message: string, cause?: unknown): FtpError => new Closed(message, { cause });

  test('while a reply is owed: the driver’s error from connectionClosed, naming where', () => {
    const h = loggedIn({ connectionClosed });
    h.start({ kind: 'command', command: commands.noop() });
    h.eof();
    const error = failure(h);
    expect(error).toBeInstanceOf(Closed);
    expect((error as Error).message).toMatch(/Control connection closed while waiting for a reply/);
    expect(h.session.state).toBe('closed');
  });

  test('in the middle of a reply: the same class, with the parser’s error as the cause', () => {
    const h = loggedIn({ connectionClosed });
    h.start({ kind: 'command', command: commands.noop() });
    h.reply('200 half a rep');
    h.eof();
    const error = failure(h);
    expect(error).toBeInstanceOf(Closed);
    expect((error as Error).cause).toBeInstanceOf(RemoteProtocolError);
  });

  test('without connectionClosed: RemoteProtocolError, as before', () => {
    const h = loggedIn();
    h.start({ kind: 'command', command: commands.noop() });
    h.eof();
    expect(failure(h)).toBeInstanceOf(RemoteProtocolError);
  });
});
