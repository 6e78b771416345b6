/**
 * The high-level FTP/FTPS client.
 *
 * Theory of operation: a {@link Client} owns one logged-in control connection (a `Control` driver
 * around the codec's Session). Calls are queued and run one after another in call order, so callers
 * never see "busy"; a compound call (recursive mkdir/rmdir, directory transfers) holds the queue for
 * its whole duration. Protocol decisions stay in the codec; this module chooses which operations to
 * run (MLSD or LIST, MLST or a parent listing) and turns replies into values with the codec's parsers.
 *
 * @module
 */
import {
  checkArgument,
  command,
  decodeText,
  parseListing,
  parseMdtmReply,
  parseMlstReply,
  parsePwdReply,
  parseSizeReply,
  parseAnnouncedSize,
  parseHashReply,
  parseXHashReply,
  pickHashCommand,
  formatFtpTime,
  listFlagRefused,
  FtpReplyError,
  LocalProtocolError,
  RemoteProtocolError,
  type ConnectResult,
  type HashAlgorithm,
  type ListingEntry,
  type ListingFormat,
  type OperationResult,
  type Reply,
  type ServerChecksum,
  type TransferCommand,
  type TransferType,
} from '@ftpkit/codec';
import { ConnectionError, transport as defaultTransport, type Transport } from '@ftpkit/transport';
import { Control, type TransferIo } from './control.js';
import { crlfToLf, convertChunks, lfToCrlf } from './ascii.js';
import { streamListing, type ListingSinks } from './listing-stream.js';
import { abortError, NotFoundError, NotSupportedError } from './errors.js';
import { runMirror, type MirrorOptions, type MirrorResult } from './mirror.js';
import { join, mkdir as mkdirLocal, readdir, stat } from './fs.js';
import { parseUrl, resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { remoteJoin, remoteSplit, safeLocalName } from './paths.js';
import { LocalFileError, openSink, openSource, type DownloadDestination, type UploadSource } from './transfers.js';

/** Progress of a transfer, computed from bytes actually moved on the data connection. */
export interface Progress {
  /** Bytes moved so far in this call (not counting a resume offset). */
  readonly bytes: number;
  /** Expected bytes of this call, when known. */
  readonly total: number | undefined;
  /** Average rate since the transfer started. */
  readonly bytesPerSecond: number;
}

/** Options every call takes. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** Options of transfers. */
export interface TransferOptions extends CallOptions {
  /** Resume: skip this many bytes (REST). For a download to a file path, the file must have exactly this size. */
  readonly startAt?: number;
  readonly onProgress?: (progress: Progress) => void;
  /** `'binary'` (default, TYPE I) or `'ascii'` (TYPE A, the server converts line endings). */
  readonly mode?: 'binary' | 'ascii';
}

/** What a finished transfer reports. */
export interface TransferResult {
  /** Bytes moved by this call. */
  readonly bytes: number;
  /** The server's final reply (226 or 250). */
  readonly reply: Reply;
}

/** Options of directory transfers. */
export interface DirectoryTransferOptions extends CallOptions {
  /** Follow symbolic links. Default false: links are reported in `skipped`. */
  readonly followSymlinks?: boolean;
}

/** What a directory transfer did. */
export interface DirectoryTransferResult {
  readonly files: number;
  readonly directories: number;
  readonly bytes: number;
  /** Entries not transferred, with why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/**
 * Largest directory listing `list` holds in memory (64 MiB, about a million `ls -l` lines). The
 * listing is parsed whole, so without a bound a hostile or broken server could grow memory without
 * end; the codec bounds replies the same way (1 MiB, basic-ftp 64 KiB).
 */
const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/**
 * An FTP or FTPS client.
 *
 * @example
 * ```ts
 * await using client = await Client.connect('ftpes://alice:secret@files.example.com');
 * for (const entry of await client.list('/pub')) console.log(entry.type, entry.name, entry.size);
 * await client.download('/pub/report.csv', './report.csv');
 * await client.upload(new TextEncoder().encode('hello'), '/incoming/hello.txt');
 * ```
 */
export class Client implements AsyncDisposable {
  readonly #control: Control;
  readonly #login: ConnectResult;
  #tail: Promise<unknown> = Promise.resolve();
  #keepAlive: ReturnType<typeof setTimeout> | undefined;
  #pending = 0;
  /** Whether the server takes `LIST -a` (undefined until a LIST has told). */
  #listAll: boolean | undefined;

  private constructor(control: Control, login: ConnectResult) {
    this.#control = control;
    this.#login = login;
    this.#armKeepAlive();
  }

  /**
   * Connect and log in. Accepts `ftp://`, `ftpes://` (explicit TLS) and `ftps://` (implicit TLS) URLs,
   * or options; options given with a URL override it.
   */
  static async connect(target: string | ClientOptions, overrides: Partial<ClientOptions> = {}): Promise<Client> {
    const options: ClientOptions = typeof target === 'string' ? { ...parseUrl(target), ...overrides } : { ...target, ...overrides };
    const resolved = resolveOptions(options);
    const transport: Transport = options.transport ?? defaultTransport;
    const { control, result } = await Control.open(transport, resolved, options.signal);
    if (result.kind !== 'connect') throw new LocalProtocolError('connect returned no login result');
    return new Client(control, result);
  }

  /** FEAT as upper-cased feature name → parameters. */
  get features(): ReadonlyMap<string, string> {
    return this.#login.features;
  }

  /** The server's greeting and login replies. */
  get welcome(): { readonly greeting: Reply; readonly login: Reply } {
    return { greeting: this.#login.greeting, login: this.#login.welcome };
  }

  /** True once the control connection is gone. */
  get closed(): boolean {
    return this.#control.closed;
  }

  /** Resolved options, password included: do not log this object. */
  get options(): ResolvedOptions {
    return this.#control.options;
  }

  /** Send a raw command such as `'SITE CHMOD 644 a.txt'`; resolves with the 2xx reply. */
  send(raw: string, options: CallOptions = {}): Promise<Reply> {
    const space = raw.indexOf(' ');
    // Parsed inside the queued task: a refused command is a rejected promise, never a synchronous throw.
    return this.#queue(() => {
      const cmd = space === -1 ? command(raw) : command(raw.slice(0, space), raw.slice(space + 1));
      return this.#command(cmd.name, cmd.arg, options);
    }, options);
  }

  /** `SITE <text>`. */
  site(text: string, options: CallOptions = {}): Promise<Reply> {
    return this.#queue(() => this.#command('SITE', text, options), options);
  }

  /** The current remote directory (PWD). */
  pwd(options: CallOptions = {}): Promise<string> {
    return this.#queue(async () => parsePwdReply(await this.#command('PWD', undefined, options)), options);
  }

  /** Change the remote directory (CWD). */
  async cd(path: string, options: CallOptions = {}): Promise<void> {
    await this.#queue(() => this.#command('CWD', path, options), options);
  }

  /** Size in bytes (SIZE, RFC 3659 §4). */
  size(path: string, options: CallOptions = {}): Promise<number> {
    return this.#queue(async () => parseSizeReply(await this.#command('SIZE', path, options)), options);
  }

  /**
   * The server's checksum of a file, without downloading it: HASH (draft-bryan-ftpext-hash), or the
   * XSHA512/XSHA256/XSHA1/XMD5/XCRC commands, whichever FEAT offers, with the strongest algorithm
   * unless one is asked for. Rejects with `NotSupportedError` when the server has none (or not that
   * algorithm), before sending anything.
   *
   * @example
   * ```ts
   * const { algorithm, hash } = await client.checksum('/pub/big.iso'); // { algorithm: 'SHA-256', hash: 'a948…' }
   * const local = createHash(algorithm.replace('-', '').toLowerCase()).update(bytes).digest('hex');
   * ```
   */
  checksum(path: string, options: CallOptions & { readonly algorithm?: HashAlgorithm } = {}): Promise<ServerChecksum> {
    return this.#queue(async () => {
      const how = pickHashCommand(this.features, options.algorithm);
      if (!how) {
        const what = options.algorithm ? `${options.algorithm} checksums` : 'checksums';
        throw new NotSupportedError(`The server does not offer ${what} (FEAT lists none by HASH, XSHA512, XSHA256, XSHA1, XMD5 or XCRC)`);
      }
      if (how.kind === 'X') return parseXHashReply(await this.#command(how.command, path, options), how.algorithm);
      // FEAT's `*` is the selection at login; OPTS HASH changes it for the rest of the session.
      // The session tracks OPTS HASH, raw ones included (codec Session.hashAlgorithm).
      const chosen = this.#control.session.hashAlgorithm;
      const select = chosen === undefined ? how.select : chosen !== how.algorithm;
      if (select) await this.#command('OPTS', `HASH ${how.algorithm}`, options);
      const { algorithm, hash } = parseHashReply(await this.#command('HASH', path, options));
      if (algorithm !== how.algorithm) throw new RemoteProtocolError(`HASH answered with ${algorithm} after OPTS HASH ${how.algorithm}`);
      return { algorithm, hash };
    }, options);
  }

  /**
   * Make a local tree a copy of a remote one (`direction: 'download'`), or the reverse, moving only
   * new and changed files: missing on the target, another size, or newer (by more than a minute
   * when times come from `ls -l`); with `checksum`, same-size files are decided by content. Options:
   * `delete` extraneous entries, `include`/`exclude` globs, `dryRun` for the plan alone. Symbolic
   * links are skipped and reported; server names are checked before they become local paths.
   *
   * @example
   * ```ts
   * const { plan, copied } = await client.mirror({ direction: 'upload', local: './site', remote: '/htdocs', delete: true });
   * console.log(`${copied.length} copied, ${plan.unchanged.length} unchanged`);
   * ```
   */
  mirror(options: MirrorOptions): Promise<MirrorResult> {
    // Not queued as one call: it is made of calls, each queued in turn.
    return runMirror(this, options);
  }

  /** Modification time (MDTM, RFC 3659 §3). */
  lastModified(path: string, options: CallOptions = {}): Promise<Date> {
    return this.#queue(async () => parseMdtmReply(await this.#command('MDTM', path, options)), options);
  }

  /** Set the modification time (MFMT). */
  async setLastModified(path: string, date: Date, options: CallOptions = {}): Promise<void> {
    await this.#queue(() => this.#command('MFMT', `${formatFtpTime(date)} ${path}`, options), options);
  }

  /** Delete a file (DELE). */
  async remove(path: string, options: CallOptions = {}): Promise<void> {
    await this.#queue(() => this.#command('DELE', path, options), options);
  }

  /** Rename or move (RNFR + RNTO). */
  async rename(from: string, to: string, options: CallOptions = {}): Promise<void> {
    await this.#queue(() => this.#run({ kind: 'rename', from, to }, options), options);
  }

  /** Create a directory; with `recursive`, create missing parents and accept an existing one. */
  async mkdir(path: string, options: CallOptions & { readonly recursive?: boolean } = {}): Promise<void> {
    await this.#queue(async () => {
      if (options.recursive) await this.#mkdirp(path, options);
      else await this.#command('MKD', path, options);
    }, options);
  }

  /** Remove a directory; with `recursive`, its contents first (symlinks are removed, not followed). */
  async rmdir(path: string, options: CallOptions & { readonly recursive?: boolean } = {}): Promise<void> {
    await this.#queue(async () => {
      if (options.recursive) await this.#emptyDir(path, options);
      await this.#command('RMD', path, options);
    }, options);
  }

  /**
   * List a directory: MLSD when the server advertises MLST (exact types, sizes and UTC times), else
   * LIST parsed with format detection. `.` and `..` are never returned.
   */
  list(path?: string, options: CallOptions = {}): Promise<ListingEntry[]> {
    return this.#queue(() => this.#list(path, options), options);
  }

  /**
   * List a directory as the listing arrives: the same command, fallbacks and entries as
   * {@link Client.list}, yielded one by one with memory bounded by the longest line (64 Ki
   * characters), not by the listing, so a directory of millions of files can be walked. The data
   * connection is read at the loop's pace: while the loop body runs, the server waits.
   *
   * The listing starts with the loop (the first `next()`) and holds the client until the loop ends:
   * calls made inside the loop body wait for it, so awaiting one there never returns. Collect what
   * you need and act after the loop, or use a {@link Pool}. Leaving the loop early (`break`,
   * `return`, a throw) or aborting `options.signal` stops the transfer with ABOR, and the client
   * stays usable. An iterator that is neither run to its end nor closed holds the client for good.
   *
   * Errors are those of `list()`, thrown by the loop, after the entries that came before them; a
   * line over 64 Ki characters is a `RemoteProtocolError`. There is no 64 MiB bound as for
   * `list()`. A LIST is parsed in the format voted by its first 64 lines (`list()` votes over all).
   *
   * @example
   * ```ts
   * let files = 0;
   * let bytes = 0;
   * for await (const entry of client.listEntries('/huge')) {
   *   if (entry.type !== 'file') continue;
   *   files++;
   *   bytes += entry.size ?? 0;
   * }
   * console.log(`${files} files, ${bytes} bytes`);
   *
   * // Stop at the first match: leaving the loop sends ABOR, and the client is ready for the next call.
   * let found: string | undefined;
   * for await (const entry of client.listEntries('/logs', { signal: AbortSignal.timeout(30_000) })) {
   *   if (entry.name.endsWith('.gz')) {
   *     found = entry.name;
   *     break;
   *   }
   * }
   * if (found) await client.download(`/logs/${found}`, `./${found}`);
   * ```
   */
  listEntries(path?: string, options: CallOptions = {}): AsyncGenerator<ListingEntry, void, undefined> {
    return streamListing((sinks, signal) => this.#queue(() => this.#listTransfer(path, { signal }, sinks), { signal }), {
      encoding: this.#control.options.encoding,
      signal: options.signal,
    });
  }

  /** Facts about one path: MLST when available, else its entry in the parent's listing. */
  stat(path: string, options: CallOptions = {}): Promise<ListingEntry> {
    return this.#queue(() => this.#stat(path, options), options);
  }

  /** Download to a file path, a Web `WritableStream`, a Node `Writable` or a chunk callback. */
  download(remotePath: string, destination: DownloadDestination, options: TransferOptions = {}): Promise<TransferResult> {
    return this.#queue(() => this.#download(remotePath, destination, options), options);
  }

  /**
   * Download as a Web `ReadableStream`. The transfer runs as the stream is read (back-pressure
   * reaches the server); cancelling the stream aborts the transfer with ABOR.
   *
   * @example
   * ```ts
   * for await (const chunk of client.openReadStream('/logs/today.log')) process.stdout.write(chunk);
   * ```
   */
  openReadStream(remotePath: string, options: TransferOptions = {}): ReadableStream<Uint8Array> {
    const cancel = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, cancel.signal]) : cancel.signal;
    let resume: (() => void) | undefined;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        pull: () => {
          resume?.();
          resume = undefined;
        },
        cancel: (reason) => cancel.abort(reason),
      },
      { highWaterMark: 4 },
    );
    const write = async (chunk: Uint8Array): Promise<void> => {
      controller.enqueue(chunk);
      if ((controller.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (resume = resolve));
    };
    this.download(remotePath, write, { ...options, signal }).then(
      () => controller.close(),
      (err: unknown) => {
        if (!cancel.signal.aborted) controller.error(err);
      },
    );
    return stream;
  }

  /** Download into memory. */
  async downloadToBytes(remotePath: string, options: TransferOptions = {}): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    await this.download(remotePath, (chunk) => void chunks.push(chunk), options);
    return concat(chunks);
  }

  /** Upload from a file path, bytes, an async iterable, a Web `ReadableStream` or a Node `Readable`. */
  upload(source: UploadSource, remotePath: string, options: TransferOptions = {}): Promise<TransferResult> {
    return this.#queue(() => this.#upload(source, remotePath, 'STOR', options), options);
  }

  /** Append to a remote file (APPE). */
  append(source: UploadSource, remotePath: string, options: Omit<TransferOptions, 'startAt'> = {}): Promise<TransferResult> {
    return this.#queue(() => this.#upload(source, remotePath, 'APPE', options), options);
  }

  /**
   * Download a remote tree into a local folder. Every name from the server is checked before it is
   * used locally (no separators, `..`, NUL or drive letters: {@link UnsafePathError}).
   */
  downloadDir(remoteDir: string, localDir: string, options: DirectoryTransferOptions = {}): Promise<DirectoryTransferResult> {
    return this.#queue(async () => {
      const result = { files: 0, directories: 0, bytes: 0, skipped: [] as { path: string; reason: string }[] };
      await this.#downloadTree(remoteDir, localDir, options, result);
      return result;
    }, options);
  }

  /** Upload a local tree into a remote folder, creating directories as needed. */
  uploadDir(localDir: string, remoteDir: string, options: DirectoryTransferOptions = {}): Promise<DirectoryTransferResult> {
    return this.#queue(async () => {
      const result = { files: 0, directories: 0, bytes: 0, skipped: [] as { path: string; reason: string }[] };
      await this.#mkdirp(remoteDir, options);
      await this.#uploadTree(localDir, remoteDir, options, result);
      return result;
    }, options);
  }

  /** Say QUIT and close. Queued behind running calls; safe to call twice. */
  async close(): Promise<void> {
    this.#stopKeepAlive();
    if (this.#control.closed) return;
    await this.#queue(async () => {
      this.#stopKeepAlive();
      if (this.#control.closed) return;
      await this.#run({ kind: 'quit' }, {}).catch(() => {});
      this.#control.destroy();
    }, {}).catch(() => {});
    await this.#control.finished;
  }

  /** `await using client = ...` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- internals: run inside the queue -------------------------------------------------------

  #queue<T>(task: () => Promise<T>, options: CallOptions): Promise<T> {
    const signal = options.signal;
    this.#stopKeepAlive();
    this.#pending++;
    const run = this.#tail.then(() => {
      if (signal?.aborted) throw abortError(signal);
      return task();
    });
    this.#tail = run.then(
      () => this.#taskDone(),
      () => this.#taskDone(),
    );
    return run;
  }

  #taskDone(): void {
    this.#pending--;
    if (this.#pending === 0) this.#armKeepAlive();
  }

  #armKeepAlive(): void {
    const every = this.#control.options.keepAlive;
    if (every <= 0 || this.#control.closed) return;
    this.#stopKeepAlive();
    this.#keepAlive = setTimeout(() => {
      this.#keepAlive = undefined;
      this.#queue(() => this.#command('NOOP', undefined, {}), {}).catch(() => {});
    }, every);
  }

  #stopKeepAlive(): void {
    if (this.#keepAlive !== undefined) clearTimeout(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  async #run(op: Parameters<Control['run']>[0], options: CallOptions, io?: TransferIo, onBytes?: (n: number) => void): Promise<OperationResult> {
    return this.#control.run(op, { signal: options.signal, ...(io ? { io } : {}), ...(onBytes ? { onBytes } : {}) });
  }

  async #command(name: string, arg: string | undefined, options: CallOptions): Promise<Reply> {
    const result = await this.#run({ kind: 'command', command: command(name, arg) }, options);
    return replyOf(result);
  }

  async #transfer(
    cmd: TransferCommand,
    path: string | undefined,
    io: TransferIo,
    options: CallOptions & { startAt?: number; type?: TransferType; onBytes?: (n: number) => void },
  ): Promise<Reply> {
    return (await this.#transferResult(cmd, path, io, options)).reply;
  }

  /** A transfer's final reply and the 125/150 before it. */
  async #transferResult(
    cmd: TransferCommand,
    path: string | undefined,
    io: TransferIo,
    options: CallOptions & { startAt?: number; type?: TransferType; onBytes?: (n: number) => void },
  ): Promise<{ reply: Reply; preliminary: Reply | undefined }> {
    const result = await this.#run(
      {
        kind: 'transfer',
        command: cmd,
        ...(path === undefined ? {} : { path }),
        ...(options.startAt ? { restAt: options.startAt } : {}),
        type: options.type ?? 'I',
        mode: this.#control.options.mode,
      },
      options,
      io,
      options.onBytes,
    );
    if (result.kind !== 'reply') throw new LocalProtocolError('Unexpected operation result');
    return { reply: result.reply, preliminary: result.preliminary };
  }

  async #list(path: string | undefined, options: CallOptions): Promise<ListingEntry[]> {
    let chunks: Uint8Array[] = [];
    let format: ListingFormat | undefined;
    await this.#listTransfer(path, options, (listed) => {
      chunks = [];
      format = listed;
      let bytes = 0;
      return {
        direction: 'download',
        write: (c) => {
          bytes += c.length;
          // A listing is held whole to be parsed: past the bound, stop with ABOR rather than grow.
          if (bytes > MAX_LISTING_BYTES) throw new RemoteProtocolError(`Directory listing is larger than ${MAX_LISTING_BYTES} bytes`);
          chunks.push(c);
        },
      };
    });
    const text = decodeText(concat(chunks), this.#control.options.encoding);
    const parsed = parseListing(text, { now: new Date(), ...(format ? { format } : {}) });
    return [...parsed.entries];
  }

  /**
   * The transfer behind `list` and `listEntries`: MLSD when the server advertises MLST, else LIST.
   * `sinks(format)` makes the data sink of each attempt, told the format to parse with (`'mlsd'`, or
   * `undefined` for LIST, whose format is detected).
   */
  async #listTransfer(path: string | undefined, options: CallOptions, sinks: ListingSinks): Promise<void> {
    if (this.features.has('MLST')) {
      await this.#transfer('MLSD', path, sinks('mlsd'), options);
    } else if (this.#listAll === false) {
      await this.#transfer('LIST', path, sinks(undefined), options);
    } else {
      // Without `-a`, `ls -l` servers hide dotfiles (vsftpd): rmdir -r could not empty a folder and
      // downloadDir would miss files. Try `LIST -a` first; if the server refuses the flag before it
      // ever worked (the codec's listFlagRefused), fall back to plain LIST and remember which works.
      try {
        await this.#transfer('LIST', path === undefined ? '-a' : `-a ${path}`, sinks(undefined), options);
        this.#listAll = true;
      } catch (err) {
        if (this.#listAll === true || !(err instanceof FtpReplyError) || !listFlagRefused(err.reply)) throw err;
        await this.#transfer('LIST', path, sinks(undefined), options);
        this.#listAll = false;
      }
    }
  }

  async #stat(path: string, options: CallOptions): Promise<ListingEntry> {
    checkArgument('stat', path); // the fallback lists the parent first: refuse before anything is sent
    if (this.features.has('MLST')) return parseMlstReply(await this.#command('MLST', path, options));
    const { parent, name } = remoteSplit(path);
    const entries = await this.#list(parent === '' ? undefined : parent, options);
    const found = entries.find((e) => e.name === name);
    if (!found) throw new NotFoundError(path);
    return found;
  }

  async #mkdirp(path: string, options: CallOptions): Promise<void> {
    checkArgument('MKD', path); // one MKD per segment: refuse the whole path before the first is sent
    const absolute = path.startsWith('/');
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    let current = absolute ? '/' : '';
    for (const part of parts) {
      current = remoteJoin(current, part);
      try {
        await this.#command('MKD', current, options);
      } catch (err) {
        // 550 for an existing directory is normal; confirm it really is one before moving on.
        if (!(err instanceof FtpReplyError) || !(await this.#isDirectory(current, options))) throw err;
      }
    }
  }

  async #isDirectory(path: string, options: CallOptions): Promise<boolean> {
    const here = parsePwdReply(await this.#command('PWD', undefined, options));
    try {
      await this.#command('CWD', path, options);
    } catch (err) {
      if (err instanceof FtpReplyError) return false;
      throw err;
    }
    await this.#command('CWD', here, options);
    return true;
  }

  async #emptyDir(path: string, options: CallOptions): Promise<void> {
    for (const entry of await this.#list(path, options)) {
      const child = remoteJoin(path, safeLocalName(entry.name));
      if (entry.type === 'directory') {
        // Servers that list a symlink as its target (pyftpdlib's MLSD, ftp-srv's LIST) make a link
        // to a folder look like a folder, and recursing would empty the folder it points to, outside
        // this tree. DELE removes a link (unlink) and is refused for a real folder, so try it first.
        try {
          await this.#command('DELE', child, options);
          continue;
        } catch (err) {
          if (!(err instanceof FtpReplyError)) throw err;
        }
        await this.#emptyDir(child, options);
        await this.#command('RMD', child, options);
      } else {
        await this.#command('DELE', child, options);
      }
    }
  }

  async #download(remotePath: string, destination: DownloadDestination, options: TransferOptions): Promise<TransferResult> {
    const startAt = options.startAt ?? 0;
    const total = options.onProgress ? await this.#sizeOrUndefined(remotePath, options) : undefined;
    const sink = await openSink(destination, startAt);
    const progress = progressMeter(options.onProgress, total === undefined ? undefined : Math.max(0, total - startAt));
    const ascii = options.mode === 'ascii' ? crlfToLf() : undefined;
    const write = ascii
      ? (chunk: Uint8Array) => sink.write(ascii.push(chunk))
      : (chunk: Uint8Array, recycle?: (chunk: Uint8Array) => void) => sink.write(chunk, recycle);
    try {
      const { reply, preliminary } = await this.#transferResult('RETR', remotePath, { direction: 'download', write }, {
        ...options,
        startAt,
        type: ascii ? 'A' : 'I',
        onBytes: progress.add,
      });
      if (!ascii) checkComplete(progress.bytes(), startAt, preliminary ? parseAnnouncedSize(preliminary) : undefined, total);
      const tail = ascii?.flush();
      if (tail && tail.length > 0) await sink.write(tail);
      await sink.commit();
      return { bytes: progress.bytes(), reply };
    } catch (err) {
      await sink.discard();
      throw err;
    }
  }

  async #sizeOrUndefined(path: string, options: CallOptions): Promise<number | undefined> {
    try {
      return parseSizeReply(await this.#command('SIZE', path, options));
    } catch (err) {
      if (err instanceof FtpReplyError) return undefined;
      throw err;
    }
  }

  async #upload(source: UploadSource, remotePath: string, command: 'STOR' | 'APPE', options: TransferOptions): Promise<TransferResult> {
    let startAt = options.startAt ?? 0;
    let cmd = command;
    if (startAt > 0 && cmd === 'STOR') {
      // Resuming must continue exactly where the remote file ends, or the result is corrupt.
      const remoteSize = await this.#sizeOrUndefined(remotePath, options);
      if (remoteSize !== undefined && remoteSize !== startAt) {
        throw new LocalFileError(`Cannot resume at ${startAt}: the remote file has ${remoteSize} bytes`);
      }
      // RFC 3659 §5: REST before STOR is defined only for servers that advertise REST STREAM. Without
      // it (ftp-srv), REST+STOR truncates and zero-fills; APPE of the rest is the safe equivalent.
      if (!this.features.has('REST')) cmd = 'APPE';
    }
    // A file source may refill its buffers only where a settled write no longer holds them.
    const opened = await openSource(source, startAt, this.#control.transport.capabilities.writeSettlesWhenSent === true);
    if (cmd === 'APPE') startAt = 0;
    const ascii = options.mode === 'ascii';
    // In ASCII mode the wire carries more bytes than the file (LF becomes CRLF): no total then.
    const progress = progressMeter(options.onProgress, ascii ? undefined : opened.size);
    const chunks = ascii ? convertChunks(opened.chunks, lfToCrlf()) : opened.chunks;
    const reply = await this.#transfer(cmd, remotePath, { direction: 'upload', source: chunks }, {
      ...options,
      startAt,
      type: ascii ? 'A' : 'I',
      onBytes: progress.add,
    });
    return { bytes: progress.bytes(), reply };
  }

  async #downloadTree(
    remoteDir: string,
    localDir: string,
    options: DirectoryTransferOptions,
    result: { files: number; directories: number; bytes: number; skipped: { path: string; reason: string }[] },
  ): Promise<void> {
    await mkdirLocal(localDir, { recursive: true });
    result.directories++;
    for (const entry of await this.#list(remoteDir, options)) {
      const name = safeLocalName(entry.name);
      const remote = remoteJoin(remoteDir, name);
      const local = join(localDir, name);
      if (entry.type === 'symlink' && !options.followSymlinks) {
        result.skipped.push({ path: remote, reason: 'symbolic link (followSymlinks is off)' });
      } else if (entry.type === 'directory') {
        await this.#downloadTree(remote, local, options, result);
      } else if (entry.type === 'file' || entry.type === 'symlink') {
        const { bytes } = await this.#download(remote, local, options);
        result.files++;
        result.bytes += bytes;
      } else {
        result.skipped.push({ path: remote, reason: `unknown entry type` });
      }
    }
  }

  async #uploadTree(
    localDir: string,
    remoteDir: string,
    options: DirectoryTransferOptions,
    result: { files: number; directories: number; bytes: number; skipped: { path: string; reason: string }[] },
  ): Promise<void> {
    result.directories++;
    for (const entry of await readdir(localDir, { withFileTypes: true })) {
      const local = join(localDir, entry.name);
      const remote = remoteJoin(remoteDir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        if (!options.followSymlinks) {
          result.skipped.push({ path: local, reason: 'symbolic link (followSymlinks is off)' });
          continue;
        }
        const target = await stat(local);
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) {
        await this.#mkdirp(remote, options);
        await this.#uploadTree(local, remote, options, result);
      } else if (isFile) {
        const { bytes } = await this.#upload(local, remote, 'STOR', options);
        result.files++;
        result.bytes += bytes;
      } else {
        result.skipped.push({ path: local, reason: 'not a regular file or directory' });
      }
    }
  }
}

