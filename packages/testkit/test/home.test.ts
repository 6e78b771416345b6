// The test bed does not depend on a system user's home folder: a user that already existed with
// no home, with a home it cannot enter, or with a home a dead test run removed, is repaired
// (servers/ensure-home.sh) and vsftpd then logs it in. Each case uses a throwaway user of its own,
// never ftpuser, whose home other test files rely on while this one runs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../src/index.js';
import { ensureHome, lookupUser } from '../src/users.js';
import { Control, login, type Reply } from './support/control.js';

const PASSWORD = 'home-test-pass';
let server: RunningServer;
let scratch: string;
const users: string[] = [];

/** A new system user with `home` in /etc/passwd and nothing created for it. */
function makeUser(home: string): string {
  const name = `ftpkithome${randomBytes(4).toString('hex')}`;
  execFileSync('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/bin/bash', name]);
  users.push(name);
  execFileSync('chpasswd', { input: `${name}:${PASSWORD}\n` });
  return name;
}

async function vsftpdLogin(name: string): Promise<Reply> {
  const { control } = await Control.open(server.host, server.port);
  try {
    return await login(control, name, PASSWORD);
  } finally {
    control.close();
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-home-test-'));
  await chmod(scratch, 0o755);
  server = await startServer('vsftpd', { tls: false, anonymous: false });
});

afterAll(async () => {
  await server?.stop();
  for (const name of users) execFileSync('userdel', [name]);
  await rm(scratch, { recursive: true, force: true });
});

describe('a system user whose home cannot be used', () => {
  test('a missing home: vsftpd refuses every login with 500; the home is created in place and the login works', async () => {
    const home = join(scratch, 'missing');
    const name = makeUser(home);
    const refused = await vsftpdLogin(name);
    expect(refused.code).toBe(500);
    expect(refused.text).toContain('cannot change directory');

    await ensureHome(name, join(scratch, 'default-unused'));
    const user = await lookupUser(name);
    expect(user?.home).toBe(home);
    const info = await stat(home);
    expect(info.isDirectory()).toBe(true);
    expect([info.uid, info.gid, info.mode & 0o777]).toEqual([user?.uid, user?.gid, 0o755]);
    expect(existsSync(join(scratch, 'default-unused'))).toBe(false);
    expect((await vsftpdLogin(name)).code).toBe(230);
  });

  test('a home the user cannot enter is replaced by the default home', async () => {
    const locked = join(scratch, 'locked');
    await mkdir(locked, { mode: 0o700 });
    await chown(locked, 0, 0);
    const name = makeUser(locked);
    expect((await vsftpdLogin(name)).code).toBe(500);

    const fallback = join(scratch, `home-${name}`);
    await ensureHome(name, fallback);
    expect((await lookupUser(name))?.home).toBe(fallback);
    expect((await stat(locked)).mode & 0o777).toBe(0o700); // left as it was
    expect((await vsftpdLogin(name)).code).toBe(230);
  });

  test('a home that is a file is replaced by the default home', async () => {
    const file = join(scratch, 'a-file');
    await writeFile(file, 'not a folder\n');
    const name = makeUser(file);
    const fallback = join(scratch, `home-${name}`);
    await ensureHome(name, fallback);
    expect((await lookupUser(name))?.home).toBe(fallback);
    expect((await vsftpdLogin(name)).code).toBe(230);
  });

  test('a home inside a folder a dead test run removed is not recreated: the default replaces it', async () => {
    const gone = join(scratch, 'ftpkit-pure-ftpd-gone', 'root');
    const name = makeUser(gone);
    const fallback = join(scratch, `home-${name}`);
    await ensureHome(name, fallback);
    expect((await lookupUser(name))?.home).toBe(fallback);
    expect(existsSync(join(scratch, 'ftpkit-pure-ftpd-gone'))).toBe(false);
    expect((await vsftpdLogin(name)).code).toBe(230);
  });

  test('/nonexistent, the shared "no home" marker, is never created', async () => {
    const before = existsSync('/nonexistent');
    const name = makeUser('/nonexistent');
    const fallback = join(scratch, `home-${name}`);
    await ensureHome(name, fallback);
    expect((await lookupUser(name))?.home).toBe(fallback);
    expect(existsSync('/nonexistent')).toBe(before);
    expect((await vsftpdLogin(name)).code).toBe(230);
  });

  test('a usable home, even another than the default, is left alone, and a second repair changes nothing', async () => {
    const elsewhere = join(scratch, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o755 });
    const name = makeUser(elsewhere);
    await ensureHome(name, join(scratch, 'default-unused-2'));
    await ensureHome(name, join(scratch, 'default-unused-2'));
    expect((await lookupUser(name))?.home).toBe(elsewhere);
    expect(existsSync(join(scratch, 'default-unused-2'))).toBe(false);
    expect((await vsftpdLogin(name)).code).toBe(230);
  });
});
