/**
 * The FTP session as a sans-IO state machine.
 *
 * Theory of operation: a {@link Session} owns the protocol rules of one control connection. The
 * driver (for example `@ftpkit/client`) owns the sockets, the clock and the data bytes. The driver
 * starts one {@link Operation} at a time and reports what happens: control bytes and their end, the
 * data connection opening and closing, the TLS upgrade finishing, an active-mode listener being ready,
 * or the user aborting. Every call returns the {@link Action}s the driver must perform next, in order:
 * send these bytes, upgrade to TLS now, open or listen for a data connection, start moving data, close
 * the data connection, and finally `done`, `failed` or `aborted`. The driver passes control bytes to
 * `receive` as each read delivers them, and performs the actions a call returns before passing on
 * bytes read later: a reply whose first byte was read before its command was sent is unsolicited, and
 * the session breaks on it rather than take it as the answer.
 *
 * Each operation is a small program (a generator) that yields two kinds of steps: an action to hand to
 * the driver, or a wait that names the events it accepts. The wait points are the machine's states and
 * the `accepts` lists are its transition table: an event that the current wait does not accept is a
 * protocol error, the operation fails, and the session becomes `broken` for good. Reply codes are
 * interpreted only in this module; the driver never looks at one.
 *
 * The awkward orderings of real servers are handled here:
 * - the final 226 may arrive before or after the data connection's end, and a 125/150 before or
 *   after the data connection opens;
 * - a 1xx may be followed straight by a 4xx/5xx;
 * - ABOR may be answered by 426 + 226, by 226 alone, or not at all until the data connection closes;
 *   a NOOP sent after the first answer fences the rest, so no stray reply is mistaken later;
 * - 421 may arrive at any point, including while idle;
 * - USER may be answered by 230 directly, and 332 asks for ACCT;
 * - bytes that follow a 234 on the plaintext connection are discarded (curl CVE-2021-22947), and any
 *   answer to AUTH TLS other than 234 fails when TLS is required (curl CVE-2021-22946).
 *
 * Pipelining (the `pipelining` option, off by default) departs from RFC 959 §5.4, which has a client
 * wait for each reply before its next command (ABOR, sent mid-transfer by design, aside). Once EPSV
 * has worked on the session, a passive transfer sends EPSV, REST (downloads only) and the transfer
 * command in one write, and an upload moves its bytes as soon as the data connection is open instead
 * of at the 1xx. The replies still come in command order, and each is checked against the command it
 * answers; when EPSV or REST is refused, the transfer command's replies are read to their end, so the
 * reply count never shifts.
 *
 * @module
 */
import { checkArgument, command, describeCommand, encodeCommand, type Command, type TransferType } from './commands.js';
import { FtpReplyError, LocalProtocolError, RemoteProtocolError, type FtpError } from './errors.js';
import { parseFeatures } from './feat.js';
import { hashAlgorithm, type HashAlgorithm } from './hash.js';
import { formatEprt, formatPort, parseEpsv, parsePasv } from './pasv.js';
import { createReply, type Reply } from './reply.js';
import { ReplyParser, type ReplyParserOptions } from './reply-parser.js';
import type { TextEncodingName } from './text.js';

/** How the control connection is protected. */
export type Security = 'none' | 'explicit' | 'implicit';

/** A data-connection endpoint. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** What the session asks the driver to do. */
export type Action =
  /**
   * Write these bytes to the control connection, in one write. `command` is a log-safe rendering, one
   * line per command (several only when pipelining).
   */
  | { readonly type: 'send'; readonly bytes: Uint8Array; readonly command: string }
  /** Upgrade the control connection to TLS now, then call {@link Session.tlsStarted}. */
  | { readonly type: 'startTls' }
  /**
   * Passive mode: connect to `port` (on `host`, or the control connection's host when `host` is
   * omitted), with TLS when `secure`, then call {@link Session.dataOpened}.
   */
  | { readonly type: 'openData'; readonly host?: string; readonly port: number; readonly secure: boolean }
  /**
   * Active mode: listen on the control connection's local address, call {@link Session.listening}
   * with that address, accept one connection (and, when `secure`, run the TLS handshake on it in the
   * client role, RFC 4217 §7), then call {@link Session.dataOpened}.
   */
  | { readonly type: 'listenData'; readonly secure: boolean }
  /**
   * The transfer has started: begin sending upload bytes (downloads may be read from the open). Comes
   * once per transfer: at the 1xx, or, for a pipelined upload, as soon as the data connection is open.
   */
  | { readonly type: 'dataReady' }
  /**
   * Close or destroy the data connection and any active-mode listener. May repeat: make it idempotent.
   * A passive connect still under way should be let finish and then closed: a server waiting to
   * accept it (vsftpd, after a pipelined transfer command) reads no command until it has.
   */
  | { readonly type: 'closeData' }
  /** The operation succeeded. */
  | { readonly type: 'done'; readonly result: OperationResult }
  /**
   * The operation failed: an ftpkit error, or the error the driver reported through
   * {@link Session.dataFailed}.
   */
  | { readonly type: 'failed'; readonly error: Error }
  /**
   * The operation has failed with `error`, but commands it already sent are still unanswered: the
   * session reads their replies first, so the next operation gets its own, and then ends the operation
   * with `failed` (the same error, or a stricter one such as a closed connection). A driver may report
   * `error` to its caller now and start the next operation once `failed` comes; one that ignores this
   * action loses nothing but the promptness. Comes only with `pipelining`, when the data connection of
   * a batch fails before the transfer started.
   */
  | { readonly type: 'failing'; readonly error: Error }
  /** The operation ended early because {@link Session.abort} was called. */
  | { readonly type: 'aborted' }
  /** The control connection is finished (QUIT answered, 421, EOF): close it. */
  | { readonly type: 'close'; readonly reason?: FtpError };

/** Log in and prepare the session. The first operation of every session. */
export interface ConnectOperation {
  readonly kind: 'connect';
  readonly user: string;
  readonly password: string;
  readonly account?: string;
  /** `explicit` sends AUTH TLS; `implicit` means the driver connected with TLS already. */
  readonly security: Security;
  /** Send `PROT P` after TLS so data connections are encrypted too. Default true when secure. */
  readonly protectData?: boolean;
  /** Send `OPTS UTF8 ON` when FEAT advertises UTF8. Default true. */
  readonly utf8?: boolean;
  /** Initial transfer type. Default `'I'`. */
  readonly type?: TransferType;
}

