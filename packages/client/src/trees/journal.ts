// Why this file is long: the journal's one format: its reading (torn lines, foreign files, another job), its records, compaction, and what a tree job asks of it.
/**
 * The journal of a tree job (`journal` on `downloadDir`, `uploadDir` and `mirror`): what a run has
 * finished and how far it got, so that the same call, started again after a kill, goes on from there.
 *
 * Theory of operation: the journal is an append-only text file, one record a line, each line
 * `<CRC-32 of the rest, 8 hex digits> <JSON>`. A record is written with one `write` in append
 * mode, so a kill leaves at most the last line torn: a line without its newline, or whose CRC does
 * not match, is skipped when the journal is read (and so is a line a power loss filled with
 * zeros). Skipping a record only ever costs a copy again, never a wrong file, because every record
 * claims no more than is already true:
 *
 * - the first line is the job: the kind of call, its direction, the server and user (a hash, see
 *   {@link serverOf}), both roots (the local one absolute), and the options that change what is
 *   copied. A journal of another job, or a file that is no journal, is refused with
 *   `JournalMismatchError` before anything moves, and left alone.
 * - `done`: a file was copied whole (a download renamed into place after its bytes were synced; an
 *   upload answered 226), with the size and time its source had. A later run skips the file when its
 *   source still has them (and, for a download, the local file is still there with that size).
 * - `part`: a download's part file holds this version of the source, and at least this many bytes
 *   of it, synced before the record was written (io/sinks.ts `PartFile`: when it is opened, then at
 *   most every 1 MiB and 500 ms, and whole, its time set, before the rename). A later run in the
 *   same boot of the machine keeps every byte of the part file (a killed process loses no finished
 *   write: io/fs.ts `bootId`); after a crash of the machine, no more than the record claims. Another
 *   version of the source starts over. A part recorded whole whose part file is gone, the file there,
 *   was renamed into place: finished, as if `done` had followed.
 * - `up`: an upload began, and what size the server's file had before it (SIZE, asked first). A
 *   later run resumes where the server's copy ends, when that size can only be this job's bytes
 *   (ops/upload.ts `resumePoint`), so an upload cut after its last byte is not sent again.
 *
 * One run at a time writes a journal: it holds the lock file beside it while it does
 * (journal-lock.ts), and another run of the job is refused with `JournalBusyError`.
 *
 * A journal that holds more than twice the records its state needs, and at least
 * {@link COMPACT_MIN_RECORDS}, is compacted when it is opened: its state written to a side file,
 * synced, and renamed over it. A job that succeeds removes its journal; one that fails keeps it,
 * and a dry run reads it without writing anything.
 *
 * @module
 */
import type { MirrorPlan, TreeOptions } from '../calls.js';
import { InvalidArgumentError, JournalMismatchError, type JournalField } from '../errors.js';
import { basename, bootId, dirname, join, localFileError, mkdir, open, readFile, rename, resolve, unlink, type FileHandle } from '../io/fs.js';
import { localHasher } from '../io/local-checksum.js';
import { sideName } from '../io/paths.js';
import { releaseLock, takeLock, type JournalLock } from './journal-lock.js';

/** A journal begins with this, the first field of its first line's JSON. */
const MAGIC = 'ftpkit-journal';
const VERSION = 1;
/** Below this many records a journal is never compacted: rewriting it costs more than reading it. */
export const COMPACT_MIN_RECORDS = 1000;

/** What a journal was written for; another job's journal is refused. */
export interface JournalJob {
  readonly kind: 'downloadDir' | 'uploadDir' | 'mirror';
  readonly direction: 'download' | 'upload';
  /** See {@link serverOf}. */
  readonly server: string;
  readonly remote: string;
  /** Absolute. */
  readonly local: string;
  /** The options that change what the job copies, as given. */
  readonly options: {
    readonly include: readonly string[];
    readonly exclude: readonly string[];
    readonly followSymlinks: boolean;
    readonly delete: boolean;
    readonly all: boolean;
    readonly checksum: boolean;
  };
}

/** A version of a source file: its size and modification time (ms), as its listing or stat showed them. */
export interface FileVersion {
  readonly size: number | null;
  readonly time: number | null;
}

