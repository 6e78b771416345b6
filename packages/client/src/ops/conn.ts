/**
 * One logged-in connection, as the operations see it.
 *
 * Theory of operation: the driver (`Control`) runs one codec operation at a time and knows nothing
 * of FTP policy. A {@link Conn} wraps it for the operations in this folder: the login's FEAT, the
 * resolved options, a typed command and a typed transfer, and what the connection has learned about
 * its server (whether `LIST -a` works, the zone of its LIST times). That memory belongs to the
 * connection, not to a `Client`, so each session of a `Pool` keeps its own and every call on it
 * sees it. Callers serialize: one call uses a Conn at a time (the Client's queue, or a Pool's
 * lease), which is what a {@link Runner} gives.
 *
 * Its bandwidth budget (`limit`) is its Client's, or for a session of a Pool the Pool's: every
 * transfer on it draws on that, and on its call's own budget when the call sets `limitRate`
 * (driver/throttle.ts). The one place that makes a single transfer's call budget is `transfer`;
 * a call of many transfers makes one for all of them and hands it in as `callLimit`.
 *
 * @module
 */
import { command, FtpReplyError, isSessionReuseRefusal, LocalProtocolError, type Operation, type OperationResult, type Reply, type TransferCommand, type TransferType } from '@ftpkit/codec';
import type { CallOptions, TransferOptions } from '../calls.js';
import { clockOf } from '../driver/clock.js';
import type { Control } from '../driver/control.js';
import type { OnBytes, TransferIo } from '../driver/data-channel.js';
import { callLimit, type RateLimit } from '../driver/throttle.js';
import type { ResolvedOptions } from '../options.js';
import type { RetryPolicy } from '../retry.js';
import { SessionZone } from '../time-zone.js';
import { TlsError } from '../errors.js';
import { traceTransfer, transferChannel, type TransferTap } from '../tracing.js';

/** What a transfer takes besides its command, path and I/O. */
export interface TransferCallOptions extends CallOptions {
  readonly startAt?: number | undefined;
  /**
   * Where in the file the transfer starts, for tracing: `startAt` unless an upload resumed with
   * APPE (which sends no REST) says where it goes on.
   */
  readonly offset?: number | undefined;
  readonly type?: TransferType;
  readonly onBytes?: OnBytes;
  /** The call's bandwidth limit in bytes per second, when the transfer is a call of its own. */
  readonly limitRate?: number | undefined;
  /** The call's budget, made once by a call of many transfers (a tree, ranges, many files). */
  readonly callLimit?: RateLimit | undefined;
}

/** A logged-in connection: the driver, the login's features and the connection's memory. */
export class Conn {
  readonly control: Control;
  /** FEAT as upper-cased feature name → parameters. */
  readonly features: ReadonlyMap<string, string>;
  /** The bandwidth budget every transfer on this connection draws on: its Client's, or its Pool's. */
  readonly limit: RateLimit;
  /** Whether the server takes `LIST -a` (undefined until a LIST has told); see ops/listing.ts. */
  listAll: boolean | undefined;
  /** The zone of the server's LIST times, as `listTimeZone` says or as 'auto' has learned (ops/list-zone.ts). */
  readonly zone: SessionZone;

  /** `zone`: a reconnected session's, which keeps what 'auto' learned about the same server. */
  constructor(control: Control, features: ReadonlyMap<string, string>, limit: RateLimit, zone?: SessionZone) {
    this.control = control;
    this.features = features;
    this.limit = limit;
    this.zone = zone ?? new SessionZone(control.options.listTimeZone);
  }

  /** Resolved options, password included. */
  get options(): ResolvedOptions {
    return this.control.options;
  }

  /** Run one codec operation that moves no data. */
  run(op: Operation, options: CallOptions): Promise<OperationResult> {
    return this.control.run(op, { signal: options.signal });
  }

  /** Send one command; resolves with its 2xx (or 3xx) reply, rejects with `FtpReplyError`. */
  async command(name: string, arg: string | undefined, options: CallOptions): Promise<Reply> {
    return replyOf(await this.run({ kind: 'command', command: command(name, arg) }, options));
  }

  /**
   * One transfer: its final reply and the 125/150 before it. Every transfer of the client goes
   * through here, so here it is traced (`ftpkit:client:transfer`, tracing.ts).
   */
  transfer(cmd: TransferCommand, path: string | undefined, io: TransferIo, options: TransferCallOptions): Promise<{ reply: Reply; preliminary: Reply | undefined }> {
    if (!transferChannel.hasSubscribers) return this.#transfer(cmd, path, io, options, undefined);
    const { mode } = this.control.options;
    const start = { connection: this.control.traced, command: cmd, argument: path, direction: io.direction, mode, offset: options.offset ?? options.startAt ?? 0 };
    return traceTransfer(start, clockOf(this.control.transport), (tap) => this.#transfer(cmd, path, io, options, tap));
  }

  async #transfer(
    cmd: TransferCommand,
    path: string | undefined,
    io: TransferIo,
    options: TransferCallOptions,
    tap: TransferTap | undefined,
  ): Promise<{ reply: Reply; preliminary: Reply | undefined }> {
    const call = options.callLimit ?? callLimit(this.limit, options.limitRate);
    const { onBytes } = options;
    const counted: OnBytes | undefined = tap && onBytes ? (n) => (tap.onBytes(n), onBytes(n)) : (tap?.onBytes ?? onBytes);
    const run = this.control.run(
      {
        kind: 'transfer',
        command: cmd,
        ...(path === undefined ? {} : { path }),
        ...(options.startAt ? { restAt: options.startAt } : {}),
        type: options.type ?? 'I',
        mode: this.control.options.mode,
      },
      { signal: options.signal, io, ...(counted ? { onBytes: counted } : {}), ...(tap ? { onTls: tap.onTls } : {}), limits: call ? [this.limit, call] : [this.limit] },
    );
    const result = await run.catch((error: unknown) => {
      throw reuseRefusal(this.control, error) ?? error;
    });
    if (result.kind !== 'reply') throw new LocalProtocolError('Unexpected operation result');
    return { reply: result.reply, preliminary: result.preliminary };
  }
}

