/**
 * The Deno implementation behind `@ftpkit/transport/deno`: `Deno.connect`, `Deno.startTls`,
 * `Deno.connectTls` and `Deno.listen`.
 *
 * Theory of operation: Deno's sockets are pull-based already, so `read()` is one `conn.read()` into
 * the free part of a 256 KiB slab, handed out as a view (no copy), or copied out when only a few
 * bytes came (a control reply should not pin a slab). Nothing is read ahead, so back-pressure is
 * TCP's own: unread data stays in the kernel. Writes are chained so that concurrent `write()` calls
 * keep their order, and each resolves when the kernel took all its bytes.
 *
 * What Deno cannot do is refused rather than ignored (see `deno.ts` for the list): a TLS option it
 * cannot honour is a {@link TlsError} before anything is sent.
 *
 * Every TCP conn gets TCP_NODELAY before anything is written on it (Deno leaves Nagle's algorithm
 * on). Deno's rustls writes the ChangeCipherSpec and the second ClientHello after a server's
 * HelloRetryRequest as two writes; with Nagle the second waited for the server's delayed ACK, 40 ms
 * and more (strace: vsftpd 3.0.3 blocked 43 ms reading it). vsftpd as Debian ships it asks for P-256
 * on every handshake, so each FTPS data connection cost about 47 ms and a 4 KiB file took 21 per
 * second; with TCP_NODELAY it took about 400. A `Deno.connectTls` conn (the client-certificate path)
 * has no `setNoDelay`, so it keeps Nagle.
 *
 * A TLS peer that closes without close_notify ends the stream (`null`) rather than failing it
 * (rustls reports `UnexpectedEof`): FTP servers commonly close data connections that way, and the
 * 226 reply is what confirms a transfer.
 *
 * A TLS handshake that times out or is aborted rejects as it should, but Deno 2.9 leaves the TCP
 * socket open until the peer closes it (measured: closing a `TlsConn` whose handshake is pending
 * interrupts the handshake and does not close the socket). Nothing in JavaScript can release it.
 *
 * @internal
 * @module
 */
// Why this file is long: one Connection class over Deno's conns, with its connect and listen.
import { ConnectionError, InvalidArgumentError, TlsError, TransportError, type TlsErrorReason } from '../errors.js';
import type {
  Address,
  Capabilities,
  Connection,
  ConnectOptions,
  Listener,
  ListenOptions,
  TlsInfo,
  TlsOptions,
  TlsSession,
  Transport,
} from '../types.js';
import { AcceptQueue } from './accept-queue.js';
import {
  type AcceptOptions,
  type StartTlsOptions,
  NO_ADDRESS,
  addressOf as address,
  checkEndpoint,
  closedPromise,
  destroyedError,
  listenEndpoint,
  literalFamily,
  wantedFamily,
} from './common.js';
import { Deadline } from './deadline.js';
import { readPins } from './pins.js';
import { SlabPool, SlabShelf } from './slab-pool.js';

// Just the parts of Deno's API used here, so the package builds without Deno's types.
interface DenoNetAddr {
  readonly hostname: string;
  readonly port: number;
}
interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  readonly localAddr: DenoNetAddr;
  readonly remoteAddr: DenoNetAddr;
}
interface DenoTcpConn extends DenoConn {
  setNoDelay(noDelay?: boolean): void;
}
interface DenoTlsConn extends DenoConn {
  handshake(): Promise<unknown>;
}
interface DenoListener {
  accept(): Promise<DenoTcpConn>;
  close(): void;
  readonly addr: DenoNetAddr;
}
interface DenoTlsClientOptions {
  hostname: string;
  caCerts?: string[];
}
interface DenoApi {
  connect(options: { hostname: string; port: number; transport: 'tcp'; signal?: AbortSignal }): Promise<DenoTcpConn>;
  connectTls(options: DenoTlsClientOptions & { port: number; cert?: string; key?: string }): Promise<DenoTlsConn>;
  startTls(conn: DenoConn, options: DenoTlsClientOptions): Promise<DenoTlsConn>;
  listen(options: { hostname: string; port: number; transport: 'tcp' }): DenoListener;
}

