/**
 * Fault matrix, hostile input: names from a listing that would escape the target folder, CR/LF/NUL
 * in every argument a caller can pass, and passwords that must never show up in an error or a log.
 */
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { rejectionOf, scriptedScenes, sendAndClose } from '@ftpkit/testkit';
import { Client, ConnectionError, FtpReplyError, LocalProtocolError, UnsafePathError, type ClientOptions, type LogEntry } from '../src/index.js';

const scenes = scriptedScenes({ beforeEach, afterEach }, {
  connect: (server, extra?: Partial<ClientOptions>) => Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', ...extra }),
  usable: async (client: Client) => expect((await client.send('NOOP')).code).toBe(200),
});

describe('hostile names in a listing during downloadDir', () => {
  const sandbox = async () => {
    const base = await mkdtemp(join(tmpdir(), 'ftpkit-hostile-'));
    return { base, target: join(base, 'target') };
  };

  test.each(['../x', '/etc/passwd', '..\\x', 'C:\\x', 'a\u0000b'])('%j: UnsafePathError, nothing written outside the target, never fetched', async (name) => {
    const { base } = await sandbox();
    const client = await scenes.setup({ files: { 'ok.txt': 'fine', [name]: 'evil' } });
    const err = await rejectionOf(client.downloadDir('.', join(base, 'target')));
    expect(err).toBeInstanceOf(UnsafePathError);
    expect((err as UnsafePathError).path).toBe(name);
    // The tree is listed (and every name checked) before anything is fetched or written.
    expect(await readdir(base)).toEqual([]);
    expect(scenes.server.received.filter((l) => l.startsWith('RETR'))).toEqual([]);
  });

  test('a symlink pointing outside is skipped and reported, never followed or fetched', async () => {
    const { base, target } = await sandbox();
    const client = await scenes.setup({
      files: { 'ok.txt': 'fine' },
      handlers: {
        LIST: async (_, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 listing');
          const lines = ['lrwxrwxrwx    1 ftp      ftp             4 Jan 02  2020 escape -> /etc', '-rw-r--r--    1 ftp      ftp             4 Jan 02  2020 ok.txt'];
          await sendAndClose(data, new TextEncoder().encode(lines.map((l) => `${l}\r\n`).join('')));
          return '226 ok';
        },
      },
    });
    const result = await client.downloadDir('.', target);
    expect(result.files).toBe(1);
    expect(result.skipped).toEqual([{ path: 'escape', reason: expect.stringMatching(/symbolic link/) }]);
    expect(await readdir(base)).toEqual(['target']);
    expect(await readdir(target)).toEqual(['ok.txt']);
    expect(scenes.server.received.some((l) => l.startsWith('RETR escape'))).toBe(false);
  });
});

describe('CR, LF and NUL in arguments', () => {
  const BAD = ['a\rb', 'a\nb', 'a\u0000b', 'ok/x\r\nDELE victim'];

  /** Every call that takes a remote path, with the bad text placed in that path. */
  async function pathCalls(client: Client): Promise<[string, (bad: string) => Promise<unknown>][]> {
    const local = await mkdtemp(join(tmpdir(), 'ftpkit-args-'));
    await mkdir(join(local, 'up'));
    await writeFile(join(local, 'up', 'f.txt'), 'x');
    const bytes = new TextEncoder().encode('x');
    return [
      ['cd', (p) => client.cd(p)],
      ['size', (p) => client.size(p)],
      ['lastModified', (p) => client.lastModified(p)],
      ['setLastModified', (p) => client.setLastModified(p, new Date(0))],
      ['remove', (p) => client.remove(p)],
      ['rename from', (p) => client.rename(p, 'ok')],
      ['rename to', (p) => client.rename('ok', p)],
      ['mkdir', (p) => client.mkdir(p)],
      ['mkdir -p', (p) => client.mkdir(p, { recursive: true })],
      ['rmdir', (p) => client.rmdir(p)],
      ['rmdir -r', (p) => client.rmdir(p, { recursive: true })],
      ['list', (p) => client.list(p)],
      ['stat', (p) => client.stat(p)],
      ['exists', (p) => client.exists(p)],
      ['names', (p) => client.names(p)],
      ['download', (p) => client.download(p, () => {})],
      ['download with progress', (p) => client.download(p, () => {}, { onProgress: () => {} })],
      ['downloadToBytes', (p) => client.downloadToBytes(p)],
      ['openReadStream', (p) => client.openReadStream(p).getReader().read()],
      ['upload', (p) => client.upload(bytes, p)],
      ['upload resumed', (p) => client.upload(bytes, p, { startAt: 1 })],
      ['append', (p) => client.append(bytes, p)],
      ['downloadDir', (p) => client.downloadDir(p, join(local, 'down'))],
      ['uploadDir', (p) => client.uploadDir(join(local, 'up'), p)],
      ['site', (p) => client.site(`CHMOD 644 ${p}`)],
      ['send', (p) => client.send(`DELE ${p}`)],
      ['send (whole line)', (p) => client.send(p)],
    ];
  }

  test('every path-taking call rejects with LocalProtocolError, never throws, and sends nothing', async () => {
    const client = await scenes.setup({});
    const before = scenes.server.received.length;
    const calls = await pathCalls(client);
    for (const [what, call] of calls) {
      for (const bad of BAD) {
        let pending: Promise<unknown> | undefined;
        expect(() => (pending = call(bad)), `${what} threw synchronously`).not.toThrow();
        const err = await rejectionOf(pending!);
        expect(err, `${what} ${JSON.stringify(bad)}`).toBeInstanceOf(LocalProtocolError);
      }
    }
    await client.pwd(); // a fence: everything before it has been sent, if it ever was
    expect(scenes.server.received.slice(before)).toEqual(['PWD']);
    expect(calls.length * BAD.length).toBe(108);
  });

  test.each([
    ['user', { user: 'alice\r\nDELE x' }],
    ['password', { password: 'pw\nSITE EXEC x' }],
    ['account', { account: 'acct\u0000' }],
  ] as const)('a %s with CR/LF/NUL rejects the connect with LocalProtocolError before a byte is sent', async (_, bad) => {
    const server = await scenes.start({ handlers: { PASS: () => '332 Need account' } });
    let pending: Promise<Client> | undefined;
    expect(() => (pending = Client.connect({ host: scenes.server.host, port: scenes.server.port, user: 'u', password: 'p', ...bad }))).not.toThrow();
    expect(await rejectionOf(pending!)).toBeInstanceOf(LocalProtocolError);
    expect(scenes.server.received).toEqual([]);
  });

  test('a URL whose user decodes to CRLF is refused the same way', async () => {
    const server = await scenes.start({});
    const err = await rejectionOf(Client.connect(`ftp://alice%0D%0ADELE%20x:pw@${server.host}:${server.port}/`));
    expect(err).toBeInstanceOf(LocalProtocolError);
    expect(server.received).toEqual([]);
  });
});

