/**
 * The two ends of an in-memory connection, for `memoryPair`.
 *
 * Theory of operation: a connection is two {@link Pipe}s, one per direction, and a
 * {@link MemorySocket} at each end. Each end implements the transport's `Connection` interface, so
 * the client drives its end as it drives a socket, and the test scripts the other end with the
 * same methods plus a few conveniences (`line`, `reply`, `reset`). The semantics follow the
 * `Connection` contract of `@ftpkit/transport`:
 * - `write` copies the bytes and resolves at once while the direction holds no more than its
 *   capacity (64 KiB by default), else once the reader has taken enough: a reader that stops reading
 *   stalls the writer, as a full socket buffer does.
 * - One `write` is one chunk for the reader: a test decides exactly how bytes are split and joined.
 * - `end` is a FIN after the queued bytes; when one end's peer has ended, the end ends its side too
 *   (no half-open from the peer's side), and `closed` settles once both directions are over.
 * - `destroy` fails this end's reads and writes; the other end reads what was queued, then the end of
 *   the stream, and its writes fail with EPIPE. `reset` is an RST: the other end's unread bytes are
 *   dropped and its reads and writes fail with ECONNRESET.
 * - TLS is a flag, not cryptography: `startTls` drops the unread plaintext bytes (as the adapters
 *   must, CVE-2021-22947), waits for the handshake, which the other end may hold, and then the
 *   connection reports `tls` and can hand out a session that another connection can resume.
 *
 * @module
 */
import { abortReason, ConnectionError, TimeoutError, type Address, type Connection, type TlsInfo, type TlsOptions, type TlsSession } from '@ftpkit/transport';
import type { ManualClock } from './clock.js';

type Reader = { readonly resolve: (chunk: Uint8Array | null) => void; readonly reject: (error: Error) => void };
type Waiter = { readonly resolve: () => void; readonly reject: (error: Error) => void };

