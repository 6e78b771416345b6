/**
 * The `node:net` / `node:tls` implementation behind the Node adapter, and behind the Bun adapter
 * (Bun's node:net is measured to do everything this package needs there: see the README).
 *
 * Theory of operation: every socket event is turned into state plus settled promises; no handler
 * throws. Reading goes through a {@link ChunkQueue}, which pauses the socket when too much is
 * unread. A write resolves at once when `socket.write()` says the buffer has room, else on `drain`.
 * The first error is sticky: it destroys the socket and rejects every pending and later operation.
 * `startTls` swaps the plain socket for a `TLSSocket` wrapped around it and drops unread plaintext.
 * How TLS options, session tickets and secure contexts are built is `net-tls.ts`.
 *
 * Half-open is off: when the peer finishes sending, our side finishes too after queued writes, so a
 * connection the caller read to the end never lingers. `end()` is the caller's own half-close; it
 * can still read the peer's reply after it.
 *
 * A reset is never an end of stream. libuv reports a TCP reset as a clean EOF when the reset came
 * while unread bytes were still in the kernel (its POLLHUP short cut after a partial read skips the
 * pending ECONNRESET): a paused socket, or a busy event loop, reads the last bytes and then "end".
 * So the sockets are half-open in Node's sense, and at the peer's end of stream this side first
 * writes zero bytes on the TCP socket (under TLS too): the kernel fails that write with the pending
 * ECONNRESET (or EPIPE) after a reset, and takes it after a FIN. Only then is the end passed on, and
 * our side finished. Without it, a download cut by a reset behind its last bytes looked complete.
 *
 * @internal
 * @module
 */
// Why this file is long: one Connection class over node:net's events, with its connect and listen.
import type { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import { ConnectionError, InvalidArgumentError, TlsError, abortReason } from '../errors.js';
import type {
  Address,
  Capabilities,
  Connection,
  ConnectOptions,
  Listener,
  ListenOptions,
  PeerCertificate,
  RuntimeName,
  TlsInfo,
  TlsOptions,
  TlsSession,
  Transport,
} from '../types.js';
import { AcceptQueue } from './accept-queue.js';
import { ChunkQueue } from './chunk-queue.js';
import {
  type AcceptOptions,
  type StartTlsOptions,
  NO_ADDRESS,
  addressOf,
  checkEndpoint,
  closedPromise,
  destroyedError,
  listenEndpoint,
  wantedFamily,
} from './common.js';
import { Deadline } from './deadline.js';
import type { TcpBridge } from './net-bridge.js';
import { errorCode, mapNetError } from './net-errors.js';
import { largeReads, slabPoolFor, type ReadSize } from './net-reads.js';
import { type PeerRecord, type ResumableSession, SessionOrigin, connectTls, describePeer, originOf, peerOf, pinOfPeer } from './net-tls.js';
import { pinFailure, readPins } from './pins.js';
import type { SlabPool } from './slab-pool.js';

type Socket = net.Socket | tls.TLSSocket;

/** The reset probe's write: zero bytes, which only the kernel's verdict makes meaningful. */
const EMPTY = new Uint8Array(0);

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}


/** The family node:net reports (`'IPv4'`, or `4` on some versions), if it reports one. */
function family(value: unknown): 4 | 6 | undefined {
  if (value === 'IPv6' || value === 6) return 6;
  if (value === 'IPv4' || value === 4) return 4;
  return undefined;
}

function localOf(socket: net.Socket): Address {
  const host = socket.localAddress;
  if (host === undefined) return NO_ADDRESS;
  return addressOf(host, socket.localPort ?? 0, family(socket.localFamily));
}

function remoteOf(socket: net.Socket): Address {
  const host = socket.remoteAddress;
  if (host === undefined) return NO_ADDRESS;
  return addressOf(host, socket.remotePort ?? 0, family(socket.remoteFamily));
}

/** A connection over a node:net socket, later perhaps a node:tls socket wrapped around it. */
class NetConnection implements Connection {
  #runtime: RuntimeName;
  #socket: Socket;
  /** The TCP socket, under TLS once there is TLS: the reset probe writes on it (see the module comment). */
  readonly #tcp: net.Socket;
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
  /** The pins the TLS peer is held to (`tls.pin`), if any. */
  #pins: readonly string[] | undefined;
  /** The origin of the session this connection's TLS was given to resume, if it was one of ours. */
  #resumedFrom: SessionOrigin | undefined;
  /** The TLS peer's certificate, once the handshake is done. */
  #peer: PeerRecord | undefined;
  /** A `stoppable` TLS connection's way to its TCP socket (`stopTls`). */
  #bridge: TcpBridge | undefined;
  /** A `stoppable` TLS connection's peer sent close_notify and kept TCP open (it ends TLS: CCC). */
  #peerEndedTls = false;
  /** Where a Node plain socket's chunks come from; undefined where the runtime allocates them. */
  readonly #pool: SlabPool | undefined;
  /** The bound on one read into the slab pool, which `setReadAhead` moves with the read-ahead. */
  readonly #readSize: ReadSize | undefined;
  readonly #settleClosed: (error?: unknown) => void;
  readonly closed: Promise<void>;

