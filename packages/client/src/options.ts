/**
 * Client options and `ftp://` / `ftps://` / `ftpes://` URLs.
 *
 * @module
 */
import type { TlsOptions, Transport } from '@ftpkit/transport';
import { InvalidArgumentError } from './errors.js';
import { resolveRetry, type RetryOptions, type RetryPolicy } from './retry.js';

/** How the control connection is secured. */
export type SecureMode = false | 'explicit' | 'implicit';

/** One protocol log line. Passwords and accounts are already redacted. */
export interface LogEntry {
  /** `>` for a command sent, `<` for a reply received, `*` for a client note. */
  readonly direction: '>' | '<' | '*';
  readonly text: string;
}

/**
 * Timeouts in milliseconds. 0 disables one. What each one measures, from when, what it raises and
 * its default are in one table: the guide "When servers misbehave", section "Deadlines and bounds"
 * (`docs-src/guides/misbehaving-servers.md`). A bound on a whole call is the call's `signal`
 * (`AbortSignal.timeout(ms)`).
 *
 * @example
 * ```ts
 * const client = await Client.connect('ftp://files.example.com', { timeouts: { login: 20_000, reply: 10_000 } });
 * ```
 */
export interface Timeouts {
  /** TCP connect plus TLS handshake, of control and data connections. */
  readonly connect?: number;
  /** From the TCP connect to a logged-in session, however the server paces its replies. */
  readonly login?: number;
  /** From a command (or the last complete reply) to the next complete reply. */
  readonly reply?: number;
  /** A transfer waiting on the server for data, or to take data; never on a slow local side. */
  readonly dataIdle?: number;
}

/** Everything `Client.connect` accepts. */
export interface ClientOptions {
  readonly host: string;
  /** Default 21, or 990 for implicit TLS. */
  readonly port?: number;
  /** Default `anonymous`. */
  readonly user?: string;
  /** Default `anonymous@` for the anonymous user, else empty. */
  readonly password?: string;
  /** Sent when the server asks for an account (332). */
  readonly account?: string;
  /**
   * `true` or `'explicit'`: AUTH TLS on port 21 (FTPES). `'implicit'`: TLS from the first byte (FTPS,
   * port 990). `false` (default): plaintext. When TLS is asked for it is required: a server that refuses
   * fails the connect with `TlsError`; there is no silent fallback to plaintext.
   */
  readonly secure?: boolean | 'explicit' | 'implicit';
  /** TLS settings for the control and data connections. Verification is on by default. */
  readonly tls?: Omit<TlsOptions, 'session'>;
  /** Encrypt data connections too (PROT P). Default true when secure. */
  readonly protectData?: boolean;
  /** Data-connection mode. Default `'passive'`. */
  readonly mode?: 'passive' | 'active';
  /**
   * In passive mode, ask for EPSV (RFC 2428) first. Default true: on a server that does not understand
   * it the client falls back to PASV once and remembers. `false` sends only PASV, which some middleboxes
   * need; PASV cannot address an IPv6 server, so there it fails with `LocalProtocolError`.
   */
  readonly epsv?: boolean;
  /**
   * Use the address in a PASV reply. Default false: the control connection's address is used, because
   * a hostile server could aim the client anywhere (FTP bounce, SSRF).
   */
  readonly trustPasvHost?: boolean;
  /**
   * Pipeline the setup of passive transfers, saving the EPSV round trip where a server can use it.
   * Default false. Once EPSV has worked on the connection, each transfer sends `EPSV`, `REST` (before
   * a download only) and `RETR`/`STOR`/`LIST`/... in one write, and an upload starts sending as soon
   * as the data connection is open instead of waiting for the server's 150. Failures stay exact: a
   * refused EPSV or REST fails the call with its `FtpReplyError` after the server's answers to the
   * transfer command have been read, and no byte of a download that REST could not position is
   * written.
   *
   * Why it is off by default: RFC 959 §5.4 asks a client to wait for each reply before the next
   * command, and some servers and routers mishandle commands that arrive together (lftp
   * keeps `ftp:sync-mode` on by default for this reason). It passes the interop matrix against
   * vsftpd, ProFTPD, Pure-FTPd, pyftpdlib and ftp-srv.
   *
   * What it saves depends on the server. Over a 20 ms round trip, ftp-srv moves small files about
   * 1.8 times as fast (its RETR polls for the data connection every 50 ms, and now starts a round
   * trip earlier); plaintext uploads to vsftpd, ProFTPD and Pure-FTPd gain about half a round trip
   * each; downloads from those servers, FTPS transfers to them and anything from pyftpdlib gain
   * nothing measurable, because what they wait for is the data connection, which cannot start before
   * the 229 arrives. For many small files, a
   * `Pool` is the larger lever.
   *
   * @example
   * ```ts
   * const client = await Client.connect({ host: 'files.example.com', user: 'alice', password: 'secret', pipelining: true });
   * ```
   */
  readonly pipelining?: boolean;
  readonly timeouts?: Timeouts;
  /** Send NOOP after this many milliseconds of idleness (0: never, the default). */
  readonly keepAlive?: number;
  /**
   * Reconnect and retry after failures that may pass: a lost connection, a timeout, a 4xx reply
   * (never a 5xx, a TLS failure, a local error or an abort). A number is `retries`. Default: off.
   * A download resumes where its destination ends, an upload where the server's copy ends, a
   * listing starts over, and a call that changes something (`rename`, `remove`, `mkdir`, `rmdir`)
   * checks first whether it already took effect; raw commands are never repeated. A `Client`
   * reconnects with the same login, TLS, working directory and transfer settings; a `Pool` replaces
   * the session and runs the next attempt on any healthy one. What each call does on a retry is in
   * the guide "Leaving a job running" (`docs-src/guides/leaving-a-job-running.md`).
   *
   * @example
   * ```ts
   * const client = await Client.connect('ftpes://alice:secret@files.example.com', {
   *   retry: { retries: 5, onRetry: (e) => console.error(`retry ${e.attempt} of ${e.call} in ${e.delay} ms`) },
   * });
   * ```
   */
  readonly retry?: number | RetryOptions;
  /** Control-connection text encoding. Default `'utf8'` (RFC 2640). */
  readonly encoding?: 'utf8' | 'latin1';
  /** Receives every command and reply, passwords redacted. */
  readonly log?: (entry: LogEntry) => void;
  /** Socket adapter. Default: the one for the running runtime. */
  readonly transport?: Transport;
  /** Cancel connecting. */
  readonly signal?: AbortSignal;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly account: string | undefined;
  readonly secure: SecureMode;
  readonly tls: Omit<TlsOptions, 'session'>;
  readonly protectData: boolean;
  readonly mode: 'passive' | 'active';
  readonly epsv: boolean;
  readonly trustPasvHost: boolean;
  readonly pipelining: boolean;
  readonly timeouts: Required<Timeouts>;
  readonly keepAlive: number;
  readonly retry: RetryPolicy;
  readonly encoding: 'utf8' | 'latin1';
  readonly log: ((entry: LogEntry) => void) | undefined;
}