function deno(): DenoApi {
  const api = (globalThis as { Deno?: DenoApi }).Deno;
  if (api === undefined) throw new TypeError('@ftpkit/transport/deno needs the Deno runtime');
  return api;
}

/**
 * Reads go into 256 KiB slabs that are handed out piece by piece (see {@link SlabPool}): the caller
 * owns every chunk, and no byte is copied. Large reads mean few ops per byte; that is what brings
 * this adapter to the speed of a loop that reuses one buffer (measured, see the README). A caller
 * that recycles its chunks (the client's file sinks) lets the slabs be used again, so a download to
 * a file leaves no garbage behind; a connection's first slab is 64 KiB, so one that carries a small
 * file does not allocate (and zero-fill) a big one.
 */
const SLAB_SIZE = 256 * 1024;
/** A slab with less room than this is retired and the next read goes into another. */
const MIN_READ = 64 * 1024;
const FIRST_SLAB = 64 * 1024;
/** Reads shorter than this are copied out and the slab's room is kept for the next read. */
const COPY_BELOW = 8 * 1024;
/** Free slabs kept for any connection of this process: 4 MiB, and first slabs: 1 MiB. */
const shelf = new SlabShelf(16);
const firstShelf = new SlabShelf(16);

/** Deno error class names that mean the connection itself failed, with the matching OS code. */
const CONNECTION_ERRORS: Readonly<Record<string, string>> = {
  ConnectionRefused: 'ECONNREFUSED',
  ConnectionReset: 'ECONNRESET',
  ConnectionAborted: 'ECONNABORTED',
  NotConnected: 'ENOTCONN',
  BrokenPipe: 'EPIPE',
  TimedOut: 'ETIMEDOUT',
  AddrInUse: 'EADDRINUSE',
  AddrNotAvailable: 'EADDRNOTAVAIL',
  NetworkUnreachable: 'ENETUNREACH',
  HostUnreachable: 'EHOSTUNREACH',
};

/**
 * Where a Deno error happened: `'tls'` while TLS is negotiated; `'open'` while connecting or
 * listening, before any TLS (a TLS-looking message is taken as TLS's); `'stream'` on a connection
 * that is up (see {@link mapDenoError}).
 */
type DenoPhase = 'tls' | 'open' | 'stream';

/**
 * The peer's alerts that refuse the handshake, as rustls prints them ("received fatal alert:
 * CertificateRequired"): under TLS 1.3 a server checks a client certificate after the client's
 * handshake is over (RFC 8446 §4.4.2.4), so its refusal comes on the first read.
 */
const HANDSHAKE_ALERT = /alert\W+(HandshakeFailure|BadCertificate|UnsupportedCertificate|Certificate\w*|UnknownCA|AccessDenied)/i;

/**
 * A Deno error as one of ours. Only the handshake says whether TLS works with this peer: on a
 * connection that is up, a failure of the TLS layer (a corrupt record, plain text where a record
 * should be) is a broken connection, which a new one may cure, so a `ConnectionError` (a
 * `TlsError` is final for a retry), except the peer's refusal of the handshake itself.
 */
function mapDenoError(error: unknown, phase: DenoPhase): unknown {
  if (error instanceof TransportError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError') return error;
  const rawCode = (error as { code?: unknown } | null)?.code;
  const code = typeof rawCode === 'string' ? rawCode : typeof name === 'string' ? CONNECTION_ERRORS[name] : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && /^E[A-Z0-9]+$/.test(code)) {
    return new ConnectionError(message, { cause: error, osCode: code });
  }
  const tls = phase === 'tls' || (phase === 'open' ? /certificate|tls|handshake/i : HANDSHAKE_ALERT).test(message);
  if (tls) return new TlsError(message, { cause: error, reason: denoTlsReason(message) });
  return new ConnectionError(message, { cause: error });
}

