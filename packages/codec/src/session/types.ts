/**
 * The session's vocabulary: what a driver starts ({@link Operation}), what it is told to do
 * ({@link Action}), what an operation reports ({@link OperationResult}), and the wait states with the
 * event kinds each one admits.
 *
 * Theory of operation: these are plain data, shared by the `Session` class and the operation
 * programs, and they are the codec's public session API. Nothing here runs: the rules of each
 * operation live in its program (`connect.ts`, `simple.ts`, `transfer.ts`, `pipelining.ts`,
 * `abort.ts`).
 *
 * @module
 */
import type { Command, TransferType } from '../commands.js';
import type { FtpError } from '../errors.js';
import type { Reply } from '../reply.js';
import type { ReplyParserOptions } from '../reply-parser.js';
import type { TextEncodingName } from '../text.js';

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
  /** Upgrade the control connection to TLS now, then call `Session.tlsStarted`. */
  | { readonly type: 'startTls' }
  /**
   * End TLS on the control connection now and go on in plain text over the same TCP connection
   * (the server accepted `CCC`, RFC 4217 §5): send close_notify, wait for the server's, then call
   * `Session.tlsStopped`. Control bytes read before that are dropped.
   */
  | { readonly type: 'stopTls' }
  /**
   * Passive mode: connect to `port` (on `host`, or the control connection's host when `host` is
   * omitted), with TLS when `secure`, then call `Session.dataOpened`.
   */
  | { readonly type: 'openData'; readonly host?: string; readonly port: number; readonly secure: boolean }
  /**
   * Active mode: listen on the control connection's local address, call `Session.listening`
   * with that address, accept one connection (and, when `secure`, run the TLS handshake on it in the
   * client role, RFC 4217 §7), then call `Session.dataOpened`.
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
   * `Session.dataFailed`.
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
  /** The operation ended early because `Session.abort` was called. */
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
  /**
   * Send `CCC` after login and end TLS on the control connection (RFC 4217 §5, RFC 2228), so that a
   * NAT gateway or firewall can read the commands that set up data connections. The credentials
   * went over TLS; data connections stay protected as `protectData` says. A refusal fails the
   * connect. Default false; true needs `security` other than `'none'`.
   */
  readonly ccc?: boolean;
  /**
   * `false`: stop once the greeting is in and TLS is up, before PBSZ, PROT and anything that names a
   * user, to look at the server's certificate without sending credentials (`ftpkit cert`). The
   * result's `welcome` is then the greeting and `features` is empty; `quit` is the one operation
   * that makes sense next. Default true.
   */
  readonly login?: boolean;
  /** Send `OPTS UTF8 ON` when FEAT advertises UTF8. Default true. */
  readonly utf8?: boolean;
  /** Initial transfer type. Default `'I'`. */
  readonly type?: TransferType;
}

/**
 * Send one command and expect a 2xx reply. A command that changes state the session keeps updates
 * it when the server accepts it: `TYPE` (so the next binary transfer sends `TYPE I` again), `PROT C`
 * or `PROT P`, `OPTS HASH` (see `Session.hashAlgorithm`), `OPTS UTF8`, `EPSV ALL`. A command whose
 * effect the session cannot model is refused by `Session.start` with `LocalProtocolError` before
 * anything is sent: `USER`, `PASS`, `ACCT`, `REIN`, `AUTH`, `PBSZ`, `CCC`, the RFC 2228 commands,
 * `REST`, the transfer commands, `RNFR`/`RNTO`, `ABOR`, `QUIT`, `MODE` other than `S`, `STRU` other
 * than `F`, and `PROT` other than `C`/`P` or without TLS. The message names the operation to use
 * instead.
 *
 * @example
 * ```ts
 * session.start({ kind: 'command', command: commands.type('A') }); // the next RETR with type 'I' sends TYPE I
 * session.start({ kind: 'command', command: command('REST', '100') }); // throws LocalProtocolError
 * ```
 */
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
  /** The reply that completed login (230, or 202 for a superfluous password); the greeting without `login`. */
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

