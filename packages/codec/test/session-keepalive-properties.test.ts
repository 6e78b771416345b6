/**
 * Property test of keep-alive NOOPs during a transfer: random interleavings of the server's output
 * (cut anywhere), its reads of the control connection, data-connection news, keep-alive ticks and
 * an abort, against every way a server treats a NOOP during a transfer (support/keepalive-server.ts).
 * Whatever the interleaving, the transfer's outcome carries the server's own final reply, and the
 * next command gets its own reply, never one meant for a NOOP.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FtpReplyError, RemoteProtocolError } from '../src/errors.js';
import { commands, type Action, type Operation } from '../src/index.js';
import { arbChunks } from '../src/testing/replies.js';
import { loggedIn } from './session-harness.js';
import { KeepAliveServer, type KeepAliveServerOptions, type NoopDuringTransfer } from './support/keepalive-server.js';

const decoder = new TextDecoder();
const dataError = new RemoteProtocolError('the data connection was reset');

type Direction = 'RETR' | 'STOR';

/** The client side of one run: the session, the server, the data connection and what ended. */
interface World {
  readonly session: ReturnType<typeof loggedIn>['session'];
  readonly server: KeepAliveServer;
  readonly direction: Direction;
  data: 'none' | 'connecting' | 'open' | 'ended' | 'closed';
  ready: boolean;
  /** Terminal actions, in order: the transfer's, then the next command's. */
  readonly ends: Action[];
  /** The commands of those operations, as sent. */
  readonly ops: string[];
  aborted: boolean;
  ticks: number;
}

function apply(w: World, actions: readonly Action[]): void {
  for (const a of actions) {
    if (a.type === 'send') w.server.input.push(...decoder.decode(a.bytes).split('\r\n').slice(0, -1));
    else if (a.type === 'openData') w.data = 'connecting';
    else if (a.type === 'dataReady') w.ready = true;
    else if (a.type === 'closeData') {
      // Closed before its end: the server's transfer fails, now or when it starts. A connection that
      // has ended already stays 'ended': closeData may repeat (the driver makes it idempotent), and
      // closing what is closed takes nothing back from the server. An upload whose bytes all went
      // out still ends with the server's final reply, even when the user aborts after that. (The
      // model used to mark it 'closed' without a cut, a state in which its server could never end
      // the STOR: with a server that does not read during a transfer, nothing could happen next.)
      if (w.data === 'connecting' || w.data === 'open') {
        w.server.dataCut = true;
        w.data = 'closed';
      }
    } else if (a.type === 'done' || a.type === 'failed' || a.type === 'aborted') w.ends.push(a);
  }
}

/** The moves the world can make now; each one changes something. */
function moves(w: World, size: number): (() => void)[] {
  const { server, session } = w;
  const list: (() => void)[] = [];
  if (server.output.length > 0) list.push(() => apply(w, session.receive(server.take(size < 0 ? server.output.length : 1 + (size % server.output.length)))));
  if (server.input.length > 0 && server.willRead) list.push(() => server.read());
  if (server.closing && server.output.length === 0 && session.state !== 'closed') list.push(() => apply(w, session.end()));
  if (w.data === 'connecting') list.push(() => ((w.data = 'open'), apply(w, session.dataOpened())));
  if (server.phase === 'transferring' && (w.direction === 'RETR' || w.data === 'ended' || server.dataCut)) list.push(() => server.finish());
  if (w.data === 'open' && w.direction === 'RETR' && server.final !== undefined) {
    list.push(() => ((w.data = 'ended'), apply(w, server.final!.startsWith('226') ? session.dataClosed() : session.dataFailed(dataError))));
  }
  if (w.data === 'open' && w.direction === 'STOR' && w.ready && server.phase === 'transferring') list.push(() => ((w.data = 'ended'), apply(w, session.dataClosed())));
  return list;
}

/** A keep-alive tick: NOOP when the session takes one, nothing otherwise. */
function tick(w: World): void {
  const can = w.session.canKeepAlive;
  const actions = w.session.keepAlive();
  if (!can) return void expect(actions).toEqual([]);
  expect(actions.map((a) => (a.type === 'send' ? a.command : a.type))).toEqual(['NOOP']);
  w.ticks++;
  apply(w, actions);
}

/** Once the transfer has ended on a live session, the next command goes out at once. */
function startNext(w: World): void {
  if (w.ends.length !== 1 || w.ops.length !== 1 || w.session.state !== 'idle') return;
  const op: Operation = { kind: 'command', command: commands.size('f') };
  w.ops.push('SIZE f');
  apply(w, w.session.start(op));
}

