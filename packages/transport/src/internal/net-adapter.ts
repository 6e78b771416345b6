/**
 * The `node:net` / `node:tls` implementation behind the Node adapter, and behind the Bun adapter
 * (Bun's node:net is measured to do everything this package needs there: see the README).
 *
 * Theory of operation: every socket event is turned into state plus settled promises; no handler
 * throws. Reading goes through a {@link ChunkQueue}, which pauses the socket when too much is
 * unread. A write resolves at once when `socket.write()` says the buffer has room, else on `drain`.
 * The first error is sticky: it destroys the socket and rejects every pending and later operation.
 * `startTls` swaps the plain socket for a `TLSSocket` wrapped around it and drops unread plaintext.
 *
 * Half-open is off: when the peer finishes sending, our side finishes too after queued writes, so a
 * connection the caller read to the end never lingers. `end()` is the caller's own half-close; it
 * can still read the peer's reply after it.
 *
 * @internal
 * @module
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import { ConnectionError, TlsError, TransportError, abortReason } from '../errors.js';
import type {
  Address,
  Capabilities,
  Connection,
  ConnectOptions,
  Listener,
  ListenOptions,
  RuntimeName,
  TlsInfo,
  TlsOptions,
  TlsSession,
  Transport,
} from '../types.js';

type StartTlsOptions = Parameters<Connection['startTls']>[0];
type AcceptOptions = NonNullable<Parameters<Listener['accept']>[0]>;
import { ChunkQueue } from './chunk-queue.js';
import { AcceptQueue } from './accept-queue.js';
import { Deadline } from './deadline.js';
import { SlabPool, SlabShelf } from './slab-pool.js';

type Socket = net.Socket | tls.TLSSocket;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** OpenSSL verification codes and Node's TLS error codes. */
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED)/;

function errorCode(error: unknown): string | undefined {
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
  if ((code !== undefined && TLS_CODE.test(code)) || openssl) return new TlsError(message, { cause: error });
  const syscall = typeof (error as { syscall?: unknown } | null)?.syscall === 'string';
  if ((code !== undefined && /^E[A-Z0-9]+$/.test(code)) || syscall || !tlsPhase) {
    return new ConnectionError(message, { cause: error, ...(code !== undefined ? { osCode: code } : {}) });
  }
  return new TlsError(message, { cause: error });
}

function family(value: unknown, host: string): 4 | 6 {
  if (value === 'IPv6' || value === 6) return 6;
  if (value === 'IPv4' || value === 4) return 4;
  return host.includes(':') ? 6 : 4;
}

const NO_ADDRESS: Address = Object.freeze({ host: '', port: 0, family: 4 });

function localOf(socket: net.Socket): Address {
  const host = socket.localAddress;
  if (host === undefined) return NO_ADDRESS;
  return Object.freeze({ host, port: socket.localPort ?? 0, family: family(socket.localFamily, host) });
}

