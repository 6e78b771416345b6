/**
 * The high-level FTP/FTPS client.
 *
 * Theory of operation: a {@link Client} owns one logged-in control connection (a `Control` driver
 * around the codec's Session, wrapped in the `Conn` the operations use). Calls are queued and run one
 * after another in call order, so callers never see "busy". The calls it shares with `Pool` are
 * written once in {@link RemoteCalls} over `run`, which here is "queue this on my connection"; a call
 * made of several commands on one path (mkdir -p, rmdir -r) holds the queue for its whole duration,
 * and a tree transfer queues each step in turn. What is the Client's alone lives here: connecting,
 * raw commands, the working directory, and the keepalive NOOP while idle.
 *
 * With the `retry` option, a call whose connection was lost (or that finds it lost) gets a new one:
 * the same options log in again (same user, TLS mode and settings, offering the old TLS session for
 * resumption), then ops/reconnect.ts puts back the working directory and the transfer settings the
 * old session held. The working directory is a path only the server knows, so the Client reads it
 * with PWD after each of its own calls that moved it (`cd`, or a raw CWD the session counted); the
 * shared calls never leave it moved. A call holds the queue for all its attempts and waits, so calls
 * still run in call order. Without `retry`, a lost connection stays lost, as before.
 *
 * @module
 */
// Why this file is long: connecting, reconnecting, the queue and the transfer lane of one connection are one unit.
import { command, LocalProtocolError, parsePwdReply, TlsModeError, type ConnectResult, type Reply } from '@ftpkit/codec';
import { resolveProxy, TlsError, type PeerCertificate, type Transport } from '@ftpkit/transport';
import type { CallOptions } from './calls.js';
import { clockOf, type Clock } from './driver/clock.js';
import { Control } from './driver/control.js';
import { RateLimit, sharedLimitOf } from './driver/throttle.js';
import { abortError } from './errors.js';
import { brokeUnderPipeline, TransferLane } from './lane.js';
import { Conn, type Attempt } from './ops/conn.js';
import { restoreSession } from './ops/reconnect.js';
import { checkTransport, parseUrl, resolveOptions, transportOf, type ClientOptions, type ResolvedOptions, type SecureMode } from './options.js';
import { RemoteCalls } from './remote.js';
import { idempotent, rawOnce } from './retried.js';
import { retrying } from './retry.js';
import type { ListTimeZoneState } from './time-zone.js';

/**
 * An FTP or FTPS client: one session, its calls run one after another in call order.
 *
 * @example
 * ```ts
 * await using client = await Client.connect('ftpes://alice:secret@files.example.com');
 * for (const entry of await client.list('/pub')) console.log(entry.type, entry.name, entry.size);
 * await client.download('/pub/report.csv', './report.csv');
 * await client.upload(new TextEncoder().encode('hello'), '/incoming/hello.txt');
 * ```
 */
export class Client extends RemoteCalls implements AsyncDisposable {
  #control: Control;
  #conn: Conn;
  #login: ConnectResult;
  #tail: Promise<unknown> = Promise.resolve();
  /** Transfer calls go through the lane (lane.ts): the session pipelines (`pipelining`) and the server has not broken under it. */
  #pipelined: boolean;
  /** The open transfer lane; a call queued behind it closes it to later transfer calls (see #queue). */
  #lane: TransferLane | undefined;
  #reconnecting: Promise<Conn> | undefined;
  /** Aborted by `close()`: no reconnect, no new attempt, and a retry's wait ends. */
  readonly #closing = new AbortController();
  /** The working directory by PWD after the Client's own calls moved it; undefined: the login directory. */
  #directory: string | undefined;
  /** The session's count of directory changes when the directory was last read. */
  #directoryChanges = 0;

  private constructor(control: Control, login: ConnectResult, limit: RateLimit) {
    super();
    this.#control = control;
    this.#conn = new Conn(control, login.features, limit);
    this.#login = login;
    this.#pipelined = control.session.pipelining;
  }

