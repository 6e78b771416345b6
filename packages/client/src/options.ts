/**
 * Client options and `ftp://` / `ftps://` / `ftpes://` URLs.
 *
 * @module
 */
// Why this file is long: every client option is documented here, once, with its example.
import { ipFamily, type ListingLineParser } from '@ftpkit/codec';
import { resolveProxy, transport as defaultTransport, withProxy, type Proxy, type TlsOptions, type Transport } from '@ftpkit/transport';
import { InvalidArgumentError } from './errors.js';
import { resolveRetry, type RetryOptions, type RetryPolicy } from './retry.js';
import { zoneOf, type ListTimeZone } from './time-zone.js';

/** How the control connection is secured. */
export type SecureMode = false | 'explicit' | 'implicit';

/**
 * The TLS settings a client takes: the transport's, without what the client sets for each
 * connection itself (the session to resume, whether TLS may end).
 */
export type ClientTlsOptions = Omit<TlsOptions, 'session' | 'stoppable'>;

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
  /**
   * TLS settings for the control and data connections. Verification is on by default. `tls.pin`
   * (curl's `--pinnedpubkey` hashes, `sha256//...`) accepts the server by its public key alone, on
   * the control connection and on every data connection: the guide "Certificates and pinning" has
   * the details, and `Client.certificate` finds a server's pin.
   *
   * @example
   * ```ts
   * const client = await Client.connect('ftpes://alice:secret@files.example.com', {
   *   tls: { pin: 'sha256//PfgyngQ129jxOe3M+sl0xEj3+M1TPQHZuQ2rXAHEXac=' },
   * });
   * ```
   */
  readonly tls?: ClientTlsOptions;
  /** Encrypt data connections too (PROT P). Default true when secure. */
  readonly protectData?: boolean;
  /** Data-connection mode. Default `'passive'`. */
  readonly mode?: 'passive' | 'active';
  /**
   * Active mode behind NAT: the IP address (IPv4 or IPv6) to tell the server to connect to in
   * `PORT`/`EPRT`, instead of the control connection's local address, which a server beyond a
   * NAT cannot reach. The client still listens on its own address; the NAT forwards the server's
   * connection there (with `activePorts`, the ports it forwards). Only what is advertised changes;
   * an IPv6 address goes in `EPRT`. Default: the control connection's local address.
   *
   * @example
   * ```ts
   * const client = await Client.connect('ftp://files.example.com', {
   *   mode: 'active', activeAddress: '203.0.113.7', activePorts: { min: 50000, max: 50100 },
   * });
   * ```
   */
  readonly activeAddress?: string;
  /**
   * Active mode: listen on a port from this range (inclusive), for a firewall or NAT that lets
   * only these through. Ports are tried in turn from `min`; when every one is in use, the transfer
   * fails with `ConnectionError` (`osCode` `EADDRINUSE`). Default: any free port.
   */
  readonly activePorts?: { readonly min: number; readonly max: number };
  /**
   * The local IP address to connect from, for the control connection and passive data
   * connections (active mode listens on the control connection's local address, so this too):
   * which interface, or which of the machine's addresses, the server sees. Refused by the Deno
   * adapter (`InvalidArgumentError`), whose connections cannot choose one.
   */
  readonly localAddress?: string;
  /**
   * Resolve `host` to IPv4 (4) or IPv6 (6) addresses only; the data connections follow the
   * control connection's. Default: whatever the system resolves first.
   */
  readonly family?: 4 | 6;
  /**
   * Clear the control connection after the login: send `CCC` and go on in plain text (RFC 4217
   * §5), for a NAT gateway or firewall that must read `PORT`/`EPSV` to open its ports. The
   * password went over TLS; data connections stay encrypted (`protectData`) and resume the
   * session as before, but every later command and path is readable on the network. Needs
   * `secure`; a server that refuses CCC fails the connect. The Deno adapter cannot end TLS on a
   * connection that goes on: there it is a `TlsError` before anything is sent. Default false.
   *
   * @example
   * ```ts
   * const client = await Client.connect('ftpes://alice:secret@files.example.com', { mode: 'active', ccc: true });
   * ```
   */
  readonly ccc?: boolean;
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
   * Pipeline passive transfers. Default `'auto'`: on with a server known to take it whole (below),
   * off with any other; `true` and `false` decide for every server. Two things happen once EPSV has
   * worked on a pipelining connection:
   * - each transfer sends `EPSV`, `REST` (before a download only) and `RETR`/`STOR`/`LIST`/... in one
   *   write, and an upload starts sending as soon as the data connection is open instead of waiting
   *   for the server's 150;
   * - downloads and uploads (`STOR` of a path or bytes) made without waiting for each other, and the
   *   copies of a tree transfer (`downloadDir`, `uploadDir`, `mirror`), run two at a time: the next
   *   file's `EPSV` and `RETR`/`STOR` go out while the running transfer moves its data, so the server
   *   starts it the moment the running one ends (deep pipelining).
   *
   * Failures stay exact: a refused EPSV or REST fails the call with its `FtpReplyError` after the
   * server's answers to the transfer command have been read, and no byte of a download that REST
   * could not position is written. A server that breaks under deep pipelining (ProFTPD and Pure-FTPd
   * answer commands read during a transfer; a server could answer out of order, or drop them) is
   * detected (`PipeliningError`): the Client stops pipelining for good and runs the calls concerned
   * once more, whatever `retry` says, going on as a retried call does. A server that drops the
   * commands costs one `timeouts.reply` before that. The next file goes out only once the running
   * one's data has ended, so a missing file is refused as usual; a transfer that fails after its data
   * (a 451) cannot be told from such a break, and turns pipelining off too.
   *
   * Which servers `'auto'` pipelines with: RFC 959 §5.4 asks a client to wait for each reply before
   * the next command, and some servers and routers mishandle commands that arrive together (lftp
   * keeps `ftp:sync-mode` on by default for this reason). `true` passes the interop matrix against
   * vsftpd, ProFTPD, Pure-FTPd, pyftpdlib and ftp-srv, but only vsftpd takes deep pipelining whole:
   * the other four answer commands during an upload and make the Client fall back, which costs a
   * reconnect. So `'auto'` pipelines only when the greeting is vsftpd's default banner
   * (`220 (vsFTPd 3.0.3)`); a banner its administrator changed counts as an unknown server.
   * `client.pipelining` says whether this session pipelines now.
   *
   * What it saves depends on the server. Over a 20 ms round trip, calls made at once to vsftpd take
   * about 3 round trips per small download instead of 4, and 2.4 per upload instead of 4.2
   * (`packages/bench/RESULTS.md`); ftp-srv moves small files about 1.8 times as fast. For many small
   * files a `Pool` is still the larger lever.
   *
   * @example
   * ```ts
   * // Pipeline with any server, not only those known to take it: a break is detected and the Client goes on without.
   * const client = await Client.connect({ host: 'files.example.com', user: 'alice', password: 'secret', pipelining: true });
   * await Promise.all(['a.csv', 'b.csv', 'c.csv'].map((name) => client.download(`/pub/${name}`, `./${name}`)));
   * ```
   */
  readonly pipelining?: boolean | 'auto';
  readonly timeouts?: Timeouts;
  /**
   * Bandwidth limit in bytes per second, shared by every transfer of this Client (downloads,
   * uploads, listings), or of a `Pool` by all its sessions together. Default 0: no limit. Transfers
   * are paced smoothly, not in bursts: after a pause at most 50 ms worth (at least 1 KiB) moves at
   * once, then the limit; a download stops reading so TCP slows the server down, an upload waits
   * before each write. A call's own `limitRate` can only lower it, and `client.limitRate` changes it
   * while transfers run. Waiting for the limit never counts against `timeouts.dataIdle`. The guide
   * "Leaving a job running" has the details.
   *
   * @example
   * ```ts
   * const client = await Client.connect('ftp://files.example.com', { limitRate: 2 * 1024 * 1024 }); // 2 MiB/s
   * ```
   */
  readonly limitRate?: number;
  /** Send NOOP after this many milliseconds of idleness between calls (0: never, the default). */
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
  /**
   * During a transfer, send NOOP on the control connection after this many milliseconds in which
   * nothing went either way on it. 0 turns it off. Default 60 000 (one minute).
   *
   * A long transfer leaves its control connection silent, and NAT gateways and firewalls drop idle
   * connections (AWS's NAT gateway after 350 s, Azure's load balancer after 4 minutes by default):
   * the transfer then finishes, but its `226` never arrives and the call fails. The NOOPs keep the
   * connection in use. Servers answer them at once, after the transfer, or not at all; the session
   * matches every answer (and ends such a transfer with one `PWD` round trip when answers are still
   * owed), so the next command always gets its own reply. The guide "Leaving a job running" has
   * what each tested server does.
   *
   * @example
   * ```ts
   * // Behind a NAT that forgets a connection after 60 s of silence:
   * const client = await Client.connect({ host: 'files.example.com', transferKeepAlive: 20_000 });
   * ```
   */
  readonly transferKeepAlive?: number;
  /**
   * Control-connection text encoding. Default `'utf8'` (RFC 2640). Listings (LIST, MLSD) and name
   * lists (NLST) are decoded with it too.
   */
  readonly encoding?: 'utf8' | 'latin1';
  /**
   * The time zone of the server's LIST times, which carry none (MLSD and MDTM times are UTC by
   * RFC 3659 and are never shifted). It applies to every time read from a LIST: `list`,
   * `listEntries`, `stat` without MLST, the tree walks and `mirror`, and the year of dates listed
   * without one (`Nov 25 15:40`), which is placed by the server's calendar, not the client's.
   *
   * - `'UTC'` (default): the times are read as UTC.
   * - A fixed offset: `'+05:30'`, `'-08:00'` (also `'UTC+05:30'`), or a number of minutes east of
   *   UTC (`330`, `-480`).
   * - An IANA zone name (`'Europe/Berlin'`, `'America/New_York'`), where the runtime has `Intl`:
   *   each time is read at the offset in force on its own date, so summer and winter times are
   *   both right. A runtime without `Intl`, or without that zone, fails the connect.
   * - `'auto'`: the session learns the offset itself, from its first LIST-based listing: MDTM
   *   (UTC) of one listed file against its LIST time, rounded to 15 minutes. That listing is read
   *   in the zone found, and so is every later one; `Client.listTimeZone` (`Pool.listTimeZones`)
   *   shows what was found, and the log says why when nothing was (no MDTM, MDTM refused, no file
   *   with a time of day). A fixed offset cannot follow a switch to or from summer time that
   *   happens during the session. A server whose MDTM is local time as well (vsftpd with
   *   `use_localtime=YES`) makes 'auto' find 0: name the zone instead.
   *
   * A bad value is {@link InvalidArgumentError} from `Client.connect` (and from `new Pool`). The
   * listing guide, section "Time zones", has the details.
   *
   * @example
   * ```ts
   * const client = await Client.connect({ host: 'legacy.example.com', listTimeZone: 'Europe/Berlin' });
   * const auto = await Client.connect({ host: 'other.example.com', listTimeZone: 'auto' });
   * await auto.list('/pub');
   * console.log(auto.listTimeZone); // { zone: '+02:00', offset: 120, auto: 'detected', offsetAt: [Function] }
   * ```
   */
  readonly listTimeZone?: ListTimeZone;
  /** Receives every command and reply, passwords redacted. */
  readonly log?: (entry: LogEntry) => void;
  /**
   * A parser of one's own for LIST lines, for a server whose format no built-in parser reads. It is
   * called with each line of every LIST-based listing of the session (`list`, `listEntries`, `stat`
   * and `exists` without MLST, the tree calls and `mirror`, on a Client and on every session of a
   * Pool), its line ending removed, and is tried **before** the built-in parsers, on every line but
   * blank lines and `total N`:
   * - an entry: the line is that entry, kept in its place among the others, whatever format the
   *   built-in parsers find for the rest (`.` and `..` are left out, as always);
   * - `null`: the line is left out on purpose (a banner, a header);
   * - `undefined`: the line is handed on to the built-in parsers, as if there were no hook.
   *
   * So returning `null` for every line it does not read makes it the only parser (**instead of**
   * the built-in ones), and returning `undefined` for those makes it an addition to them. A line
   * that neither the hook nor a built-in parser reads still makes the listing fail with
   * `UnreadableListingError`. Its lines do not take part in the vote on the format of the rest.
   *
   * MLSD listings (servers that advertise MLST) and MLST replies are never given to it: their
   * format is defined (RFC 3659), and they are read by the MLSD parser. NLST (`names()`) has no
   * format and does not use it either.
   *
   * If it throws, the call rejects with `ListingHookError` (the thrown value as its `cause`, the
   * line in `line`), never with a shorter listing: `list()` and the tree calls reject with it, and
   * `listEntries()` throws it in place of the rest, every entry it yielded being from before that
   * line (the transfer is stopped with ABOR, and the session stays usable). An entry without a `name` or a valid `type` is a `LocalProtocolError`. It runs
   * synchronously, once per line, so keep it cheap; it is given the decoded text only (see
   * `encoding`).
   *
   * @example
   * ```ts
   * // A device that lists `<name> <size> <yyyymmddhhmmss>` and marks folders with a trailing `/`.
   * const client = await Client.connect('ftp://datalogger.local', {
   *   parseListing: (line) => {
   *     const m = /^(\S+?)(\/?) (\d+) (\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(line);
   *     if (!m) return line.startsWith('#') ? null : undefined; // comments out; the rest to the built-in parsers
   *     const [, name, slash, size, y, mo, d, h, mi, s] = m;
   *     return {
   *       name: name!,
   *       type: slash ? 'directory' : 'file',
   *       size: Number(size),
   *       modifiedAt: new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!)),
   *       precision: 'second',
   *       raw: line,
   *     };
   *   },
   * });
   * ```
   */
  readonly parseListing?: ListingLineParser;
  /** Socket adapter. Default: the one for the running runtime. */
  readonly transport?: Transport;
  /**
   * Connect through a proxy: a URL (`socks5://[user:password@]host[:port]`, `socks5h://`,
   * `socks4://`, `socks4a://`, `http://` for HTTP CONNECT; the port defaults to 1080, as in curl) or
   * the same fields as an object. The control connection **and every data connection** go through
   * it, each its own tunnel; host names are resolved by the proxy. FTPS (explicit and implicit) runs
   * inside the tunnel, with TLS session reuse where the runtime has it
   * (`transport.capabilities.sessionReuse`). Passive mode only: active mode (`mode: 'active'`) is
   * refused, since the server would have to connect back to this host around the proxy.
   *
   * The proxy's credentials never appear in errors or the log; failures at the proxy are
   * `ProxyError`s that name it (`ProxyRefusedError`, `ProxyAuthError`, `ProxyTargetError`). The
   * library reads no environment variables (`ALL_PROXY` and the like): the `ftpkit` command does.
   * See the guide "Proxies and firewalls".
   *
   * @example
   * ```ts
   * const client = await Client.connect('ftpes://alice:secret@files.example.com', {
   *   proxy: 'socks5://bob:s3cret@proxy.example.com:1080',
   * });
   * ```
   */
  readonly proxy?: Proxy | undefined;
  /** Cancel connecting. */
  readonly signal?: AbortSignal;
}

