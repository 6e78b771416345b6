// Why this file is long: every error class of the client, each with its TSDoc and example, in one module that the error table checks.
/**
 * The errors a client call can reject with. Every one has a stable `code`; the table of every code
 * any ftpkit package throws, with when it happens and the CLI's exit code for it, is the Errors
 * guide (`docs-src/guides/errors.md`). A test keeps that table and the code in step.
 *
 * The codec's and the transport's errors are re-exported here. The client's own classes are
 * branded as the codec's are (see `codec/src/errors.ts`), so `instanceof` holds for them across two
 * installed copies of this package, and `instanceof FtpError` holds for every error in the table.
 *
 * @module
 */
export {
  FtpError,
  FtpReplyError,
  InvalidArgumentError,
  LocalProtocolError,
  PipeliningError,
  RemoteProtocolError,
  SshServerError,
  TlsModeError,
  TooManyPreliminaryRepliesError,
  isFtpError,
} from '@ftpkit/codec';
export {
  ConnectionError,
  ProxyAuthError,
  ProxyError,
  ProxyRefusedError,
  ProxyTargetError,
  TimeoutError,
  TlsError,
  type ProxyErrorCode,
  type TlsErrorReason,
} from '@ftpkit/transport';
import { FtpError, type HashAlgorithm, type ListingFormat } from '@ftpkit/codec';

/** Brand `cls` with `symbol` by the codec's rule: its prototype carries it, and `instanceof cls` asks for it. */
function brand(cls: abstract new (...args: never[]) => object, symbol: symbol): void {
  Object.defineProperty(cls.prototype, symbol, { value: true });
  Object.defineProperty(cls, Symbol.for('ftpkit.error.brandOf'), { value: symbol });
}

/**
 * A name or path from the server that must not be used locally (`..`, `/abs`, `C:\`, NUL...).
 *
 * @example
 * ```ts
 * try { await client.downloadDir('/pub', './pub'); }
 * catch (err) { if (err instanceof UnsafePathError) console.error('hostile name:', err.path); }
 * ```
 */
export class UnsafePathError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.UnsafePathError'));
  }

  /** The offending name, as the server sent it. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super('ERR_FTP_UNSAFE_PATH', `Refusing server-supplied name ${JSON.stringify(path)}: ${reason}`);
    this.path = path;
  }
}

/**
 * The server does not offer what a call needs, by its FEAT reply (`checksum` on a server without HASH).
 *
 * @example
 * ```ts
 * const digest = await client.checksum('/pub/a.iso').catch((err) => {
 *   if (err instanceof NotSupportedError) return undefined; // compare sizes and times instead
 *   throw err;
 * });
 * ```
 */
export class NotSupportedError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.NotSupportedError'));
  }

  constructor(message: string) {
    super('ERR_FTP_NOT_SUPPORTED', message);
  }
}

/**
 * A local file changed, vanished or could not be read or written during a transfer, or a resume
 * does not fit its size.
 *
 * @example
 * ```ts
 * try { await client.upload('./growing.log', '/logs/growing.log'); }
 * catch (err) { if (err instanceof LocalFileError) console.error('local file:', err.message); }
 * ```
 */
export class LocalFileError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.LocalFileError'));
  }

  /** The local path that could not be read or written, when one is known. */
  readonly path: string | undefined;
  /**
   * The system's code when there is one (`ENAMETOOLONG`, `EACCES`, `ENOSPC`, `EISDIR`, ...), as
   * `ConnectionError.osCode`. `ELOOP` also marks a symbolic link inside a download's target, which
   * ftpkit refuses to write through (open(2) says the same of a link opened with `O_NOFOLLOW`).
   */
  readonly osCode: string | undefined;
  constructor(message: string, options?: { cause?: unknown; path?: string; osCode?: string }) {
    super('ERR_FTP_LOCAL_FILE', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.path = options?.path;
    this.osCode = options?.osCode;
  }
}

/** How a tree walk knew a folder for one of its own ancestors; see {@link TreeLoopError}. */
export type LoopEvidence = 'unique' | 'path' | 'listing' | 'inode';

/**
 * A tree walk found a folder that is one of its own ancestors: copying or removing it would never
 * end. Thrown by `downloadDir`, `uploadDir`, `mirror` and `rmdir({ recursive: true })` before they
 * list any further, when the loop is made of folders as listed (a server that lists a folder
 * inside itself, or shows a symbolic link as a folder). With `followSymlinks`, a loop is skipped
 * and reported in `skipped` instead. A download or mirror has written nothing when it throws this;
 * a recursive `rmdir` has removed what came before the loop.
 *
 * @example
 * ```ts
 * try { await client.downloadDir('/pub', './pub'); }
 * catch (err) {
 *   if (err instanceof TreeLoopError) console.error(`${err.path} is ${err.ancestor} again (${err.by})`);
 * }
 * ```
 */
