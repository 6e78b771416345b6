/**
 * The `pipelining` option: EPSV, REST and the transfer command in one write once EPSV is known to
 * work, and uploads that move from the data connection's open. Every failure of the batch must leave
 * the reply count exact, so these tests end most cases by checking that the next command gets its own
 * reply.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FtpReplyError, RemoteProtocolError } from '../src/errors.js';
import type { Action, Operation } from '../src/index.js';
import { bytes, Harness, loggedIn, warmed } from './session-harness.js';

const decoder = new TextDecoder();

/** The bytes of every send action, decoded. */
function writes(h: Harness): string[] {
  return h.actions.flatMap((a) => (a.type === 'send' ? [decoder.decode(a.bytes)] : []));
}

/** The next command gets its own reply: nothing the server still owed is taken for it. */
function expectInStep(h: Harness): void {
  expect(h.session.state).toBe('idle');
  h.actions.length = 0;
  h.start({ kind: 'command', command: { name: 'PWD' } });
  h.reply('257 "/home"\r\n');
  const outcome = h.outcome;
  if (outcome?.type !== 'done' || outcome.result.kind !== 'reply') throw new Error(`expected done, got ${h.trace.join(', ')}`);
  expect(outcome.result.reply.code).toBe(257);
}

/** RETR of each path in turn, each answered 229, 150 and 226 around its data. */
function retrieve(h: Harness, ...paths: string[]): void {
  for (const path of paths) {
    h.start({ kind: 'transfer', command: 'RETR', path });
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    h.reply('150 go\r\n');
    h.dataClosed();
    h.reply('226 ok\r\n');
  }
}

function failure(h: Harness): Error {
  const outcome = h.outcome;
  if (outcome?.type !== 'failed') throw new Error(`expected failed, got ${h.trace.join(', ')}`);
  return outcome.error;
}

