/**
 * The errors a client call can reject with. Every one has a stable `code`:
 *
 * | class | code | when |
 * |---|---|---|
 * | `FtpReplyError` | `ERR_FTP_REPLY` | the server said no (4xx/5xx); carries the `Reply` and the command |
 * | `RemoteProtocolError` | `ERR_FTP_REMOTE_PROTOCOL` | the server broke the protocol |
 * | `LocalProtocolError` | `ERR_FTP_LOCAL_PROTOCOL` | a command the protocol forbids: CR/LF/NUL in an argument, or a command in the wrong state |
 * | `InvalidArgumentError` | `ERR_FTP_INVALID_ARG` | a call was misused: a bad URL, pool size, option value or option combination |
 * | `ConnectionError` | `ERR_FTP_CONNECTION` | a socket failed or closed |
 * | `TlsError` | `ERR_FTP_TLS` | TLS failed, or TLS was required and refused |
 * | `TimeoutError` | `ERR_FTP_TIMEOUT` | connect, reply or data-idle timeout |
 * | `UnsafePathError` | `ERR_FTP_UNSAFE_PATH` | a server-supplied name would escape the target folder |
 * | `NotFoundError` | `ERR_FTP_NOT_FOUND` | `stat` found no such entry (servers without MLST) |
 * | `NotSupportedError` | `ERR_FTP_NOT_SUPPORTED` | the server lacks what the call needs (`checksum` without HASH or X commands) |
 * | `LocalFileError` | `ERR_FTP_LOCAL_FILE` | a local file changed, vanished or could not be written during a transfer |
 * | `DOMException` named `AbortError` | `ABORT_ERR` (20) | the caller's AbortSignal fired |
 *
 * @module
 */
export { FtpError, FtpReplyError, InvalidArgumentError, LocalProtocolError, RemoteProtocolError, isFtpError } from '@ftpkit/codec';
export { ConnectionError, TimeoutError, TlsError } from '@ftpkit/transport';
import { FtpError } from '@ftpkit/codec';

/** A name or path from the server that must not be used locally (`..`, `/abs`, `C:\`, NUL...). */
export class UnsafePathError extends FtpError {
  /** The offending name, as the server sent it. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super('ERR_FTP_UNSAFE_PATH', `Refusing server-supplied name ${JSON.stringify(path)}: ${reason}`);
    this.path = path;
  }
}

/** The server does not offer what a call needs, by its FEAT reply (`checksum` on a server without HASH). */
export class NotSupportedError extends FtpError {
  constructor(message: string) {
    super('ERR_FTP_NOT_SUPPORTED', message);
  }
}

/** A local file changed, vanished or could not be written during a transfer. */
export class LocalFileError extends FtpError {
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

/** `stat` found no entry of that name in its parent's listing (servers without MLST). */
export class NotFoundError extends FtpError {
  /** The path that was looked up. */
  readonly path: string;
  constructor(path: string) {
    super('ERR_FTP_NOT_FOUND', `No such file or directory: ${JSON.stringify(path)}`);
    this.path = path;
  }
}
