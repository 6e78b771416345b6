/**
 * One data connection of the driver, from the session's `openData`/`listenData` to its close.
 *
 * Theory of operation: the driver makes a {@link DataChannel} for each data connection the session
 * asks for, and the channel does that connection's I/O. It connects (passive mode), or listens and
 * accepts a connection from the server's address only (active mode); it starts TLS on it with
 * PROT P; it moves the bytes between the connection and the caller's sink or source; and it closes
 * it, gently when TLS is moving data. It never talks to the session: it reports to the driver
 * through {@link ChannelEvents}, and the driver passes the news on. A closed channel reports nothing
 * more, so news from an abandoned connection never reaches a later transfer.
 *
 * The channel keeps no timer of its own, except the grace of a gentle close. It shows where its pump
 * stands ({@link DataChannel.moving}, {@link DataChannel.waitingSince}) and says when that changes;
 * the driver derives from it whether the data-idle clock runs (a read or write waits on the server)
 * or no clock does (the pump waits on the caller's sink or source, which may be as slow as it likes,
 * or on a bandwidth limit). A limited pump is paced by throttle.ts: a download reads again only when
 * its budgets let it, which is the slow sink's path (TCP flow control slows the server down), and an
 * upload waits before each write, in slices of at most a burst.
 *
 * @module
 */
// Why this file is long: a channel's life (connect or accept, TLS, both pumps, gentle close) is one unit.
import type { Endpoint } from '@ftpkit/codec';
import { ConnectionError, TimeoutError, type Address, type Connection, type Listener, type TlsInfo, type Transport } from '@ftpkit/transport';
import type { ResolvedOptions } from '../options.js';
import type { Clock } from './clock.js';
import { pace, readAheadFor, sliceSize, type RateLimit } from './throttle.js';

/** How a transfer moves its bytes. */
export type TransferIo =
  | {
      readonly direction: 'download';
      /**
       * Receives each chunk; may be async (back-pressure). `recycle`, when the transport pools its
       * memory, gives a chunk back once the sink has no more use for it (see `Connection.recycle`).
       */
      readonly write: (chunk: Uint8Array, recycle?: (chunk: Uint8Array) => void) => void | Promise<void>;
      /**
       * Unread bytes the transport may hold for this download (`Connection.setReadAhead`), when the
       * caller runs many downloads at once and bounds their memory together (segmented downloads);
       * a rate limit's smaller bound wins. Undefined: the transport's own default.
       */
      readonly readAhead?: number | undefined;
    }
  | {
      readonly direction: 'upload';
      readonly source: AsyncIterable<Uint8Array>;
    };

type DownloadWrite = Extract<TransferIo, { direction: 'download' }>['write'];

/** Byte counter callback for progress. */
export type OnBytes = (count: number) => void;

/** Told the data connection's TLS once its handshake is done (tracing). */
export type OnTls = (tls: TlsInfo | undefined) => void;

/** What a channel uses of its control connection. */
export interface ChannelContext {
  readonly transport: Transport;
  /** The control connection: its peer is the server, its TLS session is resumed. */
  readonly control: Connection;
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  /** The operation's sink or source (none for a transfer whose bytes are not wanted) and byte counter. */
  readonly io: TransferIo | undefined;
  readonly onBytes: OnBytes | undefined;
  readonly onTls: OnTls | undefined;
  /** The budgets the transfer draws on (its connection's, its call's); none pace it when all are 0. */
  readonly limits: readonly RateLimit[];
}

/** What a channel reports; the driver passes each on to the session. */
export interface ChannelEvents {
  /** Active mode: the listener is up at `endpoint`. */
  listening(endpoint: Endpoint): void;
  /** The connection is open (its TLS handshake started, when secure). */
  opened(): void;
  /** Every byte is moved and the connection ended cleanly. */
  ended(): void;
  /** The connection could not be made, or failed. */
  failed(error: Error): void;
  /** The sink or source failed: the transfer must be aborted and `error` reported. */
  localFailure(error: unknown): void;
  /** {@link DataChannel.moving} or {@link DataChannel.waitingSince} changed. */
  changed(): void;
}

