/**
 * TLS for the `node:net` / `node:tls` implementation: Node's TLS options from ours, and what a TLS
 * connection hands on to the connections that resume its sessions.
 *
 * Theory of operation: a `TlsSession` this adapter exports carries the ticket from Node's `session`
 * event and the {@link SessionOrigin} of the connection it came from. A data connection given that
 * session resumes it, offers the key-exchange group the control connection's handshake settled on
 * first, and shares its secure context. A session from another runtime's adapter, or a copy of this
 * one, is only used for its ticket, or ignored.
 *
 * @internal
 * @module
 */
import type { Buffer } from 'node:buffer';
import { createHash, type X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { PeerCertificate, RuntimeName, TlsOptions, TlsSession } from '../types.js';
import { TcpBridge } from './net-bridge.js';
import { pinOf } from './pins.js';

/**
 * Key-exchange groups by the name `getEphemeralKeyInfo()` gives them, as both OpenSSL (Node) and
 * BoringSSL (Bun) take them in a groups list. Any other group (X448, FFDHE, a post-quantum hybrid)
 * gives no hint, and the runtime's default list is used.
 */
const GROUPS: Readonly<Record<string, string>> = {
  X25519: 'X25519',
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** The options a secure context is built from; the rest of {@link TlsOptions} is per connection. */
type ContextOptions = Pick<tls.SecureContextOptions, 'ca' | 'cert' | 'key' | 'minVersion' | 'maxVersion'>;

function sameContextOptions(a: ContextOptions, b: ContextOptions): boolean {
  const sameCa =
    a.ca === b.ca ||
    (Array.isArray(a.ca) && Array.isArray(b.ca) && a.ca.length === b.ca.length && a.ca.every((pem, i) => pem === (b.ca as unknown[])[i]));
  return sameCa && a.cert === b.cert && a.key === b.key && a.minVersion === b.minVersion && a.maxVersion === b.maxVersion;
}

/**
 * What a TLS connection hands on to the connections that resume its sessions (an FTPS control
 * connection to its data connections), besides the session itself:
 *
 * - The key-exchange group its handshake settled on, offered first. An OpenSSL client sends a key
 *   share for its first group only (X25519); a server that takes another answers each ClientHello
 *   with a HelloRetryRequest, one more round trip per data connection. vsftpd 3.0.3 as Debian
 *   ships it takes P-256 only (measured with `openssl s_client -groups`); offering the control
 *   connection's group first took a 4 KiB FTPS download there from 3.9 to 3.3 ms on Node (loopback).
 * - One secure context for all of them. `tls.connect` otherwise builds a context per connection,
 *   parsing the CA and key again: about 0.3 ms of the 1 ms that a data connection's `tls.connect`
 *   took on Node, before its first byte could go out.
 */
export class SessionOrigin {
  /**
   * The certificate of the handshake that made the sessions. Node reports none on a connection that
   * resumed one (Bun does), so a resuming connection's peer, and its pin, are taken from here.
   */
  peer: PeerRecord | undefined;
  /** The groups list for resuming connections, or undefined for the runtime's default. */
  #groups: string | undefined;
  #context: tls.SecureContext | undefined;
  #contextOptions: ContextOptions = {};

  /** The shared context for `options`; a connection with other context options gets its own. */
  contextFor(options: ContextOptions): tls.SecureContext {
    if (this.#context !== undefined && sameContextOptions(this.#contextOptions, options)) return this.#context;
    const { ca, cert, key, minVersion, maxVersion } = options;
    const own: ContextOptions = { ca, cert, key, minVersion, maxVersion };
    let context: tls.SecureContext;
    try {
      context = tls.createSecureContext(this.#groups === undefined ? own : { ...own, ecdhCurve: this.#groups });
    } catch {
      // A runtime that does not know a group name: fall back to its defaults (and fail there on bad PEM).
      context = tls.createSecureContext(own);
    }
    this.#context = context;
    this.#contextOptions = own;
    return context;
  }

  /** Record the group a finished handshake used. */
  settled(socket: tls.TLSSocket): void {
    const info = socket.getEphemeralKeyInfo?.();
    const first = info !== null && info !== undefined && 'name' in info ? GROUPS[String(info.name)] : undefined;
    if (first === undefined) return;
    const groups = [first, ...Object.values(GROUPS).filter((group) => group !== first)].join(':');
    if (groups === this.#groups) return;
    this.#groups = groups;
    this.#context = undefined;
  }
}

/** This adapter's `TlsSession.value`. */
export interface ResumableSession {
  readonly ticket: Buffer;
  readonly origin: SessionOrigin;
}

/** The origin of a session this copy of the adapter made, if `session` is one. */
export function originOf(runtime: RuntimeName, session: TlsSession | undefined): SessionOrigin | undefined {
  return resumable(runtime, session).origin;
}

/** The ticket, and the origin where the session comes from this copy of the adapter. */
function resumable(runtime: RuntimeName, session: TlsSession | undefined): Partial<ResumableSession> {
  if (session === undefined || session.runtime !== runtime) return {};
  const value = session.value as Partial<ResumableSession> | null;
  if (!(value?.ticket instanceof Uint8Array)) return {};
  return value.origin instanceof SessionOrigin ? value : { ticket: value.ticket };
}

/**
 * Node's TLS options from ours. The certificate is checked against `servername`, else `host`. A
 * `servername` that is an IP address is checked (against the certificate's IP addresses) but not
 * sent: a tunnel through a proxy names its target that way, since `host` is the proxy's.
 */
function tlsOptions(runtime: RuntimeName, options: TlsOptions, host: string): tls.ConnectionOptions {
  // RFC 6066 §3: SNI carries names only, never an IP address; Node then checks against `host`.
  const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
  const out: tls.ConnectionOptions = {
    host: options.servername ?? host,
    // With a pin, the pin alone decides, once the handshake is done (see TlsOptions.pin).
    rejectUnauthorized: options.pin === undefined && (options.rejectUnauthorized ?? true),
  };
  if (servername !== undefined && net.isIP(servername) === 0) out.servername = servername;
  if (options.ca !== undefined) out.ca = typeof options.ca === 'string' ? options.ca : [...options.ca];
  if (options.minVersion !== undefined) out.minVersion = options.minVersion;
  if (options.maxVersion !== undefined) out.maxVersion = options.maxVersion;
  if (options.cert !== undefined) out.cert = options.cert;
  if (options.key !== undefined) out.key = options.key;
  const { ticket, origin } = resumable(runtime, options.session);
  if (ticket !== undefined) out.session = ticket;
  if (origin !== undefined) out.secureContext = origin.contextFor(out);
  return out;
}

/**
 * A TLS client socket over `target` (a connected plain socket, or a port to connect to), with
 * Nagle's algorithm off. A TLS write that follows a small unacknowledged one would otherwise wait
 * for the peer's delayed ACK (RFC 896 and RFC 1122 §4.2.3.2; at least 40 ms on Linux): Deno's TLS,
 * which writes the second ClientHello after a HelloRetryRequest in two parts, measured 47 ms per
 * FTPS data connection that way. Bun's sockets have TCP_NODELAY on already; curl sets it too.
 */
export function connectTls(runtime: RuntimeName, options: TlsOptions, host: string, target: { socket: net.Socket }): { socket: tls.TLSSocket; bridge: TcpBridge | undefined } {
  // `stoppable`: the TLS layer reaches the TCP socket through a stream of ours, which can let go of
  // it (Connection.stopTls). Without it, Node's TLS takes the TCP socket's handle for good.
  const bridge = options.stoppable === true ? new TcpBridge(target.socket) : undefined;
  const socket = tls.connect({ ...tlsOptions(runtime, options, host), ...(bridge ? { socket: bridge, allowHalfOpen: true } : target) });
  (bridge ? target.socket : socket).setNoDelay(true);
  return { socket, bridge };
}

/** What a finished handshake tells of the peer's certificate; read from the session's origin when Node has none. */
export interface PeerRecord {
  readonly x509: X509Certificate;
  readonly trusted: boolean | undefined;
  readonly trustError: string | undefined;
  /** Its pin, once asked for. */
  pin?: string;
  /** Its description, once asked for. */
  described?: PeerCertificate;
}

/**
 * The peer certificate of a finished handshake, or `resumedFrom`'s when this one resumed a session
 * and the runtime has none for it (Node). `undefined` when neither says.
 */
export function peerOf(socket: tls.TLSSocket, resumedFrom: SessionOrigin | undefined): PeerRecord | undefined {
  const x509 = socket.getPeerX509Certificate?.();
  if (x509 === undefined) return socket.isSessionReused() ? resumedFrom?.peer : undefined;
  const error = socket.authorizationError as unknown;
  return { x509, trusted: socket.authorized, trustError: error === undefined || error === null ? undefined : String((error as { code?: unknown }).code ?? error) };
}

/** The pin of the peer's public key: SHA-256 over its DER SubjectPublicKeyInfo. */
export function pinOfPeer(peer: PeerRecord): string {
  peer.pin ??= pinOf(createHash('sha256').update(peer.x509.publicKey.export({ type: 'spki', format: 'der' })).digest());
  return peer.pin;
}

/** `O=ftpkit\nCN=localhost` (Node's form) as `O=ftpkit, CN=localhost`. */
function distinguishedName(text: string): string {
  return text.split('\n').filter((part) => part !== '').join(', ');
}

/** The public description of a peer certificate. */
export function describePeer(peer: PeerRecord): PeerCertificate {
  const { x509 } = peer;
  peer.described ??= Object.freeze({
    subject: distinguishedName(x509.subject),
    issuer: distinguishedName(x509.issuer),
    subjectAltName: x509.subjectAltName ?? undefined,
    validFrom: new Date(x509.validFrom),
    validTo: new Date(x509.validTo),
    fingerprint256: x509.fingerprint256,
    pin: pinOfPeer(peer),
    trusted: peer.trusted,
    trustError: peer.trustError,
  });
  return peer.described;
}
