// `--retry` and `--retry-delay` through the real binary: get, put and mirror retry by default, the
// other commands only when asked; each retry is one line on stderr; a call that gives up says after
// how many attempts (and --json says it as `attempts`).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { reset, sendAndClose, sendAndReset, startScriptedServer, type CommandHandler, type ScriptedServer, type ScriptedServerOptions } from '@ftpkit/testkit';
import { runCli } from './run-cli.js';

const servers: ScriptedServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function scripted(options: ScriptedServerOptions): Promise<{ server: ScriptedServer; url: string }> {
  const server = await startScriptedServer(options);
  servers.push(server);
  return { server, url: `ftp://u:p@${server.host}:${server.port}` };
}

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ftpkit-cli-retry-'));
  dirs.push(dir);
  return dir;
}

const count = (server: ScriptedServer, name: string) => server.received.filter((l) => l.split(' ')[0] === name).length;
const FILE = new Uint8Array(300_000).map((_, i) => i % 251);

/** RETR that resets its data connection after 100 000 bytes the first time, and serves from REST after. */
function cutOnce(): CommandHandler {
  let calls = 0;
  return async (_, ctx) => {
    const offset = ctx.restAt;
    ctx.restAt = 0;
    const data = await ctx.acceptData();
    ctx.reply(`150 Opening data connection (${FILE.length} bytes)`);
    if (calls++ === 0) {
      await sendAndReset(data, FILE.subarray(0, 100_000));
      return '426 Connection reset; transfer aborted';
    }
    await sendAndClose(data, FILE.subarray(offset));
    return '226 Transfer complete';
  };
}

describe('get, put and mirror retry by default', () => {
  test('get: a cut download resumes; the retry is one line on stderr', async () => {
    const { server, url } = await scripted({ handlers: { RETR: cutOnce() } });
    const dir = await folder();
    const r = await runCli(['get', '--retry-delay', '0', `${url}/f.bin`, join(dir, 'f.bin')]);
    expect(r.code).toBe(0);
    expect(Buffer.from(await readFile(join(dir, 'f.bin'))).equals(Buffer.from(FILE))).toBe(true);
    expect(r.stderr).toMatch(/^ftpkit: download f\.bin: attempt 2 in 0\.0s(, from byte \d+)?, after: The server refused RETR f\.bin: 426 /m);
    expect(count(server, 'RETR')).toBe(2);
    expect(server.received).toContain('REST 100000');
  });

  test('put: an upload whose connection drops goes on in a new session', async () => {
    let stors = 0;
    const { server, url } = await scripted({
      handlers: {
        CWD: () => '550 No such folder',
        STOR: async (arg, ctx) => {
          const data = await ctx.acceptData();
          ctx.reply('150 send');
          if (stors++ === 0) {
            reset(ctx.socket);
            reset(data);
            return;
          }
          const chunks: Buffer[] = [];
          await new Promise<void>((resolve) => {
            data.on('data', (c: Buffer) => chunks.push(c));
            data.on('end', resolve);
          });
          ctx.files.set(arg, new Uint8Array(Buffer.concat(chunks)));
          return '226 ok';
        },
      },
    });
    const dir = await folder();
    await writeFile(join(dir, 'up.bin'), FILE);
    const r = await runCli(['put', '--retry-delay', '0', join(dir, 'up.bin'), `${url}/up.bin`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ftpkit: upload up\.bin: attempt 2 in 0\.0s, after: Connection failed/);
    expect(Buffer.from(server.files.get('up.bin')!).equals(Buffer.from(FILE))).toBe(true);
    expect(server.connections()).toBe(2);
  });

  test('--retry 0 turns it off: the first failure is the answer', async () => {
    const { server, url } = await scripted({ handlers: { RETR: cutOnce() } });
    const dir = await folder();
    const r = await runCli(['get', '--retry', '0', `${url}/f.bin`, join(dir, 'f.bin')]);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe('ftpkit: The server refused RETR f.bin: 426 Connection reset; transfer aborted.\n');
    expect(count(server, 'RETR')).toBe(1);
  });

  test('--quiet: no retry lines', async () => {
    const { url } = await scripted({ handlers: { RETR: cutOnce() } });
    const dir = await folder();
    const r = await runCli(['get', '--quiet', '--retry-delay', '0', `${url}/f.bin`, join(dir, 'f.bin')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('the other commands retry only when asked', () => {
  test('ls: a 450 is the answer by default; with --retry 2, three attempts, and the error says so', async () => {
    const { server, url } = await scripted({ handlers: { LIST: () => '450 Directory busy' } });
    // Each attempt is `LIST -a`, then plain LIST (a refused `-a` may be about the flag).
    const once = await runCli(['ls', `${url}/`]);
    expect(once.code).toBe(6);
    expect(count(server, 'LIST')).toBe(2);
    const thrice = await runCli(['ls', '--retry', '2', '--retry-delay', '0.01', `${url}/`]);
    expect(thrice.code).toBe(6);
    expect(count(server, 'LIST')).toBe(2 + 3 * 2);
    expect(thrice.stderr.split('\n').filter((l) => l.startsWith('ftpkit: list: attempt'))).toHaveLength(2);
    expect(thrice.stderr).toMatch(/ftpkit: The server refused LIST( -a)?: 450 Directory busy\. \(gave up after 3 attempts\)\n$/);
    const json = await runCli(['ls', '--json', '--retry', '1', '--retry-delay', '0', `${url}/`]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FTP_REPLY', exitCode: 6, attempts: 2 } });
  });

  test('bad values are usage errors', async () => {
    for (const args of [['--retry=-1'], ['--retry', 'x'], ['--retry', '1.5'], ['--retry-delay', 'soon'], ['--retry-delay=-2']]) {
      const r = await runCli(['ls', ...args, 'ftp://127.0.0.1:1/']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^ftpkit: --retry(-delay)? wants /);
    }
  });
});
