/**
 * Directory listings parsed as they arrive: the incremental form of {@link parseListing}.
 *
 * Theory of operation: a {@link ListingParser} takes the text of a LIST or MLSD transfer in pieces
 * of any size and hands back the entries of the lines the pieces complete. It takes text, not
 * bytes, because a listing is decoded as a whole text by `parseListing`'s callers too: a streaming
 * decoder on the host side (`TextDecoder` with `stream: true`) turns network chunks into the same
 * text, a character split between two chunks included, with one decode call per chunk rather than
 * one per line. The parser keeps at most one unfinished line, so its memory is bounded by the
 * longest line, not by the listing. Lines end in LF with an optional CR before it, as in
 * `parseListing`; a CR at the end of one piece and its LF at the start of the next are one line
 * ending. A line longer than `maxLineLength` is a {@link RemoteProtocolError}, and the error is
 * sticky: nothing after a framing fault can be trusted, so every later call reports it again.
 *
 * LIST has no declared format (RFC 959 leaves it to the server), and `parseListing` votes over the
 * whole listing. A stream cannot wait for the whole listing, so the vote is held over the first 64
 * lines that are neither blank nor `total N`, by the engine and the line parsers `parseListing`
 * uses; the winner then parses every later line, each once, as a forced format does. A VMS file
 * name whose record goes on in the next line holds the vote until that line has come, so that the
 * two are read together. Until the
 * vote, entries are held back (64 lines are a few KiB of text). A window in which no format accepts
 * any line decides nothing: its lines are reported as unparsed and the next window votes. MLSD,
 * whose format the command itself declares, is given as `format: 'mlsd'` and never voted on. For a
 * listing in one format, any split of its text gives exactly the entries, format and unparsed
 * lines of `parseListing` (`test/listing-stream.test.ts` checks this on random listings and
 * splits); only a listing whose format changes after its first 64 lines parses differently: its
 * later lines in another format are reported as unparsed.
 *
 * Skipping is the same as `parseListing`'s: blank lines and `total N` are not entries, and `.`,
 * `..` and MLSD's `cdir`/`pdir` are left out. A line that the chosen format cannot parse is counted
 * in {@link ListingParser.unparsedCount}, and the first 16 are kept with their line numbers in
 * {@link ListingParser.unparsed}: reported, never dropped silently, and bounded, since an endless
 * listing of garbage must not grow memory either.
 *
 * Each parser has a scratch space of its own, which keeps a little state between lines (recent
 * owner strings, the last day read, the MLSD fact names in use), so two parsers fed alternately
 * never see each other's. What refers to the text is released after every piece, so no piece of
 * listing text outlives the call that brought it, unless an entry the caller keeps holds it.
 *
 * @module
 */
import { LocalProtocolError, RemoteProtocolError } from './errors.js';
import { type Collector, collect, collected, collector, finishCollecting, formatIndex, mayContinue, type ParseScratch, releaseScratch, reportUnparsed, scratchOf, skipped, takeCollected } from './list/engine.js';
import type { ListingEntry, ListingFormat, ParseListingOptions, UnparsedLine } from './list/types.js';

/**
 * Default for {@link ListingParserOptions.maxLineLength}: 64 Ki characters. One listing line holds
 * one name (255 bytes on most file systems) and its attributes; 64 KiB is the bound basic-ftp puts on
 * a whole reply, and four times the codec's own reply-line bound, so even an MLSD line with many
 * vendor facts fits while a server that never sends a line end costs at most this much.
 */
export const DEFAULT_MAX_LISTING_LINE = 64 * 1024;

/**
 * How many lines (neither blank nor `total N`) the LIST format vote is held over. Enough that a
 * banner or an `ls:` error line among them cannot outvote the listing; few enough that the first
 * entries come out after a few KiB of text.
 */
const DETECTION_LINES = 64;

/** How many unparsed lines {@link ListingParser.unparsed} keeps; all are counted. */
const MAX_UNPARSED_KEPT = 16;

const CR = 0x0d;