describe('what goes out together', () => {
  test('the transfer that first tries EPSV goes step by step; after it, EPSV and RETR leave in one write', () => {
    const h = loggedIn({ pipelining: true });
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    expect(writes(h)).toEqual(['EPSV\r\n']);
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    expect(writes(h)).toEqual(['EPSV\r\n', 'RETR a\r\n']);
    h.reply('150 go\r\n');
    h.dataClosed();
    h.reply('226 ok\r\n');
    h.actions.length = 0;

    h.start({ kind: 'transfer', command: 'RETR', path: 'b' });
    expect(writes(h)).toEqual(['EPSV\r\nRETR b\r\n']);
    expect(h.trace).toEqual(['send:EPSV\nRETR b']);
    h.reply('229 (|||40002|)\r\n');
    expect(h.actions.at(-1)).toEqual({ type: 'openData', port: 40002, secure: false });
    h.dataOpened();
    h.reply('150 go\r\n');
    h.dataClosed();
    h.reply('226 ok\r\n');
    expect(h.trace).toEqual(['send:EPSV\nRETR b', 'openData', 'dataReady', 'closeData', 'done']);
    expectInStep(h);
  });

  test('without the option (the default) nothing is batched', () => {
    const h = loggedIn();
    retrieve(h, 'a', 'b');
    expect(writes(h)).toEqual(['EPSV\r\n', 'RETR a\r\n', 'EPSV\r\n', 'RETR b\r\n']);
  });

  test("'auto' pipelines only behind the default banner of vsftpd, which takes pipelined commands whole", () => {
    const cases: [option: boolean | 'auto' | undefined, greeting: string, pipelines: boolean][] = [
      ['auto', '220 (vsFTPd 3.0.3)\r\n', true],
      ['auto', '220 (vsFTPd 2.3.4)\r\n', true],
      ['auto', '220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\r\n', false],
      ['auto', '220---------- Welcome to Pure-FTPd [privsep] ----------\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n', false],
      ['auto', '220 pyftpdlib 1.5.9 ready.\r\n', false],
      ['auto', '220 Welcome to our vsFTPd service.\r\n', false], // a banner the administrator wrote
      ['auto', '220 (vsFTPd 3.0.3) behind a proxy\r\n', false],
      ['auto', '220-(vsFTPd 3.0.3)\r\n220 and more\r\n', false],
      [undefined, '220 (vsFTPd 3.0.3)\r\n', false], // the codec's default is off
      [false, '220 (vsFTPd 3.0.3)\r\n', false],
      [true, '220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\r\n', true],
    ];
    for (const [pipelining, greeting, pipelines] of cases) {
      const h = new Harness(pipelining === undefined ? {} : { pipelining });
      h.start({ kind: 'connect', user: 'anonymous', password: 'guest', security: 'none' });
      expect(h.session.pipelining).toBe(pipelining === true); // 'auto' is decided at the greeting
      const on = loggedIn(pipelining === undefined ? {} : { pipelining }, undefined, greeting);
      expect(on.session.pipelining, greeting).toBe(pipelines);
      retrieve(on, 'a', 'b');
      expect(writes(on), greeting).toEqual(pipelines ? ['EPSV\r\n', 'RETR a\r\n', 'EPSV\r\nRETR b\r\n'] : ['EPSV\r\n', 'RETR a\r\n', 'EPSV\r\n', 'RETR b\r\n']);
    }
  });

  test('the 229, the 150 and the 226 may come in one read', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'LIST' });
    h.replyAtOnce('229 (|||40001|)\r\n150 Here comes the directory listing.\r\n226 Directory send OK.\r\n');
    expect(h.outcome).toBeUndefined();
    h.dataOpened();
    h.dataClosed();
    expect(h.trace).toEqual(['send:EPSV\nLIST', 'openData', 'dataReady', 'closeData', 'done']);
    expectInStep(h);
  });

  test('REST rides along before RETR, and the data connection is asked for only after its 350', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'big', restAt: 1000 });
    expect(writes(h)).toEqual(['EPSV\r\nREST 1000\r\nRETR big\r\n']);
    h.reply('229 (|||40001|)\r\n');
    expect(h.trace).toEqual(['send:EPSV\nREST 1000\nRETR big']);
    h.reply('350 Restart position accepted (1000).\r\n');
    expect(h.actions.at(-1)?.type).toBe('openData');
    h.dataOpened();
    h.reply('150 go\r\n226 ok\r\n');
    h.dataClosed();
    expect(h.outcome?.type).toBe('done');
    expectInStep(h);
  });

  test.each(['STOR', 'APPE'] as const)('REST before %s is never pipelined: a refused REST would let it overwrite from the start', (name) => {
    const h = warmed();
    h.start({ kind: 'transfer', command: name, path: 'up', restAt: 10 });
    expect(writes(h)).toEqual(['EPSV\r\n']);
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    expect(writes(h)).toEqual(['EPSV\r\n', 'REST 10\r\n']);
  });

  test('a batch longer than one minimal TCP segment (536 bytes) goes step by step', () => {
    const h = warmed();
    const long = 'd/'.repeat(300);
    h.start({ kind: 'transfer', command: 'RETR', path: long });
    expect(writes(h)).toEqual(['EPSV\r\n']);
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    expect(writes(h).at(-1)).toBe(`RETR ${long}\r\n`);
  });

  test('not in active mode, nor after the session fell back to PASV', () => {
    const active = warmed();
    active.start({ kind: 'transfer', command: 'RETR', path: 'a', mode: 'active' });
    expect(active.trace).toEqual(['listenData']);

    const h = loggedIn({ pipelining: true });
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('500 EPSV not understood\r\n');
    h.reply('227 (127,0,0,1,156,65)\r\n');
    h.dataOpened();
    h.reply('150 go\r\n226 ok\r\n');
    h.dataClosed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'b' });
    expect(writes(h).at(-1)).toBe('PASV\r\n');
  });

  test('a TYPE change goes first, on its own', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'LIST', type: 'A' });
    expect(writes(h)).toEqual(['TYPE A\r\n']);
    h.reply('200 ascii\r\n');
    expect(writes(h)).toEqual(['TYPE A\r\n', 'EPSV\r\nLIST\r\n']);
  });

  test('the IPv6 session pipelines too (EPSV is all it has)', () => {
    const h = warmed({ ipv6: true });
    h.start({ kind: 'transfer', command: 'NLST' });
    expect(writes(h)).toEqual(['EPSV\r\nNLST\r\n']);
  });
});

