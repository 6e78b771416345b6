/**
 * Fault matrix, secrets in text from the server: a server that echoes the PASS line (or the
 * password in any later reply) in plain text, URL-encoded, or as raw bytes read in the other
 * encoding. The password is in no error (message, reply, causes, `inspect`, JSON), no protocol log
 * line and no welcome, on a Client and a Pool.
 */
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { rejectionOf, scriptedScenes, type ScriptContext } from '@ftpkit/testkit';
import { Client, FtpReplyError, Pool, type ClientOptions, type LogEntry } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

/** Everything a program or a person could see of an error and a log. */
const everything = (err: unknown, log: readonly LogEntry[]) => `${inspect(err, { depth: 10, showHidden: true })}\n${JSON.stringify(err)}\n${JSON.stringify(log)}`;

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A PASS handler that writes `reply` (text or bytes, CRLF added) after the 5xx code. */
const echo =
  (body: (password: string) => string | Uint8Array) =>
  (password: string, ctx: ScriptContext): void => {
    const what = body(password);
    ctx.write(typeof what === 'string' ? `${what}\r\n` : new Uint8Array([...what, 0x0d, 0x0a]));
  };

describe('a server that echoes the password', () => {
  test.each([
    ['plain', 'hunter2', (pw: string) => `500 'PASS ${pw}': command not understood`, 'hunter2'],
    ['URL-encoded', 'päss w/rd', () => '530 Login failed for ftp://u:p%C3%A4ss%20w%2Frd@host', 'p%C3%A4ss%20w%2Frd'],
    ['UTF-8 bytes, read as UTF-8', 'päss', (pw: string) => `530 '${pw}' is wrong`, 'päss'],
  ])('%s: FtpReplyError and the log carry "****", never the password', async (_, password, body, shown) => {
    const server = await scenes.start({ handlers: { PASS: echo(body) } });
    const log: LogEntry[] = [];
    const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, user: 'u', password, log: (e) => log.push(e) }));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).command).toBe('PASS ****');
    expect((err as FtpReplyError).reply.text).toContain('****');
    expect((err as Error).message).toContain('****');
    const all = everything(err, log);
    expect(all).not.toContain(password);
    expect(all).not.toContain(shown);
    expect(log.filter((e) => e.direction === '<').at(-1)?.text).toContain('****');
  });

  test('the password from a URL, echoed as the URL had it', async () => {
    const server = await scenes.start({ handlers: { PASS: echo(() => '530 you sent p%c3%a4ss%20w') } });
    const err = await rejectionOf(Client.connect(`ftp://u:p%C3%A4ss%20w@${server.host}:${server.port}/`));
    expect((err as Error).message).toBe('Server replied 530 to PASS ****: you sent ****');
  });

  test('raw bytes: the server echoes the UTF-8 bytes, the session reads latin1', async () => {
    const server = await scenes.start({
      features: ['EPSV', 'PASV'],
      handlers: { PASS: echo(() => new Uint8Array([...utf8("530 bad '"), ...utf8('pässwort'), ...utf8("'")])) },
    });
    const log: LogEntry[] = [];
    const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, user: 'u', password: 'pässwort', encoding: 'latin1', log: (e) => log.push(e) }));
    expect((err as FtpReplyError).reply.text).toBe("bad '****'");
    const all = everything(err, log);
    expect(all).not.toContain('pÃ¤sswort');
    expect(all).not.toContain('pässwort');
  });

  test('raw bytes: the server echoes latin1 bytes, the session reads UTF-8', async () => {
    const server = await scenes.start({ handlers: { PASS: echo(() => new Uint8Array([...utf8("530 bad '"), 0x70, 0xe4, ...utf8("sswort'")])) } });
    const log: LogEntry[] = [];
    const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, user: 'u', password: 'pässwort', log: (e) => log.push(e) }));
    expect((err as FtpReplyError).reply.text).toBe("bad '****'");
    expect(everything(err, log)).not.toContain('p\uFFFDsswort');
  });

  test('the welcome of a successful login, and a later refusal that names the password', async () => {
    const log: LogEntry[] = [];
    const client = await scenes.setup(
      { handlers: { PASS: () => '230 Welcome, hunter2', DELE: (arg) => `550 ${arg}: not yours (password hunter2)` } },
      { password: 'hunter2', log: (e) => log.push(e) },
    );
    expect(client.welcome.login.text).toBe('Welcome, ****');
    const err = await rejectionOf(client.remove('x.txt'));
    expect((err as Error).message).toBe('Server replied 550 to DELE x.txt: x.txt: not yours (password ****)');
    expect(everything(err, log)).not.toContain('hunter2');
    expect(everything(client.welcome, log)).not.toContain('hunter2');
  });

  test('a Pool: the same on each of its sessions', async () => {
    const server = await scenes.start({ handlers: { DELE: () => '550 no, hunter2' } });
    const log: LogEntry[] = [];
    const pool = new Pool({ host: server.host, port: server.port, user: 'u', password: 'hunter2', log: (e) => log.push(e) }, { size: 2 });
    try {
      const errors = await Promise.all(['a', 'b', 'c'].map((name) => rejectionOf(pool.remove(name))));
      for (const err of errors) expect((err as Error).message).toMatch(/^Server replied 550 to DELE .: no, \*\*\*\*$/);
      expect(everything(errors, log)).not.toContain('hunter2');
    } finally {
      await pool.close();
    }
  });
});
