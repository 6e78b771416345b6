/**
 * The server side of TLS: the committed test certificate, the secure context, and the wrapping of
 * control and data sockets.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { Socket } from 'node:net';

/** A PEM certificate chain and key, and the CA that signed them. */
export interface TestCertificate {
  /** The test CA's certificate: trust it, and only it, to verify the server. */
  readonly ca: string;
  /** The server's certificate, for `localhost`, `127.0.0.1` and `::1`. */
  readonly cert: string;
  /** The server's private key. It protects nothing: it is published with this package. */
  readonly key: string;
}

/** The certificates are read once, on first use, from the package's `fixtures/tls`. */
const cache: { value?: TestCertificate } = {};

/**
 * The certificate the server presents with `tls: true`: signed by a test CA whose key was thrown
 * away, valid for `localhost`, `127.0.0.1` and `::1` until 2036. Give `ca` to the client under test
 * (never trust it anywhere else).
 *
 * @example
 * ```ts
 * import { testCertificate } from '@ftpkit/test-server';
 * import { connect } from 'node:tls';
 * const socket = connect({ host: '127.0.0.1', port: 990, servername: 'localhost', ca: testCertificate().ca });
 * socket.destroy();
 * ```
 */
export function testCertificate(): TestCertificate {
  if (!cache.value) {
    const read = (name: string): string => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
    cache.value = Object.freeze({ ca: read('ca.pem'), cert: read('server.pem'), key: read('server-key.pem') });
  }
  return cache.value;
}

/** The context every TLS socket of one server shares, so that a data connection can resume the control connection's session. */
export function tlsContext(tls: boolean | { readonly key: string; readonly cert: string } | undefined): SecureContext | undefined {
  if (!tls) return undefined;
  const { key, cert } = tls === true ? testCertificate() : tls;
  return createSecureContext({ key, cert });
}

/** The TCP socket under each server-side TLS socket, for `reset`. */
const tcpUnder = new WeakMap<Socket, Socket>();

/** The TCP socket under `socket` (itself when it is one). */
export function tcpOf(socket: Socket): Socket {
  return tcpUnder.get(socket) ?? socket;
}

/** Wrap `socket` as the TLS server; the client's handshake is read from the next byte on. */
export function serverTls(socket: Socket, secureContext: SecureContext): TLSSocket {
  const wrapped = new TLSSocket(socket, { isServer: true, secureContext });
  tcpUnder.set(wrapped, socket);
  return wrapped;
}

/** Resolves when the server-side handshake is done; rejects if it fails or the socket closes first. */
export function secured(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('secure', () => resolve());
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed during the TLS handshake')));
  });
}
