/**
 * The vocabulary shared by every call: options, progress and results.
 *
 * Theory of operation: these types sit below everything that uses them ({@link RemoteCalls}, the
 * operations in `ops/`, the tree engine in `trees/`, `Pool` and `Client`), so no module has to import
 * a class file for a type, and none imports back up. A type that more than one layer needs goes here.
 *
 * @module
 */
import type { HashAlgorithm, Reply } from '@ftpkit/codec';

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

/**
 * How a transfer is checked once its bytes have moved (`verify`): `'size'`, the server's SIZE
 * against the local byte count; `'checksum'`, the server's checksum (HASH or an X command) against
 * a digest of the local bytes, computed as they pass. A mismatch is a `VerifyError`.
 */
export type VerifyMethod = 'size' | 'checksum';

/** Options of transfers. */
export interface TransferOptions extends CallOptions {
  /** Resume: skip this many bytes (REST). For a download to a file path, the file must have exactly this size. */
  readonly startAt?: number;
  readonly onProgress?: (progress: Progress) => void;
  /** `'binary'` (default, TYPE I) or `'ascii'` (TYPE A, the server converts line endings). */
  readonly mode?: 'binary' | 'ascii';
  /**
   * This call's bandwidth limit in bytes per second, paced as the shared one (`ClientOptions.limitRate`).
   * It can only lower that: the transfer draws on both, and on a Client or Pool with a limit it
   * shares that with the other transfers. Default: none of its own. A segmented download
   * (`Pool.download` with `segments`) shares it among its ranges.
   *
   * @example
   * ```ts
   * await client.download('/pub/big.iso', './big.iso', { limitRate: 500 * 1024 }); // 500 KiB/s
   * ```
   */
  readonly limitRate?: number;
  /**
   * Check the transfer once its bytes have moved: `'size'` (the server's SIZE against the local
   * bytes) or `'checksum'` (the server's checksum against a digest of the local bytes, hashed as
   * they pass). Default `false`: no check. A mismatch rejects with `VerifyError`, and a download to
   * a file path leaves no file behind (see the guide "Leaving a job running"). `'checksum'` on a
   * server without a checksum command rejects with `NotSupportedError` before anything moves; with
   * `mode: 'ascii'` any `verify` is an `InvalidArgumentError` (the line endings change the bytes).
   *
   * @example
   * ```ts
   * await client.download('/pub/big.iso', './big.iso', { verify: 'checksum' });
   * ```
   */
  readonly verify?: VerifyMethod | false | undefined;
}

/** What a finished transfer reports. */
export interface TransferResult {
  /** Bytes moved by this call. */
  readonly bytes: number;
  /** The server's final reply (226 or 250). */
  readonly reply: Reply;
}

/** Options of `checksum`. */
export interface ChecksumOptions extends CallOptions {
  /** The algorithm to ask for; default the strongest the server offers. */
  readonly algorithm?: HashAlgorithm;
}

/** Options of `mkdir` and `rmdir`. */
export interface RecursiveOptions extends CallOptions {
  /** `mkdir`: create missing parents and accept an existing folder. `rmdir`: remove the contents first. */
  readonly recursive?: boolean;
}

/** Options of `rmdir`. */
export interface RemoveOptions extends RecursiveOptions {
  /**
   * With `recursive`: fail with `TreeDepthError` on a folder more than this many folders below the
   * one removed, before listing it. Default 100 (see the guide "When servers misbehave").
   */
  readonly maxDepth?: number | undefined;
}

/**
 * Progress of a tree transfer (`downloadDir`, `uploadDir`, `mirror`): `bytes`, `total` and
 * `bytesPerSecond` count every file of the call together (`total` when every size is known), and
 * `path` and `file` say which file the bytes just moved for, and how far that file is.
 */
export interface TreeProgress extends Progress {
  /** The file whose bytes just moved, relative to the tree's root (`/`-separated). */
  readonly path: string;
  /** That file's own progress. */
  readonly file: Progress;
}

