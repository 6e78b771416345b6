/**
 * A transport that watches what the diagnosis's connections do, and can keep data connections from
 * resuming the control connection's TLS session.
 *
 * Theory of operation: `diagnose` runs the client's own code (the driver, the data channel) over
 * this wrapper around the real transport, so each probe exercises exactly what a `Client` would do,
 * and the wrapper records, per connection, how far it got: asked for, open (TCP up), TLS done or
 * failed, and with which protocol and whether it resumed a session. That turns a bare timeout into
 * "the data connection never opened" or "it opened, but the server never answered". With
 * `reuseTlsSession: false`, every TLS handshake starts afresh (the session the data channel offers
 * is dropped here), which is how the diagnosis finds out whether a server requires data connections
 * to resume the control connection's session (vsftpd's `require_ssl_reuse`). Nothing is rewritten
 * but that: bytes, options and errors pass through unchanged.
 *
 * @module
 */
import type { Address, Connection, ConnectOptions, Listener, ListenOptions, PeerCertificate, TlsOptions, TlsSession, Transport } from '@ftpkit/transport';

/** One connection the wrapper saw: the first of a probe is its control connection, the rest data. */
export interface Observed {
  /** `connect`: this side connected; `accept`: the server connected to a listener (active mode). */
  readonly role: 'connect' | 'accept';
  /** Where it went: the host and port asked for (connect), or the listener's own address (accept). */
  readonly host: string;
  readonly port: number;
  /** TCP is up (for `accept`, the connection was accepted). */
  open: boolean;
  /** The peer's address once open. */
  remote: Address | undefined;
  /** Where TLS stands: not started, under way, done, or failed. */
  tls: 'none' | 'handshaking' | 'done' | 'failed';
  /** With TLS done: the protocol (`TLSv1.3`) and whether an earlier session was resumed. */
  tlsProtocol: string | undefined;
  resumed: boolean | undefined;
  /** Why connecting (or accepting) failed. */
  error: unknown;
}

/** Options of {@link observe}. */
export interface ObserveOptions {
  /** False: no connection offers a TLS session to resume. Default true. */
  readonly reuseTlsSession?: boolean;
}

/** The clock seam of the driver (driver/clock.ts): carried over, so tests that move time by hand still can. */
const CLOCK_KEY = Symbol.for('ftpkit.clock');

/**
 * `base`, watched: the transport to hand the client, and the list of every connection it made or
 * accepted, in order.
 *
 * @example
 * ```ts
 * const { transport, seen } = observe(nodeTransport, { reuseTlsSession: false });
 * // ... a probe over `transport` ...
 * seen[1]?.tls; // 'failed': the server refused a data connection that did not resume the session
 * ```
 */
export function observe(base: Transport, options: ObserveOptions = {}): { readonly transport: Transport; readonly seen: readonly Observed[] } {
  const reuse = options.reuseTlsSession !== false;
  const seen: Observed[] = [];
  const record = (role: Observed['role'], host: string, port: number): Observed => {
    const entry: Observed = { role, host, port, open: false, remote: undefined, tls: 'none', tlsProtocol: undefined, resumed: undefined, error: undefined };
    seen.push(entry);
    return entry;
  };
  const transport: Transport & { readonly [CLOCK_KEY]?: unknown } = {
    runtime: base.runtime,
    capabilities: base.capabilities,
    ...(CLOCK_KEY in base ? { [CLOCK_KEY]: (base as { readonly [CLOCK_KEY]?: unknown })[CLOCK_KEY] } : {}),
    async connect(connect: ConnectOptions): Promise<Connection> {
      const entry = record('connect', connect.host, connect.port);
      const tls = connect.tls === undefined ? undefined : reuse ? connect.tls : fresh(connect.tls);
      if (tls !== undefined) entry.tls = 'handshaking';
      try {
        const conn = await base.connect(tls === undefined ? connect : { ...connect, tls });
        entry.open = true;
        if (tls !== undefined) settled(entry, conn);
        return new ObservedConnection(conn, entry, reuse);
      } catch (err) {
        entry.error = err;
        if (tls !== undefined) entry.tls = 'failed';
        throw err;
      }
    },
    async listen(listen: ListenOptions): Promise<Listener> {
      const listener = await base.listen(listen);
      return {
        address: listener.address,
        close: () => listener.close(),
        accept: async (accept) => {
          const entry = record('accept', listener.address.host, listener.address.port);
          try {
            const conn = await listener.accept(accept);
            entry.open = true;
            return new ObservedConnection(conn, entry, reuse);
          } catch (err) {
            entry.error = err;
            throw err;
          }
        },
      };
    },
  };
  return { transport, seen };
}

/** TLS options without a session to resume. */
function fresh<T extends TlsOptions>(tls: T): T {
  const { session: _session, ...rest } = tls;
  return rest as T;
}

function settled(entry: Observed, conn: Connection): void {
  entry.tls = 'done';
  entry.tlsProtocol = conn.tls?.protocol;
  entry.resumed = conn.tls?.resumed;
}

/** A connection passed through, with its TLS upgrade watched (and its session dropped when asked). */
class ObservedConnection implements Connection {
  readonly #conn: Connection;
  readonly #entry: Observed;
  readonly #reuse: boolean;
  readonly recycle?: (chunk: Uint8Array) => void;
  readonly setReadAhead?: (bytes: number | undefined) => void;
  readonly stopTls?: NonNullable<Connection['stopTls']>;
  readonly peerCertificate?: () => PeerCertificate | undefined;

  constructor(conn: Connection, entry: Observed, reuse: boolean) {
    this.#conn = conn;
    this.#entry = entry;
    this.#reuse = reuse;
    entry.remote = conn.remoteAddress;
    // The optional parts exist here exactly when they exist on the real connection.
    if (conn.recycle) this.recycle = (chunk) => conn.recycle!(chunk);
    if (conn.setReadAhead) this.setReadAhead = (bytes) => conn.setReadAhead!(bytes);
    if (conn.stopTls) this.stopTls = (options) => conn.stopTls!(options);
    if (conn.peerCertificate) this.peerCertificate = () => conn.peerCertificate!();
  }

  get localAddress(): Address {
    return this.#conn.localAddress;
  }

  get remoteAddress(): Address {
    return this.#conn.remoteAddress;
  }

  get tls() {
    return this.#conn.tls;
  }

  get closed(): Promise<void> {
    return this.#conn.closed;
  }

  tlsSession(): TlsSession | undefined {
    return this.#conn.tlsSession();
  }

  read(): Promise<Uint8Array | null> {
    return this.#conn.read();
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.#conn.write(bytes);
  }

  async startTls(options: Parameters<Connection['startTls']>[0]): Promise<void> {
    this.#entry.tls = 'handshaking';
    try {
      await this.#conn.startTls(this.#reuse ? options : fresh(options));
    } catch (err) {
      this.#entry.tls = 'failed';
      this.#entry.error = err;
      throw err;
    }
    settled(this.#entry, this.#conn);
  }

  end(): Promise<void> {
    return this.#conn.end();
  }

  destroy(error?: Error): void {
    this.#conn.destroy(error);
  }
}
