/**
 * Errors raised by the transport adapters.
 *
 * Theory of operation: these are ftpkit errors like the codec's, without this package depending on
 * the codec. They carry the same brands and answer `instanceof` by them, as undici's errors do:
 * every class `X` here puts `Symbol.for('ftpkit.error.X')` on its prototype, every ftpkit error
 * carries the root brand `Symbol.for('ftpkit.error')`, and each class's `static
 * [Symbol.hasInstance]` asks a value for the class's own brand. So `err instanceof FtpError` (from
 * `@ftpkit/codec` or `@ftpkit/client`) is true for a `ConnectionError`, `instanceof` holds across
 * two installed copies of the package, and the transport's {@link InvalidArgumentError} is an
 * instance of the codec's. A subclass's brand is its own, so `instanceof TlsError` is false for a
 * `ConnectionError`. The rule is the codec's (`codec/src/errors.ts`), restated here because the
 * packages do not import each other.
 *
 * Aborts are reported with the signal's own reason (normally a DOMException named `AbortError`).
 *
 * @module
 */

/** Carried by every ftpkit error of every package and version. */
const ROOT = Symbol.for('ftpkit.error');
/** Where a branded class keeps the brand its instances carry (the codec reads the same key). */
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

/**
 * Stable codes of transport errors.
 *
 * @example
 * ```ts
 * if ((err as TransportError).code === 'ERR_FTP_TIMEOUT') retry();
 * ```
 */
export type TransportErrorCode = 'ERR_FTP_CONNECTION' | 'ERR_FTP_TLS' | 'ERR_FTP_TIMEOUT' | ProxyErrorCode;

/**
 * Stable codes of the proxy errors (see {@link ProxyError}).
 *
 * @example
 * ```ts
 * if ((err as ProxyError).code === 'ERR_FTP_PROXY_AUTH') console.error('check the proxy credentials');
 * ```
 */
export type ProxyErrorCode = 'ERR_FTP_PROXY' | 'ERR_FTP_PROXY_REFUSED' | 'ERR_FTP_PROXY_AUTH' | 'ERR_FTP_PROXY_TARGET';

/**
 * Base class of the transport's errors.
 *
 * @example
 * ```ts
 * try { await conn.read(); } catch (err) { if (err instanceof TransportError) console.log(err.code); }
 * ```
 */
export class TransportError extends Error {
  static {
    Object.defineProperty(this.prototype, ROOT, { value: true });
    brand(this, Symbol.for('ftpkit.error.TransportError'));
  }

  /** True for any instance of the class, including those made by another copy of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasInstance(this, value);
  }

  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/**
 * The connection could not be made or broke. `osCode` is the system error code when there is one
 * (`ECONNREFUSED`, `ECONNRESET`, `EPIPE`, ...).
 *
 * @example
 * ```ts
 * try { await transport.connect({ host: '127.0.0.1', port: 1 }); }
 * catch (err) { if (err instanceof ConnectionError) console.log(err.osCode); } // 'ECONNREFUSED'
 * ```
 */
export class ConnectionError extends TransportError {
  static {
    brand(this, Symbol.for('ftpkit.error.ConnectionError'));
  }

  declare readonly code: 'ERR_FTP_CONNECTION';
  readonly osCode: string | undefined;