/** The version of a plan's copy. */
export function versionOf(copy: { readonly size: number | undefined; readonly modifiedAt: Date | undefined }): FileVersion {
  return { size: copy.size ?? null, time: copy.modifiedAt?.getTime() ?? null };
}

/**
 * The server and user a job runs against, as a journal names them: a hash of `user@host:port`
 * (16 hex digits of SHA-256), so a journal holds no user name.
 */
export function serverOf(origin: string): string {
  const hasher = localHasher('SHA-256');
  hasher.update(new TextEncoder().encode(origin));
  return hasher.digest().slice(0, 16);
}

/** What the journal says of one file, the latest record winning. */
interface FileState {
  done?: FileVersion;
  part?: { readonly at: number; readonly version: FileVersion; readonly boot: string | undefined };
  up?: { readonly before: number | undefined; readonly version: FileVersion };
}

type JournalRecord =
  | { readonly done: string; readonly size: number | null; readonly time: number | null }
  | { readonly part: string; readonly at: number; readonly size: number | null; readonly time: number | null; readonly boot?: string }
  | { readonly up: string; readonly before: number | null; readonly size: number | null; readonly time: number | null };

/** An open journal. */
export class Journal {
  readonly path: string;
  readonly #files: Map<string, FileState>;
  readonly #handle: FileHandle | undefined;
  /** This boot of the machine (io/fs.ts bootId), when the system says. */
  readonly #boot: string | undefined;
  /** The lock this run holds while it writes (journal-lock.ts); none read only. */
  readonly #lock: JournalLock | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(path: string, files: Map<string, FileState>, handle: FileHandle | undefined, boot: string | undefined, lock: JournalLock | undefined) {
    this.path = path;
    this.#files = files;
    this.#handle = handle;
    this.#boot = boot;
    this.#lock = lock;
  }

  /**
   * Open the journal at `path` for `job`: read what it holds (none when it is missing), refuse
   * another job's, compact it when it has grown, and (unless `readOnly`) make it ready for records,
   * creating it and its folder when missing, under its lock (journal-lock.ts): a run of the same
   * job that is still writing it is a `JournalBusyError`.
   */
  static async open(path: string, job: JournalJob, { readOnly = false } = {}): Promise<Journal> {
    if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`journal must be a file path, not ${JSON.stringify(path)}`);
    const boot = await bootId();
    if (readOnly) return Journal.#read(path, job, boot, undefined);
    await mkdir(dirname(path), { recursive: true }).catch((err: unknown) => {
      throw localFileError(err, 'create the folder', dirname(path));
    });
    const lock = await takeLock(path, boot);
    try {
      return await Journal.#read(path, job, boot, lock);
    } catch (err) {
      await releaseLock(lock);
      throw err;
    }
  }

  /** {@link open}'s reading, with the lock taken unless read only (no lock). */
  static async #read(path: string, job: JournalJob, boot: string | undefined, lock: JournalLock | undefined): Promise<Journal> {
    const bytes = await readFile(path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Uint8Array(0);
      throw localFileError(err, 'read', path);
    });
    const read = readJournal(new TextDecoder().decode(bytes), path, job);
    /** Where the last complete line ends: a torn line after it is cut off before anything is appended. */
    const whole = bytes.lastIndexOf(0x0a) + 1;
    if (lock === undefined) return new Journal(path, read.files, undefined, boot, undefined);
    /** Whether the file is written anew (then no torn line is left to cut). */
    let anew = true;
    if (read.header === undefined) {
      await writeWhole(path, [{ journal: MAGIC, version: VERSION, job }], 'w');
    } else if (read.records >= COMPACT_MIN_RECORDS && read.records > 2 * liveRecords(read.files)) {
      const side = join(dirname(path), sideName(basename(path), '.compacting'));
      await writeWhole(side, [{ journal: MAGIC, version: VERSION, job }, ...recordsOf(read.files)], 'w');
      await rename(side, path).catch((err: unknown) => {
        throw localFileError(err, 'write', path);
      });
    } else anew = false;
    const handle = await open(path, 'a').catch((err: unknown) => {
      throw localFileError(err, 'write', path);
    });
    if (!anew && whole < bytes.length) {
      await handle.truncate(whole).catch(async (err: unknown) => {
        await handle.close().catch(() => {});
        throw localFileError(err, 'write', path);
      });
    }
    return new Journal(path, read.files, handle, boot, lock);
  }

  /**
   * Whether an earlier run finished `path`, copied from this version of its source: recorded as
   * done, or a download whose part file was recorded whole, which is then finished once the part
   * file is gone and the file there (a run killed between the rename and its record).
   */
  finished(path: string, version: FileVersion): boolean {
    const state = this.#files.get(path);
    if (state?.done !== undefined && sameVersion(state.done, version)) return true;
    return state?.part !== undefined && version.size !== null && state.part.at === version.size && sameVersion(state.part.version, version);
  }

  /**
   * How many of the `onDisk` bytes of the part file of `path` to keep, for this version of its
   * source: none without a record of this version; all of them when the record was written in this
   * boot of the machine (a killed process loses no write); else no more than the record claims (a
   * crash of the machine may have lost what was not synced).
   */
  heldOf(path: string, version: FileVersion, onDisk: number): number {
    const part = this.#files.get(path)?.part;
    if (part === undefined || !sameVersion(part.version, version)) return 0;
    return part.boot !== undefined && part.boot === this.#boot ? onDisk : Math.min(part.at, onDisk);
  }

  /** Whether an earlier run began uploading this version of `path`, and the server's size before it. */
  uploadOf(path: string, version: FileVersion): { readonly before: number | undefined } | undefined {
    const up = this.#files.get(path)?.up;
    return up !== undefined && sameVersion(up.version, version) ? { before: up.before } : undefined;
  }

  /** Record that `path` was copied whole from this version of its source. */
  done(path: string, version: FileVersion): Promise<void> {
    return this.#record({ done: path, ...version }, (state) => {
      state.done = version;
      delete state.part;
      delete state.up;
    });
  }

  /** Record that the part file of `path`, this version, holds `at` bytes on disk (synced), and nothing of another version. */
  part(path: string, version: FileVersion, at: number): Promise<void> {
    const boot = this.#boot;
    return this.#record({ part: path, at, ...version, ...(boot ? { boot } : {}) }, (state) => {
      state.part = { at, version, boot };
      delete state.done;
    });
  }

  /** Record that an upload of this version of `path` begins, over a server file of `before` bytes (undefined: none). */
  upload(path: string, version: FileVersion, before: number | undefined): Promise<void> {
    return this.#record({ up: path, before: before ?? null, ...version }, (state) => {
      state.up = { before, version };
      delete state.done;
    });
  }

  /** Stop recording and give the lock back; the file stays for the next run. */
  async close(): Promise<void> {
    await this.#finish();
    if (this.#lock) await releaseLock(this.#lock);
  }

  /** The job is done: close and remove the journal, then give the lock back. */
  async remove(): Promise<void> {
    await this.#finish();
    if (this.#handle) await unlink(this.path).catch(() => {});
    if (this.#lock) await releaseLock(this.#lock);
  }

  /** Wait for the records on their way, and close the file. */
  async #finish(): Promise<void> {
    await this.#chain.catch(() => {});
    await this.#handle?.close().catch(() => {});
  }

  /** Append one record (one write, in order), then apply it to the state read back by later calls. */
  #record(record: JournalRecord, apply: (state: FileState) => void): Promise<void> {
    const handle = this.#handle;
    if (!handle) return Promise.resolve();
    const path = 'done' in record ? record.done : 'part' in record ? record.part : record.up;
    const line = lineOf(record);
    const written = this.#chain.then(async () => {
      await handle.write(line).catch((err: unknown) => {
        throw localFileError(err, 'write', this.path);
      });
      let state = this.#files.get(path);
      if (!state) this.#files.set(path, (state = {}));
      apply(state);
    });
    this.#chain = written.catch(() => {});
    return written;
  }
}

