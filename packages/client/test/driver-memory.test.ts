// The driver's clocks on testkit's in-memory pair: every deadline is asserted at its exact virtual
// time (one millisecond before it nothing has happened, at it the call has failed), and no test
// waits on the wall clock. The server's side is played line by line by the test.
import { describe, expect, test } from 'vitest';
import { TimeoutError } from '@ftpkit/transport';
import { isAbortError } from '../src/index.js';
import { answer, bytes, connected, passive, track } from './memory-helpers.js';

const timeouts = { reply: 1000, dataIdle: 2000 };

describe('the reply clock', () => {
  test('a command the server never answers fails at exactly the reply timeout, and the connection closes', async () => {
    const { clock, client, control } = await connected({ timeouts });
    const start = clock.now();
    const pwd = track(client.pwd());
    expect(await control.line()).toBe('PWD');
    await clock.advance(999);
    expect(pwd.state).toBe('pending');
    await clock.advance(1);
    expect(pwd.state).toBe('rejected');
    expect(pwd.error).toBeInstanceOf(TimeoutError);
    expect((pwd.error as TimeoutError).code).toBe('ERR_FTP_TIMEOUT');
    expect(clock.now() - start).toBe(1000);
    expect(client.closed).toBe(true);
    expect(control.peer.events).toContain('destroy');
  });

  test('an answer just before the deadline is taken, and the next command has its own full timeout', async () => {
    const { clock, client, control } = await connected({ timeouts });
    const pwd = track(client.pwd());
    await answer(control, 'PWD');
    await clock.advance(999);
    control.reply('257 "/home"');
    await clock.settle();
    expect(pwd.state).toBe('resolved');
    expect(await pwd.promise).toBe('/home');
    const noop = track(client.send('NOOP'));
    await answer(control, 'NOOP');
    await clock.advance(999);
    expect(noop.state).toBe('pending');
    await clock.advance(1);
    expect(noop.error).toBeInstanceOf(TimeoutError);
  });
});

describe('the data-idle clock', () => {
  test('a download whose data stops fails exactly dataIdle after the last byte; bytes before restart it', async () => {
    const { pair, clock, client, control } = await connected({ timeouts });
    const download = track(client.downloadToBytes('/f'));
    const data = await passive(pair, control);
    await answer(control, 'RETR /f', '150 here it comes');
    await clock.advance(1500);
    void data.write(bytes(10));
    await clock.advance(1500);
    void data.write(bytes(10));
    const lastByte = clock.now();
    await clock.advance(1999);
    expect(download.state).toBe('pending');
    await clock.advance(1);
    expect(download.state).toBe('rejected');
    expect(download.error).toBeInstanceOf(TimeoutError);
    expect((download.error as Error).message).toMatch(/idle for 2000 ms/);
    expect(clock.now() - lastByte).toBe(2000);
    expect(client.closed).toBe(true);
  });

  test('a slow sink stops the clock: only time waiting on the server counts', async () => {
    const { pair, clock, client, control } = await connected({ timeouts });
    let release!: () => void;
    const chunks: Uint8Array[] = [];
    const sink = async (chunk: Uint8Array): Promise<void> => {
      chunks.push(chunk);
      if (chunks.length === 1) await new Promise<void>((resolve) => (release = resolve));
    };
    const download = track(client.download('/f', sink));
    const data = await passive(pair, control);
    await answer(control, 'RETR /f', '150 here it comes');
    void data.write(bytes(10));
    await clock.advance(10_000); // the sink holds the first chunk far longer than dataIdle
    expect(download.state).toBe('pending');
    release();
    await data.end();
    control.reply('226 done');
    await clock.settle();
    expect(download.state).toBe('resolved');
  });
});

describe('keep-alive', () => {
  test('NOOPs go out every keepAlive ms while idle, and not while a call runs', async () => {
    const { clock, client, control } = await connected({ timeouts, keepAlive: 5000 });
    const loggedIn = clock.now();
    await clock.advance(4999);
    const first = control.line();
    await clock.advance(1);
    expect(await first).toBe('NOOP');
    expect(clock.now() - loggedIn).toBe(5000);
    control.reply('200 still here');
    await clock.advance(3000);
    // A call: no NOOP while it runs, however long the server takes (within the reply timeout).
    const pwd = track(client.pwd());
    await answer(control, 'PWD');
    await clock.advance(900);
    control.reply('257 "/"');
    await clock.settle();
    expect(pwd.state).toBe('resolved');
    const callEnded = clock.now();
    const second = control.line();
    await clock.advance(4999);
    await clock.advance(1);
    expect(await second).toBe('NOOP');
    expect(clock.now() - callEnded).toBe(5000);
    control.reply('200 still here');
    await clock.settle();
    expect(client.closed).toBe(false);
  });

  test('an unanswered keep-alive NOOP closes the connection at the reply timeout', async () => {
    const { clock, client, control } = await connected({ timeouts, keepAlive: 5000 });
    await clock.advance(5000);
    expect(await control.line()).toBe('NOOP');
    await clock.advance(999);
    expect(client.closed).toBe(false);
    await clock.advance(1);
    expect(client.closed).toBe(true);
  });
});

describe('abort during a transfer', () => {
  /** A logged-in client downloading /big with an abort signal, 100 bytes in. */
  async function downloading() {
    const session = await connected({ timeouts });
    const stop = new AbortController();
    const download = track(session.client.downloadToBytes('/big', { signal: stop.signal }));
    const data = await passive(session.pair, session.control);
    await answer(session.control, 'RETR /big', '150 here it comes');
    void data.write(bytes(100));
    return { ...session, stop, download, data };
  }

  test('the call rejects at once; the data connection closes, ABOR and a NOOP fence follow, and the next call works', async () => {
    const { clock, client, control, stop, download, data } = await downloading();
    await clock.advance(500);
    const abortedAt = clock.now();
    stop.abort();
    await clock.settle();
    expect(download.state).toBe('rejected');
    expect(isAbortError(download.error)).toBe(true);
    expect(clock.now()).toBe(abortedAt);
    expect(data.peer.events).toContain('destroy');
    await answer(control, 'ABOR', '426 transfer aborted', '226 abort done');
    await answer(control, 'NOOP', '200 ok');
    const pwd = track(client.pwd());
    await answer(control, 'PWD', '257 "/"');
    expect(await pwd.promise).toBe('/');
  });

  test('a server that never answers ABOR closes the connection at the reply timeout, counted from ABOR', async () => {
    const { clock, client, control, stop, download, data } = await downloading();
    await clock.advance(300);
    stop.abort();
    expect(await control.line()).toBe('ABOR');
    const aborSent = clock.now();
    const next = track(client.pwd()); // waits for the abort to finish with the server
    await clock.advance(999);
    expect(client.closed).toBe(false);
    expect(next.state).toBe('pending');
    await clock.advance(1);
    expect(clock.now() - aborSent).toBe(1000);
    expect(client.closed).toBe(true);
    expect(next.state).toBe('rejected');
    expect(next.error).toBeInstanceOf(TimeoutError);
    expect(isAbortError(download.error)).toBe(true);
  });
});
