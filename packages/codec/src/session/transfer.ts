/**
 * The transfer operation: TYPE, the data connection's setup, and the 1xx/226/data-close loop.
 *
 * Theory of operation: RFC 959 §5.4 and RFC 2428, over one {@link TransferRun}:
 *
 * ```text
 * [type differs] TYPE ─▶ 2xx
 *   ├─ pipelined: see pipelining.ts
 *   ├─ passive:  EPSV ─▶ 229 | 5xx ─▶ PASV ─▶ 227   ─▶ openData ─▶ dataOpened
 *   └─ active:   listenData ─▶ listening ─▶ PORT | EPRT ─▶ 2xx
 * [restAt] REST ─▶ 350
 * RETR/STOR/APPE/LIST/NLST/MLSD ─▶ 125|150 (dataReady) ─▶ 226 and data closed, in either order ─▶ done
 *                                  4xx/5xx ─▶ failed;  abort ─▶ abort.ts
 * ```
 *
 * The awkward orderings of real servers are handled here: the final 226 may arrive before or after
 * the data connection's end, a 125/150 before or after the data connection opens, and a 1xx may be
 * followed straight by a 4xx/5xx. An abort is honoured at safe points during setup; once the
 * transfer command is out, it becomes ABOR (`abort.ts`).
 *
 * @module
 */
import { commands } from '../commands.js';
import { LocalProtocolError, PipeliningError, RemoteProtocolError } from '../errors.js';
import { formatEprt, formatPort, parseEpsv, parsePasv } from '../pasv.js';
import type { Reply } from '../reply.js';
import { abortTransfer } from './abort.js';
import { abandonTransfer, failBeforeStart, pipelinedBatch, pipelinedReplies, pipelinedSetup } from './pipelining.js';
import { owedNoops, sendKeepAlive, settleKeepAlives, takeNoopAnswer } from './keepalive.js';
import { ABORTED, awaitEvent, checkCompletion, DataFailure, refusal, send, type Context, type Program, type Sub } from './program.js';
import { createRun, setupReply, track, type TransferRun } from './transfer-run.js';
import type { Endpoint, SessionEvent, TransferOperation } from './types.js';

/** The transfer program for `op`. Its commands are built now, so bad arguments throw from `start`. */
export function transferProgram(op: TransferOperation, ctx: Context): Program {
  return runTransfer(createRun(op, ctx));
}

/**
 * The program of a transfer whose batch already went out behind another (`ahead.ts`), as the first
 * `ordinal` commands: it starts where a pipelined transfer's replies begin.
 */
export function aheadTransferProgram(run: TransferRun, ordinal: number): Program {
  return runTransfer(run, ordinal);
}

function* runTransfer(run: TransferRun, aheadOrdinal?: number): Program {
  const { op, ctx, rest, transfer } = run;
  try {
    if (aheadOrdinal !== undefined) {
      yield* pipelinedReplies(run, aheadOrdinal, true);
      if (ctx.aborted) return yield* abortTransfer(ctx, false);
      return yield* moveData(run, true);
    }
    if (op.type !== undefined && op.type !== ctx.type) {
      const type = commands.type(op.type);
      checkCompletion(yield* setupReply(run, type), type);
      ctx.type = op.type;
    }
    if (ctx.aborted) throw ABORTED;

    const batch = pipelinedBatch(run);
    if (batch !== undefined) yield* pipelinedSetup(run, batch);
    else if (op.mode === 'active') yield* activeSetup(run);
    else yield* passiveSetup(run);

    if (batch === undefined) {
      if (ctx.aborted) throw ABORTED;
      if (rest !== undefined) {
        // RFC 3659 §5.3: REST must come immediately before the transfer command, so nothing may
        // interrupt the pair (an abort waits for the transfer command and then sends ABOR).
        const reply = yield* setupReply(run, rest);
        if (reply.code !== 350) throw refusal(reply, rest);
      }
      yield send(ctx, transfer);
    }
    if (ctx.aborted) return yield* abortTransfer(ctx, false);
    return yield* moveData(run, batch !== undefined);
  } catch (err) {
    yield { emit: { type: 'closeData' } }; // idempotent for the driver; the ABOR path closed it already
    throw err;
  } finally {
    ctx.takesAhead = ctx.aheadUnanswered = false;
  }
}

