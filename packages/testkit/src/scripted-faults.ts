/**
 * Named misconfigurations for the scripted server, the ones a diagnosis must tell apart: an SSH
 * server where an FTP one was expected, and a server behind a NAT whose PASV names an address that
 * is not the one the client connected to ("broken PASV").
 *
 * @example
 * ```ts
 * const ssh = await startScriptedServer({ greeting: SSH_GREETING });
 * const nat = await startScriptedServer({ ...brokenPasv(), files: { 'a.txt': 'a' } });
 * ```
 *
 * @module
 */
import type { ScriptedServerOptions } from '@ftpkit/test-server';

/** What an SSH server sends first (RFC 4253 §4.2): the greeting of a client pointed at an SFTP port. */
export const SSH_GREETING = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3';

/** Options of {@link brokenPasv}. */
export interface BrokenPasvOptions {
  /**
   * The address PASV names. Default `127.0.0.2`: another address than the server's own
   * (127.0.0.1), where nothing listens, as a server behind a NAT names its inside address.
   * Loopback, so that a client that trusts it stays on this machine.
   */
  readonly host?: string;
  /** Answer EPSV too (true), or refuse it (500), so that clients must use PASV. Default false. */
  readonly epsv?: boolean;
}

/**
 * Options of a server whose 227 names another address than its own (the server's
 * `passiveAddress`), while the port it names listens on the server's own address: a client that
 * connects to the control host gets the data, one that trusts the PASV address does not.
 */
export function brokenPasv(options: BrokenPasvOptions = {}): Pick<ScriptedServerOptions, 'passiveAddress' | 'handlers'> {
  return {
    passiveAddress: options.host ?? '127.0.0.2',
    handlers: options.epsv === true ? {} : { EPSV: () => '500 EPSV not understood' },
  };
}
