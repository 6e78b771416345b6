/**
 * The driver: runs `@ftpkit/codec`'s Session over `@ftpkit/transport` connections.
 *
 * Theory of operation: the Session decides everything FTP; this module only performs its actions
 * (write bytes, upgrade to TLS, open or accept a data connection, move data, close) and reports the
 * outcomes back. It never looks at a reply code. It owns the clock: the connect timeout, the reply
 * timeout (armed while the session waits on the control connection) and the data-idle timeout (armed
 * only while a data read or write is waiting on the server, so a slow local consumer never trips it).
 *
 * One control reader loop runs for the life of the connection, so an unsolicited 421 or a close is
 * noticed even while idle. A TLS upgrade is performed before the next read is issued, so no
 * plaintext byte is read after the server's 234.
 *
 * @module
 */
import { Session, TlsRefusedError, type Action, type Operation, type OperationResult, type Reply } from '@ftpkit/codec';
import { ConnectionError, TimeoutError, TlsError, type Address, type Connection, type Listener, type Transport } from '@ftpkit/transport';
import { abortError, LocalProtocolError } from './errors.js';
import type { ResolvedOptions } from './options.js';

/** How a transfer moves its bytes. */
export type TransferIo =
  | {
      readonly direction: 'download';
      /**
       * Receives each chunk; may be async (back-pressure). `recycle`, when the transport pools its
       * memory, gives a chunk back once the sink has no more use for it (see `Connection.recycle`).
       */
      readonly write: (chunk: Uint8Array, recycle?: (chunk: Uint8Array) => void) => void | Promise<void>;
    }
  | {
      readonly direction: 'upload';
      readonly source: AsyncIterable<Uint8Array>;
    };

type DownloadWrite = Extract<TransferIo, { direction: 'download' }>['write'];

/** Byte counter callback for progress. */
export type OnBytes = (count: number) => void;

interface Running {
  readonly resolve: (result: OperationResult) => void;
  readonly reject: (error: unknown) => void;
  readonly io: TransferIo | undefined;
  readonly onBytes: OnBytes | undefined;
  readonly signal: AbortSignal | undefined;
  /** A local failure (sink or source) that made us abort; reported instead of AbortError. */
  localError: unknown;
}

/** One data connection attempt and its transfer. */
interface DataChannel {
  conn: Connection | undefined;
  listener: Listener | undefined;
  closed: boolean;
  /** Resolves on the session's `dataReady` (uploads start then). */
  ready: Promise<void>;
  markReady: () => void;
  /** A TLS transfer is moving data: an abort closes it gently (see #closeData). */
  tlsPump: 'upload' | 'download' | undefined;
  /** Set by #closeData while a TLS download drains: tears the connection down and stops the grace timer. */
  finish: (() => void) | undefined;
}

/** How long an aborted TLS transfer may take to close gently before it is torn down. */
const TLS_CLOSE_GRACE_MS = 2_000;

/**
 * A restartable one-shot timer that is cheap to restart. The data-idle timer is started and stopped
 * around every chunk of a transfer; instead of a system timer per chunk, `start` only moves a deadline
 * and one underlying timeout re-arms itself for the remainder when it finds the deadline moved. The
 * timer never keeps the process alive on its own once stopped (the pending timeout is cleared).
 */
class Timer {
  #handle: ReturnType<typeof setTimeout> | undefined;
  #deadline = 0;
  #armed = false;
  constructor(
    readonly ms: number,
    readonly onFire: () => void,
  ) {}
  start(): void {
    if (this.ms <= 0) return;
    this.#armed = true;
    this.#deadline = performance.now() + this.ms;
    this.#handle ??= setTimeout(this.#check, this.ms);
  }
  stop(): void {
    this.#armed = false;
  }
  /** Stop and release the underlying timeout (idle periods, shutdown). */
  clear(): void {
    this.#armed = false;
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
  }
  #check = (): void => {
    this.#handle = undefined;
    if (!this.#armed) return;
    const left = this.#deadline - performance.now();
    if (left > 0) {
      this.#handle = setTimeout(this.#check, left);
      return;
    }
    this.#armed = false;
    this.onFire();
  };
}