/**
 * Refuse, before any connection, what `options` ask of a transport that cannot do it: active mode
 * where the transport cannot listen (Cloudflare Workers).
 */
export function checkTransport(options: ResolvedOptions, transport: Transport): void {
  if (options.mode === 'active' && transport.capabilities.listen === false) {
    throw new InvalidArgumentError(
      `mode 'active' needs a transport that can listen for the server's data connections, and the ${transport.runtime} transport cannot: use passive mode`,
    );
  }
}

/**
 * The size of a Pool on `transport`: `asked`, else `fallback`, within what the transport allows. A
 * session that transfers holds two connections (control and data), so a pool may hold half the
 * runtime's limit on open connections (Cloudflare Workers: 6 per request, so 3); more would queue
 * data connections behind idle control connections, which never close by themselves.
 */
export function poolSize(asked: number | undefined, fallback: number, transport: Transport): number {
  const limit = transport.capabilities.maxConnections;
  const most = limit === undefined ? Infinity : Math.max(1, Math.floor(limit / 2));
  const size = asked ?? Math.min(fallback, most);
  if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError(`Pool size must be a positive integer, not ${size}`);
  if (size > most) {
    throw new InvalidArgumentError(
      `A Pool on the ${transport.runtime} transport has at most ${most} sessions, not ${size}: the runtime allows ${limit} connections at once, and a session transferring needs two`,
    );
  }
  return size;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly account: string | undefined;
  readonly secure: SecureMode;
  readonly tls: ClientTlsOptions;
  readonly protectData: boolean;
  readonly mode: 'passive' | 'active';
  readonly activeAddress: string | undefined;
  readonly activePorts: { readonly min: number; readonly max: number } | undefined;
  readonly localAddress: string | undefined;
  readonly family: 4 | 6 | undefined;
  readonly ccc: boolean;
  readonly epsv: boolean;
  readonly trustPasvHost: boolean;
  readonly pipelining: boolean | 'auto';
  readonly timeouts: Required<Timeouts>;
  readonly keepAlive: number;
  readonly retry: RetryPolicy;
  readonly transferKeepAlive: number;
  readonly encoding: 'utf8' | 'latin1';
  readonly listTimeZone: ListTimeZone;
  readonly log: ((entry: LogEntry) => void) | undefined;
  readonly parseListing: ListingLineParser | undefined;
}