/** What a tree call is, as its journal records it (see {@link JournalJob}). */
export function jobOf(
  kind: JournalJob['kind'],
  direction: JournalJob['direction'],
  origin: string,
  remote: string,
  local: string,
  options: TreeOptions & { readonly delete?: boolean | undefined; readonly all?: boolean | undefined; readonly checksum?: boolean | undefined },
): JournalJob {
  return {
    kind,
    direction,
    server: serverOf(origin),
    remote,
    local: resolve(local),
    options: {
      // Globs match in any order: the same set is the same job.
      include: [...(options.include ?? [])].sort(),
      exclude: [...(options.exclude ?? [])].sort(),
      followSymlinks: options.followSymlinks === true,
      delete: options.delete === true,
      all: options.all === true,
      checksum: options.checksum === true,
    },
  };
}

/**
 * `plan` without the copies an earlier run finished, by `journal`: those whose source has the
 * version the journal recorded, and whose target is still there with that size, a download's part
 * file gone (`targetHas`). They join `unchanged`, and are returned as `finished`, sorted.
 */
export async function skipFinished(
  plan: MirrorPlan,
  journal: Journal,
  targetHas: (path: string, size: number | undefined) => Promise<boolean>,
): Promise<{ plan: MirrorPlan; finished: string[] }> {
  const finished = new Set<string>();
  for (const action of plan.actions) {
    if (action.kind === 'copy' && journal.finished(action.path, versionOf(action)) && (await targetHas(action.path, action.size))) finished.add(action.path);
  }
  if (finished.size === 0) return { plan, finished: [] };
  const actions = plan.actions.filter((a) => !(a.kind === 'copy' && finished.has(a.path)));
  // Sorted as every path list of a plan is (plan.ts byPath: UTF-16 units, as `sort()` does).
  const sorted = [...finished].sort();
  return { plan: { ...plan, actions, unchanged: [...plan.unchanged, ...sorted].sort() }, finished: sorted };
}

