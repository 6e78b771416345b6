/**
 * The runtime-neutral socket interface every adapter implements.
 *
 * Theory of operation: a {@link Connection} is a pull-based byte stream. `read()` hands out the next
 * chunk the runtime received (or `null` at end of stream), and the adapter stops reading from the
 * socket while unread chunks pile up, so a slow consumer slows the peer down instead of filling
 * memory. `write()` resolves once the runtime has accepted the bytes into a bounded buffer, so a
 * writer that awaits it honours back-pressure. Nothing here throws from an event handler: socket
 * errors become rejected promises of the next `read()`/`write()` and of `closed`.
 *
 * TLS sessions are opaque values that only the adapter that produced them understands. A data
 * connection passes the control connection's latest {@link Connection.tlsSession} to resume it
 * (vsftpd `require_ssl_reuse`, ProFTPD and FileZilla Server insist on it). TLS 1.3 tickets arrive
 * after the handshake, so the session is read when the data connection is opened, not cached early.
 *
 * @module
 */
// Why this file is long: the one interface every adapter implements, each option and capability documented.

/**
 * An IP endpoint. `family` is 4 or 6. A tunnel through a proxy (`withProxy`) reports its target as
 * its `remoteAddress`, as asked: a host name stays a name (the proxy resolved it), with family 4.
 *
 * @example
 * ```ts
 * const { host, port, family } = conn.localAddress; // e.g. '127.0.0.1', 50312, 4
 * ```
 */