/** Send one command and expect a 2xx reply. */
export interface CommandOperation {
  readonly kind: 'command';
  readonly command: Command;
}

/** RNFR then RNTO. */
export interface RenameOperation {
  readonly kind: 'rename';
  readonly from: string;
  readonly to: string;
}

/** The transfer commands: downloads, uploads and listings. */
export type TransferCommand = 'RETR' | 'STOR' | 'APPE' | 'LIST' | 'NLST' | 'MLSD';

/** A command that moves data over a data connection. */
export interface TransferOperation {
  readonly kind: 'transfer';
  readonly command: TransferCommand;
  readonly path?: string;
  /** Resume at this byte offset (REST, RFC 3659 §5). */
  readonly restAt?: number;
  /** TYPE for this transfer. Default: unchanged (listings switch to `A` only if asked). */
  readonly type?: TransferType;
  /** Data-connection mode. Default `'passive'`. */
  readonly mode?: 'passive' | 'active';
}

/** Say goodbye. */
export interface QuitOperation {
  readonly kind: 'quit';
}

/** Everything a session can run. */
export type Operation = ConnectOperation | CommandOperation | RenameOperation | TransferOperation | QuitOperation;

/** What a successful `connect` reports. */
export interface ConnectResult {
  readonly kind: 'connect';
  readonly greeting: Reply;
  /** The reply that completed login (230, or 202 for a superfluous password). */
  readonly welcome: Reply;
  /** FEAT, upper-cased feature name to its parameters (empty when FEAT is refused). */
  readonly features: ReadonlyMap<string, string>;
  /** True when `OPTS UTF8 ON` was accepted. */
  readonly utf8: boolean;
}

/** What a successful command, rename, transfer or quit reports: the final reply. */
export interface ReplyResult {
  readonly kind: 'reply';
  readonly reply: Reply;
  /** A transfer's 125 or 150, which may announce the size (see `parseAnnouncedSize`). */
  readonly preliminary?: Reply;
}

/** The result carried by a `done` action. */
export type OperationResult = ConnectResult | ReplyResult;

/** Options of {@link Session}. */
export interface SessionOptions extends ReplyParserOptions {
  /**
   * Use the host from a 227 reply for the data connection. Default false: the control host is used,
   * because a hostile server could otherwise aim the client at any address (FTP bounce, SSRF; curl
   * ignores it by default too).
   */
  readonly trustPasvHost?: boolean;
  /** The control connection is IPv6: PASV and PORT cannot work, only EPSV and EPRT. */
  readonly ipv6?: boolean;
  /** Try EPSV first (RFC 2428). Default true; falls back to PASV once on a 5xx and remembers. */
  readonly epsv?: boolean;
  /**
   * Pipeline the setup of passive transfers. Default false. Once EPSV has worked on the session, a
   * transfer sends `EPSV`, `REST` (before RETR only) and the transfer command in one write, so their
   * replies come back in one round trip, and an upload starts moving bytes when the data connection
   * opens rather than at the 150. RFC 959 §5.4 has a client wait for each reply before the next
   * command, and some servers and routers mishandle several commands in one segment (lftp sends one
   * command at a time by default for this reason), so it is opt-in. It does not apply to active
   * mode, to PASV, to the transfer that first tries EPSV, to a batch over 536 bytes, or to REST
   * before an upload: a refused REST would let STOR overwrite the file from its start.
   */
  readonly pipelining?: boolean;
  /** Encoding of commands. Default `'utf8'`. */
  readonly encoding?: TextEncodingName;
  /** Observe every reply as it is parsed (for protocol logs). Called before the reply is acted on. */
  readonly onReply?: (reply: Reply) => void;
}

/** Coarse public state of a session. */
export type SessionState = 'greeting' | 'idle' | 'busy' | 'closed' | 'broken';

/** The kinds of event a session reacts to: a reply, or what the driver reports. */
export type EventType = 'reply' | 'eof' | 'tlsStarted' | 'listening' | 'dataOpened' | 'dataClosed' | 'dataFailed' | 'abort';

type SessionEvent =
  | { readonly type: 'reply'; readonly reply: Reply }
  | { readonly type: 'eof' }
  | { readonly type: 'tlsStarted' }
  | { readonly type: 'listening'; readonly endpoint: Endpoint }
  | { readonly type: 'dataOpened' }
  | { readonly type: 'dataClosed' }
  | { readonly type: 'dataFailed'; readonly error: Error }
  | { readonly type: 'abort' };

/** A step that sends `commands` commands in one write. */
type SendStep = { readonly emit: Extract<Action, { type: 'send' }>; readonly commands: number };

/** A step yielded by an operation program: an action (a send counts its commands), or a wait. */
type Step = SendStep | { readonly emit: Exclude<Action, { type: 'send' }> } | { readonly wait: WaitState };

/**
 * The machine's wait states: where a running operation can stand while it waits for an event.
 * `greeting` and `reply` wait on the control connection, `tls` on the driver's TLS upgrade,
 * `listening` on an active-mode listener, `transfer` on replies and data-connection news together,
 * and `aborting` on the answers to ABOR.
 */
export type WaitState = 'greeting' | 'reply' | 'tls' | 'listening' | 'transfer' | 'aborting';

/**
 * The transition table: the events each wait state accepts. Any other event in that state is a
 * protocol error that breaks the session. (A `reply` while waiting for `tls` never gets here: those
 * bytes are discarded unread, see CVE-2021-22947.)
 *
 * @example
 * ```ts
 * SESSION_TRANSITIONS.tls; // ['tlsStarted', 'eof', 'abort']
 * ```
 */
export const SESSION_TRANSITIONS: Readonly<Record<WaitState, readonly EventType[]>> = Object.freeze({
  greeting: ['reply', 'eof', 'abort'],
  reply: ['reply', 'eof', 'abort'],
  tls: ['tlsStarted', 'eof', 'abort'],
  listening: ['listening', 'eof', 'abort', 'dataFailed'],
  /** Setting up a transfer: replies and data-connection news may interleave. */
  transfer: ['reply', 'eof', 'abort', 'dataOpened', 'dataClosed', 'dataFailed'],
  /** Draining the answers to ABOR: data-connection news is stale and ignored. */
  aborting: ['reply', 'eof', 'abort', 'dataOpened', 'dataClosed', 'dataFailed'],
});

