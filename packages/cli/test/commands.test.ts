// The real binary against real servers (ftp-srv from npm; vsftpd too when running as root with
// servers/install.sh done, as `pnpm test` does): every command, --json shapes, credentials and
// exit codes.
import { mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readAll, startScriptedServer, startServer, treeHandlers, type RunningServer, type ScriptContext, type TreeEntrySpec } from '@ftpkit/testkit';
import { spawn } from 'node:child_process';
import { BIN, runCli } from './run-cli.js';

let server: RunningServer;
let work: string;
let ca: string;
let url: string; // ftpes://ftpuser:ftppass@127.0.0.1:port
let base: string; // ftpes://ftpuser@127.0.0.1:port (no password)

beforeAll(async () => {
  server = await startServer('ftp-srv', { fixture: true });
  work = await mkdtemp(join(tmpdir(), 'ftpkit-cli-test-'));
  ca = join(work, 'ca.pem');
  await writeFile(ca, server.caPem);
  base = `ftpes://${server.user}@${server.host}:${server.port}`;
  url = `ftpes://${server.user}:${server.password}@${server.host}:${server.port}`;
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli([...args, '--ca', ca], { cwd: work, env: { HOME: work } });
// vitest's toEqual walks a Buffer element by element: compare digests instead.
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown> & { ok: boolean };

describe('commands against ftp-srv over explicit FTPS', () => {
  test('ls prints one line per entry, sorted, directories with a slash', async () => {
    const r = await cli('ls', `${url}/`);
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n').map((l) => l.split(/\s{2}/).at(-1));
    expect(names).toEqual(expect.arrayContaining(['hello.txt', 'sub/', 'file with space.txt', 'ünïcödé.txt']));
    // hello.txt is old: its listing line states the day alone, which is all that is printed.
    expect(r.stdout).toMatch(/^- +6 {2}\d{4}-\d\d-\d\d {8}hello\.txt$/m);
    expect(r.stdout).toMatch(/^- +4096 {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}small\.bin$/m);
  });

  test('ls --json', async () => {
    const r = await cli('ls', '--json', `${url}/sub/`);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toEqual({
      ok: true,
      command: 'ls',
      path: 'sub',
      entries: [{ name: 'nested.txt', type: 'file', size: expect.any(Number), modifiedAt: expect.any(String), precision: expect.any(String), permissions: expect.any(String) }],
    });
  });

  test('ls --names prints the names only (NLST), sorted; --json has them; a missing directory exits with 6', async () => {
    const r = await cli('ls', '--names', `${url}/`);
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['hello.txt', 'sub', 'file with space.txt', 'ünïcödé.txt']));
    expect(names).toEqual([...names].sort());
    const j = await cli('ls', '--names', '--json', `${url}/sub/`);
    expect(j.code).toBe(0);
    expect(json(j.stdout)).toEqual({ ok: true, command: 'ls', path: 'sub', names: ['nested.txt'] });
    const missing = await cli('ls', '--names', '--json', `${url}/no-such-dir/`);
    expect(missing.code).toBe(6);
    expect(json(missing.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_FTP_NOT_FOUND', exitCode: 6, message: 'No such folder: "no-such-dir".' } });
  });

  test('put, get and cat round-trip bytes; --json reports each transfer', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(work, 'up.bin'), data);
    const put = await cli('put', '--json', join(work, 'up.bin'), `${url}/incoming/`);
    expect(put.code).toBe(0);
    expect(json(put.stdout)).toEqual({
      ok: true,
      command: 'put',
      transfers: [{ remote: 'incoming/up.bin', local: join(work, 'up.bin'), bytes: data.length, seconds: expect.any(Number) }],
    });
    expect(digest(await readFile(join(server.root, 'incoming', 'up.bin')))).toBe(digest(data));

    const get = await cli('get', '--json', `${url}/incoming/up.bin`, 'down.bin');
    expect(get.code).toBe(0);
    expect(json(get.stdout)).toMatchObject({ ok: true, command: 'get', transfers: [{ remote: 'incoming/up.bin', local: 'down.bin', bytes: data.length }] });
    expect(digest(await readFile(join(work, 'down.bin')))).toBe(digest(data));

    const cat = await cli('cat', `${url}/hello.txt`);
    expect(cat).toMatchObject({ code: 0, stdout: 'hello\n' });
    // Not a terminal: one plain progress line per transfer on stderr, nothing on stdout.
    const plain = await cli('get', `${url}/incoming/up.bin`, join(work, 'plain.bin'));
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/^incoming\/up\.bin: 3\.0 MiB in [\d.]+s \([\d.]+ \w+\/s\)\n$/);
  });

  test('get --resume and put --resume continue partial files', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    await writeFile(join(server.root, 'resume-src.bin'), data);
    await writeFile(join(work, 'partial.bin'), data.subarray(0, 700_000));
    const get = await cli('get', '--resume', '--json', `${url}/resume-src.bin`, 'partial.bin');
    expect(get.code).toBe(0);
    expect(json(get.stdout)).toMatchObject({ transfers: [{ bytes: data.length - 700_000, resumedFrom: 700_000 }] });
    expect(digest(await readFile(join(work, 'partial.bin')))).toBe(digest(data));

    await writeFile(join(work, 'local-full.bin'), data);
    await writeFile(join(server.root, 'remote-partial.bin'), data.subarray(0, 1_000_000));
    const put = await cli('put', '--resume', '--json', join(work, 'local-full.bin'), `${url}/remote-partial.bin`);
    expect(put.code).toBe(0);
    expect(json(put.stdout)).toMatchObject({ transfers: [{ bytes: data.length - 1_000_000, resumedFrom: 1_000_000 }] });
    expect(digest(await readFile(join(server.root, 'remote-partial.bin')))).toBe(digest(data));
  });

  test('--limit-rate 1M paces put, get and mirror --parallel: 1 MiB takes about a second, byte-exact', async () => {
    // (1 MiB − one 51 KiB burst − one 64 KiB read) at 1 MiB/s is 0.89 s; without the limit, ms.
    const data = randomBytes(1024 * 1024);
    await writeFile(join(work, 'paced.bin'), data);
    const put = await cli('put', '--json', '--limit-rate', '1M', join(work, 'paced.bin'), `${url}/paced.bin`);
    expect(put.code).toBe(0);
    expect((json(put.stdout).transfers as { seconds: number }[])[0]!.seconds).toBeGreaterThan(0.85);
    const get = await cli('get', '--json', '--limit-rate', '1M', `${url}/paced.bin`, 'paced-back.bin');
    expect(get.code).toBe(0);
    expect((json(get.stdout).transfers as { seconds: number }[])[0]!.seconds).toBeGreaterThan(0.85);
    expect(digest(await readFile(join(work, 'paced-back.bin')))).toBe(digest(data));
    // Two sessions, one budget: two files of 512 KiB at once take a second each, not half of one.
    const tree = join(work, 'paced-tree');
    await mkdir(tree);
    await writeFile(join(tree, 'a.bin'), data.subarray(0, 512 * 1024));
    await writeFile(join(tree, 'b.bin'), data.subarray(512 * 1024));
    const mirror = await cli('mirror', '--json', '--parallel', '2', '--limit-rate', '1M', tree, `${url}/paced-tree`);
    expect(mirror.code).toBe(0);
    const copies = json(mirror.stdout).transfers as { seconds: number }[];
    expect(copies.length).toBe(2);
    for (const copy of copies) expect(copy.seconds).toBeGreaterThan(0.7);
    expect(digest(await readFile(join(server.root, 'paced-tree', 'b.bin')))).toBe(digest(data.subarray(512 * 1024)));
  });

  test('mkdir -p, mv, rm, rmdir and rmdir -r', async () => {
    expect((await cli('mkdir', '-p', `${url}/tree/a/b`)).code).toBe(0);
    expect((await stat(join(server.root, 'tree/a/b'))).isDirectory()).toBe(true);
    await writeFile(join(server.root, 'tree/a/b/f.txt'), 'x');
    const mv = await cli('mv', '--json', `${url}/tree/a/b/f.txt`, 'g.txt');
    expect(json(mv.stdout)).toEqual({ ok: true, command: 'mv', from: 'tree/a/b/f.txt', to: 'tree/a/b/g.txt' });
    const mvUrl = await cli('mv', `${url}/tree/a/b/g.txt`, `${url}/tree/h.txt`);
    expect(mvUrl.code).toBe(0);
    expect(await readFile(join(server.root, 'tree/h.txt'), 'utf8')).toBe('x');
    const rmFile = await cli('rm', '--json', `${url}/tree/h.txt`);
    expect(json(rmFile.stdout)).toEqual({ ok: true, command: 'rm', paths: ['tree/h.txt'] });
    expect((await cli('rmdir', `${url}/tree/a/b`)).code).toBe(0);
    await writeFile(join(server.root, 'tree/a/k.txt'), 'k');
    expect((await cli('rmdir', '-r', `${url}/tree`)).code).toBe(0);
    await expect(stat(join(server.root, 'tree'))).rejects.toThrow();
  });

  test('put -r and get -r copy whole trees; rm -r removes one', async () => {
    const src = join(work, 'tree-src');
    await mkdir(join(src, 'x/y'), { recursive: true });
    await writeFile(join(src, 'top.txt'), 'top');
    await writeFile(join(src, 'x/y/deep.txt'), 'deep');
    expect((await cli('put', '-r', src, `${url}/copied`)).code).toBe(0);
    expect(await readFile(join(server.root, 'copied/x/y/deep.txt'), 'utf8')).toBe('deep');
    expect((await cli('get', '-r', `${url}/copied`, join(work, 'tree-back'))).code).toBe(0);
    expect(await readFile(join(work, 'tree-back/x/y/deep.txt'), 'utf8')).toBe('deep');
    expect((await cli('rm', '-r', `${url}/copied`)).code).toBe(0);
    await expect(stat(join(server.root, 'copied'))).rejects.toThrow();
  });

  test('mirror: only new and changed files, --dry-run plans, --delete and --exclude', async () => {
    const local = join(work, 'mirror-src');
    await mkdir(join(local, 'sub'), { recursive: true });
    await writeFile(join(local, 'a.txt'), 'aaa');
    await writeFile(join(local, 'sub/b.txt'), 'bbb');
    await writeFile(join(local, 'skip.tmp'), 'tmp');
    const first = await cli('mirror', '--json', '--exclude', '*.tmp', local, `${url}/m`);
    expect(first.code).toBe(0);
    expect((json(first.stdout)['transfers'] as unknown[]).length).toBe(2);
    const again = await cli('mirror', '--json', '--exclude', '*.tmp', local, `${url}/m`);
    expect(json(again.stdout)).toMatchObject({ transfers: [], unchanged: ['a.txt', 'sub/b.txt'] });

    await writeFile(join(local, 'a.txt'), 'aaaa'); // size changed
    await rm(join(local, 'sub/b.txt'));
    const dry = await cli('mirror', '--dry-run', '--delete', '--exclude', '*.tmp', local, `${url}/m`);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('would put a.txt (size)\nwould delete sub/b.txt\nplan: 2 action(s), 0 file(s) unchanged\n');
    expect(await readFile(join(server.root, 'm/a.txt'), 'utf8')).toBe('aaa');
    const real = await cli('mirror', '--delete', '--exclude', '*.tmp', local, `${url}/m`);
    expect(real.code).toBe(0);
    expect(await readFile(join(server.root, 'm/a.txt'), 'utf8')).toBe('aaaa');
    await expect(stat(join(server.root, 'm/sub/b.txt'))).rejects.toThrow();
    await expect(stat(join(server.root, 'm/skip.tmp'))).rejects.toThrow();

    const back = join(work, 'mirror-back');
    const down = await cli('mirror', '--json', `${url}/m`, back);
    expect(down.code).toBe(0);
    expect(await readFile(join(back, 'a.txt'), 'utf8')).toBe('aaaa');
    const downAgain = await cli('mirror', '--json', `${url}/m`, back);
    expect(json(downAgain.stdout)).toMatchObject({ transfers: [], unchanged: ['a.txt'] });
  });

  test('mirror --parallel 4: both ways, files identical, transfers reported in plan order', async () => {
    const local = join(work, 'par-src');
    await mkdir(join(local, 'd'), { recursive: true });
    const files = ['a.bin', 'b.bin', 'c.bin', 'd/e.bin', 'd/f.bin', 'g.bin'];
    const data = new Map(files.map((f, i) => [f, randomBytes(256 * 1024 + i * 4099)]));
    for (const [f, bytes] of data) await writeFile(join(local, f), bytes);
    const up = await cli('mirror', '--json', '--parallel', '4', local, `${url}/par`);
    expect(up.code, up.stderr).toBe(0);
    expect((json(up.stdout)['transfers'] as { remote: string }[]).map((t) => t.remote)).toEqual(files.map((f) => `par/${f}`));
    for (const [f, bytes] of data) expect(digest(await readFile(join(server.root, 'par', f)))).toBe(digest(bytes));
    const back = join(work, 'par-back');
    const down = await cli('mirror', '--json', '--parallel', '4', `${url}/par`, back);
    expect(down.code, down.stderr).toBe(0);
    for (const [f, bytes] of data) expect(digest(await readFile(join(back, f)))).toBe(digest(bytes));
    expect(json((await cli('mirror', '--json', '--parallel', '4', local, `${url}/par`)).stdout)).toMatchObject({ transfers: [] });
  });

  test('mirror --parallel 4 --checksum: the checksums and the copies both run on several sessions of the pool', async () => {
    // A scripted server that notes which session (control connection) runs each XSHA256 and STOR,
    // and how many run at once.
    const seen = { XSHA256: new Set<ScriptContext>(), STOR: new Set<ScriptContext>() };
    let running = 0;
    let most = 0;
    const busy = async <T>(kind: keyof typeof seen, ctx: ScriptContext, work: () => Promise<T>): Promise<T> => {
      seen[kind].add(ctx);
      most = Math.max(most, ++running);
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return await work();
      } finally {
        running--;
      }
    };
    const names = Array.from({ length: 8 }, (_, i) => `f${i}.bin`);
    const local = new Map(names.map((name) => [name, randomBytes(4096)]));
    // Same sizes and older times on the server: only a checksum tells; the odd files differ.
    const remote = Object.fromEntries(names.map((name, i) => [name, i % 2 === 0 ? local.get(name)! : randomBytes(4096)]));
    const scripted = await startScriptedServer({
      features: ['XSHA256', 'SIZE'],
      files: remote,
      handlers: {
        XSHA256: (arg, ctx) =>
          busy('XSHA256', ctx, async () => {
            const file = ctx.files.get(arg);
            return file ? `250 ${digest(file)}` : '550 No such file';
          }),
        STOR: (arg, ctx) =>
          busy('STOR', ctx, async () => {
            const data = await ctx.acceptData();
            ctx.reply('150 Ready to receive');
            ctx.files.set(arg, await readAll(data));
            return '226 Transfer complete';
          }),
      },
    });
    const dir = join(work, 'par-sum');
    await mkdir(dir, { recursive: true });
    for (const [name, bytes] of local) await writeFile(join(dir, name), bytes);
    const r = await runCli(['mirror', '--json', '--parallel', '4', '--checksum', dir, `ftp://u:p@${scripted.host}:${scripted.port}/`], { cwd: work }).finally(() =>
      scripted.close(),
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ checksum: 'SHA-256', unchanged: names.filter((_, i) => i % 2 === 0) });
    expect((doc['transfers'] as { remote: string }[]).map((t) => t.remote)).toEqual(names.filter((_, i) => i % 2 === 1));
    for (const [name, bytes] of local) expect(digest(scripted.files.get(name)!)).toBe(digest(bytes));
    expect(seen.XSHA256.size).toBeGreaterThan(1);
    expect(seen.STOR.size).toBeGreaterThan(1);
    expect(most).toBeGreaterThan(1);
    expect(scripted.connections()).toBeLessThanOrEqual(4); // the pool's sessions, and no other
  });

  test('a malformed glob is a usage error: 2, before anything is listed', async () => {
    const r = await cli('mirror', '--include', '[ab', work, `${url}/never`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ftpkit: Bad glob "\[ab": "\[" is never closed; write \\\[ to match one as text\./);
  });

  test('a symbolic link loop that ftp-srv shows as a folder: get -r and mirror stop with exit 8 and one line, nothing written', async () => {
    await mkdir(join(server.root, 'looping', 'in'), { recursive: true });
    await writeFile(join(server.root, 'looping', 'in', 'f.txt'), 'f');
    await symlink('.', join(server.root, 'looping', 'self'));
    const into = join(work, 'looping-down');
    for (const args of [['get', '-r', `${url}/looping`, into], ['mirror', `${url}/looping`, into]]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toBe(
        'ftpkit: The remote tree loops: looping/self/self/self is the same folder as looping/self/self (the same name and listing three times). Leave it out with --exclude.\n',
      );
      await expect(stat(into)).rejects.toThrow(/ENOENT/);
    }
    const excluded = await cli('get', '-r', '--exclude', 'self', `${url}/looping`, into);
    expect(excluded.code, excluded.stderr).toBe(0);
    expect(await readFile(join(into, 'in', 'f.txt'), 'utf8')).toBe('f');
  });

  test('--max-depth wants a whole number from 0', async () => {
    for (const bad of ['-1', '2.5', 'deep', '']) {
      const r = await cli('get', '-r', `--max-depth=${bad}`, `${url}/sub`, join(work, 'never'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^ftpkit: --max-depth wants a whole number of folders from 0/);
    }
  });

  test('--parallel wants a whole number from 1 to 32', async () => {
    for (const bad of ['0', '33', '2.5', 'many']) {
      const r = await cli('mirror', '--parallel', bad, work, `${url}/x`);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('--parallel wants a whole number from 1 to 32');
    }
  });

  test('active mode', async () => {
    const r = await cli('ls', '--active', `${url}/sub`);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('nested.txt');
  });

  test('--verbose logs the protocol on stderr with the password redacted', async () => {
    const r = await cli('ls', '--verbose', `${url}/sub`);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^> AUTH TLS$/m);
    expect(r.stderr).toMatch(/^< 230 /m);
    expect(r.stderr).not.toContain(server.password);
  });

  test('--insecure works without --ca and warns loudly', async () => {
    const r = await runCli(['ls', '--insecure', `${url}/sub`], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/WARNING: --insecure/);
  });
});

