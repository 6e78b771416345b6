/**
 * An in-memory network for driver tests: a `Transport` for the client, a server side the test
 * scripts, and one manual clock for both (h11's `ConnectionPair`, quinn's `Pair` with its time).
 *
 * Theory of operation: {@link memoryPair} makes a network with one server, listening on its control
 * port. The client gets `pair.transport` (`Client.connect({ ..., transport: pair.transport })`), whose
 * `connect()` and `listen()` give connections backed by in-memory pipes (see `memory-socket.ts` for
 * their semantics). The test plays the server with the other ends: `pair.control.accept()` for the
 * control connection, `pair.server.listen()` for a passive data port, `pair.server.connect()` to
 * reach an active-mode client. Every byte moves by promise jobs alone, so nothing happens between a
 * test's steps unless the test lets it, and every timeout of the transport (connect, TLS handshake,
 * accept) runs on `pair.clock`.
 *
 * The clock reaches `@ftpkit/client`'s driver through the transport, under the registered symbol
 * `Symbol.for('ftpkit.clock')`: an internal seam of the driver, documented there (`driver/clock.ts`),
 * that lets it run its reply, data-idle and keep-alive clocks on `pair.clock` instead of the system's.
 * Time then passes only in `pair.clock.advance(ms)`: a 30 s timeout costs no wall time, and two
 * events due at the same moment happen in a fixed order.
 *
 * @example
 * ```ts
 * const pair = memoryPair();
 * const connecting = Client.connect({ host: pair.host, port: pair.port, transport: pair.transport, timeouts: { reply: 5000 } });
 * const control = await pair.control.accept();
 * control.reply('220 memory');
 * expect(await control.line()).toBe('USER anonymous');
 * // ... and so on; then, for a silent server:
 * await pair.clock.advance(5000); // the reply timeout fires, exactly now
 * ```
 *
 * @module
 */
import { ConnectionError, type Address, type ConnectOptions, type Listener, type ListenOptions, type RuntimeName, type TlsSession, type Transport } from '@ftpkit/transport';
import { ManualClock } from './clock.js';
import { MemorySocket, within } from './memory-socket.js';

/** Options of {@link memoryPair}. */
export interface MemoryPairOptions {
  /** The clock for everything on this network. Default: a new `ManualClock` at 0. */
  readonly clock?: ManualClock;
  /** The server's address. Default `'127.0.0.1'`. */
  readonly serverHost?: string;
  /** The server's control port. Default 21. */
  readonly port?: number;
  /** The client's address. Default `'127.0.0.1'`. */
  readonly clientHost?: string;
  /** Bytes one direction of a connection holds before `write()` waits for the reader. Default 64 KiB. */
  readonly capacity?: number;
  /** The client's `listen()` takes this long on the clock (to hold the client in active mode's wait for its listener). Default 0. */
  readonly listenDelay?: number;
}

/** A client transport and the server it reaches, on one clock. */
export interface MemoryPair {
  readonly clock: ManualClock;
  /** Give this to the client: `Client.connect({ host: pair.host, port: pair.port, transport: pair.transport })`. */
  readonly transport: Transport;
  /** The server's address. */
  readonly host: string;
  /** The server's control port. */
  readonly port: number;
  /** The server's control port: `accept()` gives the server's end of the client's control connection. */
  readonly control: MemoryPort;
  /** The server's side of the network: passive data ports and active-mode connects. */
  readonly server: MemoryHost;
}

/** A host on the network, as the test script sees the server. */
export interface MemoryHost {
  readonly host: string;
  /** Listen on `port` (default: a free one), for a passive-mode data connection. */
  listen(port?: number): MemoryPort;
  /**
   * Connect to a port the client listens on (active mode). `from` makes the connection come from
   * another address than this host's (a data-port thief, say).
   */
  connect(host: string, port: number, options?: { readonly from?: string }): Promise<MemorySocket>;
}

type Acceptor = { readonly resolve: (socket: MemorySocket) => void; readonly reject: (error: Error) => void };

/** A listening port: the server's control or data port, or a client's active-mode listener. */
export class MemoryPort {
  readonly address: Address;
  /** While true, connections to this port hang until their connect timeout (a SYN dropped on the way). */
  silent = false;
  readonly #clock: ManualClock;
  readonly #onClose: () => void;
  #queue: MemorySocket[] = [];
  #acceptors: Acceptor[] = [];
  #closed = false;

  /** @internal Made by the network. */
  constructor(address: Address, clock: ManualClock, onClose: () => void) {
    this.address = address;
    this.#clock = clock;
    this.#onClose = onClose;
  }

