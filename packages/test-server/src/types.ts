/**
 * The public types of the scripted server: the options, the running server, and what a command
 * handler is given.
 *
 * @module
 */
import type { Socket } from 'node:net';

/** Per-connection state and helpers given to handlers. */
export interface ScriptContext {
  /** Write raw text (add your own CRLF). */
  write(text: string | Uint8Array): void;
  /** Write one reply line per string, each terminated by CRLF. */
  reply(...lines: string[]): void;
  /**
   * Write `text` a few bytes at a time (default 1), waiting `delayMs` (default 0: the next macrotask)
   * between pieces, so the client sees a reply split at every byte. Resolves when all is written.
   */
  trickle(text: string, options?: { readonly bytes?: number; readonly delayMs?: number }): Promise<void>;
  /** The control socket (to destroy it, delay, etc.); a TLS socket after `startTls()`. */
  readonly socket: Socket;
  /**
   * Upgrade the control connection to TLS now (server side; needs the `tls` option). Write the `234`
   * first: the socket is wrapped synchronously, so the client's handshake cannot be read as a command.
   * Resolves when the handshake is done.
   */
  startTls(): Promise<void>;
  /** Data connections are wrapped in TLS. Set by `PROT P` (default handler); a handler may clear it. */
  protectData: boolean;
  /**
   * The IPv4 address the default `PASV` handler names in its `227` reply: the server's option
   * `passiveAddress`, by default `127.0.0.1`. The data listener is on the server's own address
   * whatever this says.
   */
  readonly passiveAddress: string;
  /** Open a passive listener; resolves with its port. `accept()` then yields the data socket. */
  passive(): Promise<number>;
  /**
   * Active mode (the default `PORT` and `EPRT` call it): the next `acceptData()` connects to `host`
   * and `port`, from the server's own address, instead of accepting. Closes a pending `passive()`.
   */
  active(host: string, port: number): void;
  /** Where the client listens, from the last `active()` (PORT or EPRT); cleared by `passive()`. */
  readonly activeTarget: { readonly host: string; readonly port: number } | undefined;
  /**
   * The next accepted data socket of the last `passive()`, or after `active()` a socket connected to
   * the client (one per `active()`): with `protectData`, a TLS socket once its handshake is done (the
   * server is the TLS server in active mode too, RFC 4217 §7). Rejects if the connect or the handshake
   * fails. With `requireTlsReuse`, a TLS data connection that did not resume a TLS session is closed,
   * `522` is written on the control connection (vsftpd's answer), and this rejects: a handler that
   * lets the rejection through ends its command there, the control connection stays open.
   */
  acceptData(): Promise<Socket>;
  /** The last `REST` offset (cleared by a transfer command). */
  restAt: number;
  /** Commands received so far, in order. */
  readonly received: string[];
  /** The server's in-memory files. */
  readonly files: Map<string, Uint8Array>;
}

/** Handles one command; return a reply line (CRLF added), or nothing if the handler wrote itself. */
export type CommandHandler = (arg: string, ctx: ScriptContext) => string | void | Promise<string | void>;

/** Options of {@link startScriptedServer}. */
export interface ScriptedServerOptions {
  /**
   * The greeting. Default `220 ftpkit scripted server`. `null` sends nothing. A function runs when a
   * client connects, like a handler (it may write, close or reset the socket itself).
   */
  readonly greeting?: string | null | ((ctx: ScriptContext) => string | void | Promise<string | void>);
  /**
   * Explicit FTPS: `AUTH TLS`, `PBSZ` and `PROT` are answered, with the test certificate
   * (`testCertificate()`; true) or the given PEM key and certificate.
   */
  readonly tls?: boolean | { readonly key: string; readonly cert: string };
  /**
   * A TLS data connection must resume a TLS session the server issued (on the control
   * connection, by a client that reuses it), as vsftpd's `require_ssl_reuse` and ProFTPD's
   * `TLSOptions` without `NoSessionReuseRequired` insist; one that does not is closed and answered
   * `522`. Needs `tls`. Default false.
   */
  readonly requireTlsReuse?: boolean;
  /**
   * The IPv4 address the default `PASV` handler names, as a server behind NAT names its private
   * one. The listener stays on the server's own address, so a client that connects where the
   * `227` reply says fails, and one that uses the control connection's host (as ftpkit does)
   * works. Default `127.0.0.1`. Another loopback address (`127.0.0.2`) is one nothing listens on.
   */
  readonly passiveAddress?: string;
  /** Per-command overrides, by upper-case command name. */
  readonly handlers?: Readonly<Record<string, CommandHandler>>;
  /** Initial files. */
  readonly files?: Readonly<Record<string, Uint8Array | string>>;
  /** FEAT lines (without the leading space). */
  readonly features?: readonly string[];
  /** Listen on ::1 instead of 127.0.0.1 (data connections too). Default false. */
  readonly ipv6?: boolean;
}

/** A running scripted server. `await using` closes it. */
export interface ScriptedServer extends AsyncDisposable {
  /** Where it listens: `127.0.0.1`, or `::1` with `ipv6`. */
  readonly host: '127.0.0.1' | '::1';
  readonly port: number;
  /** The files, by the path as the client names it; the test may read and change them. */
  readonly files: Map<string, Uint8Array>;
  /** Every command line received, across connections (PASS arguments included: it is a test server). */
  readonly received: string[];
  /** Number of control connections accepted. */
  connections(): number;
  /** Open sockets (control + data), for leak checks. */
  openSockets(): number;
  /** TLS data connections refused by `requireTlsReuse` so far. */
  refusedTlsData(): number;
  /** Close every socket and listener. */
  close(): Promise<void>;
}