/**
 * Options of {@link ListingParser}: those of {@link parseListing}, and the line bound.
 *
 * @example
 * ```ts
 * new ListingParser({ format: 'mlsd', maxLineLength: 8192 });
 * ```
 */
export interface ListingParserOptions extends ParseListingOptions {
  /**
   * Longest accepted line, in characters (UTF-16 code units) and without its line ending. Default
   * {@link DEFAULT_MAX_LISTING_LINE}.
   */
  readonly maxLineLength?: number;
}

/**
 * Parses a directory listing piece by piece, with memory bounded by its longest line: see the
 * module comment for how the LIST format is chosen.
 *
 * @example
 * ```ts
 * const parser = new ListingParser({ now: new Date() });
 * const entries = [
 *   ...parser.push('-rw-r--r-- 1 ftp ftp 6 Jan 02  2020 hello.txt\r'),
 *   ...parser.push('\ndrwxr-xr-x 2 ftp ftp 4096 Nov 25 15:40 sub\r\n'),
 *   ...parser.end(), // the vote, when fewer than 64 lines came, and a last line without its end
 * ];
 * entries.map((e) => e.name); // ['hello.txt', 'sub']
 * parser.format;              // 'unix'
 * parser.unparsedCount;       // 0
 * ```
 */
export class ListingParser {
  /** The line bound in force. */
  readonly maxLineLength: number;
  /** This parser's scratch space, and so all it remembers from one line to the next. */
  readonly #scratch: ParseScratch;
  /** The chosen format's index, -1 while the vote is open (or a window chose nothing). */
  #format: number;
  /** Once a format is chosen or given: the engine that parses every later line in it. */
  #collector: Collector | undefined;
  #formatName: ListingFormat | undefined;
  /** The lines of the open vote, without line endings, and their line numbers. */
  #window: string[] = [];
  #windowIndex: number[] = [];
  /** The unfinished last line, line ending (or its CR) included. */
  #carry = '';
  /** The number of the next line. */
  #line = 0;
  readonly #unparsed: UnparsedLine[] = [];
  #unparsedCount = 0;
  #error: RemoteProtocolError | undefined;
  #ended = false;

  /** Throws {@link LocalProtocolError} for bad options. */
  constructor(options: ListingParserOptions = {}) {
    const max = options.maxLineLength ?? DEFAULT_MAX_LISTING_LINE;
    if (!Number.isSafeInteger(max) || max < 1) throw new LocalProtocolError('maxLineLength must be a positive integer');
    this.maxLineLength = max;
    this.#scratch = scratchOf(options);
    this.#format = formatIndex(options.format);
    this.#formatName = options.format;
    this.#collector = this.#format >= 0 ? collector(this.#format, this.#scratch) : undefined;
  }

  /** The format given, or the one the vote chose; `undefined` until then, or when no line fits any. */
  get format(): ListingFormat | undefined {
    return this.#formatName;
  }

  /** The first unparsed lines (at most 16), in order, with their 0-based line numbers. */
  get unparsed(): readonly UnparsedLine[] {
    return this.#unparsed;
  }

  /** How many lines the chosen format could not parse, all of them counted. */
  get unparsedCount(): number {
    return this.#unparsedCount;
  }