  constructor(runtime: RuntimeName, socket: Socket, tcp: net.Socket, host: string, connected: boolean, pool?: SlabPool, readSize?: ReadSize) {
    this.#runtime = runtime;
    this.#pool = pool;
    this.#readSize = readSize;
    this.#socket = socket;
    this.#tcp = tcp;
    this.#host = host;
    this.#queue = new ChunkQueue({ pause: () => this.#socket.pause(), resume: () => this.#socket.resume() });
    const { closed, settle } = closedPromise();
    this.closed = closed;
    this.#settleClosed = settle;
    this.#handshaking = socket instanceof tls.TLSSocket;
    this.#bind(socket);
    if (connected) this.#snapshotAddresses();
  }

  /** What the TLS about to start is held to, and how it reaches TCP: set before its handshake ends. */
  armTls(options: TlsOptions, bridge: TcpBridge | undefined, pins: readonly string[] | undefined): void {
    this.#pins = pins;
    this.#resumedFrom = originOf(this.#runtime, options.session);
    this.#bridge = bridge;
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

  peerCertificate(): PeerCertificate | undefined {
    return this.#peer === undefined ? undefined : describePeer(this.#peer);
  }

  read(): Promise<Uint8Array | null> {
    return this.#queue.read();
  }

  recycle(chunk: Uint8Array): void {
    this.#pool?.recycle(chunk);
  }

  setReadAhead(bytes: number | undefined): void {
    this.#queue.setHighWater(bytes);
    // A read into a slab takes up to 2 MiB: one read must not bring more than the bound either.
    // (Node asks for the next read's buffer as the last read ends, so the bound holds from the next.)
    if (this.#readSize) this.#readSize.bytes = bytes ?? Infinity;
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
        this.#bridge?.endTcp(); // after close_notify, the FIN (a stoppable TLS holds it back)
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
    if (this.#bridge !== undefined) this.#tcp.destroy(); // a bridge may have let go of it (stopTls)
  }

  async startTls(options: StartTlsOptions): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    if (this.#destroyed) throw destroyedError();
    if (this.#socket instanceof tls.TLSSocket) throw new TlsError('TLS is already active on this connection');
    if (this.#queue.done) throw new ConnectionError('The peer closed the connection before TLS could start');
    const pins = readPins(options.pin);
    const deadline = new Deadline(options, 'TLS handshake', (reason) => this.#fail(reason));
    const plain = this.#socket;
    this.#unbind(plain);
    // RFC 4217 §4 / CVE-2021-22947: bytes that arrived in plaintext before the handshake are never
    // handed out as if they came over TLS.
    this.#queue.clear();
    let secure: tls.TLSSocket;
    try {
      const made = connectTls(this.#runtime, options, this.#host, { socket: plain });
      secure = made.socket;
      this.armTls(options, made.bridge, pins);
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

  /**
   * End TLS and go on in plain text (CCC): close_notify both ways, then the TCP socket is ours again.
   * The peer may have sent its close_notify already (see #onEnd); a FIN, an error, the timeout or
   * the signal instead fails the connection.
   */
  async stopTls(options: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined } = {}): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    if (this.#destroyed) throw destroyedError();
    const secure = this.#socket;
    const bridge = this.#bridge;
    if (!(secure instanceof tls.TLSSocket) || this.#handshaking) throw new TlsError('TLS is not active on this connection');
    if (bridge === undefined) throw new TlsError('TLS was not started with stoppable: true, so it cannot be ended on its own');
    if (this.#ending !== undefined || this.#queue.done) throw new ConnectionError('The connection is ending');
    const deadline = new Deadline(options, 'Ending TLS', (reason) => this.#fail(reason));
    this.#unbind(secure);
    secure.on('error', () => {}); // the abandoned TLS socket may still complain; nobody listens
    secure.resume(); // its end comes only once whatever it holds is read (and dropped: nothing may come)
    try {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject };
        this.#waiters.add(waiter); // #fail rejects it: a deadline, or a failure below
        let theirs = this.#peerEndedTls;
        let ours = false;
        const settle = (): void => {
          if (theirs && ours && this.#waiters.delete(waiter)) resolve();
        };
        secure.once('end', () => {
          if (bridge.tcpEnded) return this.#fail(new ConnectionError('The peer closed the connection instead of ending TLS'));
          theirs = true;
          settle();
        });
        secure.once('error', (error: unknown) => this.#fail(mapNetError(error, false)));
        bridge.onTcpEnd = () => this.#fail(new ConnectionError('The peer closed the connection while TLS was ending'));
        void bridge.tlsEnded().then(() => {
          ours = true;
          settle();
        });
        secure.end(); // close_notify
      });
    } finally {
      deadline.clear();
    }
    const tcp = this.#tcp;
    bridge.onTcpEnd = undefined;
    bridge.detach();
    secure.destroy();
    this.#bridge = undefined;
    this.#peerEndedTls = false;
    this.#tlsInfo = undefined;
    this.#socket = tcp;
    this.#bind(tcp);
    tcp.resume();
    this.#onDrain(); // writers that waited on the TLS socket write on TCP now
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
    // A TLS socket over a bridge has no address of its own: the TCP socket's are the ones.
    const socket = this.#bridge === undefined ? this.#socket : this.#tcp;
    this.#local = localOf(socket);
    this.#remote = remoteOf(socket);
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
    const peer = peerOf(socket, this.#resumedFrom);
    this.#peer = peer;
    this.#origin.peer = peer;
    if (this.#pins !== undefined) {
      // Checked before anything is read or written over this TLS (TlsOptions.pin).
      const failure = pinFailure(this.#pins, peer === undefined ? undefined : pinOfPeer(peer));
      if (failure !== undefined) return this.#fail(failure);
    }
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

  /** The peer's end of stream, or a reset that libuv reported as one: the probe tells (module comment). */
  #onEnd = (): void => {
    const bridge = this.#bridge;
    if (bridge !== undefined && !bridge.tcpEnded) {
      // close_notify without a FIN, on a connection that may end TLS: the peer is clearing the
      // channel (Pure-FTPd sends it right behind its 200 to CCC), and stopTls() goes on in plain
      // text. If the FIN comes instead, the stream ends then.
      this.#peerEndedTls = true;
      bridge.onTcpEnd = this.#onEnd;
      return;
    }
    const tcp = this.#tcp;
    if (this.#ending !== undefined || !tcp.writable) {
      this.#endOfStream();
      return;
    }
    tcp.write(EMPTY, (error) => {
      if (error === undefined || error === null) {
        this.#endOfStream();
        return;
      }
      const code = errorCode(error);
      this.#fail(new ConnectionError(`read ${code ?? 'ECONNRESET'}: the connection was reset, not closed`, { cause: error, osCode: code ?? 'ECONNRESET' }));
    });
  };

  #endOfStream(): void {
    this.#queue.end();
    // Half-open is off: finish our side too, after queued writes (a no-op when it is finishing).
    if (this.#ending === undefined && !this.#destroyed) {
      this.#socket.end();
      this.#bridge?.endTcp();
    }
  }

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
    this.#pool?.retire(); // the socket reads no more: its slab goes back once its chunks have
    this.#settleClosed(this.#error);
  };

  #fail(error: unknown): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#queue.fail(error);
    this.#rejectWaiters(() => error);
    this.#socket.destroy();
    if (this.#bridge !== undefined) this.#tcp.destroy(); // a bridge may have let go of it (stopTls)
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


/** Connect with node:net, or node:tls when `options.tls` is given. */
/** `localAddress` and `family` as node:net takes them, checked: an IP literal, of the family asked for. */
function localEndpoint(options: ConnectOptions): Pick<net.TcpNetConnectOpts, 'localAddress' | 'family'> {
  const { localAddress } = options;
  if (localAddress !== undefined && (typeof localAddress !== 'string' || net.isIP(localAddress) === 0)) {
    throw new InvalidArgumentError('localAddress must be an IPv4 or IPv6 address');
  }
  const family = wantedFamily(options);
  return { ...(localAddress === undefined ? {} : { localAddress }), ...(family === undefined ? {} : { family }) };
}

async function connectNet(runtime: RuntimeName, options: ConnectOptions): Promise<Connection> {
  const { host, port } = options;
  checkEndpoint(host, port);
  const local = localEndpoint(options);
  const pins = readPins(options.tls?.pin);
  let connection: NetConnection | undefined;
  const deadline = new Deadline(options, `Connecting to ${host} port ${port}`, () => connection?.destroy());
  try {
    const pool = options.tls ? undefined : slabPoolFor(runtime);
    const readSize: ReadSize = { bytes: Infinity };
    // Implicit TLS runs over a TCP socket of our own, as startTls does, for the reset probe (see the module comment).
    const plain: net.Socket = net.connect({
      host,
      port,
      allowHalfOpen: true,
      ...local,
      ...(pool ? largeReads(pool, readSize, (chunk) => plain.emit('data', chunk)) : {}),
    });
    const secured = options.tls ? connectTls(runtime, options.tls, host, { socket: plain }) : undefined;
    connection = new NetConnection(runtime, secured?.socket ?? plain, plain, host, false, pool, readSize);
    if (options.tls) connection.armTls(options.tls, secured?.bridge, pins);
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
    this.address = addressOf(bound.address, bound.port, family(bound.family));
    this.#queue = new AcceptQueue<net.Socket>(
      {
        wrap: (socket) => {
          const connection = new NetConnection(this.#runtime, socket, socket, socket.remoteAddress ?? '', true);
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
  const { host, port, signal } = listenEndpoint(options);
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
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
