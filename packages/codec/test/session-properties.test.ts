import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isFtpError, LocalProtocolError, RemoteProtocolError } from '../src/errors.js';
import { SESSION_TRANSITIONS, type Action, type Operation, type WaitState } from '../src/index.js';
import { bytes, Harness, loggedIn } from './session-harness.js';

type EventName = 'reply' | 'eof' | 'tlsStarted' | 'tlsStopped' | 'listening' | 'dataOpened' | 'dataClosed' | 'dataFailed' | 'abort';
const EVENTS: readonly EventName[] = ['reply', 'eof', 'tlsStarted', 'tlsStopped', 'listening', 'dataOpened', 'dataClosed', 'dataFailed', 'abort'];

function fire(h: Harness, event: EventName, replyText = '200 ok\r\n'): Action[] {
  switch (event) {
    case 'reply':
      return h.reply(replyText);
    case 'eof':
      return h.eof();
    case 'tlsStarted':
      return h.tlsStarted();
    case 'tlsStopped':
      return h.tlsStopped();
    case 'listening':
      return h.listening('127.0.0.1', 40001);
    case 'dataOpened':
      return h.dataOpened();
    case 'dataClosed':
      return h.dataClosed();
    case 'dataFailed':
      return h.dataFailed(new RemoteProtocolError('reset'));
    case 'abort':
      return h.abort();
  }
}

/** A way to bring a fresh session into each wait state of the machine. */
const reach: Record<WaitState, () => Harness> = {
  greeting: () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'none' });
    return h;
  },
  reply: () => {
    const h = loggedIn();
    h.start({ kind: 'command', command: { name: 'NOOP' } });
    return h;
  },
  tls: () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'explicit' });
    h.reply('220 hi\r\n234 go\r\n');
    return h;
  },
  clearing: () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'a', password: 'b', security: 'implicit', ccc: true });
    h.reply('220 hi\r\n200 ok\r\n200 ok\r\n230 ok\r\n200 clear\r\n');
    return h;
  },
  listening: () => {
    const h = loggedIn();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a', mode: 'active' });
    return h;
  },
  transfer: () => {
    const h = loggedIn();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    h.reply('150 go\r\n');
    return h;
  },
  aborting: () => {
    const h = reach.transfer();
    h.abort();
    return h;
  },
};

describe('every (wait state × event) pair transitions or errors, as the table says', () => {
  for (const wait of Object.keys(reach) as WaitState[]) {
    for (const event of EVENTS) {
      const accepted = (SESSION_TRANSITIONS[wait] as readonly string[]).includes(event);
      test(`${wait} × ${event} → ${accepted ? 'handled' : 'error'}`, () => {
        const h = reach[wait]();
        expect(h.session.waiting).toBe(wait);
        const actions = fire(h, event);
        const error = h.session.error;
        if ((wait === 'tls' || wait === 'clearing') && event === 'reply') {
          // CVE-2021-22947: bytes between 234 and the handshake are dropped unread, not judged.
          expect(actions).toEqual([]);
          expect(h.session.state).toBe('busy');
        } else if (accepted) {
          // Handled by the operation: it may fail for its own reasons, never as "unexpected".
          expect(error?.message ?? '').not.toMatch(/^Unexpected (eof|tlsStarted|tlsStopped|listening|dataOpened|dataClosed|dataFailed|abort) while/);
        } else {
          expect(h.session.state).toBe('broken');
          // An unexpected reply is the server's fault; any other unexpected event is the driver's.
          expect(error).toBeInstanceOf(event === 'reply' ? RemoteProtocolError : LocalProtocolError);
          expect(h.trace.slice(-3)).toEqual(['closeData', 'failed', 'close']);
        }
      });
    }
  }
});

const replyText = fc.oneof(
  fc.constantFrom(
    '220 hi\r\n', '120 wait\r\n', '230 ok\r\n', '331 pw\r\n', '332 acct\r\n', '234 tls\r\n', '200 ok\r\n',
    '211-F:\r\n UTF8\r\n211 End\r\n', '229 (|||40001|)\r\n', '227 (127,0,0,1,156,65)\r\n', '150 go\r\n',
    '125 go\r\n', '226 done\r\n', '250 ok\r\n', '350 more\r\n', '421 bye\r\n', '425 no data\r\n',
    '426 aborted\r\n', '500 what\r\n', '550 no\r\n', '229 (!!!0!)\r\n', '227 junk\r\n', 'garbage\r\n', '211-open\r\n',
  ),
  fc.string({ maxLength: 20 }),
);

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.constant<Operation>({ kind: 'connect', user: 'u', password: 'p', security: 'none' }),
  fc.constant<Operation>({ kind: 'connect', user: 'u', password: 'p', account: 'x', security: 'explicit' }),
  fc.constant<Operation>({ kind: 'command', command: { name: 'NOOP' } }),
  // Raw commands that change modelled state, and ones the session refuses at start.
  fc.constantFrom<Operation>(
    { kind: 'command', command: { name: 'TYPE', arg: 'A' } },
    { kind: 'command', command: { name: 'PROT', arg: 'C' } },
    { kind: 'command', command: { name: 'OPTS', arg: 'HASH SHA-1' } },
    { kind: 'command', command: { name: 'REST', arg: '1' } },
    { kind: 'command', command: { name: 'ABOR' } },
  ),
  fc.constant<Operation>({ kind: 'rename', from: 'a', to: 'b' }),
  fc.constant<Operation>({ kind: 'quit' }),
  fc.record({
    kind: fc.constant('transfer' as const),
    command: fc.constantFrom('RETR' as const, 'STOR' as const, 'LIST' as const),
    path: fc.constant('f'),
    mode: fc.constantFrom('passive' as const, 'active' as const),
    restAt: fc.constantFrom(0, 10),
  }),
);

