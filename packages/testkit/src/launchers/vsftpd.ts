// vsftpd 3.0.3, Debian's package (apt). Runs as root: PAM login of the local user ftpuser, chroot
// into the root, and its own privilege separation. Before the chroot, a session changes into its
// user's home from /etc/passwd (ftpuser's, or ftp's for anonymous), so those must exist.
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serversDir } from '../paths.js';
import { renderTemplate } from '../template.js';
import { FTP_USER, FTP_USER_HOME, ensureAnonymousHome, ensureHome } from '../users.js';
import { extract, once, opensslConf, requireFile, run } from './support.js';
import type { LaunchSettings, Launcher } from './types.js';

const VSFTPD = '/usr/sbin/vsftpd';
const yesNo = (value: boolean) => (value ? 'YES' : 'NO');

export const vsftpd: Launcher = {
  kind: 'vsftpd',
  capabilities: { implicitTls: true, tlsReuse: 'switchable', defaultRequireTlsReuse: true, needsRoot: true },

  checkInstalled: () => requireFile(VSFTPD, 'vsftpd'),

  // `vsftpd -v` prints "vsftpd: version 3.0.3" on fd 0, like its startup errors.
  version: once(async () => {
    const { stdout } = await run('/bin/sh', ['-c', `exec ${VSFTPD} -v 0>&1`]);
    return extract(stdout, /version (\S+)/, 'vsftpd');
  }),

  async prepare(s: LaunchSettings) {
    // Without a home it can enter, the user's every login gets `500 OOPS: cannot change directory`.
    await ensureHome(FTP_USER, FTP_USER_HOME);
    if (s.anonymous) await ensureAnonymousHome();
    // secure_chroot_dir: empty, root-owned, writable by nobody else.
    const empty = join(s.stateDir, 'empty');
    await mkdir(empty, { mode: 0o755 });
    await chown(empty, 0, 0);
    const config = join(s.stateDir, 'vsftpd.conf');
    const tls = s.tls;
    await writeFile(
      config,
      await renderTemplate(join(serversDir, 'vsftpd.conf.in'), {
        LISTEN_IPV4: yesNo(!s.ipv6),
        LISTEN_IPV6: yesNo(s.ipv6),
        PORT: s.port,
        STATE_DIR: s.stateDir,
        ROOT: s.root,
        ANONYMOUS: yesNo(s.anonymous),
        PASSIVE_MIN: s.passiveMin,
        PASSIVE_MAX: s.passiveMax,
        TLS: yesNo(tls !== undefined),
        IMPLICIT_TLS: yesNo(tls?.implicit ?? false),
        CERT: s.certFile,
        KEY: s.keyFile,
        REQUIRE_TLS_REUSE: yesNo(tls?.requireReuse ?? true),
        MAX_RATE: s.maxRate,
        USE_LOCALTIME: yesNo(s.listTimeZone !== undefined),
      }),
    );
    // vsftpd refuses a config file that others can write, and it holds nothing secret.
    await chmod(config, 0o644);
    const env: Record<string, string> = {};
    if (tls?.minVersion || tls?.maxVersion) {
      // 3.0.3 has no protocol-range options of its own.
      env['OPENSSL_CONF'] = join(s.stateDir, 'openssl.cnf');
      await writeFile(env['OPENSSL_CONF'], opensslConf(tls.minVersion, tls.maxVersion));
    }
    // A POSIX TZ string (`XST-5:30`) needs no zone file, so it holds inside the chroot too.
    if (s.listTimeZone !== undefined) env['TZ'] = s.listTimeZone;
    return { command: VSFTPD, args: [config], env, stdinToLog: true };
  },
};