const DEFAULT_TIMEOUT = 30_000;
/** Twice a reply's: a login is several round trips, and some servers pause before answering PASS. */
const DEFAULT_LOGIN_TIMEOUT = 60_000;

/**
 * Turn a URL into options. `ftp://` is plaintext, `ftpes://` explicit TLS, `ftps://` implicit TLS
 * (port 990). User and password are percent-decoded. The path part is ignored.
 *
 * @example
 * ```ts
 * parseUrl('ftps://alice:s%40cret@files.example:990/');
 * // { host: 'files.example', port: 990, user: 'alice', password: 's@cret', secure: 'implicit' }
 * ```
 */
export function parseUrl(url: string): ClientOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('Not a valid URL');
  }
  const secure = { 'ftp:': false, 'ftpes:': 'explicit', 'ftps:': 'implicit' }[parsed.protocol] as SecureMode | undefined;
  if (secure === undefined) throw new InvalidArgumentError(`Unsupported URL scheme ${parsed.protocol} (use ftp:, ftpes: or ftps:)`);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (host === '') throw new InvalidArgumentError('URL has no host');
  return {
    host,
    ...(parsed.port === '' ? {} : { port: Number(parsed.port) }),
    ...(parsed.username === '' ? {} : { user: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    secure,
  };
}

/** Apply defaults. */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const secure: SecureMode = options.secure === true ? 'explicit' : options.secure === undefined ? false : options.secure;
  const user = options.user ?? 'anonymous';
  const timeouts = options.timeouts ?? {};
  return {
    host: options.host,
    port: options.port ?? (secure === 'implicit' ? 990 : 21),
    user,
    password: options.password ?? (user === 'anonymous' ? 'anonymous@' : ''),
    account: options.account,
    secure,
    tls: options.tls ?? {},
    protectData: options.protectData ?? secure !== false,
    mode: options.mode ?? 'passive',
    epsv: options.epsv ?? true,
    trustPasvHost: options.trustPasvHost ?? false,
    pipelining: options.pipelining ?? false,
    timeouts: {
      connect: timeouts.connect ?? DEFAULT_TIMEOUT,
      login: timeouts.login ?? DEFAULT_LOGIN_TIMEOUT,
      reply: timeouts.reply ?? DEFAULT_TIMEOUT,
      dataIdle: timeouts.dataIdle ?? DEFAULT_TIMEOUT,
    },
    keepAlive: options.keepAlive ?? 0,
    retry: resolveRetry(options.retry, options.log ? (text) => options.log?.({ direction: '*', text }) : undefined),
    encoding: options.encoding ?? 'utf8',
    log: options.log,
  };
}
