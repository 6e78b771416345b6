/**
 * Listing a directory and looking up one path, over one logged-in connection.
 *
 * Theory of operation: MLSD when the server advertises MLST (RFC 3659 §7: exact types, sizes and UTC
 * times), else LIST, parsed with the codec's format detection. `ls -l` servers hide dotfiles without
 * `-a` (vsftpd), which would make `rmdir -r` leave a folder it cannot remove and tree transfers miss
 * files, so LIST is tried with `-a` first, and a `-a` that lists nothing is confirmed with plain
 * LIST before it counts (`listWithAll`: the one home of which form a connection uses, remembered on
 * it). A listing is never silently shorter than what the server sent: a line that no format reads
 * makes the call fail with `UnreadableListingError`, carrying a sample of such lines, rather than be
 * left out. {@link parseOptions} is the one place the codec's parse options are made, the caller's
 * `parseListing` hook included (for LIST only: MLSD's format is defined). `listEntries` hands the
 * same transfer to the streaming parser in listing-stream.ts.
 *
 * `stat` is MLST where there is one, else the entry of that name in the parent's listing
 * ({@link inParent}, which `exists` shares). A path that no parent lists (the root, `.`, `..`, the
 * login folder) is a folder when the session can change into it; a parent the server refuses to
 * list with a file-system reply (x5z) is missing when it is no folder the session can enter, since
 * servers say "no such folder" in many ways (450, 550, 451, or nothing at all).
 *
 * LIST times are read in the session's zone (`listTimeZone`, kept on the connection). With 'auto'
 * not yet settled, a LIST is read held: its entries wait while list-zone.ts asks MDTM about one of
 * them, and come out read in the zone found (`list` parses its text again at that zone; the stream
 * is described in listing-stream.ts). MLSD is never held: its times are UTC.
 *
 * @module
 */
import {
  checkArgument,
  decodeText,
  FtpReplyError,
  isFileSystemRefusal,
  listFlagRefused,
  parseListing,
  parseMlstReply,
  RemoteProtocolError,
  type ListingEntry,
  type ListingFormat,
  type ListingLineParser,
  type ParseListingOptions,
  type TransferCommand,
} from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import type { TransferIo } from '../driver/data-channel.js';
import { ListingHookError, NotFoundError, UnreadableListingError } from '../errors.js';
import { remoteSplit } from '../io/paths.js';
import { concat } from '../io/sinks.js';
import type { ResolvedOptions } from '../options.js';
import type { Conn, Runner, TransferCallOptions } from './conn.js';
import { isDirectory } from './dirs.js';
import { detectZone, zoneSample } from './list-zone.js';
import { ListingCut, streamListing, type ListingAttempt, type ListingRead, type ListingSinks, type ListingTally } from './listing-stream.js';

/**
 * Largest directory listing `list` holds in memory (64 MiB, about a million `ls -l` lines). The
 * listing is parsed whole, so without a bound a hostile or broken server could grow memory without
 * end; the codec bounds replies the same way (1 MiB, basic-ftp 64 KiB).
 */
const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/**
 * A download sink that holds a listing (LIST, MLSD, NLST) whole, up to {@link MAX_LISTING_BYTES},
 * and the text of what it holds, decoded with the session's encoding. Where the transport pools its
 * read memory, each chunk is copied out and given back at once: a held chunk would keep its whole
 * read slab (64 KiB for a data connection's first) from the next connection, and a tree walk lists
 * a folder per connection (100,000 files in 10,000 folders: 83 MB of array buffers at the peak of a
 * walk, against 10 MB copied).
 */
export function heldListing(encoding: 'utf8' | 'latin1'): { readonly io: TransferIo; text(): string } {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  return {
    io: {
      direction: 'download',
      write: (c, recycle) => {
        bytes += c.length;
        // A listing is held whole to be parsed: past the bound, stop with ABOR rather than grow.
        if (bytes > MAX_LISTING_BYTES) throw new RemoteProtocolError(`Directory listing is larger than ${MAX_LISTING_BYTES} bytes`);
        if (recycle === undefined) return void chunks.push(c);
        chunks.push(c.slice());
        recycle(c);
      },
    },
    text: () => decodeText(concat(chunks), encoding),
  };
}

/**
 * The codec's options for parsing one listing of `path` in `format` (`'mlsd'`, or `undefined`:
 * LIST, detected). The caller's `parseListing` hook is given LIST lines only, and what it throws
 * becomes a {@link ListingHookError}.
 */
export function parseOptions(options: ResolvedOptions, path: string | undefined, format: ListingFormat | undefined): ParseListingOptions {
  const hook = format === 'mlsd' ? undefined : options.parseListing;
  return { now: new Date(), ...(format ? { format } : {}), ...(hook ? { parseLine: guarded(hook, path) } : {}) };
}