type Program = Generator<Step, OperationResult, SessionEvent>;

/** Thrown inside a program to end it with `aborted`. */
const ABORTED = Symbol('aborted');
/** Thrown inside a program when the connection is over (421 or EOF) after failing the operation. */
class ConnectionOver {
  constructor(readonly error: FtpError) {}
}
/** Thrown inside a program when the data connection failed: the operation fails, the session lives on. */
class DataFailure {
  constructor(readonly error: Error) {}
}

/** State shared by the operations of one session. */
interface Context {
  readonly options: SessionOptions;
  /** The transfer type the server is in; undefined when unknown (a TYPE the session does not model). */
  type: TransferType | undefined;
  epsv: boolean | undefined;
  protectData: boolean;
  /** The HASH algorithm chosen with OPTS HASH in this session; undefined: FEAT's `*` still holds. */
  hash: HashAlgorithm | undefined;
  aborted: boolean;
  /** Completion replies (225/226) the server still owes for an earlier transfer or ABOR. */
  strays: number;
  /** Commands handed to the driver so far. */
  sent: number;
  /** Commands that had been handed to the driver when the first byte of the reply being parsed arrived. */
  sentBeforeBytes: number;
}

/**
 * A reply must have arrived after its command was sent: one that began in bytes that came in before
 * (in the same `receive` as the reply that led to sending it, or an earlier one) is an unsolicited
 * reply, and taking it as the answer would shift every later reply by one (found by fuzzing: `230`
 * and a stray `200` in one read made the `200` FEAT's answer).
 */
