/**
 * Errors raised by the transport adapters.
 *
 * They carry the same brand as `@ftpkit/codec`'s errors (`Symbol.for('ftpkit.error')`), so a
 * program can test any ftpkit error with one check, without this package depending on the codec.
 * Aborts are reported with the signal's own reason (normally a DOMException named `AbortError`).
 *
 * @module
 */

const brand = Symbol.for('ftpkit.error');

/**
 * Stable codes of transport errors.
 *
 * @example
 * ```ts
 * if ((err as TransportError).code === 'ERR_FTP_TIMEOUT') retry();
 * ```
 */
export type TransportErrorCode = 'ERR_FTP_CONNECTION' | 'ERR_FTP_TLS' | 'ERR_FTP_TIMEOUT';

/**
 * Base class of the transport's errors.
 *
 * @example
 * ```ts
 * try { await conn.read(); } catch (err) { if (err instanceof TransportError) console.log(err.code); }
 * ```
 */
export class TransportError extends Error {
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
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
  declare readonly code: 'ERR_FTP_CONNECTION';
  readonly osCode: string | undefined;

  constructor(message: string, options?: { cause?: unknown; osCode?: string }) {
    super('ERR_FTP_CONNECTION', message, options);
    this.osCode = options?.osCode;
  }
}

/**
 * The TLS handshake failed or the peer's certificate was not accepted (unknown issuer, wrong name,
 * expired), or a TLS option is one the runtime cannot honour.
 *
 * @example
 * ```ts
 * try { await control.startTls({ servername: 'ftp.example.com' }); }
 * catch (err) { if (err instanceof TlsError) console.error('certificate not trusted:', err.message); }
 * ```
 */
export class TlsError extends TransportError {
  declare readonly code: 'ERR_FTP_TLS';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_TLS', message, options);
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
  declare readonly code: 'ERR_FTP_TIMEOUT';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FTP_TIMEOUT', message, options);
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
