// pyftpdlib 1.5.7 from Debian (python3-pyftpdlib, python3-openssl), run by servers/pyftpdlib_server.py
// with Debian's /usr/bin/python3: apt installs into that interpreter's dist-packages, which another
// python3 earlier on PATH (pyenv, a venv) does not see. One process serves everything, as the
// user that started it.
import { join } from 'node:path';
import { serversDir } from '../paths.js';
import { extract, once, requireFile, run } from './support.js';
import type { LaunchSettings, Launcher } from './types.js';

const PYTHON = '/usr/bin/python3';
const script = () => join(serversDir, 'pyftpdlib_server.py');

export const pyftpdlib: Launcher = {
  kind: 'pyftpdlib',
  // Implicit TLS is not pyftpdlib's own: the server script starts its AUTH TLS machinery at connect.
  capabilities: { implicitTls: true, tlsReuse: 'never', defaultRequireTlsReuse: false, needsRoot: false },

  async checkInstalled() {
    await requireFile(PYTHON, 'Debian python3');
    await run(PYTHON, ['-c', 'import pyftpdlib, OpenSSL']).catch(() => {
      throw new Error(`${PYTHON} cannot import pyftpdlib and OpenSSL (apt packages python3-pyftpdlib, python3-openssl)`);
    });
  },

  version: once(async () => {
    const { stdout } = await run(PYTHON, ['-c', 'import pyftpdlib; print(pyftpdlib.__ver__)']);
    return extract(stdout, /(\S+)/, 'pyftpdlib');
  }),

  async prepare(s: LaunchSettings) {
    const tls = s.tls;
    const args = [
      '-u', // unbuffered: the log shows what happened right up to a crash
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
    return { command: PYTHON, args };
  },
};
