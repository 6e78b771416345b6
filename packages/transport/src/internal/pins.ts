/**
 * Public-key pins (`TlsOptions.pin`): their one form, read once, and the one error of a mismatch.
 *
 * Theory of operation: a pin is curl's `--pinnedpubkey` hash form, `sha256//` followed by the
 * base64 of the SHA-256 digest of a certificate's DER SubjectPublicKeyInfo (RFC 7469 §2.4 hashes
 * the same bytes). `readPins` turns what a caller wrote (one string, `;`-separated ones, or an
 * array) into a list of pins, or refuses it with an `InvalidArgumentError` before anything is
 * opened; `pinOf` writes a digest in the same form, so a presented pin compares as a string. Which
 * key a connection's peer presented is the adapter's business; whether it passes is decided here.
 *
 * @internal
 * @module
 */
import { InvalidArgumentError, TlsError } from '../errors.js';

const PREFIX = 'sha256//';

/** Standard base64 (RFC 4648 §4) of 32 bytes: 43 characters and one `=`, the last carrying 4 bits. */
const SHA256_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/**
 * The pins of `TlsOptions.pin`, or `undefined` when there are none. Throws `InvalidArgumentError`
 * for anything that is not a `sha256//` pin (a file name, as curl also takes, is one of those).
 */
export function readPins(pin: string | readonly string[] | undefined): readonly string[] | undefined {
  if (pin === undefined) return undefined;
  const given = typeof pin === 'string' ? [pin] : Array.isArray(pin) ? (pin as readonly unknown[]) : [pin as unknown];
  const pins: string[] = [];
  for (const item of given) {
    if (typeof item !== 'string') throw new InvalidArgumentError('tls.pin must be a string or an array of strings');
    for (const part of item.split(';')) {
      const text = part.trim();
      if (text === '') continue;
      if (!text.startsWith(PREFIX) || !SHA256_BASE64.test(text.slice(PREFIX.length))) {
        throw new InvalidArgumentError(
          `tls.pin: ${JSON.stringify(text.slice(0, 60))} is not a public-key pin; write sha256// and the base64 SHA-256 of the key (44 characters)`,
        );
      }
      pins.push(text);
    }
  }
  if (pins.length === 0) throw new InvalidArgumentError('tls.pin is empty: give at least one sha256// pin, or leave it out');
  return Object.freeze(pins);
}

/** A SHA-256 digest of a DER SubjectPublicKeyInfo, as a pin. */
export function pinOf(digest: Uint8Array): string {
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return `${PREFIX}${btoa(binary)}`;
}

/**
 * Undefined when `presented` is one of `pins`, else the error to fail the connection with. A peer
 * whose key could not be read (`undefined`) fails too.
 */
export function pinFailure(pins: readonly string[], presented: string | undefined): TlsError | undefined {
  if (presented !== undefined && pins.includes(presented)) return undefined;
  if (presented === undefined) return new TlsError("The peer's public key could not be read, so tls.pin cannot be checked", { reason: 'pin' });
  return new TlsError(`the server's public key does not match tls.pin: it presented ${presented}`, { reason: 'pin', presentedPin: presented });
}