/** One direction of a connection: chunks written at one end, read at the other. */
class Pipe {
  readonly #capacity: number;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #ended = false;
  /** Reads reject with this: the reading end is gone, or was reset. */
  #readError: Error | undefined;
  /** Writes reject with this: the reading end is gone, or the writing end was destroyed. */
  #writeError: Error | undefined;
  #reader: Reader | undefined;
  #waiters: Waiter[] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The writer has ended (or abandoned) this direction. */
  get ended(): boolean {
    return this.#ended;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#writeError) return Promise.reject(this.#writeError);
    if (this.#ended) return Promise.reject(new ConnectionError('write after end', { osCode: 'EPIPE' }));
    if (bytes.length === 0) return Promise.resolve();
    const chunk = bytes.slice();
    const reader = this.#reader;
    if (reader) {
      this.#reader = undefined;
      reader.resolve(chunk);
      return Promise.resolve();
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (this.#bytes <= this.#capacity) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** FIN: the reader gets the queued bytes, then `null`. Waiting writes stay waiting for room. */
  end(): void {
    this.#ended = true;
    if (this.#chunks.length === 0) this.#takeReader()?.resolve(null);
  }

  /** The writing end is destroyed: a FIN for the reader, and its waiting and later writes fail. */
  abandon(writeError: Error): void {
    this.#writeError ??= writeError;
    this.#rejectWaiters(writeError);
    this.end();
  }

  /** The reading end is gone (destroyed, or reset): drop what is queued, fail reads and writes. */
  break(readError: Error, writeError: Error): void {
    this.#readError ??= readError;
    this.#writeError ??= writeError;
    this.#chunks = [];
    this.#bytes = 0;
    this.#takeReader()?.reject(this.#readError);
    this.#rejectWaiters(this.#writeError);
  }

  /** Drop the bytes not yet read (a TLS upgrade). */
  discard(): void {
    this.#chunks = [];
    this.#bytes = 0;
    this.#wakeWriters();
  }

  read(): Promise<Uint8Array | null> {
    if (this.#readError) return Promise.reject(this.#readError);
    const chunk = this.#chunks.shift();
    if (chunk) {
      this.#bytes -= chunk.length;
      this.#wakeWriters();
      return Promise.resolve(chunk);
    }
    if (this.#ended) return Promise.resolve(null);
    if (this.#reader) return Promise.reject(new Error('MemorySocket: read() while another read() is pending'));
    return new Promise((resolve, reject) => (this.#reader = { resolve, reject }));
  }

  #takeReader(): Reader | undefined {
    const reader = this.#reader;
    this.#reader = undefined;
    return reader;
  }

  #wakeWriters(): void {
    if (this.#bytes > this.#capacity) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  #rejectWaiters(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}

/** What an end did, in order: what a test asserts about the client's handling of a connection. */
export type SocketEvent = 'tls' | 'end' | 'destroy' | 'reset';

/** What the two ends of one connection share. */
interface Link {
  readonly clock: ManualClock;
  /** A TLS session resumable by a later connection (a token of this network). */
  newSession(): TlsSession;
  isSession(session: TlsSession | undefined): boolean;
}

/**
 * One end of an in-memory connection: the transport's `Connection`, plus what a test script uses
 * to play the server (`line`, `reply`, `reset`, `holdTls`, and `peer.events` to see what the client
 * did).
 */
export class MemorySocket implements Connection {
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  /** What this end did, in order. */
  readonly events: SocketEvent[] = [];
  readonly closed: Promise<void>;
  #tls: TlsInfo | undefined;
  /** The options this end started TLS with. */
  #tlsOptions: TlsOptions | undefined;
  #session: TlsSession | undefined;
  #in!: Pipe;
  #out!: Pipe;
  #peer!: MemorySocket;
  readonly #link: Link;
  #dead = false;
  #hold: { promise: Promise<void>; release: (error?: Error) => void } | undefined;
  #settleClosed!: { resolve: () => void; reject: (error: Error) => void };
  #leftover: Uint8Array | undefined;

  private constructor(link: Link, local: Address, remote: Address) {
    this.#link = link;
    this.localAddress = local;
    this.remoteAddress = remote;
    this.closed = new Promise<void>((resolve, reject) => (this.#settleClosed = { resolve, reject }));
    this.closed.catch(() => {}); // the contract: never an unhandled rejection
  }

  /** Two connected ends: `[at a, at b]`. */
  static pair(link: Link, a: Address, b: Address, capacity: number): [MemorySocket, MemorySocket] {
    const atA = new MemorySocket(link, a, b);
    const atB = new MemorySocket(link, b, a);
    const aToB = new Pipe(capacity);
    const bToA = new Pipe(capacity);
    atA.#out = atB.#in = aToB;
    atB.#out = atA.#in = bToA;
    atA.#peer = atB;
    atB.#peer = atA;
    return [atA, atB];
  }

  /** The other end. */
  get peer(): MemorySocket {
    return this.#peer;
  }

  get tls(): TlsInfo | undefined {
    return this.#tls;
  }

  /** The TLS options this end's `startTls` (or a TLS connect) was given, once it was. */
  get tlsOptions(): TlsOptions | undefined {
    return this.#tlsOptions;
  }

  tlsSession(): TlsSession | undefined {
    return this.#session;
  }

  read(): Promise<Uint8Array | null> {
    const leftover = this.#leftover;
    this.#leftover = undefined;
    return leftover ? Promise.resolve(leftover) : this.#in.read();
  }

  write(bytes: Uint8Array | string): Promise<void> {
    const written = this.#dead ? Promise.reject(destroyed()) : this.#out.write(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    written.catch(() => {}); // a script may write and not wait; whoever awaits it still sees the failure
    return written;
  }

  startTls(options: TlsOptions & { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined }): Promise<void> {
    if (this.#dead) return Promise.reject(destroyed());
    this.#tlsOptions = options;
    this.#leftover = undefined;
    this.#in.discard();
    this.events.push('tls');
    const handshake = this.#peer.#hold?.promise ?? Promise.resolve();
    return within(this.#link.clock, handshake, options, 'TLS handshake').then(() => {
      if (this.#dead) throw destroyed();
      this.#tls = { protocol: 'TLSv1.3', resumed: this.#link.isSession(options.session) };
      this.#session = this.#link.newSession();
    });
  }

  end(): Promise<void> {
    if (this.#dead) return Promise.reject(destroyed());
    if (!this.#out.ended) {
      this.events.push('end');
      this.#out.end();
      this.#peer.#peerEnded();
      this.#closeIfOver();
    }
    return Promise.resolve();
  }

  destroy(error?: Error): void {
    if (this.#dead) return;
    this.#dead = true;
    this.events.push('destroy');
    const reason = error ?? destroyed();
    this.#in.break(reason, new ConnectionError('write EPIPE: the peer is gone', { osCode: 'EPIPE' }));
    this.#out.abandon(reason);
    if (error) this.#settleClosed.reject(error);
    else this.#settleClosed.resolve();
    this.#peer.#peerEnded();
  }

  // --- the script's side ---------------------------------------------------------------------

  /** RST: the other end's unread bytes are dropped, and its reads and writes fail with ECONNRESET. */
  reset(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.events.push('reset');
    const rst = new ConnectionError('read ECONNRESET', { osCode: 'ECONNRESET' });
    this.#out.break(rst, destroyed());
    this.#in.break(destroyed(), rst);
    this.#settleClosed.resolve();
    this.#peer.#settleClosed.reject(rst);
  }

  /** The next line the other end wrote, without its CRLF; `null` at the end of its stream. */
  async line(): Promise<string | null> {
    let buffered = new Uint8Array(0);
    for (;;) {
      const lf = buffered.indexOf(10);
      if (lf >= 0) {
        if (lf + 1 < buffered.length) this.#leftover = buffered.subarray(lf + 1);
        return new TextDecoder().decode(buffered.subarray(0, lf > 0 && buffered[lf - 1] === 13 ? lf - 1 : lf));
      }
      const chunk = await this.read();
      if (chunk === null) return buffered.length > 0 ? new TextDecoder().decode(buffered) : null;
      const joined = new Uint8Array(buffered.length + chunk.length);
      joined.set(buffered);
      joined.set(chunk, buffered.length);
      buffered = joined;
    }
  }

  /** Write one reply line per string, each ended by CRLF, in one write. */
  reply(...lines: string[]): void {
    void this.write(lines.map((line) => `${line}\r\n`).join(''));
  }

  /** Hold the other end's TLS handshakes on this connection until {@link releaseTls}. */
  holdTls(): void {
    let release!: (error?: Error) => void;
    const promise = new Promise<void>((resolve, reject) => (release = (error) => (error ? reject(error) : resolve())));
    promise.catch(() => {});
    this.#hold = { promise, release };
  }

  /** Let a held handshake finish, or fail it with `error`. */
  releaseTls(error?: Error): void {
    this.#hold?.release(error);
    this.#hold = undefined;
  }

  /** The other end ended or destroyed its side: end ours too (no half-open), and settle if both are over. */
  #peerEnded(): void {
    if (!this.#dead && !this.#out.ended) {
      this.#out.end();
      this.#peer.#closeIfOver();
    }
    this.#closeIfOver();
  }

  #closeIfOver(): void {
    if (!this.#dead && this.#out.ended && this.#in.ended) this.#settleClosed.resolve();
  }
}

function destroyed(): ConnectionError {
  return new ConnectionError('The connection was destroyed');
}

/**
 * `step` within `options.timeout` ms of `clock` (a `TimeoutError` after it) and until
 * `options.signal` aborts (its reason).
 */
export function within<T>(
  clock: ManualClock,
  step: Promise<T>,
  options: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined },
  what: string,
): Promise<T> {
  const { timeout, signal } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (!(timeout && timeout > 0) && !signal) return step;
  return new Promise<T>((resolve, reject) => {
    const timer = timeout && timeout > 0 ? clock.setTimeout(() => done(() => reject(new TimeoutError(`${what} timed out after ${timeout} ms`))), timeout) : undefined;
    const onAbort = (): void => done(() => reject(abortReason(signal!)));
    signal?.addEventListener('abort', onAbort, { once: true });
    let over = false;
    function done(settle: () => void): void {
      if (over) return;
      over = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    }
    step.then(
      (value) => done(() => resolve(value)),
      (error: unknown) => done(() => reject(error)),
    );
  });
}
