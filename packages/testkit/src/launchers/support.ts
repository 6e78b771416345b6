// Small helpers the launchers share.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';
import { INSTALL_HINT } from '../paths.js';
import type { TlsVersion } from './types.js';

/** execFile as a promise: resolves with { stdout, stderr }, rejects on a non-zero exit. */
export const run = promisify(execFile);

/** Throws unless `file` exists and is executable (or readable, for scripts and modules). */
export async function requireFile(file: string, what: string, mode = constants.X_OK): Promise<void> {
  try {
    await access(file, mode);
  } catch {
    throw new Error(`${what} not found at ${file}: ${INSTALL_HINT}`);
  }
}

/** Caches a one-time async lookup (server versions do not change under a running test). */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

/** Takes the first match group of `pattern` in `text`, or throws. */
export function extract(text: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`cannot read the version of ${what} from ${JSON.stringify(text.slice(0, 200))}`);
  return match[1];
}

/**
 * An OpenSSL configuration that bounds the protocol versions of every SSL_CTX a process creates,
 * for servers without a switch of their own (vsftpd 3.0.3, Pure-FTPd). OpenSSL 3 loads it from
 * $OPENSSL_CONF at startup and applies system_default to each new context. It replaces Debian's
 * /etc/ssl/openssl.cnf, whose system_default is MinProtocol TLSv1.2 and security level 2; both are
 * restated here.
 */
export function opensslConf(min: TlsVersion | undefined, max: TlsVersion | undefined): string {
  return [
    'openssl_conf = ftpkit_init',
    '[ftpkit_init]',
    'ssl_conf = ftpkit_ssl',
    '[ftpkit_ssl]',
    'system_default = ftpkit_tls',
    '[ftpkit_tls]',
    `MinProtocol = ${min ?? 'TLSv1.2'}`,
    ...(max ? [`MaxProtocol = ${max}`] : []),
    'CipherString = DEFAULT:@SECLEVEL=2',
    '',
  ].join('\n');
}