const step = fc.oneof(
  { weight: 5, arbitrary: replyText.map((text) => ({ kind: 'reply' as const, text })) },
  { weight: 3, arbitrary: fc.constantFrom(...EVENTS.filter((e) => e !== 'reply')).map((event) => ({ kind: 'event' as const, event })) },
  { weight: 2, arbitrary: operation.map((op) => ({ kind: 'start' as const, op })) },
);

describe('random event sequences', () => {
  test('never throw (except start refusing locally), end each operation exactly once, and stay silent once over', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.boolean(), (steps, pipelining) => {
        const h = new Harness({ pipelining });
        let running = false;
        for (const s of steps) {
          const before = h.session.state;
          let actions: Action[];
          if (s.kind === 'start') {
            try {
              actions = h.start(s.op);
              running = true;
            } catch (err) {
              expect(err).toBeInstanceOf(LocalProtocolError);
              continue;
            }
          } else if (s.kind === 'reply') {
            actions = h.reply(s.text);
          } else {
            actions = fire(h, s.event);
          }
          if (before === 'closed' || before === 'broken') expect(actions).toEqual([]);
          const ends = actions.filter((a) => a.type === 'done' || a.type === 'failed' || a.type === 'aborted');
          expect(ends.length).toBeLessThanOrEqual(1);
          if (ends.length === 1) {
            expect(running).toBe(true);
            running = false;
          }
          for (const a of actions) {
            if (a.type === 'failed') expect(isFtpError(a.error)).toBe(true);
            if (a.type === 'send') {
              const text = new TextDecoder().decode(a.bytes);
              expect(text.endsWith('\r\n')).toBe(true);
              expect(text.slice(0, -2)).not.toMatch(/[\r\n\0]/);
            }
          }
          expect(['greeting', 'idle', 'busy', 'closed', 'broken']).toContain(h.session.state);
          if (h.session.state === 'busy') expect(running).toBe(true);
          else if (h.session.state !== 'greeting') expect(running).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  // A reply can only answer a command sent before its bytes arrived, so the server's side of a
  // conversation is split at reply boundaries at least; within and between them, anything goes.
  const conversation = ['220 hi\r\n', '331 pw\r\n', '230 ok\r\n', '211-Features:\r\n EPSV\r\n UTF8\r\n211 End\r\n', '200 utf8\r\n', '200 I\r\n'];

  test('any split of each reply gives the same actions', () => {
    const whole = new Harness();
    whole.start({ kind: 'connect', user: 'u', password: 'p', security: 'none' });
    for (const reply of conversation) whole.replyAtOnce(reply);
    expect(whole.outcome?.type).toBe('done');
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 4 }), { minLength: conversation.length, maxLength: conversation.length }), (cutsPerReply) => {
        const h = new Harness();
        h.start({ kind: 'connect', user: 'u', password: 'p', security: 'none' });
        conversation.forEach((reply, i) => {
          const data = bytes(reply);
          const cuts = (cutsPerReply[i] ?? []).filter((c) => c < data.length).sort((a, b) => a - b);
          const points = [0, ...cuts, data.length];
          for (let k = 0; k + 1 < points.length; k++) h.session.receive(data.subarray(points[k], points[k + 1])).forEach((a) => h.actions.push(a));
        });
        expect(h.trace).toEqual(whole.trace);
      }),
    );
  });

  test('a reply read together with the one before it cannot answer a command sent in between', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: conversation.length - 2 }), (i) => {
        const h = new Harness();
        h.start({ kind: 'connect', user: 'u', password: 'p', security: 'none' });
        for (const reply of conversation.slice(0, i)) h.replyAtOnce(reply);
        // Replies i and i+1 in one read: the session sent its next command only after reading reply i.
        h.replyAtOnce(conversation[i]! + conversation[i + 1]!);
        expect(h.session.state).toBe('broken');
        expect(h.session.error).toBeInstanceOf(RemoteProtocolError);
        expect(h.session.error?.message).toMatch(/arrived before .* was sent/);
      }),
    );
  });

  test('nor can one whose first bytes were read with the one before it and the rest after the command', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: conversation.length - 2 }), fc.nat(), (i, at) => {
        const h = new Harness();
        h.start({ kind: 'connect', user: 'u', password: 'p', security: 'none' });
        for (const reply of conversation.slice(0, i)) h.replyAtOnce(reply);
        const next = bytes(conversation[i + 1]!);
        const cut = 1 + (at % (next.length - 1)); // at least one byte on each side
        const first = bytes(conversation[i]!);
        const head = new Uint8Array(first.length + cut);
        head.set(first);
        head.set(next.subarray(0, cut), first.length);
        h.session.receive(head).forEach((a) => h.actions.push(a));
        expect(h.session.state).toBe('busy'); // reply i answered, its successor sent
        h.session.receive(next.subarray(cut)).forEach((a) => h.actions.push(a));
        expect(h.session.state).toBe('broken');
        expect(h.session.error?.message).toMatch(/arrived before .* was sent/);
      }),
    );
  });
});
