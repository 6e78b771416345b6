/**
 * The operations without a data connection: one command, rename, and quit.
 *
 * Theory of operation: a command is sent and its final reply must be a 2xx (RFC 959 §4.2). One that
 * changes state the session keeps updates it when the server accepts it, and one whose effect the
 * session cannot model is refused before it is sent (both in `raw-commands.ts`). Rename is RNFR,
 * which must be answered 350, then RNTO at once (RFC 959 §4.1.3). Quit sends QUIT and takes whatever
 * comes next, the 221 or the connection's end, as the end of the session.
 *
 * @module
 */
import { command, commands, type Command } from '../commands.js';
import { createReply } from '../reply.js';
import { ABORTED, call, checkCompletion, expectCompletion, refusal, send, type Context, type Program } from './program.js';
import { effectOf, type Effect } from './raw-commands.js';
import type { RenameOperation, SessionEvent } from './types.js';

/**
 * The program of one command. The command is checked now, against the state the session keeps
 * (`raw-commands.ts`), so a bad or refused one throws from `start` and nothing is sent.
 */
export function commandProgram(cmd: Command, ctx: Context): Program {
  const checked = command(cmd.name, cmd.arg);
  return runCommand(checked, effectOf(checked, ctx), ctx);
}

function* runCommand(cmd: Command, effect: Effect | undefined, ctx: Context): Program {
  // Not abortable until the effect is recorded: a TYPE the server took stays taken, abort or not.
  const reply = yield* call(ctx, cmd, false);
  if (effect !== undefined && reply.kind === 'completion') effect(ctx);
  if (ctx.aborted) throw ABORTED;
  checkCompletion(reply, cmd);
  return Object.freeze({ kind: 'reply', reply });
}

export function* renameProgram(op: RenameOperation, ctx: Context): Program {
  const rnfr = commands.rnfr(op.from);
  const first = yield* call(ctx, rnfr);
  // RFC 959 §4.1.3: RNFR must be answered 350 and immediately followed by RNTO.
  if (first.code !== 350) throw refusal(first, rnfr);
  const reply = yield* expectCompletion(ctx, commands.rnto(op.to));
  return Object.freeze({ kind: 'reply', reply });
}

/**
 * QUIT ends the session whatever the answer: the 221, any other reply, or EOF before one (the server
 * is gone, as asked). So this wait does not go through `awaitEvent`, for which EOF and 421 are
 * failures; an abort is ignored, since nothing remains to stop.
 */
export function* quitProgram(ctx: Context): Program {
  yield send(ctx, commands.quit());
  let event: SessionEvent = yield { wait: 'reply' };
  while (event.type === 'abort') event = yield { wait: 'reply' };
  ctx.quit = true;
  if (event.type === 'reply') return Object.freeze({ kind: 'reply', reply: event.reply });
  return Object.freeze({ kind: 'reply', reply: createReply(221, ['Connection closed']) });
}