  /**
   * Connect and log in. Accepts `ftp://`, `ftpes://` (explicit TLS) and `ftps://` (implicit TLS) URLs,
   * or options; options given with a URL override it.
   *
   * @example
   * ```ts
   * const client = await Client.connect('ftp://files.example.com', { timeouts: { reply: 10_000 } });
   * ```
   */
  static async connect(target: string | ClientOptions, overrides: Partial<ClientOptions> = {}): Promise<Client> {
    const options: ClientOptions = typeof target === 'string' ? { ...parseUrl(target), ...overrides } : { ...target, ...overrides };
    const resolved = resolveOptions(options);
    const transport: Transport = transportOf(options);
    checkTransport(resolved, transport);
    if (options.proxy !== undefined) resolved.log?.({ direction: '*', text: `Connecting through the proxy ${resolveProxy(options.proxy).label}` });
    // A Pool's session draws on the Pool's budget; a Client has its own. Checked before connecting.
    const limit = sharedLimitOf(options) ?? new RateLimit(clockOf(transport), options.limitRate);
    const { control, login } = await retrying(resolved.retry, { call: 'connect' }, options.signal, () => logIn(transport, resolved, options.signal, undefined));
    return new Client(control, login, limit);
  }

  /**
   * The server's TLS certificate and the pin of its public key, to decide whether to trust it and
   * to pin it (`tls.pin`). It connects (explicit TLS for `ftp://` and `ftpes://` URLs, implicit
   * for `ftps://`), reads the greeting, starts TLS **without checking the certificate** (it only
   * shows it), and says QUIT: no user name, password or account is sent, whatever the URL or the
   * options carry. `trusted` says whether the chain and the name check out against `tls.ca`, or the
   * runtime's roots. A transport that cannot read certificates (Deno's) gives a `TlsError`.
   *
   * @example
   * ```ts
   * const cert = await Client.certificate('ftpes://files.example.com');
   * console.log(cert.subject, cert.issuer, cert.validTo.toISOString(), cert.trusted);
   * await using client = await Client.connect('ftpes://alice:secret@files.example.com', { tls: { pin: cert.pin } });
   * ```
   */
  static async certificate(target: string | ClientOptions, overrides: Partial<ClientOptions> = {}): Promise<PeerCertificate> {
    const options: ClientOptions = typeof target === 'string' ? { ...parseUrl(target), ...overrides } : { ...target, ...overrides };
    const transport: Transport = transportOf(options);
    if (transport.capabilities.peerCertificate !== true) {
      throw new TlsError(`The ${transport.runtime} transport cannot read a server's certificate (capabilities.peerCertificate)`);
    }
    const { certificate } = await greet(transport, options, options.secure === 'implicit' ? 'implicit' : 'explicit');
    if (certificate === undefined) throw new TlsError('The server presented no certificate');
    return certificate;
  }

  /** FEAT as upper-cased feature name → parameters. */
  get features(): ReadonlyMap<string, string> {
    return this.#login.features;
  }

  /**
   * Whether this session pipelines its transfers now (the `pipelining` option): `'auto'` decided by
   * the greeting, and false for good once the server broke under it.
   */
  get pipelining(): boolean {
    return this.#pipelined;
  }