  /** The port's number. */
  get port(): number {
    return this.address.port;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** This port's end of the next connection. A timeout or abort fails this call only. */
  accept(options: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined } = {}): Promise<MemorySocket> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(new ConnectionError('The listener is closed'));
    let acceptor!: Acceptor;
    const arrival = new Promise<MemorySocket>((resolve, reject) => (acceptor = { resolve, reject }));
    this.#acceptors.push(acceptor);
    const accepted = within(this.#clock, arrival, options, 'accept');
    accepted.catch(() => (this.#acceptors = this.#acceptors.filter((other) => other !== acceptor)));
    return accepted;
  }

  /** Stop listening: connections not yet accepted are destroyed, pending accepts fail. */
  close(reason?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    for (const socket of this.#queue) socket.destroy();
    this.#queue = [];
    const error = reason ?? new ConnectionError('The listener was closed');
    for (const acceptor of this.#acceptors) acceptor.reject(error);
    this.#acceptors = [];
  }

  /** @internal A connection arrived. */
  deliver(socket: MemorySocket): void {
    const acceptor = this.#acceptors.shift();
    if (acceptor) acceptor.resolve(socket);
    else this.#queue.push(socket);
  }
}

/** The runtime this runs on: the memory adapter is none of them, and reports its host's. */
const runtime: RuntimeName = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';

/** Ports, addresses and TLS sessions of one in-memory network. */
class Network {
  readonly clock: ManualClock;
  readonly capacity: number;
  readonly #ports = new Map<string, MemoryPort>();
  readonly #sessions = new WeakSet<object>();
  #nextPort = 40_000;

  constructor(clock: ManualClock, capacity: number) {
    this.clock = clock;
    this.capacity = capacity;
  }

  newSession(): TlsSession {
    const value = {};
    this.#sessions.add(value);
    return { runtime, value };
  }

  isSession(session: TlsSession | undefined): boolean {
    return typeof session?.value === 'object' && session.value !== null && this.#sessions.has(session.value);
  }

  listen(host: string, port = 0): MemoryPort {
    const number = port === 0 ? this.#nextPort++ : port;
    const key = `${host}|${number}`;
    if (this.#ports.has(key)) throw new ConnectionError(`listen EADDRINUSE ${host}:${number}`, { osCode: 'EADDRINUSE' });
    const listening = new MemoryPort(address(host, number), this.clock, () => this.#ports.delete(key));
    this.#ports.set(key, listening);
    return listening;
  }

  /** Connect from `from` to a listening port; resolves with the connecting end. */
  async connect(from: string, options: Pick<ConnectOptions, 'host' | 'port' | 'timeout' | 'signal'>): Promise<MemorySocket> {
    const { host, port } = options;
    await within(this.clock, Promise.resolve(), options, 'connect');
    const target = this.#ports.get(`${host}|${port}`);
    if (!target) throw new ConnectionError(`connect ECONNREFUSED ${host}:${port}`, { osCode: 'ECONNREFUSED' });
    if (target.silent) await within(this.clock, new Promise<never>(() => {}), options, `Connecting to ${host}:${port}`);
    const [mine, theirs] = MemorySocket.pair(this, address(from, this.#nextPort++), target.address, this.capacity);
    target.deliver(theirs);
    return mine;
  }
}

function address(host: string, port: number): Address {
  return { host, port, family: host.includes(':') ? 6 : 4 };
}

/**
 * A client transport and a scriptable server on one in-memory network and one manual clock.
 *
 * @example
 * ```ts
 * const pair = memoryPair();
 * const client = Client.connect({ host: pair.host, port: pair.port, transport: pair.transport });
 * const control = await pair.control.accept();
 * control.reply('220 ready');
 * ```
 */
export function memoryPair(options: MemoryPairOptions = {}): MemoryPair {
  const clock = options.clock ?? new ManualClock();
  const network = new Network(clock, options.capacity ?? 64 * 1024);
  const serverHost = options.serverHost ?? '127.0.0.1';
  const clientHost = options.clientHost ?? '127.0.0.1';
  const listenDelay = options.listenDelay ?? 0;
  const control = network.listen(serverHost, options.port ?? 21);
  const transport = {
    runtime,
    capabilities: { sessionReuse: true, reportsResumption: true, clientCertificates: true, tlsVersionLimits: true, writeSettlesWhenSent: true },
    async connect(connect: ConnectOptions) {
      const socket = await network.connect(clientHost, connect);
      if (connect.tls) {
        await socket.startTls({ ...connect.tls, timeout: connect.timeout, signal: connect.signal }).catch((error: unknown) => {
          socket.destroy();
          throw error;
        });
      }
      return socket;
    },
    async listen(listen: ListenOptions): Promise<Listener> {
      if (listenDelay > 0) await within(clock, clock.sleep(listenDelay), listen, 'listen');
      const listening = network.listen(listen.host, listen.port);
      const signal = listen.signal;
      signal?.addEventListener('abort', () => listening.close(signal.reason instanceof Error ? signal.reason : undefined), { once: true });
      return { address: listening.address, accept: (accept) => listening.accept(accept), close: () => listening.close() };
    },
    // The driver's clock seam (see the module comment).
    [Symbol.for('ftpkit.clock')]: clock,
  } satisfies Transport & Record<symbol, unknown>;
  const server: MemoryHost = {
    host: serverHost,
    listen: (port) => network.listen(serverHost, port),
    connect: (host, port, connect) => network.connect(connect?.from ?? serverHost, { host, port }),
  };
  return { clock, transport, host: serverHost, port: control.port, control, server };
}