/** One line: the CRC-32 of the JSON, a space, the JSON, a newline. */
function lineOf(value: unknown): string {
  const json = JSON.stringify(value);
  return `${crcOf(json)} ${json}\n`;
}

function crcOf(text: string): string {
  const hasher = localHasher('CRC32');
  hasher.update(new TextEncoder().encode(text));
  return hasher.digest();
}

/** The JSON of a line whose CRC matches, else undefined. */
function parseLine(line: string): unknown {
  const match = /^([0-9a-f]{8}) (.*)$/.exec(line);
  if (!match || crcOf(match[2]!) !== match[1]) return undefined;
  try {
    return JSON.parse(match[2]!) as unknown;
  } catch {
    return undefined;
  }
}

/** What a journal's text holds: its header (undefined for an empty or new one), its state, and how many records that took. */
function readJournal(text: string, path: string, job: JournalJob): { header: unknown; files: Map<string, FileState>; records: number } {
  const files = new Map<string, FileState>();
  const lines = text.split('\n');
  // The text after the last newline is a line a kill cut short, or nothing.
  const complete = lines.slice(0, -1);
  if (complete.length === 0) {
    // Empty, or only a torn first line: a run killed while it began. Anything else is not ours.
    if (!tornHeader(text)) throw new JournalMismatchError(path, 'format', 'the file is not a journal of ftpkit');
    return { header: undefined, files, records: 0 };
  }
  const header = parseLine(complete[0]!) as { journal?: unknown; version?: unknown; job?: unknown } | undefined;
  if (header?.journal !== MAGIC || header.version !== VERSION) {
    throw new JournalMismatchError(path, 'format', header?.journal === MAGIC ? `it was written by another version of ftpkit (format ${String(header.version)})` : 'the file is not a journal of ftpkit');
  }
  checkJob(path, header.job as JournalJob, job);
  let records = 0;
  for (const line of complete.slice(1)) {
    const record = parseLine(line) as Partial<{ done: unknown; part: unknown; up: unknown; at: unknown; before: unknown; size: unknown; time: unknown; boot: unknown }> | undefined;
    if (!record) continue;
    const size = nullableNumber(record.size);
    const time = nullableNumber(record.time);
    if (size === undefined || time === undefined) continue;
    const version: FileVersion = { size, time };
    const fileOf = (key: string): FileState => {
      let state = files.get(key);
      if (!state) files.set(key, (state = {}));
      return state;
    };
    const before = nullableNumber(record.before);
    if (typeof record.done === 'string') {
      files.set(record.done, { done: version });
    } else if (typeof record.part === 'string' && typeof record.at === 'number' && Number.isSafeInteger(record.at) && record.at >= 0) {
      const state = fileOf(record.part);
      state.part = { at: record.at, version, boot: typeof record.boot === 'string' ? record.boot : undefined };
      delete state.done;
    } else if (typeof record.up === 'string' && before !== undefined) {
      const state = fileOf(record.up);
      state.up = { before: before ?? undefined, version };
      delete state.done;
    } else continue;
    records++;
  }
  return { header, files, records };
}

