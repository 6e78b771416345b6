// A password the server echoes in a reply never leaves the session: not in an error (message,
// reply, causes), not in the protocol log (onReply), not in a close reason or the sticky error, not
// in the welcome, in any of the forms it may take (as sent, URL-encoded, its bytes read in the
// other encoding). Replies the protocol reads stay as the server sent them.
import { describe, expect, test } from 'vitest';
import { FtpReplyError, type FtpError } from '../src/errors.js';
import type { Reply } from '../src/reply.js';
import { secretForms } from '../src/session/secrets.js';
import type { Action, ConnectOperation, SessionOptions } from '../src/session/types.js';
import { Harness, bytes, loggedIn } from './session-harness.js';

/** Everything an action list and a log carry for people, as one string to search. */
function everything(actions: readonly Action[], log: readonly Reply[], extra: unknown[] = []): string {
  const parts: string[] = log.map((r) => `${r.text}|${r.lines.join('|')}`);
  const error = (e: unknown, depth = 0): void => {
    if (!(e instanceof Error) || depth > 4) return;
    parts.push(e.message, String(e), JSON.stringify(e));
    if (e instanceof FtpReplyError) parts.push(e.reply.text, ...e.reply.lines, e.command ?? '');
    error(e.cause, depth + 1);
  };
  for (const action of actions) {
    if (action.type === 'failed' || action.type === 'failing') error(action.error);
    if (action.type === 'close') error(action.reason);
    if (action.type === 'done') parts.push(JSON.stringify(action.result));
  }
  for (const value of extra) error(value);
  return parts.join('\n');
}

function connecting(password: string, options: SessionOptions = {}, extra: Partial<ConnectOperation> = {}): { h: Harness; log: Reply[] } {
  const log: Reply[] = [];
  const h = new Harness({ ...options, onReply: (reply) => log.push(reply) });
  h.start({ kind: 'connect', user: 'alice', password, security: 'none', ...extra });
  h.reply('220 ready\r\n331 password please\r\n');
  return { h, log };
}

describe('secretForms', () => {
  test('the text, its bytes read in the other encoding, and its URL encoding in both hex cases; longest first', () => {
    const forms = secretForms('pässwort');
    expect(forms).toEqual(expect.arrayContaining(['pässwort', 'pÃ¤sswort', 'p\uFFFDsswort', 'p%C3%A4sswort', 'p%c3%a4sswort']));
    expect([...forms].sort((a, b) => b.length - a.length)).toEqual(forms);
    expect(secretForms('hunter2')).toEqual(['hunter2']);
    expect(secretForms('a b/c')).toEqual(['a%20b%2Fc', 'a%20b%2fc', 'a b/c']);
    // Not representable in latin1 or in a URL: only what can be sent.
    expect(secretForms('日本')).toEqual(expect.arrayContaining(['日本', 'æ\u0097¥æ\u009c¬', '%E6%97%A5%E6%9C%AC']));
    expect(secretForms('\uD800x')).toContain('\uD800x');
  });
});