function checkArrivedAfter(ctx: Context, ordinal: number, reply: Reply, cmd: Command): void {
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
function checkCanAnswer(reply: Reply, cmd: Command): void {
  if ((reply.code === 425 || reply.code === 426) && !DATA_CONNECTION_COMMANDS.has(cmd.name)) {
    throw new RemoteProtocolError(`Reply ${reply.code} cannot answer ${cmd.name}: RFC 959 sends it only about a data connection`);
  }
}

/** RFC 959: 225 and 226 end a transfer or answer ABOR; one owed by the server is discarded once. */
function isStray(ctx: Context, reply: Reply): boolean {
  if (ctx.strays === 0 || (reply.code !== 225 && reply.code !== 226)) return false;
  ctx.strays--;
  return true;
}

/**
 * The sans-IO FTP session.
 *
 * @example
 * ```ts
 * const session = new Session();
 * const run = (actions: Action[]) => { for (const a of actions) console.log(a.type); };
 * run(session.start({ kind: 'connect', user: 'anonymous', password: 'guest', security: 'none' }));
 * run(session.receive(bytes('220 ready\r\n')));      // send USER
 * run(session.receive(bytes('331 password?\r\n')));  // send PASS
 * // ... and so on until a 'done' action carries the ConnectResult
 * ```
 */
export class Session {
  readonly #parser: ReplyParser;
  readonly #ctx: Context;
  #state: SessionState = 'greeting';
  #program: Program | undefined;
  #wait: WaitState | undefined;
  #loggedIn = false;
  #error: FtpError | undefined;
  #discardControlBytes = false;
  /** `ctx.sent` when the first byte of the reply the parser holds unfinished arrived. */
  #pendingSince = 0;

  constructor(options: SessionOptions = {}) {
    this.#parser = new ReplyParser(options);
    this.#ctx = { options, type: undefined, epsv: options.epsv === false ? false : undefined, protectData: false, hash: undefined, aborted: false, strays: 0, sent: 0, sentBeforeBytes: 0 };
  }

  /** Coarse state: `busy` while an operation runs. */
  get state(): SessionState {
    return this.#state;
  }

  /** The wait state of the running operation, for diagnostics. */
  get waiting(): WaitState | undefined {
    return this.#wait;
  }

  /**
   * The HASH algorithm selected with `OPTS HASH` during this session (by a `command` operation,
   * raw or not), or undefined while the one FEAT marked with `*` at login still holds.
   */
  get hashAlgorithm(): HashAlgorithm | undefined {
    return this.#ctx.hash;
  }

  /** Whether data connections are protected (PROT P), as the server was last told. */
  get protectData(): boolean {
    return this.#ctx.protectData;
  }

  /** The transfer type the server is in, or undefined when it is not known. */
  get transferType(): TransferType | undefined {
    return this.#ctx.type;
  }

  /** The error that broke the session, if any. */
  get error(): FtpError | undefined {
    return this.#error;
  }

  /**
   * Start an operation. Only one runs at a time; queueing is the driver's job. Throws
   * {@link LocalProtocolError} when the session cannot take it (busy, closed, broken, or anything but
   * `connect` before login), or when an argument contains CR, LF or NUL.
   */
  start(op: Operation): Action[] {
    const ready = op.kind === 'connect' ? this.#state === 'greeting' && this.#program === undefined : this.#state === 'idle';
    if (!ready) throw new LocalProtocolError(`Cannot start ${op.kind}: session is ${this.#state}`);
    const program = this.#programFor(op); // validates arguments before anything changes
    this.#state = 'busy';
    this.#ctx.aborted = false;
    this.#program = program;
    return this.#advance(undefined);
  }

  /** Control-connection bytes arrived. */
  receive(bytes: Uint8Array): Action[] {
    if (this.#state === 'closed' || this.#state === 'broken') return [];
    // CVE-2021-22947: bytes after 234 and before the TLS handshake were never protected; drop them.
    if (this.#discardControlBytes) return [];
    const actions: Action[] = [];
    const sentNow = this.#ctx.sent;
    // A reply dates from its first byte: one whose start came in an earlier read was under way before
    // any command sent since (found by fuzzing: "200 NOOP ok\r\n426 unsolicite" then "d\r\n" made the
    // 426 the answer to the NOOP sent in between).
    const wasPending = this.#parser.pending;
    this.#ctx.sentBeforeBytes = wasPending ? this.#pendingSince : sentNow;
    let completed = false;
    try {
      this.#parser.pushEach(bytes, (reply) => {
        this.#ctx.options.onReply?.(reply);
        if (this.#state !== 'closed' && this.#state !== 'broken') actions.push(...this.#dispatch({ type: 'reply', reply }));
        completed = true;
        this.#ctx.sentBeforeBytes = sentNow;
        if (this.#discardControlBytes) throw DISCARD;
      });
    } catch (err) {
      if (err === DISCARD) return actions;
      if (err instanceof RemoteProtocolError) return [...actions, ...this.#break(err)];
      throw err;
    }
    // What the parser holds now began in this read, unless it is the same unfinished reply as before.
    if (completed || !wasPending) this.#pendingSince = sentNow;
    return actions;
  }

  /** The server closed the control connection. */
  end(): Action[] {
    if (this.#state === 'closed' || this.#state === 'broken') return [];
    try {
      this.#parser.end();
    } catch (err) {
      if (err instanceof RemoteProtocolError) return this.#break(err);
      throw err;
    }
    return this.#dispatch({ type: 'eof' });
  }

  /** The TLS upgrade asked for by `startTls` completed. */
  tlsStarted(): Action[] {
    this.#discardControlBytes = false;
    this.#parser.reset();
    return this.#dispatch({ type: 'tlsStarted' });
  }

  /** The active-mode listener is ready at `endpoint` (the address the server should connect to). */
  listening(endpoint: Endpoint): Action[] {
    return this.#dispatch({ type: 'listening', endpoint });
  }

  /** The data connection is open (and its TLS handshake done, when secure). */
  dataOpened(): Action[] {
    return this.#dispatch({ type: 'dataOpened' });
  }

  /** The data connection ended cleanly: EOF read (download) or all bytes written and closed (upload). */
  dataClosed(): Action[] {
    return this.#dispatch({ type: 'dataClosed' });
  }

  /** The data connection failed (reset, TLS error, refused); `error` is what the caller will see. */
  dataFailed(error: Error): Action[] {
    return this.#dispatch({ type: 'dataFailed', error });
  }

  /**
   * The user wants the running operation to stop. A transfer in progress is aborted with ABOR; other
   * operations stop at their next reply. Harmless when nothing is running.
   */
  abort(): Action[] {
    if (this.#state !== 'busy') return [];
    this.#ctx.aborted = true;
    return this.#dispatch({ type: 'abort' });
  }

  #dispatch(event: SessionEvent): Action[] {
    // Terminal states: late news from sockets that were already told to close changes nothing.
    if (this.#state === 'closed' || this.#state === 'broken') return [];
    const wait = this.#wait;
    if (this.#program === undefined || wait === undefined) return this.#idleEvent(event);
    if (!SESSION_TRANSITIONS[wait].includes(event.type)) {
      const error =
        event.type === 'reply'
          ? new RemoteProtocolError(`Unexpected reply ${event.reply.code} while waiting for ${wait}`)
          : new LocalProtocolError(`Unexpected ${event.type} while waiting for ${wait}`);
      return this.#break(error);
    }
    return this.#advance(event);
  }

  /** Events while no operation runs. */
  #idleEvent(event: SessionEvent): Action[] {
    if (event.type === 'eof') {
      this.#state = 'closed';
      return [{ type: 'close' }];
    }
    if (event.type === 'reply' && event.reply.code === 421) {
      // RFC 959 §4.2: 421 may be sent in reply to any command, or unsolicited before closing.
      this.#state = 'closed';
      return [{ type: 'close', reason: new FtpReplyError(event.reply) }];
    }
    // Stale news about a data connection the session already asked the driver to close.
    if (event.type === 'dataOpened' || event.type === 'dataClosed' || event.type === 'dataFailed' || event.type === 'listening') return [];
    if (event.type === 'abort') return [];
    if (event.type === 'reply' && isStray(this.#ctx, event.reply)) return [];
    if (event.type === 'reply') return this.#break(new RemoteProtocolError(`Unsolicited reply ${event.reply.code}`));
    return this.#break(new LocalProtocolError(`Unexpected ${event.type} while idle`));
  }

  #advance(event: SessionEvent | undefined): Action[] {
    const program = this.#program!;
    const actions: Action[] = [];
    let input = event;
    for (;;) {
      let step: IteratorResult<Step, OperationResult>;
      try {
        step = input === undefined ? program.next(undefined as never) : program.next(input);
      } catch (err) {
        return [...actions, ...this.#finish(err)];
      }
      input = undefined;
      if (step.done) {
        this.#program = undefined;
        this.#wait = undefined;
        this.#state = this.#state === 'busy' ? 'idle' : this.#state;
        this.#loggedIn = true;
        actions.push({ type: 'done', result: step.value });
        if (step.value.kind === 'reply' && this.#state === 'closed') actions.push({ type: 'close' });
        return actions;
      }
      if ('emit' in step.value) {
        if (step.value.emit.type === 'startTls') this.#discardControlBytes = true;
        if ('commands' in step.value) this.#ctx.sent += step.value.commands;
        actions.push(step.value.emit);
        continue;
      }
      this.#wait = step.value.wait;
      return actions;
    }
  }

  /** A program threw: turn it into failed/aborted and the right session state. */
  #finish(err: unknown): Action[] {
    if (err instanceof RemoteProtocolError) return this.#break(err);
    this.#program = undefined;
    this.#wait = undefined;
    if (err instanceof DataFailure) {
      this.#state = 'idle';
      return [{ type: 'failed', error: err.error }];
    }
    if (err === ABORTED) {
      this.#state = this.#loggedIn ? 'idle' : 'closed';
      return this.#loggedIn ? [{ type: 'aborted' }] : [{ type: 'aborted' }, { type: 'close' }];
    }
    if (err instanceof ConnectionOver) {
      this.#state = 'closed';
      return [{ type: 'failed', error: err.error }, { type: 'close', reason: err.error }];
    }
    if (err instanceof FtpReplyError || err instanceof LocalProtocolError) {
      // A refused login leaves nothing useful: the connection is closed rather than half-logged-in.
      if (!this.#loggedIn) {
        this.#state = 'closed';
        return [{ type: 'failed', error: err }, { type: 'close', reason: err }];
      }
      this.#state = 'idle';
      return [{ type: 'failed', error: err }];
    }
    throw err;
  }

  /** Sticky failure: the connection can no longer be trusted. */
  #break(error: FtpError): Action[] {
    const wasRunning = this.#program !== undefined;
    this.#program = undefined;
    this.#wait = undefined;
    this.#state = 'broken';
    this.#error = error;
    const actions: Action[] = [];
    if (wasRunning) actions.push({ type: 'closeData' }, { type: 'failed', error });
    actions.push({ type: 'close', reason: error });
    return actions;
  }

  #programFor(op: Operation): Program {
    const ctx = this.#ctx;
    const enc = { encoding: ctx.options.encoding ?? 'utf8' } as const;
    const out: Out = (...cmds) => {
      const parts = cmds.map((cmd) => encodeCommand(cmd, undefined, enc));
      const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(parts);
      return { emit: { type: 'send', bytes, command: cmds.map(describeCommand).join('\n') }, commands: cmds.length };
    };
    switch (op.kind) {
      case 'connect':
        validate('USER, PASS or ACCT', [op.user, op.password, op.account]);
        return connectProgram(op, ctx, out, () => this.#parser);
      case 'command':
        command(op.command.name, op.command.arg);
        refuseUnmodelled(op.command);
        return commandProgram(op.command, ctx, out);
      case 'rename':
        validate('RNFR or RNTO', [op.from, op.to]);
        return renameProgram(op, ctx, out);
      case 'transfer':
        validate(op.command, [op.path]);
        if (op.restAt !== undefined && (!Number.isSafeInteger(op.restAt) || op.restAt < 0)) {
          throw new LocalProtocolError('restAt must be a non-negative integer');
        }
        return transferProgram(op, ctx, out);
      case 'quit':
        return quitProgram(ctx, out, () => {
          this.#state = 'closed';
        });
    }
  }
}

const DISCARD = Symbol('discard');

function validate(what: string, values: readonly (string | undefined)[]): void {
  for (const value of values) if (value !== undefined) checkArgument(what, value);
}

/** Encode commands into one send step. */
type Out = (...cmds: Command[]) => SendStep;

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/** Wait for a reply in the given state; 421 and EOF end the connection, abort is remembered. */
function* nextReply(ctx: Context, wait: 'reply' | 'greeting' = 'reply'): Generator<Step, Reply, SessionEvent> {
  for (;;) {
    const event: SessionEvent = yield { wait };
    if (event.type === 'abort') continue; // honoured at the next safe point
    if (event.type === 'eof') throw new ConnectionOver(new RemoteProtocolError('Control connection closed while waiting for a reply'));
    if (event.type !== 'reply') throw new LocalProtocolError(`Unexpected ${event.type}`);
    if (event.reply.code === 421) throw new ConnectionOver(new FtpReplyError(event.reply));
    if (isStray(ctx, event.reply)) continue;
    return event.reply;
  }
}

/**
 * Send a command and return its final reply. A 1xx to a command that is not a transfer is a protocol
 * violation. When the user aborted meanwhile and `abortable`, the program ends with `aborted`.
 */
function* call(ctx: Context, out: Out, cmd: Command, abortable = true): Generator<Step, Reply, SessionEvent> {
  yield out(cmd);
  const ordinal = ctx.sent;
  const reply = yield* nextReply(ctx);
  checkArrivedAfter(ctx, ordinal, reply, cmd);
  if (reply.kind === 'preliminary') throw new RemoteProtocolError(`Unexpected preliminary reply ${reply.code} to ${cmd.name}`);
  checkCanAnswer(reply, cmd);
  if (abortable && ctx.aborted) throw ABORTED;
  return reply;
}

/** Send a command that must succeed with a 2xx reply. */
function* expectCompletion(ctx: Context, out: Out, cmd: Command): Generator<Step, Reply, SessionEvent> {
  const reply = yield* call(ctx, out, cmd);
  if (reply.kind !== 'completion') throw new FtpReplyError(reply, describeCommand(cmd));
  return reply;
}

function* connectProgram(op: ConnectOperation, ctx: Context, out: Out, parser: () => ReplyParser): Program {
  // RFC 959 §4.2: 120 means "ready in nnn minutes"; wait for the 220 that follows.
  let greeting = yield* nextReply(ctx, 'greeting');
  while (greeting.code === 120) greeting = yield* nextReply(ctx, 'greeting');
  if (greeting.code !== 220) throw new FtpReplyError(greeting);
  if (ctx.aborted) throw ABORTED;

  if (op.security === 'explicit') {
    const auth = command('AUTH', 'TLS');
    const reply = yield* call(ctx, out, auth);
    // RFC 4217 §4: only 234 means the server is ready for the handshake. Anything else, even a 2xx
    // or a 230 "logged in", must fail when TLS was required (curl CVE-2021-22946).
    if (reply.code !== 234) throw new FtpReplyError(reply, describeCommand(auth));
    yield { emit: { type: 'startTls' } };
    const event: SessionEvent = yield { wait: 'tls' };
    if (event.type === 'eof') throw new ConnectionOver(new RemoteProtocolError('Control connection closed during the TLS upgrade'));
    if (event.type === 'abort') throw ABORTED;
  }
  if (op.security !== 'none') {
    // RFC 4217 §8-9: PBSZ 0 must precede PROT; PROT P encrypts the data connections.
    yield* expectCompletion(ctx, out, command('PBSZ', '0'));
    if (op.protectData !== false) {
      yield* expectCompletion(ctx, out, command('PROT', 'P'));
      ctx.protectData = true;
    }
  }

  const welcome = yield* login(op, ctx, out);

  const featReply = yield* call(ctx, out, command('FEAT'));
  // RFC 2389 §3.2: 211 lists the features; anything else (5xx from servers without FEAT) means none.
  const features = featReply.code === 211 ? parseFeatures(featReply) : new Map<string, string>();

  let utf8 = false;
  if (op.utf8 !== false && features.has('UTF8')) {
    // RFC 2640 §3.2 via the OPTS UTF8 draft; several servers refuse it while speaking UTF-8 anyway
    // (Pure-FTPd 504, pyftpdlib 501), so a refusal is not an error.
    const reply = yield* call(ctx, out, command('OPTS', 'UTF8 ON'));
    utf8 = reply.kind === 'completion';
    if (utf8) parser().encoding = 'utf8';
  }

  const type = op.type ?? 'I';
  yield* expectCompletion(ctx, out, command('TYPE', type));
  ctx.type = type;
  return Object.freeze({ kind: 'connect', greeting, welcome, features, utf8 });
}

/** USER, then PASS and ACCT as the server asks (RFC 959 §5.4 login sequence). */
function* login(op: ConnectOperation, ctx: Context, out: Out): Generator<Step, Reply, SessionEvent> {
  const user = command('USER', op.user);
  let reply = yield* call(ctx, out, user);
  let last = user;
  let sentPass = false;
  let sentAcct = false;
  for (;;) {
    if (reply.code === 230 || (reply.code === 202 && sentPass)) return reply;
    if (reply.code === 331 && !sentPass) {
      last = command('PASS', op.password);
      sentPass = true;
    } else if (reply.code === 332 && !sentAcct && op.account !== undefined) {
      last = command('ACCT', op.account);
      sentAcct = true;
    } else {
      throw new FtpReplyError(reply, describeCommand(last));
    }
    reply = yield* call(ctx, out, last);
  }
}

function* commandProgram(cmd: Command, ctx: Context, out: Out): Program {
  const reply = yield* expectCompletion(ctx, out, cmd);
  modelCommand(cmd, ctx);
  return Object.freeze({ kind: 'reply', reply });
}

/**
 * Commands a `command` operation may not send, with what to use instead. Each changes what the
 * server holds in a way the session cannot follow (h11's rule 1: all state that the server holds
 * lives in the session), so sending one would leave later operations acting on a wrong belief:
 * REIN, USER, PASS and ACCT log in again or out; AUTH and CCC switch the control connection's TLS,
 * PBSZ goes with PROT's TLS setup; REST leaves an offset that the next transfer would start from;
 * PASV, EPSV, PORT, EPRT and the transfer commands need a data connection that only a transfer
 * operation opens; RNFR leaves the server waiting for RNTO; ABOR and QUIT end what the session
 * drives itself. MODE and STRU are refused unless they name the defaults (stream, file), which are
 * the only ones the transfer code speaks.
 */
const UNMODELLED: Readonly<Record<string, string>> = {
  REIN: 'connect a new session',
  USER: 'connect a new session',
  PASS: 'connect a new session',
  ACCT: 'the account connect option',
  AUTH: 'the secure connect option',
  PBSZ: 'the secure connect option',
  CCC: 'a session without TLS',
  REST: 'the startAt transfer option',
  PASV: 'a transfer call',
  EPSV: 'a transfer call',
  PORT: 'a transfer call',
  EPRT: 'a transfer call',
  LPRT: 'a transfer call',
  LPSV: 'a transfer call',
  RETR: 'download',
  STOR: 'upload',
  STOU: 'upload',
  APPE: 'append',
  LIST: 'list',
  NLST: 'list',
  MLSD: 'list',
  RNFR: 'rename',
  RNTO: 'rename',
  ABOR: 'an AbortSignal',
  QUIT: 'close',
};

function refuseUnmodelled(cmd: Command): void {
  const name = cmd.name.toUpperCase();
  const arg = (cmd.arg ?? '').trim().toUpperCase();
  const instead = UNMODELLED[name];
  if (instead !== undefined) throw new LocalProtocolError(`${name} cannot be sent as a raw command: the session could not follow its effect (use ${instead})`);
  if ((name === 'MODE' && arg !== 'S') || (name === 'STRU' && arg !== 'F')) {
    throw new LocalProtocolError(`${name} ${arg} cannot be sent as a raw command: transfers speak only MODE S and STRU F`);
  }
  // A selection the session could not name would leave checksums unsure which algorithm answers.
  if (name === 'OPTS' && /^HASH\s+\S/.test(arg) && hashAlgorithm(arg.slice(4)) === undefined) {
    throw new LocalProtocolError('OPTS HASH needs one of SHA-512, SHA-256, SHA-1, MD5 or CRC32');
  }
}

/** What a completed command changed in the server's state (RFC 959 §4.1.2 TYPE, RFC 4217 §9 PROT, HASH draft §4 OPTS HASH). */
function modelCommand(cmd: Command, ctx: Context): void {
  const name = cmd.name.toUpperCase();
  const arg = (cmd.arg ?? '').trim().toUpperCase();
  if (name === 'TYPE') {
    // `A` and `A N` are ASCII, `I` is image; anything else (EBCDIC, `L 8`, a format control) is not
    // what a transfer asks for, so the next transfer sends its TYPE again.
    ctx.type = arg === 'I' ? 'I' : arg === 'A' || arg === 'A N' ? 'A' : undefined;
  } else if (name === 'PROT') {
    ctx.protectData = arg === 'P';
  } else if (name === 'OPTS' && /^HASH\s/.test(arg)) {
    ctx.hash = hashAlgorithm(arg.slice(4));
  }
}

function* renameProgram(op: RenameOperation, ctx: Context, out: Out): Program {
  const rnfr = command('RNFR', op.from);
  const first = yield* call(ctx, out, rnfr);
  // RFC 959 §4.1.3: RNFR must be answered 350 and immediately followed by RNTO.
  if (first.code !== 350) throw new FtpReplyError(first, describeCommand(rnfr));
  const reply = yield* expectCompletion(ctx, out, command('RNTO', op.to));
  return Object.freeze({ kind: 'reply', reply });
}

function* quitProgram(ctx: Context, out: Out, closed: () => void): Program {
  yield out(command('QUIT'));
  let event: SessionEvent = yield { wait: 'reply' };
  while (event.type === 'abort') event = yield { wait: 'reply' };
  closed();
  if (event.type === 'reply') return Object.freeze({ kind: 'reply', reply: event.reply });
  // EOF before the 221 is the same outcome: the server is gone, as asked.
  return Object.freeze({ kind: 'reply', reply: createReply(221, ['Connection closed']) });
}

/** Progress of the data side of a transfer. */
interface DataProgress {
  /** A pipelined transfer asked for the data connection before its command was answered. */
  requested: boolean;
  opened: boolean;
  closed: boolean;
  failed: Error | undefined;
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
function pipelinedBatch(op: TransferOperation, ctx: Context, out: Out, transfer: Command, rest: Command | undefined): SendStep | undefined {
  if (!ctx.options.pipelining || op.mode === 'active' || ctx.epsv !== true) return undefined;
  if (rest !== undefined && op.command !== 'RETR') return undefined;
  const step = out(...(rest === undefined ? [command('EPSV'), transfer] : [command('EPSV'), rest, transfer]));
  return step.emit.bytes.length <= MAX_PIPELINED_BYTES ? step : undefined;
}

function* transferProgram(op: TransferOperation, ctx: Context, out: Out): Program {
  const secure = ctx.protectData;
  const data: DataProgress = { requested: false, opened: false, closed: false, failed: undefined };
  const track = (event: SessionEvent): void => {
    if (event.type === 'dataOpened') data.opened = true;
    else if (event.type === 'dataClosed') data.closed = true;
    else if (event.type === 'dataFailed') data.failed ??= event.error;
  };
  /**
   * Wait for the reply to `cmd`, sent as the last of the first `ordinal` commands, while recording
   * data-connection news; an abort is honoured by the caller at its next safe point.
   */
  function* replyTo(cmd: Command, ordinal: number): Generator<Step, Reply, SessionEvent> {
    for (;;) {
      const event: SessionEvent = yield { wait: 'transfer' };
      if (event.type === 'reply') {
        if (event.reply.code === 421) throw new ConnectionOver(new FtpReplyError(event.reply));
        if (isStray(ctx, event.reply)) continue;
        checkArrivedAfter(ctx, ordinal, event.reply, cmd);
        if (event.reply.kind === 'preliminary') throw new RemoteProtocolError(`Unexpected preliminary reply ${event.reply.code} to ${cmd.name}`);
        return event.reply;
      }
      if (event.type === 'eof') throw new ConnectionOver(new RemoteProtocolError('Control connection closed during transfer setup'));
      track(event);
    }
  }
  function* setupReply(cmd: Command): Generator<Step, Reply, SessionEvent> {
    yield out(cmd);
    return yield* replyTo(cmd, ctx.sent);
  }
  const fail = (reply: Reply, cmd: Command): never => {
    throw new FtpReplyError(reply, describeCommand(cmd));
  };

  try {
    if (op.type !== undefined && op.type !== ctx.type) {
      const type = command('TYPE', op.type);
      const reply = yield* setupReply(type);
      if (reply.kind !== 'completion') fail(reply, type);
      ctx.type = op.type;
    }
    if (ctx.aborted) throw ABORTED;

    const transfer = command(op.command, op.path);
    const rest = op.restAt !== undefined && op.restAt > 0 ? command('REST', String(op.restAt)) : undefined;
    const batch = pipelinedBatch(op, ctx, out, transfer, rest);
    if (batch !== undefined) {
      yield* pipelinedSetup(batch, transfer, rest);
    } else if (op.mode === 'active') {
      yield { emit: { type: 'listenData', secure } };
      let endpoint: Endpoint | undefined;
      while (endpoint === undefined) {
        const event: SessionEvent = yield { wait: 'listening' };
        if (event.type === 'listening') endpoint = event.endpoint;
        else if (event.type === 'abort') throw ABORTED;
        else if (event.type === 'eof') throw new ConnectionOver(new RemoteProtocolError('Control connection closed during transfer setup'));
        else if (event.type === 'dataFailed') throw new DataFailure(event.error);
      }
      // RFC 2428 §2: EPRT carries IPv6; PORT (RFC 959) is the universal IPv4 form.
      const ipv6 = endpoint.host.includes(':');
      const portCmd = ipv6 ? command('EPRT', formatEprt(endpoint)) : command('PORT', formatPort(endpoint));
      const reply = yield* setupReply(portCmd);
      if (reply.kind !== 'completion') fail(reply, portCmd);
    } else {
      const port = yield* passiveEndpoint();
      if (ctx.aborted) throw ABORTED;
      yield { emit: { type: 'openData', ...port, secure } };
      while (!data.opened) {
        if (data.failed) throw new DataFailure(data.failed);
        const event: SessionEvent = yield { wait: 'transfer' };
        if (event.type === 'reply') {
          if (event.reply.code === 421) throw new ConnectionOver(new FtpReplyError(event.reply));
          throw new RemoteProtocolError(`Unsolicited reply ${event.reply.code} while opening the data connection`);
        }
        if (event.type === 'eof') throw new ConnectionOver(new RemoteProtocolError('Control connection closed during transfer setup'));
        if (event.type === 'abort') throw ABORTED;
        track(event);
      }
    }

    if (batch === undefined) {
      if (ctx.aborted) throw ABORTED;
      if (rest !== undefined) {
        // RFC 3659 §5.3: REST must come immediately before the transfer command, so nothing may
        // interrupt the pair (an abort waits for the transfer command and then sends ABOR).
        const reply = yield* setupReply(rest);
        if (reply.code !== 350) fail(reply, rest);
      }
      yield out(transfer);
    }
    if (ctx.aborted) return yield* abortTransfer(false);

    // A pipelined upload moves its bytes from the data connection's open: the server reads them
    // once it has taken the command, which went out before the connection was even asked for.
    const early = batch !== undefined && (op.command === 'STOR' || op.command === 'APPE');
    let ready = false;
    let started: Reply | undefined;
    let final: Reply | undefined;
    for (;;) {
      if (final !== undefined && (data.closed || data.failed)) break;
      if (batch !== undefined && started === undefined && data.failed && !data.opened) {
        // The data connection could not be opened: the transfer cannot start, and fails with that
        // error as in the step-by-step path. But the transfer command is already with the server,
        // which may answer only once it gives up on the connection (vsftpd waits in accept() for a
        // minute): fail the call now and read that answer behind it, so the next command is not
        // taken for this one's. (One that opened and then failed waits for the server's reason.)
        yield { emit: { type: 'failing', error: data.failed } };
        yield* discardTransfer(transfer);
        throw new DataFailure(data.failed);
      }
      const event: SessionEvent = yield { wait: 'transfer' };
      if (event.type === 'abort') return yield* abortTransfer(final !== undefined);
      if (event.type === 'eof') throw new ConnectionOver(new RemoteProtocolError('Control connection closed during the transfer'));
      if (event.type !== 'reply') {
        track(event);
        if (early && event.type === 'dataOpened' && !ready) {
          ready = true;
          yield { emit: { type: 'dataReady' } };
        }
        continue;
      }
      const reply = event.reply;
      if (!started && isStray(ctx, reply)) continue;
      if (reply.code === 421) throw new ConnectionOver(new FtpReplyError(reply, describeCommand(transfer)));
      if (reply.kind === 'preliminary') {
        // RFC 959 §5.4: 125 (already open) or 150 (about to open) before the transfer.
        if (started || final !== undefined) throw new RemoteProtocolError(`Second preliminary reply ${reply.code} to ${transfer.name}`);
        started = reply;
        if (!ready) {
          ready = true;
          yield { emit: { type: 'dataReady' } };
        }
        continue;
      }
      // A refusal after the data connection opened: pyftpdlib (FTPS) also answers our closing it
      // with a 226, which must not be taken for the next command's reply. A pipelined transfer may
      // hear the refusal before its connect completes, so asking for the connection counts as open
      // (one owed 226 too many is harmless: only a 225/226 that nothing else can own is discarded).
      if (reply.kind !== 'completion' && !started && (data.opened || data.requested)) ctx.strays++;
      if (reply.kind !== 'completion') fail(reply, transfer); // includes 1xx then 4xx/5xx
      if (!started) throw new RemoteProtocolError(`Reply ${reply.code} to ${transfer.name} without a preliminary reply`);
      final = reply;
    }
    if (data.failed) throw new DataFailure(data.failed);
    yield { emit: { type: 'closeData' } };
    return Object.freeze({ kind: 'reply', reply: final, ...(started ? { preliminary: started } : {}) });
  } catch (err) {
    yield { emit: { type: 'closeData' } }; // idempotent for the driver; the ABOR path closed it already
    throw err;
  }

  /**
   * The pipelined setup: EPSV, REST and the transfer command went out in one write. The server
   * answers in command order, so the first reply is EPSV's and the next one REST's; the data
   * connection is asked for only then, so no byte of a RETR that REST could not position reaches the
   * sink. When either is refused the transfer command was sent all the same: its replies are read to
   * their end, and a server that did open a passive port gets its connection and sees it closed at
   * once (vsftpd waits in accept() for it, reading no command, not even ABOR).
   */
  function* pipelinedSetup(batch: SendStep, transfer: Command, rest: Command | undefined): Generator<Step, void, SessionEvent> {
    yield batch;
    const ordinal = ctx.sent;
    const epsv = command('EPSV');
    const epsvReply = yield* replyTo(epsv, ordinal);
    const port = epsvReply.code === 229 ? parseEpsv(epsvReply).port : undefined;
    let refusal = port === undefined ? new FtpReplyError(epsvReply, describeCommand(epsv)) : undefined;
    if (rest !== undefined) {
      const reply = yield* replyTo(rest, ordinal);
      if (reply.code !== 350) refusal ??= new FtpReplyError(reply, describeCommand(rest));
    }
    if (port !== undefined) {
      data.requested = true;
      yield { emit: { type: 'openData', port, secure } };
    }
    if (refusal === undefined) return;
    yield* discardTransfer(transfer);
    throw ctx.aborted ? ABORTED : refusal;
  }

  /** Read a transfer command's replies to the final one, closing its data connection as it opens. */
  function* discardTransfer(transfer: Command): Generator<Step, void, SessionEvent> {
    let started = false;
    for (;;) {
      const event: SessionEvent = yield { wait: 'transfer' };
      if (event.type === 'eof') throw new ConnectionOver(new RemoteProtocolError('Control connection closed during transfer setup'));
      if (event.type === 'dataOpened' || event.type === 'dataFailed') {
        track(event);
        yield { emit: { type: 'closeData' } };
        continue;
      }
      if (event.type !== 'reply') continue; // data EOF, or an abort: this ends soon either way
      const reply = event.reply;
      if (reply.code === 421) throw new ConnectionOver(new FtpReplyError(reply, describeCommand(transfer)));
      if (!started && isStray(ctx, reply)) continue;
      if (reply.kind === 'preliminary') {
        started = true;
        continue;
      }
      if (reply.kind !== 'completion' && !started && data.requested) ctx.strays++;
      return;
    }
  }

  function* passiveEndpoint(): Generator<Step, { host?: string; port: number }, SessionEvent> {
    if (ctx.epsv !== false) {
      const epsv = command('EPSV');
      const reply = yield* setupReply(epsv);
      if (reply.code === 229) {
        ctx.epsv = true;
        return { port: parseEpsv(reply).port };
      }
      // RFC 2428 §3: 500/501/502 mean EPSV is not understood; fall back to PASV, which cannot
      // describe an IPv6 address, and remember the answer so later transfers skip the probe.
      if (reply.kind !== 'permanent' || ctx.options.ipv6 || ctx.epsv === true) fail(reply, epsv);
      ctx.epsv = false;
    }
    if (ctx.options.ipv6) throw new LocalProtocolError('EPSV is disabled and PASV cannot address an IPv6 server');
    const pasv = command('PASV');
    const reply = yield* setupReply(pasv);
    if (reply.code !== 227) fail(reply, pasv);
    const endpoint = parsePasv(reply);
    // 0.0.0.0 means "same host" on some servers; otherwise only honour the host when trusted.
    const host = ctx.options.trustPasvHost && endpoint.host !== '0.0.0.0' ? endpoint.host : undefined;
    return host === undefined ? { port: endpoint.port } : { host, port: endpoint.port };
  }

  /**
   * RFC 959 §4.1.3 ABOR: close our end of the data connection and send ABOR. Once the server has
   * answered anything, send a NOOP and read replies until its 200. Whatever the server answered in
   * between (426 + 226, 226 alone, 225, or a late final reply) is consumed, so nothing stray is left
   * for the next operation.
   *
   * The NOOP waits for a first answer because Pure-FTPd, while a transfer runs, reads the control
   * connection only to look for ABOR and drops whatever came in the same read: a NOOP sent right
   * behind ABOR (one TCP segment, as Bun writes them) was never answered.
   */
  function* abortTransfer(finalSeen: boolean): Program {
    yield { emit: { type: 'closeData' } };
    yield out(command('ABOR'));
    let fenced = false;
    // RFC 959 §4.1.3: the server owes the transfer's final reply (226, or 426 when it was cut) unless
    // it came already, and then ABOR's own 225 or 226.
    let owed = finalSeen ? 1 : 2;
    // At most: 1xx, the transfer's final reply, ABOR's reply, NOOP's reply, and one spare.
    for (let seen = finalSeen ? 1 : 0; seen < 5; seen++) {
      const event: SessionEvent = yield { wait: 'aborting' };
      if (event.type === 'eof') throw new ConnectionOver(new RemoteProtocolError('Control connection closed during ABOR'));
      if (event.type !== 'reply') {
        seen--;
        continue;
      }
      if (event.reply.code === 421) throw new ConnectionOver(new FtpReplyError(event.reply));
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
        yield out(command('NOOP'));
      }
    }
    throw new RemoteProtocolError('No answer to NOOP after ABOR');
  }
}
