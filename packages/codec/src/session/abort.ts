/**
 * Aborting a running transfer: ABOR, then a NOOP fence.
 *
 * Theory of operation: RFC 959 §4.1.3 ABOR: close our end of the data connection and send ABOR. Once
 * the server has answered anything, send a NOOP and read replies until its 200. Whatever the server
 * answered in between (426 + 226, 226 alone, 225, or a late final reply) is consumed, so nothing
 * stray is left for the next operation. When keep-alive NOOPs of the transfer are still owed, their
 * 200s could be taken for the fence's, so the fence is PWD and ends at its 257 (`keepalive.ts`).
 *
 * The NOOP waits for a first answer because Pure-FTPd, while a transfer runs, reads the control
 * connection only to look for ABOR and drops whatever came in the same read: a NOOP sent right
 * behind ABOR (one TCP segment, as Bun writes them) was never answered.
 *
 * ```text
 * transfer ── abort ──▶ closeData, ABOR ──▶ first answer ──▶ NOOP ──▶ … 200 ──▶ aborted
 *                                 (426/226/225/late final reply are consumed on the way)
 *            keep-alive NOOPs owed: ──▶ first answer ──▶ PWD ──▶ … 257 ──▶ aborted
 * ```
 *
 * @module
 */
import { commands } from '../commands.js';
import { RemoteProtocolError } from '../errors.js';
import { owedNoops, takeNoopAnswer, type KeepAlives } from './keepalive.js';
import { ABORTED, awaitEvent, send, type Context, type Sub } from './program.js';

/**
 * Abort the transfer; `finalSeen` when its final reply has come already, `noops` the transfer's
 * keep-alive NOOPs. Always ends with {@link ABORTED}.
 */
export function* abortTransfer(ctx: Context, finalSeen: boolean, noops?: KeepAlives): Sub<never> {
  yield { emit: { type: 'closeData' } };
  yield send(ctx, commands.abor());
  // With keep-alive NOOPs owed, a 200 may be one of theirs: the fence is PWD, whose 257 none of
  // them can give (keepalive.ts).
  const keepAlives = noops === undefined ? 0 : owedNoops(noops);
  const fence = keepAlives > 0 ? commands.pwd() : commands.noop();
  const fenceAnswer = keepAlives > 0 ? 257 : 200;
  let fenced = false;
  // RFC 959 §4.1.3: the server owes the transfer's final reply (226, or 426 when it was cut) unless
  // it came already, and then ABOR's own 225 or 226.
  let owed = finalSeen ? 1 : 2;
  // At most: 1xx, the transfer's final reply, ABOR's reply, the fence's reply, and one spare; and
  // the answers to the keep-alive NOOPs.
  for (let seen = finalSeen ? 1 : 0; seen < 5 + keepAlives; seen++) {
    // The 225/226 replies are counted here, not dropped as strays.
    const event = yield* awaitEvent(ctx, 'aborting', { during: 'during ABOR', strays: false });
    if (event.type !== 'reply') {
      seen--; // data-connection news is stale now, and a second abort changes nothing
      continue;
    }
    if (event.reply.code === fenceAnswer && fenced) {
      // A server that runs commands concurrently (ftp-srv) can answer the fence before the transfer
      // and ABOR replies: those still owed are discarded when they come. Overcounting is harmless
      // (only a 225/226 that nothing else can own is taken as stray); undercounting would shift
      // every later reply by one.
      ctx.strays += owed;
      throw ABORTED;
    }
    if (event.reply.kind === 'preliminary') continue;
    // A keep-alive's answer says nothing of ABOR: the fence still waits for the server's first
    // answer to the abort (Pure-FTPd drops a command read together with ABOR).
    if (noops !== undefined && takeNoopAnswer(ctx, noops, event.reply)) continue;
    if (owed > 0) owed--;
    if (!fenced) {
      fenced = true;
      yield send(ctx, fence);
    }
  }
  throw new RemoteProtocolError(`No answer to ${fence.name} after ABOR`);
}
