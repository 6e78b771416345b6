/**
 * A new connection standing in for a lost one: put it where the old one was.
 *
 * Theory of operation: a reconnect logs in with the same options (login, TLS mode and settings),
 * which gives the same login directory and the settings every login makes (TYPE I, and PROT P with
 * `protectData`). What the session changed after its login is put back here, in the order the old
 * session had it: the working directory the client last read with PWD, then the transfer type, the
 * data protection and the selected HASH algorithm that the old session's state held (a raw `TYPE A`,
 * `PROT C` or `OPTS HASH` the caller sent). Each goes through the session like any command, so the
 * new session's state follows, and a refusal fails the reconnect.
 *
 * @module
 */
import type { HashAlgorithm, TransferType } from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import type { Conn } from './conn.js';

/** What the old session held after its login (the codec's `Session` getters). */
export interface SessionState {
  readonly transferType: TransferType | undefined;
  readonly protectData: boolean;
  readonly hashAlgorithm: HashAlgorithm | undefined;
}

/** Put `conn`, just logged in, where the lost session was: `directory` (undefined: the login directory) and `was`. */
export async function restoreSession(conn: Conn, was: SessionState, directory: string | undefined, options: CallOptions): Promise<void> {
  if (directory !== undefined) await conn.command('CWD', directory, options);
  const now = conn.control.session;
  // An unknown type (a raw TYPE the session does not model) is left to the next transfer, which sends its own.
  if (was.transferType !== undefined && was.transferType !== now.transferType) await conn.command('TYPE', was.transferType, options);
  if (was.protectData !== now.protectData) await conn.command('PROT', was.protectData ? 'P' : 'C', options);
  if (was.hashAlgorithm !== undefined && was.hashAlgorithm !== now.hashAlgorithm) await conn.command('OPTS', `HASH ${was.hashAlgorithm}`, options);
}