  constructor(message: string, options?: { cause?: unknown; osCode?: string }) {
    super('ERR_FTP_CONNECTION', message, options);
    this.osCode = options?.osCode;
  }
}

/**
 * What went wrong in a {@link TlsError}, so that advice can fit the failure:
 * - `'certificate'`: the peer's certificate was not accepted (unknown issuer, self-signed, wrong
 *   name, expired). Trusting the right CA may help.
 * - `'not-tls'`: the peer did not answer in TLS: its first bytes are no TLS record (OpenSSL's
 *   "wrong version number"). It speaks something else on that port; no certificate can help.
 * - `'pin'`: the peer's public key is not one of `tls.pin`. `presentedPin` is the pin it has; a
 *   server whose key changed on purpose needs that pin, a changed key nobody announced is a warning.
 * - `'session-reuse'`: the server refused a TLS data connection that did not resume the control
 *   connection's TLS session (vsftpd `require_ssl_reuse`, ProFTPD without `NoSessionReuseRequired`),
 *   and the transport cannot resume sessions (Deno). The server's reply is the `cause`.
 * - `'other'`: anything else (a refused handshake, no common protocol version or cipher, an option
 *   the runtime cannot honour).
 *
 * @example
 * ```ts
 * if (err instanceof TlsError && err.reason === 'certificate') console.error('trust the server\'s CA');
 * ```
 */
export type TlsErrorReason = 'certificate' | 'not-tls' | 'pin' | 'session-reuse' | 'other';

/**
 * The TLS handshake failed or the peer's certificate was not accepted (unknown issuer, wrong name,
 * expired), or a TLS option is one the runtime cannot honour. `reason` says which kind of failure it
 * is; the runtime's own error is the `cause`.
 *
 * @example
 * ```ts
 * try { await control.startTls({ servername: 'ftp.example.com' }); }
 * catch (err) { if (err instanceof TlsError && err.reason === 'certificate') console.error('certificate not trusted:', err.message); }
 * ```
 */
export class TlsError extends TransportError {
  static {
    brand(this, Symbol.for('ftpkit.error.TlsError'));
  }

  declare readonly code: 'ERR_FTP_TLS';
  /** The kind of failure; `'other'` unless the adapter recognised it. */
  readonly reason: TlsErrorReason;
  /**
   * With `reason: 'pin'`: the pin of the key the peer presented (`sha256//...`, the form of
   * `tls.pin`), to compare with the one expected or to pin once it is known to be right.
   */
  readonly presentedPin: string | undefined;
  constructor(message: string, options?: { cause?: unknown; reason?: TlsErrorReason; presentedPin?: string }) {
    super('ERR_FTP_TLS', message, options);
    this.reason = options?.reason ?? 'other';
    this.presentedPin = options?.presentedPin;
  }
}

/**
 * An operation took longer than its timeout.
 *
 * @example
 * ```ts
 * try { await transport.connect({ host, port, timeout: 5000 }); }
 * catch (err) { if (err instanceof TimeoutError) console.error('no answer within 5 s'); }
 * ```
 */
export class TimeoutError extends TransportError {
  static {
    brand(this, Symbol.for('ftpkit.error.TimeoutError'));
  }

  declare readonly code: 'ERR_FTP_TIMEOUT';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_TIMEOUT', message, options);
  }
}

/**
 * A call was given an argument it cannot use (a port outside 0–65535, an empty host). Nothing was
 * allocated or sent. It is the same error as `@ftpkit/codec`'s `InvalidArgumentError`, by brand:
 * `instanceof` either class holds, and the code is `ERR_FTP_INVALID_ARG`. It is not a
 * {@link TransportError}: nothing failed on the network, and retrying cannot help.
 *
 * @example
 * ```ts
 * try { await transport.connect({ host: '127.0.0.1', port: 70000 }); }
 * catch (err) { if (err instanceof InvalidArgumentError) console.error(err.message); } // port must be ...
 * ```
 */
export class InvalidArgumentError extends Error {
  static {
    Object.defineProperty(this.prototype, ROOT, { value: true });
    brand(this, Symbol.for('ftpkit.error.InvalidArgumentError'));
  }