describe('uploads move from the open', () => {
  test('dataReady comes when the data connection opens, once, and the 150 adds nothing', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'STOR', path: 'up.bin' });
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    expect(h.trace).toEqual(['send:EPSV\nSTOR up.bin', 'openData', 'dataReady']);
    h.dataClosed(); // all written and ended before the server said anything
    h.reply('150 Ok to send data.\r\n');
    expect(h.outcome).toBeUndefined();
    h.reply('226 Transfer complete.\r\n');
    expect(h.trace).toEqual(['send:EPSV\nSTOR up.bin', 'openData', 'dataReady', 'closeData', 'done']);
    expectInStep(h);
  });

  test('a refused STOR after the bytes went out fails with the refusal', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'STOR', path: 'forbidden' });
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    h.dataFailed(new RemoteProtocolError('reset'));
    h.reply('553 Could not create file.\r\n');
    const error = failure(h);
    expect(error).toBeInstanceOf(FtpReplyError);
    expect((error as FtpReplyError).reply.code).toBe(553);
    expectInStep(h);
  });

  test('downloads still get dataReady at the 1xx', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    expect(h.trace).toEqual(['send:EPSV\nRETR a', 'openData']);
    h.reply('150 go\r\n');
    expect(h.trace.at(-1)).toBe('dataReady');
  });
});

