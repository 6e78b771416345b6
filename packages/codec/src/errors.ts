/**
 * Errors raised by the codec, and the root of every ftpkit error.
 *
 * Theory of operation: every error a program may want to branch on has a stable `code` string.
 * Messages never contain command arguments, so a password cannot leak through an error.
 *
 * `instanceof` works by brand, as undici's errors do, so that it still holds when two copies of a
 * package are installed (or the transport's errors meet the codec's classes): each branded class
 * `X` puts `Symbol.for('ftpkit.error.X')` on its prototype, and its `static [Symbol.hasInstance]`
 * asks a value for that brand instead of walking prototypes. Every ftpkit error, in every package,
 * also carries the root brand `Symbol.for('ftpkit.error')`, which is what `instanceof FtpError` and
 * {@link isFtpError} check. A subclass's brand is its own, so `instanceof LocalProtocolError` is
 * false for a plain `FtpError` or a sibling. A class without a brand of its own (a program's
 * subclass of `FtpError`) answers `instanceof` the usual way, by its prototype chain.
 *
 * - {@link LocalProtocolError}: the caller asked for something the protocol forbids (a CR in a
 *   path, a command in the wrong state). Nothing was sent.
 * - {@link InvalidArgumentError}: a call was given an argument it cannot use. Nothing was sent.
 * - {@link RemoteProtocolError}: the peer broke the protocol (malformed reply, oversized reply,
 *   impossible PASV address). The connection should be considered unusable.
 * - {@link FtpReplyError}: the peer answered well-formed but negatively (4xx/5xx) or unexpectedly.
 *
 * @module
 */
import type { Reply } from './reply.js';

/** Carried by every ftpkit error of every package and version. */
const ROOT = Symbol.for('ftpkit.error');
/**
 * Where a branded class keeps the brand its instances carry. Registered, so that the client's and
 * the transport's classes are branded the same way without reaching into this module.
 */
const BRAND_OF = Symbol.for('ftpkit.error.brandOf');

/** Brand `cls` with `symbol`: its instances and those of its subclasses carry it. */
function brand(cls: abstract new (...args: never[]) => object, symbol: symbol): void {
  Object.defineProperty(cls.prototype, symbol, { value: true });
  Object.defineProperty(cls, BRAND_OF, { value: symbol });
}

/** `value instanceof cls`: by brand when `cls` has one of its own, else by prototype chain. */
function hasInstance(cls: object, value: unknown): boolean {
  if (!Object.prototype.hasOwnProperty.call(cls, BRAND_OF)) return Function.prototype[Symbol.hasInstance].call(cls, value);
  const symbol = (cls as Record<symbol, symbol>)[BRAND_OF]!;
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[symbol] === true;
}

/** Stable codes of the errors defined by the codec. */
export type CodecErrorCode =
  | 'ERR_FTP_LOCAL_PROTOCOL'
  | 'ERR_FTP_REMOTE_PROTOCOL'
  | 'ERR_FTP_SSH_SERVER'
  | 'ERR_FTP_TLS_MODE'
  | 'ERR_FTP_PIPELINING'
  | 'ERR_FTP_REPLY'
  | 'ERR_FTP_INVALID_ARG';

/**
 * Base class of every ftpkit error. The client extends it with its own codes; the transport's
 * errors, which cannot extend it (the transport does not depend on the codec), carry its brand, so
 * `err instanceof FtpError` is true for all of them, from any copy of any ftpkit package.
 *
 * @example
 * ```ts
 * try { await client.download('/pub/file.bin', 'file.bin'); }
 * catch (err) { if (err instanceof FtpError) console.error(err.code); } // ERR_FTP_REPLY, ERR_FTP_CONNECTION, ...
 * ```
 */
export class FtpError extends Error {
  static {
    brand(this, ROOT);
  }