describe('credentials', () => {
  test('from ~/.netrc (HOME), and from --netrc-file', async () => {
    await writeFile(join(work, '.netrc'), `machine ${server.host}\n  login ${server.user}\n  password ${server.password}\n`);
    try {
      const viaHome = await cli('ls', `ftpes://${server.host}:${server.port}/sub`);
      expect(viaHome.code).toBe(0);
      expect(viaHome.stdout).toContain('nested.txt');
    } finally {
      await rm(join(work, '.netrc'));
    }
    const file = join(work, 'other-netrc');
    await writeFile(file, `default login ${server.user} password ${server.password}\n`);
    const viaFile = await cli('ls', '--netrc-file', file, `${base}/sub`);
    expect(viaFile.code).toBe(0);
  });

  test('a user without a password and no terminal is a usage error, not a hang', async () => {
    const r = await cli('ls', `${base}/`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No password for ftpuser@127\.0\.0\.1/);
  });
});

describe('exit codes and error messages', () => {
  test('bad password: 5, with the server reply', async () => {
    const r = await cli('ls', `ftpes://${server.user}:wrong@${server.host}:${server.port}/`);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('ftpkit: Login refused by the server: 530 Login incorrect.\n');
  });

  test('connection refused: 3', async () => {
    const r = await cli('ls', 'ftp://127.0.0.1:1/');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ftpkit: Connection failed: .*ECONNREFUSED.*\.\n$/);
  });

  test('untrusted certificate: 4', async () => {
    const r = await runCli(['ls', `${url}/`], { cwd: work });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^ftpkit: TLS failed: .*--ca FILE/);
  });

  test('missing remote file: 6, with the command and the server reply; no local file left', async () => {
    const r = await cli('get', `${url}/no-such-file.txt`, 'missing.txt');
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/^ftpkit: The server refused RETR no-such-file\.txt: 55\d .*\.\n$/);
    await expect(stat(join(work, 'missing.txt'))).rejects.toThrow();
  });

  test('--json errors: one document on stdout too', async () => {
    const r = await cli('rm', '--json', `${url}/no-such-file.txt`);
    expect(r.code).toBe(6);
    expect(json(r.stdout)).toEqual({
      ok: false,
      error: { code: 'ERR_FTP_REPLY', exitCode: 6, message: expect.stringMatching(/^The server refused DELE/), reply: { code: expect.any(Number), text: expect.any(String) }, command: 'DELE no-such-file.txt' },
    });
  });

  test('missing local file: 7', async () => {
    const r = await cli('put', join(work, 'nope.bin'), `${url}/`);
    expect(r.code).toBe(7);
  });

  test.each([
    [[]],
    [['frobnicate', 'ftp://h/']],
    [['ls']],
    [['ls', '--no-such-option', 'ftp://h/']],
    [['ls', 'http://example.com/']],
    [['get', '--explicit-tls', '--implicit-tls', 'ftp://h/x']],
    [['mirror', '/a', '/b']],
    [['get', '--limit-rate', '2 MB', 'ftp://h/x']],
  ])('usage error %j: 2 and a pointer to --help', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ftpkit: .*\. Run ftpkit --help for usage\.\n$/);
  });

  test('--help lists every command and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['ls', 'get', 'put', 'cat', 'rm', 'mkdir', 'rmdir', 'mv', 'mirror', 'Exit codes', '130']) expect(r.stdout).toContain(word);
  });
});

