/**
 * The server's checksum of a file, over one logged-in connection.
 *
 * Theory of operation: HASH (draft-bryan-ftpext-hash-02) or one of the X commands (XSHA512, XSHA256,
 * XSHA1, XMD5, XCRC), whichever FEAT offers, with the strongest algorithm unless one is asked for
 * (the codec's `pickHashCommand`). HASH answers in the algorithm selected for the session: FEAT's `*`
 * marks the one selected at login, and OPTS HASH changes it for the rest of the session. The codec
 * session tracks every OPTS HASH, raw ones included (`Session.hashAlgorithm`), so OPTS HASH is sent
 * only when the selection must change, and nothing here keeps a copy. A server
 * with none of them is refused before anything is sent.
 *
 * @module
 */
import { parseHashReply, parseXHashReply, pickHashCommand, RemoteProtocolError, type ServerChecksum } from '@ftpkit/codec';
import type { ChecksumOptions } from '../calls.js';
import { NotSupportedError } from '../errors.js';
import type { Conn } from './conn.js';

/** The server's checksum of `path`. */
export async function checksum(conn: Conn, path: string, options: ChecksumOptions): Promise<ServerChecksum> {
  const how = pickHashCommand(conn.features, options.algorithm);
  if (!how) {
    const what = options.algorithm ? `${options.algorithm} checksums` : 'checksums';
    throw new NotSupportedError(`The server does not offer ${what} (FEAT lists none by HASH, XSHA512, XSHA256, XSHA1, XMD5 or XCRC)`);
  }
  if (how.kind === 'X') return parseXHashReply(await conn.command(how.command, path, options), how.algorithm);
  // The session knows the selection (FEAT's `*`, then every accepted OPTS HASH); unknown means select.
  if (conn.control.session.hashAlgorithm !== how.algorithm) await conn.command('OPTS', `HASH ${how.algorithm}`, options);
  const { algorithm, hash } = parseHashReply(await conn.command('HASH', path, options));
  if (algorithm !== how.algorithm) throw new RemoteProtocolError(`HASH answered with ${algorithm} after OPTS HASH ${how.algorithm}`);
  return { algorithm, hash };
}