/** Active mode: the driver listens, and PORT or EPRT tells the server where. */
function* activeSetup(run: TransferRun): Sub<void> {
  yield { emit: { type: 'listenData', secure: run.secure } };
  let endpoint: Endpoint | undefined;
  while (endpoint === undefined) {
    const event = yield* awaitEvent(run.ctx, 'listening', { during: 'during transfer setup' });
    if (event.type === 'listening') endpoint = event.endpoint;
    else if (event.type === 'abort') throw ABORTED;
    else if (event.type === 'dataFailed') throw new DataFailure(event.error);
  }
  // RFC 2428 §2: EPRT carries IPv6; PORT (RFC 959) is the universal IPv4 form.
  const portCmd = endpoint.host.includes(':') ? commands.eprt(formatEprt(endpoint)) : commands.port(formatPort(endpoint));
  checkCompletion(yield* setupReply(run, portCmd), portCmd);
}

/** Passive mode: learn the server's port, then have the driver connect to it. */
function* passiveSetup(run: TransferRun): Sub<void> {
  const { ctx } = run;
  const port = yield* passiveEndpoint(run);
  if (ctx.aborted) throw ABORTED;
  yield { emit: { type: 'openData', ...port, secure: run.secure } };
  while (!run.opened) {
    if (run.failed) throw new DataFailure(run.failed);
    const event = yield* awaitEvent(ctx, 'transfer', { during: 'during transfer setup' });
    if (event.type === 'reply') throw new RemoteProtocolError(`Unsolicited reply ${event.reply.code} while opening the data connection`);
    if (event.type === 'abort') throw ABORTED;
    track(run, event);
  }
}

function* passiveEndpoint(run: TransferRun): Sub<{ host?: string; port: number }> {
  const { ctx } = run;
  if (ctx.epsv !== false) {
    const epsv = commands.epsv();
    const reply = yield* setupReply(run, epsv);
    if (reply.code === 229) {
      ctx.epsv = true;
      return { port: parseEpsv(reply).port };
    }
    // RFC 2428 §3: 500/501/502 mean EPSV is not understood; fall back to PASV, which cannot
    // describe an IPv6 address, and remember the answer so later transfers skip the probe.
    if (reply.kind !== 'permanent' || ctx.options.ipv6 || ctx.epsv === true) throw refusal(reply, epsv);
    ctx.epsv = false;
  }
  if (ctx.options.ipv6) throw new LocalProtocolError('EPSV is disabled and PASV cannot address an IPv6 server');
  const pasv = commands.pasv();
  const reply = yield* setupReply(run, pasv);
  if (reply.code !== 227) throw refusal(reply, pasv);
  const endpoint = parsePasv(reply);
  // 0.0.0.0 means "same host" on some servers; otherwise only honour the host when trusted.
  const host = ctx.options.trustPasvHost && endpoint.host !== '0.0.0.0' ? endpoint.host : undefined;
  return host === undefined ? { port: endpoint.port } : { host, port: endpoint.port };
}

/**
 * The transfer command is out: read its 1xx and final reply while the data connection opens, moves
 * and ends, in whatever order they come, with keep-alive NOOPs once the 1xx is in (`keepalive.ts`).
 * `pipelined` when its setup went out in one write.
 */