export interface Address {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/**
 * TLS versions an adapter can be limited to.
 *
 * @example
 * ```ts
 * const options: TlsOptions = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
 * ```
 */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * A TLS session that can be resumed by another connection of the same adapter. Opaque: treat it as a
 * token.
 *
 * @example
 * ```ts
 * const session = control.tlsSession(); // read it when the data connection is opened
 * const data = await transport.connect({ host, port, tls: { servername, session } });
 * ```
 */
export interface TlsSession {
  /** The adapter that made it; another adapter ignores it. */
  readonly runtime: RuntimeName;
  /** @internal The runtime's own session value. */
  readonly value: unknown;
}

/**
 * Options for TLS on connect or on upgrade. Certificate and hostname checks are on by default.
 *
 * Adapters refuse (with a `TlsError`) options their runtime cannot honour instead of ignoring them;
 * see {@link Capabilities}.
 *
 * @example
 * ```ts
 * const options: TlsOptions = { servername: 'ftp.example.com', ca: [myCaPem], minVersion: 'TLSv1.2' };
 * ```
 */
export interface TlsOptions {
  /** Name for SNI and certificate verification. Default: the host, when it is a name. */
  readonly servername?: string;
  /** Trusted CA certificates in PEM, replacing the runtime's defaults. */
  readonly ca?: string | readonly string[];
  /** Verify the certificate chain and name. Default true. Turning it off is insecure. */
  readonly rejectUnauthorized?: boolean;
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  /** Client certificate and key in PEM. */
  readonly cert?: string;
  readonly key?: string;
  /**
   * Resume this session (from the control connection). A session made by another adapter is ignored,
   * and so is any session on an adapter without {@link Capabilities.sessionReuse}.
   */
  readonly session?: TlsSession | undefined;
  /**
   * Accept the peer only if the SHA-256 of its certificate's public key (the DER
   * SubjectPublicKeyInfo) is one of these, in curl's `--pinnedpubkey` form: `sha256//` and the
   * base64 of the digest. Several may be given as an array, or in one string separated by `;`.
   *
   * A pin replaces the certificate checks: a match is accepted whoever signed the certificate (a
   * self-signed one too) and whatever names it carries, and a mismatch is a {@link TlsError} with
   * `reason: 'pin'` that names the pin the peer presented, before a byte is sent or received. This
   * is what curl does with `--insecure --pinnedpubkey`; curl without `--insecure` requires the chain
   * and the name as well. A connection that resumes a session is held to the pin of the handshake
   * that made the session. A string that is not a pin is an `InvalidArgumentError` from `connect`
   * or `startTls`. Adapters without {@link Capabilities.peerCertificate} (Deno) refuse the option
   * with a `TlsError`.
   *
   * @example
   * ```ts
   * const options: TlsOptions = { pin: 'sha256//PfgyngQ129jxOe3M+sl0xEj3+M1TPQHZuQ2rXAHEXac=' };
   * ```
   */
  readonly pin?: string | readonly string[] | undefined;
  /**
   * Run TLS so that {@link Connection.stopTls} can end it later and leave the TCP connection in
   * plain text (FTP's `CCC`, RFC 4217 §5). Only for a control connection: on Node and Bun the TLS
   * layer then reaches the socket through a stream of its own, which costs throughput. Adapters
   * without {@link Capabilities.stopTls} (Deno) refuse it with a `TlsError`.
   */
  readonly stoppable?: boolean | undefined;
}

/**
 * Options of {@link Transport.connect}.
 *
 * @example
 * ```ts
 * const options: ConnectOptions = { host: 'ftp.example.com', port: 990, tls: {}, timeout: 10_000, signal };
 * ```
 */
export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /**
   * The local IP address to connect from (an IPv4 or IPv6 literal): which interface, or which of a
   * host's addresses, the peer sees. Default: the system's choice. Adapters without
   * {@link Capabilities.localAddress} (Deno) refuse it with an `InvalidArgumentError`.
   */
  readonly localAddress?: string | undefined;
  /**
   * When `host` is a name, connect to its IPv4 (4) or its IPv6 (6) addresses only. Default: either,
   * as the system resolves it. With `localAddress` and no `family`, the local address's family is
   * used. An IP literal of the other family is an `InvalidArgumentError`.
   */
  readonly family?: 4 | 6 | undefined;
  /** Connect with TLS right away (implicit FTPS, protected data connections). */
  readonly tls?: TlsOptions;
  /** Give up connecting (and TLS handshaking) after this many milliseconds. */
  readonly timeout?: number | undefined;
  /**
   * Give up connecting (and TLS handshaking) when this aborts; the promise rejects with the signal's
   * reason. It covers the connect only: aborting later does not touch the connection.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Options of {@link Transport.listen}.
 *
 * @example
 * ```ts
 * const listener = await transport.listen({ host: control.localAddress.host, port: 0 });
 * ```
 */
export interface ListenOptions {
  /** Local address to bind, normally the control connection's local address. */
  readonly host: string;
  /** Default 0: any free port. */
  readonly port?: number | undefined;
  /** Closes the listener when it aborts (pending `accept()` calls reject with the reason). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * What the TLS layer of a connection reports.
 *
 * @example
 * ```ts
 * if (data.tls?.resumed === false) console.warn('the server did a full handshake');
 * ```
 */
export interface TlsInfo {
  /** `'TLSv1.3'`, `'TLSv1.2'`, ...; `undefined` when the runtime does not say. */
  readonly protocol: string | undefined;
  /** True when this connection resumed an earlier session. `undefined` when the runtime cannot tell. */
  readonly resumed: boolean | undefined;
}

/**
 * A TLS peer's certificate, as {@link Connection.peerCertificate} reports it.
 *
 * @example
 * ```ts
 * const cert = conn.peerCertificate?.();
 * if (cert) console.log(`${cert.subject}, valid until ${cert.validTo.toISOString()}\n--pinnedpubkey ${cert.pin}`);
 * ```
 */
export interface PeerCertificate {
  /** The subject's distinguished name, one `KEY=value` per part, joined by `, `: `O=ftpkit, CN=localhost`. */
  readonly subject: string;
  /** The issuer's distinguished name, in the same form. Equal to `subject` for a self-signed certificate. */
  readonly issuer: string;
  /** The names it is valid for (`DNS:localhost, IP Address:127.0.0.1`), or `undefined` when it has none. */
  readonly subjectAltName: string | undefined;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** The SHA-256 fingerprint of the whole certificate, as colon-separated hex. */
  readonly fingerprint256: string;
  /** The pin of its public key, in {@link TlsOptions.pin}'s form (`sha256//` and base64). */
  readonly pin: string;
  /**
   * Whether the chain and the name checked out against the trusted roots (`ca`), whatever
   * `rejectUnauthorized` and `pin` made of it. `undefined` where the runtime does not say.
   */
  readonly trusted: boolean | undefined;
  /** Why it is not trusted (OpenSSL's code, `SELF_SIGNED_CERT_IN_CHAIN`, `ERR_TLS_CERT_ALTNAME_INVALID`...). */
  readonly trustError: string | undefined;
}

/**
 * One TCP (or TLS over TCP) connection.
 *
 * When the peer finishes sending, the connection finishes our side too once queued writes are out
 * (no half-open from the peer's side), so a connection read to the end is released by itself.
 * After `end()` the peer's remaining data can still be read.
 *
 * @example
 * ```ts
 * const conn = await transport.connect({ host: '127.0.0.1', port: 21 });
 * await conn.write(new TextEncoder().encode('QUIT\r\n'));
 * for (let chunk; (chunk = await conn.read()) !== null; ) handle(chunk);
 * await conn.closed;
 * ```
 */
export interface Connection {
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  /** Present once TLS is active. */
  readonly tls: TlsInfo | undefined;
  /**
   * The newest resumable TLS session, or `undefined` (no TLS, no ticket yet, or the runtime cannot
   * export sessions: see {@link Capabilities.sessionReuse}).
   */
  tlsSession(): TlsSession | undefined;
  /**
   * Next chunk, or `null` at end of stream. Rejects with a `TransportError` on failure, and after
   * `destroy()` (never a `null` that could pass for a complete stream). Chunks are handed out without
   * copying where the runtime allows; the caller owns them.
   */
  read(): Promise<Uint8Array | null>;
  /**
   * Optional: the caller is finished with `chunk`, one that `read()` returned, and will never touch
   * it again, so the adapter may fill its memory with later reads. A file download that recycles
   * every chunk once written runs on a few reused buffers instead of leaving garbage at network
   * speed. Recycling a chunk twice, or using it afterwards, corrupts data; adapters that do not
   * pool memory ignore it.
   *
   * @example
   * ```ts
   * const chunk = await conn.read();
   * if (chunk !== null) {
   *   await file.write(chunk);
   *   conn.recycle?.(chunk);
   * }
   * ```
   */
  recycle?(chunk: Uint8Array): void;
  /**
   * Optional: how many unread bytes the adapter may buffer before it stops reading the socket, and
   * (where it picks the size of its reads) the most one chunk carries; `undefined` restores its
   * defaults. An adapter that reads ahead (node:net, under Node and Bun, buffers up to 4 MiB, and
   * Node reads up to 2 MiB at once) keeps a reader that is slow on purpose, such as a bandwidth
   * limit, from slowing the peer down until that much has piled up; with a small read-ahead, TCP
   * flow control holds the peer back within about that many bytes plus the kernel's buffers.
   * Adapters that read only when asked (Deno's) have nothing to bound and leave it out.
   *
   * @example
   * ```ts
   * conn.setReadAhead?.(64 * 1024); // a paced download: hold the server back within about 64 KiB
   * ```
   */
  setReadAhead?(bytes: number | undefined): void;
  /**
   * Queue bytes for sending; resolves when the runtime has room for more. The caller must not modify
   * `bytes` until the promise settles, and afterwards only where `capabilities.writeSettlesWhenSent`
   * is true: node:net (Node and Bun) may settle a small write while its queue still refers to them.
   */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Upgrade to TLS in the client role (AUTH TLS, or an accepted active-mode data connection). Call it
   * with no `read()` pending. Bytes received before the upgrade and not yet read are discarded: they
   * were plaintext and must not pass for protected data (CVE-2021-22947).
   */
  startTls(
    options: TlsOptions & { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined },
  ): Promise<void>;
  /**
   * Optional: end TLS and go on in plain text over the same TCP connection (FTP's `CCC`, RFC 4217
   * §5): send close_notify, wait for the peer's, and resolve once reads and writes are plain.
   * Only on a connection whose TLS was started with `stoppable` (else a `TlsError`), with no `read()`
   * pending. `tlsSession()` keeps the last session, so data connections can still resume it; `tls`
   * becomes undefined. Adapters without {@link Capabilities.stopTls} leave it out.
   *
   * @example
   * ```ts
   * await control.startTls({ servername: 'ftp.example.com', stoppable: true });
   * // ... log in, send "CCC", read "200" ...
   * await control.stopTls?.({ timeout: 10_000 });
   * ```
   */
  stopTls?(options?: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined }): Promise<void>;
  /**
   * Optional: the certificate the TLS peer presented, and its pin; `undefined` without TLS. A
   * connection that resumed a session reports the certificate of the handshake that made it.
   * Adapters without {@link Capabilities.peerCertificate} (Deno) leave it out.
   *
   * @example
   * ```ts
   * console.log(conn.peerCertificate?.()?.pin); // 'sha256//PfgyngQ129jxOe3M+sl0xEj3+M1TPQHZuQ2rXAHEXac='
   * ```
   */
  peerCertificate?(): PeerCertificate | undefined;
  /** Send everything queued, then half-close the sending side (TCP FIN / TLS close_notify). */
  end(): Promise<void>;
  /**
   * Tear the connection down now and release its socket. Pending and later reads and writes reject
   * with `error`, or with a `ConnectionError` when none is given.
   */
  destroy(error?: Error): void;
  /**
   * Settles when the connection is fully closed and its socket released (rejects if it died with an
   * error, or was destroyed with one). Not watching it is fine: its rejection is never unhandled.
   */
  readonly closed: Promise<void>;
}

/**
 * A listener for one inbound connection (active-mode FTP).
 *
 * @example
 * ```ts
 * const listener = await transport.listen({ host: control.localAddress.host });
 * // send EPRT/PORT with listener.address, then the transfer command, then:
 * const data = await listener.accept({ timeout: 10_000 });
 * listener.close(); // the accepted connection stays open
 * ```
 */
export interface Listener {
  readonly address: Address;
  /** Accept the next connection. A timeout or abort fails this call only; the listener stays open. */
  accept(options?: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined }): Promise<Connection>;
  /** Stop listening. Connections not yet accepted are closed; accepted ones are not touched. */
  close(): void;
}

