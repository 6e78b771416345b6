/**
 * The plumbing every operation program is written in.
 *
 * Theory of operation: an operation is a generator (a {@link Program}) that yields {@link Step}s: an
 * action for the driver, or a wait that names a {@link WaitState}. The `Session` resumes it with the
 * next event the wait admits. The program's state is the generator's position plus the shared
 * {@link Context}, which holds everything the session knows about the server (h11's "Rule 1": the
 * transfer type, PROT, the selected hash, EPSV, the replies still owed) and nothing else does.
 *
 * A program ends by returning its result, or by throwing: an ftpkit error fails the operation, and
 * three sentinels ask for another ending: {@link ABORTED} (the user's abort was honoured),
 * {@link ConnectionOver} (421 or EOF: fail, then close) and {@link DataFailure} (the data connection
 * failed: fail, and the session lives on). `Session` sorts them.
 *
 * Every wait on the control connection goes through {@link awaitEvent}: it turns EOF and 421 into
 * {@link ConnectionOver} and drops the 225/226 replies the server still owes, so no program writes
 * those guards again. The reply-order guards ({@link checkArrivedAfter}, {@link checkCanAnswer}) keep
 * a reply from being taken as the answer to a command it cannot answer.
 *
 * @module
 */
import { describeCommand, encodeCommand, type Command, type TransferType } from '../commands.js';
import { FtpReplyError, LocalProtocolError, RemoteProtocolError, TooManyPreliminaryRepliesError, type FtpError } from '../errors.js';
import type { HashAlgorithm } from '../hash.js';
import type { Reply } from '../reply.js';
import type { ReplyParser } from '../reply-parser.js';
import type { Action, OperationResult, SessionEvent, SessionOptions, WaitState } from './types.js';

/** A step that sends `commands` commands in one write. */
export type SendStep = { readonly emit: Extract<Action, { type: 'send' }>; readonly commands: number };

/** A step yielded by an operation program: an action (a send counts its commands), or a wait. */
export type Step = SendStep | { readonly emit: Exclude<Action, { type: 'send' }> } | { readonly wait: WaitState };

/** An operation program: yields steps, is resumed with events, returns the operation's result. */
export type Program = Generator<Step, OperationResult, SessionEvent>;

/** A piece of a program that yields steps and returns `T`. */
export type Sub<T> = Generator<Step, T, SessionEvent>;

/** Thrown inside a program to end it with `aborted`. */
export const ABORTED = Symbol('aborted');

/** Thrown inside a program when the connection is over (421 or EOF) after failing the operation. */
export class ConnectionOver {
  constructor(readonly error: FtpError) {}
}

/** Thrown inside a program when the data connection failed: the operation fails, the session lives on. */
export class DataFailure {
  constructor(readonly error: Error) {}
}

/** What the session knows about the server and the connection, shared by the operations. */
export interface Context {
  readonly options: SessionOptions;
  /** The reply parser, whose text encoding follows `OPTS UTF8`. */
  readonly parser: ReplyParser;
  /** The TYPE the server is in; undefined when unknown, so the next transfer sends its own. */
  type: TransferType | undefined;
  /** Whether EPSV works here: undefined until a transfer has tried it. */
  epsv: boolean | undefined;
  /** Transfers are pipelined here: the `pipelining` option, `'auto'` decided by the greeting (connect.ts). */
  pipelining: boolean;
  /** The control connection is protected by TLS (implicit, or after AUTH TLS). */
  secure: boolean;
  /** PROT P is in force: data connections use TLS. */
  protectData: boolean;
  /** The HASH algorithm the server has selected (FEAT's `*`, then `OPTS HASH`); undefined when unknown. */
  hashAlgorithm: HashAlgorithm | undefined;
  /**
   * Commands the server accepted that change the working directory (CWD, CDUP, XCWD, XCUP, SMNT).
   * The directory itself is a path only the server resolves, so the session counts the changes.
   */
  directoryChanges: number;
  /** The user asked to abort the running operation. */
  aborted: boolean;
  /** The running operation ended the connection as asked (QUIT). */
  quit: boolean;
  /** The running transfer takes a keep-alive NOOP now: it waits past its 1xx (`keepalive.ts`). */
  keepAliveOpen: boolean;
  /**
   * The running transfer's command is out and it has sent no keep-alive NOOP: the setup of the next
   * transfer may go out behind it (`ahead.ts`).
   */
  takesAhead: boolean;
  /** The running transfer was set up ahead and the server has not answered its EPSV yet. */
  aheadUnanswered: boolean;
  /** A transfer is set up ahead of the running one (`ahead.ts`). */
  ahead: boolean;
  /** Completion replies (225/226) the server still owes for an earlier transfer or ABOR. */
  strays: number;
  /** Commands handed to the driver so far. */
  sent: number;
  /** Commands that had been handed to the driver when the first byte of the reply being parsed arrived. */
  sentBeforeBytes: number;
  /** The last command sent, described for errors (PASS and ACCT redacted); undefined before the first. */
  lastCommand: string | undefined;
  /** Preliminary replies in a row since command number `preliminaryAfter` went out (see {@link awaitEvent}). */
  preliminaries: number;
  preliminaryAfter: number;
}