/** A logged-in control connection. */
export class Control {
  readonly session: Session;
  readonly options: ResolvedOptions;
  /** The adapter this connection and its data connections use. */
  readonly transport: Transport;
  readonly #conn: Connection;
  #running: Running | undefined;
  #data: DataChannel | undefined;
  #closed = false;
  #closeReason: unknown;
  #tlsUpgrade: Promise<void> | undefined;
  /** A data pump is running: the reply timer is paused. */
  #moving = false;
  /** Calls waiting for the running operation (an abort finishing in the background) to end. */
  #idleWaiters: (() => void)[] = [];
  readonly #replyTimer: Timer;
  readonly #dataIdleTimer: Timer;
  readonly #done: Promise<void>;

  private constructor(conn: Connection, transport: Transport, options: ResolvedOptions) {
    this.#conn = conn;
    this.transport = transport;
    this.options = options;
    const log = options.log;
    this.session = new Session({
      trustPasvHost: options.trustPasvHost,
      epsv: options.epsv,
      pipelining: options.pipelining,
      ipv6: conn.remoteAddress.family === 6,
      encoding: options.encoding,
      ...(log ? { onReply: (reply: Reply) => logReply(log, reply) } : {}),
    });
    this.#replyTimer = new Timer(options.timeouts.reply, () => this.#fatal(new TimeoutError(`No reply from the server within ${options.timeouts.reply} ms`)));
    this.#dataIdleTimer = new Timer(options.timeouts.dataIdle, () =>
      this.#fatal(new TimeoutError(`Data connection idle for ${options.timeouts.dataIdle} ms`)),
    );
    this.#done = this.#readLoop();
  }

  /** Connect, log in and return the driver with the session's connect result. */
  static async open(transport: Transport, options: ResolvedOptions, signal?: AbortSignal): Promise<{ control: Control; result: OperationResult }> {
    const implicit = options.secure === 'implicit';
    const conn = await transport.connect({
      host: options.host,
      port: options.port,
      ...(implicit ? { tls: tlsFor(options) } : {}),
      ...(options.timeouts.connect > 0 ? { timeout: options.timeouts.connect } : {}),
      ...(signal ? { signal } : {}),
    });
    const control = new Control(conn, transport, options);
    try {
      const result = await control.run(
        {
          kind: 'connect',
          user: options.user,
          password: options.password,
          ...(options.account === undefined ? {} : { account: options.account }),
          security: options.secure === false ? 'none' : options.secure,
          protectData: options.protectData,
        },
        { signal },
      );
      return { control, result };
    } catch (err) {
      control.destroy();
      // TLS was required (secure: 'explicit') and AUTH TLS got anything but 234: options.ts promises
      // TlsError, with the server's reply as the cause (CVE-2021-22946: never go on in plaintext).
      if (err instanceof TlsRefusedError) {
        throw new TlsError('TLS was required and the server refused AUTH TLS', { cause: err });
      }
      throw err;
    }
  }

  /** True once the control connection is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Run one operation. The caller serializes calls; a call made while an aborted or failed operation
   * is still finishing its exchange with the server (ABOR, or the answer to a pipelined transfer
   * command) waits for the session to be idle first.
   */
  async run(op: Operation, extra: { io?: TransferIo; onBytes?: OnBytes; signal?: AbortSignal | undefined } = {}): Promise<OperationResult> {
    while (this.#running && !this.#closed) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    if (this.#closed) throw this.#closeReason ?? new ConnectionError('The connection is closed');
    const { signal } = extra;
    if (signal?.aborted) throw abortError(signal);
    return new Promise<OperationResult>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        this.#abort();
        // The caller asked to stop: answer now, and let the session finish ABOR with the server in
        // the background (a server may take long to answer it, or never; the reply clock covers that).
        running.reject(running.localError ?? abortError(signal));
      };
      const running: Running = {
        resolve: (result) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
        io: extra.io,
        onBytes: extra.onBytes,
        signal,
        localError: undefined,
      };
      let actions: Action[];
      try {
        actions = this.session.start(op);
      } catch (err) {
        reject(err);
        return;
      }
      this.#running = running;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#replyTimer.start();
      this.#perform(actions);
    });
  }

  /** Close everything now. Safe to call twice. */
  destroy(reason?: unknown): void {
    this.#shutdown(reason ?? new ConnectionError('The connection was closed by the client'));
  }

  /** Resolves when the reader loop has ended. */
  get finished(): Promise<void> {
    return this.#done;
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        if (this.#tlsUpgrade) await this.#tlsUpgrade;
        if (this.#closed) return;
        const chunk = await this.#conn.read();
        if (this.#closed) return;
        if (chunk === null) {
          this.#perform(this.session.end());
          this.#shutdown(new ConnectionError('The server closed the control connection'));
          return;
        }
        // While data moves, the data-idle timer watches the server; control bytes such as an early
        // 226 must not start the reply clock under a slow local consumer.
        if (this.#running && !this.#moving) this.#replyTimer.start();
        this.#perform(this.session.receive(chunk));
      }
    } catch (err) {
      this.#shutdown(err);
    }
  }

  #perform(actions: readonly Action[]): void {
    for (const action of actions) this.#performOne(action);
  }

  #performOne(action: Action): void {
    switch (action.type) {
      case 'send':
        // A pipelined write carries several commands, one per line: log each on its own.
        if (this.options.log) for (const text of action.command.split('\n')) this.options.log({ direction: '>', text });
        this.#conn.write(action.bytes).catch((err: unknown) => this.#shutdown(err));
        return;
      case 'startTls':
        this.#tlsUpgrade = this.#conn
          .startTls({ ...tlsFor(this.options), ...(this.options.timeouts.connect > 0 ? { timeout: this.options.timeouts.connect } : {}) })
          .then(
            () => {
              this.#tlsUpgrade = undefined;
              this.#perform(this.session.tlsStarted());
            },
            (err: unknown) => this.#shutdown(err),
          );
        return;
      case 'openData':
        this.#openPassive(action.host ?? this.#conn.remoteAddress.host, action.port, action.secure);
        return;
      case 'listenData':
        this.#openActive(action.secure);
        return;
      case 'dataReady':
        this.#data?.markReady();
        return;
      case 'closeData':
        this.#closeData();
        return;
      case 'done':
        this.#settle((r) => r.resolve(action.result));
        return;
      case 'failed':
        this.#settle((r) => r.reject(r.localError ?? action.error));
        return;
      case 'failing':
        // The caller hears now; the session reads the server's answers to what it already sent, and
        // the next call waits for its `failed` (see run), as after an abort.
        this.#running?.reject(this.#running.localError ?? action.error);
        return;
      case 'aborted':
        this.#settle((r) => r.reject(r.localError ?? abortError(r.signal)));
        return;
      case 'close':
        this.#shutdown(action.reason ?? new ConnectionError('The connection is closed'));
        return;
    }
  }

  /**
   * Abort the running operation. The session answers with ABOR (and a NOOP fence) and then waits on
   * the server alone, so the reply clock must run: the data connection is closed by then, and a server
   * that never answers ABOR (ftp-srv 4.6.3 can hang on it) would otherwise hang the call for good.
   * The clock starts before the actions run, since they may settle the operation at once.
   */
  #abort(): void {
    const actions = this.session.abort();
    if (actions.length > 0 && this.#running) this.#replyTimer.start();
    this.#perform(actions);
  }

  #settle(fn: (running: Running) => void): void {
    const running = this.#running;
    this.#running = undefined;
    this.#replyTimer.clear();
    this.#dataIdleTimer.clear();
    if (running) fn(running);
    this.#wakeIdleWaiters();
  }

  #wakeIdleWaiters(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  #newChannel(): DataChannel {
    this.#closeData();
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const channel: DataChannel = { conn: undefined, listener: undefined, closed: false, ready, markReady, tlsPump: undefined, finish: undefined };
    this.#data = channel;
    return channel;
  }

  #openPassive(host: string, port: number, secure: boolean): void {
    const channel = this.#newChannel();
    const connect = this.transport.connect({
      host,
      port,
      ...(this.options.timeouts.connect > 0 ? { timeout: this.options.timeouts.connect } : {}),
    });
    connect.then(
      (conn) => this.#dataConnected(channel, conn, secure),
      (err: unknown) => {
        if (!channel.closed) this.#perform(this.session.dataFailed(asError(err)));
      },
    );
  }

  #openActive(secure: boolean): void {
    const channel = this.#newChannel();
    const local = this.#conn.localAddress;
    (async () => {
      const listener = await this.transport.listen({ host: local.host });
      channel.listener = listener;
      if (channel.closed) return listener.close();
      this.#perform(this.session.listening({ host: listener.address.host, port: listener.address.port }));
      const conn = await this.#acceptFromServer(listener);
      listener.close();
      channel.listener = undefined;
      this.#dataConnected(channel, conn, secure);
    })().catch((err: unknown) => {
      if (!channel.closed) this.#perform(this.session.dataFailed(asError(err)));
    });
  }

  /**
   * Accept the active-mode data connection, taking it only from the control connection's peer. Whoever
   * connects to the listening port first would otherwise get the transfer: inject bytes into a
   * download or receive an upload (FTP data port theft; lftp's `ftp:verify-address`). A connection
   * from another host is closed before anything is read from it or written to it, logged, and the
   * wait goes on for the server's until the connect timeout; if only others came, the transfer fails
   * with a ConnectionError that names them.
   */
  async #acceptFromServer(listener: Listener): Promise<Connection> {
    const server = this.#conn.remoteAddress;
    const limit = this.options.timeouts.connect;
    const deadline = performance.now() + limit;
    const refused: Address[] = [];
    let count = 0;
    for (;;) {
      let conn: Connection;
      try {
        conn = await listener.accept(limit > 0 ? { timeout: Math.max(0, deadline - performance.now()) } : {});
      } catch (err) {
        if (count === 0 || !(err instanceof TimeoutError)) throw err;
        throw new ConnectionError(
          `No data connection came from the server (${server.host}) within ${limit} ms; refused ${describeRefused(refused, count)}. ` +
            'In active mode only the server may connect: another host could inject data or take an upload.',
          { cause: err },
        );
      }
      const peer = conn.remoteAddress;
      if (sameIp(peer.host, server.host)) return conn;
      conn.destroy();
      count++;
      if (refused.length < MAX_REFUSED_NAMED) refused.push(peer);
      this.options.log?.({ direction: '*', text: `Refused a data connection from ${formatEndpoint(peer)}: not the server's address ${server.host}` });
    }
  }

  /** TLS for a data connection: same settings, resuming the control connection's newest session. */
  #dataTls() {
    const session = this.#conn.tlsSession();
    const timeout = this.options.timeouts.connect;
    return { ...tlsFor(this.options), ...(session ? { session } : {}), ...(timeout > 0 ? { timeout } : {}) };
  }

  /**
   * The data connection's TCP is up. With PROT P the TLS handshake is started now but not awaited
   * before the session sends the transfer command: vsftpd, ProFTPD and Pure-FTPd accept() the data
   * connection, and so finish the handshake, only once the command arrives, while ftp-srv wants the
   * handshake under way before it (lftp, which starts TLS after the 150, gets 425 there). The bytes
   * move only after the handshake has finished. RFC 4217 §7: the client is the TLS client on the
   * data connection even when it accepted it (active mode).
   */
  #dataConnected(channel: DataChannel, conn: Connection, secure: boolean): void {
    if (channel.closed) {
      conn.destroy();
      return;
    }
    channel.conn = conn;
    const handshake = secure ? conn.startTls(this.#dataTls()) : undefined;
    handshake?.catch(() => {}); // observed below; never an unhandled rejection
    const running = this.#running;
    const io = running?.io;
    this.#perform(this.session.dataOpened());
    if (channel.closed) return;
    if (!io) {
      handshake?.catch((err: unknown) => {
        if (!channel.closed) this.#perform(this.session.dataFailed(asError(err)));
      });
      return;
    }
    const pump = (): void => {
      this.#replyTimer.stop();
      this.#moving = true;
    };
    // A download may see data before the 1xx, and the data-idle clock watches it from the first read.
    // An upload sends nothing before the 1xx, so until then the server owes a reply: the reply clock
    // keeps running (a server that accepts the data connection and never answers STOR is a timeout).
    if (io.direction === 'download') pump();
    const move = async (): Promise<void> => {
      try {
        if (handshake) {
          await handshake;
          channel.tlsPump = io.direction;
        }
        if (io.direction === 'upload') {
          await channel.ready;
          if (channel.closed) return;
          pump();
        }
        if (io.direction === 'download') await this.#download(channel, conn, io.write);
        else await this.#upload(channel, conn, io.source);
      } finally {
        this.#moving = false;
        // A download that #closeData left open to drain is done now: release it.
        channel.tlsPump = undefined;
        channel.finish?.();
      }
    };
    const moved = move();
    moved.then(
      () => {
        if (channel.closed) return;
        if (this.#running) this.#replyTimer.start();
        this.#perform(this.session.dataClosed());
      },
      (err: unknown) => {
        if (channel.closed) return;
        if (err instanceof LocalFailure) {
          // The sink or source failed: stop the transfer with ABOR and report the local error.
          if (running) running.localError = err.cause;
          this.#abort();
          running?.reject(err.cause);
          return;
        }
        if (this.#running) this.#replyTimer.start();
        this.#perform(this.session.dataFailed(asError(err)));
      },
    );
  }

  async #download(channel: DataChannel, conn: Connection, write: DownloadWrite): Promise<void> {
    const onBytes = this.#running?.onBytes;
    const recycle = conn.recycle === undefined ? undefined : (chunk: Uint8Array) => conn.recycle!(chunk);
    for (;;) {
      // A sink may abort synchronously (closing the channel): never arm the timer for a closed one.
      if (channel.closed) return this.#drain(conn);
      this.#dataIdleTimer.start();
      let chunk: Uint8Array | null;
      try {
        chunk = await conn.read();
      } finally {
        // #closeData already stopped the timer of a closed channel, which may be the next transfer's now.
        if (!channel.closed) this.#dataIdleTimer.stop();
      }
      if (chunk === null) return;
      if (channel.closed) return this.#drain(conn);
      const length = chunk.length;
      try {
        const pending = write(chunk, recycle);
        if (pending) await pending;
      } catch (err) {
        throw new LocalFailure(err);
      }
      onBytes?.(length);
    }
  }

  /**
   * Read and drop what a closed download still brings until the server ends it: an aborted TLS
   * download is left open for this (#closeData). Any other is torn down already, and this ends at once.
   */
  async #drain(conn: Connection): Promise<void> {
    try {
      while ((await conn.read()) !== null);
    } catch {
      // Torn down by the grace timer, or reset: either way it is over.
    }
  }

  async #upload(channel: DataChannel, conn: Connection, source: AsyncIterable<Uint8Array>): Promise<void> {
    const onBytes = this.#running?.onBytes;
    await channel.ready;
    const iterator = source[Symbol.asyncIterator]();
    let exhausted = false;
    try {
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await iterator.next();
        } catch (err) {
          exhausted = true; // a source that threw is finished
          throw new LocalFailure(err);
        }
        exhausted = next.done === true;
        if (next.done || channel.closed) break;
        this.#dataIdleTimer.start();
        await conn.write(next.value);
        this.#dataIdleTimer.stop();
        onBytes?.(next.value.length);
      }
    } finally {
      this.#dataIdleTimer.stop();
      // Stopped early (closed, or a write failed on a reset): let the source release what it holds
      // (a file source's handle) now, not at garbage collection.
      if (!exhausted) await iterator.return?.();
    }
    // A closed channel was ended or torn down by #closeData; its timer belongs to the next transfer now.
    if (channel.closed) return;
    this.#dataIdleTimer.start();
    try {
      await conn.end();
    } finally {
      if (!channel.closed) this.#dataIdleTimer.stop();
    }
  }

  #closeData(): void {
    const channel = this.#data;
    if (!channel || channel.closed) return;
    channel.closed = true;
    this.#data = undefined;
    this.#dataIdleTimer.stop();
    const conn = channel.conn;
    if (conn && channel.tlsPump) {
      // An aborted TLS transfer is closed gently, within a grace period, because OpenSSL servers
      // punish a cut one. An upload cut without close_notify makes them drop the TLS session it
      // resumed (ProFTPD: "unexpected eof while reading"), which is the control connection's, so
      // servers that require reuse refuse every later data connection (425): end() it instead. A
      // download cut while the server writes gives it EPIPE, on which ProFTPD's mod_tls ends the
      // whole session ("unexpected OpenSSL error, disconnecting", about 1 abort in 800): keep
      // reading and discarding (#drain) until the server, answering ABOR, closes it.
      const grace = setTimeout(() => conn.destroy(), TLS_CLOSE_GRACE_MS);
      const finish = (): void => {
        clearTimeout(grace);
        conn.destroy();
      };
      // An upload is released once close_notify is out; a download by its pump, when the drain ends.
      if (channel.tlsPump === 'upload') conn.end().then(finish, finish);
      else channel.finish = finish;
    } else {
      conn?.destroy();
    }
    channel.listener?.close();
    channel.markReady();
  }

  /** A timeout or a failure that leaves the connection unusable. */
  #fatal(error: unknown): void {
    this.#shutdown(error);
  }

  #shutdown(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#replyTimer.clear();
    this.#dataIdleTimer.clear();
    this.#closeData();
    this.#conn.destroy();
    const running = this.#running;
    this.#running = undefined;
    running?.reject(running.localError ?? reason);
    this.#wakeIdleWaiters();
  }
}