describe('passwords never leak', () => {
  const PASSWORD = 'hunter2-Sw0rdfish';
  const ACCOUNT = 'acct-9f3c2b';

  /** Everything a program or a person could see of an error: message, stack, causes, fields. */
  const everything = (err: unknown, log: readonly LogEntry[]) => `${inspect(err, { depth: 10, showHidden: true })}\n${JSON.stringify(err)}\n${JSON.stringify(log)}`;

  test('a refused password: FtpReplyError says "PASS ****"; neither the error nor the log holds the password', async () => {
    const server = await scenes.start({ handlers: { PASS: () => '530 Login incorrect' } });
    const log: LogEntry[] = [];
    const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, user: 'u', password: PASSWORD, log: (e) => log.push(e) }));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).command).toBe('PASS ****');
    expect(log).toContainEqual({ direction: '>', text: 'PASS ****' });
    expect(everything(err, log)).not.toContain(PASSWORD);
    expect(server.received).toContain(`PASS ${PASSWORD}`); // it was sent, to the server only
  });

  test('a refused account (332 then ACCT): "ACCT ****" in the error and the log, the account nowhere', async () => {
    const server = await scenes.start({ handlers: { PASS: () => '332 Need account', ACCT: () => '530 Not this account' } });
    const log: LogEntry[] = [];
    const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, user: 'u', password: PASSWORD, account: ACCOUNT, log: (e) => log.push(e) }));
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).command).toBe('ACCT ****');
    expect(everything(err, log)).not.toContain(PASSWORD);
    expect(everything(err, log)).not.toContain(ACCOUNT);
  });

  test('a password with a CR in it: the LocalProtocolError names the argument, not its text', async () => {
    const server = await scenes.start({});
    const bad = `${PASSWORD}\rX`;
    const err = await rejectionOf(Client.connect({ host: server.host, port: server.port, user: 'u', password: bad }));
    expect(err).toBeInstanceOf(LocalProtocolError);
    expect(everything(err, [])).not.toContain(PASSWORD);
  });

  test('a password in a URL, connection refused: the ConnectionError does not carry it', async () => {
    const server = await scenes.start({});
    const port = server.port;
    await server.close(); // closing again after the test is harmless
    const err = await rejectionOf(Client.connect(`ftp://u:${PASSWORD}@127.0.0.1:${port}/`));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(everything(err, [])).not.toContain(PASSWORD);
  });

  test('a raw "PASS" sent with send(): refused before a byte is sent (the session cannot model a new login); neither the error nor the log holds the password', async () => {
    const log: LogEntry[] = [];
    const client = await scenes.setup({}, { log: (e) => log.push(e) });
    const before = scenes.server.received.length;
    const logged = log.length;
    const err = await rejectionOf(client.send(`PASS ${PASSWORD}`));
    expect(err).toBeInstanceOf(LocalProtocolError);
    expect(scenes.server.received.length).toBe(before);
    expect(log.slice(logged).filter((e) => e.direction === '>')).toEqual([]);
    expect(everything(err, log)).not.toContain(PASSWORD);
  });
});