/** `hook`, with what it throws wrapped in a {@link ListingHookError}. */
function guarded(hook: ListingLineParser, path: string | undefined): ListingLineParser {
  return (line) => {
    try {
      return hook(line);
    } catch (cause) {
      throw new ListingHookError(path, line, cause);
    }
  };
}

/** A directory's entries, without `.` and `..`. */
export async function list(conn: Conn, path: string | undefined, options: CallOptions): Promise<ListingEntry[]> {
  let entries: readonly ListingEntry[] = [];
  await listTransfer(conn, path, options, (format, read) => {
    const held = heldListing(conn.options.encoding);
    return {
      io: held.io,
      finish: () => {
        const text = held.text();
        const parse = parseOptions(conn.options, path, format);
        const parsed = parseListing(text, { ...parse, timeZoneOffset: read.offset });
        entries = parsed.entries;
        // Held: nothing is handed out before `list` returns; the zone found reads the text again.
        const release = (offset: ListingRead['offset']): void => {
          if (offset !== read.offset) entries = parseListing(text, { ...parse, timeZoneOffset: offset }).entries;
        };
        return {
          format: parsed.format,
          entryCount: entries.length,
          unparsedCount: parsed.unparsed.length,
          unparsed: parsed.unparsed,
          ...(read.hold ? { held: { sample: zoneSample(entries), cut: false, release } } : {}),
        };
      },
    };
  });
  return [...entries];
}

/**
 * The transfer behind `list`, `listEntries` and so every tree walk: MLSD when the server advertises
 * MLST, else LIST (see {@link listWithAll}). `sinks(format, read)` makes each attempt's data sink,
 * told the format to parse with (`'mlsd'`, or `undefined` for LIST, whose format is detected) and
 * how to read LIST times (the session's zone; held while 'auto' has not settled, after which the
 * held entries are released in the zone found, or, for a listing cut at its hold bound, listed
 * again). A listing with lines no format reads is {@link UnreadableListingError}, never a shorter
 * or empty listing.
 */
async function listTransfer(conn: Conn, path: string | undefined, options: CallOptions, sinks: ListingSinks): Promise<void> {
  for (;;) {
    const mlsd = conn.features.has('MLST');
    // Without MDTM 'auto' cannot learn anything: settle it (and say so) before reading, not after.
    if (!mlsd && conn.zone.pending && !conn.features.has('MDTM')) await detectZone(conn, path, undefined, options);
    const read: ListingRead = { offset: conn.zone.zone.offset, hold: !mlsd && conn.zone.pending };
    let tally: ListingTally;
    if (mlsd) tally = await attempt(conn, 'MLSD', path, sinks('mlsd', read), options);
    else if (conn.listAll === false) tally = await attempt(conn, 'LIST', path, sinks(undefined, read), options);
    else tally = await listWithAll(conn, path, options, (format) => sinks(format, read));
    const held = tally.held;
    if (held !== undefined) {
      await detectZone(conn, path, held.sample, options);
      // Cut with a sample: the try settled the zone or counted toward giving up, so this ends.
      if (held.cut) continue;
      held.release(conn.zone.zone.offset);
    }
    if (tally.unparsedCount > 0) throw new UnreadableListingError(path, tally);
    return;
  }
}

/** One listing transfer into `sink`, and what its parse read (a held listing cut short included). */
async function attempt(conn: Conn, cmd: TransferCommand, arg: string | undefined, sink: ListingAttempt, options: TransferCallOptions): Promise<ListingTally> {
  try {
    await conn.transfer(cmd, arg, sink.io, options);
  } catch (err) {
    if (err instanceof ListingCut) return err.tally;
    throw err;
  }
  return sink.finish();
}

/**
 * `LIST -a [path]`, the one place that decides which LIST form a connection uses. A `-a` that
 * lists nothing proves nothing, so it is confirmed with plain `LIST [path]` before it counts:
 * - a refusal before any data (the codec's `listFlagRefused`: syntax and file-system replies) may be
 *   about the flag, not the path: servers that take `LIST -a up` as the path `-a up` answer 550.
 *   Plain LIST decides: it works, and plain is remembered; it fails too, and its error is the answer
 *   (the path really is missing), with nothing remembered;
 * - an empty listing, until `-a` has once listed something: some servers (Windows CE, embedded ones)
 *   accept the flag and list nothing. Plain LIST with entries is remembered; both empty, nothing is.
 * `-a` that lists entries is remembered. A failure after data arrived is the transfer's, not the
 * form's, and is thrown as it is.
 */