/** How long an aborted TLS transfer may take to close gently before it is torn down. */
const TLS_CLOSE_GRACE_MS = 2_000;

/** The reason a channel's pauses end with when it closes (nobody sees it: a pause only ends). */
const CLOSED = 'data channel closed';

/** How many refused data connections an error names; the rest are counted. */
const MAX_REFUSED_NAMED = 3;

/** One data connection attempt and its transfer. */
export class DataChannel {
  readonly #ctx: ChannelContext;
  readonly #events: ChannelEvents;
  #conn: Connection | undefined;
  #listener: Listener | undefined;
  #closed = false;
  /** Resolves on the session's `dataReady` (uploads start then). */
  readonly #ready: Promise<void>;
  #markReady!: () => void;
  /** A TLS transfer is moving data: an abort closes it gently (see close). */
  #tlsPump: 'upload' | 'download' | undefined;
  /** Set by close while a TLS download drains: tears the connection down and stops the grace timer. */
  #finish: (() => void) | undefined;
  #moving = false;
  #waitingSince: number | undefined;
  /**
   * Aborted by close: ends a pause for a bandwidth limit at once. Made at the first draw on a budget
   * that has a rate (every transfer carries its Client's budget, unlimited or not), and aborted with a
   * plain reason: an `AbortController` made and aborted per data connection, let alone a
   * `DOMException`, is measurable in a tree of small files (RESULTS.md, W8 and W4).
   */
  #stop: AbortController | undefined;

  constructor(ctx: ChannelContext, events: ChannelEvents) {
    this.#ctx = ctx;
    this.#events = events;
    this.#ready = new Promise<void>((resolve) => (this.#markReady = resolve));
  }

  /** True once the driver closed it: it reports nothing more. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The pump moves the transfer's bytes: from the data connection's opening for a download (data may
   * come before the 1xx), from `dataReady` for an upload (until then the server owes a reply), to
   * the pump's end.
   */
  get moving(): boolean {
    return this.#moving;
  }

  /** When the pump's pending read or write (or an upload's end) began waiting on the server, if one is. */
  get waitingSince(): number | undefined {
    return this.#waitingSince;
  }

  /** The session's `dataReady`: an upload may start sending. */
  markReady(): void {
    this.#markReady();
  }

  /** Passive mode: connect to the server's data port (from `localAddress`, when there is one). */
  connect(host: string, port: number, secure: boolean): void {
    const { timeouts, localAddress } = this.#ctx.options;
    const timeout = timeouts.connect;
    this.#ctx.transport.connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }), ...(timeout > 0 ? { timeout } : {}) }).then(
      (conn) => this.#connected(conn, secure),
      (err: unknown) => {
        if (!this.#closed) this.#events.failed(asError(err));
      },
    );
  }

