/**
 * Errors raised by the codec.
 *
 * Theory of operation: every error a program may want to branch on has a stable `code` string and
 * a brand (`Symbol.for('ftpkit.error')`) so `isFtpError` still works when two copies of the package
 * are loaded. Messages never contain command arguments, so a password cannot leak through an error.
 *
 * - {@link LocalProtocolError}: the caller asked for something the protocol forbids (a CR in a
 *   path, a command in the wrong state). Nothing was sent.
 * - {@link RemoteProtocolError}: the peer broke the protocol (malformed reply, oversized reply,
 *   impossible PASV address). The connection should be considered unusable.
 * - {@link FtpReplyError}: the peer answered well-formed but negatively (4xx/5xx) or unexpectedly.
 *
 * @module
 */
import type { Reply } from './reply.js';

const brand = Symbol.for('ftpkit.error');

/** Stable codes of the errors defined by the codec. */
export type CodecErrorCode = 'ERR_FTP_LOCAL_PROTOCOL' | 'ERR_FTP_REMOTE_PROTOCOL' | 'ERR_FTP_REPLY' | 'ERR_FTP_INVALID_ARG';

/**
 * Base class of every ftpkit error. Packages built on the codec (transport, client) extend it with
 * their own codes.
 */
export class FtpError extends Error {
  /** A stable, machine-readable identifier such as `ERR_FTP_REPLY`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/**
 * True for any ftpkit error, including those created by another copy of the package.
 *
 * @example
 * ```ts
 * try { encodeCommand('CWD', 'a\r\nDELE b'); }
 * catch (err) { if (isFtpError(err) && err.code === 'ERR_FTP_LOCAL_PROTOCOL') console.log('refused'); }
 * ```
 */
export function isFtpError(value: unknown): value is FtpError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * The local side asked for something the protocol forbids. Raised synchronously, before any byte
 * is produced.
 */
export class LocalProtocolError extends FtpError {
  declare readonly code: 'ERR_FTP_LOCAL_PROTOCOL';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_LOCAL_PROTOCOL', message, options);
  }
}

/**
 * A call was given an argument it cannot use: a malformed URL, a pool size of 0, an option value
 * out of range, or options that contradict each other. Nothing was sent. Unlike
 * {@link LocalProtocolError}, the protocol is not involved: the call itself was misused.
 *
 * @example
 * ```ts
 * try { new Pool('ftp://files.example.com', { size: 0 }); }
 * catch (err) { if (isFtpError(err) && err.code === 'ERR_FTP_INVALID_ARG') console.log(err.message); }
 * ```
 */
export class InvalidArgumentError extends FtpError {
  declare readonly code: 'ERR_FTP_INVALID_ARG';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_INVALID_ARG', message, options);
  }
}

/** The server broke the protocol. The control connection should not be trusted afterwards. */
export class RemoteProtocolError extends FtpError {
  declare readonly code: 'ERR_FTP_REMOTE_PROTOCOL';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_REMOTE_PROTOCOL', message, options);
  }
}

/**
 * The server answered with a negative or unexpected reply. `reply` is the full reply; `command` is
 * the command it answered, with the argument of PASS and ACCT redacted.
 */
export class FtpReplyError extends FtpError {
  declare readonly code: 'ERR_FTP_REPLY';
  /** The reply that ended the operation. */
  readonly reply: Reply;
  /** The command that was answered (for example `RETR a.txt`, or `PASS ****`), if any. */
  readonly command: string | undefined;

  constructor(reply: Reply, command?: string, options?: { cause?: unknown }) {
    const where = command === undefined ? '' : ` to ${command}`;
    super('ERR_FTP_REPLY', `Server replied ${reply.code}${where}: ${reply.text}`, options);
    this.reply = reply;
    this.command = command;
  }

  /** True for 4xx replies: the same request may succeed later. */
  get transient(): boolean {
    return this.reply.code >= 400 && this.reply.code < 500;
  }
}

/**
 * TLS was required (explicit FTPS) and the server did not accept `AUTH TLS`: it answered anything but
 * 234, a refusal or even a 2xx (RFC 4217 §4; going on in plaintext is curl CVE-2021-22946). The
 * connect operation fails with it and the connection is closed. `command` is `'AUTH TLS'` and `code`
 * stays `ERR_FTP_REPLY`: a program that branches on the class learns that TLS itself was refused.
 *
 * @example
 * ```ts
 * for (const action of session.receive(bytes)) {
 *   if (action.type === 'failed' && action.error instanceof TlsRefusedError) console.log('no FTPS here');
 * }
 * ```
 */
export class TlsRefusedError extends FtpReplyError {}
