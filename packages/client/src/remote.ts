/**
 * The calls that `Client` and `Pool` share, written and documented once.
 *
 * Theory of operation: undici's `Dispatcher` shape. {@link RemoteCalls} implements every shared call
 * over one primitive, `run(options, fn)`: "run `fn` on a logged-in connection". A `Client` runs it on
 * its own connection, queued behind its other calls (concurrency 1); a `Pool` leases a session for it
 * (concurrency = the pool's size). The FTP policies are functions over one connection in `ops/`, and
 * the tree transfers are the one engine in `trees/`, which runs `concurrency` steps at a time. So
 * every shared call behaves the same on both, and a new call is written here once.
 *
 * @module
 */
// Why this file is long: it is the one home of every call Client and Pool share, each with its doc and example.
import { parseMdtmReply, parseSizeReply, type ListingEntry, type ServerChecksum } from '@ftpkit/codec';
import type {
  CallOptions,
  ChecksumOptions,
  DirectoryTransferOptions,
  DirectoryTransferResult,
  MirrorOptions,
  MirrorResult,
  RecursiveOptions,
  RemoveOptions,
  TransferOptions,
  TransferResult,
} from './calls.js';
import type { DownloadDestination } from './io/sinks.js';
import { MemorySink } from './io/sinks.js';
import type { UploadSource } from './io/sources.js';
import { checksum } from './ops/checksum.js';
import { isDirectory, makeDirectories } from './ops/dirs.js';
import { exists, list, stat } from './ops/listing.js';
import { names } from './ops/names.js';
import { made, removed, renamed } from './ops/took-effect.js';
import { setLastModified } from './ops/upload.js';
import { checkedFirst, idempotent, retriedListEntries } from './retried.js';
import { retriedDownload, retriedReadStream, retriedUpload } from './retried-transfers.js';
import { copyTree, mirror } from './trees/mirror.js';
import { removeTree } from './trees/remove.js';
import { watch, type WatchEvent, type WatchOptions } from './trees/watch.js';
import { RemotePlumbing } from './remote-plumbing.js';

/**
 * The calls of {@link Client} and {@link Pool}. A function that takes a `RemoteCalls` works with
 * either: one session with its calls queued, or several sessions at once.
 *
 * @example
 * ```ts
 * async function publish(remote: RemoteCalls): Promise<void> {
 *   await remote.mirror({ direction: 'upload', local: './site', remote: '/htdocs', delete: true });
 * }
 * await publish(await Client.connect('ftpes://deploy:secret@www.example.com'));
 * await publish(new Pool('ftpes://deploy:secret@www.example.com', { size: 4 }));
 * ```
 */
export abstract class RemoteCalls extends RemotePlumbing {
  /**
   * List a directory: MLSD when the server advertises MLST (exact types, sizes and UTC times), else
   * LIST parsed with format detection. `.` and `..` are never returned. A listing with lines that no
   * format reads rejects with `UnreadableListingError`, carrying a sample of them, rather than
   * returning fewer entries than the server listed (or none). Without MLST, `LIST -a` is tried first
   * and confirmed with plain `LIST` when it lists nothing; the form that works is remembered for the
   * session (the guide "When servers misbehave" has the table).
   *
   * @example
   * ```ts
   * for (const entry of await client.list('/pub')) console.log(entry.type, entry.name, entry.size);
   * ```
   */
  list(path?: string, options: CallOptions = {}): Promise<ListingEntry[]> {
    return idempotent(this.runner(), options, { call: 'list', path }, (conn) => list(conn, path, options));
  }