/** Options of `Session`. */
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
   *
   * `'auto'`: on when the greeting is the default banner of a server known to take pipelined
   * commands whole (`pipeliningFor` in the session's pipelining.ts), off otherwise. `Session.pipelining` says which.
   */
  readonly pipelining?: boolean | 'auto';
  /** Encoding of commands. Default `'utf8'`. */
  readonly encoding?: TextEncodingName;
  /**
   * Observe every reply as it is parsed (for protocol logs). Called before the reply is acted on,
   * with the password and account of the connect redacted from its text (`****`).
   */
  readonly onReply?: (reply: Reply) => void;
  /**
   * The error for a control connection that the server closed where the protocol does not allow it:
   * while it owed a reply, or in the middle of one. What the caller hears should depend on what
   * happened to the connection, not on where it happened: a driver passes its transport's connection
   * error, so that a close is reported like a reset (`@ftpkit/client` gives `ConnectionError` for
   * both). Default: `RemoteProtocolError`, the codec having no connection error of its own.
   *
   * @example
   * ```ts
   * const session = new Session({ connectionClosed: (message, cause) => new ConnectionError(message, { cause }) });
   * ```
   */
  readonly connectionClosed?: (message: string, cause?: unknown) => FtpError;
}

/** Coarse public state of a session. */
export type SessionState = 'greeting' | 'idle' | 'busy' | 'closed' | 'broken';

/** The kinds of event a session reacts to: a reply, or what the driver reports. */
export type EventType = 'reply' | 'eof' | 'tlsStarted' | 'tlsStopped' | 'listening' | 'dataOpened' | 'dataClosed' | 'dataFailed' | 'abort' | 'keepAlive';

/** One event, as the session hands it to the running program. */
export type SessionEvent =
  | { readonly type: 'reply'; readonly reply: Reply }
  | { readonly type: 'eof' }
  | { readonly type: 'tlsStarted' }
  | { readonly type: 'tlsStopped' }
  | { readonly type: 'listening'; readonly endpoint: Endpoint }
  | { readonly type: 'dataOpened' }
  | { readonly type: 'dataClosed' }
  | { readonly type: 'dataFailed'; readonly error: Error }
  | { readonly type: 'abort' }
  /** The driver's keep-alive interval passed in silence (`Session.keepAlive`). */
  | { readonly type: 'keepAlive' };

/**
 * The machine's wait states: where a running operation can stand while it waits for an event.
 * `greeting` and `reply` wait on the control connection, `tls` on the driver's TLS upgrade,
 * `clearing` on the driver ending TLS after `CCC`,
 * `listening` on an active-mode listener, `transfer` on replies and data-connection news together,
 * and `aborting` on the answers to ABOR.
 */
export type WaitState = 'greeting' | 'reply' | 'tls' | 'clearing' | 'listening' | 'transfer' | 'aborting';

/**
 * The event kinds each wait admits; the transitions are the operation programs. An event that the
 * current wait does not admit is a protocol error that breaks the session before any program sees
 * it. Where an admitted event leads is not in this table: it depends on the program that waits (the
 * reply's code, the command it answers, what the transfer has seen so far), so read the program.
 * (A `reply` while waiting for `tls` or `clearing` never gets here: those bytes are discarded
 * unread, see CVE-2021-22947.)
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
  /** After `CCC`'s 200: the driver ends TLS (a reply never gets here either: it is dropped). */
  clearing: ['tlsStopped', 'eof', 'abort'],
  listening: ['listening', 'eof', 'abort', 'dataFailed'],
  /**
   * Setting up and running a transfer: replies and data-connection news may interleave. A
   * `keepAlive` reaches it only past the 1xx (see `Session.keepAlive`).
   */
  transfer: ['reply', 'eof', 'abort', 'dataOpened', 'dataClosed', 'dataFailed', 'keepAlive'],
  /** Draining the answers to ABOR: data-connection news is stale and ignored. */
  aborting: ['reply', 'eof', 'abort', 'dataOpened', 'dataClosed', 'dataFailed'],
});
