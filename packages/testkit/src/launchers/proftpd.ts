// ProFTPD 1.3.8 from Debian's proftpd-core and proftpd-mod-crypto (mod_tls), unpacked by
// servers/install.sh because apt will not install it beside vsftpd. Runs as root: it reads
// /etc/shadow for ftpuser and chroots.
import { constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installDir, serversDir } from '../paths.js';
import { renderTemplate } from '../template.js';
import { extract, once, requireFile, run } from './support.js';
import type { LaunchSettings, Launcher, ResolvedTls } from './types.js';

const binary = () => join(installDir(), 'proftpd', 'usr', 'sbin', 'proftpd');
const modulePath = () => join(installDir(), 'proftpd', 'usr', 'lib', 'proftpd');

function protocols(tls: ResolvedTls | undefined): string {
  const all = ['TLSv1.2', 'TLSv1.3'] as const;
  const min = all.indexOf(tls?.minVersion ?? 'TLSv1.2');
  const max = all.indexOf(tls?.maxVersion ?? 'TLSv1.3');
  return all.slice(min, max + 1).join(' ');
}

function tlsOptions(tls: ResolvedTls | undefined): string {
  const options = ['AllowClientRenegotiations'];
  if (tls && !tls.requireReuse) options.push('NoSessionReuseRequired');
  if (tls?.implicit) options.push('UseImplicitSSL');
  return options.join(' ');
}

export const proftpd: Launcher = {
  kind: 'proftpd',
  capabilities: { implicitTls: true, tlsReuse: 'switchable', defaultRequireTlsReuse: true, needsRoot: true },

  async checkInstalled() {
    await requireFile(binary(), 'proftpd');
    await requireFile(join(modulePath(), 'mod_tls.so'), 'proftpd mod_tls', constants.R_OK);
  },

  version: once(async () => {
    const { stdout } = await run(binary(), ['-v']);
    return extract(stdout, /Version (\S+)/, 'proftpd');
  }),

  async prepare(s: LaunchSettings) {
    const config = join(s.stateDir, 'proftpd.conf');
    await writeFile(
      config,
      await renderTemplate(join(serversDir, 'proftpd.conf.in'), {
        PORT: s.port,
        HOST: s.host,
        USE_IPV6: s.ipv6 ? 'on' : 'off',
        PASSIVE_MIN: s.passiveMin,
        PASSIVE_MAX: s.passiveMax,
        ROOT: s.root,
        STATE_DIR: s.stateDir,
        MODULE_PATH: modulePath(),
        TLS: s.tls ? 'on' : 'off',
        TLS_PROTOCOLS: protocols(s.tls),
        CERT: s.certFile,
        KEY: s.keyFile,
        TLS_OPTIONS: tlsOptions(s.tls),
        TIMES_GMT: s.listTimeZone === undefined ? 'on' : 'off',
        FACTS_ADVERTISE: s.mlst ? 'on' : 'off',
      }),
    );
    // -c needs an absolute path. -t first: a configuration error then shows up as such, not as a
    // server that never greets.
    const defines = s.anonymous ? ['-D', 'ANONYMOUS'] : [];
    const family = s.ipv6 ? [] : ['-4'];
    await run(binary(), ['-t', '-c', config, ...defines]).catch((error: { stderr?: string; stdout?: string }) => {
      throw new Error(`proftpd rejects its configuration:\n${error.stderr ?? ''}${error.stdout ?? ''}`);
    });
    // A POSIX TZ string (`XST-5:30`) needs no zone file, so it holds inside the chroot too.
    return { command: binary(), args: ['-n', ...family, '-c', config, ...defines], ...(s.listTimeZone === undefined ? {} : { env: { TZ: s.listTimeZone } }) };
  },
};
