/**
 * How node:net's and node:tls's errors (OpenSSL's under Node, BoringSSL's under Bun) become the
 * transport's: a system error is a `ConnectionError` with its `osCode`; a TLS failure while TLS is
 * being negotiated is a `TlsError` with its kind (a refused certificate, a peer that does not speak
 * TLS, anything else); after the handshake, see {@link mapNetError}.
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

/**
 * The peer's alerts that refuse the handshake, our certificate above all. Under TLS 1.3 the server
 * checks a client certificate after the client's handshake is over (RFC 8446 §4.4.2.4), so its
 * `certificate_required` or `bad_certificate` arrives as the first read fails. OpenSSL and BoringSSL
 * (Bun) name them `..._ALERT_<NAME>`.
 */
const HANDSHAKE_ALERT = /ALERT_(HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_|UNKNOWN_CA|ACCESS_DENIED)|CERTIFICATE_REQUIRED/;

/** What a TLS library said, without OpenSSL's internals. */
function tlsReason(error: unknown, message: string): string {
  // OpenSSL errors carry `reason` ("wrong version number") beside a message full of internals
  // ("80CC...:error:0A00010B:SSL routines:ssl3_get_record:...:../deps/openssl/...:350:").
  const reason = (error as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' && reason !== '' ? reason : message;
}

/** The TLS error a runtime's error stands for: its kind, and a message without OpenSSL's internals. */
function tlsError(error: unknown, code: string | undefined, message: string): TlsError {
  const said = tlsReason(error, message);
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

/**
 * A runtime error as one of ours. `tlsPhase`: it happened while TLS was being negotiated.
 *
 * Only the handshake says whether TLS works with this peer: a failure of the TLS layer after it (a
 * record that does not decrypt, plain text where a record should be, as vsftpd writes its
 * `500 OOPS` once its side of the session failed) is a broken connection, which a new one may cure,
 * so a `ConnectionError`; a `TlsError` is final for a retry. Except the peer's refusal of the
 * handshake itself, which TLS 1.3 can send after it ({@link HANDSHAKE_ALERT}).
 */
export function mapNetError(error: unknown, tlsPhase: boolean): unknown {
  if (error instanceof TransportError || isAbort(error)) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const openssl = typeof (error as { library?: unknown } | null)?.library === 'string';
  if ((code !== undefined && TLS_CODE.test(code)) || openssl) {
    if (tlsPhase || (code !== undefined && HANDSHAKE_ALERT.test(code))) return tlsError(error, code, message);
    return new ConnectionError(`The TLS layer failed after the handshake: ${tlsReason(error, message)}`, { cause: error });
  }
  const syscall = typeof (error as { syscall?: unknown } | null)?.syscall === 'string';
  if ((code !== undefined && /^E[A-Z0-9]+$/.test(code)) || syscall || !tlsPhase) {
    return new ConnectionError(message, { cause: error, ...(code !== undefined ? { osCode: code } : {}) });
  }
  return tlsError(error, code, message);
}