  /**
   * Active mode: listen on the control connection's local address (on a port of `activePorts`, when
   * given), tell the session where (`activeAddress` instead of that address, behind a NAT), and
   * accept the server's connection.
   */
  listen(secure: boolean): void {
    (async () => {
      const { activeAddress, activePorts } = this.#ctx.options;
      const listener = await listenOn(this.#ctx.transport, this.#ctx.control.localAddress.host, activePorts);
      this.#listener = listener;
      if (this.#closed) return listener.close();
      this.#events.listening({ host: activeAddress ?? listener.address.host, port: listener.address.port });
      const conn = await this.#acceptFromServer(listener);
      listener.close();
      this.#listener = undefined;
      this.#connected(conn, secure);
    })().catch((err: unknown) => {
      if (!this.#closed) this.#events.failed(asError(err));
    });
  }

  /** Close the connection and any listener. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop?.abort(CLOSED);
    const conn = this.#conn;
    if (conn && this.#tlsPump) {
      // An aborted TLS transfer is closed gently, within a grace period, because OpenSSL servers
      // punish a cut one. An upload cut without close_notify makes them drop the TLS session it
      // resumed (ProFTPD: "unexpected eof while reading"), which is the control connection's, so
      // servers that require reuse refuse every later data connection (425): end() it instead. A
      // download cut while the server writes gives it EPIPE, on which ProFTPD's mod_tls ends the
      // whole session ("unexpected OpenSSL error, disconnecting", about 1 abort in 800): keep
      // reading and discarding (#drain) until the server, answering ABOR, closes it.
      const clock = this.#ctx.clock;
      const grace = clock.setTimeout(() => conn.destroy(), TLS_CLOSE_GRACE_MS);
      const finish = (): void => {
        clock.clearTimeout(grace);
        conn.destroy();
      };
      // An upload is released once close_notify is out; a download by its pump, when the drain ends.
      if (this.#tlsPump === 'upload') conn.end().then(finish, finish);
      else this.#finish = finish;
    } else {
      conn?.destroy();
    }
    this.#listener?.close();
    this.#markReady();
  }

  /**
   * Accept the active-mode data connection, taking it only from the control connection's peer. Whoever
   * connects to the listening port first would otherwise get the transfer: inject bytes into a
   * download or receive an upload (FTP data port theft; lftp's `ftp:verify-address`). A connection
   * from another host is closed before anything is read from it or written to it, logged, and the
   * wait goes on for the server's until the connect timeout; if only others came, the transfer fails
   * with a ConnectionError that names them.
   */
  async #acceptFromServer(listener: Listener): Promise<Connection> {
    const server = this.#ctx.control.remoteAddress;
    const limit = this.#ctx.options.timeouts.connect;
    const clock = this.#ctx.clock;
    const deadline = clock.now() + limit;
    const refused: Address[] = [];
    let count = 0;
    for (;;) {
      let conn: Connection;
      try {
        conn = await listener.accept(limit > 0 ? { timeout: Math.max(0, deadline - clock.now()) } : {});
      } catch (err) {
        if (count === 0 || !(err instanceof TimeoutError)) throw err;
        throw new ConnectionError(
          `No data connection came from the server (${server.host}) within ${limit} ms; refused ${describeRefused(refused, count)}. ` +
            'In active mode only the server may connect: another host could inject data or take an upload.',
          { cause: err },
        );
      }
      const peer = conn.remoteAddress;
      if (sameIp(peer.host, server.host)) return conn;
      conn.destroy();
      count++;
      if (refused.length < MAX_REFUSED_NAMED) refused.push(peer);
      this.#ctx.options.log?.({ direction: '*', text: `Refused a data connection from ${formatEndpoint(peer)}: not the server's address ${server.host}` });
    }
  }

  /** TLS for a data connection: same settings, resuming the control connection's newest session. */
  #tls() {
    const session = this.#ctx.control.tlsSession();
    const timeout = this.#ctx.options.timeouts.connect;
    return { ...tlsFor(this.#ctx.options), ...(session ? { session } : {}), ...(timeout > 0 ? { timeout } : {}) };
  }

  /**
   * The data connection's TCP is up. With PROT P the TLS handshake is started now but not awaited
   * before the session sends the transfer command: vsftpd, ProFTPD and Pure-FTPd accept() the data
   * connection, and so finish the handshake, only once the command arrives, while ftp-srv wants the
   * handshake under way before it (lftp, which starts TLS after the 150, gets 425 there). The bytes
   * move only after the handshake has finished. RFC 4217 §7: the client is the TLS client on the
   * data connection even when it accepted it (active mode).
   */
  #connected(conn: Connection, secure: boolean): void {
    if (this.#closed) {
      conn.destroy();
      return;
    }
    this.#conn = conn;
    const handshake = secure ? conn.startTls(this.#tls()) : undefined;
    handshake?.catch(() => {}); // observed below; never an unhandled rejection
    const io = this.#ctx.io;
    this.#events.opened();
    if (this.#closed) return;
    if (!io) {
      handshake?.catch((err: unknown) => {
        if (!this.#closed) this.#events.failed(asError(err));
      });
      return;
    }
    // A download may see data before the 1xx, and the data-idle clock watches it from the first read.
    // An upload sends nothing before the 1xx, so until then the server owes a reply: the reply clock
    // keeps running (a server that accepts the data connection and never answers STOR is a timeout).
    if (io.direction === 'download') this.#setMoving(true);
    const move = async (): Promise<void> => {
      try {
        if (handshake) {
          await handshake;
          this.#tlsPump = io.direction;
          this.#ctx.onTls?.(conn.tls);
        }
        if (io.direction === 'upload') {
          await this.#ready;
          if (this.#closed) return;
          this.#setMoving(true);
        }
        if (io.direction === 'download') await this.#download(conn, io.write, io.readAhead);
        else await this.#upload(conn, io.source);
      } finally {
        this.#setMoving(false);
        // A download that close() left open to drain is done now: release it.
        this.#tlsPump = undefined;
        this.#finish?.();
      }
    };
    move().then(
      () => {
        if (this.#closed) return;
        this.#events.ended();
      },
      (err: unknown) => {
        if (this.#closed) return;
        if (err instanceof LocalFailure) {
          // The sink or source failed: stop the transfer with ABOR and report the local error.
          this.#events.localFailure(err.cause);
          return;
        }
        this.#events.failed(asError(err));
      },
    );
  }

  /** The signal that ends a pause under a bandwidth limit when the channel closes; none without a limit. */
  readonly #paused = (): AbortSignal | undefined => {
    if (this.#ctx.limits.length === 0) return undefined;
    this.#stop ??= new AbortController();
    if (this.#closed) this.#stop.abort(CLOSED);
    return this.#stop.signal;
  };

  #setMoving(moving: boolean): void {
    this.#moving = moving;
    if (!this.#closed) this.#events.changed();
  }

  /** Wait on the server for `step` (a read, a write, the end of an upload): the data-idle clock runs meanwhile. */
  async #onServer<T>(step: Promise<T>): Promise<T> {
    this.#waitingSince = this.#ctx.clock.now();
    if (!this.#closed) this.#events.changed();
    try {
      return await step;
    } finally {
      this.#waitingSince = undefined;
      if (!this.#closed) this.#events.changed();
    }
  }

  async #download(conn: Connection, write: DownloadWrite, bound: number | undefined): Promise<void> {
    const { onBytes, limits } = this.#ctx;
    const recycle = conn.recycle === undefined ? undefined : (chunk: Uint8Array) => conn.recycle!(chunk);
    let readAhead: number | undefined;
    if (bound !== undefined) conn.setReadAhead?.((readAhead = bound));
    for (;;) {
      // A sink may abort synchronously (closing the channel).
      if (this.#closed) return drain(conn);
      if (limits.length > 0) {
        // Under a limit the transport buffers about a burst, not megabytes, so the server feels it.
        const burst = readAheadFor(limits);
        const fit = burst === undefined || bound === undefined ? (burst ?? bound) : Math.min(burst, bound);
        if (fit !== readAhead) conn.setReadAhead?.((readAhead = fit));
      }
      const chunk = await this.#onServer(conn.read());
      if (chunk === null) return;
      if (this.#closed) return drain(conn);
      const length = chunk.length;
      try {
        const pending = write(chunk, recycle);
        if (pending) await pending;
      } catch (err) {
        throw new LocalFailure(err);
      }
      onBytes?.(length);
      // Not reading is the back-pressure, as for a slow sink: no clock runs meanwhile.
      const pause = pace(limits, length, this.#paused);
      if (pause) await pause;
    }
  }

  async #upload(conn: Connection, source: AsyncIterable<Uint8Array>): Promise<void> {
    const { onBytes, limits } = this.#ctx;
    await this.#ready;
    const iterator = source[Symbol.asyncIterator]();
    let exhausted = false;
    try {
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await iterator.next();
        } catch (err) {
          exhausted = true; // a source that threw is finished
          throw new LocalFailure(err);
        }
        exhausted = next.done === true;
        if (next.done || this.#closed) break;
        const chunk = next.value;
        // Under a limit, in slices of at most a burst, each paid for before it is written.
        for (let at = 0; at < chunk.length && !this.#closed; ) {
          const size = Math.min(chunk.length - at, sliceSize(limits));
          const pause = pace(limits, size, this.#paused);
          if (pause) await pause;
          if (this.#closed) break;
          await this.#onServer(conn.write(size === chunk.length ? chunk : chunk.subarray(at, at + size)));
          onBytes?.(size);
          at += size;
        }
      }
    } finally {
      // Stopped early (closed, or a write failed on a reset): let the source release what it holds
      // (a file source's handle) now, not at garbage collection.
      if (!exhausted) await iterator.return?.();
    }
    // A closed channel was ended or torn down by close().
    if (this.#closed) return;
    await this.#onServer(conn.end());
  }
}

/**
 * Read and drop what a closed download still brings until the server ends it: an aborted TLS
 * download is left open for this (see close). Any other is torn down already, and this ends at once.
 */
async function drain(conn: Connection): Promise<void> {
  try {
    while ((await conn.read()) !== null);
  } catch {
    // Torn down by the grace timer, or reset: either way it is over.
  }
}

/** A failure of the local side of a transfer (sink or source). */
class LocalFailure extends Error {
  constructor(cause: unknown) {
    super('local transfer failure', { cause });
  }
}

/**
 * A listener on `host`: on any free port, or on the first port of `ports` that is free, tried in
 * turn from `min` (curl's `--ftp-port ADDR:MIN-MAX` does the same). Every port in use is a
 * ConnectionError with `osCode` EADDRINUSE; any other failure to listen ends the search.
 */
async function listenOn(transport: Transport, host: string, ports: { readonly min: number; readonly max: number } | undefined): Promise<Listener> {
  if (ports === undefined) return transport.listen({ host });
  for (let port = ports.min; port <= ports.max; port++) {
    try {
      return await transport.listen({ host, port });
    } catch (err) {
      if (!(err instanceof ConnectionError && err.osCode === 'EADDRINUSE')) throw err;
    }
  }
  const count = ports.max - ports.min + 1;
  throw new ConnectionError(`No port of activePorts ${ports.min}-${ports.max} is free on ${host} (${count === 1 ? 'the one port is' : `all ${count} are`} in use)`, {
    osCode: 'EADDRINUSE',
  });
}

/** TLS settings for the control and data connections: the options, with SNI defaulting to the host. */
export function tlsFor(options: ResolvedOptions) {
  return { servername: options.tls.servername ?? options.host, ...options.tls };
}

function describeRefused(named: readonly Address[], count: number): string {
  const list = named.map(formatEndpoint).join(', ');
  const more = count > named.length ? ` and ${count - named.length} more` : '';
  return `${count === 1 ? 'a data connection' : `${count} data connections`} from ${list}${more}`;
}

function formatEndpoint(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Whether two IP address strings name the same address, whatever their spelling. */
export function sameIp(a: string, b: string): boolean {
  return canonicalIp(a) === canonicalIp(b);
}

/**
 * One spelling per IP address: IPv4 as a dotted quad, IPv6 as eight hex groups, without brackets or a
 * zone. RFC 4291 §2.5.5.2: an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, as a dual-stack socket
 * reports an IPv4 peer) is that IPv4 address. Text that does not parse is compared as it is, lowercased.
 */
export function canonicalIp(host: string): string {
  let text = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!text.includes(':')) return text;
  // RFC 4291 §2.2 form 3: the last 32 bits may be written as a dotted quad.
  const quad = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return text;
  const groupsOf = (part: string | undefined): string[] => (part === undefined || part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 1 ? zeros !== 0 : zeros < 1) return text;
  const groups = [...head, ...Array<string>(zeros).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return text;
  const words = groups.map((group) => Number.parseInt(group, 16));
  if (words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff) {
    const [high = 0, low = 0] = words.slice(6);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return words.map((word) => word.toString(16)).join(':');
}

/** Errors from the transport are already typed; anything else is wrapped as a ConnectionError. */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new ConnectionError(String(err), { cause: err });
}