/**
 * A download that got fewer bytes than the server said the file has is not complete, whatever the
 * final reply: a connection reset behind the last bytes read can look like a clean end of stream
 * (Node reports it so), while the server had already sent its 226. The sizes: SIZE (when asked for
 * progress) and the 150 reply's `(N bytes)`. After REST the 150 may count the whole file (vsftpd)
 * or what is left (ProFTPD), so only the weaker bound is enforced. More bytes than announced are
 * fine: a file that grew while it was read.
 */
function checkComplete(received: number, startAt: number, announced: number | undefined, size: number | undefined): void {
  for (const expected of [announced, size]) {
    if (expected !== undefined && received < expected - startAt) {
      throw new ConnectionError(`The download ended after ${received} of ${expected - startAt} bytes; the file is incomplete`);
    }
  }
}

function replyOf(result: OperationResult): Reply {
  if (result.kind !== 'reply') throw new LocalProtocolError('Unexpected operation result');
  return result.reply;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Counts bytes and reports {@link Progress}; shared with the Pool's aggregated progress. @internal */
export function progressMeter(onProgress: ((p: Progress) => void) | undefined, total: number | undefined) {
  let bytes = 0;
  const started = performance.now();
  return {
    bytes: () => bytes,
    add: (n: number) => {
      bytes += n;
      if (!onProgress) return;
      const seconds = (performance.now() - started) / 1000;
      onProgress({ bytes, total, bytesPerSecond: seconds > 0 ? bytes / seconds : 0 });
    },
  };
}