/**
 * The kind of a TLS failure from rustls's message: "invalid peer certificate: UnknownIssuer" (or
 * NotValidForName, Expired...), and "received corrupt message of type InvalidContentType" when the
 * peer answered in plain text.
 */
function denoTlsReason(message: string): TlsErrorReason {
  if (/certificate|UnknownIssuer|NotValidForName|Expired|BadSignature/i.test(message)) return 'certificate';
  if (/InvalidContentType|corrupt message|wrong version/i.test(message)) return 'not-tls';
  return 'other';
}

function isUnexpectedEof(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'UnexpectedEof' || (error instanceof Error && /close_notify/.test(error.message));
}

function addressOf(addr: DenoNetAddr | undefined): Address {
  if (addr === undefined) return NO_ADDRESS;
  const host = addr.hostname.startsWith('[') ? addr.hostname.slice(1, -1) : addr.hostname;
  return address(host, addr.port);
}

/** Refuse what Deno cannot do rather than ignore it. Returns the options for Deno. */
function denoTlsOptions(options: TlsOptions, host: string, upgrade: boolean): DenoTlsClientOptions {
  // A malformed pin is the caller's mistake on every runtime; a good one is what Deno cannot check.
  if (readPins(options.pin) !== undefined) {
    throw new TlsError("Deno cannot read the peer's certificate, so it cannot check tls.pin");
  }
  if (options.stoppable === true) {
    throw new TlsError('Deno cannot end TLS and go on in plain text over the same connection (stoppable, for CCC)');
  }
  if (options.rejectUnauthorized === false) {
    throw new TlsError('Deno cannot turn certificate verification off (rejectUnauthorized: false)');
  }
  if (options.minVersion === 'TLSv1.3' || options.maxVersion === 'TLSv1.2') {
    throw new TlsError('Deno cannot limit the TLS version (minVersion/maxVersion)');
  }
  if (upgrade && (options.cert !== undefined || options.key !== undefined)) {
    throw new TlsError('Deno.startTls cannot present a client certificate');
  }
  const hostname = options.servername ?? host;
  const out: DenoTlsClientOptions = { hostname };
  if (options.ca !== undefined) out.caCerts = typeof options.ca === 'string' ? [options.ca] : [...options.ca];
  return out;
}

/** A connection over a Deno TCP or TLS conn. */
class DenoConnection implements Connection {
  #conn: DenoConn;
  #host: string;
  readonly #pool = new SlabPool(SLAB_SIZE, MIN_READ, { firstSlab: FIRST_SLAB, shelf, firstShelf });
  #reading = false;
  #queuedReads: { resolve(chunk: Uint8Array | null): void; reject(error: unknown): void }[] = [];
  #writeChain: Promise<void> = Promise.resolve();
  #error: unknown = undefined;
  #destroyReason: unknown = undefined;
  #eof = false;
  #ending: Promise<void> | undefined;
  #writeDone = false;
  #released = false;
  #tlsInfo: TlsInfo | undefined;
  #local: Address;
  #remote: Address;
  readonly #settleClosed: (error?: unknown) => void;
  readonly closed: Promise<void>;

  constructor(conn: DenoConn, host: string, secure: boolean) {
    this.#conn = conn;
    this.#host = host;
    this.#local = addressOf(conn.localAddr);
    this.#remote = addressOf(conn.remoteAddr);
    if (secure) this.#tlsInfo = Object.freeze({ protocol: undefined, resumed: undefined });
    const { closed, settle } = closedPromise();
    this.closed = closed;
    this.#settleClosed = settle;
  }

  get localAddress(): Address {
    return this.#local;
  }

  get remoteAddress(): Address {
    return this.#remote;
  }

  get tls(): TlsInfo | undefined {
    return this.#tlsInfo;
  }

