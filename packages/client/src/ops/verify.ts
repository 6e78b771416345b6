/**
 * Verifying a transfer (`verify: 'size' | 'checksum'`), over one logged-in connection: the one
 * home of the rule, called by every transfer (ops/download.ts, ops/upload.ts, the segmented
 * download), and so by the tree transfers and the Pool's many-item calls.
 *
 * Theory of operation: a verification has a local side and a remote side. The local side is a
 * {@link Tally}: the transfer feeds it every byte as the byte passes (downloaded before it is
 * written, uploaded as it is read), so it counts them and, for `'checksum'`, hashes them without
 * holding a file in memory or reading it again. Bytes that were on the target before the call (a
 * resume) are fed first, from the local file or byte array they came from; a destination that cannot
 * be read back (a stream, a callback) can then only be verified by size. The remote side is asked
 * once the transfer is complete by every other measure: SIZE (RFC 3659 §4, in binary type, which
 * the session is in after a binary transfer) or the server's checksum (ops/checksum.ts) in the
 * algorithm fixed before the transfer.
 *
 * What is refused, and when: `'checksum'` on a server whose FEAT offers no checksum command is a
 * `NotSupportedError` before any byte moves (never a silent pass); any `verify` of an ASCII
 * transfer is an `InvalidArgumentError`, since TYPE A changes line endings on the way, and SIZE in
 * TYPE A is whatever the server makes of it (RFC 3659 §4: the size "in the current TYPE"; ProFTPD
 * refuses it, others count the stored bytes). A mismatch is a `VerifyError`; what happens to the
 * target is the transfer's business (a downloaded file is discarded, see ops/download.ts).
 *
 * @module
 */
import { parseSizeReply, pickHashCommand, type HashAlgorithm } from '@ftpkit/codec';
import type { CallOptions, VerifyMethod } from '../calls.js';
import { InvalidArgumentError, NotSupportedError, VerifyError } from '../errors.js';
import { localFileError, stat } from '../io/fs.js';
import { hashFile, localHasher, type LocalHasher } from '../io/local-checksum.js';
import { checksum } from './checksum.js';
import type { Conn } from './conn.js';

/** The call's `verify`, checked: undefined when it is off. Bad values and ASCII transfers throw `InvalidArgumentError`. */
export function verifyMethodOf(options: { readonly verify?: unknown; readonly mode?: unknown }): VerifyMethod | undefined {
  const { verify } = options;
  if (verify === undefined || verify === false) return undefined;
  if (verify !== 'size' && verify !== 'checksum') throw new InvalidArgumentError(`verify must be 'size', 'checksum' or false, not ${JSON.stringify(verify)}`);
  if (options.mode === 'ascii') {
    throw new InvalidArgumentError("verify compares bytes, and an ASCII transfer changes them (line endings): use mode 'binary' to verify");
  }
  return verify;
}

/** The local side of a verification: the bytes of the target, counted and (for `'checksum'`) hashed as they pass. */
export class Tally {
  readonly method: VerifyMethod;
  /** The algorithm the server will be asked for, with `'checksum'`. */
  readonly algorithm: HashAlgorithm | undefined;
  #bytes = 0;
  readonly #hasher: LocalHasher | undefined;

  constructor(method: VerifyMethod, algorithm: HashAlgorithm | undefined) {
    this.method = method;
    this.algorithm = algorithm;
    this.#hasher = algorithm ? localHasher(algorithm) : undefined;
  }

  /** Bytes fed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Feed bytes as they pass; call before the chunk's memory can be reused. */
  readonly add = (chunk: Uint8Array): void => {
    this.#bytes += chunk.length;
    this.#hasher?.update(chunk);
  };

  /** The lower-case hex digest of what was fed (`'checksum'` only). */
  digest(): string {
    if (!this.#hasher) throw new InvalidArgumentError('A size check has no digest');
    return this.#hasher.digest();
  }

  /**
   * Feed the bytes on the target before this transfer's (a resume): the first `length` bytes of
   * `from` (a local file or byte array), or with `length` undefined the whole file. A size check
   * only counts them; a checksum reads them, so it needs `from`.
   */
  async prefix(length: number | undefined, from: string | Uint8Array | undefined): Promise<void> {
    if (this.#hasher === undefined && length !== undefined) {
      this.#bytes += length;
      return;
    }
    if (typeof from === 'string') {
      if (this.#hasher === undefined) {
        const info = await stat(from).catch((err: unknown) => {
          throw localFileError(err, 'read', from);
        });
        this.#bytes += info.size;
        return;
      }
      await hashFile(from, this.add, length);
      return;
    }
    if (from instanceof Uint8Array) {
      this.add(from.subarray(0, length));
      return;
    }
    throw new InvalidArgumentError("verify: 'checksum' of a resumed transfer needs the bytes before startAt: a file path or a Uint8Array, not a stream");
  }
}

/**
 * Start a verification on `conn`: a {@link Tally} to feed. With `'checksum'`, fixes the algorithm
 * (the strongest the server offers, as `checksum()` picks it), or throws `NotSupportedError` when
 * the server offers none: before the transfer, so nothing moves that cannot be checked.
 */
export function startVerify(conn: Conn, method: VerifyMethod): Tally {
  if (method === 'size') return new Tally('size', undefined);
  const how = pickHashCommand(conn.features);
  if (!how) {
    throw new NotSupportedError(
      "verify: 'checksum' needs a checksum command, and the server offers none (FEAT lists none by HASH, XSHA512, XSHA256, XSHA1, XMD5 or XCRC); use verify: 'size'",
    );
  }
  return new Tally('checksum', how.algorithm);
}

/** Where a verified transfer went, for its `VerifyError`. */
export interface VerifiedTransfer {
  readonly direction: 'download' | 'upload';
  readonly remote: string;
  readonly local: string | undefined;
}

/**
 * Ask the server for the remote side and compare it with `tally`; throws `VerifyError` when they
 * differ. A refused SIZE or checksum command rejects with the server's `FtpReplyError`.
 */
export async function finishVerify(conn: Conn, tally: Tally, transfer: VerifiedTransfer, options: CallOptions): Promise<void> {
  const call = options.signal ? { signal: options.signal } : {};
  const ours = tally.method === 'size' ? tally.bytes : tally.digest();
  const theirs =
    tally.method === 'size'
      ? parseSizeReply(await conn.command('SIZE', transfer.remote, call))
      : (await checksum(conn, transfer.remote, { ...call, algorithm: tally.algorithm! })).hash.toLowerCase();
  if (ours === theirs) return;
  const [expected, actual] = transfer.direction === 'download' ? [theirs, ours] : [ours, theirs];
  throw new VerifyError({ path: transfer.remote, local: transfer.local, direction: transfer.direction, method: tally.method, algorithm: tally.algorithm, expected, actual });
}