  /**
   * List a directory as the listing arrives: the same command, fallbacks and entries as
   * {@link RemoteCalls.list}, yielded one by one with memory bounded by the longest line (64 Ki
   * characters), not by the listing, so a directory of millions of files can be walked. The data
   * connection is read at the loop's pace: while the loop body runs, the server waits.
   *
   * The listing starts with the loop (the first `next()`) and holds one session until the loop ends:
   * on a Client, calls made inside the loop body wait for it, so awaiting one there never returns
   * (collect what you need and act after the loop, or use a Pool); on a Pool they run on the other
   * sessions. Leaving the loop early (`break`, `return`, a throw) or aborting `options.signal` stops
   * the transfer with ABOR, and the session stays usable. An iterator that is neither run to its end
   * nor closed holds its session for good.
   *
   * Errors are those of `list()`, thrown by the loop, after the entries that came before them; a
   * line over 64 Ki characters is a `RemoteProtocolError`. Lines that no format reads make the loop
   * throw `UnreadableListingError` at the end, after every entry it could read. There is no 64 MiB bound as for
   * `list()`. A LIST is parsed in the format voted by its first 64 lines (`list()` votes over all).
   * Under the `retry` option a cut listing starts over, and the entries already yielded are skipped
   * when the new listing repeats them; when it does not, the loop throws the error that cut it,
   * never an entry twice.
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
   * // Stop at the first match: leaving the loop sends ABOR, and the session is ready for the next call.
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
    return retriedListEntries(this.runner(), this.options, path, options);
  }

  /**
   * The names in a folder (NLST, RFC 959 §4.1.3), for servers whose LIST no parser reads, or when
   * names are all that is needed. Bare names, in the server's order: servers that echo the folder
   * in front of each name (vsftpd, ProFTPD and Pure-FTPd send `/pub/a.txt` for `NLST /pub`) give the
   * same result as those that do not (pyftpdlib, ftp-srv), so `remotePath(folder, name)` is always
   * the path. The data is decoded with the session's `encoding`; lines end in CRLF or LF; empty
   * lines, `.` and `..` are left out, and nothing else is (spaces are part of a name). Which names
   * a server shows is its own choice: vsftpd and ProFTPD leave out dotfiles, the others show them.
   * NLST carries no types: use `list()` or `stat()` for those. The `parseListing` hook is not used.
   *
   * An empty folder resolves to `[]`, a folder that is not there rejects with `NotFoundError`,
   * however the server says either: some answer a missing folder with 226 and no names (vsftpd),
   * others an empty one with 450 or 550 "No files found". When the answer is empty or such a
   * refusal, the client checks that the folder is one it can change into (CWD, and back), and for a
   * refusal that its listing is empty too; a refusal of a folder that has entries (permissions, say)
   * is thrown as `FtpReplyError`. Given a file's path, servers differ (most list the file itself,
   * Pure-FTPd refuses, which is `NotFoundError`): pass a folder. Held in memory whole, like
   * `list()`, up to 64 MiB (`RemoteProtocolError` beyond).
   *
   * @example
   * ```ts
   * for (const name of await client.names('/incoming')) {
   *   if (name.endsWith('.csv')) await client.download(remotePath('/incoming', name), `./in/${name}`);
   * }
   * ```
   */
  names(path?: string, options: CallOptions = {}): Promise<string[]> {
    return idempotent(this.runner(), options, { call: 'names', path }, (conn) => names(conn, path, options));
  }

  /**
   * Facts about one path: MLST when available, else its entry in the parent's listing
   * (`NotFoundError` when it has none, or when the parent is no folder). Without MLST, the root,
   * `.` and `..`, which no parent lists, are folders when the session can change into them (an
   * entry with `type: 'directory'`, its `name` the path as given, and no other facts), and a path
   * that ends in `/` names a folder: a file of that name is not found.
   *
   * @example
   * ```ts
   * const { type, size, modifiedAt } = await client.stat('/pub/file.bin');
   * ```
   */
  stat(path: string, options: CallOptions = {}): Promise<ListingEntry> {
    return idempotent(this.runner(), options, { call: 'stat', path }, (conn) => stat(conn, path, options));
  }

  /**
   * Whether a file or folder exists. Resolves `false`, never rejects, when it is not there: MLST
   * answered with a file-system refusal (550), or, on servers without MLST, its parent's listing
   * does not have it or the parent itself is missing (the same lookup as {@link RemoteCalls.stat}).
   * `/`, `.` and `..` exist when the session can change into them. Rejects for anything else: a
   * lost connection, a timeout, a login or TLS failure, a parent that is there but that the server
   * will not list, a listing no format reads. Most servers answer 550 alike for "not there" and "not
   * yours to see", so a path the session may not see does not exist for it.
   *
   * @example
   * ```ts
   * if (!(await client.exists('/incoming/done.flag'))) await client.upload('./report.csv', '/incoming/report.csv');
   * ```
   */
  exists(path: string, options: CallOptions = {}): Promise<boolean> {
    return idempotent(this.runner(), options, { call: 'exists', path }, (conn) => exists(conn, path, options));
  }