function* moveData(run: TransferRun, pipelined: boolean): Program {
  const { op, ctx, transfer, noops } = run;
  // A pipelined upload moves its bytes from the data connection's open: the server reads them
  // once it has taken the command, which went out before the connection was even asked for.
  const early = pipelined && (op.command === 'STOR' || op.command === 'APPE');
  for (;;) {
    // ahead.ts: the next transfer may go out once this one's data has ended on this side. Servers
    // that read commands during a transfer (ProFTPD, Pure-FTPd, pyftpdlib, ftp-srv) answer one that
    // comes sooner there and then; after the end they mostly have left the transfer.
    ctx.takesAhead = run.closed && noops.sent === 0 && !ctx.aborted;
    if (run.final !== undefined && (run.closed || run.failed)) return yield* finish(run, run.final);
    if (pipelined && run.started === undefined && run.failed && !run.opened) return yield* failBeforeStart(run, run.failed);
    const event = yield* awaitTransferEvent(run);
    if (event.type === 'abort') return yield* (ctx.ahead ? abandonTransfer(run) : abortTransfer(ctx, run.final !== undefined, noops));
    if (event.type === 'keepAlive') {
      ctx.takesAhead = false; // the NOOP's answer may come anywhere: no transfer goes out behind it
      yield* sendKeepAlive(ctx, noops);
      continue;
    }
    if (event.type !== 'reply') {
      track(run, event);
      if (early && event.type === 'dataOpened') yield* dataReady(run);
      continue;
    }
    const reply = event.reply;
    if (takeNoopAnswer(ctx, noops, reply)) continue;
    if (ctx.ahead) checkAheadReply(run, reply);
    if (reply.kind === 'preliminary') {
      // RFC 959 §5.4: 125 (already open) or 150 (about to open) before the transfer.
      if (run.started || run.final !== undefined) throw new RemoteProtocolError(`Second preliminary reply ${reply.code} to ${transfer.name}`);
      run.started = reply;
      yield* dataReady(run);
      continue;
    }
    // A refusal after the data connection opened: pyftpdlib (FTPS) also answers our closing it
    // with a 226, which must not be taken for the next command's reply. A pipelined transfer may
    // hear the refusal before its connect completes, so asking for the connection counts as open
    // (one owed 226 too many is harmless: only a 225/226 that nothing else can own is discarded).
    if (reply.kind !== 'completion' && !run.started && (run.opened || run.requested)) ctx.strays++;
    if (reply.kind !== 'completion' && owedNoops(noops) > 0) {
      // Only a started transfer has sent NOOPs: their answers come before the next command's.
      yield { emit: { type: 'closeData' } };
      yield* settleKeepAlives(ctx, noops);
    }
    checkCompletion(reply, transfer); // includes 1xx then 4xx/5xx
    if (!run.started) throw new RemoteProtocolError(`Reply ${reply.code} to ${transfer.name} without a preliminary reply`);
    run.final = reply;
  }
}

/**
 * The transfer loop's wait. Past the 1xx, a keep-alive may come too (`Session.canKeepAlive`), and
 * before it a 225/226 may be one the server owes; after it, it is this transfer's own.
 */
function* awaitTransferEvent(run: TransferRun): Sub<SessionEvent> {
  const { ctx, transfer } = run;
  ctx.keepAliveOpen = run.started !== undefined;
  try {
    return yield* awaitEvent(ctx, 'transfer', { during: 'during the transfer', answering: transfer, strays: run.started === undefined });
  } finally {
    ctx.keepAliveOpen = false;
  }
}

/**
 * The final reply came and the data connection ended: the transfer is over, or failed on the data
 * side. NOOPs still owed are settled first, so the next command gets its own reply.
 */
function* finish(run: TransferRun, final: Reply): Program {
  const settling = owedNoops(run.noops) > 0;
  if (settling || !run.failed) yield { emit: { type: 'closeData' } };
  if (settling) {
    yield* settleKeepAlives(run.ctx, run.noops);
    if (run.ctx.aborted && !run.failed) throw ABORTED; // asked for while the fence was out
  }
  if (run.failed) throw new DataFailure(run.failed);
  return Object.freeze({ kind: 'reply', reply: final, ...(run.started ? { preliminary: run.started } : {}) });
}

/**
 * With a transfer set up ahead (`ahead.ts`), a completion that cannot end a transfer (RFC 959 §4.2:
 * 226 or 250, and 225 on ABOR's heels) means the server answered the next transfer's EPSV before
 * finishing this one, and a refusal may be either transfer's: the server broke under the pipeline,
 * or cannot be told from one that did.
 */
function checkAheadReply(run: TransferRun, reply: Reply): void {
  // ProFTPD answers commands read during a transfer "450 EPSV: data transfer in progress", Pure-FTPd
  // "500 Unknown command", pyftpdlib and ftp-srv run them (229): which command a refusal answers
  // cannot be told. The client runs both transfers again without pipelining and hears the true answer.
  if (reply.kind === 'completion' ? reply.code !== 225 && reply.code !== 226 && reply.code !== 250 : reply.kind !== 'preliminary') {
    throw new PipeliningError(`Reply ${reply.code} came before ${run.transfer.name} ended, with the next transfer's commands out behind it`);
  }
}

/** Tell the driver, once, that the bytes may move. */
function* dataReady(run: TransferRun): Sub<void> {
  if (run.ready) return;
  run.ready = true;
  yield { emit: { type: 'dataReady' } };
}