/** Whether `text` (no newline in it) is what a kill can leave of a first line: a part of one, or zeros a power loss left. */
function tornHeader(text: string): boolean {
  if (/^\0*$/.test(text)) return true;
  const lead = `{"journal":"${MAGIC}"`;
  const rest = text.slice(9);
  return /^[0-9a-f]*$/.test(text.slice(0, 8)) && (text.length <= 8 || text[8] === ' ') && (lead.startsWith(rest) || rest.startsWith(lead));
}

/** A whole number or null; undefined for anything else. */
function nullableNumber(value: unknown): number | null | undefined {
  return value === null || (typeof value === 'number' && Number.isSafeInteger(value)) ? value : undefined;
}

/** Refuse a journal written for another job, naming the first field that differs. */
function checkJob(path: string, theirs: JournalJob | undefined, ours: JournalJob): void {
  const differs = (field: JournalField, detail: string): never => {
    throw new JournalMismatchError(path, field, detail);
  };
  if (typeof theirs !== 'object' || theirs === null) return differs('format', 'the file is not a journal of ftpkit');
  if (theirs.kind !== ours.kind) differs('kind', `it is a journal of ${theirs.kind}, not of ${ours.kind}`);
  if (theirs.direction !== ours.direction) differs('direction', `it is a journal of ${theirs.direction === 'download' ? 'a download' : 'an upload'}`);
  if (theirs.server !== ours.server) differs('server', 'it was written for another server or user');
  if (theirs.remote !== ours.remote) differs('remote', `it was written for the remote folder ${JSON.stringify(theirs.remote)}, not ${JSON.stringify(ours.remote)}`);
  if (theirs.local !== ours.local) differs('local', `it was written for the local folder ${JSON.stringify(theirs.local)}, not ${JSON.stringify(ours.local)}`);
  const options = Object.keys(ours.options).filter((key) => JSON.stringify((theirs.options as never)?.[key]) !== JSON.stringify(ours.options[key as keyof JournalJob['options']]));
  if (options.length > 0) differs('options', `it was written with other ${options.join(', ')}`);
}

function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.size === b.size && a.time === b.time;
}

/** The records that state needs: one a file. */
function recordsOf(files: Map<string, FileState>): JournalRecord[] {
  const out: JournalRecord[] = [];
  for (const [path, state] of files) {
    if (state.done) out.push({ done: path, ...state.done });
    if (state.part) out.push({ part: path, at: state.part.at, ...state.part.version, ...(state.part.boot ? { boot: state.part.boot } : {}) });
    if (state.up) out.push({ up: path, before: state.up.before ?? null, ...state.up.version });
  }
  return out;
}

function liveRecords(files: Map<string, FileState>): number {
  return recordsOf(files).length;
}

/** Write `values` as the whole file `path`, one line each, synced. */
async function writeWhole(path: string, values: readonly unknown[], flags: 'w'): Promise<void> {
  const handle = await open(path, flags, 0o600).catch((err: unknown) => {
    throw localFileError(err, 'write', path);
  });
  try {
    await handle.writeFile(values.map(lineOf).join(''));
    await handle.datasync();
  } catch (err) {
    throw localFileError(err, 'write', path);
  } finally {
    await handle.close().catch(() => {});
  }
}
