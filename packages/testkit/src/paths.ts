// Where the testkit finds its files and the installed servers. The same relative layout holds for
// src/*.ts (run by vitest) and dist/*.js (built), so paths are taken from this module's URL.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder, packages/testkit. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Server scripts and configuration templates. */
export const serversDir = join(packageDir, 'servers');

/**
 * Where servers/install.sh unpacks ProFTPD and Pure-FTPd: $FTPKIT_SERVERS_DIR, by default
 * /opt/ftpkit-servers. The install script reads the same variable.
 */
export function installDir(): string {
  return process.env['FTPKIT_SERVERS_DIR'] || '/opt/ftpkit-servers';
}

/** What to tell someone whose machine lacks a server. */
export const INSTALL_HINT = 'install the servers with `bash packages/testkit/servers/install.sh` (as root)';