function remoteOf(socket: net.Socket): Address {
  const host = socket.remoteAddress;
  if (host === undefined) return NO_ADDRESS;
  return Object.freeze({ host, port: socket.remotePort ?? 0, family: family(socket.remoteFamily, host) });
}

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
class SessionOrigin {
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
interface ResumableSession {
  readonly ticket: Buffer;
  readonly origin: SessionOrigin;
}

/** The ticket, and the origin where the session comes from this copy of the adapter. */
function resumable(runtime: RuntimeName, session: TlsSession | undefined): Partial<ResumableSession> {
  if (session === undefined || session.runtime !== runtime) return {};
  const value = session.value as Partial<ResumableSession> | null;
  if (!(value?.ticket instanceof Uint8Array)) return {};
  return value.origin instanceof SessionOrigin ? value : { ticket: value.ticket };
}

/** Node's TLS options from ours. `host` is what the certificate is checked against without `servername`. */
function tlsOptions(runtime: RuntimeName, options: TlsOptions, host: string): tls.ConnectionOptions {
  // RFC 6066 §3: SNI carries names only, never an IP address; Node then checks against `host`.
  const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
  const out: tls.ConnectionOptions = {
    host,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
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
function connectTls(runtime: RuntimeName, options: TlsOptions, host: string, target: { socket: net.Socket } | { port: number }): tls.TLSSocket {
  const socket = tls.connect({ ...tlsOptions(runtime, options, host), ...target });
  socket.setNoDelay(true);
  return socket;
}

function checkEndpoint(host: unknown, port: unknown): void {
  if (typeof host !== 'string' || host === '') throw new TypeError('host must be a non-empty string');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('port must be an integer from 0 to 65535');
  }
}

/** A connection over a node:net socket, later perhaps a node:tls socket wrapped around it. */
class NetConnection implements Connection {
  #runtime: RuntimeName;
  #socket: Socket;
  #host: string;
  #queue: ChunkQueue;
  /** Writers waiting for `drain`. */
  #drainWaiters: Waiter[] = [];
  /** Everything else that waits on the socket: the connect/handshake, `end()`. */
  #waiters = new Set<Waiter>();
  #error: unknown = undefined;
  #destroyed = false;
  #ending: Promise<void> | undefined;
  #handshaking = false;
  #session: TlsSession | undefined;
  /** What connections that resume this one's sessions share (see {@link SessionOrigin}). */
  readonly #origin = new SessionOrigin();
  #tlsInfo: TlsInfo | undefined;
  #local: Address = NO_ADDRESS;
  #remote: Address = NO_ADDRESS;
  #readyWaiter: Waiter | undefined;
  /** Where a Node plain socket's chunks come from; undefined where the runtime allocates them. */
  readonly #pool: SlabPool | undefined;
  #settleClosed!: (error?: unknown) => void;
  readonly closed: Promise<void>;

  constructor(runtime: RuntimeName, socket: Socket, host: string, connected: boolean, pool?: SlabPool) {
    this.#runtime = runtime;
    this.#pool = pool;
    this.#socket = socket;
    this.#host = host;
    this.#queue = new ChunkQueue({ pause: () => this.#socket.pause(), resume: () => this.#socket.resume() });
    this.closed = new Promise<void>((resolve, reject) => {
      this.#settleClosed = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Nobody has to watch `closed`; its rejection must not count as unhandled.
    this.closed.catch(() => {});
    this.#handshaking = socket instanceof tls.TLSSocket;
    this.#bind(socket);
    if (connected) this.#snapshotAddresses();
  }

  /** Settles when the connect (and TLS handshake) finished. */
  ready(): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise<void>((resolve, reject) => {
      this.#readyWaiter = { resolve, reject };
      this.#waiters.add(this.#readyWaiter);
    });
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
    return this.#session;
  }

  read(): Promise<Uint8Array | null> {
    return this.#queue.read();
  }

  recycle(chunk: Uint8Array): void {
    this.#pool?.recycle(chunk);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#destroyed) return Promise.reject(destroyedError());
    if (this.#ending !== undefined) return Promise.reject(new ConnectionError('write() after end()'));
    if (this.#socket.write(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  end(): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#destroyed) return Promise.reject(destroyedError());
    this.#ending ??= new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.#waiters.add(waiter);
      // The callback runs on 'finish': everything was handed to the kernel, FIN (or close_notify) sent.
      const finish = (): void => {
        if (!this.#waiters.has(waiter)) return; // destroyed or failed meanwhile: already rejected
        this.#socket.end(() => {
          if (this.#waiters.delete(waiter)) resolve();
        });
      };
      // TLS: one turn of the event loop first. Node's TLSWrap reports a TLS write that the kernel took
      // at once (the handshake's last flight, say) as done only in a setImmediate, and a shutdown
      // before that sends the FIN while the close_notify still waits behind that write, so it is
      // lost. An empty FTPS upload ends right after the handshake: vsftpd answered 1 in 4 of them
      // with "426 Failure reading network stream" once the handshake had no HelloRetryRequest left
      // to slow it down (NODE_DEBUG_NATIVE=tls: "DoShutdown() ... write currently in progress").
      if (this.#socket instanceof tls.TLSSocket) setImmediate(finish);
      else finish();
    });
    return this.#ending;
  }

  destroy(error?: Error): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    // Made only if someone is told: a data connection is destroyed after every transfer.
    let made: ConnectionError | undefined;
    const reason = error !== undefined ? () => error : () => (made ??= destroyedError());
    this.#queue.failLazily(reason, true);
    if (error !== undefined && this.#error === undefined) this.#error = error;
    this.#rejectWaiters(reason);
    this.#socket.destroy();
  }

  async startTls(options: StartTlsOptions): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    if (this.#destroyed) throw destroyedError();
    if (this.#socket instanceof tls.TLSSocket) throw new TlsError('TLS is already active on this connection');
    if (this.#queue.done) throw new ConnectionError('The peer closed the connection before TLS could start');
    const deadline = new Deadline(options, 'TLS handshake', (reason) => this.#fail(reason));
    const plain = this.#socket;
    this.#unbind(plain);
    // RFC 4217 §4 / CVE-2021-22947: bytes that arrived in plaintext before the handshake are never
    // handed out as if they came over TLS.
    this.#queue.clear();
    let secure: tls.TLSSocket;
    try {
      secure = connectTls(this.#runtime, options, this.#host, { socket: plain });
    } catch (error) {
      deadline.clear();
      this.#fail(mapNetError(error, true));
      throw this.#error;
    }
    this.#socket = secure;
    this.#handshaking = true;
    this.#bind(secure);
    try {
      await this.ready();
    } catch (error) {
      throw deadline.fired ? deadline.reason : error;
    } finally {
      deadline.clear();
    }
  }

  #bind(socket: Socket): void {
    socket.on('connect', this.#onConnect);
    socket.on('secureConnect', this.#onSecureConnect);
    socket.on('session', this.#onSession);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('drain', this.#onDrain);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  #unbind(socket: Socket): void {
    socket.off('connect', this.#onConnect);
    socket.off('secureConnect', this.#onSecureConnect);
    socket.off('session', this.#onSession);
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('drain', this.#onDrain);
    socket.off('error', this.#onError);
    socket.off('close', this.#onClose);
  }

  #snapshotAddresses(): void {
    this.#local = localOf(this.#socket);
    this.#remote = remoteOf(this.#socket);
  }

  #markReady(): void {
    const waiter = this.#readyWaiter;
    this.#readyWaiter = undefined;
    if (waiter !== undefined && this.#waiters.delete(waiter)) waiter.resolve();
  }

  #onConnect = (): void => {
    this.#snapshotAddresses();
    if (!(this.#socket instanceof tls.TLSSocket)) this.#markReady();
  };

  #onSecureConnect = (): void => {
    const socket = this.#socket as tls.TLSSocket;
    this.#handshaking = false;
    this.#origin.settled(socket);
    if (this.#local === NO_ADDRESS) this.#snapshotAddresses();
    this.#tlsInfo = Object.freeze({
      protocol: socket.getProtocol() ?? undefined,
      resumed: socket.isSessionReused(),
    });
    this.#markReady();
  };

  // Fires during a TLS 1.2 handshake, and for each TLS 1.3 ticket after it: keep the newest.
  #onSession = (ticket: Buffer): void => {
    const value: ResumableSession = Object.freeze({ ticket, origin: this.#origin });
    this.#session = Object.freeze({ runtime: this.#runtime, value });
  };

  #onData = (chunk: Uint8Array): void => {
    // A plain Uint8Array view of the same memory: no copy, and the same type on every runtime.
    this.#queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };

  #onEnd = (): void => {
    this.#queue.end();
  };

  #onDrain = (): void => {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  };

  #onError = (error: unknown): void => {
    this.#fail(mapNetError(error, this.#handshaking));
  };

  #onClose = (): void => {
    if (this.#error === undefined && !this.#destroyed && !this.#queue.done) {
      this.#fail(new ConnectionError('The connection closed before the end of the stream'));
    }
    this.#rejectWaiters(() => this.#error ?? destroyedError());
    this.#settleClosed(this.#error);
  };

  #fail(error: unknown): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#queue.fail(error);
    this.#rejectWaiters(() => error);
    this.#socket.destroy();
  }

  /** Reject whoever waits with what `reason` makes (made only if someone waits). */
  #rejectWaiters(reason: () => unknown): void {
    if (this.#drainWaiters.length === 0 && this.#waiters.size === 0) {
      this.#readyWaiter = undefined;
      return;
    }
    const waiters = [...this.#drainWaiters, ...this.#waiters];
    this.#drainWaiters = [];
    this.#waiters.clear();
    this.#readyWaiter = undefined;
    const error = reason();
    for (const waiter of waiters) waiter.reject(error);
  }
}

function destroyedError(): ConnectionError {
  return new ConnectionError('The connection was destroyed');
}

/**
 * How Node reads a plain socket. By default Node reads at most 64 KiB into a fresh buffer per read.
 * Here every read goes straight into the free part of a 2 MiB slab (Node's `onread` with a buffer
 * function, which Node calls before each read) and is cut out as a chunk at its exact length, so
 * reads can be large, no byte is copied, and a file download that recycles its chunks runs on a few
 * reused slabs (see {@link SlabPool}). Fewer, larger chunks cost less per byte: a 1 GiB loopback
 * download went from about 1,200–1,500 to about 2,000 MB/s, with a third less CPU
 * (packages/bench/RESULTS.md).
 *
 * Slabs come from `Buffer.allocUnsafeSlow`, not zero-filled: only bytes the kernel wrote are ever cut
 * out as chunks. Zero-filling a 2 MiB slab per data connection was 8% of the CPU of a pool of FTPS
 * sessions moving 4 KiB files. For the same reason a connection's first slab is 64 KiB; only a
 * connection that fills it moves on to 2 MiB slabs. Free slabs wait on one shelf for all connections.
 */
const NODE_SLAB_BYTES = 2 * 1024 * 1024;
/** A slab with less room than this is retired before the next read. */
const NODE_MIN_READ = 256 * 1024;
const NODE_FIRST_SLAB = 64 * 1024;
/**
 * Free 2 MiB slabs kept for any Node connection of this process. A shelf of 4 made an 8-segment
 * download drop slabs and allocate them again: 148 MB peak RSS against 119.
 */
const nodeShelf = new SlabShelf(16);

/** Memory the caller overwrites before it reads it, as a plain Uint8Array (not a Buffer). */
function unzeroed(bytes: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(bytes);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Node's `onread` option for a plain socket: each read lands in `pool`'s free room and is
 * re-emitted as a `data` event carrying that piece. The socket's `pause()` and `resume()` stop and
 * restart these reads as they do normal ones.
 */
function largeReads(pool: SlabPool, emit: (chunk: Uint8Array) => void): Pick<net.NetConnectOpts, 'onread'> {
  return {
    onread: {
      buffer: () => pool.room(),
      callback: (bytes: number) => {
        emit(pool.take(bytes));
        return true; // keep reading; the queue pauses the socket itself when it holds too much
      },
    },
  };
}

/** Bun's node:net is left on its own reads, which are already large; TLS sockets keep Node's. */
function slabPoolFor(runtime: RuntimeName): SlabPool | undefined {
  return runtime === 'node'
    ? new SlabPool(NODE_SLAB_BYTES, NODE_MIN_READ, { firstSlab: NODE_FIRST_SLAB, allocate: unzeroed, shelf: nodeShelf })
    : undefined;
}

/** Connect with node:net, or node:tls when `options.tls` is given. */
async function connectNet(runtime: RuntimeName, options: ConnectOptions): Promise<Connection> {
  const { host, port } = options;
  checkEndpoint(host, port);
  let connection: NetConnection | undefined;
  const deadline = new Deadline(options, `Connecting to ${host} port ${port}`, () => connection?.destroy());
  try {
    const pool = options.tls ? undefined : slabPoolFor(runtime);
    let plain: net.Socket | undefined;
    const socket = options.tls
      ? connectTls(runtime, options.tls, host, { port })
      : (plain = net.connect({ host, port, ...(pool ? largeReads(pool, (chunk) => plain?.emit('data', chunk)) : {}) }));
    connection = new NetConnection(runtime, socket, host, false, pool);
    await connection.ready();
    return connection;
  } catch (error) {
    connection?.destroy();
    throw deadline.fired ? deadline.reason : mapNetError(error, options.tls !== undefined);
  } finally {
    deadline.clear();
  }
}

/** A node:net server that hands out inbound connections one `accept()` at a time. */
class NetListener implements Listener {
  readonly address: Address;
  #runtime: RuntimeName;
  #queue: AcceptQueue<net.Socket>;

  constructor(runtime: RuntimeName, server: net.Server, signal: AbortSignal | undefined) {
    this.#runtime = runtime;
    const bound = server.address() as net.AddressInfo;
    this.address = Object.freeze({ host: bound.address, port: bound.port, family: family(bound.family, bound.address) });
    this.#queue = new AcceptQueue<net.Socket>(
      {
        wrap: (socket) => {
          const connection = new NetConnection(this.#runtime, socket, socket.remoteAddress ?? '', true);
          socket.resume(); // it was accepted paused (pauseOnConnect)
          return connection;
        },
        release: (socket) => socket.destroy(),
        stop: () => server.close(),
      },
      signal,
    );
    server.on('connection', (socket: net.Socket) => this.#queue.offer(socket));
    server.on('error', (error: unknown) => this.#queue.shut(mapNetError(error, false), true));
  }

  accept(options: AcceptOptions = {}): Promise<Connection> {
    return this.#queue.accept(options);
  }

  close(): void {
    this.#queue.shut(new ConnectionError('The listener is closed'));
  }
}

async function listenNet(runtime: RuntimeName, options: ListenOptions): Promise<Listener> {
  const { host, signal } = options;
  const port = options.port ?? 0;
  checkEndpoint(host, port);
  if (signal?.aborted) throw abortReason(signal);
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: unknown): void => {
      server.off('listening', onListening);
      reject(mapNetError(error, false));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
  if (signal?.aborted) {
    server.close();
    throw abortReason(signal);
  }
  return new NetListener(runtime, server, signal);
}

/** The node:net / node:tls transport, tagged with the runtime it runs on and what was measured there. */
export function createNetTransport(runtime: RuntimeName, capabilities: Capabilities): Transport {
  return Object.freeze({
    runtime,
    capabilities: Object.freeze({ ...capabilities }),
    connect: (options: ConnectOptions) => connectNet(runtime, options),
    listen: (options: ListenOptions) => listenNet(runtime, options),
  });
}
