/**
 * Fuzzing the whole Client against the scripted server (issue 6).
 *
 * Each run draws a script of faults, one per command the server receives (the greeting included):
 * valid replies, wrong codes (1xx to 5xx, 421), malformed and oversized replies, garbage bytes, extra
 * unsolicited replies, silence, hang-ups, and on transfers misbehaving data connections (short, long,
 * reset, stalled, silent, 226 early, 1xx then 5xx). Every byte the server writes goes through a random
 * chunker (byte splits with delays). The client, with short timeouts, then runs a few random calls.
 *
 * The property: every call settles (no hang), with the right result when the server has behaved so
 * far, else with an error for which `isFtpError` or `isAbortError` holds; nothing is thrown out of an
 * event handler (no uncaught exception, no unhandled rejection); afterwards the client is closed or
 * still works (NOOP), and no socket, server or timer is left.
 *
 * In `pnpm test` the run is time-boxed (FC_NUM_RUNS runs, default 100, and at most 25 s) and seeded
 * with a fixed seed.
 * `pnpm fuzz` sets FTPKIT_FUZZ_SECONDS (default 300) and runs until then. FTPKIT_FUZZ_SEED replays a
 * seed, and with FTPKIT_FUZZ_PATH one counterexample; fast-check prints both for a failure.
 */
import fc from 'fast-check';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { leakCheck, readAll, reset, startScriptedServer, type ScriptContext, type ScriptedServer } from '@ftpkit/testkit';
import { Client, FtpReplyError, isAbortError, isFtpError } from '../src/index.js';

const SECONDS = Number(process.env['FTPKIT_FUZZ_SECONDS'] ?? 0);
const LONG = SECONDS > 0;
const NUM_RUNS = Number(process.env['FC_NUM_RUNS'] ?? (LONG ? 1_000_000_000 : 100));
const TIME_LIMIT_MS = LONG ? SECONDS * 1000 : 25_000;
/**
 * `pnpm test` replays one fixed seed, so that a run of CI depends on the code and not on the draw;
 * `pnpm fuzz` draws a new seed each time, which is where new counterexamples come from.
 */
const CI_SEED = 20261125;
const SEED = process.env['FTPKIT_FUZZ_SEED'] !== undefined ? Number(process.env['FTPKIT_FUZZ_SEED']) : LONG ? undefined : CI_SEED;
/** With the seed, replays one counterexample (fast-check's `path` of a failure). */
const PATH = process.env['FTPKIT_FUZZ_PATH'];

/** Client timeouts: short, so that a run that waits on silence settles quickly. */
const TIMEOUT_MS = 800;
/** A call that has not settled after this long hangs (every step is bounded by TIMEOUT_MS). */
const HANG_MS = 8_000;

// --- the script ---------------------------------------------------------------------------------

type ReplyFault =
  | { readonly kind: 'valid' }
  | { readonly kind: 'code'; readonly code: number; readonly text: string }
  | { readonly kind: 'garbage'; readonly bytes: Uint8Array; readonly crlf: boolean }
  | { readonly kind: 'malformed'; readonly text: string }
  | { readonly kind: 'oversized'; readonly lines: boolean }
  | { readonly kind: 'multiline' }
  | { readonly kind: 'extra'; readonly code: number }
  | { readonly kind: 'preliminary'; readonly code: number }
  | { readonly kind: 'silence' }
  | { readonly kind: 'hangup'; readonly reset: boolean };

type DataFault =
  | { readonly kind: 'normal' }
  | { readonly kind: 'trickle'; readonly bytes: number; readonly delayMs: number }
  | { readonly kind: 'short'; readonly keep: number }
  | { readonly kind: 'long'; readonly extra: number }
  | { readonly kind: 'reset'; readonly after: number; readonly final: 226 | 426 }
  | { readonly kind: 'stall'; readonly ms: number }
  | { readonly kind: 'silent' }
  | { readonly kind: 'early226' }
  | { readonly kind: 'then5xx'; readonly code: number };

