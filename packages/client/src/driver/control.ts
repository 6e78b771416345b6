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
import { ConnectionError, TimeoutError, TlsError, type Connection, type Transport } from '@ftpkit/transport';
import { abortError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { DataChannel, tlsFor, type ChannelClocks, type OnBytes, type TransferIo } from './data-channel.js';
import { Timer } from './timer.js';

interface Running {
  readonly resolve: (result: OperationResult) => void;
  readonly reject: (error: unknown) => void;
  readonly io: TransferIo | undefined;
  readonly onBytes: OnBytes | undefined;
  readonly signal: AbortSignal | undefined;
  /** A local failure (sink or source) that made us abort; reported instead of AbortError. */
  localError: unknown;
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
  /** The clocks a data channel drives. */
  readonly #clocks: ChannelClocks;
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
    this.#clocks = {
      reply: this.#replyTimer,
      dataIdle: this.#dataIdleTimer,
      running: () => this.#running !== undefined,
      moving: (value) => {
        this.#moving = value;
      },
    };
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
        this.#newChannel().connect(action.host ?? this.#conn.remoteAddress.host, action.port, action.secure);
        return;
      case 'listenData':
        this.#newChannel().listen(action.secure);
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

  /** A channel for the running operation's data connection, replacing (and closing) any earlier one. */
  #newChannel(): DataChannel {
    this.#closeData();
    const running = this.#running;
    const channel: DataChannel = new DataChannel(
      { transport: this.transport, control: this.#conn, options: this.options, io: running?.io, onBytes: running?.onBytes },
      this.#clocks,
      {
        listening: (endpoint) => this.#perform(this.session.listening(endpoint)),
        opened: () => this.#perform(this.session.dataOpened()),
        ended: () => this.#perform(this.session.dataClosed()),
        failed: (error) => this.#perform(this.session.dataFailed(error)),
        localFailure: (error) => {
          // The sink or source failed: stop the transfer with ABOR and report the local error.
          if (running) running.localError = error;
          this.#abort();
          running?.reject(error);
        },
      },
    );
    this.#data = channel;
    return channel;
  }

  #closeData(): void {
    const channel = this.#data;
    this.#data = undefined;
    channel?.close();
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

function logReply(log: (entry: { direction: '<'; text: string }) => void, reply: Reply): void {
  const [first = '', ...rest] = reply.lines;
  if (rest.length === 0) {
    log({ direction: '<', text: `${reply.code} ${first}` });
    return;
  }
  log({ direction: '<', text: [`${reply.code}-${first}`, ...rest.slice(0, -1), `${reply.code} ${rest.at(-1) ?? ''}`].join('\n') });
}
