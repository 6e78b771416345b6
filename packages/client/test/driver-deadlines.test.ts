// Deadlines against a slow or hostile server (misbehaving-servers.md, "Deadlines and bounds"), on
// testkit's in-memory pair: each one is asserted at its exact virtual time, with no wall-clock wait.
// The login deadline counts from the TCP connect; the reply clock from a command (or the last
// complete reply) to the next complete reply, which bytes trickled in between do not extend.
import { describe, expect, test } from 'vitest';
import { TimeoutError } from '@ftpkit/transport';
import { memoryPair, type ManualClock, type MemorySocket } from '@ftpkit/testkit';
import { Client, ConnectionError, TooManyPreliminaryRepliesError } from '../src/index.js';
import { answer, connected, connecting, track, type Tracked } from './memory-helpers.js';

/** Write `text` one byte every `every` ms of `clock`, until it is all out or the connection is gone. */
async function trickle(clock: ManualClock, socket: MemorySocket, text: string, every: number): Promise<void> {
  for (const byte of new TextEncoder().encode(text)) {
    try {
      await socket.write(new Uint8Array([byte]));
    } catch {
      return;
    }
    await clock.sleep(every);
  }
}

/** Expect `promise` to be pending at `at - 1` ms on the clock and rejected at `at`, and return the error. */
async function failsAt(clock: ManualClock, tracked: Tracked<unknown>, at: number): Promise<unknown> {
  await clock.advance(at - 1 - clock.now());
  expect(tracked.state, `pending at ${at - 1} ms`).toBe('pending');
  await clock.advance(1);
  expect(tracked.state, `failed at ${at} ms`).toBe('rejected');
  return tracked.error;
}