interface Fault {
  readonly reply: ReplyFault;
  readonly data: DataFault;
}

const VALID: Fault = { reply: { kind: 'valid' }, data: { kind: 'normal' } };

const codeArb = fc.oneof(
  fc.constantFrom(110, 120, 125, 150, 200, 202, 211, 213, 220, 221, 225, 226, 227, 229, 230, 250, 257, 331, 332, 350, 421, 425, 426, 450, 451, 500, 501, 502, 530, 550, 551, 552, 553),
  fc.integer({ min: 100, max: 599 }),
);
const lineText = fc.string({ maxLength: 24 }).map((s) => s.replace(/[\r\n]/g, ' '));

/** Every way a reply can go wrong (never `valid`). */
const replyFaultArb: fc.Arbitrary<ReplyFault> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('code' as const), code: codeArb, text: lineText }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 48 }), crlf: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('malformed' as const),
      text: fc.oneof(fc.constantFrom('2', '20', '2000 x', 'abc', '200-never ends', ' 200 x', '200x', '', '-200 x', '999 x', '000 x', '2OO ok'), lineText),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('oversized' as const), lines: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'multiline' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extra' as const), code: codeArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('preliminary' as const), code: fc.integer({ min: 100, max: 199 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'silence' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hangup' as const), reset: fc.boolean() }) },
);

/** Every way a data connection can go wrong (never `normal`). */
const dataFaultArb: fc.Arbitrary<DataFault> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('trickle' as const), bytes: fc.integer({ min: 1, max: 4096 }), delayMs: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('short' as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('long' as const), extra: fc.integer({ min: 1, max: 5000 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reset' as const), after: fc.double({ min: 0, max: 1, noNaN: true }), final: fc.constantFrom(226 as const, 426 as const) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stall' as const), ms: fc.integer({ min: 0, max: 2 * TIMEOUT_MS }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'silent' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'early226' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('then5xx' as const), code: fc.constantFrom(425, 426, 450, 451, 550, 553) }) },
);

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ reply: replyFaultArb, data: fc.constant(VALID.data) }),
  fc.record({ reply: fc.constant(VALID.reply), data: dataFaultArb }),
);

/**
 * Faults at random points: `at` counts what the server answers (the greeting is 0, then each
 * command). A data fault that lands on a command without a data connection changes nothing.
 */
const scriptArb = fc.array(fc.record({ at: fc.nat({ max: 30 }), fault: faultArb }), { maxLength: 4 });

/** How the server's writes are cut up: piece sizes and the pause after each piece, used in turn. */
const chunkingArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ sizes: [] as number[], delays: [] as number[] }) },
  { weight: 1, arbitrary: fc.record({ sizes: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }), delays: fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 6 }) }) },
);

const OPS = ['noop', 'pwd', 'cd', 'size', 'mdtm', 'list', 'stat', 'download', 'resume', 'upload', 'rename', 'remove', 'mkdir', 'abort'] as const;
type Op = (typeof OPS)[number];

const runArb = fc.record({
  script: scriptArb,
  chunking: chunkingArb,
  ops: fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 5 }),
  fileSize: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 300_000 })),
  uploadSize: fc.integer({ min: 0, max: 200_000 }),
  mlst: fc.boolean(),
  epsv: fc.boolean(),
  pipelining: fc.boolean(),
  abortAfterMs: fc.integer({ min: 0, max: 30 }),
  resumeAt: fc.double({ min: 0, max: 1, noNaN: true }),
});
type Run = typeof runArb extends fc.Arbitrary<infer T> ? T : never;

// --- the fuzz server ----------------------------------------------------------------------------

const encoder = new TextEncoder();
const bytesOf = (n: number, salt: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + salt) & 255);
const FILE = 'a.txt';
const MDTM = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));