  /**
   * Feed the next piece of text; returns the entries of the lines it completes, in order (none
   * while the LIST vote is open). Throws {@link RemoteProtocolError} for a line over the bound, after
   * which the parser stays broken, and {@link LocalProtocolError} after {@link ListingParser.end}.
   */
  push(text: string): ListingEntry[] {
    const out: ListingEntry[] = [];
    this.#guard(() => {
      this.#scan(text, out);
      this.#drain(out);
    });
    return out;
  }

  /**
   * The listing is complete: parse its last line if it had no line ending, close the vote if it is
   * still open, and return the entries that releases. Calling it again returns nothing.
   */
  end(): ListingEntry[] {
    const out: ListingEntry[] = [];
    if (this.#ended && this.#error === undefined) return out;
    this.#guard(() => {
      const carry = this.#carry;
      this.#carry = '';
      if (carry.length > 0) this.#take(carry, 0, carry.length, out);
      if (this.#format < 0 && this.#window.length > 0) this.#decide(out);
      if (this.#collector !== undefined) finishCollecting(this.#collector);
      this.#drain(out);
    });
    this.#ended = true;
    return out;
  }

  #guard(run: () => void): void {
    if (this.#error) throw this.#error;
    if (this.#ended) throw new LocalProtocolError('ListingParser: push() after end()');
    try {
      run();
    } catch (err) {
      if (err instanceof RemoteProtocolError) this.#error = err;
      throw err;
    } finally {
      releaseScratch(this.#scratch);
    }
  }

  #scan(text: string, out: ListingEntry[]): void {
    let start = 0;
    if (this.#carry.length > 0) {
      const lf = text.indexOf('\n');
      if (lf < 0) {
        this.#carry += text;
        this.#checkCarry();
        return;
      }
      const line = this.#carry + text.slice(0, lf);
      this.#carry = '';
      this.#take(line, 0, line.length, out);
      start = lf + 1;
    }
    // Lines inside the piece are parsed in place; only the one cut by its end is copied out.
    for (let lf = text.indexOf('\n', start); lf >= 0; lf = text.indexOf('\n', start)) {
      this.#take(text, start, lf, out);
      start = lf + 1;
    }
    if (start < text.length) {
      this.#carry = text.slice(start);
      this.#checkCarry();
    }
  }

  /** An unfinished line may be one character over the bound: the CR of its CRLF. */
  #checkCarry(): void {
    if (this.#carry.length > this.maxLineLength + 1) throw this.#tooLong();
  }

  #tooLong(): RemoteProtocolError {
    return new RemoteProtocolError(`Listing line ${this.#line + 1} is longer than ${this.maxLineLength} characters`);
  }

  /** Take the line `text[start, end)`, LF excluded (CRLF, or a bare LF from sloppy servers). */
  #take(text: string, start: number, end: number, out: ListingEntry[]): void {
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    if (end - start > this.maxLineLength) throw this.#tooLong();
    const index = this.#line++;
    const c = this.#collector;
    if (c !== undefined) {
      collect(c, text, start, end, index);
      return;
    }
    if (skipped(text, start, end)) return;
    const line = text.slice(start, end);
    this.#window.push(line);
    this.#windowIndex.push(index);
    // A VMS name whose record goes on in the next line waits for it, so the vote does not cut them.
    if (this.#window.length >= DETECTION_LINES && !mayContinue(line, this.#scratch)) this.#decide(out);
  }

  /** Hand on what the engine has parsed in the chosen format. */
  #drain(out: ListingEntry[]): void {
    if (this.#collector === undefined) return;
    const [entries, unparsed] = takeCollected(this.#collector);
    for (const line of unparsed) this.#report(line.line, line.index);
    for (const entry of entries) out.push(entry);
  }

  /** Close the vote over the window with `parseListing`'s engine, and release its entries. */
  #decide(out: ListingEntry[]): void {
    const lines = this.#window;
    const indexes = this.#windowIndex;
    this.#window = [];
    this.#windowIndex = [];
    const c = collector(-1, this.#scratch);
    for (let i = 0; i < lines.length; i++) collect(c, lines[i]!, 0, lines[i]!.length, indexes[i]!);
    if (finishCollecting(c)) for (let i = 0; i < lines.length; i++) reportUnparsed(c, lines[i]!, 0, lines[i]!.length, indexes[i]!);
    const result = collected(c);
    for (const line of result.unparsed) this.#report(line.line, line.index);
    for (const entry of result.entries) out.push(entry);
    if (result.format !== undefined) {
      this.#format = formatIndex(result.format);
      this.#formatName = result.format;
      this.#collector = collector(this.#format, this.#scratch);
    }
  }

  #report(line: string, index: number): void {
    this.#unparsedCount++;
    if (this.#unparsed.length < MAX_UNPARSED_KEPT) this.#unparsed.push(Object.freeze({ line, index }));
  }
}
