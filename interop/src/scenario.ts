/**
 * The scenario every matrix cell runs: one logged-in session that walks through what users do most
 * (login, mkdir -p, upload, list, stat, download, resume both ways, rename, abort then continue, rm -r),
 * checking every transferred byte by SHA-256 against local data. Written against `@ftpkit/client` and
 * `node:` modules only, so that Node, Deno and Bun run the same code with their own transport.
 *
 * Steps run in order and each depends on the ones before it: after the first failure the rest are
 * reported as `not run`.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, FtpReplyError, NotFoundError, isAbortError, type ClientOptions, type ListingEntry } from '@ftpkit/client';
import { STEP_NAMES, type CellSpec, type StepName, type StepResult } from './cell.js';

const KiB = 1024;
/** Round-trip file size: odd, so that no chunking lines up with it. */
const FILE_SIZE = 1024 * KiB + 17;
/** Where the resumed transfers pick up. */
const RESUME_AT = 300 * KiB + 5;
/** An aborted upload sends this much before the abort. */
const ABORT_UPLOAD_AFTER = 512 * KiB;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

class StepFailure extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

/** `Name [code]: message`, then the causes, for the report. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 4; depth += 1) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(current instanceof StepFailure ? current.message : `${current.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join(' ← ').replace(/\s+/g, ' ');
}

export function clientOptions(cell: CellSpec, log?: ClientOptions['log'], onRetry?: (error: unknown) => void): ClientOptions {
  return {
    ...(cell.retries === undefined ? {} : { retry: { retries: 3, delay: 100, ...(onRetry ? { onRetry: (event: { error: unknown }) => onRetry(event.error) } : {}) } }),
    ...(log ? { log } : {}),
    host: cell.host,
    port: cell.port,
    user: cell.user,
    password: cell.password,
    secure: cell.secure,
    mode: cell.mode,
    epsv: cell.epsv,
    pipelining: cell.pipelining,
    tls: {
      ca: [cell.caPem],
      ...(cell.tlsVersion ? { minVersion: cell.tlsVersion, maxVersion: cell.tlsVersion } : {}),
    },
    timeouts: { connect: 10_000, reply: 15_000, dataIdle: 15_000 },
    ...(cell.proxy === undefined ? {} : { proxy: cell.proxy }),
  };
}

function entryNamed(entries: readonly ListingEntry[], name: string): ListingEntry | undefined {
  return entries.find((entry) => entry.name === name);
}

/** An endless upload source of 64 KiB chunks that aborts `controller` once `limit` bytes are out. */
async function* abortingSource(controller: AbortController, limit: number): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(64 * KiB).fill(0x5a);
  for (let sent = 0; ; sent += chunk.length) {
    if (sent >= limit) controller.abort();
    yield chunk.slice();
    // Let the abort reach the transfer: a generator that never yields to the event loop would not stop.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function expectAborted(promise: Promise<unknown>, what: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    check(isAbortError(error), `${what}: expected an AbortError, got ${describeError(error)}`);
    return;
  }
  throw new StepFailure(`${what}: finished although it was aborted`);
}

