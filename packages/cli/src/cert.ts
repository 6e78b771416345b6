/**
 * `ftpkit cert URL`: the server's TLS certificate, and the line to pin it with.
 *
 * Theory of operation: the client's `Client.certificate` connects (explicit TLS for `ftp://` and
 * `ftpes://`, implicit for `ftps://`), starts TLS without checking the certificate, and quits, so
 * it works for a self-signed server and never sends a user name or password: the command does not
 * read `~/.netrc` or prompt either. It prints who the certificate names and who signed it, its
 * validity, whether it checks out against the trusted roots (or `--ca`), and `--pinnedpubkey` with
 * the pin of its public key, ready to paste into the next command.
 *
 * @module
 */
import type { Context } from './context.js';
import { UsageError } from './exit-codes.js';
import { parseTarget } from './target.js';

/** Show a server's certificate (see the module comment). */
export async function cert(context: Context): Promise<Record<string, unknown>> {
  if (context.args.length !== 1) throw new UsageError('cert takes one URL');
  const certificate = await context.certificate(parseTarget(context.args[0]!));
  const { subject, issuer, subjectAltName, validFrom, validTo, fingerprint256, pin, trusted, trustError } = certificate;
  const trust = trusted === true ? 'yes' : trusted === false ? `no${trustError === undefined ? '' : ` (${trustError})`}` : 'unknown';
  context.print(`subject:  ${subject}`);
  context.print(`issuer:   ${issuer}${issuer === subject ? ' (self-signed)' : ''}`);
  if (subjectAltName !== undefined) context.print(`names:    ${subjectAltName}`);
  context.print(`valid:    ${validFrom.toISOString()} to ${validTo.toISOString()}`);
  context.print(`sha256:   ${fingerprint256}`);
  context.print(`trusted:  ${trust}`);
  context.print(`--pinnedpubkey ${pin}`);
  return {
    certificate: {
      subject,
      issuer,
      ...(subjectAltName === undefined ? {} : { subjectAltName }),
      validFrom: validFrom.toISOString(),
      validTo: validTo.toISOString(),
      fingerprint256,
      pin,
      trusted,
      ...(trustError === undefined ? {} : { trustError }),
    },
  };
}