describe('failures inside the batch keep the reply count exact', () => {
  test.each([
    ['425 then the RETR refused', ['425 Could not open passive port\r\n', '425 Use PORT or PASV first.\r\n'], 425],
    ['500 then the RETR refused', ['500 EPSV not understood\r\n', '503 Bad sequence of commands\r\n'], 500],
    ['a refusal then 150 and 425 (a server trying the default data port)', ['425 No ports\r\n', '150 Opening\r\n', '425 Cannot open data connection\r\n'], 425],
  ])('EPSV refused (%s): the RETR is answered before the call fails, with no data connection', (_, replies, code) => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    for (const [i, reply] of replies.entries()) {
      expect(h.outcome, `ended early, before reply ${i}`).toBeUndefined();
      h.reply(reply);
    }
    const error = failure(h);
    expect(error).toBeInstanceOf(FtpReplyError);
    expect((error as FtpReplyError).reply.code).toBe(code);
    expect((error as FtpReplyError).command).toBe('EPSV');
    expect(h.trace).not.toContain('openData');
    expect(h.trace).not.toContain('dataReady');
    expectInStep(h);
  });

  test('EPSV and the RETR refusal in one read', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.replyAtOnce('425 No ports\r\n425 Use PORT or PASV first.\r\n');
    expect((failure(h) as FtpReplyError).command).toBe('EPSV');
    expectInStep(h);
  });

  test('REST refused: the RETR runs from 0, so its data connection is closed as it opens and no byte is wanted', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'big', restAt: 10 });
    h.reply('229 (|||40001|)\r\n');
    h.reply('501 Resuming transfers not allowed in ASCII mode.\r\n');
    expect(h.actions.at(-1)?.type).toBe('openData');
    h.dataOpened();
    expect(h.actions.at(-1)?.type).toBe('closeData');
    h.reply('150 Opening data connection\r\n');
    expect(h.outcome).toBeUndefined();
    h.reply('426 Connection closed; transfer aborted.\r\n');
    const error = failure(h);
    expect((error as FtpReplyError).reply.code).toBe(501);
    expect((error as FtpReplyError).command).toBe('REST 10');
    expect(h.trace).not.toContain('dataReady');
    expectInStep(h);
  });

  test('REST refused and the RETR refused before the connect completes; the 226 for closing it is owed', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'missing', restAt: 10 });
    h.replyAtOnce('229 (|||40001|)\r\n502 REST not implemented\r\n550 No such file\r\n');
    expect((failure(h) as FtpReplyError).reply.code).toBe(502);
    h.dataOpened(); // late news: ignored
    h.reply('226 Transfer complete\r\n'); // pyftpdlib (FTPS) answering the close
    expectInStep(h);
  });

  test('EPSV and REST both refused: the first refusal is reported', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a', restAt: 5 });
    h.reply('425 No ports\r\n');
    h.reply('503 REST without a transfer\r\n');
    h.reply('425 Use PORT or PASV first.\r\n');
    expect((failure(h) as FtpReplyError).command).toBe('EPSV');
    expect(h.trace).not.toContain('openData');
    expectInStep(h);
  });

  test('a RETR refused while its data connection is still opening fails, and the late open is ignored', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'missing' });
    h.reply('229 (|||40001|)\r\n');
    h.reply('550 Failed to open file.\r\n');
    expect(h.trace.slice(-2)).toEqual(['closeData', 'failed']);
    expect((failure(h) as FtpReplyError).reply.code).toBe(550);
    h.dataOpened();
    h.dataFailed(new RemoteProtocolError('reset'));
    h.reply('226 Transfer complete\r\n'); // pyftpdlib (FTPS): the close it saw earns a 226
    expectInStep(h);
  });

  test('the data connection fails to open: failing at once with its error, the RETR is still answered before the call ends', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('229 (|||40001|)\r\n');
    const refused = new RemoteProtocolError('connect ECONNREFUSED');
    h.dataFailed(refused);
    // The caller can hear now, not when the server gives up on the connection (or the reply clock).
    expect(h.actions.at(-1)).toEqual({ type: 'failing', error: refused });
    expect(h.outcome).toBeUndefined();
    h.reply('425 Failed to establish connection.\r\n');
    // The same error as when the step-by-step path cannot connect.
    expect(failure(h)).toBe(refused);
    expectInStep(h);
  });

  test('the data connection fails to open and the server sent 150 first: its final reply ends the call', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('229 (|||40001|)\r\n');
    const refused = new RemoteProtocolError('connect ECONNREFUSED');
    h.dataFailed(refused);
    h.reply('150 Opening BINARY mode data connection.\r\n');
    expect(h.outcome).toBeUndefined();
    h.reply('425 Cannot open data connection.\r\n');
    expect(failure(h)).toBe(refused);
    expect(h.trace.filter((t) => t === 'failing')).toHaveLength(1);
    expectInStep(h);
  });

  test('421 in place of the 229, or after it, closes the session', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('421 Service not available\r\n');
    expect(h.trace.slice(-3)).toEqual(['closeData', 'failed', 'close']);
    expect(h.session.state).toBe('closed');

    const h2 = warmed();
    h2.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h2.reply('229 (|||40001|)\r\n421 Timeout\r\n');
    expect(h2.trace.slice(-3)).toEqual(['closeData', 'failed', 'close']);
    expect(h2.session.state).toBe('closed');

    const h3 = warmed();
    h3.start({ kind: 'transfer', command: 'RETR', path: 'a', restAt: 3 });
    h3.reply('229 (|||40001|)\r\n');
    h3.reply('500 no\r\n');
    h3.reply('421 bye\r\n');
    expect(h3.session.state).toBe('closed');
  });

  test('EOF in the middle of the batch closes the session', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('229 (|||40001|)\r\n');
    h.eof();
    expect(h.outcome?.type).toBe('failed');
    expect(h.session.state).toBe('closed');
  });

  test('a 150 ahead of the 229 (out of order) breaks the session instead of shifting replies', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.reply('150 go\r\n');
    expect(h.session.state).toBe('broken');
    expect(h.session.error).toBeInstanceOf(RemoteProtocolError);
    expect(h.session.error?.message).toMatch(/preliminary reply 150 to EPSV/);
  });

  test('a 229 read together with the TYPE reply, before the batch went out, is unsolicited', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a', type: 'A' });
    h.replyAtOnce('200 ascii\r\n229 (|||40001|)\r\n');
    expect(h.session.state).toBe('broken');
    expect(h.session.error?.message).toMatch(/arrived before EPSV was sent/);
  });
});

