/**
 * The lock of a tree job's journal: one run at a time writes it.
 *
 * Two runs of one job (a scheduled `ftpkit mirror --continue` that starts while the last one still
 * runs) would copy the same files into the same part files at once, and a part file written by two
 * processes can be renamed into place whole-looking and wrong. So a run that writes a journal first
 * creates a lock file beside it, exclusively (`O_EXCL`), holding its process id, this boot of the
 * machine and a token of its own, and removes it when it closes the journal.
 *
 * A lock whose holder is gone is taken over: no such process, or one of an earlier boot of the
 * machine (a killed run leaves its lock, and the journal exists to let the next run go on). A
 * holder that runs, or that the runtime cannot ask about, keeps it: the next run is refused with
 * {@link JournalBusyError}, which names the lock file to remove when the process id now belongs to
 * another program. A lock file without a whole record (a run killed while it created it) counts as
 * gone. After creating its lock a run reads it back, so that of two runs taking over one stale lock
 * in the same moment, the one whose lock the other replaced tries again and finds it held.
 *
 * @module
 */
import { JournalBusyError } from '../errors.js';
import { basename, dirname, join, localFileError, open, processId, processRuns, readFile, unlink } from '../io/fs.js';
import { sideName } from '../io/paths.js';

/** What a lock file holds. */
interface Holder {
  readonly pid: number;
  readonly boot?: string;
  readonly token: string;
}

/** A lock this process holds: its file and the exact text it wrote there. */
export interface JournalLock {
  readonly path: string;
  readonly text: string;
}

/** How many times a run tries to create the lock when it finds a stale one, or loses a race for it. */
const ATTEMPTS = 3;

/** The lock file of the journal at `journal`: beside it, hidden. */
export function lockPathOf(journal: string): string {
  return join(dirname(journal), sideName(basename(journal), '.lock'));
}

/**
 * Take the lock of the journal at `journal` (whose folder exists) for this process, in this `boot`
 * of the machine; a run that holds it is a {@link JournalBusyError}.
 */
export async function takeLock(journal: string, boot: string | undefined): Promise<JournalLock> {
  const path = lockPathOf(journal);
  const pid = processId() ?? 0;
  const token = `${pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`;
  const text = `${JSON.stringify({ pid, ...(boot === undefined ? {} : { boot }), token })}\n`;
  let holder: Holder | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await create(path, text)) {
      const now = await readText(path);
      if (now === text) return { path, text };
      holder = holderOf(now);
      continue;
    }
    const seen = await readText(path);
    if (seen === undefined) continue;
    holder = holderOf(seen);
    if (holder !== undefined && runs(holder, boot)) throw new JournalBusyError(journal, path, holder.pid);
    // Gone: remove it, unless another run replaced it since it was read.
    if ((await readText(path)) === seen) await unlink(path).catch(() => {});
  }
  throw new JournalBusyError(journal, path, holder?.pid ?? 0);
}

/** Give the lock back: remove its file, when it is still this run's. */
export async function releaseLock(lock: JournalLock): Promise<void> {
  if ((await readText(lock.path)) === lock.text) await unlink(lock.path).catch(() => {});
}

/** Create `path` holding `text`, only if nothing has that name: false when something has. */
async function create(path: string, text: string): Promise<boolean> {
  const handle = await open(path, 'wx', 0o600).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw localFileError(err, 'create the journal lock', path);
  });
  if (handle === undefined) return false;
  try {
    await handle.writeFile(text);
  } catch (err) {
    await unlink(path).catch(() => {});
    throw localFileError(err, 'write', path);
  } finally {
    await handle.close().catch(() => {});
  }
  return true;
}

/** The text of `path`, or undefined when it cannot be read (gone meanwhile). */
function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** The holder a lock file names, or undefined for a torn or foreign one. */
function holderOf(text: string | undefined): Holder | undefined {
  if (text === undefined || !text.endsWith('\n')) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return Number.isSafeInteger(value.pid) && typeof value.token === 'string' ? (value as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the run that wrote `holder` may still run: same boot (where known) and its process not gone. */
function runs(holder: Holder, boot: string | undefined): boolean {
  if (holder.boot !== undefined && boot !== undefined && holder.boot !== boot) return false;
  return processRuns(holder.pid) !== false;
}
