/**
 * The operations without a data connection: one command, rename, and quit.
 *
 * Theory of operation: a command is sent and its final reply must be a 2xx (RFC 959 §4.2). Rename is
 * RNFR, which must be answered 350, then RNTO at once (RFC 959 §4.1.3). Quit sends QUIT and takes
 * whatever comes next, the 221 or the connection's end, as the end of the session.
 *
 * @module
 */
import { command, commands, describeCommand, type Command } from '../commands.js';
import { FtpReplyError } from '../errors.js';
import { createReply } from '../reply.js';
import { call, expectCompletion, send, type Context, type Program } from './program.js';
import type { RenameOperation, SessionEvent } from './types.js';

/** The program of one command. The command is checked now, so a bad one throws from `start`. */
export function commandProgram(cmd: Command, ctx: Context): Program {
  return runCommand(command(cmd.name, cmd.arg), ctx);
}

function* runCommand(cmd: Command, ctx: Context): Program {
  const reply = yield* expectCompletion(ctx, cmd);
  return Object.freeze({ kind: 'reply', reply });
}

export function* renameProgram(op: RenameOperation, ctx: Context): Program {
  const rnfr = commands.rnfr(op.from);
  const first = yield* call(ctx, rnfr);
  // RFC 959 §4.1.3: RNFR must be answered 350 and immediately followed by RNTO.
  if (first.code !== 350) throw new FtpReplyError(first, describeCommand(rnfr));
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
