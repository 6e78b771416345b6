// Pure-FTPd 1.0.50 from Debian's pure-ftpd package, unpacked by servers/install.sh because apt
// will not install it beside vsftpd. No config file (that and Debian's wrapper live in
// pure-ftpd-common, not used): everything is on the command line. Runs as root: it chroots and
// switches to ftpuser's uid.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installDir } from '../paths.js';
import { ANONYMOUS_USER, ANONYMOUS_USER_HOME, ensureAnonymousHome, lookupUser } from '../users.js';
import { extract, once, opensslConf, requireFile, run } from './support.js';
import type { LaunchSettings, Launcher } from './types.js';

const binary = () => join(installDir(), 'pure-ftpd', 'usr', 'sbin', 'pure-ftpd');
const purePw = () => join(installDir(), 'pure-ftpd', 'usr', 'bin', 'pure-pw');

// `pure-pw useradd` hashes with argon2id (m=8 MiB, t=511): about 3 s of CPU per login on a test
// machine. Pure-FTPd also takes crypt(3) hashes, so the user line carries SHA-512-crypt instead
// (`openssl passwd -6 -salt ftpkit.testkit ftppass`), and a login takes milliseconds.
const FTPPASS_SHA512_CRYPT =
  '$6$ftpkit.testkit$H54t6jPlIdcIuWt8H4P/NCUifAq7Cdh8Xmj89nrmx4pfCAAVTeF/3pOwFMTpkHeE2qrB/SxCoZB/I0Y4OT4Cg0';

/** Points system user ftp's home at `dir`, retrying while another usermod holds /etc/passwd. */
async function setFtpHome(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await run('usermod', ['-d', dir, ANONYMOUS_USER]);
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export const pureFtpd: Launcher = {
  kind: 'pure-ftpd',
  capabilities: { implicitTls: false, tlsReuse: 'never', defaultRequireTlsReuse: false, needsRoot: true },

  async checkInstalled() {
    await requireFile(binary(), 'pure-ftpd');
    await requireFile(purePw(), 'pure-pw');
  },

  // No version flag; the first line of --help is "pure-ftpd v1.0.50 [privsep]".
  version: once(async () => {
    const { stdout, stderr } = await run(binary(), ['--help']).catch((error: { stdout: string; stderr: string }) => error);
    return extract(`${stdout}${stderr}`, /pure-ftpd v(\S+)/, 'pure-ftpd');
  }),

  async prepare(s: LaunchSettings) {
    if (s.uid === undefined || s.gid === undefined) throw new Error('pure-ftpd needs the system user ftpuser');
    // A PureDB virtual user mapped to ftpuser's uid, with the root as its home; "/./" chroots.
    const passwd = join(s.stateDir, 'pureftpd.passwd');
    const pdb = join(s.stateDir, 'pureftpd.pdb');
    if (s.password !== 'ftppass') throw new Error('pure-ftpd: only the password "ftppass" has a precomputed hash');
    const line = `${s.user}:${FTPPASS_SHA512_CRYPT}:${s.uid}:${s.gid}::${s.root}/./::::::::::::\n`;
    await writeFile(passwd, line, { mode: 0o600 });
    await run(purePw(), ['mkdb', pdb, '-f', passwd]);

    let cleanup: (() => Promise<void>) | undefined;
    if (s.anonymous) {
      // Pure-FTPd serves anonymous sessions from the home directory of system user "ftp", read at
      // each login; there is no option for it. So the home is global: with several Pure-FTPd
      // servers at once, anonymous sessions of all of them see the root of the last one started.
      // On stop, put the home back (another Pure-FTPd's root, while that one runs), unless yet
      // another Pure-FTPd took it over meanwhile. A home that cannot be used (the root of a test
      // process that died) is repaired first, so that the one put back is usable.
      await ensureAnonymousHome();
      const before = (await lookupUser(ANONYMOUS_USER))?.home ?? ANONYMOUS_USER_HOME;
      if (before !== s.root) await setFtpHome(s.root);
      cleanup = async () => {
        if ((await lookupUser(ANONYMOUS_USER))?.home === s.root) await setFtpHome(before);
      };
    }

    const env: Record<string, string> = {};
    const tls = s.tls;
    if (tls?.minVersion || tls?.maxVersion) {
      env['OPENSSL_CONF'] = join(s.stateDir, 'openssl.cnf');
      await writeFile(env['OPENSSL_CONF'], opensslConf(tls.minVersion, tls.maxVersion));
    }
    const args = [
      ...['-S', `${s.host},${s.port}`, s.ipv6 ? '-6' : '-4', '-H'],
      ...['-p', `${s.passiveMin}:${s.passiveMax}`],
      ...(s.ipv6 ? [] : ['-P', s.host]),
      ...['-l', `puredb:${pdb}`],
      '-A', // chroot everyone
      ...['-c', '200', '-C', '100'],
      ...['-U', '133:022'], // umasks: files 644, directories 755
      ...(tls ? ['-Y', '1', '-2', `${s.certFile},${s.keyFile}`, '-J', 'HIGH:!aNULL'] : ['-Y', '0']),
      ...['-O', `clf:${join(s.stateDir, 'transfer.log')}`],
      ...['-g', join(s.stateDir, 'pure-ftpd.pid')],
      s.anonymous ? '-i' : '-E', // anonymous read-only, or none
    ];
    return { command: binary(), args, env, ...(cleanup ? { cleanup } : {}) };
  },
};