const isRoot = process.getuid?.() === 0;

/** Run the CLI with its standard output as bytes; `take` bytes are read, then the pipe is closed (as `| head -c` does). */
function catBytes(args: readonly string[], take = Infinity): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env: { ...process.env, HOME: work }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let length = 0;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      length += c.length;
      if (length >= take) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

describe.runIf(isRoot)('cat through a pipe (vsftpd, plain and explicit FTPS)', () => {
  // Standard output takes each chunk lent (the transport reads into it again once it is written):
  // what comes out of the pipe must be the file, whatever the reads and writes interleave.
  test('32 MiB arrive whole; a pipe closed after the first bytes ends it quietly', async () => {
    await using vsftpd = await startServer('vsftpd', { fixture: true });
    const data = randomBytes(32 * 1024 * 1024);
    await writeFile(join(vsftpd.root, 'big.bin'), data);
    for (const scheme of ['ftp', 'ftpes']) {
      const at = `${scheme}://${vsftpd.user}:${vsftpd.password}@${vsftpd.host}:${vsftpd.port}/big.bin`;
      const whole = await catBytes(['cat', '--ca', ca, at]);
      expect({ code: whole.code, stderr: whole.stderr, length: whole.stdout.length }).toEqual({ code: 0, stderr: '', length: data.length });
      expect(digest(whole.stdout)).toBe(digest(data));
      const cut = await catBytes(['cat', '--ca', ca, at], 64 * 1024);
      expect({ code: cut.code, stderr: cut.stderr }).toEqual({ code: 0, stderr: '' });
      expect(digest(cut.stdout)).toBe(digest(data.subarray(0, cut.stdout.length)));
    }
  });
});
describe.runIf(isRoot)('vsftpd (explicit FTPS, TLS session reuse required)', () => {
  test('ls, put, get', async () => {
    await using vsftpd = await startServer('vsftpd', { fixture: true });
    const v = `ftpes://${vsftpd.user}:${vsftpd.password}@${vsftpd.host}:${vsftpd.port}`;
    const ls = await cli('ls', '--json', `${v}/`);
    expect(ls.code).toBe(0);
    expect((json(ls.stdout)['entries'] as { name: string }[]).map((e) => e.name)).toContain('.hidden');
    await writeFile(join(work, 'v.txt'), 'vsftpd');
    expect((await cli('put', join(work, 'v.txt'), `${v}/v.txt`)).code).toBe(0);
    expect(await cli('cat', `${v}/v.txt`)).toMatchObject({ code: 0, stdout: 'vsftpd' });
  });
});

