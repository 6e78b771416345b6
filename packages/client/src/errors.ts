/**
 * The errors a client call can reject with. Every one has a stable `code`; the table of every code
 * any ftpkit package throws, with when it happens and the CLI's exit code for it, is the Errors
 * guide (`docs-src/guides/errors.md`). A test keeps that table and the code in step.
 *
 * The codec's and the transport's errors are re-exported here. The client's own classes are
 * branded as the codec's are (see `codec/src/errors.ts`), so `instanceof` holds for them across two
 * installed copies of this package, and `instanceof FtpError` holds for every error in the table.
 *
 * @module
 */
export {
  FtpError,
  FtpReplyError,
  InvalidArgumentError,
  LocalProtocolError,
  RemoteProtocolError,
  TooManyPreliminaryRepliesError,
  isFtpError,
} from '@ftpkit/codec';
export { ConnectionError, TimeoutError, TlsError } from '@ftpkit/transport';
import { FtpError } from '@ftpkit/codec';

/** Brand `cls` with `symbol` by the codec's rule: its prototype carries it, and `instanceof cls` asks for it. */
function brand(cls: abstract new (...args: never[]) => object, symbol: symbol): void {
  Object.defineProperty(cls.prototype, symbol, { value: true });
  Object.defineProperty(cls, Symbol.for('ftpkit.error.brandOf'), { value: symbol });
}

/**
 * A name or path from the server that must not be used locally (`..`, `/abs`, `C:\`, NUL...).
 *
 * @example
 * ```ts
 * try { await client.downloadDir('/pub', './pub'); }
 * catch (err) { if (err instanceof UnsafePathError) console.error('hostile name:', err.path); }
 * ```
 */
export class UnsafePathError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.UnsafePathError'));
  }

  /** The offending name, as the server sent it. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super('ERR_FTP_UNSAFE_PATH', `Refusing server-supplied name ${JSON.stringify(path)}: ${reason}`);
    this.path = path;
  }
}

/**
 * The server does not offer what a call needs, by its FEAT reply (`checksum` on a server without HASH).
 *
 * @example
 * ```ts
 * const digest = await client.checksum('/pub/a.iso').catch((err) => {
 *   if (err instanceof NotSupportedError) return undefined; // compare sizes and times instead
 *   throw err;
 * });
 * ```
 */
export class NotSupportedError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.NotSupportedError'));
  }

  constructor(message: string) {
    super('ERR_FTP_NOT_SUPPORTED', message);
  }
}

/**
 * A local file changed, vanished or could not be read or written during a transfer, or a resume
 * does not fit its size.
 *
 * @example
 * ```ts
 * try { await client.upload('./growing.log', '/logs/growing.log'); }
 * catch (err) { if (err instanceof LocalFileError) console.error('local file:', err.message); }
 * ```
 */
export class LocalFileError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.LocalFileError'));
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_LOCAL_FILE', message, options);
  }
}

/** The standard AbortError (a `DOMException`), or the signal's own reason when it has one. */
export function abortError(signal?: AbortSignal): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** True for an AbortError from an AbortSignal. */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/**
 * `stat` found no entry of that name in its parent's listing (servers without MLST).
 *
 * @example
 * ```ts
 * const entry = await client.stat('/pub/maybe.txt').catch((err) => {
 *   if (err instanceof NotFoundError) return undefined;
 *   throw err;
 * });
 * ```
 */
export class NotFoundError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.NotFoundError'));
  }

  /** The path that was looked up. */
  readonly path: string;
  constructor(path: string) {
    super('ERR_FTP_NOT_FOUND', `No such file or directory: ${JSON.stringify(path)}`);
    this.path = path;
  }
}