  /**
   * Whether `path` is a folder: whether the session can change into it (CWD), which every server
   * answers alike and which sees through symbolic links. The session's working directory is the
   * same afterwards. `''` (the login directory) is one.
   *
   * @example
   * ```ts
   * if (await client.isDirectory('/incoming')) await client.upload('./a.txt', '/incoming/a.txt');
   * ```
   */
  isDirectory(path: string, options: CallOptions = {}): Promise<boolean> {
    return idempotent(this.runner(), options, { call: 'isDirectory', path }, (conn) => isDirectory(conn, path, options));
  }

  /**
   * Size in bytes (SIZE, RFC 3659 §4).
   *
   * @example
   * ```ts
   * const bytes = await client.size('/pub/file.bin');
   * ```
   */
  size(path: string, options: CallOptions = {}): Promise<number> {
    return idempotent(this.runner(), options, { call: 'size', path }, async (conn) => parseSizeReply(await conn.command('SIZE', path, options)));
  }

  /**
   * Modification time (MDTM, RFC 3659 §3).
   *
   * @example
   * ```ts
   * const when = await client.lastModified('/pub/file.bin');
   * ```
   */
  lastModified(path: string, options: CallOptions = {}): Promise<Date> {
    return idempotent(this.runner(), options, { call: 'lastModified', path }, async (conn) => parseMdtmReply(await conn.command('MDTM', path, options)));
  }

  /**
   * Set the modification time (MFMT).
   *
   * @example
   * ```ts
   * await client.setLastModified('/pub/file.bin', new Date('2024-01-01T00:00:00Z'));
   * ```
   */
  setLastModified(path: string, date: Date, options: CallOptions = {}): Promise<void> {
    return idempotent(this.runner(), options, { call: 'setLastModified', path }, (conn) => setLastModified(conn, path, date, options));
  }

  /**
   * Delete a file (DELE). Under the `retry` option, after a lost reply it looks first, and succeeds
   * if the file is gone.
   *
   * @example
   * ```ts
   * await client.remove('/incoming/old.txt');
   * ```
   */
  async remove(path: string, options: CallOptions = {}): Promise<void> {
    await checkedFirst(
      this.runner(),
      options,
      { call: 'remove', path },
      async (conn) => void (await conn.command('DELE', path, options)),
      (conn) => removed(conn, path, options),
    );
  }

  /**
   * Rename or move (RNFR + RNTO). Under the `retry` option, after a lost reply it looks first, and
   * succeeds if the source is gone and the target exists.
   *
   * @example
   * ```ts
   * await client.rename('/incoming/a.tmp', '/incoming/a.txt');
   * ```
   */
  async rename(from: string, to: string, options: CallOptions = {}): Promise<void> {
    await checkedFirst(
      this.runner(),
      options,
      { call: 'rename', path: from },
      async (conn) => void (await conn.run({ kind: 'rename', from, to }, options)),
      (conn) => renamed(conn, from, to, options),
    );
  }

  /**
   * Create a directory; with `recursive`, create missing parents and accept an existing one. Under
   * the `retry` option, after a lost reply it succeeds if the folder now exists.
   *
   * @example
   * ```ts
   * await client.mkdir('/incoming/2024/01', { recursive: true });
   * ```
   */
  async mkdir(path: string, options: RecursiveOptions = {}): Promise<void> {
    const what = { call: 'mkdir', path };
    if (options.recursive) await idempotent(this.runner(), options, what, (conn) => makeDirectories(conn, path, options));
    else await checkedFirst(this.runner(), options, what, async (conn) => void (await conn.command('MKD', path, options)), (conn) => made(conn, path, options));
  }

  /**
   * Remove a directory; with `recursive`, its contents first, on one session (symbolic links are
   * removed, not followed). A folder inside that is its own ancestor (a server that lists a folder
   * inside itself) is a `TreeLoopError`, and one more than `maxDepth` (default 100) below `path` a
   * `TreeDepthError`, each before that folder is listed; what was removed before it stays removed.
   * Under the `retry` option, after a lost reply it succeeds if the folder is gone.
   *
   * @example
   * ```ts
   * await client.rmdir('/incoming/old', { recursive: true });
   * ```
   */
  async rmdir(path: string, options: RemoveOptions = {}): Promise<void> {
    await checkedFirst(
      this.runner(),
      options,
      { call: 'rmdir', path },
      async (conn) => {
        if (options.recursive) await removeTree(conn, path, options);
        else await conn.command('RMD', path, options);
      },
      (conn) => removed(conn, path, options),
    );
  }

