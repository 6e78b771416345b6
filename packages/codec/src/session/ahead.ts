/**
 * Deep pipelining: the next transfer's setup goes out while the running transfer still runs.
 *
 * Theory of operation: a server reads its control connection in order and runs one command at a
 * time, so the commands of the next transfer (`EPSV`, `REST` before a RETR, the transfer command),
 * written while the running transfer moves its data, wait in the server's socket buffer and run the
 * moment the running transfer ends. Their replies come after the running transfer's final reply, in
 * command order, and the round trip between one transfer's 226 and the next one's EPSV is gone.
 *
 * ```text
 * running:  ... RETR a ──▶ 150 ──▶ data ──▶ 226 a ─────────────────────── done(a)
 * ahead:            EPSV, RETR b ──▶ (229 b, 150 b... held until done(a)) ──▶ the pipelined
 *                                                                              replies of b
 * ```
 *
 * What may go ahead, and when (everything else waits for the session to be idle, as without it):
 * - the `pipelining` option is on and EPSV has worked here, the next transfer is passive, has the
 *   transfer type in force (no TYPE in between) and no REST before an upload (as for any batch);
 * - the running operation is a transfer whose data connection has ended on this side (a download's
 *   last byte read, an upload's written and closed), whose final reply has not come, which has sent
 *   no keep-alive NOOP (their answers could come anywhere) and is not being aborted; one transfer
 *   ahead at most. Sooner would gain nothing with vsftpd, which reads no command during a transfer,
 *   and would make the servers that do (ProFTPD, Pure-FTPd, pyftpdlib, ftp-srv) answer the next
 *   transfer's commands in the middle of the running one.
 *
 * How replies pair: the running transfer's final reply is the last thing it waits for, so it owns
 * every reply up to it, and the transfer ahead, started at once, every reply after it.
 *
 * What counts as the server breaking under it ({@link PipeliningError}, which breaks the session like
 * any reply out of step; a client then reconnects without pipelining): a completion reply that no
 * transfer command gets (a 229) before the running transfer's final reply, the ahead EPSV refused,
 * and, as always, a reply that arrived before its command was sent. A server that drops the commands
 * it did not read in one go is seen only by the reply clock, as without pipelining.
 *
 * An abort of the running transfer while a transfer is ahead sends no ABOR, which the server would
 * read only after the commands ahead of it: the session closes the data connection, which makes the
 * server end the transfer (426, or 226 for an upload cut short, as ABOR would leave it), reads the
 * transfer's final reply, whatever it is, and ends it as aborted (`pipelining.ts: abandonTransfer`); the
 * transfer ahead then runs as it would have.
 *
 * @module
 */
import type { TransferOperation } from './types.js';
import type { Context, Program, SendStep } from './program.js';
import { pipelinedBatch } from './pipelining.js';
import { aheadTransferProgram } from './transfer.js';
import { createRun } from './transfer-run.js';

/**
 * The program of `op` set up ahead of the running transfer, with the batch to send now, or
 * undefined when it cannot go ahead (see the module comment): the caller starts it when idle instead.
 */
export function goAhead(op: TransferOperation, ctx: Context): { readonly program: Program; readonly batch: SendStep } | undefined {
  if (!ctx.takesAhead || ctx.ahead || ctx.aborted) return undefined;
  if (op.type !== undefined && op.type !== ctx.type) return undefined;
  const run = createRun(op, ctx);
  const batch = pipelinedBatch(run);
  if (batch === undefined) return undefined;
  ctx.ahead = true;
  return { program: aheadTransferProgram(run, ctx.sent + batch.commands), batch };
}