/** Run the scenario for one cell. `scratch` is a local folder of the cell's own. */
export async function runScenario(cell: CellSpec, scratch: string): Promise<StepResult[]> {
  const data = new Uint8Array(randomBytes(FILE_SIZE));
  const dataHash = sha256(data);
  const source = join(scratch, 'source.bin');
  await writeFile(source, data);
  const w = cell.work;
  let client: Client | undefined;
  // The protocol log's tail, for the report of a failed step.
  const started = performance.now();
  const transcript: string[] = [];
  const log: ClientOptions['log'] = (entry) => {
    transcript.push(`${Math.round(performance.now() - started)} ${entry.direction} ${entry.text}`);
    if (transcript.length > 40) transcript.shift();
  };
  // What the client retried during the current step (cells with `retries` only).
  const retried: string[] = [];
  const session = (): Client => {
    check(client !== undefined, 'no session');
    return client;
  };

  const steps: Record<StepName, () => Promise<void>> = {
    login: async () => {
      client = await Client.connect(clientOptions(cell, log, (error) => retried.push(describeError(error))));
      check((await client.pwd()) === '/', 'the chrooted session does not start at /');
    },
    'mkdir -p': async () => {
      await session().mkdir(`${w}/a/b/c`, { recursive: true });
      // Again: an existing path is not an error for mkdir -p.
      await session().mkdir(`${w}/a/b`, { recursive: true });
      const c = entryNamed(await session().list(`${w}/a/b`), 'c');
      check(c?.type === 'directory', `${w}/a/b/c is not listed as a directory`);
    },
    upload: async () => {
      const result = await session().upload(source, `${w}/a/data.bin`);
      check(result.bytes === FILE_SIZE, `upload reported ${result.bytes} bytes, sent ${FILE_SIZE}`);
    },
    list: async () => {
      const entries = await session().list(`${w}/a`);
      const file = entryNamed(entries, 'data.bin');
      check(file?.type === 'file' && file.size === FILE_SIZE, `listing shows data.bin as ${JSON.stringify(file)}`);
      check(entryNamed(entries, 'b')?.type === 'directory', 'listing lacks the folder b');
    },
    stat: async () => {
      const entry = await session().stat(`${w}/a/data.bin`);
      check(entry.type === 'file' && entry.size === FILE_SIZE, `stat says ${JSON.stringify(entry)}`);
    },
    download: async () => {
      const target = join(scratch, 'download.bin');
      const result = await session().download(`${w}/a/data.bin`, target);
      const got = new Uint8Array(await readFile(target));
      check(result.bytes === FILE_SIZE && sha256(got) === dataHash, `downloaded ${got.length} bytes that do not match the upload`);
      // The `EPSV pipelined` cells must really pipeline: EPSV and RETR out with no reply between them.
      const retr = transcript.findLastIndex((line) => line.endsWith(`> RETR ${w}/a/data.bin`));
      const together = retr > 0 && (transcript[retr - 1] ?? '').endsWith('> EPSV');
      check(together === cell.pipelining, `EPSV and RETR ${together ? 'went out together without' : 'did not go out together with'} pipelining`);
    },
    'resume download': async () => {
      const target = join(scratch, 'resumed.bin');
      await writeFile(target, data.subarray(0, RESUME_AT));
      const result = await session().download(`${w}/a/data.bin`, target, { startAt: RESUME_AT });
      const got = new Uint8Array(await readFile(target));
      check(result.bytes === FILE_SIZE - RESUME_AT, `the resumed download moved ${result.bytes} bytes`);
      check(sha256(got) === dataHash, `the resumed file (${got.length} bytes) does not match`);
    },
    'resume upload': async () => {
      await session().upload(data.subarray(0, RESUME_AT), `${w}/a/part.bin`);
      const result = await session().upload(source, `${w}/a/part.bin`, { startAt: RESUME_AT });
      check(result.bytes === FILE_SIZE - RESUME_AT, `the resumed upload moved ${result.bytes} bytes`);
      const got = await session().downloadToBytes(`${w}/a/part.bin`);
      check(sha256(got) === dataHash, `the resumed remote file (${got.length} bytes) does not match`);
    },
    rename: async () => {
      await session().rename(`${w}/a/data.bin`, `${w}/moved.bin`);
      check((await session().stat(`${w}/moved.bin`)).size === FILE_SIZE, 'the renamed file has another size');
      try {
        await session().stat(`${w}/a/data.bin`);
      } catch (error) {
        const missing = error instanceof NotFoundError || (error instanceof FtpReplyError && error.reply.code === 550);
        check(missing, `stat of the old name: expected NotFoundError or 550, got ${describeError(error)}`);
        return;
      }
      throw new StepFailure('the old name still exists after rename');
    },
    'abort download, continue': async () => {
      const controller = new AbortController();
      let seen = 0;
      await expectAborted(
        session().download(cell.bigPath, () => {}, {
          signal: controller.signal,
          onProgress: (progress) => {
            seen = progress.bytes;
            controller.abort();
          },
        }),
        'download',
      );
      check(seen > 0 && seen < cell.bigSize, `the abort landed at ${seen} of ${cell.bigSize} bytes, not mid-transfer`);
      // The session goes on: a full download right after must be whole.
      const got = await session().downloadToBytes(`${w}/moved.bin`);
      check(sha256(got) === dataHash, 'the download after the abort does not match');
    },
    'abort upload, continue': async () => {
      const controller = new AbortController();
      await expectAborted(
        session().upload(abortingSource(controller, ABORT_UPLOAD_AFTER), `${w}/aborted.bin`, { signal: controller.signal }),
        'upload',
      );
      const result = await session().upload(data, `${w}/after-abort.bin`);
      check(result.bytes === FILE_SIZE, 'the upload after the abort was short');
      check((await session().size(`${w}/after-abort.bin`)) === FILE_SIZE, 'the upload after the abort has the wrong size');
    },
    'rm -r': async () => {
      await session().rmdir(w, { recursive: true });
      const top = await session().list('/');
      check(entryNamed(top, w.slice(1)) === undefined, `${w} is still listed after rm -r`);
    },
    quit: async () => {
      await session().close();
      check(session().closed, 'the client is not closed after close()');
    },
  };

  const results: StepResult[] = [];
  let failed = false;
  try {
    for (const step of STEP_NAMES) {
      const skip = cell.skip?.[step];
      if (failed || skip !== undefined) {
        results.push({ step, outcome: failed ? 'not run' : 'skipped', ms: 0, ...(skip === undefined ? {} : { detail: skip }) });
        continue;
      }
      const stepStarted = performance.now();
      retried.length = 0;
      try {
        await steps[step]();
        const again = retried.length === 0 ? {} : { detail: `retried ${retried.length}× after ${retried[0]}` };
        results.push({ step, outcome: 'pass', ms: Math.round(performance.now() - stepStarted), ...again });
      } catch (error) {
        failed = true;
        const ms = Math.round(performance.now() - stepStarted);
        results.push({ step, outcome: 'fail', ms, detail: describeError(error), transcript: [...transcript] });
      }
    }
  } finally {
    if (client && !client.closed) await client.close().catch(() => undefined);
  }
  return results;
}
