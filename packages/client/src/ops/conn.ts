/**
 * One logged-in connection, as the operations see it.
 *
 * Theory of operation: the driver (`Control`) runs one codec operation at a time and knows nothing
 * of FTP policy. A {@link Conn} wraps it for the operations in this folder: the login's FEAT, the
 * resolved options, a typed command and a typed transfer, and what the connection has learned about
 * its server (whether `LIST -a` works). That memory belongs to the connection, not to a `Client`, so
 * each session of a `Pool` keeps its own and every call on it sees it. Callers serialize: one call
 * uses a Conn at a time (the Client's queue, or a Pool's lease), which is what a {@link Runner} gives.
 *
 * @module
 */
import { command, LocalProtocolError, type Operation, type OperationResult, type Reply, type TransferCommand, type TransferType } from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import type { Control } from '../driver/control.js';
import type { OnBytes, TransferIo } from '../driver/data-channel.js';
import type { ResolvedOptions } from '../options.js';
import type { RetryPolicy } from '../retry.js';

/** What a transfer takes besides its command, path and I/O. */
export interface TransferCallOptions extends CallOptions {
  readonly startAt?: number | undefined;
  readonly type?: TransferType;
  readonly onBytes?: OnBytes;
}

/** A logged-in connection: the driver, the login's features and the connection's memory. */
export class Conn {
  readonly control: Control;
  /** FEAT as upper-cased feature name → parameters. */
  readonly features: ReadonlyMap<string, string>;
  /** Whether the server takes `LIST -a` (undefined until a LIST has told); see ops/listing.ts. */
  listAll: boolean | undefined;

  constructor(control: Control, features: ReadonlyMap<string, string>) {
    this.control = control;
    this.features = features;
  }

  /** Resolved options, password included. */
  get options(): ResolvedOptions {
    return this.control.options;
  }

  /** Run one codec operation. */
  run(op: Operation, options: CallOptions, io?: TransferIo, onBytes?: OnBytes): Promise<OperationResult> {
    return this.control.run(op, { signal: options.signal, ...(io ? { io } : {}), ...(onBytes ? { onBytes } : {}) });
  }

  /** Send one command; resolves with its 2xx (or 3xx) reply, rejects with `FtpReplyError`. */
  async command(name: string, arg: string | undefined, options: CallOptions): Promise<Reply> {
    return replyOf(await this.run({ kind: 'command', command: command(name, arg) }, options));
  }

  /** One transfer: its final reply and the 125/150 before it. */
  async transfer(
    cmd: TransferCommand,
    path: string | undefined,
    io: TransferIo,
    options: TransferCallOptions,
  ): Promise<{ reply: Reply; preliminary: Reply | undefined }> {
    const result = await this.run(
      {
        kind: 'transfer',
        command: cmd,
        ...(path === undefined ? {} : { path }),
        ...(options.startAt ? { restAt: options.startAt } : {}),
        type: options.type ?? 'I',
        mode: this.control.options.mode,
      },
      options,
      io,
      options.onBytes,
    );
    if (result.kind !== 'reply') throw new LocalProtocolError('Unexpected operation result');
    return { reply: result.reply, preliminary: result.preliminary };
  }
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
  /** The retry policy of the client or pool. */
  readonly retry: RetryPolicy;
  /** Aborted once the client or pool is being closed: no new attempt starts. */
  readonly closing: AbortSignal;
}