  /** True for any `InvalidArgumentError` of the transport or the codec, from any copy of either. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasInstance(this, value);
  }

  readonly code: 'ERR_FTP_INVALID_ARG' = 'ERR_FTP_INVALID_ARG';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/**
 * The reason to reject with when `signal` aborted: its own reason, or a standard AbortError.
 *
 * @example
 * ```ts
 * if (signal.aborted) throw abortReason(signal);
 * ```
 */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * A connection through a proxy (`withProxy`) failed at the proxy: it could not be reached, or
 * it broke its protocol (a malformed or oversized reply, a close in the middle of the handshake), or
 * what was asked cannot go through a proxy (active mode). `proxy` names it, as
 * `scheme://host:port`: never with its credentials, and never the FTP server, which was not
 * reached. The three failures a proxy reports on purpose have classes of their own:
 * {@link ProxyRefusedError}, {@link ProxyAuthError} and {@link ProxyTargetError}.
 *
 * @example
 * ```ts
 * try { await proxied.connect({ host: 'ftp.example.com', port: 21 }); }
 * catch (err) { if (err instanceof ProxyError) console.error(`the proxy ${err.proxy} failed:`, err.message); }
 * ```
 */
export class ProxyError extends TransportError {
  static {
    brand(this, Symbol.for('ftpkit.error.ProxyError'));
  }

  declare readonly code: ProxyErrorCode;
  /** The proxy, `scheme://host:port`, without credentials. */
  readonly proxy: string;
  /** The system's error code when the proxy could not be reached (`ECONNREFUSED`, ...). */
  readonly osCode: string | undefined;

  constructor(message: string, options: { proxy: string; cause?: unknown; osCode?: string | undefined }) {
    super('ERR_FTP_PROXY', message, options.cause === undefined ? {} : { cause: options.cause });
    this.proxy = options.proxy;
    this.osCode = options.osCode;
  }
}

/**
 * The proxy refused: its port refused the connection (`osCode` `ECONNREFUSED`), or it refused the
 * request by its own rules (SOCKS5 "not allowed by ruleset", SOCKS4 "rejected", HTTP 403 and other
 * 4xx answers but 401 and 407).
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof ProxyRefusedError) console.error(`${err.proxy} will not connect there`); }
 * ```
 */
export class ProxyRefusedError extends ProxyError {
  static {
    brand(this, Symbol.for('ftpkit.error.ProxyRefusedError'));
  }

  // A field, set after ProxyError's constructor: each refusal has a code of its own.
  override readonly code: 'ERR_FTP_PROXY_REFUSED' = 'ERR_FTP_PROXY_REFUSED';
  constructor(message: string, options: { proxy: string; cause?: unknown; osCode?: string | undefined }) {
    super(message, options);
  }
}

/**
 * The proxy wants credentials, or refused the ones given: SOCKS5 offered no method ftpkit may use
 * or failed the username/password check (RFC 1929), SOCKS4 failed the ident check, HTTP answered
 * 407 (or 401, as tinyproxy does to wrong credentials). The credentials are never in the message.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof ProxyAuthError) console.error(`check the user and password of ${err.proxy}`); }
 * ```
 */
export class ProxyAuthError extends ProxyError {
  static {
    brand(this, Symbol.for('ftpkit.error.ProxyAuthError'));
  }

  // A field, set after ProxyError's constructor: each refusal has a code of its own.
  override readonly code: 'ERR_FTP_PROXY_AUTH' = 'ERR_FTP_PROXY_AUTH';
  constructor(message: string, options: { proxy: string; cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The proxy took the request but could not reach the target through its own network: SOCKS5
 * "network unreachable", "host unreachable", "connection refused", "TTL expired" or "general
 * failure"; HTTP 5xx (502, 503, 504, tinyproxy's "500 Unable to connect"). The message names the
 * proxy and its answer. Worth another attempt, like a refused direct connection.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof ProxyTargetError) console.error(`${err.proxy} could not reach the server`); }
 * ```
 */
export class ProxyTargetError extends ProxyError {
  static {
    brand(this, Symbol.for('ftpkit.error.ProxyTargetError'));
  }

  // A field, set after ProxyError's constructor: each refusal has a code of its own.
  override readonly code: 'ERR_FTP_PROXY_TARGET' = 'ERR_FTP_PROXY_TARGET';
  constructor(message: string, options: { proxy: string; cause?: unknown }) {
    super(message, options);
  }
}