const DEFAULT_TIMEOUT = 30_000;

/**
 * `transferKeepAlive`: a NOOP after 60 s of control-connection silence during a transfer, well
 * inside the shortest idle limit of common NAT gateways (4 minutes).
 */
const DEFAULT_TRANSFER_KEEP_ALIVE = 60_000;
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
  const parsed = urlOf(url);
  const secure = { 'ftp:': false, 'ftpes:': 'explicit', 'ftps:': 'implicit' }[parsed.protocol] as SecureMode | undefined;
  if (secure === undefined) throw new InvalidArgumentError(`Unsupported URL scheme ${parsed.protocol} (use ftp:, ftpes: or ftps:)`);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (host === '') throw new InvalidArgumentError('URL has no host');
  return {
    host,
    ...(parsed.port === '' ? {} : { port: Number(parsed.port) }),
    ...(parsed.username === '' ? {} : { user: decodePart(parsed.username, 'user name') }),
    ...(parsed.password === '' ? {} : { password: decodePart(parsed.password, 'password') }),
    secure,
  };
}

/**
 * The path of an FTP URL, percent-decoded, as curl reads it: relative to the login folder, so
 * `ftp://host/pub/a.txt` is `pub/a.txt` and an absolute path starts with `%2F`
 * (`ftp://host/%2Fetc/motd` is `/etc/motd`). `''` when the URL has no path or only `/`. A malformed
 * URL or percent-encoding is an {@link InvalidArgumentError}.
 *
 * @example
 * ```ts
 * parseUrlPath('ftp://files.example/pub/a%20b.txt'); // 'pub/a b.txt'
 * parseUrlPath('ftp://files.example/%2Fsrv/data/'); // '/srv/data/'
 * ```
 */