/** Timers of one run, all cleared (and their sleepers woken) when the run ends: none may outlive it. */
class Clock {
  readonly #pending = new Map<ReturnType<typeof setTimeout>, () => void>();
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = setTimeout(() => {
        this.#pending.delete(handle);
        resolve();
      }, ms);
      this.#pending.set(handle, resolve);
    });
  }
  stop(): void {
    for (const [handle, wake] of this.#pending) {
      clearTimeout(handle);
      wake();
    }
    this.#pending.clear();
  }
}

interface FuzzServer {
  readonly server: ScriptedServer;
  /** True once any fault other than a valid answer has been played. */
  faulted(): boolean;
  /** True once an unsolicited extra reply has been sent (see the usability check). */
  desynced(): boolean;
  /** Stop playing the script: from now on every answer is valid (chunking stays). */
  behave(): void;
  readonly file: Uint8Array;
}

async function startFuzzServer(run: Run, clock: Clock): Promise<FuzzServer> {
  const file = bytesOf(run.fileSize, 7);
  let answered = 0;
  let faulted = false;
  let desynced = false;
  let behaving = false;
  const take = (transfer: boolean): Fault => {
    const at = answered++;
    const fault = behaving ? VALID : (run.script.find((f) => f.at === at)?.fault ?? VALID);
    if (fault.reply.kind !== 'valid' || (transfer && fault.data.kind !== 'normal')) faulted = true;
    if (fault.reply.kind === 'extra') desynced = true;
    return fault;
  };

  /** Write through the run's chunker. */
  const say = async (ctx: ScriptContext, data: string | Uint8Array): Promise<void> => {
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    const { sizes, delays } = run.chunking;
    if (sizes.length === 0) return ctx.write(bytes);
    let at = 0;
    for (let piece = 0; at < bytes.length && !ctx.socket.destroyed; piece++) {
      // Cut the first pieces as drawn, then the rest at once: an oversized reply stays fast.
      const size = piece < 24 ? sizes[piece % sizes.length]! : bytes.length - at;
      ctx.write(bytes.subarray(at, at + size));
      at += size;
      const delay = delays.length > 0 ? delays[piece % delays.length]! : 0;
      await clock.sleep(piece < 8 ? delay : 0);
    }
  };
  const lines = (...ls: string[]) => ls.map((l) => `${l}\r\n`).join('');

  /** Answer `valid` (reply lines) as the fault says; false when the fault replaced the answer. */
  const answer = async (ctx: ScriptContext, fault: ReplyFault, valid: string): Promise<boolean> => {
    const [code = '200'] = /^\d{3}/.exec(valid) ?? [];
    switch (fault.kind) {
      case 'valid':
        await say(ctx, valid);
        return true;
      case 'multiline':
        // The same reply as an RFC 959 §4.2 multi-line reply, with a line that looks like another code.
        await say(ctx, `${code}-first line\r\n 500 not the end\r\n${(valid.trimEnd().split('\r\n').pop() || `${code} ok`).replace(/^(\d{3})-/, '$1 ')}\r\n`);
        return true;
      case 'code':
        await say(ctx, lines(`${fault.code} ${fault.text}`));
        return false;
      case 'garbage':
        await say(ctx, fault.crlf ? Uint8Array.from([...fault.bytes, 13, 10]) : fault.bytes);
        return false;
      case 'malformed':
        await say(ctx, lines(fault.text));
        return false;
      case 'oversized':
        // Past the codec's bounds: one line over 16 KiB, or a multi-line reply over 1 MiB.
        await say(ctx, fault.lines ? `${code}-big\r\n${' filler line\r\n'.repeat(90_000)}` : `${code} ${'x'.repeat(20_000)}`);
        return false;
      case 'extra':
        await say(ctx, valid + lines(`${fault.code} unsolicited`));
        return true;
      case 'preliminary':
        await say(ctx, lines(`${fault.code} wait`) + valid);
        return true;
      case 'silence':
        return false;
      case 'hangup':
        if (fault.reset) reset(ctx.socket);
        else ctx.socket.end();
        return false;
    }
  };

  /** A command with a plain reply. */
  const simple = (valid: (arg: string, ctx: ScriptContext) => string) => async (arg: string, ctx: ScriptContext) => {
    await answer(ctx, take(false).reply, valid(arg, ctx));
  };

  const features = () => ['EPSV', 'PASV', 'SIZE', 'MDTM', 'REST STREAM', 'UTF8', ...(run.mlst ? ['MLST type*;size*;modify*;'] : [])];
  const listing = (files: Map<string, Uint8Array>, mlsd: boolean) =>
    encoder.encode(
      [...files]
        .map(([name, b]) => (mlsd ? `type=file;size=${b.length};modify=20200102030405; ${name}\r\n` : `-rw-r--r--    1 1000     1000     ${String(b.length).padStart(8)} Jan 02  2020 ${name}\r\n`))
        .join(''),
    );

  /** A download: send `body` as the data fault says. */
  const send = async (ctx: ScriptContext, body: Uint8Array): Promise<void> => {
    const fault = take(true);
    if (!(await answer(ctx, fault.reply, ''))) return; // the fault replaced the whole exchange
    const data = await ctx.acceptData();
    const d = fault.data;
    if (d.kind === 'early226') await say(ctx, lines('150 go', '226 done early'));
    else await say(ctx, lines('150 go'));
    switch (d.kind) {
      case 'normal':
      case 'early226':
        await endWith(data, body);
        break;
      case 'trickle':
        for (let i = 0; i < body.length && !data.destroyed; i += d.bytes) {
          data.write(body.subarray(i, i + d.bytes));
          await clock.sleep(d.delayMs);
        }
        await endWith(data, new Uint8Array());
        break;
      case 'short':
        await endWith(data, body.subarray(0, Math.floor(body.length * d.keep)));
        break;
      case 'long':
        await endWith(data, Uint8Array.from([...body, ...bytesOf(d.extra, 3)]));
        break;
      case 'reset':
        await new Promise<void>((resolve) => data.write(body.subarray(0, Math.floor(body.length * d.after)), () => resolve()));
        reset(data);
        await say(ctx, lines(d.final === 226 ? '226 Transfer complete' : '426 Connection reset'));
        return;
      case 'stall':
        await clock.sleep(d.ms);
        await endWith(data, body);
        break;
      case 'silent':
        await closed(data); // never a byte: the client gives up
        return;
      case 'then5xx':
        data.destroy();
        await say(ctx, lines(`${d.code} failed`));
        return;
    }
    if (d.kind !== 'early226') await say(ctx, lines('226 Transfer complete'));
  };

  /** An upload into `name`: read it as the data fault says. */
  const receive = async (ctx: ScriptContext, name: string, append: boolean): Promise<void> => {
    const fault = take(true);
    const offset = ctx.restAt;
    ctx.restAt = 0;
    if (!(await answer(ctx, fault.reply, ''))) return;
    const data = await ctx.acceptData();
    const d = fault.data;
    if (d.kind === 'silent' || (d.kind === 'stall' && d.ms > TIMEOUT_MS)) {
      data.pause(); // stop reading: the client's writes back up, then time out
      await say(ctx, lines('150 send'));
      await closed(data);
      return;
    }
    // Listen before the (maybe slow) 150: an empty upload's end may come at once, and an 'end' that
    // nobody listened for is gone.
    const firstByte = new Promise((resolve) => data.once('data', resolve).once('end', resolve).once('close', resolve));
    const incoming = d.kind === 'reset' || d.kind === 'then5xx' ? undefined : readAll(data).catch(() => undefined);
    await say(ctx, lines('150 send'));
    if (d.kind === 'reset' || d.kind === 'then5xx') {
      await firstByte;
      if (d.kind === 'reset') reset(data);
      else data.destroy();
      await say(ctx, lines(d.kind === 'reset' ? (d.final === 226 ? '226 Transfer complete' : '426 Connection reset') : `${d.code} failed`));
      return;
    }
    if (d.kind === 'early226') await say(ctx, lines('226 done early'));
    const bytes = await incoming;
    if (bytes) {
      const old = append ? (ctx.files.get(name) ?? new Uint8Array()) : (ctx.files.get(name) ?? new Uint8Array()).subarray(0, offset);
      ctx.files.set(name, Uint8Array.from([...old, ...bytes]));
    }
    if (d.kind !== 'early226') await say(ctx, lines(bytes ? '226 Transfer complete' : '426 Connection lost'));
  };

  const passive = async (ctx: ScriptContext, epsv: boolean) => {
    const fault = take(false);
    if (fault.reply.kind !== 'valid') return void (await answer(ctx, fault.reply, ''));
    // A client that broke on a stray reply right after sending PASV may be gone, and the server closed
    // with the run: a listener opened now would outlive both and fail the leak check.
    if (ctx.socket.destroyed) return;
    const port = await ctx.passive();
    await say(ctx, lines(epsv ? `229 Entering Extended Passive Mode (|||${port}|)` : `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`));
  };

  const server = await startScriptedServer({
    files: { [FILE]: file },
    greeting: async (ctx) => void (await answer(ctx, take(false).reply, lines('220 fuzz server'))),
    handlers: {
      USER: simple(() => lines('331 Password required')),
      PASS: simple(() => lines('230 Logged in')),
      FEAT: simple(() => lines('211-Features:', ...features().map((f) => ` ${f}`), '211 End')),
      OPTS: simple(() => lines('200 OK')),
      TYPE: simple(() => lines('200 Type set')),
      PWD: simple(() => lines('257 "/" is the current directory')),
      CWD: simple(() => lines('250 OK')),
      NOOP: simple(() => lines('200 NOOP ok')),
      ABOR: simple(() => lines('225 No transfer to abort')),
      QUIT: async (_, ctx) => {
        await answer(ctx, take(false).reply, lines('221 Goodbye'));
        ctx.socket.end();
      },
      REST: simple((arg, ctx) => {
        ctx.restAt = Number(arg);
        return lines(`350 Restarting at ${arg}`);
      }),
      SIZE: simple((arg, ctx) => {
        const f = ctx.files.get(arg);
        return lines(f ? `213 ${f.length}` : '550 No such file');
      }),
      MDTM: simple(() => lines('213 20200102030405')),
      MLST: simple((arg, ctx) => {
        const f = ctx.files.get(arg);
        return f ? lines('250-Listing', ` type=file;size=${f.length};modify=20200102030405; ${arg}`, '250 End') : lines('550 No such file');
      }),
      DELE: simple(() => lines('250 Deleted')),
      RMD: simple(() => lines('250 Removed')),
      MKD: simple((arg) => lines(`257 "${arg}" created`)),
      RNFR: simple(() => lines('350 Ready for RNTO')),
      RNTO: simple(() => lines('250 Renamed')),
      EPSV: (_, ctx) => passive(ctx, true),
      PASV: (_, ctx) => passive(ctx, false),
      RETR: async (arg, ctx) => {
        const f = ctx.files.get(arg);
        const offset = ctx.restAt;
        ctx.restAt = 0;
        if (!f) return 'wrong file';
        await send(ctx, f.subarray(offset));
      },
      LIST: (_, ctx) => send(ctx, listing(ctx.files, false)),
      MLSD: (_, ctx) => send(ctx, listing(ctx.files, true)),
      STOR: (arg, ctx) => receive(ctx, arg, false),
      APPE: (arg, ctx) => receive(ctx, arg, true),
    },
  });
  return {
    server,
    file,
    faulted: () => faulted,
    desynced: () => desynced,
    behave: () => {
      behaving = true;
    },
  };
}

