/**
 * Pipelined transfer setup (the `pipelining` session option; why it is opt-in is documented there),
 * and which servers `'auto'` pipelines with ({@link pipeliningFor}).
 *
 * Theory of operation: once EPSV has worked on the session, a passive transfer sends EPSV, REST
 * (downloads only) and the transfer command in one write, and an upload moves its bytes as soon as the
 * data connection is open instead of at the 1xx. The replies still come in command order, and each is
 * checked against the command it answers. Whenever the transfer cannot go on (EPSV or REST refused,
 * the data connection failed before the transfer started), the transfer command was sent all the
 * same: its replies are read to their end ({@link discardTransfer}), so the reply count never shifts.
 *
 * ```text
 * [EPSV, REST?, RETR] ──▶ 229 ──▶ 350? ──▶ openData ──▶ (the transfer loop, as unpipelined)
 *        EPSV or REST refused ──▶ read RETR's replies to the end, close its data connection ──▶ failed
 *        data connection failed before the 1xx ──▶ failing ──▶ read RETR's replies ──▶ failed
 * ```
 *
 * The pieces of deep pipelining (`ahead.ts`) that run inside a transfer are here too: the replies of a
 * batch that went out behind another transfer ({@link pipelinedReplies} with `ahead`), and the end of
 * a transfer aborted with one set up behind it ({@link abandonTransfer}).
 *
 * @module
 */
import { commands } from '../commands.js';
import { PipeliningError, type FtpReplyError } from '../errors.js';
import { parseEpsv } from '../pasv.js';
import type { Reply } from '../reply.js';
import { ABORTED, awaitEvent, DataFailure, refusal, send, type SendStep, type Sub } from './program.js';
import { replyTo, track, type TransferRun } from './transfer-run.js';

/**
 * The default banner of a server known to take pipelined commands whole, deep pipelining included:
 * vsftpd's `220 (vsFTPd 3.0.3)`. vsftpd reads one command at a time from a buffered control
 * connection and answers each in order, also while a transfer runs (it reads nothing then, and
 * takes the next command when the transfer has ended). ProFTPD, Pure-FTPd, pyftpdlib and ftp-srv
 * answer commands that arrive during an upload before its end, which a pipelining client can only
 * take as a broken pipeline. A banner the administrator changed says nothing, so it counts as unknown.
 */
const TAKES_PIPELINING = /^\(vsFTPd \d+\.\d+[^)]*\)$/;

/**
 * Whether a session pipelines, by its `pipelining` option and the server's greeting: `true` and
 * `false` as they say, `'auto'` only for a greeting that is the default banner of a server known to
 * take pipelined commands whole (vsftpd), so that a client that pipelines by default never pays a
 * fallback's reconnect with the servers it has been tried against.
 *
 * @example
 * ```ts
 * pipeliningFor('auto', { code: 220, kind: 'completion', lines: ['(vsFTPd 3.0.3)'], text: '(vsFTPd 3.0.3)' }); // true
 * pipeliningFor('auto', { code: 220, kind: 'completion', lines: ['ProFTPD Server ready.'], text: 'ProFTPD Server ready.' }); // false
 * ```
 */
export function pipeliningFor(option: boolean | 'auto' | undefined, greeting: Reply): boolean {
  if (option !== 'auto') return option === true;
  return greeting.lines.length === 1 && TAKES_PIPELINING.test(greeting.lines[0]!);
}

/**
 * RFC 9293 §3.7.1: a sender that got no MSS option assumes 536 bytes, so a pipelined batch this small
 * leaves in one segment and a server reads it whole. That matters for ftp-srv, which runs the
 * commands of one read in order but those of separate reads concurrently: a RETR read apart from its
 * EPSV could run before the passive listener exists. A longer batch (a long path) goes step by step.
 */
const MAX_PIPELINED_BYTES = 536;

/**
 * The setup of this transfer as one pipelined write, or undefined when it goes step by step: only
 * with the `pipelining` option, in passive mode once EPSV has worked here (its answer decides between
 * EPSV and PASV otherwise), and never with REST before an upload (a refused REST would let STOR
 * overwrite the file from its start).
 */
export function pipelinedBatch(run: TransferRun): SendStep | undefined {
  const { op, ctx, rest, transfer } = run;
  if (!ctx.pipelining || op.mode === 'active' || ctx.epsv !== true) return undefined;
  if (rest !== undefined && op.command !== 'RETR') return undefined;
  const step = send(ctx, ...(rest === undefined ? [commands.epsv(), transfer] : [commands.epsv(), rest, transfer]));
  return step.emit.bytes.length <= MAX_PIPELINED_BYTES ? step : undefined;
}

