// ftp-srv from npm, a pinned devDependency of this package, run by servers/ftp-srv-server.cjs
// on the Node that runs the tests. One process serves everything, as the user that started it.
import { constants } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageDir, serversDir } from '../paths.js';
import { once, requireFile } from './support.js';
import type { LaunchSettings, Launcher } from './types.js';

const script = () => join(serversDir, 'ftp-srv-server.cjs');
// Resolve the way the server script does: from this package's node_modules.
const requireHere = createRequire(join(packageDir, 'package.json'));
// ftp-srv is a Node program. Under Deno or Bun, process.execPath is their binary: use node from PATH.
const node = () => ('Deno' in globalThis || 'Bun' in globalThis ? 'node' : process.execPath);

export const ftpSrv: Launcher = {
  kind: 'ftp-srv',
  capabilities: { implicitTls: true, tlsReuse: 'never', defaultRequireTlsReuse: false, needsRoot: false },

  async checkInstalled() {
    try {
      requireHere.resolve('ftp-srv');
    } catch {
      throw new Error('ftp-srv is not installed: run `pnpm install` (it is a devDependency of @ftpkit/testkit)');
    }
    await requireFile(script(), 'ftp-srv-server.cjs', constants.R_OK);
  },

  version: once(async () => (requireHere('ftp-srv/package.json') as { version: string }).version),

  async prepare(s: LaunchSettings) {
    const tls = s.tls;
    const args = [
      script(),
      ...['--host', s.host, '--port', String(s.port), '--root', s.root],
      ...['--passive-min', String(s.passiveMin), '--passive-max', String(s.passiveMax)],
      ...['--user', s.user, '--password', s.password],
      ...(s.anonymous ? [] : ['--no-anonymous']),
      ...(tls ? ['--cert', s.certFile, '--key', s.keyFile] : []),
      ...(tls?.implicit ? ['--implicit-tls'] : []),
      ...(tls?.minVersion ? ['--tls-min', tls.minVersion] : []),
      ...(tls?.maxVersion ? ['--tls-max', tls.maxVersion] : []),
    ];
    return { command: node(), args };
  },
};
