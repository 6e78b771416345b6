/**
 * The driver: runs `@ftpkit/codec`'s Session over `@ftpkit/transport` connections.
 *
 * Theory of operation: the Session decides everything FTP; this module only performs its actions
 * (write bytes, upgrade to TLS, open or accept a data connection through a {@link DataChannel},
 * close) and reports the outcomes back. It never looks at a reply code.
 *
 * It owns the clocks, as data (quinn's `poll_timeout`): after every event and action, `#clock()`
 * derives which one clock runs from the session's wait state and the data channel's pump, and one
 * {@link Alarm} is set for that clock's deadline. Nothing starts or stops a timer by hand:
 * - `reply`: the session waits on the server (greeting, reply, tls, listening, transfer, aborting)
 *   and no data moves. It counts from the last command sent, or the last complete reply received,
 *   to the next complete reply: bytes of a reply do not restart it, so a server that trickles a
 *   reply one byte at a time cannot stretch it. The parser's bound on a reply's size (1 MiB) is what
 *   makes this fair to a long multi-line reply: the longest legal one needs about 35 KiB/s to arrive
 *   within the default 30 s. Complete replies that do not end the wait are bounded by the session
 *   (a flood of 1xx fails, an owed 226 is dropped once), so they cannot stretch it for long either.
 * - `dataIdle`: data moves and a read or write waits on the server, counted from when that wait
 *   began. While the pump waits on the caller's sink or source, or on a bandwidth limit
 *   (throttle.ts), no clock runs, so a slow local consumer or a low limit never trips one.
 * - `keepAlive`: the session is idle after login and `keepAlive` is set; it sends a NOOP.
 * Beside whichever of these runs, a transfer's keep-alive may be due: with `transferKeepAlive` set,
 * while the session takes one (`Session.canKeepAlive`) and the data moves, a NOOP goes out after
 * that many milliseconds of silence on the control connection, counted from its last byte either
 * way (a NAT's notion of idle). The session matches the NOOPs' answers; the driver only says when.
 * And the `login` deadline holds from the TCP connect until the login is
 * done: a bound on the whole connect, whatever each reply takes. The connect timeout (and the TLS
 * handshake's) is the transport's, cut to what is left of the login deadline, and the grace of a
 * gentle TLS close belongs to the data channel being closed, which may outlive its operation. The
 * table of every deadline is the guide's (docs-src/guides/misbehaving-servers.md).
 *
 * One control reader loop runs for the life of the connection, so an unsolicited 421 or a close is
 * noticed even while idle. A TLS upgrade is performed before the next read is issued, so no
 * plaintext byte is read after the server's 234.
 *
 * @module
 */
