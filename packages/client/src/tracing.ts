/**
 * The client's `diagnostics_channel` events: their names, what each carries, and the one place the
 * channels are made.
 *
 * Theory of operation: each event is published where it happens, once: a connect and login in the
 * driver's `Control.open`, each command and reply in the driver where the command is written and the
 * reply parsed (beside the `log` option), each transfer in `Conn.transfer` (ops/conn.ts), which every
 * download, upload and listing goes through, and each lease of a Pool's session in leases.ts. The
 * codec publishes nothing: it stays free of I/O and of runtime globals.
 *
 * The channels (see {@link TRACING_CHANNELS}; the guide "Tracing and metrics" shows a subscriber):
 * - `ftpkit:client:connect`, a `TracingChannel` ({@link ConnectTrace}): start, end, asyncStart,
 *   asyncEnd and, on failure, error, around one connect and login (a reconnect too);
 * - `ftpkit:client:command`, a `Channel` ({@link CommandTrace}): each command written;
 * - `ftpkit:client:reply`, a `Channel` ({@link ReplyTrace}): each complete reply;
 * - `ftpkit:client:transfer`, a `TracingChannel` ({@link TransferTrace}): each data transfer, with
 *   its bytes, duration, offset (resumed or not), data mode and the data connection's TLS;
 * - `ftpkit:client:lease`, a `TracingChannel` ({@link LeaseTrace}): each lease of a Pool's session,
 *   from the ask (a wait in the queue included) to the session handed over.
 *
 * With no subscriber, each of those places reads `hasSubscribers` and does nothing else: no
 * object is made, no clock is read (pnpm bench, packages/bench/RESULTS.md, measures it). Where the
 * runtime has no `node:diagnostics_channel` (Cloudflare Workers without `nodejs_compat`), every
 * channel is a stand-in that never has subscribers.
 *
 * Redaction: a command event carries the text the `log` option gets (the codec's log-safe rendering,
 * `PASS ****`), a reply event the reply the `log` option gets (the session's, with the password and
 * account redacted from its text), and no event carries the options, a password, an account or a
 * proxy's credentials.
 *
 * @module
 */
import type { ConnectResult, Reply, TransferCommand } from '@ftpkit/codec';
import type { TlsInfo } from '@ftpkit/transport';
import type { Clock } from './driver/clock.js';
import { optionalBuiltin } from './io/fs.js';
import type { ResolvedOptions, SecureMode } from './options.js';

/**
 * The names of the client's `diagnostics_channel` channels. `connect`, `transfer` and `lease` are
 * `TracingChannel`s (subscribe with `tracingChannel(name).subscribe({ start, asyncEnd, error })`;
 * their channels are `tracing:NAME:start` and so on); `command` and `reply` are plain channels.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel';
 *
 * diagnostics.subscribe(TRACING_CHANNELS.reply, (message) => {
 *   const { connection, reply } = message as ReplyTrace;
 *   console.log(`${connection.host}: ${reply.code}`);
 * });
 * ```
 */
export const TRACING_CHANNELS = Object.freeze({
  connect: 'ftpkit:client:connect',
  command: 'ftpkit:client:command',
  reply: 'ftpkit:client:reply',
  transfer: 'ftpkit:client:transfer',
  lease: 'ftpkit:client:lease',
} as const);

/**
 * The control connection an event belongs to: one frozen object per connection, the same in every
 * event of it (a key for a `WeakMap`), made only when something subscribes. Never a password.
 */
export interface TracedConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly secure: SecureMode;
}

/** The context of `ftpkit:client:connect`: one connect and login. */
export interface ConnectTrace {
  readonly connection: TracedConnection;
  /** The connection this one replaces (a Client's reconnect after its connection was lost); `undefined` for a first connect. */
  readonly replaces: TracedConnection | undefined;
  /** False for `Client.certificate`, which looks at the certificate and sends no credentials. */
  readonly login: boolean;
  /** Milliseconds from the start to the login's end (or failure); set before asyncEnd. */
  readonly durationMs: number;
  /** The login's result (its welcome redacted), set by the channel on success. */
  readonly result?: ConnectResult;
  /** Why it failed, set by the channel on failure. */
  readonly error?: unknown;
}