export class TreeLoopError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.TreeLoopError'));
  }

  /** The folder that repeats an ancestor: a remote path, or a local one (`side`). */
  readonly path: string;
  /** The ancestor it repeats. */
  readonly ancestor: string;
  readonly side: 'remote' | 'local';
  /**
   * What showed it: the MLSD `unique` fact (RFC 3659 §7.5.2), the folder's canonical `path` (the
   * server's PWD, or a link's target), the same name and `listing` at three depths, or the local
   * device and `inode`.
   */
  readonly by: LoopEvidence;
  /** `removing`: thrown by a recursive `rmdir`, which takes neither `exclude` nor `followSymlinks`. */
  constructor(side: 'remote' | 'local', path: string, ancestor: string, by: LoopEvidence, removing = false) {
    const hint = removing ? '' : '. Leave it out with `exclude`, or set `followSymlinks` to skip loops';
    super('ERR_FTP_TREE_LOOP', `${side === 'remote' ? 'Remote' : 'Local'} folder ${JSON.stringify(path)} is ${JSON.stringify(ancestor)} again (${EVIDENCE[by]}): the tree loops${hint}`);
    this.path = path;
    this.ancestor = ancestor;
    this.side = side;
    this.by = by;
  }
}

/** How each {@link LoopEvidence} reads in a message. */
export const EVIDENCE: Readonly<Record<LoopEvidence, string>> = {
  unique: 'the same MLSD unique fact',
  path: 'the same canonical path',
  listing: 'the same name and listing at three depths',
  inode: 'the same device and inode',
};

/**
 * A tree goes deeper than the call's `maxDepth` (default 100 folders below the root): a loop no
 * identity showed, or a tree deeper than any real one. Thrown before the folder past the bound is
 * listed; like {@link TreeLoopError}, a download or mirror has written nothing then.
 *
 * @example
 * ```ts
 * await client.downloadDir('/deep', './deep', { maxDepth: 500 }).catch((err) => {
 *   if (err instanceof TreeDepthError) console.error(`deeper than ${err.maxDepth} at ${err.path}`);
 *   else throw err;
 * });
 * ```
 */
export class TreeDepthError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.TreeDepthError'));
  }

  /** The first folder past the bound: a remote path, or a local one (`side`). */
  readonly path: string;
  readonly maxDepth: number;
  readonly side: 'remote' | 'local';
  constructor(side: 'remote' | 'local', path: string, maxDepth: number) {
    super('ERR_FTP_TREE_DEPTH', `${side === 'remote' ? 'Remote' : 'Local'} folder ${JSON.stringify(path)} is more than ${maxDepth} folders deep (maxDepth): a loop, or a tree deeper than allowed`);
    this.path = path;
    this.maxDepth = maxDepth;
    this.side = side;
  }
}

/** The standard AbortError (a `DOMException`), or the signal's own reason when it has one. */
export function abortError(signal?: AbortSignal): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** True for an AbortError from an AbortSignal. */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/**
 * There is no such path on the server, by what the client could find out: `stat` (without MLST)
 * found no entry of that name in its parent's listing, or the parent is no folder; `names` was asked
 * for a folder that the session cannot change into. `cause` is the server's refusal, when there was
 * one (`FtpReplyError`): servers answer a missing folder differently (450, 550, 451, or an empty
 * listing), and this is the one answer for all of them.
 *
 * @example
 * ```ts
 * const entry = await client.stat('/pub/maybe.txt').catch((err) => {
 *   if (err instanceof NotFoundError) return undefined;
 *   throw err;
 * });
 * ```
 */