export function parseUrlPath(url: string): string {
  return decodePart(urlOf(url).pathname.replace(/^\//, ''), 'path');
}

/** `url` parsed; a malformed one is an {@link InvalidArgumentError}. */
function urlOf(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new InvalidArgumentError('Not a valid URL');
  }
}

/** One percent-decoded part of a URL; a malformed encoding names the part, never its text. */
function decodePart(text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidArgumentError(`Bad percent-encoding in the URL's ${part}`);
  }
}

/** A `listTimeZone` that names a zone, or 'auto' (default `'UTC'`); {@link InvalidArgumentError} otherwise. */
function checkListTimeZone(option: ListTimeZone | undefined): ListTimeZone {
  if (option === undefined) return 'UTC';
  zoneOf(option);
  return option;
}

/**
 * The transport a client connects with: `options.transport` (default: the running runtime's),
 * through `options.proxy` when there is one.
 */
export function transportOf(options: ClientOptions): Transport {
  const base = options.transport ?? defaultTransport;
  return options.proxy === undefined ? base : withProxy(base, options.proxy);
}

/** An `activeAddress` to advertise: an IP literal, which PORT or EPRT can carry. */
function checkActiveAddress(address: string | undefined): string | undefined {
  if (address !== undefined && (typeof address !== 'string' || ipFamily(address) === undefined)) {
    throw new InvalidArgumentError('activeAddress must be an IPv4 or IPv6 address, without brackets or zone');
  }
  return address;
}