describe('aborts in the middle of the batch', () => {
  test('an abort before the 229 waits for it: the data connection is opened and closed, then ABOR', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'big' });
    expect(h.abort()).toEqual([]);
    h.reply('229 (|||40001|)\r\n');
    expect(h.trace).toEqual(['send:EPSV\nRETR big', 'openData', 'closeData', 'send:ABOR']);
    h.reply('150 Opening\r\n');
    h.reply('426 Connection closed; transfer aborted.\r\n');
    expect(h.trace.at(-1)).toBe('send:NOOP');
    h.reply('225 No transfer to ABOR.\r\n200 NOOP ok.\r\n');
    expect(h.outcome?.type).toBe('aborted');
    expectInStep(h);
  });

  test('an abort with EPSV refused ends aborted once the RETR is answered, without ABOR', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
    h.abort();
    h.reply('425 No ports\r\n');
    expect(h.outcome).toBeUndefined();
    h.reply('425 Use PORT or PASV first.\r\n');
    expect(h.outcome?.type).toBe('aborted');
    expect(h.sent).not.toContain('ABOR');
    expectInStep(h);
  });

  test('an abort while the RETR of a refused REST is being discarded ends aborted', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'RETR', path: 'a', restAt: 9 });
    h.reply('229 (|||40001|)\r\n502 no REST\r\n');
    h.abort();
    h.dataOpened();
    h.reply('150 go\r\n226 done\r\n');
    expect(h.outcome?.type).toBe('aborted');
    expectInStep(h);
  });

  test('an abort of a pipelined upload after the open sends ABOR', () => {
    const h = warmed();
    h.start({ kind: 'transfer', command: 'STOR', path: 'up' });
    h.reply('229 (|||40001|)\r\n');
    h.dataOpened();
    h.abort();
    expect(h.trace.slice(-2)).toEqual(['closeData', 'send:ABOR']);
    h.reply('150 Ok to send data.\r\n426 Failure writing to local file.\r\n');
    h.reply('226 ABOR successful\r\n200 ok\r\n');
    expect(h.outcome?.type).toBe('aborted');
    expectInStep(h);
  });
});

// --- properties --------------------------------------------------------------------------------

/** Drive a pipelined transfer to its end: the server's bytes in the given pieces, data news after. */
function runBatch(h: Harness, op: Operation, pieces: readonly Uint8Array[]): void {
  h.start(op);
  let opened = false;
  for (const piece of pieces) {
    h.session.receive(piece).forEach((a) => h.actions.push(a));
    if (!opened && h.actions.some((a) => a.type === 'openData')) {
      opened = true;
      h.dataOpened();
    }
  }
  if (h.session.state === 'busy') h.dataClosed();
}

function cut(text: string, cuts: readonly number[]): Uint8Array[] {
  const data = bytes(text);
  const points = [0, ...cuts.filter((c) => c > 0 && c < data.length).sort((a, b) => a - b), data.length];
  const pieces: Uint8Array[] = [];
  for (let k = 0; k + 1 < points.length; k++) if (points[k] !== points[k + 1]) pieces.push(data.subarray(points[k], points[k + 1]));
  return pieces;
}

const batches: readonly { op: Operation; replies: readonly string[] }[] = [
  { op: { kind: 'transfer', command: 'RETR', path: 'a' }, replies: ['229 (|||40001|)\r\n', '150 Opening BINARY mode\r\n', '226 Transfer complete.\r\n'] },
  { op: { kind: 'transfer', command: 'RETR', path: 'a', restAt: 7 }, replies: ['229 (|||40001|)\r\n', '350 Restart at 7\r\n', '150 go\r\n', '226 ok\r\n'] },
  { op: { kind: 'transfer', command: 'STOR', path: 'u' }, replies: ['229 (|||40001|)\r\n', '150 Ok to send data.\r\n', '226 ok\r\n'] },
  { op: { kind: 'transfer', command: 'MLSD' }, replies: ['229 (|||40001|)\r\n', '150-Accepted data connection\r\n150 listing\r\n', '226-Options: -a -l\r\n226 2 matches total\r\n'] },
];