/** The text of a reply as the server wrote it. */
const wire = (reply: { code: number; text: string }): string => `${reply.code} ${reply.text}`;

/** Every reply the session reports for an operation is the one the server wrote for its command. */
function checkViews(w: World): void {
  w.ends.forEach((end, i) => {
    const command = w.ops[i]!;
    const mine = w.server.answers.filter((a) => a.command === command).map((a) => a.reply);
    if (end.type === 'done' && end.result.kind === 'reply') {
      expect(mine).toContain(wire(end.result.reply));
      expect(mine.at(-1)).toBe(wire(end.result.reply));
      if (end.result.preliminary) expect(mine[0]).toBe(wire(end.result.preliminary));
    }
    // RFC 959 §4.2: a 421 may answer any command, and ends the session whichever it answers.
    if (end.type === 'failed' && end.error instanceof FtpReplyError && end.error.reply.code !== 421) expect(mine).toContain(wire(end.error.reply));
  });
}

const noopChoice = fc.constantFrom<NoopDuringTransfer>('answer', 'refuse', 'drop');
const serverOptions: fc.Arbitrary<KeepAliveServerOptions> = fc.record({
  reads: fc.boolean(),
  noops: fc.array(fc.oneof({ weight: 12, arbitrary: noopChoice }, { weight: 1, arbitrary: fc.constant<NoopDuringTransfer>('close') }), { minLength: 1, maxLength: 6 }),
  final: fc.constantFrom(226, 226, 226, 451),
  pwd: fc.constant(257),
});

/** Counts across runs, to show the property met the cases it is about. */
const seen = { settled: 0, fencedAbort: 0, nextAfterNoops: 0 };

/** One step: which move, how many bytes a delivery takes, and whether a keep-alive ticks first. */
type Step = readonly [number, number, boolean];

/** Play a run; the user aborts before step `abortAt`, if the transfer still runs then. */
function play(options: KeepAliveServerOptions, direction: Direction, steps: readonly Step[], abortAt: number | null): World {
  const h = loggedIn();
  const server = new KeepAliveServer(options);
  const w: World = { session: h.session, server, direction, data: 'none', ready: false, ends: [], ops: [`${direction} f`], aborted: false, ticks: 0 };
  apply(w, h.session.start({ kind: 'transfer', command: direction, path: 'f' }));
  for (const [i, [choice, size, keepAlive]] of steps.entries()) {
    if (keepAlive) tick(w);
    if (i === abortAt && w.session.state === 'busy' && w.ends.length === 0) {
      w.aborted = true;
      apply(w, w.session.abort());
    }
    const list = moves(w, size);
    if (list.length > 0) list[choice % list.length]!();
    startNext(w);
  }
  // Then let everything happen that can, without more ticks or aborts.
  for (let guard = 0; guard < 200; guard++) {
    const list = moves(w, -1);
    if (list.length === 0) break;
    list[0]!();
    startNext(w);
  }
  if (server.input.includes('PWD') || server.answers.some((a) => a.command === 'PWD')) {
    if (w.aborted) seen.fencedAbort++;
    else seen.settled++;
  }
  if (w.ticks > 0 && w.ends.length === 2) seen.nextAfterNoops++;
  return w;
}

/**
 * The property: each operation got its own reply, the transfer and the next command both ended (or a
 * 421 ended the session), and nothing is left unread on either side.
 */
function checkSettled(w: World): void {
  checkViews(w);
  if (w.server.closing) {
    // 421 answers a NOOP: the transfer fails with it, and the session is over.
    expect(w.ends).toHaveLength(1);
    expect(w.ends[0]!.type).toBe('failed');
    expect(w.session.state).toBe('closed');
    return;
  }
  expect(w.session.error).toBeUndefined();
  expect(w.ends.map((e) => e.type)).toHaveLength(2);
  const [transfer, next] = w.ends as [Action, Action];
  if (w.aborted) expect(['aborted', 'failed']).toContain(transfer.type);
  else expect(transfer.type).toBe(w.server.final?.startsWith('226') ? 'done' : 'failed');
  expect(next.type).toBe('done');
  expect(w.session.state).toBe('idle');
  expect(w.server.output.length + w.server.input.length).toBe(0);
}

const arbStep = fc.tuple(fc.nat(), fc.nat(), fc.boolean());
// Half the runs take at least 10 steps: with any length from 0, most runs end before a keep-alive
// ticks, and an abort that meets a PWD fence came up about twice in 3,000 runs (so a seed could miss
// it in every round); with 10 or more, about 180 times.
const arbSteps = fc.oneof(fc.array(arbStep, { maxLength: 60 }), fc.array(arbStep, { minLength: 10, maxLength: 60 }));
const arbAbortAt = fc.option(fc.nat(60));