/** A failure of the local side of a transfer (sink or source). */
class LocalFailure extends Error {
  constructor(cause: unknown) {
    super('local transfer failure', { cause });
  }
}

function tlsFor(options: ResolvedOptions) {
  return { servername: options.tls.servername ?? options.host, ...options.tls };
}

/** How many refused data connections an error names; the rest are counted. */
const MAX_REFUSED_NAMED = 3;

function describeRefused(named: readonly Address[], count: number): string {
  const list = named.map(formatEndpoint).join(', ');
  const more = count > named.length ? ` and ${count - named.length} more` : '';
  return `${count === 1 ? 'a data connection' : `${count} data connections`} from ${list}${more}`;
}

function formatEndpoint(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Whether two IP address strings name the same address, whatever their spelling. */
function sameIp(a: string, b: string): boolean {
  return canonicalIp(a) === canonicalIp(b);
}

/**
 * One spelling per IP address: IPv4 as a dotted quad, IPv6 as eight hex groups, without brackets or a
 * zone. RFC 4291 §2.5.5.2: an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, as a dual-stack socket
 * reports an IPv4 peer) is that IPv4 address. Text that does not parse is compared as it is, lowercased.
 */
function canonicalIp(host: string): string {
  let text = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!text.includes(':')) return text;
  // RFC 4291 §2.2 form 3: the last 32 bits may be written as a dotted quad.
  const quad = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return text;
  const groupsOf = (part: string | undefined): string[] => (part === undefined || part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 1 ? zeros !== 0 : zeros < 1) return text;
  const groups = [...head, ...Array<string>(zeros).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return text;
  const words = groups.map((group) => Number.parseInt(group, 16));
  if (words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff) {
    const [high = 0, low = 0] = words.slice(6);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return words.map((word) => word.toString(16)).join(':');
}

/** Errors from the transport are already typed; anything else is wrapped as a ConnectionError. */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new ConnectionError(String(err), { cause: err });
}

function logReply(log: (entry: { direction: '<'; text: string }) => void, reply: Reply): void {
  const [first = '', ...rest] = reply.lines;
  if (rest.length === 0) {
    log({ direction: '<', text: `${reply.code} ${first}` });
    return;
  }
  log({ direction: '<', text: [`${reply.code}-${first}`, ...rest.slice(0, -1), `${reply.code} ${rest.at(-1) ?? ''}`].join('\n') });
}