/** An `activePorts` range: whole port numbers, `min` no greater than `max`. */
function checkActivePorts(range: ClientOptions['activePorts']): ResolvedOptions['activePorts'] {
  if (range === undefined) return undefined;
  const port = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
  if (typeof range !== 'object' || range === null || !port(range.min) || !port(range.max) || range.min > range.max) {
    throw new InvalidArgumentError('activePorts must be { min, max }: ports from 1 to 65535, min no greater than max');
  }
  return Object.freeze({ min: range.min, max: range.max });
}

/** Apply defaults. */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (options.proxy !== undefined) {
    resolveProxy(options.proxy); // a bad proxy URL is the caller's mistake, refused before anything is sent
    if (options.mode === 'active') {
      throw new InvalidArgumentError("mode 'active' cannot go through a proxy: the server would have to connect back around it; use passive mode");
    }
  }
  const secure: SecureMode = options.secure === true ? 'explicit' : options.secure === undefined ? false : options.secure;
  const user = options.user ?? 'anonymous';
  const timeouts = options.timeouts ?? {};
  if (options.parseListing !== undefined && typeof options.parseListing !== 'function') throw new InvalidArgumentError('parseListing must be a function');
  if (options.ccc === true && secure === false) throw new InvalidArgumentError("ccc clears a TLS control connection: it needs secure ('explicit' or 'implicit')");
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
    activeAddress: checkActiveAddress(options.activeAddress),
    activePorts: checkActivePorts(options.activePorts),
    localAddress: options.localAddress,
    family: options.family,
    ccc: options.ccc === true,
    epsv: options.epsv ?? true,
    trustPasvHost: options.trustPasvHost ?? false,
    pipelining: options.pipelining ?? 'auto',
    timeouts: {
      connect: timeouts.connect ?? DEFAULT_TIMEOUT,
      login: timeouts.login ?? DEFAULT_LOGIN_TIMEOUT,
      reply: timeouts.reply ?? DEFAULT_TIMEOUT,
      dataIdle: timeouts.dataIdle ?? DEFAULT_TIMEOUT,
    },
    keepAlive: options.keepAlive ?? 0,
    retry: resolveRetry(options.retry, options.log ? (text) => options.log?.({ direction: '*', text }) : undefined),
    transferKeepAlive: options.transferKeepAlive ?? DEFAULT_TRANSFER_KEEP_ALIVE,
    encoding: options.encoding ?? 'utf8',
    listTimeZone: checkListTimeZone(options.listTimeZone),
    log: options.log,
    parseListing: options.parseListing,
  };
}
