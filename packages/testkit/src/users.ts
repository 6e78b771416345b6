// The system accounts the servers log sessions in as. servers/install.sh creates them.
import { readFile } from 'node:fs/promises';

/** The user every server accepts, read-write, chrooted to the server's root. */
export const FTP_USER = 'ftpuser';
/** The password of {@link FTP_USER}. */
export const FTP_PASSWORD = 'ftppass';

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