// Why this file is long: the action loop and the clocks it derives are one unit over one connection.
import { command, Session, TlsRefusedError, type Action, type Operation, type OperationResult, type Reply } from '@ftpkit/codec';
import { ConnectionError, TimeoutError, TlsError, type Connection, type PeerCertificate, type TlsSession, type Transport } from '@ftpkit/transport';
import { abortError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { commandChannel, connectChannel, replyChannel, traceConnect, tracedConnection, type TracedConnection } from '../tracing.js';
import { Alarm, clockOf, loginTimeout, replyTimeout, type Clock } from './clock.js';
import { DataChannel, tlsFor, type OnBytes, type OnTls, type TransferIo } from './data-channel.js';
import type { RateLimit } from './throttle.js';

interface Running {
  readonly resolve: (result: OperationResult) => void;
  readonly reject: (error: unknown) => void;
  readonly io: TransferIo | undefined;
  readonly onBytes: OnBytes | undefined;
  readonly onTls: OnTls | undefined;
  readonly limits: readonly RateLimit[];
  readonly signal: AbortSignal | undefined;
  /** A local failure (sink or source) that made us abort; reported instead of AbortError. */
  localError: unknown;
}

/** What a call brings besides its operation. */
type RunExtra = { io?: TransferIo; onBytes?: OnBytes; onTls?: OnTls; limits?: readonly RateLimit[]; signal?: AbortSignal | undefined };

/** The driver's clocks; at most one runs at a time. */
type ClockKind = 'reply' | 'dataIdle' | 'keepAlive' | 'none';

/** The running clock: its length and, for one that counts from its own event, that event's time. */
interface ClockState {
  readonly kind: ClockKind;
  readonly ms: number;
  /** Counted from here; without it, from the clock's last restart (`#since`). */
  readonly since?: number;
}

const NO_CLOCK: ClockState = { kind: 'none', ms: 0 };

const NO_LIMITS: readonly RateLimit[] = [];

/** A logged-in control connection. */
export class Control {
  readonly session: Session;
  readonly options: ResolvedOptions;
  /** The adapter this connection and its data connections use. */
  readonly transport: Transport;
  readonly #conn: Connection;
  #running: Running | undefined;
  /** The call whose transfer the session set up ahead of the running one; it runs next. */
  #queued: Running | undefined;
  #data: DataChannel | undefined;
  #closed = false;
  #closeReason: unknown;
  /** TLS starting or ending on the control connection: the read loop waits for it before reading on. */
  #tlsSwitch: Promise<void> | undefined;
  /** Calls waiting for the running operation (an abort finishing in the background) to end. */
  #idleWaiters: (() => void)[] = [];
  readonly #time: Clock;
  readonly #alarm: Alarm;
  /** The clock that ran at the last derivation. */
  #clockKind: ClockKind = 'none';
  /** When the reply or keep-alive clock last restarted: it changed, a command went out, a reply came in. */
  #since = 0;
  /** The login deadline, on the clock; Infinity once logged in, or when there is none. */
  #loginBy: number;
  /** A TLS session of an earlier control connection to resume (a reconnect), for explicit TLS. */
  readonly #resume: TlsSession | undefined;
  /** When a byte last went either way on the control connection (a middlebox's idea of idle). */
  #controlAt = 0;
  /** This connection in tracing.ts's events, made when first needed. */
  #traced: TracedConnection | undefined;
  readonly #done: Promise<void>;

  private constructor(conn: Connection, transport: Transport, options: ResolvedOptions, loginBy: number, resume: TlsSession | undefined, traced: TracedConnection | undefined) {
    this.#conn = conn;
    this.transport = transport;
    this.options = options;
    this.#loginBy = loginBy;
    this.#resume = resume;
    this.#traced = traced;
    const log = options.log;
    this.session = new Session({
      trustPasvHost: options.trustPasvHost,
      epsv: options.epsv,
      pipelining: options.pipelining,
      ipv6: conn.remoteAddress.family === 6,
      encoding: options.encoding,
      // What happened to the connection decides the class: a close is a ConnectionError, as a reset is.
      connectionClosed: (message, cause) => new ConnectionError(message, cause === undefined ? {} : { cause }),
      onReply: (reply: Reply) => {
        this.#since = this.#time.now(); // a complete reply restarts the reply clock; its bytes do not
        if (log) logReply(log, reply);
        if (replyChannel.hasSubscribers) replyChannel.publish({ connection: this.traced, reply });
      },
    });
    this.#time = clockOf(transport);
    this.#alarm = new Alarm(this.#time, () => this.#reclock(true));
    this.#done = this.#readLoop();
  }

  /**
   * Connect, log in and return the driver with the session's connect result, all within the login
   * deadline (`timeouts.login`), which counts from here. `resume`: the TLS session of an earlier
   * control connection to the same server (a reconnect), offered for resumption; `how.replaces`: the
   * lost connection a reconnect replaces. Every connection is opened here, so here it is traced
   * (`ftpkit:client:connect`, tracing.ts).
   */
  static open(
    transport: Transport,
    options: ResolvedOptions,
    signal?: AbortSignal,
    resume?: TlsSession,
    how: { readonly login?: boolean; readonly replaces?: Control | undefined } = {},
  ): Promise<{ control: Control; result: OperationResult }> {
    if (!connectChannel.hasSubscribers) return Control.#open(transport, options, signal, resume, how, undefined);
    const connection = tracedConnection(options);
    const start = { connection, replaces: how.replaces?.traced, login: how.login !== false };
    return traceConnect(start, clockOf(transport), () => Control.#open(transport, options, signal, resume, how, connection));
  }

  static async #open(
    transport: Transport,
    options: ResolvedOptions,
    signal: AbortSignal | undefined,
    resume: TlsSession | undefined,
    how: { readonly login?: boolean },
    traced: TracedConnection | undefined,
  ): Promise<{ control: Control; result: OperationResult }> {
    refuseUnsupported(transport, options);
    const implicit = options.secure === 'implicit';
    const time = clockOf(transport);
    const { login } = options.timeouts;
    const loginBy = login > 0 ? time.now() + login : Infinity;
    // The transport's connect timeout, cut to the login deadline: which of the two ends it decides the error.
    const connectTimeout = Math.min(options.timeouts.connect > 0 ? options.timeouts.connect : Infinity, login > 0 ? login : Infinity);
    let conn: Connection;
    try {
      conn = await transport.connect({
        host: options.host,
        port: options.port,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        ...(options.family === undefined ? {} : { family: options.family }),
        ...(implicit ? { tls: { ...controlTls(options), ...(resume ? { session: resume } : {}) } } : {}),
        ...(connectTimeout < Infinity ? { timeout: connectTimeout } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (err instanceof TimeoutError && time.now() >= loginBy) throw loginTimeout(login, err);
      throw err;
    }
    const control = new Control(conn, transport, options, loginBy, resume, traced);
    try {
      const result = await control.run(
        {
          kind: 'connect',
          user: options.user,
          password: options.password,
          ...(options.account === undefined ? {} : { account: options.account }),
          security: options.secure === false ? 'none' : options.secure,
          protectData: options.protectData,
          ...(options.ccc ? { ccc: true } : {}),
          ...(how.login === false ? { login: false } : {}),
        },
        { signal },
      );
      control.#loginBy = Infinity;
      control.#reclock();
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

  /** This connection as tracing.ts's events name it. */
  get traced(): TracedConnection {
    return (this.#traced ??= tracedConnection(this.options));
  }

  /** True once the control connection is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The control connection's newest resumable TLS session (kept after it closed), for a reconnect. */
  tlsSession(): TlsSession | undefined {
    return this.#conn.tlsSession();
  }

  /** The server's certificate, from the control connection's TLS handshake (where the transport can read it). */
  peerCertificate(): PeerCertificate | undefined {
    return this.#conn.peerCertificate?.();
  }

  /**
   * Run one operation. A call made while another runs waits for the session to be idle (an aborted
   * or failed one may still be finishing with the server), unless it is a transfer the session sets
   * up ahead of the running one (`pipelining`, the codec's ahead.ts): then it runs next.
   */
  async run(op: Operation, extra: RunExtra = {}): Promise<OperationResult> {
    for (;;) {
      if (this.#closed) throw this.#closeReason ?? new ConnectionError('The connection is closed');
      if (!this.#running) break;
      const ahead = op.kind === 'transfer' && this.#queued === undefined && !extra.signal?.aborted ? this.#start(op, extra, true) : undefined;
      if (ahead !== undefined) return ahead;
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    const { signal } = extra;
    if (signal?.aborted) throw abortError(signal);
    return this.#start(op, extra, false)!;
  }

  /** Start `op` now, or (`ahead`) behind the running transfer: undefined when it cannot go ahead. */
  #start(op: Operation, extra: RunExtra, ahead: boolean): Promise<OperationResult> | undefined {
    const { signal } = extra;
    let actions: Action[] | undefined;
    let startError: unknown;
    try {
      if ((actions = ahead ? this.session.startAhead(op) : this.session.start(op)) === undefined) return undefined;
    } catch (err) {
      startError = err;
    }
    return new Promise<OperationResult>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        if (this.#queued === running) {
          running.reject(abortError(signal)); // set up ahead, not started: aborted once it runs (#settle)
          return;
        }
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
        onTls: extra.onTls,
        limits: extra.limits ?? NO_LIMITS,
        signal,
        localError: undefined,
      };
      if (actions === undefined) return reject(startError);
      if (ahead) this.#queued = running;
      else this.#running = running;
      signal?.addEventListener('abort', onAbort, { once: true });
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
        if (this.#tlsSwitch) await this.#tlsSwitch;
        if (this.#closed) return;
        const chunk = await this.#conn.read();
        if (this.#closed) return;
        this.#controlAt = this.#time.now();
        if (chunk === null) {
          this.#perform(this.session.end());
          this.#shutdown(new ConnectionError('The server closed the control connection'));
          return;
        }
        this.#perform(this.session.receive(chunk));
      }
    } catch (err) {
      this.#shutdown(err);
    }
  }

  #perform(actions: readonly Action[]): void {
    for (const action of actions) this.#performOne(action);
    this.#reclock();
    // A transfer held back may now go out behind the running one (see run).
    if (this.#idleWaiters.length > 0 && this.#queued === undefined && this.session.aheadOpen) this.#wakeIdleWaiters();
  }

  /**
   * Which clock runs now, derived from the session's wait state and the data channel's pump, and
   * nothing else: the one place that decides it (see the module comment).
   */
  #clock(): ClockState {
    if (this.#closed) return NO_CLOCK;
    const { timeouts, keepAlive } = this.options;
    if (this.session.waiting === undefined) {
      return this.session.state === 'idle' && !this.#running && keepAlive > 0 ? { kind: 'keepAlive', ms: keepAlive } : NO_CLOCK;
    }
    const data = this.#data;
    if (data?.moving) {
      const since = data.waitingSince;
      return since === undefined ? NO_CLOCK : { kind: 'dataIdle', ms: timeouts.dataIdle, since };
    }
    return { kind: 'reply', ms: timeouts.reply };
  }

  /**
   * Re-derive the clock after a change and set the alarm for the nearer of its deadline and the login
   * deadline. Rung by the alarm, fire whichever has passed; an event handled at the deadline's very
   * moment comes first.
   */
  #reclock(ringing = false): void {
    const clock = this.#clock();
    if (clock.kind !== this.#clockKind) {
      this.#clockKind = clock.kind;
      if (clock.since === undefined && clock.kind !== 'none') this.#since = this.#time.now();
    }
    const loginBy = this.#closed ? Infinity : this.#loginBy;
    const deadline = clock.kind === 'none' || clock.ms <= 0 ? Infinity : (clock.since ?? this.#since) + clock.ms;
    const keepAliveAt = this.#transferKeepAliveAt();
    const next = Math.min(deadline, loginBy, keepAliveAt);
    if (next === Infinity) {
      // Idle or closed: release the timer. While a pump waits on the local side, a pending one is
      // left to ring (one system timer per transfer, not per chunk): it finds no clock then.
      if (this.#closed || this.session.waiting === undefined) this.#alarm.cancel();
      return;
    }
    const now = this.#time.now();
    if (!ringing || now < next) {
      this.#alarm.set(next);
      return;
    }
    if (now >= loginBy) this.#shutdown(loginTimeout(this.options.timeouts.login, undefined, this.#greetingHint()));
    else if (now < deadline) this.#perform(this.session.keepAlive()); // the transfer's keep-alive NOOP
    else if (clock.kind === 'reply') this.#shutdown(replyTimeout(clock.ms, this.session.aheadUnanswered, this.#greetingHint()));
    else if (clock.kind === 'dataIdle') this.#shutdown(new TimeoutError(`Data connection idle for ${clock.ms} ms`));
    else this.run({ kind: 'command', command: command('NOOP') }).catch(() => {}); // a failure is the next call's news
  }

  /**
   * When the transfer's keep-alive NOOP is due: `transferKeepAlive` ms after the last byte either way
   * on the control connection, while the session takes one (past the 1xx, see
   * `Session.canKeepAlive`) and the data moves. Not once the data has ended: the reply clock bounds
   * the wait for the final reply then, and a NOOP's answer would restart it.
   */
  #transferKeepAliveAt(): number {
    const every = this.options.transferKeepAlive;
    if (every <= 0 || this.#closed || !this.#data?.moving || !this.session.canKeepAlive) return Infinity;
    return this.#controlAt + every;
  }

  /**
   * A server on an implicit-FTPS port says nothing until the client starts TLS, so plain or explicit
   * FTP there waits for a greeting that never comes: a timeout before the greeting names that case.
   */
  #greetingHint(): string {
    if (this.session.waiting !== 'greeting' || this.options.secure === 'implicit') return '';
    return ' before its greeting (a port that speaks implicit FTPS waits silently for TLS: if this is one, connect with implicit TLS, ftps://)';
  }

  #performOne(action: Action): void {
    switch (action.type) {
      case 'send':
        // A pipelined write carries several commands, one per line: log each on its own.
        if (this.options.log) for (const text of action.command.split('\n')) this.options.log({ direction: '>', text });
        if (commandChannel.hasSubscribers) for (const command of action.command.split('\n')) commandChannel.publish({ connection: this.traced, command });
        this.#since = this.#controlAt = this.#time.now(); // the server owes an answer from now
        this.#conn.write(action.bytes).catch((err: unknown) => this.#shutdown(err));
        return;
      case 'startTls': {
        // The handshake's own timeout, cut to what is left of the login deadline (the alarm fires that one).
        const limit = Math.min(this.options.timeouts.connect > 0 ? this.options.timeouts.connect : Infinity, this.#loginBy - this.#time.now());
        this.#tlsSwitch = this.#conn
          .startTls({ ...controlTls(this.options), ...(this.#resume ? { session: this.#resume } : {}), ...(limit < Infinity ? { timeout: Math.max(1, limit) } : {}) })
          .then(
            () => {
              this.#tlsSwitch = undefined;
              this.#perform(this.session.tlsStarted());
            },
            (err: unknown) => this.#shutdown(err),
          );
        return;
      }
      case 'stopTls': {
        // CCC was accepted: close_notify both ways, then plain text (refuseUnsupported made sure the
        // transport can), within what is left of the login deadline.
        const limit = Math.min(this.options.timeouts.reply > 0 ? this.options.timeouts.reply : Infinity, this.#loginBy - this.#time.now());
        const stopped = this.#conn.stopTls?.(limit < Infinity ? { timeout: Math.max(1, limit) } : {}) ?? Promise.reject(cannotClear(this.transport));
        this.#tlsSwitch = stopped.then(
          () => {
            this.#tlsSwitch = undefined;
            this.#perform(this.session.tlsStopped());
          },
          (err: unknown) => this.#shutdown(err),
        );
        return;
      }
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
   * Abort the running operation. The session closes the data connection and answers with ABOR (and
   * a NOOP fence), then waits on the server alone, so the reply clock runs from the ABOR: a server
   * that never answers it (ftp-srv 4.6.3 can hang on it) would otherwise hang the call for good.
   */
  #abort(): void {
    this.#perform(this.session.abort());
  }

  #settle(fn: (running: Running) => void): void {
    const running = this.#running;
    // The session starts the transfer set up ahead as soon as the running operation ends; one whose
    // call was aborted while it waited is aborted once the session has started it.
    const next = (this.#running = this.#queued);
    this.#queued = undefined;
    if (next?.signal?.aborted) queueMicrotask(() => this.#running === next && this.#abort());
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
      {
        transport: this.transport,
        control: this.#conn,
        options: this.options,
        clock: this.#time,
        io: running?.io,
        onBytes: running?.onBytes,
        onTls: running?.onTls,
        limits: running?.limits ?? NO_LIMITS,
      },
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
        changed: () => {
          if (channel === this.#data) this.#reclock();
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
  #shutdown(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#reclock();
    this.#closeData();
    this.#conn.destroy();
    const running = this.#running;
    const queued = this.#queued;
    this.#running = this.#queued = undefined;
    running?.reject(running.localError ?? reason);
    queued?.reject(reason);
    this.#wakeIdleWaiters();
  }
}

/** The control connection's TLS: the options', and with `ccc` a TLS that can end while TCP goes on. */
function controlTls(options: ResolvedOptions) {
  return { ...tlsFor(options), ...(options.ccc ? { stoppable: true } : {}) };
}

function cannotClear(transport: Transport): TlsError {
  return new TlsError(`ccc: the ${transport.runtime} transport cannot end TLS on a connection that goes on (capabilities.stopTls)`);
}

/**
 * Options the transport cannot honour, refused before anything is sent: `ccc` without
 * `capabilities.stopTls`, and `tls.pin` without `capabilities.peerCertificate` (Deno). The transport
 * refuses them too, but only once TLS starts, after `AUTH TLS` has gone out.
 */
function refuseUnsupported(transport: Transport, options: ResolvedOptions): void {
  if (options.ccc && transport.capabilities.stopTls !== true) throw cannotClear(transport);
  if (options.tls.pin !== undefined && options.secure !== false && transport.capabilities.peerCertificate !== true) {
    throw new TlsError(`tls.pin: the ${transport.runtime} transport cannot read the server's certificate (capabilities.peerCertificate)`);
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