describe('the login deadline', () => {
  test('a greeting trickled one byte per 200 ms, forever, fails at exactly timeouts.login after the connect', async () => {
    const { pair, client, control } = await connecting({ timeouts: { login: 5000, reply: 30_000 } });
    void trickle(pair.clock, control, `220-${'welcome '.repeat(1000)}`, 200);
    const error = await failsAt(pair.clock, client, 5000);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('ERR_FTP_TIMEOUT');
    expect((error as Error).message).toMatch(/login did not finish within 5000 ms/);
    expect(control.peer.events).toContain('destroy');
  });

  test('every reply trickled, each complete within the reply timeout: the login fails at exactly timeouts.login', async () => {
    const { pair, client, control } = await connecting({ timeouts: { login: 5000, reply: 3000 } });
    const { clock } = pair;
    // Each reply is 8 bytes, 1.6 s at one byte per 200 ms: inside the 3 s reply clock, but not all three.
    void (async () => {
      await trickle(clock, control, '220 hi\r\n', 200); // 1.6 s
      expect(await control.line()).toBe('USER u');
      await trickle(clock, control, '331 pw\r\n', 200); // 1.6 s
      expect(await control.line()).toBe('PASS p');
      await trickle(clock, control, '230 in\r\n', 200); // the login deadline passes in here
    })();
    const error = await failsAt(clock, client, 5000);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('ERR_FTP_TIMEOUT');
    expect((error as Error).message).toMatch(/timeouts\.login/);
    expect(control.peer.events).toContain('destroy');
  });

  test('120 "ready in N minutes" every second, never 220: the login deadline ends it before the 1xx bound would', async () => {
    const { pair, client, control } = await connecting({ timeouts: { login: 4500, reply: 3000 } });
    const { clock } = pair;
    void (async () => {
      for (let i = 0; i < 100 && client.state === 'pending'; i++) {
        control.reply('120 ready in 5 minutes');
        await clock.sleep(1000);
      }
    })();
    const error = await failsAt(clock, client, 4500);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  test('a flood of 120s fails at once with TooManyPreliminaryRepliesError, however much time is left', async () => {
    const { pair, client, control } = await connecting({ timeouts: { login: 60_000 } });
    for (let i = 0; i <= TooManyPreliminaryRepliesError.LIMIT; i++) control.reply('120 ready in 5 minutes');
    await pair.clock.settle();
    expect(client.state).toBe('rejected');
    expect(client.error).toBeInstanceOf(TooManyPreliminaryRepliesError);
    expect((client.error as TooManyPreliminaryRepliesError).code).toBe('ERR_FTP_REMOTE_PROTOCOL');
    expect(pair.clock.now()).toBe(0);
  });

  test('a TCP connect that hangs fails at the login deadline when it is the shorter, with the login error', async () => {
    const pair = memoryPair();
    pair.control.silent = true; // SYNs dropped: the connect never completes
    const client = track(Client.connect({ host: pair.host, port: pair.port, transport: pair.transport, timeouts: { connect: 30_000, login: 2000 } }));
    const error = await failsAt(pair.clock, client, 2000);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/login did not finish within 2000 ms/);
  });

  test('a held TLS handshake (explicit FTPS) counts against the login deadline', async () => {
    const { pair, client, control } = await connecting({ secure: 'explicit', timeouts: { login: 3000, connect: 30_000, reply: 30_000 } });
    const { clock } = pair;
    control.reply('220 hi');
    await clock.advance(1000);
    control.holdTls();
    await answer(control, 'AUTH TLS', '234 go ahead');
    const error = await failsAt(clock, client, 3000);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  test('once logged in, the login deadline is gone: a session idle past it lives on', async () => {
    const { clock, client, control } = await connected({ timeouts: { login: 1000, reply: 500 } });
    await clock.advance(10_000);
    expect(client.closed).toBe(false);
    const pwd = track(client.pwd());
    await answer(control, 'PWD', '257 "/"');
    expect(await pwd.promise).toBe('/');
  });
});

describe('the reply clock counts to the complete reply', () => {
  test('a reply trickled one byte per 200 ms fails at exactly timeouts.reply after the command, bytes or not', async () => {
    const { clock, client, control } = await connected({ timeouts: { reply: 3000 } });
    const pwd = track(client.pwd());
    expect(await control.line()).toBe('PWD');
    const sent = clock.now();
    void trickle(clock, control, '257 "/a/very/long/path/that/takes/a/while"\r\n', 200);
    const error = await failsAt(clock, pwd, sent + 3000);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(client.closed).toBe(true);
  });

  test('a greeting that never ends (a multi-line reply trickled forever) fails at timeouts.reply after the connect', async () => {
    const { pair, client, control } = await connecting({ timeouts: { reply: 2000, login: 60_000 } });
    void trickle(pair.clock, control, `220-${'welcome '.repeat(100)}\r\n`, 200);
    const error = await failsAt(pair.clock, client, 2000);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/No reply from the server within 2000 ms/);
  });

  test('each complete reply restarts it: a multi-reply exchange may take longer than one timeout in all', async () => {
    const { clock, client, control } = await connected({ timeouts: { reply: 1000 } });
    const rename = track(client.rename('a', 'b'));
    await answer(control, 'RNFR a');
    await clock.advance(900);
    control.reply('350 ready for RNTO');
    await answer(control, 'RNTO b');
    await clock.advance(900);
    control.reply('250 renamed');
    await clock.settle();
    expect(rename.state).toBe('resolved');
  });

  test('a closed control connection is a ConnectionError, a reset one too (with its osCode)', async () => {
    const closed = await connected({ timeouts: { reply: 1000 } });
    const pwd = track(closed.client.pwd());
    await answer(closed.control, 'PWD');
    await closed.control.end();
    await closed.clock.settle();
    expect(pwd.error).toBeInstanceOf(ConnectionError);
    expect((pwd.error as ConnectionError).osCode).toBeUndefined();
    const reset = await connected({ timeouts: { reply: 1000 } });
    const noop = track(reset.client.send('NOOP'));
    await answer(reset.control, 'NOOP');
    reset.control.reset();
    await reset.clock.settle();
    expect(noop.error).toBeInstanceOf(ConnectionError);
    expect((noop.error as ConnectionError).osCode).toBe('ECONNRESET');
  });
});