/** Encode commands into one send step (several only when pipelining). */
export function send(ctx: Context, ...cmds: Command[]): SendStep {
  const enc = { encoding: ctx.options.encoding ?? 'utf8' } as const;
  const parts = cmds.map((cmd) => encodeCommand(cmd, undefined, enc));
  const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(parts);
  ctx.lastCommand = describeCommand(cmds[cmds.length - 1]!);
  return { emit: { type: 'send', bytes, command: cmds.map(describeCommand).join('\n') }, commands: cmds.length };
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/**
 * A reply must have arrived after its command was sent: one that began in bytes that came in before
 * (in the same `receive` as the reply that led to sending it, or an earlier one) is an unsolicited
 * reply, and taking it as the answer would shift every later reply by one (found by fuzzing: `230`
 * and a stray `200` in one read made the `200` FEAT's answer).
 */
export function checkArrivedAfter(ctx: Context, ordinal: number, reply: Reply, cmd: Command): void {
  if (ctx.sentBeforeBytes < ordinal) {
    throw new RemoteProtocolError(`Reply ${reply.code} arrived before ${cmd.name} was sent`);
  }
}

/**
 * The commands that 425 and 426 can answer: RFC 959 §5.4 lists them only for the transfer commands,
 * whose data connection they are about, and servers also answer the passive and port commands 425
 * when they cannot set one up, and ABOR 426 for the transfer it ends.
 */
const DATA_CONNECTION_COMMANDS: ReadonlySet<string> = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD', 'ABOR', 'PASV', 'EPSV', 'LPSV', 'SPSV', 'PORT', 'EPRT', 'LPRT']);

/**
 * A 425 or 426 to any other command (NOOP, CWD, DELE...) cannot be its answer: it is an earlier
 * command's reply or an unsolicited one that arrived after this command was sent (found by fuzzing: a
 * stray 426 read after NOOP went out failed NOOP and left the session open, one reply out of step).
 * As with {@link checkArrivedAfter}, the session breaks rather than shift every later reply by one.
 */
export function checkCanAnswer(reply: Reply, cmd: Command): void {
  if ((reply.code === 425 || reply.code === 426) && !DATA_CONNECTION_COMMANDS.has(cmd.name)) {
    throw new RemoteProtocolError(`Reply ${reply.code} cannot answer ${cmd.name}: RFC 959 sends it only about a data connection`);
  }
}

/** A 1xx answers only a transfer command (RFC 959 §5.4); to anything else it is a protocol violation. */
export function checkFinal(reply: Reply, cmd: Command): void {
  if (reply.kind === 'preliminary') throw new RemoteProtocolError(`Unexpected preliminary reply ${reply.code} to ${cmd.name}`);
}

/** RFC 959: 225 and 226 end a transfer or answer ABOR; one owed by the server is discarded once. */
export function dropStray(ctx: Context, reply: Reply): boolean {
  if (ctx.strays === 0 || (reply.code !== 225 && reply.code !== 226)) return false;
  ctx.strays--;
  return true;
}

/** How {@link awaitEvent} treats what arrives. */
export interface AwaitOptions {
  /** Where the program stands, for the error when the control connection closes: `during the transfer`. */
  readonly during: string;
  /** The command a 421 answers, named in its error. */
  readonly answering?: Command;
  /**
   * Drop a 225/226 the server still owes. Default true; false once a transfer's own final reply may
   * come (after its 1xx), and while draining ABOR, which counts those replies itself.
   */
  readonly strays?: boolean;
}

/**
 * Wait in `wait` for the next event a program must see. EOF and a 421 end the connection (RFC 959
 * §4.2: 421 may answer any command, or come unsolicited before the server closes), and a 225/226
 * the server owes for an earlier transfer or ABOR is dropped. Everything else is returned: a reply,
 * an abort (each caller decides when to honour it), or data-connection news.
 *
 * Every reply of every wait passes here, so this is where a flood of preliminary replies is stopped,
 * whatever the wait: more than {@link TooManyPreliminaryRepliesError.LIMIT} in a row without a
 * command in between fail the operation and break the session (the programs' own rules, one 1xx
 * for a transfer command and none for other commands, are stricter and come after).
 */
export function* awaitEvent(ctx: Context, wait: WaitState, how: AwaitOptions): Sub<SessionEvent> {
  for (;;) {
    const event: SessionEvent = yield { wait };
    if (event.type === 'eof') throw new ConnectionOver(connectionClosed(ctx, `Control connection closed ${how.during}`));
    if (event.type !== 'reply') return event;
    if (event.reply.code === 421) {
      throw new ConnectionOver(new FtpReplyError(event.reply, how.answering === undefined ? undefined : describeCommand(how.answering)));
    }
    if (how.strays !== false && dropStray(ctx, event.reply)) continue;
    if (event.reply.kind === 'preliminary') countPreliminary(ctx, event.reply);
    return event;
  }
}

/** Count a preliminary reply; past the limit, the server is flooding (see {@link awaitEvent}). */
function countPreliminary(ctx: Context, reply: Reply): void {
  if (ctx.preliminaryAfter !== ctx.sent) {
    ctx.preliminaryAfter = ctx.sent;
    ctx.preliminaries = 0;
  }
  ctx.preliminaries++;
  if (ctx.preliminaries > TooManyPreliminaryRepliesError.LIMIT) throw new TooManyPreliminaryRepliesError(reply, ctx.lastCommand);
}

/**
 * The error for the server closing the control connection where the protocol does not allow it: the
 * driver's (`SessionOptions.connectionClosed`, so that a close is classified like a reset), or
 * `RemoteProtocolError`.
 */
export function connectionClosed(ctx: Context, message: string, cause?: unknown): FtpError {
  return ctx.options.connectionClosed?.(message, cause) ?? new RemoteProtocolError(message, cause === undefined ? undefined : { cause });
}

/** Wait for a reply on the control connection; an abort is remembered and honoured by the caller. */
export function* nextReply(ctx: Context, wait: 'reply' | 'greeting' = 'reply'): Sub<Reply> {
  for (;;) {
    const event = yield* awaitEvent(ctx, wait, { during: 'while waiting for a reply' });
    if (event.type === 'abort') continue; // honoured at the next safe point
    if (event.type !== 'reply') throw new LocalProtocolError(`Unexpected ${event.type}`);
    return event.reply;
  }
}

/**
 * Send a command and return its final reply. A 1xx to a command that is not a transfer is a protocol
 * violation. When the user aborted meanwhile and `abortable`, the program ends with `aborted`.
 */
export function* call(ctx: Context, cmd: Command, abortable = true): Sub<Reply> {
  yield send(ctx, cmd);
  const ordinal = ctx.sent;
  const reply = yield* nextReply(ctx);
  checkArrivedAfter(ctx, ordinal, reply, cmd);
  checkFinal(reply, cmd);
  checkCanAnswer(reply, cmd);
  if (abortable && ctx.aborted) throw ABORTED;
  return reply;
}

/** The error for a reply that refuses `cmd` (or answers it otherwise than the program needs). */
export function refusal(reply: Reply, cmd: Command): FtpReplyError {
  return new FtpReplyError(reply, describeCommand(cmd));
}

/** Throw {@link FtpReplyError} unless `reply` is a 2xx. */
export function checkCompletion(reply: Reply, cmd: Command): void {
  if (reply.kind !== 'completion') throw refusal(reply, cmd);
}

/** Send a command that must succeed with a 2xx reply. */
export function* expectCompletion(ctx: Context, cmd: Command): Sub<Reply> {
  const reply = yield* call(ctx, cmd);
  checkCompletion(reply, cmd);
  return reply;
}

/** A fresh context for a session with these options. */
export function createContext(options: SessionOptions, parser: ReplyParser): Context {
  return {
    options,
    parser,
    type: undefined,
    epsv: options.epsv === false ? false : undefined,
    pipelining: options.pipelining === true,
    secure: false,
    protectData: false,
    hashAlgorithm: undefined,
    directoryChanges: 0,
    aborted: false,
    quit: false,
    keepAliveOpen: false,
    takesAhead: false,
    aheadUnanswered: false,
    ahead: false,
    strays: 0,
    sent: 0,
    sentBeforeBytes: 0,
    lastCommand: undefined,
    preliminaries: 0,
    preliminaryAfter: 0,
  };
}