const endWith = (data: Socket, bytes: Uint8Array) => new Promise<void>((resolve) => (data.destroyed ? resolve() : data.end(bytes, () => resolve())));
const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

// --- the property -------------------------------------------------------------------------------

/** Errors thrown out of event handlers and rejections nobody handled, during this file. */
const stray: unknown[] = [];
const onStray = (err: unknown) => void stray.push(err);
beforeAll(() => {
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
});
afterAll(() => {
  process.off('uncaughtException', onStray);
  process.off('unhandledRejection', onStray);
});

const stats = { runs: 0, calls: 0, ok: 0, typedErrors: 0, connectFailures: 0, closedAfter: 0, usableAfter: 0 };

/** Resolves with the call's outcome, or fails the property if it does not settle in HANG_MS. */
async function settle<T>(what: string, call: Promise<T>, clock: Clock): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${HANG_MS} ms`)), HANG_MS)));
  try {
    return await Promise.race([call.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })), hang]);
  } finally {
    clearTimeout(timer);
    void clock;
  }
}

/** A reply only a data connection earns (RFC 959 §5.4), which the client must not take as NOOP's. */
const lateDataReply = (error: FtpReplyError) => error.reply.code === 425 || error.reply.code === 426;

function expectTyped(what: string, error: unknown): void {
  if (isFtpError(error) || isAbortError(error)) return;
  throw new Error(`${what} rejected with an untyped error: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
}

