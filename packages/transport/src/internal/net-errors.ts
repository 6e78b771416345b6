/**
 * How a node:net / node:tls error (Node's or Bun's) becomes one of the transport's: a TLS failure
 * and its kind, or a connection failure with the system's code.
 *
 * @internal
 * @module
 */
import { ConnectionError, TlsError, TransportError } from '../errors.js';

/** OpenSSL verification codes and Node's TLS error codes. */
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED)/;
/** Of those, the ones that refuse the peer's certificate (OpenSSL's X509_V_ERR_* names, Node's name check). */
const CERTIFICATE_CODE = /^(UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|ERR_TLS_CERT_)/;
/**
 * The peer's first bytes are no TLS record: OpenSSL reads the version field of a record header out
 * of plain text (`220 ...` from an FTP server, `SSH-2.0` from an SSH server) and stops there. Codes
 * as Node names them; the reason text as OpenSSL and BoringSSL (Bun) print it.
 */
const NOT_TLS = /WRONG_VERSION_NUMBER|wrong version number|PACKET_LENGTH_TOO_LONG|packet length too long|HTTP_REQUEST|http request/;

/** The TLS error a runtime's error stands for: its kind, and a message without OpenSSL's internals. */
function tlsError(error: unknown, code: string | undefined, message: string): TlsError {
  // OpenSSL errors carry `reason` ("wrong version number") beside a message full of internals
  // ("80CC...:error:0A00010B:SSL routines:ssl3_get_record:...:../deps/openssl/...:350:").
  const reason = (error as { reason?: unknown } | null)?.reason;
  const said = typeof reason === 'string' && reason !== '' ? reason : message;
  if (code !== undefined && CERTIFICATE_CODE.test(code)) return new TlsError(message, { cause: error, reason: 'certificate' });
  if (NOT_TLS.test(`${code ?? ''} ${said}`)) return new TlsError(`the peer did not answer in TLS (${said})`, { cause: error, reason: 'not-tls' });
  return new TlsError(said, { cause: error });
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isAbort(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

/** A runtime error as one of ours. `tlsPhase`: it happened while TLS was being negotiated. */
export function mapNetError(error: unknown, tlsPhase: boolean): unknown {
  if (error instanceof TransportError || isAbort(error)) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const openssl = typeof (error as { library?: unknown } | null)?.library === 'string';
  if ((code !== undefined && TLS_CODE.test(code)) || openssl) return tlsError(error, code, message);
  const syscall = typeof (error as { syscall?: unknown } | null)?.syscall === 'string';
  if ((code !== undefined && /^E[A-Z0-9]+$/.test(code)) || syscall || !tlsPhase) {
    return new ConnectionError(message, { cause: error, ...(code !== undefined ? { osCode: code } : {}) });
  }
  return tlsError(error, code, message);
}