  /**
   * Download to a file path, a Web `WritableStream`, a Node `Writable` or a chunk callback. A file
   * path is written under a temporary name and renamed into place only once complete (and, with
   * `verify`, checked: see {@link TransferOptions.verify}). A stream or callback has had the bytes
   * by the time a check fails: the call rejects with `VerifyError` all the same. Under the `retry`
   * option a cut download resumes (REST) where the destination ends. A callback owns the chunks it
   * is given; one that only reads each chunk while it runs (hashing, counting, parsing) can take
   * them lent instead, through {@link lending}, and the download then reuses its read buffers.
   *
   * @example
   * ```ts
   * await client.download('/pub/report.csv', './report.csv', { onProgress: (p) => console.log(p.bytes, p.total) });
   * ```
   */
  download(remotePath: string, destination: DownloadDestination, options: TransferOptions = {}): Promise<TransferResult> {
    return retriedDownload(this.runner(), remotePath, destination, options);
  }

  /**
   * Download into memory. In binary mode it asks SIZE first and fills one array of that size as the
   * bytes arrive, so the download holds one copy of the file (a server that refuses SIZE costs a
   * second copy while the pieces are joined at the end).
   *
   * @example
   * ```ts
   * const text = new TextDecoder().decode(await client.downloadToBytes('/pub/readme.txt'));
   * ```
   */
  async downloadToBytes(remotePath: string, options: TransferOptions = {}): Promise<Uint8Array> {
    const sink = new MemorySink();
    await retriedDownload(this.runner(), remotePath, sink, options);
    return sink.bytes();
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
    return retriedReadStream(this.runner(), remotePath, options);
  }

  /**
   * Upload from a file path, bytes, an async iterable, a Web `ReadableStream` or a Node `Readable`.
   * Under the `retry` option a cut upload resumes where the server's copy ends, when that size can
   * only be this upload's bytes, and starts over otherwise (the guide "Leaving a job running").
   *
   * @example
   * ```ts
   * await client.upload('./report.csv', '/incoming/report.csv');
   * await client.upload(new TextEncoder().encode('hello'), '/incoming/hello.txt');
   * ```
   */
  upload(source: UploadSource, remotePath: string, options: TransferOptions = {}): Promise<TransferResult> {
    return retriedUpload(this.runner(), source, remotePath, 'STOR', options);
  }

  /**
   * Append to a remote file (APPE). `verify` takes only `'size'` here: the remote file's size before
   * the append plus the bytes sent (its earlier bytes are not known here to hash).
   *
   * @example
   * ```ts
   * await client.append(new TextEncoder().encode('one more line\n'), '/logs/app.log');
   * ```
   */
  append(source: UploadSource, remotePath: string, options: Omit<TransferOptions, 'startAt'> = {}): Promise<TransferResult> {
    return retriedUpload(this.runner(), source, remotePath, 'APPE', options);
  }

  /**
   * The server's checksum of a file, without downloading it: HASH (draft-bryan-ftpext-hash), or the
   * XSHA512/XSHA256/XSHA1/XMD5/XCRC commands, whichever FEAT offers, with the strongest algorithm
   * unless one is asked for. Rejects with `NotSupportedError` when the server has none (or not that
   * algorithm), before sending anything. `localChecksum` computes the same digest of a local file.
   *
   * @example
   * ```ts
   * const { algorithm, hash } = await client.checksum('/pub/big.iso'); // { algorithm: 'SHA-256', hash: 'a948…' }
   * const same = (await localChecksum('./big.iso', algorithm)) === hash;
   * ```
   */
  checksum(path: string, options: ChecksumOptions = {}): Promise<ServerChecksum> {
    return idempotent(this.runner(), options, { call: 'checksum', path }, (conn) => checksum(conn, path, options));
  }

  /**
   * Download a remote tree into a local folder, every file. The tree is listed first (every name
   * from the server checked before it is used locally: no separators, `..`, NUL or drive letters,
   * else `UnsafePathError` and nothing is fetched; a folder that is its own ancestor,
   * `TreeLoopError`; one deeper than `maxDepth`, `TreeDepthError`), then the folders are made and
   * the files fetched, `concurrency` at a time: one on a Client (the next one's transfer starts while
   * the one before is renamed into place), the pool's size on a Pool. A
   * symbolic link already inside `localDir` is never written through (`LocalFileError`, before
   * anything is written). Fail-fast: the first error stops the rest, and files finished before it
   * stay (each one complete). Options as for every tree transfer: `followSymlinks`,
   * `include`/`exclude`, `maxDepth`, `onProgress` over all files, `onFile`, and `journal` to go on
   * after a kill where the last run stopped.
   *
   * @example
   * ```ts
   * const { files, bytes, skipped } = await client.downloadDir('/pub/site', './site', {
   *   exclude: ['*.tmp'],
   *   onProgress: (p) => console.log(`${p.path}: ${p.bytes} of ${p.total ?? '?'} bytes in all`),
   * });
   * ```
   */
  downloadDir(remoteDir: string, localDir: string, options: DirectoryTransferOptions = {}): Promise<DirectoryTransferResult> {
    return copyTree(this.runner(), 'download', remoteDir, localDir, options);
  }