async function listWithAll(conn: Conn, path: string | undefined, options: CallOptions, sinks: (format: undefined) => ListingAttempt): Promise<ListingTally> {
  let bytes = 0;
  let flagged: ListingTally | undefined;
  try {
    flagged = await attempt(conn, 'LIST', path === undefined ? '-a' : `-a ${path}`, sinks(undefined), { ...options, onBytes: (n) => (bytes += n) });
  } catch (err) {
    if (bytes > 0 || !(err instanceof FtpReplyError) || !listFlagRefused(err.reply)) throw err;
  }
  if (flagged && (flagged.entryCount > 0 || conn.listAll === true)) {
    conn.listAll = true;
    return flagged;
  }
  const plain = await attempt(conn, 'LIST', path, sinks(undefined), options);
  if (plain.entryCount > 0 || flagged === undefined) conn.listAll = false;
  // Both empty: the one with lines no format reads, if either has some, so that they are reported.
  return flagged && plain.entryCount === 0 && plain.unparsedCount === 0 ? flagged : plain;
}

/**
 * A directory's entries as the listing arrives (see listing-stream.ts): the transfer runs on the
 * runner's connection from the loop's first `next()` until the loop ends.
 */
export function listEntries(runner: Runner, clientOptions: ResolvedOptions, path: string | undefined, options: CallOptions): AsyncGenerator<ListingEntry, void, undefined> {
  return streamListing((sinks, signal) => runner.run({ signal }, (conn) => listTransfer(conn, path, { signal }, sinks)), {
    encoding: clientOptions.encoding,
    parse: (format) => parseOptions(clientOptions, path, format),
    signal: options.signal,
  });
}

/** Facts about one path: MLST when available, else its entry in the parent's listing. */
export async function stat(conn: Conn, path: string, options: CallOptions): Promise<ListingEntry> {
  checkArgument('stat', path); // the fallback lists the parent first: refuse before anything is sent
  // RFC 3659 §7.1: MLST without an argument is the current folder (`MLST ` with an empty one is not).
  if (conn.features.has('MLST')) return parseMlstReply(await conn.command('MLST', path === '' ? undefined : path, options));
  const found = await inParent(conn, path, options);
  if ('missing' in found) throw new NotFoundError(path, found.missing ? { cause: found.missing } : undefined);
  return found.entry;
}

/**
 * Whether `path` exists: MLST where there is one (a file-system refusal, such as 550, is "no"),
 * else {@link inParent}. Failures that say nothing about the path (the connection, the login,
 * a parent the server will not list although it is there) are thrown.
 */
export async function exists(conn: Conn, path: string, options: CallOptions): Promise<boolean> {
  checkArgument('exists', path);
  if (!conn.features.has('MLST')) return 'entry' in (await inParent(conn, path, options));
  try {
    await conn.command('MLST', path === '' ? undefined : path, options);
    return true;
  } catch (err) {
    // RFC 959 §4.2.1: x5z replies are the file system's answer about the path (550 "not found, no access").
    if (err instanceof FtpReplyError && isFileSystemRefusal(err.reply)) return false;
    throw err;
  }
}

/**
 * `path`'s entry in its parent's listing, or why there is none: `missing` holds the server's
 * refusal to list a parent that is no folder, `undefined` when the parent is listed without it.
 * - A path that no parent lists (the root, `.` or `..` as its last segment, `''`, the login folder)
 *   is a folder when the session can change into it (CWD), an entry with no facts but its type.
 * - A trailing `/` names a folder, as in POSIX path resolution: a file of that name does not count
 *   (a symbolic link does, as it may lead to one).
 * - A parent refused with a file-system reply (x5z) and that the session cannot change into is
 *   missing; any other failure to list it is thrown.
 */
async function inParent(conn: Conn, path: string, options: CallOptions): Promise<{ readonly entry: ListingEntry } | { readonly missing: FtpReplyError | undefined }> {
  const { parent, name } = remoteSplit(path);
  if (name === '' || name === '.' || name === '..') {
    if (!(await isDirectory(conn, path, options))) return { missing: undefined };
    return { entry: Object.freeze({ name: path === '' ? '.' : path.replace(/(.)\/+$/, '$1'), type: 'directory', raw: '' }) };
  }
  let entries: ListingEntry[];
  try {
    entries = await list(conn, parent === '' ? undefined : parent, options);
  } catch (err) {
    if (err instanceof FtpReplyError && isFileSystemRefusal(err.reply) && !(await isDirectory(conn, parent, options))) return { missing: err };
    throw err;
  }
  const folderOnly = path.endsWith('/');
  const entry = entries.find((e) => e.name === name && (!folderOnly || e.type === 'directory' || e.type === 'symlink'));
  return entry ? { entry } : { missing: undefined };
}