  /** The server's greeting and login replies. */
  get welcome(): { readonly greeting: Reply; readonly login: Reply } {
    return { greeting: this.#login.greeting, login: this.#login.welcome };
  }

  /** True once the control connection is gone. With `retry`, the next call opens a new one (unless `close()` was called). */
  get closed(): boolean {
    return this.#control.closed;
  }

  /**
   * The zone this session reads LIST times in (the `listTimeZone` option), and with `'auto'`
   * what it has learned: `auto` is `'pending'` until a LIST-based listing has let it ask MDTM,
   * then `'detected'` (with the `offset` found) or `'failed'` (with the `reason`; times stay UTC).
   *
   * @example
   * ```ts
   * const client = await Client.connect({ host: 'legacy.example.com', listTimeZone: 'auto' });
   * const entries = await client.list('/pub'); // read in the zone this first listing finds
   * const { zone, offset, auto } = client.listTimeZone; // e.g. '+02:00', 120, 'detected'
   * // A day-precision time is a date in the server's zone: show it there.
   * const at = (time: Date) => new Date(time.getTime() + client.listTimeZone.offsetAt(time) * 60_000).toISOString().slice(0, 10);
   * ```
   */
  get listTimeZone(): ListTimeZoneState {
    return this.#conn.zone.state;
  }

  get options(): ResolvedOptions {
    return this.#control.options;
  }

  /**
   * Send a raw command such as `'SITE CHMOD 644 a.txt'`; resolves with the 2xx reply. A raw `TYPE`,
   * `PROT` or `OPTS HASH` updates what the session knows, so later calls act on it (a download after
   * `TYPE A` sends `TYPE I` again). A command whose effect the session cannot follow (`REIN`, `USER`,
   * `PASS`, `ACCT`, `AUTH`, `PBSZ`, `CCC`, `REST`, `PASV`, `EPSV`, `PORT`, `EPRT`, transfer commands,
   * `RNFR`, `RNTO`, `ABOR`, `QUIT`, `MODE` other than `S`, `STRU` other than `F`) rejects with
   * `LocalProtocolError` before anything is sent; its message names the call to use instead.
   *
   * @example
   * ```ts
   * const reply = await client.send('SITE CHMOD 644 /incoming/a.txt');
   * ```
   */
  send(raw: string, options: CallOptions = {}): Promise<Reply> {
    const space = raw.indexOf(' ');
    // Parsed inside the queued task: a refused command is a rejected promise, never a synchronous throw.
    return rawOnce(this.runner(), options, { call: 'send' }, async (conn) => {
      const cmd = space === -1 ? command(raw) : command(raw.slice(0, space), raw.slice(space + 1));
      const reply = await conn.command(cmd.name, cmd.arg, options);
      await this.#noteDirectory(conn, options);
      return reply;
    });
  }

  /**
   * `SITE <text>`.
   *
   * @example
   * ```ts
   * await client.site('CHMOD 644 /incoming/a.txt');
   * ```
   */
  site(text: string, options: CallOptions = {}): Promise<Reply> {
    return rawOnce(this.runner(), options, { call: 'site' }, (conn) => conn.command('SITE', text, options));
  }

  /**
   * The current remote directory (PWD).
   *
   * @example
   * ```ts
   * console.log(await client.pwd()); // '/home/alice'
   * ```
   */
  pwd(options: CallOptions = {}): Promise<string> {
    return idempotent(this.runner(), options, { call: 'pwd' }, async (conn) => parsePwdReply(await conn.command('PWD', undefined, options)));
  }

  /**
   * Change the remote directory (CWD).
   *
   * @example
   * ```ts
   * await client.cd('/pub');
   * ```
   */
  async cd(path: string, options: CallOptions = {}): Promise<void> {
    // Idempotent even when relative: a reconnect puts the session back where it was before the call.
    await idempotent(this.runner(), options, { call: 'cd', path }, async (conn) => {
      await conn.command('CWD', path, options);
      await this.#noteDirectory(conn, options);
    });
  }

  /**
   * Say QUIT and close. Queued behind running calls; safe to call twice.
   *
   * @example
   * ```ts
   * await client.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closing.abort();
    if (this.#control.closed) return;
    await this.#queue(async () => {
      if (this.#control.closed) return;
      await this.#conn.run({ kind: 'quit' }, {}).catch(() => {});
      this.#control.destroy();
    }, {}).catch(() => {});
    await this.#control.finished;
  }

  /** `await using client = ...` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  protected runCall<T>(options: CallOptions, work: (attempt: Attempt) => Promise<T>): Promise<T> {
    return this.#queue(() => work(async (fn) => fn(await this.#ready(options))), options);
  }

  protected get concurrency(): number {
    return 1;
  }

  /**
   * lane.ts: with `pipelining`, transfer calls run two at a time, the second set up ahead. An attempt
   * that finds the server broke under it turns the lane off for good; retry.ts gives the call one more
   * attempt, which reconnects without pipelining.
   *
   * @hidden
   */
  protected override transferCall<T>(options: CallOptions, work: (attempt: Attempt) => Promise<T>): Promise<T> {
    if (!this.#pipelined) return this.runCall(options, work);
    this.#lane ??= new TransferLane((until) => new Promise<void>((resolve) => void this.#enqueue(() => (resolve(), until), {})));
    return this.#lane.run(() =>
      work(async (fn) => {
        try {
          return await fn(await this.#ready(options, !this.#pipelined));
        } catch (err) {
          if (brokeUnderPipeline(err)) this.#pipelined = false;
          throw err;
        }
      }),
    );
  }

  /**
   * Two. With the lane, the second is set up ahead; without it, the second's call takes the session
   * while the first finishes its local file after giving it back (retried-transfers.ts). @hidden
   */
  protected override get transferConcurrency(): number {
    return 2;
  }

  protected get closing(): AbortSignal {
    return this.#closing.signal;
  }

  // --- reconnecting ------------------------------------------------------------------------------

  /** The connection for the next attempt: a new one when it was lost and the options ask for retries. */
  #ready(options: CallOptions, fallBack = false): Promise<Conn> {
    const old = this.#control;
    const retries = this.options.retry.retries > 0 || (fallBack && old.session.pipelining);
    if (!old.closed || this.#closing.signal.aborted || !retries) return Promise.resolve(this.#conn);
    // Two calls of the transfer lane may find the connection lost at once: one reconnect serves both.
    this.#reconnecting ??= this.#reconnect(old, options).finally(() => (this.#reconnecting = undefined));
    return this.#reconnecting;
  }

  async #reconnect(old: Control, options: CallOptions): Promise<Conn> {
    // Broken under the pipeline: the new connection goes without it; otherwise its greeting decides again ('auto').
    const resolved = this.#pipelined || !old.session.pipelining ? old.options : { ...old.options, pipelining: false };
    const { control, login } = await logIn(old.transport, resolved, options.signal, old);
    // What the server taught the old connection holds for this one: the LIST form, the LIST zone.
    const conn = new Conn(control, login.features, this.#conn.limit, this.#conn.zone);
    conn.listAll = this.#conn.listAll;
    try {
      await restoreSession(conn, old.session, this.#directory, options);
    } catch (err) {
      control.destroy();
      throw err;
    }
    if (this.#closing.signal.aborted) {
      control.destroy();
      return this.#conn; // closed meanwhile: the attempt fails on the old, closed connection
    }
    this.#control = control;
    this.#conn = conn;
    this.#login = login;
    this.#pipelined &&= control.session.pipelining;
    this.#directoryChanges = control.session.directoryChanges;
    old.options.log?.({ direction: '*', text: `Reconnected${this.#directory === undefined ? '' : ` in ${this.#directory}`}` });
    return conn;
  }

  /** After a call of the Client's own: read the working directory with PWD if the session saw it move. */
  async #noteDirectory(conn: Conn, options: CallOptions): Promise<void> {
    const changes = conn.control.session.directoryChanges;
    if (changes === this.#directoryChanges || this.options.retry.retries === 0) return;
    this.#directory = parsePwdReply(await conn.command('PWD', undefined, options));
    this.#directoryChanges = conn.control.session.directoryChanges;
  }

  protected get clock(): Clock {
    return clockOf(this.#control.transport);
  }

  protected get sharedLimit(): RateLimit {
    return this.#conn.limit;
  }

  // --- the queue ---------------------------------------------------------------------------------

  /**
   * Queue a call. A transfer call made after it must not overtake it, so the open transfer lane
   * takes no more calls: the next transfer call opens a lane of its own, behind this call.
   */
  #queue<T>(task: () => Promise<T>, options: CallOptions): Promise<T> {
    this.#lane = undefined;
    return this.#enqueue(task, options);
  }

  #enqueue<T>(task: () => Promise<T>, options: CallOptions): Promise<T> {
    const signal = options.signal;
    const run = this.#tail.then(() => {
      if (signal?.aborted) throw abortError(signal);
      return task();
    });
    // The next call waits for this one to end, however it ends.
    this.#tail = run.then(
      () => {},
      () => {},
    );
    return run;
  }
}

/**
 * Connect without logging in: read the greeting, start TLS as `secure` says **without checking the
 * certificate** (it is only shown; with `check`, it is checked as the options say), and say QUIT. No user name, password or account is sent,
 * whatever `options` carry. The greeting (after TLS, for implicit TLS) and the certificate the
 * server presented, when there was TLS and the transport can read it. `Client.certificate` and the
 * diagnosis (diagnose/) both look at a server this way.
 */
export async function greet(
  transport: Transport,
  options: ClientOptions,
  secure: SecureMode,
  how: { readonly check?: boolean } = {},
): Promise<{ readonly greeting: Reply; readonly certificate: PeerCertificate | undefined }> {
  const { pin: _pin, ...tls } = options.tls ?? {};
  const { user: _user, password: _password, account: _account, ...rest } = options;
  const resolved = resolveOptions({
    ...rest,
    secure,
    // Shown, not checked: `trusted` says what a check would find. With `check`, held to the caller's settings (tls.pin).
    tls: how.check === true ? (options.tls ?? {}) : { ...tls, rejectUnauthorized: false },
    ccc: false,
    retry: 0,
  });
  const { control, result } = await Control.open(transport, resolved, options.signal, undefined, { login: false }).catch((err: unknown) => {
    throw nameTlsMismatch(err, resolved);
  });
  try {
    const certificate = control.peerCertificate();
    await control.run({ kind: 'quit' }).catch(() => {}); // a goodbye it does not answer changes nothing
    if (result.kind !== 'connect') throw new LocalProtocolError('connect returned no greeting');
    return { greeting: result.greeting, certificate };
  } finally {
    control.destroy();
  }
}

/**
 * Connect and log in once: the driver and its login result, a TLS mismatch named (see
 * {@link nameTlsMismatch}). `old`: the lost connection a reconnect replaces, whose TLS session it offers.
 */
export async function logIn(
  transport: Transport,
  options: ResolvedOptions,
  signal: AbortSignal | undefined,
  old: Control | undefined,
): Promise<{ control: Control; login: ConnectResult }> {
  const { control, result } = await Control.open(transport, options, signal, old?.tlsSession(), { replaces: old }).catch((err: unknown) => {
    throw nameTlsMismatch(err, options);
  });
  if (result.kind !== 'connect') {
    control.destroy();
    throw new LocalProtocolError('connect returned no login result');
  }
  return { control, login: result };
}

/**
 * A failed implicit-FTPS connect whose TLS handshake the server answered in plain text (the
 * transport's `not-tls`) is a server without implicit FTPS on that port, whatever OpenSSL calls it:
 * {@link TlsModeError}, which says so and names the schemes to try. (The other way round, a TLS
 * record where the greeting should be, the codec's reply parser names itself.)
 */
function nameTlsMismatch(err: unknown, options: ResolvedOptions): unknown {
  if (options.secure === 'implicit' && err instanceof TlsError && err.reason === 'not-tls') return new TlsModeError('plain', { cause: err });
  return err;
}
