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
 * Each operation is a small program (a generator, see `program.ts`) in a file of its own:
 * `connect.ts` (greeting, AUTH TLS, PBSZ/PROT, login, CCC, FEAT, UTF8, TYPE), `simple.ts` (a command,
 * rename, quit), `transfer.ts` (TYPE, passive or active setup, the 1xx/226/data loop, over the
 * state in `transfer-run.ts`), with `pipelining.ts`, `keepalive.ts` (NOOPs during a transfer and
 * the matching of their replies) and `abort.ts` (ABOR and its NOOP fence) beside it. Everything the server believes about the session lives in one context object (h11's "Rule
 * 1"); `raw-commands.ts` says what a command written by the caller may change there, and refuses
 * the ones whose effect the session cannot model. A program yields actions, and
 * waits that name a {@link WaitState}. This class feeds it the events its wait admits
 * ({@link SESSION_TRANSITIONS}); any other event is a protocol error, the operation fails, and the
 * session becomes `broken` for good. Where an admitted event leads is the program's text, not a table.
 * Reply codes are interpreted only in this folder; the driver never looks at one.
 *
 * Three things are handled here rather than in a program: bytes that follow a 234 on the plaintext
 * connection are discarded (curl CVE-2021-22947); while no operation runs, a 421 or EOF closes
 * the session, a 225/226 the server still owes is dropped, and any other reply breaks it; and every
 * call's actions, and every reply given to `onReply`, pass through `secrets.ts`, so that a password
 * the server echoes never reaches an error, a log or an event.
 *
 * @module
 */
// Why this file is long: it is the Session class whole, every entry point a driver calls and every getter of what the server holds, each documented.
import { checkArgument, type TransferType } from '../commands.js';
import { FtpReplyError, LocalProtocolError, RemoteProtocolError, type FtpError } from '../errors.js';
import type { HashAlgorithm } from '../hash.js';
import { ReplyParser } from '../reply-parser.js';
import { goAhead } from './ahead.js';
import { connectProgram } from './connect.js';
import { ABORTED, ConnectionOver, createContext, DataFailure, dropStray, type Context, type Program, type Step } from './program.js';
import { Secrets } from './secrets.js';
import { commandProgram, quitProgram, renameProgram } from './simple.js';
import { transferProgram } from './transfer.js';
import { SESSION_TRANSITIONS, type Action, type Endpoint, type Operation, type OperationResult, type SessionEvent, type SessionOptions, type SessionState, type WaitState } from './types.js';

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
  /** A transfer set up ahead of the running one (`ahead.ts`), started when the running one ends. */
  #ahead: Program | undefined;
  #wait: WaitState | undefined;
  #loggedIn = false;
  #error: FtpError | undefined;
  #discardControlBytes = false;
  /** `ctx.sent` when the first byte of the reply the parser holds unfinished arrived. */
  #pendingSince = 0;
  /** The password and account sent, redacted from everything this session hands out. */
  readonly #secrets = new Secrets();

  constructor(options: SessionOptions = {}) {
    this.#parser = new ReplyParser(options);
    this.#ctx = createContext(options, this.#parser);
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
   * The HASH algorithm the server has selected (draft-bryan-ftpext-hash-02): the one FEAT marks with
   * `*` at login, then the one of each `OPTS HASH` the server accepts. Undefined when none is known
   * (no HASH feature, no `*`, or a name the codec does not know), so a caller that needs a particular
   * algorithm sends `OPTS HASH` first.
   *
   * @example
   * ```ts
   * const how = pickHashCommand(features, 'SHA-256');
   * if (how?.kind === 'HASH' && session.hashAlgorithm !== how.algorithm) {
   *   session.start({ kind: 'command', command: commands.opts(`HASH ${how.algorithm}`) });
   * }
   * ```
   */
  get hashAlgorithm(): HashAlgorithm | undefined {
    return this.#ctx.hashAlgorithm;
  }

  /**
   * How many commands that change the working directory the server has accepted (CWD, CDUP, XCWD,
   * XCUP, SMNT; RFC 959 §4.1.1), raw ones included. The session does not know the directory itself,
   * a path only the server resolves: a client that must find its way back to it (after a reconnect)
   * asks PWD when this count has moved.
   *
   * @example
   * ```ts
   * const before = session.directoryChanges;
   * // ... run a raw command ...
   * if (session.directoryChanges !== before) session.start({ kind: 'command', command: { name: 'PWD' } });
   * ```
   */
  get directoryChanges(): number {
    return this.#ctx.directoryChanges;
  }

  /**
   * Whether transfers are pipelined: the `pipelining` option, with `'auto'` decided by the greeting
   * (`pipeliningFor`; false until the greeting has been read).
   */
  get pipelining(): boolean {
    return this.#ctx.pipelining;
  }

  /** Whether data connections are protected (`PROT P`), as the server was last told. */
  get protectData(): boolean {
    return this.#ctx.protectData;
  }

  /**
   * The transfer type the server is in (`TYPE`), or undefined when it is not known: before the first
   * transfer, or after a raw TYPE the session does not model, so the next transfer sends its own.
   */
  get transferType(): TransferType | undefined {
    return this.#ctx.type;
  }

  /**
   * Whether a {@link Session.keepAlive} would send a NOOP now: a transfer runs past its 1xx and
   * waits on the server and the data connection. A driver runs its keep-alive clock only then.
   */
  get canKeepAlive(): boolean {
    return this.#state === 'busy' && this.#wait === 'transfer' && this.#ctx.keepAliveOpen && this.#ahead === undefined;
  }

  /** The error that broke the session, if any. */
  get error(): FtpError | undefined {
    return this.#error && this.#secrets.error(this.#error);
  }

  /**
   * Start an operation. Only one runs at a time; queueing is the driver's job. Throws
   * {@link LocalProtocolError} when the session cannot take it (busy, closed, broken, or anything but
   * `connect` before login), when an argument contains CR, LF or NUL, or when a `command` operation
   * carries a command whose effect the session cannot model (REIN, USER, AUTH, REST, RETR, RNFR and
   * the like; the message names the operation to use instead). Nothing is sent then, and the
   * session is as it was.
   */
  start(op: Operation): Action[] {
    const ready = op.kind === 'connect' ? this.#state === 'greeting' && this.#program === undefined : this.#state === 'idle';
    if (!ready) throw new LocalProtocolError(`Cannot start ${op.kind}: session is ${this.#state}`);
    const program = this.#programFor(op); // validates arguments before anything changes
    if (op.kind === 'connect') {
      this.#secrets.add(op.password);
      this.#secrets.add(op.account);
    }
    this.#state = 'busy';
    this.#ctx.aborted = false;
    this.#program = program;
    return this.#secrets.actions(this.#advance(undefined));
  }

  /**
   * Set up the next transfer while the running one still runs (deep pipelining, `ahead.ts`): its
   * `EPSV` and transfer command go out now, behind the running transfer, and it starts, with no
   * round trip in between, when the running operation ends. Returns the actions to perform (the
   * send), or undefined when the transfer cannot go ahead now (no `pipelining`, EPSV not known to
   * work, active mode, a TYPE change, REST before an upload, a keep-alive NOOP out, one already
   * ahead, or no transfer running): start it with {@link Session.start} once the session is idle.
   * The driver reports `done`, `failed` or `aborted` for the running operation first, then the
   * actions of the one ahead, which is the running operation from then on. Throws
   * {@link LocalProtocolError} for a bad argument, as `start` does.
   *
   * @example
   * ```ts
   * const actions = session.startAhead({ kind: 'transfer', command: 'RETR', path: 'b.bin' });
   * if (actions === undefined) queueUntilIdle(op); else perform(actions);
   * ```
   */
  startAhead(op: Operation): Action[] | undefined {
    if (op.kind !== 'transfer' || this.#state !== 'busy' || this.#ahead !== undefined) return undefined;
    const ahead = goAhead(op, this.#ctx);
    if (ahead === undefined) return undefined;
    this.#ahead = ahead.program;
    this.#ctx.sent += ahead.batch.commands;
    return this.#secrets.actions([ahead.batch.emit]);
  }

  /**
   * Whether a transfer was set up ahead of the running one ({@link Session.startAhead}); and whether
   * the running operation could take one now (`aheadOpen`): a driver holding a transfer back tries
   * `startAhead` again when this turns true.
   */
  get hasAhead(): boolean {
    return this.#ahead !== undefined;
  }

  /**
   * The running transfer was set up ahead and the server has not answered its first command: a
   * driver whose reply clock runs out now reports a server that dropped the pipelined commands.
   */
  get aheadUnanswered(): boolean {
    return this.#state === 'busy' && this.#ctx.aheadUnanswered;
  }

  get aheadOpen(): boolean {
    return this.#state === 'busy' && this.#ahead === undefined && this.#ctx.takesAhead;
  }

  /** Control-connection bytes arrived. */
  receive(bytes: Uint8Array): Action[] {
    return this.#secrets.actions(this.#receive(bytes));
  }

  #receive(bytes: Uint8Array): Action[] {
    if (this.#state === 'closed' || this.#state === 'broken') return [];
    // CVE-2021-22947: bytes after 234 and before the TLS handshake were never protected; drop them
    // (and after CCC's 200, until TLS has ended, as neither side of the switch sent them).
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
        this.#ctx.options.onReply?.(this.#secrets.reply(reply));
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

  /**
   * The server closed the control connection. Where it still owed a reply, or was in the middle of
   * one, the operation fails with `SessionOptions.connectionClosed`'s error.
   */
  end(): Action[] {
    if (this.#state === 'closed' || this.#state === 'broken') return [];
    try {
      this.#parser.end();
    } catch (err) {
      // A reply cut off by the close: what happened is a close, and it is reported as one.
      if (err instanceof RemoteProtocolError) return this.#secrets.actions(this.#break(this.#ctx.options.connectionClosed?.(err.message, err) ?? err));
      throw err;
    }
    return this.#report({ type: 'eof' });
  }

  /** The TLS upgrade asked for by `startTls` completed. */
  tlsStarted(): Action[] {
    this.#discardControlBytes = false;
    this.#parser.reset();
    return this.#report({ type: 'tlsStarted' });
  }

  /** The TLS ending asked for by `stopTls` completed: the control connection is plain text now. */
  tlsStopped(): Action[] {
    this.#discardControlBytes = false;
    this.#parser.reset();
    return this.#report({ type: 'tlsStopped' });
  }

  /** The active-mode listener is ready at `endpoint` (the address the server should connect to). */
  listening(endpoint: Endpoint): Action[] {
    return this.#report({ type: 'listening', endpoint });
  }

  /** The data connection is open (and its TLS handshake done, when secure). */
  dataOpened(): Action[] {
    return this.#report({ type: 'dataOpened' });
  }

  /** The data connection ended cleanly: EOF read (download) or all bytes written and closed (upload). */
  dataClosed(): Action[] {
    return this.#report({ type: 'dataClosed' });
  }

  /** The data connection failed (reset, TLS error, refused); `error` is what the caller will see. */
  dataFailed(error: Error): Action[] {
    return this.#report({ type: 'dataFailed', error });
  }

  /**
   * The user wants the running operation to stop. A transfer in progress is aborted with ABOR; other
   * operations stop at their next reply. Harmless when nothing is running.
   */
  abort(): Action[] {
    if (this.#state !== 'busy') return [];
    this.#ctx.aborted = true;
    return this.#report({ type: 'abort' });
  }

  /**
   * The control connection has been silent for the driver's keep-alive interval. While a transfer
   * moves data ({@link Session.canKeepAlive}) the session sends `NOOP`, so that a NAT gateway or
   * firewall does not drop the idle control connection, and accounts for its reply: the server may
   * answer it at once, after the transfer's final reply, or never, and the transfer ends with a
   * `PWD` fence when NOOPs are still owed, so every later command gets its own reply. The driver
   * never looks at those replies. At any other time this returns no actions.
   *
   * @example
   * ```ts
   * // In the driver, when its keep-alive alarm rings:
   * if (session.canKeepAlive) perform(session.keepAlive()); // [{ type: 'send', command: 'NOOP', ... }]
   * ```
   */
  keepAlive(): Action[] {
    if (!this.canKeepAlive) return [];
    return this.#report({ type: 'keepAlive' });
  }

  /** A driver's event, and the actions it leads to, with what they carry for people redacted. */
  #report(event: SessionEvent): Action[] {
    return this.#secrets.actions(this.#dispatch(event));
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
    if (event.type === 'reply' && dropStray(this.#ctx, event.reply)) return [];
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
        return this.#startAheadNow([...actions, ...this.#finish(err)]);
      }
      input = undefined;
      if (step.done) {
        this.#program = undefined;
        this.#wait = undefined;
        // QUIT ends the session as asked: done, then close.
        this.#state = this.#ctx.quit ? 'closed' : 'idle';
        this.#loggedIn = true;
        actions.push({ type: 'done', result: step.value });
        if (this.#ctx.quit) actions.push({ type: 'close' });
        return this.#startAheadNow(actions);
      }
      if ('emit' in step.value) {
        // CVE-2021-22947: what comes between the reply and the switch belongs to neither side of it.
        if (step.value.emit.type === 'startTls' || step.value.emit.type === 'stopTls') this.#discardControlBytes = true;
        if ('commands' in step.value) this.#ctx.sent += step.value.commands;
        actions.push(step.value.emit);
        continue;
      }
      this.#wait = step.value.wait;
      return actions;
    }
  }

  /**
   * The running operation ended (its actions are `actions`): a transfer set up ahead becomes the
   * running one at once, before any later reply. When the session did not end idle (closed, broken),
   * the transfer ahead is dropped with it.
   */
  #startAheadNow(actions: Action[]): Action[] {
    const program = this.#ahead;
    if (program === undefined) return actions;
    this.#ahead = undefined;
    this.#ctx.ahead = false;
    if (this.#state !== 'idle') return actions;
    this.#state = 'busy';
    this.#ctx.aborted = false;
    this.#program = program;
    actions.push(...this.#advance(undefined));
    return actions;
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
    this.#ahead = undefined;
    this.#ctx.ahead = false;
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
    switch (op.kind) {
      case 'connect':
        validate('USER, PASS or ACCT', [op.user, op.password, op.account]);
        if (op.ccc === true && op.security === 'none') throw new LocalProtocolError('CCC ends TLS on the control connection, which needs security explicit or implicit');
        if (op.ccc === true && op.login === false) throw new LocalProtocolError('CCC comes after the login, and login is false');
        return connectProgram(op, ctx);
      case 'command':
        return commandProgram(op.command, ctx);
      case 'rename':
        validate('RNFR or RNTO', [op.from, op.to]);
        return renameProgram(op, ctx);
      case 'transfer':
        return transferProgram(op, ctx);
      case 'quit':
        return quitProgram(ctx);
    }
  }
}

const DISCARD = Symbol('discard');

function validate(what: string, values: readonly (string | undefined)[]): void {
  for (const value of values) if (value !== undefined) checkArgument(what, value);
}
