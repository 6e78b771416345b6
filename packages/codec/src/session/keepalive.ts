/**
 * Keep-alive NOOPs during a transfer, and how their replies are told from every other reply.
 *
 * Theory of operation: while a transfer moves data its control connection is silent, and a NAT
 * gateway or firewall may drop it as idle; the transfer then ends but its 226 never arrives. So the
 * driver may ask for a `NOOP` on the control connection (`Session.keepAlive`), after the transfer's
 * 1xx and until it ends. RFC 959 has one reply per command, in command order, but says nothing about
 * when a server reads a command sent during a transfer, and real servers differ (the measurements
 * are in the guide `docs-src/guides/leaving-a-job-running.md`):
 *
 * - some answer each NOOP at once, between the 1xx and the 226 (pyftpdlib; ProFTPD during STOR);
 * - some read them after the transfer and answer every one after the 226 (vsftpd, ftp-srv; ProFTPD
 *   during RETR);
 * - some answer at once with `500` and never answer the NOOPs that came in the same read
 *   (Pure-FTPd), and may answer the last one `200` after the 226.
 *
 * The matching rests on two facts. First, the answers a NOOP can get (RFC 959 §5.4: `200`, `500`,
 * `421`; the other syntax-class refusals `501`–`504` of a server that refuses it during a transfer)
 * share no code with what a transfer command can get after its 1xx (RFC 959 §5.4: `226`, `250`,
 * `425`, `426`, `451`, `551`, `552`), and `421` ends the connection whoever it answers. So while
 * NOOPs are owed, a reply in {@link NOOP_ANSWERS} answers one of them, and any other reply is the
 * transfer's. Second, once the transfer has ended, the NOOPs still owed may be answered later or
 * never, so counting cannot tell the next command's `200` from a late NOOP's. The transfer therefore
 * ends with a fence: `PWD`, whose answer (RFC 959 §5.4: `257`, or `500`, `501`, `502`, `550`) is never
 * `200`. Every `200` before it answers an owed NOOP; its own answer comes after the answers to every
 * command the server read before it (RFC 959 §4.2, replies in command order), so the NOOPs not
 * answered by then never will be. The one reply that could belong to either side, a syntax-class
 * refusal while NOOPs are still owed, breaks the session rather than guess: a reply taken for the
 * wrong command is a silent corruption, a broken session is not.
 *
 * ```text
 * 1xx ─▶ [keepAlive ─▶ NOOP]* ─▶ 226 and data closed ─▶ [NOOPs owed: PWD ─▶ 200* ─▶ 257] ─▶ done
 *        (200 or 500–504 while NOOPs are owed: a NOOP's answer; anything else: the transfer's)
 * ```
 *
 * @module
 */
import { commands } from '../commands.js';
import { RemoteProtocolError } from '../errors.js';
import type { Reply } from '../reply.js';
import { awaitEvent, checkArrivedAfter, checkCanAnswer, checkFinal, send, type Context, type Sub } from './program.js';

/**
 * The replies a NOOP can get while a transfer runs: `200`, and the syntax-class refusals `500`–`504`
 * (RFC 959 §4.2: x0z; Pure-FTPd answers `500 Unknown command` during a transfer). None of them can
 * answer a transfer command after its 1xx (RFC 959 §5.4).
 */
export const NOOP_ANSWERS: ReadonlySet<number> = new Set([200, 500, 501, 502, 503, 504]);

/** The keep-alive NOOPs of one transfer. */
export interface KeepAlives {
  /** NOOPs sent. */
  sent: number;
  /** Of those, the ones answered, or known never to be (the fence was answered). */
  answered: number;
  /**
   * The ordinal of the first NOOP (`Context.sent` once it went out). Between the transfer command
   * and the transfer's end nothing but these NOOPs is sent, so the others follow it one by one.
   */
  first: number;
}

/** A transfer's keep-alives, none sent yet. */
export function createKeepAlives(): KeepAlives {
  return { sent: 0, answered: 0, first: 0 };
}

/** NOOPs sent and not yet answered. */
export function owedNoops(noops: KeepAlives): number {
  return noops.sent - noops.answered;
}

/** Send one keep-alive NOOP. */
export function* sendKeepAlive(ctx: Context, noops: KeepAlives): Sub<void> {
  yield send(ctx, commands.noop());
  if (noops.sent === 0) noops.first = ctx.sent;
  noops.sent++;
}

/**
 * Take `reply` as the answer to an owed NOOP, if it can be one: its code is one a NOOP gets, and it
 * arrived after the oldest NOOP still owed went out. Replies come in command order, so it answers
 * that one, or a later one when the server never answered the oldest.
 */
export function takeNoopAnswer(ctx: Context, noops: KeepAlives, reply: Reply): boolean {
  if (owedNoops(noops) === 0 || !NOOP_ANSWERS.has(reply.code)) return false;
  if (ctx.sentBeforeBytes < noops.first + noops.answered) return false;
  noops.answered++;
  return true;
}

/**
 * The transfer is over and NOOPs are still owed: send the `PWD` fence and read up to its answer,
 * taking every `200` before it as a NOOP's. See the module comment for why this cannot desync.
 */
export function* settleKeepAlives(ctx: Context, noops: KeepAlives): Sub<void> {
  if (owedNoops(noops) === 0) return;
  const fence = commands.pwd();
  yield send(ctx, fence);
  const ordinal = ctx.sent;
  for (;;) {
    // An abort changes nothing now: the transfer is over, and the fence is one round trip.
    const event = yield* awaitEvent(ctx, 'reply', { during: 'after the transfer, waiting for the answers to its NOOPs', answering: fence });
    if (event.type !== 'reply') continue;
    const reply = event.reply;
    checkFinal(reply, fence);
    // A 200 cannot answer PWD; nor can any reply that arrived before PWD went out.
    if ((reply.code === 200 || ctx.sentBeforeBytes < ordinal) && takeNoopAnswer(ctx, noops, reply)) continue;
    checkArrivedAfter(ctx, ordinal, reply, fence);
    checkCanAnswer(reply, fence);
    if (reply.code === 200) throw new RemoteProtocolError('Reply 200 cannot answer PWD, and no NOOP is owed');
    if (owedNoops(noops) > 0 && NOOP_ANSWERS.has(reply.code)) {
      throw new RemoteProtocolError(`Reply ${reply.code} may answer a keep-alive NOOP or PWD, and the session cannot tell which`);
    }
    // PWD's answer: every NOOP sent before it that is still owed was dropped by the server.
    noops.answered = noops.sent;
    return;
  }
}
