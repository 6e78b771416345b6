/**
 * The Cloudflare Workers implementation behind `@ftpkit/transport/workers`: `connect()` of
 * `cloudflare:sockets`, and `socket.startTls()`.
 *
 * Theory of operation: a Workers socket is a pair of Web streams. `read()` is one read of the
 * readable side's reader, and its chunk is handed out as it is (the runtime does not touch it again);
 * nothing is read ahead, so back-pressure is TCP's own. Writes are chained so that concurrent
 * `write()` calls keep their order, and each resolves when the writable side took the bytes.
 *
 * Every socket is opened with `secureTransport: 'starttls'`, the only mode in which `startTls()`
 * may be called later: an FTP client cannot know at connect time whether it will send AUTH TLS, or
 * whether a data connection will be protected (PROT P). A connection asked for with `tls` is
 * upgraded at once, so implicit FTPS takes the same path. The socket `startTls()` returns resolves
 * its `opened` once the handshake is done; that is when {@link WorkersConnection.startTls} resolves.
 *
 * The runtime keeps TLS sessions itself, by host name, and resumes them without being asked: no
 * session can be exported or given, so `tlsSession()` is `undefined` and a `session` option is
 * ignored. What that means for servers that insist on reuse is measured in the guide "Running on
 * Cloudflare Workers".
 *
 * workerd reports a failed handshake to the script as `internal error; reference = ...`, with the
 * real reason (an unknown issuer, a wrong name, a peer that is not TLS) only in its own log. So a
 * failure while the handshake runs is a {@link TlsError}, with the reason where the message names
 * one and `'other'` where it does not.
 *
 * @internal
 * @module
 */
import { connect as connectSocket, type Socket, type SocketInfo } from 'cloudflare:sockets';
import { ConnectionError, InvalidArgumentError, TlsError, TransportError, type TlsErrorReason } from '../errors.js';
import type { Address, Capabilities, Connection, ConnectOptions, Listener, TlsInfo, TlsOptions, TlsSession, Transport } from '../types.js';
import { type StartTlsOptions, NO_ADDRESS, addressOf, checkEndpoint, closedPromise, destroyedError } from './common.js';
import { Deadline } from './deadline.js';

/** What `startTls()` of a Workers socket takes. */
interface WorkersTlsOptions {
  expectedServerHostname?: string;
}

/** Refuse what Workers cannot do rather than ignore it. Returns the options for `startTls()`. */
function workersTlsOptions(options: TlsOptions, host: string): WorkersTlsOptions {
  if (options.ca !== undefined) {
    throw new TlsError(
      'Cloudflare Workers cannot be given a CA (ca): it trusts the public CAs only (workerd: the trustedCertificates of its network service)',
    );
  }
  if (options.rejectUnauthorized === false) {
    throw new TlsError('Cloudflare Workers cannot turn certificate verification off (rejectUnauthorized: false)');
  }
  if (options.cert !== undefined || options.key !== undefined) {
    throw new TlsError('Cloudflare Workers cannot present a client certificate (cert, key)');
  }
  if (options.minVersion === 'TLSv1.3' || options.maxVersion === 'TLSv1.2') {
    throw new TlsError('Cloudflare Workers cannot limit the TLS version (minVersion/maxVersion)');
  }
  // workerd takes the name to verify from the address it connected to, which for IPv6 is in brackets
  // ("[::1]") and no valid name: an IPv6 host is named here, without them (measured).
  const name = options.servername ?? host;
  return name !== host || host.includes(':') ? { expectedServerHostname: name } : {};
}

