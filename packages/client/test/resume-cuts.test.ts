/**
 * Resume without loss (issue 6): downloads and uploads on real servers (vsftpd and ProFTPD, plain and
 * explicit TLS) are interrupted at random offsets and resumed with `startAt` until complete; the
 * result must be byte-identical (SHA-256) to the source.
 *
 * Two ways to interrupt. Most cuts are real connection kills: the client talks to the server through
 * the testkit's cut proxy, which resets (RST) both sides of the data connection after a random number
 * of bytes. The others abort through the AbortSignal once a random number of bytes has moved (ABOR).
 * Each attempt after a cut is a new session, as after a dropped network; the old one is closed with
 * QUIT first, which the server answers only once it has finished with the cut transfer, so the next
 * session's SIZE sees everything the server kept.
 *
 * The resume offset is what a user has at hand: the partial local file's length for a download, the
 * remote SIZE for an upload. The seed is random and printed on failure; FTPKIT_RESUME_SEED replays one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rejectionOf, reset, seededRandom, startCutProxy, startScriptedServer, startServer, type CutProxy, type RunningServer, type ServerKind } from '@ftpkit/testkit';
import { Client, FtpReplyError, isAbortError, isFtpError, type ClientOptions, type TransferOptions } from '../src/index.js';

const MiB = 1024 * 1024;
const SIZE = 8 * MiB + 17;
/**
 * An upload from a file path moves 1 MiB per read (transfers.ts), and a signal can only land between
 * reads: a signal cut of an upload falls at least this far before the end, so it is a cut mid-transfer.
 */
const UPLOAD_READ = MiB;
/** Interruptions per transfer before it may complete: this many signal aborts, then proxy kills. */
const PROXY_CUTS = 4;
const SIGNAL_CUTS = 2;
const SEED = Number(process.env['FTPKIT_RESUME_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

const MODES = [
  { name: 'plain', secure: false },
  { name: 'tls', secure: 'explicit' },
] as const;
const KINDS: readonly ServerKind[] = ['vsftpd', 'proftpd'];

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const localSize = (path: string) => stat(path).then((s) => s.size, () => 0);

type Interruption = { readonly how: 'proxy' | 'signal'; readonly after: number };
type Plan = readonly Interruption['how'][];

/** What happened to one transfer: the offsets it was resumed from and how each attempt ended. */
interface Journey {
  readonly cuts: { how: Interruption['how']; at: number; outcome: string }[];
  /** Attempts that resolved although the proxy had cut them short (FTP stream mode cannot tell). */
  shortSuccesses: number;
}

let scratch: string;
const totals = { download: 0, upload: 0, proxy: 0, signal: 0, shortSuccesses: 0 };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-resume-'));
});
afterAll(async () => {
  console.log(`resume-cuts: seed ${SEED}; cuts ${JSON.stringify(totals)}`);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe.concurrent.each(KINDS)('%s', (kind) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(kind, {});
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const [modeIndex, mode] of MODES.entries()) {
    for (const [dirIndex, direction] of (['download', 'upload'] as const).entries()) {
      test(`${mode.name}: ${direction} cut ${PROXY_CUTS + SIGNAL_CUTS} times at random offsets, resumed, byte-identical`, async (ctx) => {
        // One proxy per test, each on its own loopback address: a cut is armed for "the next data
        // connection", which must be this test's.
        const lane = KINDS.indexOf(kind) * 4 + modeIndex * 2 + dirIndex;
        const random = seededRandom(SEED + lane);
        const log: string[] = [];
        ctx.onTestFailed(() => console.log(`seed ${SEED} (FTPKIT_RESUME_SEED=${SEED} replays it), lane ${lane}\n${log.join('\n')}`));
        await using proxy = await startCutProxy({ target: server, host: `127.0.0.${2 + lane}` });
        const options: ClientOptions = {
          host: proxy.host,
          port: proxy.port,
          user: server.user,
          password: server.password,
          secure: mode.secure,
          tls: { ca: server.caPem, servername: 'localhost' },
          timeouts: { connect: 10_000, reply: 10_000, dataIdle: 10_000 },
        };
        const source = randomBytes(SIZE);
        // Signal cuts first: an upload's needs more than UPLOAD_READ bytes left.
        const plan: Interruption['how'][] = [...Array<'signal'>(SIGNAL_CUTS).fill('signal'), ...Array<'proxy'>(PROXY_CUTS).fill('proxy')];
        const name = `${mode.name}-${direction}.bin`;
        const way = direction === 'download' ? await downloadTo(server, name, source) : await uploadFrom(server, options, name, source);
        const journey = await resume(options, proxy, way, source, plan, random, log);
        expect(journey.cuts.filter((c) => c.how === 'proxy').length).toBe(PROXY_CUTS);
        expect(journey.cuts.filter((c) => c.how === 'signal').length).toBe(SIGNAL_CUTS);
        totals[direction] += journey.cuts.length;
        totals.proxy += PROXY_CUTS;
        totals.signal += SIGNAL_CUTS;
        totals.shortSuccesses += journey.shortSuccesses;
      });
    }
  }
});