  /**
   * True for any ftpkit error (for a subclass: for any instance of it), including those made by
   * another copy of the package and the transport's errors.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasInstance(this, value);
  }

  /** A stable, machine-readable identifier such as `ERR_FTP_REPLY`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
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
  return hasInstance(FtpError, value);
}

/**
 * The local side asked for something the protocol forbids. Raised synchronously, before any byte
 * is produced.
 *
 * @example
 * ```ts
 * try { encodeCommand('CWD', 'pub\r\nDELE secret.txt'); }
 * catch (err) { if (err instanceof LocalProtocolError) console.log('refused, nothing encoded'); }
 * ```
 */
export class LocalProtocolError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.LocalProtocolError'));
  }

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
  static {
    brand(this, Symbol.for('ftpkit.error.InvalidArgumentError'));
  }

  declare readonly code: 'ERR_FTP_INVALID_ARG';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_INVALID_ARG', message, options);
  }
}

/**
 * The server broke the protocol. The control connection should not be trusted afterwards. Two
 * subclasses name what the server speaks instead, each with a code of its own: {@link SshServerError}
 * and {@link TlsModeError}.
 *
 * @example
 * ```ts
 * try { parser.push(bytes); }
 * catch (err) { if (err instanceof RemoteProtocolError) connection.destroy(); } // a malformed reply
 * ```
 */
export class RemoteProtocolError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.RemoteProtocolError'));
  }

  declare readonly code: 'ERR_FTP_REMOTE_PROTOCOL' | 'ERR_FTP_SSH_SERVER' | 'ERR_FTP_TLS_MODE' | 'ERR_FTP_PIPELINING';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_REMOTE_PROTOCOL', message, options);
  }
}

/**
 * The server broke under a transfer set up ahead (the session's `pipelining` option, `ahead.ts`):
 * while its commands were out behind the running transfer, a reply came that neither transfer can
 * get in that order (a 229 where the running transfer's 226 belongs), or the pipelined EPSV that had
 * worked before was refused. The session is broken, as for any reply out of step; a client drops
 * pipelining for that server and runs the transfers again one by one. A {@link RemoteProtocolError}
 * with a code of its own.
 *
 * @example
 * ```ts
 * const ahead = session.startAhead({ kind: 'transfer', command: 'RETR', path: 'b.bin' });
 * // ... later, when the session fails: if (err instanceof PipeliningError) reconnect without pipelining
 * ```
 */
export class PipeliningError extends RemoteProtocolError {
  static {
    brand(this, Symbol.for('ftpkit.error.PipeliningError'));
  }

  declare readonly code: 'ERR_FTP_PIPELINING';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    (this as { code: string }).code = 'ERR_FTP_PIPELINING';
  }
}

/** The longest part of a banner an error quotes: RFC 4253 §4.2 allows 255 characters. */
const MAX_BANNER = 80;

/**
 * The server greeted with an SSH identification line (`SSH-2.0-OpenSSH_9.6`, RFC 4253 §4.2), not an
 * FTP reply: it is an SSH server, which offers SFTP and SCP, not FTP. ftpkit speaks FTP and FTPS, so
 * the connection ends here. `banner` is that line, cut to 80 characters. A {@link RemoteProtocolError}
 * with a code of its own.
 *
 * @example
 * ```ts
 * try { new ReplyParser().push(new TextEncoder().encode('SSH-2.0-OpenSSH_9.6\r\n')); }
 * catch (err) { if (err instanceof SshServerError) console.error(err.message); } // ... SFTP ... FTP and FTPS
 * ```
 */
export class SshServerError extends RemoteProtocolError {
  static {
    brand(this, Symbol.for('ftpkit.error.SshServerError'));
  }

  declare readonly code: 'ERR_FTP_SSH_SERVER';
  /** The server's SSH identification line, at most 80 characters. */
  readonly banner: string;

  constructor(banner: string) {
    const shown = banner.length > MAX_BANNER ? `${banner.slice(0, MAX_BANNER - 1)}…` : banner;
    super(`The server is an SSH server (${JSON.stringify(shown)}), not an FTP server: it offers SFTP, and ftpkit speaks FTP and FTPS`);
    (this as { code: string }).code = 'ERR_FTP_SSH_SERVER';
    this.banner = shown;
  }
}

