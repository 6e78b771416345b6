// The system accounts the servers log sessions in as. servers/install.sh creates them; a server
// start repairs their home folders (servers/ensure-home.sh holds that rule), so that a machine
// where the users already existed, or where a dead test run left them pointing at a removed folder,
// works too.
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serversDir } from './paths.js';

/** The user every server accepts, read-write, chrooted to the server's root. */
export const FTP_USER = 'ftpuser';
/** The password of {@link FTP_USER}. */
export const FTP_PASSWORD = 'ftppass';

/** Where {@link FTP_USER}'s home goes when the one it has cannot be used. */
export const FTP_USER_HOME = '/home/ftpuser';
/** The system user anonymous sessions run as, and where its home goes (Debian's default). */
export const ANONYMOUS_USER = 'ftp';
export const ANONYMOUS_USER_HOME = '/srv/ftp';

/** A line of /etc/passwd. */
export interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Looks a user up in /etc/passwd (Node has no getpwnam). Undefined if there is none. */
export async function lookupUser(name: string): Promise<SystemUser | undefined> {
  let passwd: string;
  try {
    passwd = await readFile('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== name || fields.length < 7) continue;
    return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '' };
  }
  return undefined;
}

/** True when this process runs as root, which the servers that switch users need. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Makes sure system user `name` has a home folder it can enter, by servers/ensure-home.sh: a
 * missing home is created where /etc/passwd says, an unusable one is replaced by `defaultHome`.
 * vsftpd needs this: it changes into the session user's home before its root, and answers every
 * login with `500 OOPS: cannot change directory` when that fails. Needs root.
 *
 * @example
 * ```ts
 * await ensureHome(FTP_USER, FTP_USER_HOME);
 * ```
 */
export async function ensureHome(name: string, defaultHome: string): Promise<void> {
  try {
    await promisify(execFile)('/bin/bash', [join(serversDir, 'ensure-home.sh'), name, defaultHome]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`the home folder of system user ${name} cannot be used: ${stderr || String(error)}`, { cause: error });
  }
}

/**
 * {@link ensureHome} for the anonymous user `ftp`, whose home is shared: while a Pure-FTPd runs, its
 * launcher points that home at the server's root, which `ftp` itself may not be able to search (a
 * test's root below a private folder). The servers go into it as root, so a home that exists as a
 * folder is left as it is; repairing it would take the anonymous sessions of that Pure-FTPd to the
 * default home. A home that is missing or not a folder is repaired as ensureHome does.
 */
export async function ensureAnonymousHome(): Promise<void> {
  const home = (await lookupUser(ANONYMOUS_USER))?.home;
  if (home !== undefined && home !== '' && home !== '/' && (await stat(home).then((s) => s.isDirectory(), () => false))) return;
  await ensureHome(ANONYMOUS_USER, ANONYMOUS_USER_HOME);
}