/**
 * The one reading of a refused TLS data connection on a transport that cannot resume TLS sessions
 * (Deno): vsftpd with `require_ssl_reuse` answers 522 "SSL connection failed: session reuse
 * required", ProFTPD without `NoSessionReuseRequired` 425 "Unable to build data connection:
 * Operation not permitted". Such a server refuses every data connection of this runtime, so the
 * error says so, and what to change, instead of a bare reply; it is a `TlsError` (never retried)
 * with the reply as its cause. On a transport that resumes sessions these replies mean something
 * else and stay as they are.
 */
function reuseRefusal(control: Control, error: unknown): TlsError | undefined {
  const { capabilities, runtime } = control.transport;
  if (capabilities.sessionReuse || capabilities.sessionReuseByHost === true || !control.session.protectData) return undefined;
  if (!(error instanceof FtpReplyError)) return undefined;
  if (!isSessionReuseRefusal(error.reply)) return undefined;
  const { code, text } = error.reply;
  const why =
    runtime === 'deno'
      ? 'Deno cannot resume TLS sessions: Deno.connectTls and Deno.startTls give every connection a fresh rustls client configuration and take no session to resume'
      : `the ${runtime} transport cannot resume TLS sessions`;
  return new TlsError(
    `${error.command ?? 'transfer'}: the server refused the TLS data connection (${code} ${text}). It requires data connections to resume the control connection's TLS session (vsftpd require_ssl_reuse=YES, ProFTPD without TLSOptions NoSessionReuseRequired), and ${why} (capabilities.sessionReuse is false). Set require_ssl_reuse=NO (vsftpd) or TLSOptions NoSessionReuseRequired (ProFTPD) on the server, or run the client under Node or Bun.`,
    { cause: error, reason: 'session-reuse' },
  );
}

/** The reply of a command-like operation. */
function replyOf(result: OperationResult): Reply {
  if (result.kind !== 'reply') throw new LocalProtocolError('Unexpected operation result');
  return result.reply;
}

/** One attempt of a call: `fn` on a logged-in connection (see {@link Runner.call}). */
export type Attempt = <R>(fn: (conn: Conn) => Promise<R>) => Promise<R>;

/**
 * Runs work on a logged-in connection: a Client's own, one call at a time, or a session leased from
 * a Pool. `concurrency` is how many runs make sense at once (1 for a Client, the size of a Pool).
 */
export interface Runner {
  /** Run `fn` once on a connection. */
  run<T>(options: CallOptions, fn: (conn: Conn) => Promise<T>): Promise<T>;
  /**
   * Run one call that may take several attempts (retry.ts), each `attempt(fn)` on a logged-in
   * connection: a Client holds its queue for the whole call, waits included, so that calls keep
   * their order, and reconnects a lost connection for the next attempt; a Pool leases a session for
   * each attempt, so a failed one is replaced and the next runs on any healthy session.
   */
  call<T>(options: CallOptions, work: (attempt: Attempt) => Promise<T>): Promise<T>;
  readonly concurrency: number;
  /** Run one transfer call: as `call`, or in a Client's transfer lane, where two overlap (lane.ts). */
  transferCall<T>(options: CallOptions, work: (attempt: Attempt) => Promise<T>): Promise<T>;
  /** How many transfer calls to run at once on this runner: `concurrency`, or the lane's depth. */
  readonly transferConcurrency: number;
  /** The retry policy of the client or pool. */
  readonly retry: RetryPolicy;
  /** Aborted once the client or pool is being closed: no new attempt starts. */
  readonly closing: AbortSignal;
  /** The bandwidth budget its connections share; a call of many transfers makes its own under it. */
  readonly limit: RateLimit;
  /** Who its connections log in as, and where: `user@host:port`, never a password (a tree job's journal names its server by it). */
  readonly origin: string;
}

/** What the transfer operations (download, upload) take: the call's options, and a budget of many transfers. */
export type TransferOpOptions = TransferOptions &
  Pick<TransferCallOptions, 'callLimit'> & {
    /** Unread bytes the transport may hold for a download (driver/data-channel.ts `TransferIo`). */
    readonly readAhead?: number | undefined;
  };