/** How `connect()` of `cloudflare:sockets` wants a host: an IPv6 address in brackets. */
function hostname(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `"127.0.0.1:21"` or `"[::1]:21"` as an {@link Address}; undefined when absent or unreadable. */
function parseAddress(text: string | undefined): Address | undefined {
  const match = text === undefined ? null : /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  if (match === null) return undefined;
  return addressOf(match[1] as string, Number(match[2]));
}

/** The kind of a TLS failure from the runtime's message, where it names one (rustls's words). */
function tlsReason(message: string): TlsErrorReason {
  if (/certificate|UnknownIssuer|NotValidForName/i.test(message)) return 'certificate';
  if (/InvalidContentType|corrupt message/i.test(message)) return 'not-tls';
  return 'other';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function tlsFailure(error: unknown, host: string): unknown {
  if (error instanceof TransportError || (error as { name?: unknown } | null)?.name === 'AbortError') return error;
  const message = messageOf(error);
  return new TlsError(`The TLS handshake with ${host} failed: ${message} (workerd writes the reason to its log)`, {
    cause: error,
    reason: tlsReason(message),
  });
}

function connectionFailure(error: unknown): unknown {
  if (error instanceof TransportError || (error as { name?: unknown } | null)?.name === 'AbortError') return error;
  return new ConnectionError(messageOf(error), { cause: error });
}

/** Settle with `promise`, or reject with the deadline's reason as soon as it fires. */
function within<T>(promise: Promise<T>, deadline: Deadline, tripped: Promise<never>): Promise<T> {
  promise.catch(() => {}); // a late rejection after the deadline won is nobody's
  return deadline.fired ? Promise.reject(deadline.reason) : Promise.race([promise, tripped]);
}

/** A deadline that also rejects a promise, for {@link within}. */
function deadlineFor(
  options: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined },
  what: string,
  fire: () => void,
): { deadline: Deadline; tripped: Promise<never> } {
  let reject!: (reason: unknown) => void;
  const tripped = new Promise<never>((_, fail) => (reject = fail));
  tripped.catch(() => {});
  const deadline = new Deadline(options, what, (reason) => {
    fire();
    reject(reason);
  });
  return { deadline, tripped };
}

function closeQuietly(socket: Socket): void {
  try {
    socket.close().catch(() => {});
  } catch {
    // already closed
  }
}

/** A connection over a Workers socket. */
class WorkersConnection implements Connection {
  #socket: Socket;
  readonly #host: string;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #reading = false;
  #queuedReads: { resolve(chunk: Uint8Array | null): void; reject(error: unknown): void }[] = [];
  #writeChain: Promise<void> = Promise.resolve();
  #error: unknown = undefined;
  #destroyReason: unknown = undefined;
  #eof = false;
  #ending: Promise<void> | undefined;
  #released = false;
  #tlsInfo: TlsInfo | undefined;
  /** TLS started and its handshake not done: a failure now is the handshake's. */
  #handshaking = false;
  readonly #local: Address;
  readonly #remote: Address;
  readonly #settleClosed: (error?: unknown) => void;
  readonly closed: Promise<void>;

  constructor(socket: Socket, host: string, port: number, info: SocketInfo, secure: boolean) {
    this.#socket = socket;
    this.#host = host;
    this.#local = parseAddress(info.localAddress) ?? NO_ADDRESS;
    this.#remote = parseAddress(info.remoteAddress) ?? addressOf(host, port);
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

  #readOnce(): Promise<Uint8Array | null> {
    if (this.#destroyReason !== undefined) return Promise.reject(this.#destroyReason);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#eof) return Promise.resolve(null);
    this.#reading = true;
    this.#reader ??= this.#socket.readable.getReader();
    return this.#reader.read().then(
      ({ done, value }) => {
        this.#reading = false;
        let chunk: Uint8Array | null | undefined = value !== undefined && value.byteLength > 0 ? value : undefined;
        if (done) {
          this.#eof = true;
          // No half-open from the peer's side (the runtime finishes ours too): release once written out.
          this.end().catch(() => {});
          chunk = null;
        }
        this.#nextQueuedRead();
        if (this.#destroyReason !== undefined) throw this.#destroyReason;
        return chunk === undefined ? this.read() : chunk;
      },
      (error: unknown) => {
        this.#reading = false;
        const outcome = this.#destroyReason ?? this.#fail(this.#mapped(error));
        this.#nextQueuedRead();
        throw outcome;
      },
    );
  }

  #nextQueuedRead(): void {
    const waiter = this.#queuedReads.shift();
    if (waiter !== undefined) this.#readOnce().then(waiter.resolve, waiter.reject);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#destroyReason !== undefined) return Promise.reject(this.#destroyReason);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ending !== undefined) return Promise.reject(new ConnectionError('write() after end()'));
    const result = this.#writeChain.then(async () => {
      if (this.#destroyReason !== undefined) throw this.#destroyReason;
      if (this.#error !== undefined) throw this.#error;
      try {
        await this.#writerOf().write(bytes);
      } catch (error) {
        throw this.#destroyReason ?? this.#fail(this.#mapped(error));
      }
    });
    this.#writeChain = result.catch(() => {});
    return result;
  }

  #writerOf(): WritableStreamDefaultWriter<Uint8Array> {
    return (this.#writer ??= this.#socket.writable.getWriter());
  }

  end(): Promise<void> {
    if (this.#destroyReason !== undefined) return Promise.reject(this.#destroyReason);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    this.#ending ??= (async () => {
      await this.#writeChain;
      if (this.#error !== undefined) throw this.#error;
      if (this.#destroyReason !== undefined) throw this.#destroyReason;
      try {
        await this.#writerOf().close();
      } catch (error) {
        // After the peer's end the runtime has closed our side already: nothing left to finish.
        if (!this.#eof) throw this.#fail(this.#mapped(error));
      }
    })();
    if (this.#eof) this.#ending.then(() => this.#release(), () => {});
    return this.#ending;
  }

  destroy(error?: Error): void {
    if (this.#destroyReason !== undefined) return;
    this.#destroyReason = error ?? destroyedError();
    if (error !== undefined && this.#error === undefined) this.#error = error;
    // Pending reads and writes settle with the reason; the streams are torn down with the socket.
    this.#release();
  }

  async startTls(options: StartTlsOptions): Promise<void> {
    if (this.#destroyReason !== undefined) throw this.#destroyReason;
    if (this.#error !== undefined) throw this.#error;
    if (this.#tlsInfo !== undefined) throw new TlsError('TLS is already active on this connection');
    if (this.#eof) throw new ConnectionError('The peer closed the connection before TLS could start');
    if (this.#reading) throw new TypeError('startTls() while a read() is pending');
    const tlsOptions = workersTlsOptions(options, this.#host);
    const { deadline, tripped } = deadlineFor(options, 'TLS handshake', () => closeQuietly(this.#socket));
    try {
      await within(this.#writeChain, deadline, tripped);
      // The plain streams' locks go; whatever plaintext they still hold is dropped with them.
      this.#reader?.releaseLock();
      this.#writer?.releaseLock();
      this.#reader = undefined;
      this.#writer = undefined;
      this.#socket = this.#socket.startTls(tlsOptions);
      this.#handshaking = true;
      this.#tlsInfo = Object.freeze({ protocol: undefined, resumed: undefined });
      await within(this.#socket.opened, deadline, tripped);
      this.#handshaking = false;
    } catch (error) {
      const reason = deadline.fired ? deadline.reason : tlsFailure(error, this.#host);
      this.#fail(reason);
      throw reason;
    } finally {
      deadline.clear();
    }
  }

  #mapped(error: unknown): unknown {
    return this.#handshaking ? tlsFailure(error, this.#host) : connectionFailure(error);
  }

  #fail(error: unknown): unknown {
    if (this.#error === undefined) this.#error = error;
    this.#release();
    return this.#error;
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    closeQuietly(this.#socket);
    this.#settleClosed(this.#error);
  }
}

/** Open a socket that may start TLS later and, with `options.tls`, start it now. */
async function connectWorkers(options: ConnectOptions): Promise<Connection> {
  const { host, port } = options;
  checkEndpoint(host, port);
  const tlsOptions = options.tls !== undefined ? workersTlsOptions(options.tls, host) : undefined;
  let socket: Socket | undefined;
  const { deadline, tripped } = deadlineFor(options, `Connecting to ${host} port ${port}`, () => {
    if (socket !== undefined) closeQuietly(socket);
  });
  let phase: 'tcp' | 'tls' = 'tcp';
  try {
    socket = connectSocket({ hostname: hostname(host), port }, { secureTransport: 'starttls', allowHalfOpen: false });
    let info = await within(socket.opened, deadline, tripped);
    if (tlsOptions !== undefined) {
      phase = 'tls';
      socket = socket.startTls(tlsOptions);
      info = { ...info, ...(await within(socket.opened, deadline, tripped)) };
    }
    return new WorkersConnection(socket, host, port, info, tlsOptions !== undefined);
  } catch (error) {
    if (socket !== undefined) closeQuietly(socket);
    if (deadline.fired) throw deadline.reason;
    if (phase === 'tls') throw tlsFailure(error, host);
    throw error instanceof TransportError
      ? error
      : new ConnectionError(`Cannot connect to ${host} port ${port}: ${messageOf(error)}`, { cause: error });
  } finally {
    deadline.clear();
  }
}

/** Workers cannot accept connections: there is no listening socket in the Workers API. */
function listenWorkers(): Promise<Listener> {
  return Promise.reject(
    new InvalidArgumentError('Cloudflare Workers cannot listen for connections, so active-mode FTP is impossible there: use passive mode'),
  );
}

/** The Workers transport, with what was measured under workerd. */
export function createWorkersTransport(capabilities: Capabilities): Transport {
  return Object.freeze({
    runtime: 'workers',
    capabilities: Object.freeze({ ...capabilities }),
    connect: connectWorkers,
    listen: listenWorkers,
  });
}