/** A file of a tree transfer starts or finishes: a copy, or (mirror with `delete`) a deletion. */
export interface FileEvent {
  readonly phase: 'start' | 'finish';
  readonly kind: 'copy' | 'delete';
  /** Relative to both roots, `/`-separated. */
  readonly path: string;
  /** The remote path. */
  readonly remote: string;
  /** The local path. */
  readonly local: string;
  /** Expected bytes of a copy (from the listing or the local file), when known. */
  readonly size: number | undefined;
  /** Bytes moved: 0 at `start` and for deletions. */
  readonly bytes: number;
}

/**
 * Options every tree transfer takes (`downloadDir`, `uploadDir`, `mirror`), with the same meaning on
 * `Client` and `Pool`.
 */
export interface TreeOptions extends CallOptions {
  /**
   * Follow symbolic links, on both sides: a link to a folder is walked as a folder, a link to a file
   * is copied as a file, and a folder that is one of its own ancestors (a loop, however it shows)
   * is skipped and reported in `skipped`. Default false: links are reported in `skipped`, and a
   * folder that is its own ancestor fails the call with `TreeLoopError`.
   */
  readonly followSymlinks?: boolean;
  /**
   * Only files matching one of these globs. Globs are picomatch's (`*`, `**`, `?`, `[a-z]`,
   * `[!a]`, `{a,b}`, `!` to negate, extglobs); `*` also matches names that start with a dot, as in
   * rsync. A pattern without `/` matches a name at any depth, one with `/` the path from the tree's
   * root. A malformed glob (an unbalanced `[`, `{` or `(`) is `InvalidArgumentError`, before
   * anything is listed.
   *
   * @example
   * ```ts
   * const options: TreeOptions = { include: ['*.{html,css}', 'assets/**'], exclude: ['.git/**', '*.tmp'] };
   * ```
   */
  readonly include?: readonly string[];
  /** Leave paths matching these globs alone on both sides, and what is below a matching folder (globs as for `include`). */
  readonly exclude?: readonly string[];
  /** Progress of all files together, with the file that moved (see {@link TreeProgress}). */
  readonly onProgress?: (progress: TreeProgress) => void;
  /** Each copy and deletion as it starts and finishes. */
  readonly onFile?: (event: FileEvent) => void;
  /**
   * Fail with `TreeDepthError` on a folder more than this many folders below the root (its
   * children are 1 deep), before listing it, on either side. A bound, not a filter: use `exclude`
   * to leave a part of the tree out. Default 100 (see the guide "When servers misbehave");
   * `Infinity` turns it off.
   */
  readonly maxDepth?: number | undefined;
  /**
   * The call's bandwidth limit in bytes per second, shared by all its files together (those running
   * at once on a Pool's sessions too). Like a transfer's `limitRate`, it can only lower the
   * Client's or Pool's limit. Default: none of its own.
   *
   * @example
   * ```ts
   * await client.mirror({ direction: 'upload', local: './site', remote: '/htdocs', limitRate: 1024 * 1024 });
   * ```
   */
  readonly limitRate?: number;
  /**
   * Check every copied file as a single transfer's `verify` does (`'size'` or `'checksum'`), before
   * a downloaded file is renamed into place. The first mismatch fails the call with `VerifyError`
   * (fail-fast, as every error of a tree transfer). Default `false`.
   *
   * @example
   * ```ts
   * await client.downloadDir('/pub/site', './site', { verify: 'size' });
   * ```
   */
  readonly verify?: VerifyMethod | false | undefined;
  /**
   * A journal file for this job, so that a run that was killed (or failed, or was aborted) and is
   * started again with the same call continues where it stopped: the files it finished are not
   * copied again, and a file it was copying resumes (a download from its part file
   * `.<name>.journal.ftpkit-part`, an upload where the server's copy ends). The journal records
   * the job (the kind of call, direction, server and user, both roots, and the options that change
   * what is copied); a journal of another job is refused with `JournalMismatchError` before anything
   * moves, and so is a second run of the job while another still writes the journal
   * (`JournalBusyError`). It is created when missing (with its folder), and removed when the call succeeds. See the
   * guide "Leaving a job running", Journal. Default: none.
   *
   * @example
   * ```ts
   * // Killed half-way? Run the same line again: it goes on where it stopped.
   * await client.downloadDir('/pub/site', './site', { journal: './site.ftpkit-journal' });
   * ```
   */
  readonly journal?: string | undefined;
}

