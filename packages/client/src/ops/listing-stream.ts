/**
 * Streaming directory listings: the hand-over between a listing transfer and the loop consuming it.
 *
 * Theory of operation: `listEntries` (of a Client or a Pool) is an async generator. Its first `next()`
 * runs the listing transfer like any other call (queued on a Client, on a leased session of a Pool).
 * The transfer's download sink decodes each data chunk with a streaming decoder (a UTF-8 character
 * split between chunks comes out whole), feeds the text to the codec's incremental
 * {@link ListingParser}, and hands the entries it completes to the generator.
 * The sink then waits until the consumer takes them, and only then parses or reads on: while it
 * waits, the driver reads nothing from the data connection, so the socket buffers fill and TCP
 * makes the server wait (back-pressure), and the data-idle clock is stopped, as for any slow sink.
 * A read is parsed 64 KiB at a time, and at most two slices' worth of entries exist at once, one
 * being consumed and one parsed ahead, so memory is bounded by the read size and the longest line,
 * never by the listing.
 *
 * Leaving the loop early (`break`, `return`, a throw: the generator's `return()`) or the caller's
 * signal aborts the transfer through the driver's abort path (ABOR, answered in the background), and
 * the generator's cleanup waits for the call to settle, so the session's next call runs after it, as
 * after any aborted call. Errors are the transfer's own, as for `list()`, plus the parser's
 * `RemoteProtocolError` for a line over its bound (thrown in the sink, which makes the driver abort).
 * An error comes after every entry parsed before it: `UnreadableListingError`, which is known only
 * once the listing has ended, after all the entries that could be read.
 *
 * With `listTimeZone: 'auto'` not yet settled, a LIST is read held (ops/list-zone.ts): the entries
 * are parsed, to find a file MDTM can be asked about, but kept, with the text they came from,
 * until the zone is known. MDTM needs the control connection, which the transfer holds, so it is
 * asked after the transfer ends; the attempt is then `release`d at the zone found, its text parsed
 * again at that zone by a new parser (which votes on the same lines, so it reads them as the first
 * did) and the rest of the listing read by it. Holding is bounded ({@link HOLD_BYTES}): a first
 * listing bigger than that is cut there (the transfer is stopped with ABOR, as when a loop leaves
 * early), the zone learnt from the file it has, and the directory listed again, now in that zone.
 * No entry is handed out before its zone is known, except when the held part has no file to learn
 * from: then it is handed out as read (UTC), and the next listing tries again.
 *
 * @module
 */
import {
  decodeText,
  ListingParser,
  LocalProtocolError,
  type ListingEntry,
  type ListingFormat,
  type ParseListingOptions,
  type TimeZoneOffsetFunction,
  type UnparsedLine,
} from '@ftpkit/codec';
import type { TransferIo } from '../driver/data-channel.js';
import { abortError } from '../errors.js';
import { zoneSample } from './list-zone.js';

/**
 * How many bytes are decoded and parsed before the consumer must take the entries: 64 KiB, about a
 * thousand `ls -l` lines, so that two batches (one consumed, one parsed ahead) stay small.
 */
const SLICE_BYTES = 64 * 1024;

/**
 * How much of a listing is held while 'auto' learns the zone: four slices, a few thousand lines,
 * which is most directories whole; past it the listing is cut and listed again in the zone found.
 */
const HOLD_BYTES = 4 * SLICE_BYTES;

/** What one listing attempt read, once its transfer has ended well. */
export interface ListingTally {
  /** The format used: given, or detected; `undefined` when no line fits any. */
  readonly format: ListingFormat | undefined;
  /** Entries read, without `.` and `..`. */
  readonly entryCount: number;
  /** Lines no format reads, all counted. */
  readonly unparsedCount: number;
  /** The first of them (all for `list()`, the first 16 for a stream). */
  readonly unparsed: readonly UnparsedLine[];
  /** A held attempt ({@link ListingRead.hold}): its entries wait for {@link HeldListing.release}. */
  readonly held?: HeldListing;
}