/** The message of `ftpkit:client:command`: one command line as written (a pipelined write is one message per line). */
export interface CommandTrace {
  readonly connection: TracedConnection;
  /** The command as the `log` option shows it: the argument of PASS and ACCT is `****`. */
  readonly command: string;
}

/** The message of `ftpkit:client:reply`: one complete reply. */
export interface ReplyTrace {
  readonly connection: TracedConnection;
  /** The reply as the `log` option gets it: the password and account redacted from its text. */
  readonly reply: Reply;
}

/** The context of `ftpkit:client:transfer`: one transfer over a data connection. */
export interface TransferTrace {
  readonly connection: TracedConnection;
  /** `RETR`, `STOR`, `APPE` (an append, or an upload resumed where the server lacks REST STREAM), `LIST`, `NLST` or `MLSD`. */
  readonly command: TransferCommand;
  /** The command's argument as sent: a path, for LIST perhaps after its flags (`-a /pub`); `undefined` for none. */
  readonly argument: string | undefined;
  /** Listings are downloads. */
  readonly direction: 'download' | 'upload';
  /** The data connection's mode. */
  readonly mode: 'passive' | 'active';
  /** Where in the file the transfer starts (a resumed transfer's offset); 0 for a whole file. */
  readonly offset: number;
  /** `offset > 0`: the transfer goes on from where an earlier one stopped. */
  readonly resumed: boolean;
  /** Bytes moved on the data connection so far (on the wire: ASCII mode counts CRLF). */
  readonly bytes: number;
  /** Milliseconds from the start to the transfer's end (or failure); set before asyncEnd. */
  readonly durationMs: number;
  /**
   * The data connection's TLS, once its handshake is done: `resumed` says whether it reused the
   * control connection's TLS session (`undefined` where the runtime cannot tell). `undefined` for
   * plain data connections.
   */
  readonly tls: TlsInfo | undefined;
  /** The final reply and the 1xx before it, set by the channel on success. */
  readonly result?: { readonly reply: Reply; readonly preliminary: Reply | undefined };
  /** Why it failed, set by the channel on failure. */
  readonly error?: unknown;
}

/** The context of `ftpkit:client:lease`: a call asking a Pool for a session, until it has one. */
export interface LeaseTrace {
  /** The pool's state when the lease was asked for, as `Pool.stats` says it. */
  readonly size: number;
  readonly open: number;
  readonly idle: number;
  readonly waiting: number;
  /** The lease waited in the queue for a session to come back or a slot to free. */
  readonly queued: boolean;
  /** The lease connected a new session (its connect and login are inside the lease's time). */
  readonly connected: boolean;
  /** Milliseconds from the ask to the session handed over (or the failure); set before asyncEnd. */
  readonly durationMs: number;
  /** Why no session came, set by the channel on failure. */
  readonly error?: unknown;
}

/** What this module needs of a `Channel`. */
interface Publisher<M> {
  readonly hasSubscribers: boolean;
  publish(message: M): void;
}

/** What this module needs of a `TracingChannel`. */
interface Tracer<C extends object> {
  readonly hasSubscribers: boolean;
  tracePromise<T>(fn: () => Promise<T>, context: C): Promise<T>;
}

const diagnostics = optionalBuiltin('node:diagnostics_channel');

function plain<M>(name: string): Publisher<M> {
  return diagnostics?.channel(name) ?? { hasSubscribers: false, publish: () => {} };
}

function tracing<C extends object>(name: string): Tracer<C> {
  // A runtime whose module has no TracingChannel publishes none of these events.
  const channel = typeof diagnostics?.tracingChannel === 'function' ? diagnostics.tracingChannel<unknown, C>(name) : undefined;
  if (channel === undefined) return { hasSubscribers: false, tracePromise: (fn) => fn() };
  if (typeof (channel as { hasSubscribers?: unknown }).hasSubscribers === 'boolean') return channel;
  // Bun 1.4's TracingChannel has no `hasSubscribers`: ask its five channels.
  const { start, end, asyncStart, asyncEnd, error } = channel;
  return {
    get hasSubscribers() {
      return start.hasSubscribers || end.hasSubscribers || asyncStart.hasSubscribers || asyncEnd.hasSubscribers || error.hasSubscribers;
    },
    tracePromise: (fn, context) => channel.tracePromise(fn, context),
  };
}