describe.runIf(isRoot)('mirror --checksum (ProFTPD with mod_digest)', () => {
  test('same size, other bytes: copied by checksum; same bytes, another time: kept', async () => {
    await using proftpd = await startServer('proftpd', { anonymous: false });
    const p = `ftpes://${proftpd.user}:${proftpd.password}@${proftpd.host}:${proftpd.port}`;
    const local = join(work, 'sum-src');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, 'same.txt'), 'identical');
    await writeFile(join(local, 'twin.txt'), 'abcdef');
    expect((await cli('mirror', local, `${p}/s`)).code).toBe(0);
    // The remote twin changes content but not size; both remote files get older times than local.
    await writeFile(join(proftpd.root, 's/twin.txt'), 'ABCDEF');
    const past = new Date('2020-01-01T00:00:00Z');
    await utimes(join(proftpd.root, 's/twin.txt'), past, past);
    await utimes(join(proftpd.root, 's/same.txt'), past, past);
    const plain = await cli('mirror', '--dry-run', local, `${p}/s`);
    expect(plain.stdout).toBe('would put same.txt (newer)\nwould put twin.txt (newer)\nplan: 2 action(s), 0 file(s) unchanged\n');
    const summed = await cli('mirror', '--json', '--checksum', local, `${p}/s`);
    expect(summed.code).toBe(0);
    expect(json(summed.stdout)).toMatchObject({ checksum: 'SHA-512', unchanged: ['same.txt'], actions: [{ kind: 'copy', path: 'twin.txt', reason: 'checksum' }] });
    expect(await readFile(join(proftpd.root, 's/twin.txt'), 'utf8')).toBe('abcdef');
  });

  test('a server without checksum commands fails the mirror with exit code 6, changing nothing', async () => {
    await using vsftpd = await startServer('vsftpd', { anonymous: false });
    const v = `ftpes://${vsftpd.user}:${vsftpd.password}@${vsftpd.host}:${vsftpd.port}`;
    const local = join(work, 'sum-v');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, 'a.txt'), 'aaa');
    expect((await cli('mirror', local, `${v}/s`)).code).toBe(0);
    const r = await cli('mirror', '--checksum', local, `${v}/s`);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('does not offer checksums');
  });
});