describe('keep-alive NOOPs during a transfer, every server behaviour, every interleaving', () => {
  test('the transfer gets its own final reply, the next command its own reply, and nothing hangs or breaks', () => {
    // The cases below must each have been met; a fenced abort is rare enough that 3000 runs can
    // miss it, so more rounds of new inputs run (every one checked) until each was met, or five.
    let rounds = 0;
    do {
      fc.assert(
        fc.property(serverOptions, fc.constantFrom<Direction>('RETR', 'STOR'), arbSteps, arbAbortAt, (options, direction, steps, abortAt) => {
          checkSettled(play(options, direction, steps, abortAt));
        }),
        { numRuns: 3000 },
      );
    } while (++rounds < 5 && (seen.settled === 0 || seen.fencedAbort === 0 || seen.nextAfterNoops === 0));
    expect(seen.settled).toBeGreaterThan(0);
    expect(seen.fencedAbort).toBeGreaterThan(0);
    expect(seen.nextAfterNoops).toBeGreaterThan(0);
  });

  test('an upload aborted after its bytes all went out, on a server that reads nothing during it, still ends (CI counterexample)', () => {
    // fast-check seed -750667374: the STOR's data connection ends cleanly, then the user aborts
    // before the 226. The session's closeData changes nothing on the ended connection; the server,
    // which reads no command while transferring, writes the 226, then reads ABOR (225) and the NOOP
    // fence (200); the next command gets its own 213.
    const steps: Step[] = [[0, 0, false], [0, 916692306, false], [0, 0, false], [0, 0, false], [0, 0, false], [0, 0, false], [0, 420532054, false], [0, 0, false], [0, 0, false], [0, 0, false]];
    const w = play({ reads: false, noops: ['answer'], final: 226, pwd: 257 }, 'STOR', steps, 9);
    checkSettled(w);
    expect(w.aborted).toBe(true);
    expect(w.server.dataCut).toBe(false);
    expect(w.server.answers.map((a) => `${a.command}: ${a.reply}`)).toEqual([
      'EPSV: 229 Entering Extended Passive Mode (|||40001|) #1',
      'STOR f: 150 opening the data connection #2',
      'STOR f: 226 transfer complete #3',
      'ABOR: 225 no transfer to ABOR #4',
      'NOOP: 200 NOOP ok #5',
      'SIZE f: 213 4096 #6',
    ]);
    expect(w.ends.map((e) => e.type)).toEqual(['aborted', 'done']);
  });

  test('a server that refuses PWD too may break the session or stall it, but never hands a command another one\'s reply', () => {
    fc.assert(
      fc.property(serverOptions, fc.constantFrom<Direction>('RETR', 'STOR'), arbSteps, arbAbortAt, (options, direction, steps, abortAt) => {
        const w = play({ ...options, pwd: 502 }, direction, steps, abortAt);
        checkViews(w);
        if (w.session.state === 'broken') expect(w.session.error).toBeInstanceOf(RemoteProtocolError);
      }),
      { numRuns: 1500 },
    );
  });

  test('splitting the server\'s bytes anywhere gives the same outcome', () => {
    // arbChunks cuts one conversation's replies; each piece is read before the next command goes out.
    fc.assert(
      fc.property(arbChunks(new TextEncoder().encode('200 NOOP during the transfer #3\r\n226 transfer complete #4\r\n')), (chunks) => {
        const h = loggedIn();
        h.start({ kind: 'transfer', command: 'RETR', path: 'f' });
        h.reply('229 Entering Extended Passive Mode (|||40001|)\r\n');
        h.dataOpened();
        h.reply('150 opening #1\r\n');
        h.session.keepAlive().forEach((a) => h.actions.push(a));
        h.session.keepAlive().forEach((a) => h.actions.push(a));
        for (const chunk of chunks) h.session.receive(chunk).forEach((a) => h.actions.push(a));
        h.dataClosed();
        // One NOOP is still owed: PWD fences it, and the late 200 comes before PWD's 257.
        expect(h.sent.slice(-1)).toEqual(['PWD']);
        h.reply('200 NOOP ok #5\r\n257 "/" #6\r\n');
        expect(h.outcome?.type).toBe('done');
        expect(h.outcome?.type === 'done' && wire(h.outcome.result.kind === 'reply' ? h.outcome.result.reply : { code: 0, text: '' })).toBe('226 transfer complete #4');
        expect(h.session.state).toBe('idle');
      }),
    );
  });
});