export class NotFoundError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.NotFoundError'));
  }

  /** The path that was looked up. */
  readonly path: string;
  constructor(path: string, options?: { readonly what?: 'file or directory' | 'folder'; readonly cause?: unknown }) {
    super('ERR_FTP_NOT_FOUND', `No such ${options?.what ?? 'file or directory'}: ${JSON.stringify(path)}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.path = path;
  }
}

/** How many unreadable lines an {@link UnreadableListingError} carries, and how long each may be. */
const SAMPLE_LINES = 5;
const SAMPLE_LINE_LENGTH = 200;

/** A line cut to `max` characters, with `…` where it was cut. */
function cut(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * A directory listing has lines that no listing format fits (`ls -l`, DOS/IIS, EPLF, MLSD). Rather
 * than leave them out, which would make a listing that no line of is understood look like an empty
 * folder and a tree transfer miss files without a word, `list()`, the tree calls and `stat` (on
 * servers without MLST) reject with this, and `listEntries()` throws it after yielding every entry
 * it could read. `sample` holds the first few unreadable lines (at most 5, each cut to 200
 * characters), `unparsedCount` how many there were, `entryCount` how many lines were read as entries
 * in `format`.
 *
 * @example
 * ```ts
 * try { await client.list('/odd'); }
 * catch (err) {
 *   if (err instanceof UnreadableListingError) console.error(err.unparsedCount, 'lines like', err.sample[0]);
 * }
 * ```
 */
export class UnreadableListingError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.UnreadableListingError'));
  }

  /** The folder that was listed, as given (`undefined`: the current folder). */
  readonly path: string | undefined;
  /** The format the readable lines were in, `undefined` when no line was readable. */
  readonly format: ListingFormat | undefined;
  /** How many lines were read as entries (`.` and `..` not counted). */
  readonly entryCount: number;
  /** How many lines no format fits. */
  readonly unparsedCount: number;
  /** The first unreadable lines, at most 5, each at most 200 characters. */
  readonly sample: readonly string[];

  constructor(path: string | undefined, listing: { format: ListingFormat | undefined; entryCount: number; unparsedCount: number; unparsed: readonly { line: string }[] }) {
    const sample = Object.freeze(listing.unparsed.slice(0, SAMPLE_LINES).map((u) => cut(u.line, SAMPLE_LINE_LENGTH)));
    const where = path === undefined ? 'the current folder' : JSON.stringify(path);
    const lines = listing.unparsedCount === 1 ? '1 line' : `${listing.unparsedCount} lines`;
    const read = listing.format === undefined ? 'and no line in any format ftpkit reads' : `besides ${listing.entryCount} read as ${listing.format}`;
    super(
      'ERR_FTP_LISTING_UNREADABLE',
      `The listing of ${where} has ${lines} in no known format (${read}); the first is ${JSON.stringify(cut(sample[0] ?? '', 80))}`,
    );
    this.path = path;
    this.format = listing.format;
    this.entryCount = listing.entryCount;
    this.unparsedCount = listing.unparsedCount;
    this.sample = sample;
  }
}

/**
 * The `parseListing` hook of the client's options threw on a line of a LIST listing. The listing is
 * not returned in part: `list()` and the tree calls reject with this, and `listEntries()` throws it
 * in place of the rest, every entry it yielded being from before that line (the transfer is
 * stopped, and the session stays usable).
 * `cause` is what the hook threw, `line` the line it was given (cut to 200 characters).
 *
 * @example
 * ```ts
 * try { await client.list('/logger'); }
 * catch (err) {
 *   if (err instanceof ListingHookError) console.error('my parser failed on', err.line, err.cause);
 * }
 * ```
 */
export class ListingHookError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.ListingHookError'));
  }

  /** The folder that was listed, as given (`undefined`: the current folder). */
  readonly path: string | undefined;
  /** The line the hook threw on, at most 200 characters. */
  readonly line: string;
  constructor(path: string | undefined, line: string, cause: unknown) {
    const where = path === undefined ? 'the current folder' : JSON.stringify(path);
    const why = cause instanceof Error ? cause.message : String(cause);
    super('ERR_FTP_LISTING_HOOK', `parseListing threw on a line of the listing of ${where} (${cut(why, 200)}); the line is ${JSON.stringify(cut(line, 80))}`, { cause });
    this.path = path;
    this.line = cut(line, SAMPLE_LINE_LENGTH);
  }
}

/**
 * A transfer's `verify` found the two sides different after every byte had moved: the server's
 * SIZE is not the local byte count (`method: 'size'`), or the server's checksum is not the digest
 * of the local bytes (`method: 'checksum'`). `expected` is the source's value and `actual` the
 * target's: for a download the server's then the local bytes', for an upload the reverse. A
 * download to a file path has left no file at `local` (nor a temporary one); an upload's remote
 * file stays as the server has it.
 *
 * The bytes were damaged on the way (or the file changed on the server meanwhile), so trying again
 * may well succeed: a retry policy should count it as retryable, and start the transfer over from
 * byte 0, never resume it (`startAt`, REST or APPE), since the bytes already on the target are the
 * suspect ones.
 *
 * @example
 * ```ts
 * try { await client.download('/pub/big.iso', './big.iso', { verify: 'checksum' }); }
 * catch (err) {
 *   if (err instanceof VerifyError) console.error(`${err.path}: ${err.method} ${err.actual}, expected ${err.expected}`);
 * }
 * ```
 */
export class VerifyError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.VerifyError'));
  }

  /** The remote path. */
  readonly path: string;
  /** The local path, when the local side is a file. */
  readonly local: string | undefined;
  readonly direction: 'download' | 'upload';
  readonly method: 'size' | 'checksum';
  /** The checksum's algorithm, with `method: 'checksum'`. */
  readonly algorithm: HashAlgorithm | undefined;
  /** The source's value: bytes (size) or lower-case hex (checksum). Of the server for a download, of the local bytes for an upload. */
  readonly expected: number | string;
  /** The target's value, in the same unit as `expected`. */
  readonly actual: number | string;
  constructor(details: {
    readonly path: string;
    readonly local: string | undefined;
    readonly direction: 'download' | 'upload';
    readonly method: 'size' | 'checksum';
    readonly algorithm?: HashAlgorithm | undefined;
    readonly expected: number | string;
    readonly actual: number | string;
  }) {
    const { path, direction, method, algorithm, expected, actual } = details;
    const [source, target] = direction === 'download' ? ['the server', 'the local copy'] : ['the local file', 'the server'];
    const what = method === 'size' ? (n: number | string) => `${n} bytes` : (h: number | string) => `${algorithm} ${h}`;
    super('ERR_FTP_VERIFY', `Verification by ${method} failed for ${JSON.stringify(path)}: ${source} has ${what(expected)}, ${target} ${what(actual)}`);
    this.path = path;
    this.local = details.local;
    this.direction = direction;
    this.method = method;
    this.algorithm = algorithm;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Another run of the same tree job is writing its `journal` right now: a process on this machine
 * holds the journal's lock (`lockPath`, beside the journal). Two runs of one job would copy the
 * same files into the same part files at once, so the second is refused before anything moves.
 * Wait for the other run, or, when no run is left (its process id was taken by another program),
 * remove the lock file. A lock left by a killed run is taken over by the next run by itself: its
 * process is gone, or the machine has booted since.
 *
 * @example
 * ```ts
 * try { await client.downloadDir('/pub', './pub', { journal: './pub.journal' }); }
 * catch (err) { if (err instanceof JournalBusyError) console.error(`process ${err.pid} is running this job`); }
 * ```
 */
export class JournalBusyError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.JournalBusyError'));
  }

  /** The journal file. */
  readonly path: string;
  /** The lock file beside it. */
  readonly lockPath: string;
  /** The process that holds the lock. */
  readonly pid: number;
  constructor(path: string, lockPath: string, pid: number) {
    super('ERR_FTP_JOURNAL_BUSY', `Another run of this job (process ${pid}) is writing the journal ${path}; wait for it, or remove ${lockPath} if no such run is left`);
    this.path = path;
    this.lockPath = lockPath;
    this.pid = pid;
  }
}

/** What part of a tree job a journal was written for differs from the job at hand (see {@link JournalMismatchError}). */
export type JournalField = 'format' | 'kind' | 'direction' | 'server' | 'remote' | 'local' | 'options';

/**
 * A tree transfer's `journal` file belongs to another job, or is no journal at all: it was written
 * for another kind of call, direction, server or user, remote or local folder, or other options that
 * change what the job copies (`include`, `exclude`, `followSymlinks`, `delete`, `all`,
 * `checksum`). `field` says which; `path` is the journal file. Nothing was transferred and the file
 * was left as it was: the records of one job are never applied to another. Remove the file, or give
 * the job a journal path of its own.
 *
 * @example
 * ```ts
 * try { await client.downloadDir('/pub', './pub', { journal: './pub.journal' }); }
 * catch (err) { if (err instanceof JournalMismatchError) console.error(`${err.path} is not this job's journal (${err.field})`); }
 * ```
 */
export class JournalMismatchError extends FtpError {
  static {
    brand(this, Symbol.for('ftpkit.error.JournalMismatchError'));
  }

  /** The journal file. */
  readonly path: string;
  /** What differs: `'format'` when the file is no journal of this version of ftpkit. */
  readonly field: JournalField;
  constructor(path: string, field: JournalField, detail: string) {
    super('ERR_FTP_JOURNAL_MISMATCH', `The journal ${path} belongs to another job: ${detail}; remove it or choose another journal path`);
    this.path = path;
    this.field = field;
  }
}