describe('properties', () => {
  // Every reply of a batch answers a command sent before any of them: the server's bytes may be
  // split or joined anywhere, down to byte by byte, and the session must do the same thing.
  test('any split of a batch\'s replies gives the same actions', () => {
    fc.assert(
      fc.property(fc.constantFrom(...batches), fc.uniqueArray(fc.integer({ min: 1, max: 120 }), { maxLength: 8 }), ({ op, replies }, cuts) => {
        const whole = warmed();
        runBatch(whole, op, [bytes(replies.join(''))]);
        expect(whole.outcome?.type).toBe('done');
        const split = warmed();
        runBatch(split, op, cut(replies.join(''), cuts));
        expect(split.trace).toEqual(whole.trace);
        expectInStep(split);
      }),
      { numRuns: 300 },
    );
  });

  // ftp-srv runs the commands of separate reads concurrently, so its replies can come in any order.
  // Whatever the order, the session must never report success for a reordered batch, and when it
  // ends usable it must have read exactly the batch's replies: the next command gets its own.
  test('replies in any other order never succeed and never shift the next command\'s reply', () => {
    const permutations = <T,>(items: readonly T[]): T[][] =>
      items.length <= 1 ? [items.slice()] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
    for (const { op, replies } of batches) {
      for (const order of permutations(replies)) {
        const canonical = order.every((r, i) => r === replies[i]);
        for (const atOnce of [false, true]) {
          const h = warmed();
          runBatch(h, op, atOnce ? [bytes(order.join(''))] : order.map(bytes));
          const label = `${order.map((r) => r.slice(0, 3)).join(' ')}${atOnce ? ' (one read)' : ''}`;
          if (canonical) {
            expect(h.outcome?.type, label).toBe('done');
            continue;
          }
          expect(h.outcome?.type, label).not.toBe('done');
          if (h.session.state === 'idle') expectInStep(h);
          else expect(['broken', 'closed'], label).toContain(h.session.state);
        }
      }
    }
  });

  test('random events during a pipelined transfer never throw and end it exactly once', () => {
    const event = fc.oneof(
      fc.constantFrom('229 (|||40001|)\r\n', '350 ok\r\n', '150 go\r\n', '226 ok\r\n', '425 no\r\n', '550 no\r\n', '502 no\r\n', '421 bye\r\n', '200 ok\r\n'),
      fc.constantFrom('dataOpened', 'dataClosed', 'dataFailed', 'abort', 'eof'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...batches), fc.array(event, { maxLength: 12 }), ({ op }, events) => {
        const h = warmed();
        h.start(op);
        for (const e of events) {
          let actions: Action[];
          if (e === 'dataOpened') actions = h.dataOpened();
          else if (e === 'dataClosed') actions = h.dataClosed();
          else if (e === 'dataFailed') actions = h.dataFailed(new RemoteProtocolError('reset'));
          else if (e === 'abort') actions = h.abort();
          else if (e === 'eof') actions = h.eof();
          else actions = h.reply(e);
          for (const a of actions) if (a.type === 'failed') expect(a.error).toBeInstanceOf(Error);
        }
        const ends = h.actions.filter((a) => a.type === 'done' || a.type === 'failed' || a.type === 'aborted');
        expect(ends.length).toBeLessThanOrEqual(1);
        expect(h.actions.filter((a) => a.type === 'dataReady').length).toBeLessThanOrEqual(1);
        if (ends.length === 0) expect(['busy', 'closed', 'broken']).toContain(h.session.state);
      }),
      { numRuns: 1000 },
    );
  });
});