/**
 * The server speaks TLS where the connection expected plain text, or plain text where it expected
 * TLS: the port's FTPS mode is not the one asked for. `serverSpeaks` says which:
 * - `'tls'`: a TLS record came where the greeting should have been: the port speaks implicit FTPS
 *   (TLS from the first byte, `ftps://`);
 * - `'plain'`: the server answered a TLS handshake in plain text: the port speaks plain FTP, with
 *   or without explicit FTPS (`AUTH TLS`, `ftpes://`).
 *
 * A {@link RemoteProtocolError} with a code of its own. The codec raises the first (the reply parser
 * sees the record); `@ftpkit/client` the second (its transport sees the failed handshake).
 *
 * @example
 * ```ts
 * try { await Client.connect('ftps://files.example.com'); }
 * catch (err) { if (err instanceof TlsModeError && err.serverSpeaks === 'plain') console.error('try ftpes://'); }
 * ```
 */
export class TlsModeError extends RemoteProtocolError {
  static {
    brand(this, Symbol.for('ftpkit.error.TlsModeError'));
  }

  declare readonly code: 'ERR_FTP_TLS_MODE';
  /** What the server answered in. */
  readonly serverSpeaks: 'tls' | 'plain';

  constructor(serverSpeaks: 'tls' | 'plain', options?: { cause?: unknown }) {
    super(
      serverSpeaks === 'tls'
        ? 'The server answered in TLS where an FTP greeting in plain text was expected: the port speaks implicit FTPS; use ftps://'
        : 'The server answered in plain text, not TLS: the port does not speak implicit FTPS; use explicit FTPS (ftpes://) or plain FTP (ftp://)',
      options,
    );
    (this as { code: string }).code = 'ERR_FTP_TLS_MODE';
    this.serverSpeaks = serverSpeaks;
  }
}

/**
 * The server sent more preliminary replies (1xx) in a row than any command admits, without the
 * final reply: `120 service ready in N minutes` forever instead of a greeting, say. RFC 959 §5.4
 * has one preliminary reply at most (120 before the greeting's 220, 125 or 150 before a transfer's
 * final reply); the session tolerates a few repeats and fails past
 * {@link TooManyPreliminaryRepliesError.LIMIT}, so that a flood of them cannot hold a call forever.
 * It is a {@link RemoteProtocolError} (same code): the connection is closed. `reply` is the last
 * preliminary reply, `command` the command they answered (undefined for the greeting).
 *
 * @example
 * ```ts
 * try { await Client.connect('ftp://busy.example.com'); }
 * catch (err) { if (err instanceof TooManyPreliminaryRepliesError) console.log('never ready:', err.reply.text); }
 * ```
 */
export class TooManyPreliminaryRepliesError extends RemoteProtocolError {
  static {
    brand(this, Symbol.for('ftpkit.error.TooManyPreliminaryRepliesError'));
  }

  /**
   * Preliminary replies taken in a row before the session gives up: one is the protocol, ten leave
   * room for a server that repeats its `120` as a countdown (the login deadline bounds the time).
   */
  static readonly LIMIT = 10;

  /** The last preliminary reply. */
  readonly reply: Reply;
  /** The command they answered, PASS and ACCT redacted; undefined for the greeting. */
  readonly command: string | undefined;

  constructor(reply: Reply, command?: string) {
    const what = command === undefined ? 'instead of a greeting' : `to ${command}`;
    super(`More than ${TooManyPreliminaryRepliesError.LIMIT} preliminary replies ${what}, the last ${reply.code}: ${reply.text}`);
    this.reply = reply;
    this.command = command;
  }
}

/**
 * The server answered with a negative or unexpected reply. `reply` is the full reply; `command` is
 * the command it answered, with the argument of PASS and ACCT redacted.
 *
 * @example
 * ```ts
 * try { await client.remove('/pub/old.txt'); }
 * catch (err) { if (err instanceof FtpReplyError && err.reply.code === 550) console.log('already gone'); }
 * ```
 */
export class FtpReplyError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.FtpReplyError'));
  }

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
export class TlsRefusedError extends FtpReplyError {
  static {
    brand(this, Symbol.for('ftpkit.error.TlsRefusedError'));
  }
}
