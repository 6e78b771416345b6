/**
 * The state of one running transfer, shared by the pieces of the transfer program.
 *
 * Theory of operation: a transfer is set up (TYPE, a passive or active data connection, REST), then
 * its command runs while two streams of news interleave: replies on the control connection (the
 * 1xx, the final 2xx/4xx/5xx) and the data connection's open, end or failure. A {@link TransferRun}
 * holds all of it as plain fields, so `transfer.ts`, `pipelining.ts` and `abort.ts` read and change
 * one visible object rather than flags closed over by nested generators.
 *
 * @module
 */
import { command, commands, type Command } from '../commands.js';
import type { Reply } from '../reply.js';
import { createKeepAlives, type KeepAlives } from './keepalive.js';
import { awaitEvent, checkArrivedAfter, checkFinal, send, type Context, type Sub } from './program.js';
import type { SessionEvent, TransferCommand, TransferOperation } from './types.js';

/** One transfer: its commands, what the data connection has done, and the replies seen so far. */
export interface TransferRun {
  readonly op: TransferOperation;
  readonly ctx: Context;
  /** The transfer command (RETR, STOR, LIST...). */
  readonly transfer: Command;
  /** REST before the transfer command, when resuming at a non-zero offset. */
  readonly rest: Command | undefined;
  /** Data connections use TLS: PROT P was in force when the transfer began. */
  readonly secure: boolean;
  /** A pipelined transfer asked for the data connection before its command was answered. */
  requested: boolean;
  /** The data connection is open. */
  opened: boolean;
  /** The data connection ended cleanly. */
  closed: boolean;
  /** The data connection failed, with the error the caller will see (the first one). */
  failed: Error | undefined;
  /** `dataReady` was emitted: the driver may move the bytes. */
  ready: boolean;
  /** The transfer command's 125 or 150. */
  started: Reply | undefined;
  /** The transfer command's final 2xx. */
  final: Reply | undefined;
  /** The keep-alive NOOPs sent during the transfer, and how many are answered (`keepalive.ts`). */
  readonly noops: KeepAlives;
}

const BUILDERS: Readonly<Record<TransferCommand, (path: string) => Command>> = {
  RETR: commands.retr,
  STOR: commands.stor,
  APPE: commands.appe,
  LIST: commands.list,
  NLST: commands.nlst,
  MLSD: commands.mlsd,
};

/**
 * The run of `op`. Builds its commands at once, so a CR, LF or NUL in the path or a bad offset is
 * refused by `Session.start`, before anything changes or is sent.
 */
export function createRun(op: TransferOperation, ctx: Context): TransferRun {
  const transfer = op.path === undefined ? command(op.command) : BUILDERS[op.command](op.path);
  // RFC 3659 §5: REST 0 is the default and is not sent; the builder refuses a negative or fractional offset.
  const rest = op.restAt === undefined || op.restAt === 0 ? undefined : commands.rest(op.restAt);
  return {
    op,
    ctx,
    transfer,
    rest,
    secure: ctx.protectData,
    requested: false,
    opened: false,
    closed: false,
    failed: undefined,
    ready: false,
    started: undefined,
    final: undefined,
    noops: createKeepAlives(),
  };
}

/** Record data-connection news (replies and aborts are not data news and change nothing). */
export function track(run: TransferRun, event: SessionEvent): void {
  if (event.type === 'dataOpened') run.opened = true;
  else if (event.type === 'dataClosed') run.closed = true;
  else if (event.type === 'dataFailed') run.failed ??= event.error;
}

/**
 * Wait for the reply to `cmd`, sent as the last of the first `ordinal` commands, while recording
 * data-connection news; an abort is honoured by the caller at its next safe point.
 */
export function* replyTo(run: TransferRun, cmd: Command, ordinal: number): Sub<Reply> {
  for (;;) {
    const event = yield* awaitEvent(run.ctx, 'transfer', { during: 'during transfer setup' });
    if (event.type !== 'reply') {
      track(run, event);
      continue;
    }
    checkArrivedAfter(run.ctx, ordinal, event.reply, cmd);
    checkFinal(event.reply, cmd);
    return event.reply;
  }
}

/** Send one setup command (TYPE, EPSV, PASV, PORT, EPRT, REST) and wait for its reply. */
export function* setupReply(run: TransferRun, cmd: Command): Sub<Reply> {
  yield send(run.ctx, cmd);
  return yield* replyTo(run, cmd, run.ctx.sent);
}