  tlsSession(): TlsSession | undefined {
    return undefined;
  }

  read(): Promise<Uint8Array | null> {
    if (!this.#reading) return this.#readOnce();
    // Rare: a second read() while one is outstanding. Keep the order.
    return new Promise((resolve, reject) => this.#queuedReads.push({ resolve, reject }));
  }

  // The hot path: one Deno op and one `then` per chunk, nothing else.
  #readOnce(): Promise<Uint8Array | null> {
    if (this.#destroyReason !== undefined) return Promise.reject(this.#destroyReason);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#eof) return Promise.resolve(null);
    this.#reading = true;
    const buffer = this.#pool.room();
    return this.#conn.read(buffer).then(
      (n) => {
        this.#reading = false;
        const chunk = n === 0 ? undefined : this.#took(buffer, n);
        this.#nextQueuedRead();
        return chunk === undefined ? this.read() : chunk;
      },
      (error: unknown) => {
        this.#reading = false;
        let outcome: unknown;
        if (this.#destroyReason !== undefined) outcome = this.#destroyReason;
        else if (this.#tlsInfo !== undefined && isUnexpectedEof(error)) outcome = null;
        else outcome = this.#fail(mapDenoError(error, 'stream'));
        if (outcome === null) this.#took(buffer, null);
        this.#nextQueuedRead();
        if (outcome === null) return null;
        throw outcome;
      },
    );
  }

  /** What a read of `n` bytes into `buffer` gives the caller (undefined for an empty read). */
  #took(buffer: Uint8Array, n: number | null): Uint8Array | null {
    if (n === null) {
      this.#eof = true;
      // No read comes after the end (and none is under way: this is the last one's answer), so the
      // slab can go back for the next connection once its chunks have. Not on close: a Deno read
      // cancelled by it may still be filling its buffer.
      this.#pool.retire();
      // No half-open from the peer's side: finish ours too, then release the resource.
      this.end().catch(() => {});
      return null;
    }
    // A short read is copied out and its space reused (a control reply should not pin a slab); a
    // long one is handed over as a view of the slab, and the next read goes into what is left.
    return n < COPY_BELOW ? buffer.slice(0, n) : this.#pool.take(n);
  }

  recycle(chunk: Uint8Array): void {
    this.#pool.recycle(chunk);
  }

  #nextQueuedRead(): void {
    const waiter = this.#queuedReads.shift();
    if (waiter !== undefined) this.#readOnce().then(waiter.resolve, waiter.reject);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#destroyReason !== undefined) return Promise.reject(this.#destroyReason);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ending !== undefined) return Promise.reject(new ConnectionError('write() after end()'));
    const result = this.#writeChain.then(() => this.#writeAll(bytes));
    this.#writeChain = result.catch(() => {});
    return result;
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (this.#destroyReason !== undefined) throw this.#destroyReason;
      if (this.#error !== undefined) throw this.#error;
      try {
        offset += await this.#conn.write(offset === 0 ? bytes : bytes.subarray(offset));
      } catch (error) {
        if (this.#destroyReason !== undefined) throw this.#destroyReason;
        throw this.#fail(mapDenoError(error, 'stream'));
      }
    }
  }

  end(): Promise<void> {
    if (this.#destroyReason !== undefined) return Promise.reject(this.#destroyReason);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    this.#ending ??= (async () => {
      await this.#writeChain;
      if (this.#error !== undefined) throw this.#error;
      if (this.#destroyReason !== undefined) throw this.#destroyReason;
      try {
        await this.#conn.closeWrite();
      } catch (error) {
        // The peer may already have closed both ways (a reset after its FIN): nothing left to finish.
        if (!this.#eof) throw this.#fail(mapDenoError(error, 'stream'));
      }
      this.#writeDone = true;
      if (this.#eof) this.#release();
    })();
    if (this.#eof) this.#ending.then(() => this.#release(), () => {});
    return this.#ending;
  }

  destroy(error?: Error): void {
    if (this.#destroyReason !== undefined) return;
    this.#destroyReason = error ?? destroyedError();
    if (error !== undefined && this.#error === undefined) this.#error = error;
    this.#release();
  }

  async startTls(options: StartTlsOptions): Promise<void> {
    if (this.#destroyReason !== undefined) throw this.#destroyReason;
    if (this.#error !== undefined) throw this.#error;
    if (this.#tlsInfo !== undefined) throw new TlsError('TLS is already active on this connection');
    if (this.#eof) throw new ConnectionError('The peer closed the connection before TLS could start');
    // Deno.startTls takes the conn over and fails while a read is outstanding on it.
    if (this.#reading) throw new TypeError('startTls() while a read() is pending');
    const tlsOptions = denoTlsOptions(options, this.#host, true);
    let secure: DenoTlsConn | undefined;
    const deadline = new Deadline(options, 'TLS handshake', () => {
      try {
        (secure ?? this.#conn).close();
      } catch {
        // already closed
      }
    });
    try {
      await this.#writeChain;
      secure = await deno().startTls(this.#conn, tlsOptions);
      this.#conn = secure;
      if (deadline.fired) throw deadline.reason;
      await secure.handshake();
      this.#tlsInfo = Object.freeze({ protocol: undefined, resumed: undefined });
    } catch (error) {
      const reason = deadline.fired ? deadline.reason : mapDenoError(error, 'tls');
      this.#fail(reason);
      throw reason;
    } finally {
      deadline.clear();
    }
  }

  #fail(error: unknown): unknown {
    if (this.#error === undefined) this.#error = error;
    this.#release();
    return this.#error;
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by Deno
    }
    this.#settleClosed(this.#error);
  }
}

/** Open a plain connection and, with `options.tls`, upgrade it; honours timeout and signal. */
/**
 * The address to dial for `host` in `family`: Deno.connect has no family option, so a name is
 * looked up here (getaddrinfo, through Deno's node:dns, which reads the hosts file as the system
 * does). Without a family, or for an IP literal, `host` as it is.
 */
async function dialAddress(host: string, family: 4 | 6 | undefined): Promise<string> {
  if (family === undefined || literalFamily(host) !== undefined) return host;
  const dns = await import('node:dns');
  try {
    return (await dns.promises.lookup(host, { family })).address;
  } catch (error) {
    throw new ConnectionError(`${host} has no IPv${family} address`, { cause: error, osCode: errorCodeOf(error) ?? 'ENOTFOUND' });
  }
}

function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function connectDeno(options: ConnectOptions): Promise<Connection> {
  const { host, port } = options;
  checkEndpoint(host, port);
  if (options.localAddress !== undefined) {
    throw new InvalidArgumentError('Deno cannot choose the local address of a connection (localAddress): Deno.connect has no such option');
  }
  const family = wantedFamily(options);
  const api = deno();
  const tlsOptions = options.tls;
  // Client certificates only go through connectTls, which connects to the name it verifies.
  const withCert = tlsOptions !== undefined && (tlsOptions.cert !== undefined || tlsOptions.key !== undefined);
  if (withCert && tlsOptions.servername !== undefined && tlsOptions.servername !== host) {
    throw new TlsError('On Deno a client certificate needs servername to be absent or equal to host');
  }
  if (withCert && family !== undefined && literalFamily(host) === undefined) {
    throw new TlsError('On Deno a client certificate cannot be combined with family for a host name (Deno.connectTls resolves it)');
  }
  const denoTls = tlsOptions !== undefined ? denoTlsOptions(tlsOptions, host, false) : undefined;
  const connecting = new AbortController();
  let conn: DenoConn | undefined;
  const deadline = new Deadline(options, `Connecting to ${host} port ${port}`, (reason) => {
    connecting.abort(reason);
    try {
      conn?.close();
    } catch {
      // already closed
    }
  });
  try {
    if (withCert && denoTls !== undefined) {
      // connectTls takes no signal: if the deadline fires first, the late conn is closed on arrival.
      const pending = api.connectTls({
        ...denoTls,
        hostname: host,
        port,
        ...(tlsOptions.cert !== undefined ? { cert: tlsOptions.cert } : {}),
        ...(tlsOptions.key !== undefined ? { key: tlsOptions.key } : {}),
      });
      pending.then((late) => deadline.fired && late.close(), () => {});
      const secure = await pending;
      conn = secure;
      if (deadline.fired) throw deadline.reason;
      await secure.handshake();
    } else {
      const hostname = await dialAddress(host, family);
      if (deadline.fired) throw deadline.reason;
      const tcp = await api.connect({ hostname, port, transport: 'tcp', signal: connecting.signal });
      conn = tcp;
      if (deadline.fired) throw deadline.reason;
      tcp.setNoDelay(true); // see the module comment: TLS handshakes stalled 40 ms behind Nagle
      if (denoTls !== undefined) {
        const secure = await api.startTls(conn, denoTls);
        conn = secure;
        if (deadline.fired) throw deadline.reason;
        await secure.handshake();
      }
    }
    if (deadline.fired) throw deadline.reason;
    return new DenoConnection(conn, host, denoTls !== undefined);
  } catch (error) {
    try {
      conn?.close();
    } catch {
      // already closed
    }
    throw deadline.fired ? deadline.reason : mapDenoError(error, denoTls !== undefined && conn !== undefined ? 'tls' : 'open');
  } finally {
    deadline.clear();
  }
}

/** A Deno listener with one `accept()` outstanding at a time while someone waits. */
class DenoTcpListener implements Listener {
  readonly address: Address;
  #listener: DenoListener;
  #queue: AcceptQueue<DenoTcpConn>;
  #accepting = false;

  constructor(listener: DenoListener, signal: AbortSignal | undefined) {
    this.#listener = listener;
    this.address = addressOf(listener.addr);
    this.#queue = new AcceptQueue<DenoTcpConn>(
      {
        wrap: (conn) => {
          conn.setNoDelay(true);
          return new DenoConnection(conn, addressOf(conn.remoteAddr).host, false);
        },
        release: (conn) => conn.close(),
        stop: () => {
          try {
            listener.close();
          } catch {
            // already closed
          }
        },
      },
      signal,
    );
  }

  accept(options: AcceptOptions = {}): Promise<Connection> {
    const accepted = this.#queue.accept(options);
    this.#pump();
    return accepted;
  }

  close(): void {
    this.#queue.shut(new ConnectionError('The listener is closed'));
  }

  /** Deno accepts by call: keep one `accept()` running while somebody waits. */
  #pump(): void {
    if (this.#accepting || this.#queue.closed || this.#queue.waiting === 0) return;
    this.#accepting = true;
    this.#listener.accept().then(
      (conn) => {
        this.#accepting = false;
        this.#queue.offer(conn);
        this.#pump();
      },
      (error: unknown) => {
        this.#accepting = false;
        if (!this.#queue.closed) this.#queue.shut(mapDenoError(error, 'open'), true);
      },
    );
  }
}

async function listenDeno(options: ListenOptions): Promise<Listener> {
  const { host, port, signal } = listenEndpoint(options);
  let listener: DenoListener;
  try {
    listener = deno().listen({ hostname: host, port, transport: 'tcp' });
  } catch (error) {
    throw mapDenoError(error, 'open');
  }
  return new DenoTcpListener(listener, signal);
}

/** The Deno transport, with what was measured on Deno. */
export function createDenoTransport(capabilities: Capabilities): Transport {
  return Object.freeze({
    runtime: 'deno',
    capabilities: Object.freeze({ ...capabilities }),
    connect: connectDeno,
    listen: listenDeno,
  });
}