/**
 * Runtimes with an adapter.
 *
 * @example
 * ```ts
 * if (transport.runtime === 'deno') console.log('running on Deno');
 * ```
 */
export type RuntimeName = 'node' | 'deno' | 'bun' | 'workers';

/**
 * What an adapter can do, measured per runtime (see the package README).
 *
 * @example
 * ```ts
 * if (!transport.capabilities.sessionReuse) console.warn('data connections cannot resume the TLS session');
 * ```
 */
export interface Capabilities {
  /** TLS sessions can be exported from one connection and resumed by another. */
  readonly sessionReuse: boolean;
  /** `TlsInfo.resumed` is reported. */
  readonly reportsResumption: boolean;
  /** Client certificates are supported, on `connect({ tls })` and on `startTls`. */
  readonly clientCertificates: boolean;
  /** `minVersion` and `maxVersion` are honoured. */
  readonly tlsVersionLimits: boolean;
  /**
   * A `write()` settles only once the runtime is done with the bytes (the kernel, or the TLS
   * library, has them), so the caller may refill the buffer then. Where this is false or absent
   * (node:net on Node and Bun), a write may settle while its bytes still wait in a queue that
   * refers to the caller's buffer.
   */
  readonly writeSettlesWhenSent?: boolean;
  /**
   * The peer's certificate can be read: {@link TlsOptions.pin} is honoured and
   * {@link Connection.peerCertificate} answers. Absent or false: `pin` is refused.
   */
  readonly peerCertificate?: boolean;
  /** TLS can be ended on a connection that goes on in plain text ({@link Connection.stopTls}, `stoppable`). */
  readonly stopTls?: boolean;
  /** {@link ConnectOptions.localAddress} is honoured. Absent or false: it is refused. */
  readonly localAddress?: boolean;
  /**
   * `listen()` can accept inbound connections (active-mode FTP). Absent means it can; false on
   * Cloudflare Workers, which cannot listen, where `listen()` rejects.
   */
  readonly listen?: boolean;
  /**
   * The most connections that may be open at once in one unit of work, where the runtime sets such
   * a limit: 6 per request on Cloudflare Workers, where more wait in a queue until one closes.
   * Absent: no limit the adapter knows of.
   */
  readonly maxConnections?: number;
  /**
   * The runtime resumes TLS sessions by itself, keyed by host name: a new TLS connection to a host
   * resumes a session that an earlier connection to that host left, whichever connection it was.
   * Sessions cannot be exported or given (`tlsSession()` is `undefined`, `session` is ignored), so
   * {@link Capabilities.sessionReuse} is false. Cloudflare Workers.
   */
  readonly sessionReuseByHost?: boolean;
}

/**
 * A runtime adapter.
 *
 * @example
 * ```ts
 * import { transport } from '@ftpkit/transport'; // the adapter of the runtime you are on
 * const conn = await transport.connect({ host: 'ftp.example.com', port: 21 });
 * ```
 */
export interface Transport {
  readonly runtime: RuntimeName;
  readonly capabilities: Capabilities;
  connect(options: ConnectOptions): Promise<Connection>;
  listen(options: ListenOptions): Promise<Listener>;
}