/** The entries of a held attempt, waiting for the zone (see the module comment). */
export interface HeldListing {
  /** The first entry MDTM can tell the zone from (list-zone.ts: `zoneSample`), read as UTC. */
  readonly sample: ListingEntry | undefined;
  /** The transfer was cut at {@link HOLD_BYTES}: list again once the zone is known. */
  readonly cut: boolean;
  /** Hand the entries out, read at `offset` (which the held ones were not, unless it is the same). */
  release(offset: number | TimeZoneOffsetFunction): void;
}

/** How an attempt reads LIST times: the server's offset for the codec, and whether to hold. */
export interface ListingRead {
  readonly offset: number | TimeZoneOffsetFunction;
  /** 'auto' has not settled: keep the entries until {@link HeldListing.release}. */
  readonly hold: boolean;
}

/** One listing attempt: the data sink of its transfer, and the end of its parse. */
export interface ListingAttempt {
  readonly io: TransferIo;
  /** The transfer ended well: parse what is left, and say what the attempt read. */
  finish(): ListingTally;
}

/** Makes one listing attempt, parsing in `format` (`undefined`: detect) as `read` says. */
export type ListingSinks = (format: ListingFormat | undefined, read: ListingRead) => ListingAttempt;

/**
 * A held attempt cut at {@link HOLD_BYTES}: thrown by its sink, which stops the transfer, and
 * turned back into its tally by ops/listing.ts. Never reaches a caller.
 */
export class ListingCut {
  readonly tally: ListingTally;
  constructor(tally: ListingTally) {
    this.tally = tally;
  }
}

/** Text from data chunks: a streaming decoder. */
interface ChunkDecoder {
  decode(chunk: Uint8Array): string;
  /** What a cut-off character at the very end decodes to (U+FFFD), or ''. */
  flush(): string;
}

function chunkDecoder(encoding: 'utf8' | 'latin1'): ChunkDecoder {
  // latin1 maps every byte to one character, so chunks decode on their own. (TextDecoder's 'latin1'
  // label is windows-1252, which is not the same.)
  if (encoding === 'latin1') return { decode: (chunk) => decodeText(chunk, 'latin1'), flush: () => '' };
  // ignoreBOM, as the codec's decodeText: a listing's first name may start with U+FEFF.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return { decode: (chunk) => decoder.decode(chunk, { stream: true }), flush: () => decoder.decode() };
}

/**
 * The entries of a listing as they arrive. `start` runs the listing transfer (on a Client or a Pool session)
 * with `sinks` and `signal`; it is called by the first `next()`. `parse(format)` gives the options of
 * each attempt's parser (ops/listing.ts makes them).
 *
 * @internal
 */