/**
 * The pipelined setup: EPSV, REST and the transfer command went out in one write. The server
 * answers in command order, so the first reply is EPSV's and the next one REST's; the data
 * connection is asked for only then, so no byte of a RETR that REST could not position reaches the
 * sink. When either is refused the transfer command was sent all the same: its replies are read to
 * their end, and a server that did open a passive port gets its connection and sees it closed at
 * once (vsftpd waits in accept() for it, reading no command, not even ABOR).
 */
export function* pipelinedSetup(run: TransferRun, batch: SendStep): Sub<void> {
  yield batch;
  yield* pipelinedReplies(run, run.ctx.sent, false);
}

/**
 * The replies to a batch that went out as the first `ordinal` commands. `ahead`: the batch went out
 * behind another transfer (`ahead.ts`), where a refused EPSV, which worked before, is the server
 * breaking under the pipeline: a {@link PipeliningError}, which breaks the session.
 */
export function* pipelinedReplies(run: TransferRun, ordinal: number, ahead: boolean): Sub<void> {
  const { ctx, rest } = run;
  const epsv = commands.epsv();
  ctx.aheadUnanswered = ahead;
  const epsvReply = yield* replyTo(run, epsv, ordinal);
  ctx.aheadUnanswered = false;
  const port = epsvReply.code === 229 ? parseEpsv(epsvReply).port : undefined;
  if (port === undefined && ahead) {
    throw new PipeliningError(`EPSV, sent ahead behind a running transfer, was answered ${epsvReply.code}`, { cause: refusal(epsvReply, epsv) });
  }
  let refused: FtpReplyError | undefined = port === undefined ? refusal(epsvReply, epsv) : undefined;
  if (rest !== undefined) {
    const reply = yield* replyTo(run, rest, ordinal);
    if (reply.code !== 350) refused ??= refusal(reply, rest);
  }
  if (port !== undefined) {
    run.requested = true;
    yield { emit: { type: 'openData', port, secure: run.secure } };
  }
  if (refused === undefined) return;
  yield* discardTransfer(run);
  throw ctx.aborted ? ABORTED : refused;
}

/**
 * The data connection of a batch could not be opened: the transfer cannot start, and fails with that
 * error as in the step-by-step path. But the transfer command is already with the server, which may
 * answer only once it gives up on the connection (vsftpd waits in accept() for a minute): fail the
 * call now (`failing`) and read that answer behind it, so the next command is not taken for this
 * one's. (One that opened and then failed waits for the server's reason, in the transfer loop.)
 */
export function* failBeforeStart(run: TransferRun, error: Error): Sub<never> {
  yield { emit: { type: 'failing', error } };
  yield* discardTransfer(run);
  throw new DataFailure(error);
}

/** Read a transfer command's replies to the final one, closing its data connection as it opens. */
function* discardTransfer(run: TransferRun): Sub<void> {
  const { ctx, transfer } = run;
  let started = false;
  for (;;) {
    const event = yield* awaitEvent(ctx, 'transfer', { during: 'during transfer setup', answering: transfer, strays: !started });
    if (event.type === 'dataOpened' || event.type === 'dataFailed') {
      track(run, event);
      yield { emit: { type: 'closeData' } };
      continue;
    }
    if (event.type !== 'reply') continue; // data EOF, or an abort: this ends soon either way
    const reply = event.reply;
    if (reply.kind === 'preliminary') {
      started = true;
      continue;
    }
    // See the transfer loop: a refusal after asking for the data connection may bring a 226 more.
    if (reply.kind !== 'completion' && !started && run.requested) ctx.strays++;
    return;
  }
}

/**
 * The running transfer was aborted with a transfer ahead (ahead.ts): close its data
 * connection, read its final reply, and end as aborted. Always ends with `ABORTED`.
 */
export function* abandonTransfer(run: TransferRun): Sub<never> {
  const { ctx } = run;
  yield { emit: { type: 'closeData' } };
  while (run.final === undefined) {
    const event = yield* awaitEvent(ctx, 'transfer', { during: 'while an aborted transfer ends', answering: run.transfer, strays: run.started === undefined });
    if (event.type !== 'reply' || event.reply.kind === 'preliminary') continue; // data news, a repeated abort, its 1xx
    const { code } = event.reply;
    if (event.reply.kind === 'completion' && code !== 225 && code !== 226 && code !== 250) {
      throw new PipeliningError(`Reply ${code} came before the aborted ${run.transfer.name} ended, with the next transfer's commands out behind it`);
    }
    run.final = event.reply;
  }
  throw ABORTED;
}