describe('a server that echoes the PASS line', () => {
  test.each([
    ['as sent', "500 'PASS hunter2': command not understood\r\n", 'hunter2'],
    ['URL-encoded', '530 Login ftp://alice:p%C3%A4ss%20w@host failed\r\n', 'päss w'],
    ['URL-encoded, lower-case hex', '530 Login ftp://alice:p%c3%a4ss%20w@host failed\r\n', 'päss w'],
    ['in a multi-line reply', "530-Login failed\r\n530-You said PASS hunter2\r\n530 Bye\r\n", 'hunter2'],
  ])('%s: the refusal carries no secret in any field, and neither does the log', (_, reply, password) => {
    const { h, log } = connecting(password);
    h.reply(reply);
    const outcome = h.outcome;
    if (outcome?.type !== 'failed') throw new Error(`expected failure, got ${h.trace.join(', ')}`);
    const error = outcome.error as FtpReplyError;
    expect(error).toBeInstanceOf(FtpReplyError);
    expect(error.command).toBe('PASS ****');
    expect(error.message).toContain('****');
    const all = everything(h.actions, log);
    for (const form of secretForms(password)) expect(all).not.toContain(form);
    expect(log.at(-1)!.text).toContain('****');
  });

  test("raw bytes: the password's UTF-8 bytes read as latin1", () => {
    const { h, log } = connecting('pässwort', { encoding: 'latin1' });
    // The server kept the password as UTF-8 and echoes those bytes; this session reads latin1.
    h.session.receive(new Uint8Array([...bytes("530 bad password '"), ...new TextEncoder().encode('pässwort'), ...bytes("'\r\n")])).forEach((a) => h.actions.push(a));
    const all = everything(h.actions, log);
    expect(all).not.toContain('pÃ¤sswort');
    expect(all).toContain("bad password '****'");
  });

  test('raw bytes: latin1 bytes read as UTF-8', () => {
    const { h, log } = connecting('pässwort');
    h.session.receive(new Uint8Array([...bytes("530 bad password '"), 0x70, 0xe4, ...bytes("sswort'\r\n")])).forEach((a) => h.actions.push(a));
    const all = everything(h.actions, log);
    expect(all).not.toContain('p\uFFFDsswort');
    expect(all).toContain("'****'");
  });

  test('the account too (ACCT)', () => {
    const { h, log } = connecting('pw', {}, { account: 'acct-secret-7' });
    h.reply('332 account please\r\n');
    h.reply("532 'ACCT acct-secret-7' refused\r\n");
    expect(h.sent.at(-1)).toBe('ACCT acct-secret-7'); // sent, of course, but shown nowhere
    expect(everything(h.actions, log)).not.toContain('acct-secret-7');
  });

  test('the login reply (welcome) of a successful connect is redacted', () => {
    const { h, log } = connecting('hunter2');
    h.reply('230 Welcome alice, your password hunter2 is weak\r\n');
    h.reply('211 no features\r\n');
    h.reply('200 type I\r\n');
    const outcome = h.outcome;
    if (outcome?.type !== 'done' || outcome.result.kind !== 'connect') throw new Error(h.trace.join(', '));
    expect(outcome.result.welcome.text).toBe('Welcome alice, your password **** is weak');
    expect(everything(h.actions, log)).not.toContain('hunter2');
  });

  test('an unsolicited reply that breaks the session later: the close reason and the sticky error', () => {
    const log: Reply[] = [];
    const h = loggedIn({ onReply: (reply) => log.push(reply) });
    // loggedIn logs in with the password "guest".
    h.reply('299 guest was here\r\n');
    expect(h.session.state).toBe('broken');
    expect(everything(h.actions, log, [h.session.error])).not.toContain('guest');
  });

  test('a failed command after login, whose reply echoes the password', () => {
    const h = loggedIn();
    h.start({ kind: 'command', command: { name: 'SITE', arg: 'WHO' } });
    h.reply('550 SITE WHO: guest is not allowed\r\n');
    const outcome = h.outcome;
    if (outcome?.type !== 'failed') throw new Error(h.trace.join(', '));
    expect((outcome.error as FtpError).message).toBe('Server replied 550 to SITE WHO: SITE WHO: **** is not allowed');
  });
});

describe('only the server\'s text, and only real secrets', () => {
  test("ftpkit's own words stay whole when the password is one of them", () => {
    const { h } = connecting('Server');
    h.reply('530 Server says no\r\n');
    const outcome = h.outcome;
    if (outcome?.type !== 'failed') throw new Error(h.trace.join(', '));
    expect((outcome.error as Error).message).toBe('Server replied 530 to PASS ****: **** says no');
  });

  test('a secret shorter than 3 characters is left alone: it is no secret, and would garble every message', () => {
    const { h, log } = connecting('pw');
    h.reply("530 'PASS pw' refused\r\n");
    const outcome = h.outcome;
    if (outcome?.type !== 'failed') throw new Error(h.trace.join(', '));
    expect((outcome.error as FtpReplyError).reply.text).toBe("'PASS pw' refused");
    expect(log.at(-1)!.text).toBe("'PASS pw' refused");
  });
});

describe('what the protocol reads is never changed', () => {
  test('a password that is also part of a PASV address: the data connection goes to the right port', () => {
    const { h } = connecting(',4,', { epsv: false });
    h.reply('230 ok\r\n211 none\r\n200 type I\r\n');
    h.actions.length = 0;
    h.start({ kind: 'transfer', command: 'RETR', path: 'f', type: 'I' });
    expect(h.sent).toEqual(['PASV']);
    h.reply('227 Entering Passive Mode (127,0,0,1,4,1)\r\n');
    expect(h.actions.find((a) => a.type === 'openData')).toMatchObject({ type: 'openData', port: 4 * 256 + 1 });
  });

  test("a command's own reply, which the caller parses, is the server's text", () => {
    const { h } = connecting('pub');
    h.reply('230 ok\r\n211 none\r\n200 type I\r\n');
    h.actions.length = 0;
    h.start({ kind: 'command', command: { name: 'PWD' } });
    h.reply('257 "/pub" is the current directory\r\n');
    const outcome = h.outcome;
    if (outcome?.type !== 'done' || outcome.result.kind !== 'reply') throw new Error(h.trace.join(', '));
    expect(outcome.result.reply.text).toBe('"/pub" is the current directory');
  });
});