export async function* streamListing(
  start: (sinks: ListingSinks, signal: AbortSignal) => Promise<void>,
  options: {
    readonly encoding: 'utf8' | 'latin1';
    readonly parse: (format: ListingFormat | undefined) => ParseListingOptions;
    readonly signal?: AbortSignal | undefined;
  },
): AsyncGenerator<ListingEntry, void, undefined> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  /** Parsed entries the consumer has not taken yet. */
  let ready: ListingEntry[] = [];
  /** Entries the consumer has been given. */
  let delivered = 0;
  let finished = false;
  let failure: { readonly error: unknown } | undefined;
  /** The transfer failed or the consumer left: a sink stops at once, and never waits again. */
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = (): void => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const resume = (): void => {
    wakeProducer?.();
    wakeProducer = undefined;
  };
  /** Throw the caller's abort, which ends the listing at once. */
  const check = (): void => {
    if (signal.aborted) throw abortError(signal);
  };
  const hand = (entries: readonly ListingEntry[]): void => {
    for (const entry of entries) ready.push(entry);
    wake();
  };
  /** Wait until the consumer has taken what was handed over. */
  const taken = (): Promise<void> => new Promise<void>((resolve) => (wakeProducer = resolve));
  let last: { parser: ListingParser; readonly decoder: ChunkDecoder } | undefined;

  const sinks: ListingSinks = (format, read) => {
    // A second attempt (plain LIST after a `LIST -a` that listed nothing, or a listing cut while
    // held) starts over; ops/listing.ts makes one only when the consumer has none to take back.
    if (delivered > 0) throw new LocalProtocolError('A listing cannot start over after entries were delivered');
    const base = options.parse(format);
    const parserAt = (offset: number | TimeZoneOffsetFunction): ListingParser => new ListingParser({ ...base, timeZoneOffset: offset });
    const attempt = { parser: parserAt(read.offset), decoder: chunkDecoder(options.encoding) };
    let entryCount = 0;
    /** While held: the text read so far, its entries and the first sample among them. */
    let held: { text: string[]; bytes: number; entries: ListingEntry[]; sample: ListingEntry | undefined } | undefined = read.hold
      ? { text: [], bytes: 0, entries: [], sample: undefined }
      : undefined;
    const handOver = (entries: readonly ListingEntry[]): void => {
      entryCount += entries.length;
      if (held === undefined) {
        hand(entries);
        return;
      }
      for (const entry of entries) held.entries.push(entry);
      held.sample ??= zoneSample(entries);
    };
    /** Hand the held entries out, read at `offset`; how many. */
    const release = (offset: number | TimeZoneOffsetFunction, ended: boolean): number => {
      const kept = held;
      if (kept === undefined) return 0;
      held = undefined;
      let entries = kept.entries;
      if (offset !== read.offset) {
        // The same text, read again at the zone found: a new parser votes on the same lines.
        const parser = parserAt(offset);
        entries = [];
        for (const text of kept.text) for (const entry of parser.push(text)) entries.push(entry);
        if (ended) for (const entry of parser.end()) entries.push(entry);
        attempt.parser = parser;
      }
      hand(entries);
      return entries.length;
    };
    const tally = (cut: boolean): ListingTally => {
      const { parser } = attempt;
      const sample = held?.sample;
      return {
        format: parser.format,
        entryCount,
        unparsedCount: parser.unparsedCount,
        unparsed: parser.unparsed,
        ...(read.hold ? { held: { sample, cut, release: (offset: number | TimeZoneOffsetFunction) => void release(offset, true) } } : {}),
      };
    };
    last = attempt;
    ready = [];
    resume(); // the first attempt's sink, if it waits, ends (it is not `last` any more)
    return {
      io: {
        direction: 'download',
        write: async (chunk, recycle) => {
          // A read can bring megabytes (the Node transport reads up to 2 MiB at once): parse it a slice
          // at a time, each slice's entries taken by the consumer before the next is parsed.
          for (let at = 0; at < chunk.length && !stopped && last === attempt; at += SLICE_BYTES) {
            const text = attempt.decoder.decode(chunk.subarray(at, at + SLICE_BYTES));
            const entries = attempt.parser.push(text);
            if (held !== undefined) {
              held.text.push(text);
              held.bytes += Math.min(SLICE_BYTES, chunk.length - at);
              handOver(entries);
              if (held.bytes < HOLD_BYTES) continue;
              // Too much to hold: cut, learn the zone, list again; or, with nothing to learn from, go on as read.
              if (held.sample !== undefined) throw new ListingCut(tally(true));
              if (release(read.offset, false) > 0) await taken();
              continue;
            }
            if (entries.length === 0) continue;
            handOver(entries);
            await taken();
          }
          recycle?.(chunk); // decoded: the bytes are not needed any more
        },
      },
      finish: () => {
        const { parser, decoder } = attempt;
        const rest = decoder.flush();
        held?.text.push(rest);
        handOver([...parser.push(rest), ...parser.end()]);
        return tally(false);
      },
    };
  };

  const task = (async () => {
    try {
      await start(sinks, signal);
      finished = true;
    } catch (error) {
      // The entries parsed before the failure are still handed out, then the error.
      failure = { error };
      stopped = true;
    } finally {
      resume(); // a sink still waiting on a failed transfer: let the driver drain and close it
      wake();
    }
  })();

  try {
    for (;;) {
      check();
      if (ready.length > 0) {
        const taken = ready;
        ready = [];
        resume(); // parse the next chunk while these are consumed
        for (let i = 0; i < taken.length; i++) {
          check();
          delivered++;
          yield taken[i]!;
        }
        continue;
      }
      if (failure) throw failure.error;
      if (finished) return;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
  } finally {
    // Left early (or failed): stop the transfer if it still runs, and let the call settle so that
    // the session's next call queues behind it.
    stopped = true;
    stop.abort(new DOMException('The listing was closed before its end', 'AbortError'));
    resume();
    await task;
  }
}