describe('trees that never end, against a scripted server', () => {
  /** `/a` holds f.txt and `a`, which is `/a` again; `/x` is an endless tree of new names. */
  const list = (path: string): TreeEntrySpec[] | undefined => {
    if (path === '/') return [{ name: 'a', type: 'dir' }, { name: 'x', type: 'dir' }];
    if (/^\/a(\/a)*$/.test(path)) return [{ name: 'f.txt', type: 'file' }, { name: 'a', type: 'dir' }];
    if (/^\/x(\/d\d+)*$/.test(path)) return [{ name: `d${path.split('/').length - 1}`, type: 'dir' }];
    return undefined;
  };
  const withServer = async (run: (base: string) => Promise<void>): Promise<void> => {
    const scripted = await startScriptedServer({ handlers: treeHandlers({ list, remove: (path) => path.endsWith('/f.txt') }) });
    try {
      await run(`ftp://u:p@${scripted.host}:${scripted.port}`);
    } finally {
      await scripted.close();
    }
  };

  test('get -r, mirror, rm -r and rmdir -r of a folder listed inside itself: exit 8, one line, --json code ERR_FTP_TREE_LOOP', () =>
    withServer(async (base) => {
      const into = join(work, 'scripted-loop');
      const advice = ' Leave it out with --exclude.';
      const cases: [string[], string][] = [
        [['get', '-r', `${base}/a`, into], advice],
        [['mirror', '--parallel', '3', `${base}/a`, into], advice],
        [['rm', '-r', `${base}/a`], ''],
        [['rmdir', '-r', `${base}/a`], ''],
      ];
      for (const [args, tail] of cases) {
        const r = await runCli(args, { cwd: work });
        expect(r.code, r.stderr).toBe(8);
        expect(r.stderr).toBe(`ftpkit: The remote tree loops: a/a/a is the same folder as a/a (the same name and listing three times).${tail}\n`);
        const doc = json((await runCli([...args.slice(0, 1), '--json', ...args.slice(1)], { cwd: work })).stdout);
        expect(doc).toMatchObject({ ok: false, error: { code: 'ERR_FTP_TREE_LOOP', exitCode: 8 } });
      }
      await expect(stat(into)).rejects.toThrow(/ENOENT/);
    }));

  test('--max-depth: an endless tree stops one folder past it with exit 8 and ERR_FTP_TREE_DEPTH', () =>
    withServer(async (base) => {
      const into = join(work, 'scripted-deep');
      const r = await runCli(['get', '-r', '--max-depth', '2', `${base}/x`, into], { cwd: work });
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toBe('ftpkit: The remote tree goes deeper than 2 folders at x/d1/d2/d3: a loop, or a tree deeper than --max-depth allows.\n');
      const doc = json((await runCli(['rm', '--json', '-r', '--max-depth', '1', `${base}/x`], { cwd: work })).stdout);
      expect(doc).toMatchObject({ ok: false, error: { code: 'ERR_FTP_TREE_DEPTH', exitCode: 8 } });
      await expect(stat(into)).rejects.toThrow(/ENOENT/);
    }));
});