export const connectChannel: Tracer<ConnectTrace> = tracing(TRACING_CHANNELS.connect);
export const commandChannel: Publisher<CommandTrace> = plain(TRACING_CHANNELS.command);
export const replyChannel: Publisher<ReplyTrace> = plain(TRACING_CHANNELS.reply);
export const transferChannel: Tracer<TransferTrace> = tracing(TRACING_CHANNELS.transfer);
export const leaseChannel: Tracer<LeaseTrace> = tracing(TRACING_CHANNELS.lease);

/** The {@link TracedConnection} of a connection made with `options`: a new object for each connection. */
export function tracedConnection(options: ResolvedOptions): TracedConnection {
  return Object.freeze({ host: options.host, port: options.port, user: options.user, secure: options.secure });
}

/** A context under construction: the fields the traced code fills in as it goes. */
type Open<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Run `work` as one traced event of `channel`: `context.durationMs` on `clock` is set before the
 * channel's asyncEnd, and `result` is what the channel's subscribers see as the result (the value
 * `work` resolves with may hold what they must not, such as a driver with the options).
 */
async function traced<C extends { durationMs: number }, T>(channel: Tracer<C>, context: C, clock: Clock, work: () => Promise<T>, result: (value: T) => unknown): Promise<T> {
  const started = clock.now();
  let value!: T;
  await channel.tracePromise(async () => {
    try {
      value = await work();
      return result(value);
    } finally {
      context.durationMs = clock.now() - started;
    }
  }, context);
  return value;
}

/** `open` (a connect and login) traced on `ftpkit:client:connect`. */
export function traceConnect<T extends { readonly result: unknown }>(
  start: Pick<ConnectTrace, 'connection' | 'replaces' | 'login'>,
  clock: Clock,
  open: () => Promise<T>,
): Promise<T> {
  const context: Open<ConnectTrace> = { connection: start.connection, replaces: start.replaces, login: start.login, durationMs: 0 };
  return traced(connectChannel as Tracer<Open<ConnectTrace>>, context, clock, open, (opened) => opened.result);
}

/** What {@link traceTransfer} needs to know of a transfer before it starts. */
export type TransferStart = Pick<TransferTrace, 'connection' | 'command' | 'argument' | 'direction' | 'mode' | 'offset'>;

/** How a traced transfer tells its context what it learns: bytes as they move, the data connection's TLS once up. */
export interface TransferTap {
  readonly onBytes: (count: number) => void;
  readonly onTls: (tls: TlsInfo | undefined) => void;
}

/** `run(tap)` (one transfer) traced on `ftpkit:client:transfer`. */
export function traceTransfer<T extends NonNullable<TransferTrace['result']>>(start: TransferStart, clock: Clock, run: (tap: TransferTap) => Promise<T>): Promise<T> {
  const context: Open<TransferTrace> = { ...start, resumed: start.offset > 0, bytes: 0, durationMs: 0, tls: undefined };
  const tap: TransferTap = {
    onBytes: (count) => (context.bytes += count),
    onTls: (tls) => (context.tls = tls),
  };
  return traced(transferChannel as Tracer<Open<TransferTrace>>, context, clock, () => run(tap), (result) => result);
}

/** What a lease learns for {@link traceLease}: whether it waited, whether it connected. */
export interface LeaseTap {
  queued: boolean;
  connected: boolean;
}

/** `acquire(tap)` (one lease of a Pool's session) traced on `ftpkit:client:lease`. */
export function traceLease<T>(stats: Pick<LeaseTrace, 'size' | 'open' | 'idle' | 'waiting'>, clock: Clock, acquire: (tap: LeaseTap) => Promise<T>): Promise<T> {
  const context: Open<LeaseTrace> = { size: stats.size, open: stats.open, idle: stats.idle, waiting: stats.waiting, queued: false, connected: false, durationMs: 0 };
  // A session is no business of a subscriber's (its options hold the password): the result is left undefined.
  return traced(leaseChannel as Tracer<Open<LeaseTrace>>, context, clock, () => acquire(context), () => undefined);
}
