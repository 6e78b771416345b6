/**
 * Aborting a running transfer: ABOR, then a NOOP fence.
 *
 * Theory of operation: RFC 959 §4.1.3 ABOR: close our end of the data connection and send ABOR. Once
 * the server has answered anything, send a NOOP and read replies until its 200. Whatever the server
 * answered in between (426 + 226, 226 alone, 225, or a late final reply) is consumed, so nothing
 * stray is left for the next operation.
 *
 * The NOOP waits for a first answer because Pure-FTPd, while a transfer runs, reads the control
 * connection only to look for ABOR and drops whatever came in the same read: a NOOP sent right
 * behind ABOR (one TCP segment, as Bun writes them) was never answered.
 *
 * ```text
 * transfer ── abort ──▶ closeData, ABOR ──▶ first answer ──▶ NOOP ──▶ … 200 ──▶ aborted
 *                                 (426/226/225/late final reply are consumed on the way)
 * ```
 *
 * @module
 */
import { commands } from '../commands.js';
import { RemoteProtocolError } from '../errors.js';
import { ABORTED, awaitEvent, send, type Context, type Sub } from './program.js';

/** Abort the transfer; `finalSeen` when its final reply has come already. Always ends with {@link ABORTED}. */
export function* abortTransfer(ctx: Context, finalSeen: boolean): Sub<never> {
  yield { emit: { type: 'closeData' } };
  yield send(ctx, commands.abor());
  let fenced = false;
  // RFC 959 §4.1.3: the server owes the transfer's final reply (226, or 426 when it was cut) unless
  // it came already, and then ABOR's own 225 or 226.
  let owed = finalSeen ? 1 : 2;
  // At most: 1xx, the transfer's final reply, ABOR's reply, NOOP's reply, and one spare.
  for (let seen = finalSeen ? 1 : 0; seen < 5; seen++) {
    // The 225/226 replies are counted here, not dropped as strays.
    const event = yield* awaitEvent(ctx, 'aborting', { during: 'during ABOR', strays: false });
    if (event.type !== 'reply') {
      seen--; // data-connection news is stale now, and a second abort changes nothing
      continue;
    }
    if (event.reply.code === 200 && fenced) {
      // A server that runs commands concurrently (ftp-srv) can answer NOOP before the transfer
      // and ABOR replies: those still owed are discarded when they come. Overcounting is harmless
      // (only a 225/226 that nothing else can own is taken as stray); undercounting would shift
      // every later reply by one.
      ctx.strays += owed;
      throw ABORTED;
    }
    if (event.reply.kind === 'preliminary') continue;
    if (owed > 0) owed--;
    if (!fenced) {
      fenced = true;
      yield send(ctx, commands.noop());
    }
  }
  throw new RemoteProtocolError('No answer to NOOP after ABOR');
}