/** Run one call: it must settle; a failure must be typed; a clean run must give `expected`. */
async function call<T>(fuzz: FuzzServer, what: string, clock: Clock, fn: () => Promise<T>, check: (value: T) => void): Promise<void> {
  stats.calls++;
  const outcome = await settle(what, fn(), clock);
  if (outcome.ok) {
    stats.ok++;
    if (!fuzz.faulted()) check(outcome.value);
    return;
  }
  stats.typedErrors++;
  expectTyped(what, outcome.error);
  if (!fuzz.faulted() && !isAbortError(outcome.error)) throw new Error(`${what} failed against a well-behaved server`, { cause: outcome.error });
}

async function runOp(client: Client, fuzz: FuzzServer, op: Op, run: Run, clock: Clock): Promise<void> {
  const { file } = fuzz;
  const eq = (a: unknown, b: unknown) => expect(a).toEqual(b);
  switch (op) {
    case 'noop':
      return call(fuzz, op, clock, () => client.send('NOOP'), (r) => eq(r.code, 200));
    case 'pwd':
      return call(fuzz, op, clock, () => client.pwd(), (p) => eq(p, '/'));
    case 'cd':
      return call(fuzz, op, clock, () => client.cd('/'), () => {});
    case 'size':
      return call(fuzz, op, clock, () => client.size(FILE), (n) => eq(n, file.length));
    case 'mdtm':
      return call(fuzz, op, clock, () => client.lastModified(FILE), (d) => eq(d.getTime(), MDTM.getTime()));
    case 'list':
      return call(fuzz, op, clock, () => client.list(), (entries) => eq(entries.find((e) => e.name === FILE)?.size, file.length));
    case 'stat':
      return call(fuzz, op, clock, () => client.stat(FILE), (e) => eq(e.size, file.length));
    case 'download':
      return call(fuzz, op, clock, () => client.downloadToBytes(FILE), (b) => eq(Buffer.from(b).equals(Buffer.from(file)), true));
    case 'resume': {
      const at = Math.floor(file.length * run.resumeAt);
      return call(fuzz, op, clock, () => client.downloadToBytes(FILE, { startAt: at }), (b) => eq(Buffer.from(b).equals(Buffer.from(file.subarray(at))), true));
    }
    case 'upload': {
      const payload = bytesOf(run.uploadSize, 11);
      return call(fuzz, op, clock, () => client.upload(payload, 'up.bin'), () =>
        eq(Buffer.from(fuzz.server.files.get('up.bin') ?? []).equals(Buffer.from(payload)), true),
      );
    }
    case 'rename':
      return call(fuzz, op, clock, () => client.rename('from', 'to'), () => {});
    case 'remove':
      return call(fuzz, op, clock, () => client.remove('gone'), () => {});
    case 'mkdir':
      return call(fuzz, op, clock, () => client.mkdir('dir'), () => {});
    case 'abort': {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), run.abortAfterMs);
      try {
        return await call(fuzz, op, clock, () => client.downloadToBytes(FILE, { signal: abort.signal }), (b) =>
          eq(Buffer.from(b).equals(Buffer.from(file)), true),
        );
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

async function property(run: Run): Promise<void> {
  stats.runs++;
  const leaks = leakCheck();
  const clock = new Clock();
  const fuzz = await startFuzzServer(run, clock);
  let client: Client | undefined;
  // The protocol log of the run, shown with a failure.
  const trace: string[] = [];
  const t0 = performance.now();
  try {
    const connected = await settle(
      'connect',
      Client.connect({
        host: fuzz.server.host,
        port: fuzz.server.port,
        user: 'u',
        password: 'p',
        epsv: run.epsv,
        pipelining: run.pipelining,
        timeouts: { connect: TIMEOUT_MS, reply: TIMEOUT_MS, dataIdle: TIMEOUT_MS },
        log: (e) => void trace.push(`${(performance.now() - t0).toFixed(0).padStart(5)} ms ${e.direction} ${e.text}`),
      }),
      clock,
    );
    if (!connected.ok) {
      stats.connectFailures++;
      expectTyped('connect', connected.error);
      if (!fuzz.faulted()) throw new Error('connect failed against a well-behaved server', { cause: connected.error });
    } else {
      client = connected.value;
      for (const op of run.ops) await runOp(client, fuzz, op, run, clock);
      // Closed, or still usable once the server behaves.
      fuzz.behave();
      if (client.closed) stats.closedAfter++;
      else {
        const noop = await settle('NOOP after the run', client.send('NOOP'), clock);
        if (!noop.ok) {
          // A fault still in flight (a hostile answer to a command whose call was aborted, say) may
          // surface on the next call: then it must be typed and leave the client closed.
          if (!fuzz.faulted()) throw new Error(`the client is open but not usable: ${String(noop.error)}`, { cause: noop.error });
          expectTyped('NOOP after the run', noop.error);
          if (fuzz.desynced() && noop.error instanceof FtpReplyError && !lateDataReply(noop.error)) {
            // This check used to demand "closed" at once here, which no client can give: an extra reply
            // that begins after NOOP went out, with a code NOOP may get (500, 550...), is NOOP's answer
            // to any client, and fails NOOP. NOOP's own answer is still to come, unasked, and the client
            // must break on that, within one reply timeout. (425 and 426 never answer NOOP, RFC 959
            // §5.4, and an extra reply that began before NOOP went out is unsolicited: both close the
            // client at once.)
            for (const start = performance.now(); !client.closed && performance.now() - start < TIMEOUT_MS; ) await clock.sleep(5);
          }
          expect(client.closed, `open after NOOP failed: ${String(noop.error)}`).toBe(true);
        } else if (fuzz.desynced()) {
          // An extra reply that reaches the client after its next command was sent is, to any FTP
          // client, that command's answer: from then on each reply answers the previous command. The
          // client cannot always tell, so here it must only get a completion reply.
          expect(noop.value.kind).toBe('completion');
        } else {
          expect(noop.value.code).toBe(200);
        }
        stats.usableAfter++;
      }
    }
  } catch (err) {
    throw new Error(`${(err as Error).message}\nprotocol log:\n${trace.slice(-80).join('\n')}`, { cause: err });
  } finally {
    fuzz.behave();
    if (client) await settle('close', client.close(), clock);
    await fuzz.server.close();
    clock.stop();
  }
  await leaks.assertNone(2000);
  if (stray.length > 0) throw new Error(`uncaught exception or unhandled rejection: ${String(stray[0])}`, { cause: stray[0] });
}

test(
  'fuzz: every call settles with a right result or a typed error; nothing leaks or escapes',
  async () => {
    const started = performance.now();
    try {
      await fc.assert(fc.asyncProperty(runArb, property), {
        numRuns: NUM_RUNS,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(PATH === undefined ? {} : { path: PATH }),
      });
    } finally {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`fuzz: ${stats.runs} runs (incl. shrinking) in ${seconds} s; ${JSON.stringify(stats)}`);
    }
  },
  TIME_LIMIT_MS + 60_000,
);