// Found by the cuts above: an upload from a file path whose data connection was reset kept the file
// open until garbage collection (Node warned "Closing file descriptor N on garbage collection").
test('an upload cut by a reset releases its source file at once', async () => {
  const local = join(scratch, 'released.bin');
  await writeFile(local, randomBytes(8 * MiB));
  const server = await startScriptedServer({
    handlers: {
      STOR: async (_, ctx) => {
        const data = await ctx.acceptData();
        ctx.reply('150 send');
        await new Promise((resolve) => data.once('data', resolve));
        reset(data);
        return '426 Connection reset; transfer aborted';
      },
    },
  });
  const client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' });
  try {
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    const err = await rejectionOf(client.upload(local, 'big'));
    expect(err).toBeInstanceOf(FtpReplyError);
    // The upload has settled: its file must be closed by now (a file handle closes asynchronously,
    // within a turn or two of the event loop; give it up to a second, never a GC's leisure).
    const deadline = performance.now() + 1000;
    while (openFiles() > before && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(openFiles()).toBeLessThanOrEqual(before);
  } finally {
    await client.close();
    await server.close();
  }
});

/**
 * The next interruption, none once the plan is done: after a random byte count within the first half
 * of what is left (minus `slack` for a signal cut), so that it falls mid-transfer and leaves room for
 * the cuts after it.
 */
function nextCut(plan: Plan, done: number, random: () => number, remaining: number, slack = 0): Interruption | undefined {
  const how = plan[done];
  if (!how) return undefined;
  const room = Math.floor((remaining - (how === 'signal' ? slack : 0)) / 2);
  if (room < 2) throw new Error(`only ${remaining} bytes left for a ${how} cut: make the file larger`);
  return { how, after: 1 + Math.floor(random() * (room - 1)) };
}

/**
 * One attempt in a new session: `run` moves bytes; an interruption (if any) is armed first. Returns
 * how the attempt ended, asserting that a failure is typed. The session is closed with QUIT.
 */
async function attempt(
  options: ClientOptions,
  proxy: CutProxy,
  cut: Interruption | undefined,
  run: (client: Client, onProgress: ((p: { bytes: number }) => void) | undefined, signal: AbortSignal | undefined) => Promise<unknown>,
): Promise<{ ok: boolean; cutHappened: boolean; outcome: string }> {
  const client = await Client.connect(options);
  try {
    const abort = new AbortController();
    let proxyCut: Promise<boolean> | undefined;
    if (cut?.how === 'proxy') proxyCut = proxy.cutNextData(cut.after).then(() => true, () => false);
    const onProgress =
      cut?.how === 'signal'
        ? (p: { bytes: number }) => {
            if (p.bytes >= cut.after) abort.abort();
          }
        : undefined;
    let outcome = 'completed';
    let ok = true;
    try {
      await run(client, onProgress, cut?.how === 'signal' ? abort.signal : undefined);
    } catch (err) {
      // Whatever the cut did, the client reports it as a typed error, never a TypeError or the like.
      expect(isFtpError(err) || isAbortError(err), `untyped error: ${String(err)}`).toBe(true);
      ok = false;
      outcome = `${(err as Error).name}: ${(err as Error).message}`;
    }
    const cutHappened = cut?.how === 'proxy' ? await proxyCut! : cut?.how === 'signal' ? abort.signal.aborted : false;
    return { ok, cutHappened, outcome };
  } finally {
    await client.close();
  }
}

/** How one direction moves its bytes, and where a user finds the offset to resume from. */
interface Direction {
  readonly name: 'download' | 'upload';
  /** Signal cuts need this many bytes of room before the end (see UPLOAD_READ). */
  readonly slack: number;
  /** The offset at hand: the partial local file's length, or the remote SIZE. */
  offset(): Promise<number>;
  transfer(client: Client, offset: number, options: TransferOptions): Promise<unknown>;
  /** The copy, once complete. */
  copy(): Promise<Uint8Array>;
}

async function downloadTo(server: RunningServer, name: string, source: Uint8Array): Promise<Direction> {
  await writeFile(join(server.root, name), source, { mode: 0o644 });
  const local = join(scratch, `${server.kind}-${name}`);
  return {
    name: 'download',
    slack: 0,
    offset: () => localSize(local),
    transfer: async (client, offset, options) => {
      if (offset > 0) return client.download(`/${name}`, local, { ...options, startAt: offset });
      // A first attempt to a file path goes to a temporary name that a failure deletes: a resumable
      // download keeps its partial bytes by writing them itself.
      const handle = await open(local, 'w');
      try {
        return await client.download(`/${name}`, async (chunk) => void (await handle.write(chunk)), options);
      } finally {
        await handle.close();
      }
    },
    copy: () => readFile(local),
  };
}

async function uploadFrom(server: RunningServer, options: ClientOptions, name: string, source: Uint8Array): Promise<Direction> {
  const local = join(scratch, `${server.kind}-${name}`);
  await writeFile(local, source);
  return {
    name: 'upload',
    slack: UPLOAD_READ,
    offset: async () => {
      // Asked in a new session, as a user resuming after a dropped connection would.
      const client = await Client.connect(options);
      try {
        return await client.size(`/${name}`).catch(() => 0);
      } finally {
        await client.close();
      }
    },
    transfer: (client, offset, transfer) => client.upload(local, `/${name}`, { ...transfer, ...(offset > 0 ? { startAt: offset } : {}) }),
    copy: () => readFile(join(server.root, name)),
  };
}

/** Interrupt `direction` as `plan` says, resuming each time, until the copy is complete; check it. */
async function resume(options: ClientOptions, proxy: CutProxy, direction: Direction, source: Uint8Array, plan: Plan, random: () => number, log: string[]): Promise<Journey> {
  const journey: Journey = { cuts: [], shortSuccesses: 0 };
  for (let round = 0; ; round++) {
    const offset = await direction.offset();
    if (offset === source.length) break;
    if (round === 2 * plan.length + 2) throw new Error(`no progress after ${round} attempts`);
    const next = nextCut(plan, journey.cuts.length, random, source.length - offset, direction.slack);
    const result = await attempt(options, proxy, next, (client, onProgress, signal) =>
      direction.transfer(client, offset, { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) }),
    );
    const now = await direction.offset();
    log.push(`${direction.name} from ${offset}: ${next ? `${next.how} after ${next.after}` : 'no cut'} → ${result.outcome}; now ${now}`);
    if (next && result.cutHappened) {
      journey.cuts.push({ how: next.how, at: now, outcome: result.outcome });
      if (result.ok && now < source.length) journey.shortSuccesses++;
    } else {
      expect(result.ok, `uncut ${direction.name} failed: ${result.outcome}`).toBe(true);
    }
  }
  expect(journey.cuts.length).toBe(plan.length);
  expect(sha256(await direction.copy())).toBe(sha256(source));
  return journey;
}