  /**
   * Upload a local tree into a remote folder, every file, creating folders as needed (an existing
   * one is fine). Walked first, then made and sent like {@link RemoteCalls.downloadDir}, with the
   * same options.
   *
   * @example
   * ```ts
   * const { files, directories } = await client.uploadDir('./site', '/www/site', { include: ['*.html', '*.css'] });
   * ```
   */
  uploadDir(localDir: string, remoteDir: string, options: DirectoryTransferOptions = {}): Promise<DirectoryTransferResult> {
    return copyTree(this.runner(), 'upload', remoteDir, localDir, options);
  }

  /**
   * Make a local tree a copy of a remote one (`direction: 'download'`), or the reverse, moving only
   * new and changed files: missing on the target, another size, or newer, compared only to the
   * precision both times have (a LIST time states the minute, or only the day, which is then a
   * calendar day in the server's zone: set `listTimeZone` for a server without MLSD that is not at
   * UTC); with `checksum`, same-size files are decided by content. Options:
   * `delete` extraneous entries, `include`/`exclude` globs, `followSymlinks`, `all` to copy every
   * file, `dryRun` for the plan alone, `onProgress` and `onFile` as for every tree transfer. Server
   * names are checked before they become local paths. Copies and checksums run `concurrency` at a
   * time; folders are made first and extraneous entries deleted last. With `journal`, a run after
   * a kill goes on where the last one stopped.
   *
   * @example
   * ```ts
   * const { plan, copied } = await client.mirror({ direction: 'upload', local: './site', remote: '/htdocs', delete: true });
   * console.log(`${copied.length} copied, ${plan.unchanged.length} unchanged`);
   * ```
   */
  mirror(options: MirrorOptions): Promise<MirrorResult> {
    return mirror(this.runner(), options);
  }

  /**
   * Watch a folder: an async iterable of `added`, `changed` and `removed` events, found by listing
   * the folder every `interval` ms (default 10 s) and comparing as `mirror` compares (size, then
   * time). A file still being uploaded is not reported until it is complete: a new or changed file
   * is reported once two polls at least `stableFor` ms apart (default: `interval`) list it with the
   * same size and time, and once only. Removals and folders are reported when first seen. The first
   * poll reports nothing (`initial: 'ignore'`, the default), or, with `initial: 'emit'`, an `added`
   * for everything already there. With `recursive`, the folders inside are watched too, listed as
   * tree transfers list them; `include`, `exclude` and `maxDepth` are theirs. Symbolic links are not
   * watched.
   *
   * Each poll is one listing (one call; with `recursive`, one per folder), and between polls the
   * watch holds nothing: on a Client, calls made in the loop body run between polls; on a Pool, a
   * poll leases a session. A poll's error ends the loop with that error (`ConnectionError`,
   * `FtpReplyError` for a folder that is gone, `UnreadableListingError`...), after the events before
   * it; with `recursive`, a folder inside that the server refuses to list once its parent has listed
   * it (deleted during the walk) keeps its contents as they were for that poll instead. Aborting `signal` ends it with the abort reason; leaving the loop (`break`, `return`) ends it
   * at once, with no timer or listing left behind. Bad options throw `InvalidArgumentError` at once.
   *
   * @example
   * ```ts
   * for await (const event of client.watch('/incoming', { interval: 5_000 })) {
   *   if (event.kind === 'removed' || event.entry.type !== 'file') continue;
   *   // `added` or `changed`, and complete: fetch it (on a Client, between two polls).
   *   await client.download(event.remote, `./inbox/${event.path}`);
   * }
   * ```
   */
  watch(path: string, options: WatchOptions = {}): AsyncIterableIterator<WatchEvent> {
    return watch(this.runner(), this.clock, path, options);
  }
}