/** Options of directory transfers. */
export interface DirectoryTransferOptions extends TreeOptions {}

/** An entry a tree transfer left out, with why. */
export interface SkippedEntry {
  readonly path: string;
  readonly reason: string;
}

/** What a directory transfer did. */
export interface DirectoryTransferResult {
  readonly files: number;
  /** Folders created or entered on the target, its root included. */
  readonly directories: number;
  readonly bytes: number;
  /** Entries not transferred (links, devices), with why, sorted by path: remote paths for a download, local ones for an upload. */
  readonly skipped: readonly SkippedEntry[];
  /**
   * With `journal`: the files an earlier run of this job had finished, by its journal, which this
   * call did not copy again (relative paths, sorted). Not counted in `files` and `bytes`.
   */
  readonly finishedEarlier?: readonly string[];
}

/** Why a file is copied: missing on the target, another size, newer, a type clash, `all`, or its checksum differs. */
export type MirrorReason = 'new' | 'size' | 'newer' | 'type' | 'all' | 'checksum';

/** One step of a {@link MirrorPlan}. */
export type MirrorAction =
  | { readonly kind: 'mkdir'; readonly path: string }
  | { readonly kind: 'copy'; readonly path: string; readonly size: number | undefined; readonly modifiedAt: Date | undefined; readonly reason: MirrorReason }
  | { readonly kind: 'delete'; readonly path: string; readonly type: 'file' | 'directory' };

/** What a mirror will do, in order, and what it leaves alone. */
export interface MirrorPlan {
  /** In order: creations (parents first), copies, then deletions (children before parents). */
  readonly actions: readonly MirrorAction[];
  /** Source files already up to date. */
  readonly unchanged: readonly string[];
  /** Paths left alone by the include/exclude filters. */
  readonly filtered: readonly string[];
  /** Paths that are a file on one side and a directory on the other, left alone (no `delete`). */
  readonly conflicts: readonly string[];
}

/** What `mirror` mirrors, and how. */
export interface MirrorOptions extends TreeOptions {
  /** `download`: make `local` a copy of `remote`. `upload`: make `remote` a copy of `local`. */
  readonly direction: 'download' | 'upload';
  /** The remote directory ('' is the login directory). */
  readonly remote: string;
  /** The local directory; created when missing. */
  readonly local: string;
  /** Delete target entries the source lacks (a directory as a whole). Default false. */
  readonly delete?: boolean;
  /**
   * Decide same-size files by content: the server's checksum (HASH or an X command) against the
   * local file's. Rejects with `NotSupportedError` when the server has none. Default false.
   */
  readonly checksum?: boolean;
  /** Copy every file, changed or not (`ftpkit get -r`, `put -r`). Default false. */
  readonly all?: boolean;
  /** Plan only; change nothing. Default false. */
  readonly dryRun?: boolean;
}

/** What `mirror` did (or, with `dryRun`, would do). */
export interface MirrorResult {
  readonly plan: MirrorPlan;
  /** Files copied, with the bytes moved, in plan order. Empty with `dryRun`. */
  readonly copied: readonly { readonly path: string; readonly bytes: number }[];
  /** Entries not mirrored on either side (symbolic links, devices), with why, sorted by their relative path. */
  readonly skipped: readonly SkippedEntry[];
  /** The checksum algorithm used, with `checksum`. */
  readonly checksum?: HashAlgorithm;
  /**
   * With `journal`: the files an earlier run of this job had finished, by its journal, which this
   * call did not copy again (sorted). They are among the plan's `unchanged`.
   */
  readonly finishedEarlier?: readonly string[];
}
