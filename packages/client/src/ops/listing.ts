/**
 * Listing a directory and looking up one path, over one logged-in connection.
 *
 * Theory of operation: MLSD when the server advertises MLST (RFC 3659 §7: exact types, sizes and UTC
 * times), else LIST, parsed with the codec's format detection. `ls -l` servers hide dotfiles without
 * `-a` (vsftpd), which would make `rmdir -r` leave a folder it cannot remove and tree transfers miss
 * files, so LIST is tried with `-a` first; a server that refuses the flag (the codec's
 * `listFlagRefused`) before it ever worked gets plain LIST from then on, remembered on the
 * connection. `stat` is MLST where there is one, else the entry of that name in the parent's listing.
 * `listEntries` hands the same transfer to the streaming parser in listing-stream.ts.
 *
 * @module
 */
import {
  checkArgument,
  decodeText,
  FtpReplyError,
  listFlagRefused,
  parseListing,
  parseMlstReply,
  RemoteProtocolError,
  type ListingEntry,
  type ListingFormat,
} from '@ftpkit/codec';
import type { CallOptions } from '../calls.js';
import { NotFoundError } from '../errors.js';
import { remoteSplit } from '../io/paths.js';
import { concat } from '../io/sinks.js';
import type { Conn, Runner } from './conn.js';
import { streamListing, type ListingSinks } from './listing-stream.js';

/**
 * Largest directory listing `list` holds in memory (64 MiB, about a million `ls -l` lines). The
 * listing is parsed whole, so without a bound a hostile or broken server could grow memory without
 * end; the codec bounds replies the same way (1 MiB, basic-ftp 64 KiB).
 */
const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/** A directory's entries, without `.` and `..`. */
export async function list(conn: Conn, path: string | undefined, options: CallOptions): Promise<ListingEntry[]> {
  let chunks: Uint8Array[] = [];
  let format: ListingFormat | undefined;
  await listTransfer(conn, path, options, (listed) => {
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
  const text = decodeText(concat(chunks), conn.options.encoding);
  const parsed = parseListing(text, { now: new Date(), ...(format ? { format } : {}) });
  return [...parsed.entries];
}

/**
 * The transfer behind `list` and `listEntries`: MLSD when the server advertises MLST, else LIST.
 * `sinks(format)` makes the data sink of each attempt, told the format to parse with (`'mlsd'`, or
 * `undefined` for LIST, whose format is detected).
 */
async function listTransfer(conn: Conn, path: string | undefined, options: CallOptions, sinks: ListingSinks): Promise<void> {
  if (conn.features.has('MLST')) {
    await conn.transfer('MLSD', path, sinks('mlsd'), options);
  } else if (conn.listAll === false) {
    await conn.transfer('LIST', path, sinks(undefined), options);
  } else {
    try {
      await conn.transfer('LIST', path === undefined ? '-a' : `-a ${path}`, sinks(undefined), options);
      conn.listAll = true;
    } catch (err) {
      if (conn.listAll === true || !(err instanceof FtpReplyError) || !listFlagRefused(err.reply)) throw err;
      await conn.transfer('LIST', path, sinks(undefined), options);
      conn.listAll = false;
    }
  }
}

/**
 * A directory's entries as the listing arrives (see listing-stream.ts): the transfer runs on the
 * runner's connection from the loop's first `next()` until the loop ends.
 */
export function listEntries(runner: Runner, encoding: 'utf8' | 'latin1', path: string | undefined, options: CallOptions): AsyncGenerator<ListingEntry, void, undefined> {
  return streamListing((sinks, signal) => runner.run({ signal }, (conn) => listTransfer(conn, path, { signal }, sinks)), {
    encoding,
    signal: options.signal,
  });
}

/** Facts about one path: MLST when available, else its entry in the parent's listing. */
export async function stat(conn: Conn, path: string, options: CallOptions): Promise<ListingEntry> {
  checkArgument('stat', path); // the fallback lists the parent first: refuse before anything is sent
  if (conn.features.has('MLST')) return parseMlstReply(await conn.command('MLST', path, options));
  const { parent, name } = remoteSplit(path);
  const entries = await list(conn, parent === '' ? undefined : parent, options);
  const found = entries.find((e) => e.name === name);
  if (!found) throw new NotFoundError(path);
  return found;
}
