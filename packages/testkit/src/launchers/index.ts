// The five launchers by kind.
import { ftpSrv } from './ftp-srv.js';
import { proftpd } from './proftpd.js';
import { pureFtpd } from './pure-ftpd.js';
import { pyftpdlib } from './pyftpdlib.js';
import type { Launcher, ServerKind } from './types.js';
import { vsftpd } from './vsftpd.js';

export const launchers: Readonly<Record<ServerKind, Launcher>> = {
  vsftpd,
  proftpd,
  'pure-ftpd': pureFtpd,
  pyftpdlib,
  'ftp-srv': ftpSrv,
};

export type { Capabilities, LaunchSettings, Launcher, ResolvedTls, ServerKind, TlsVersion } from './types.js';
