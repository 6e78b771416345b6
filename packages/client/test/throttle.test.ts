// Bandwidth limits on testkit's in-memory pair: every pause is asserted at its exact virtual time.
// A limit of 40 000 B/s has a burst of 2 000 bytes (50 ms); a chunk of 4 000 bytes costs 100 ms,
// so after the first burst each read or write comes exactly one chunk's cost after the last, and
// the data-idle clock never counts the pauses.
import { describe, expect, test } from 'vitest';
import { TimeoutError } from '@ftpkit/transport';
import { memoryPair, type ManualClock, type MemorySocket } from '@ftpkit/testkit';
import { Client, InvalidArgumentError, isAbortError, Pool, type ClientOptions, type TransferOptions } from '../src/index.js';
import { answer, bytes, connected, login, passive, track } from './memory-helpers.js';

const RATE = 40_000;
const CHUNK = 4_000;

/** The time of every chunk a download's sink gets, on `clock`. */
function timedSink(clock: ManualClock): { times: number[]; sizes: number[]; sink: (chunk: Uint8Array) => void } {
  const times: number[] = [];
  const sizes: number[] = [];
  return { times, sizes, sink: (chunk) => void (times.push(clock.now()), sizes.push(chunk.length)) };
}

/** Read a data connection to its end, noting when each chunk came. */
async function timedReader(clock: ManualClock, data: MemorySocket): Promise<{ times: number[]; total: number }> {
  const times: number[] = [];
  let total = 0;
  for (let chunk = await data.read(); chunk !== null; chunk = await data.read()) {
    times.push(clock.now());
    total += chunk.length;
  }
  return { times, total };
}

/** `count` chunks of `size` bytes queued on `data`, then its end. */
function serve(data: MemorySocket, count: number, size = CHUNK): void {
  for (let i = 0; i < count; i++) void data.write(bytes(size));
  void data.end();
}

/** Move the clock one millisecond at a time until `done()` (or `limit` ms have passed). */
async function runUntil(clock: ManualClock, done: () => boolean, limit = 60_000): Promise<void> {
  for (let spent = 0; !done() && spent < limit; spent++) await clock.advance(1);
}

/** A client under `options` downloading /f into a timed sink, its RETR answered at `start`. */
async function downloading(options: Partial<ClientOptions>, call: TransferOptions = {}) {
  const session = await connected(options);
  const { pair, clock, client, control } = session;
  const sink = timedSink(clock);
  const download = track(client.download('/f', sink.sink, call));
  const data = await passive(pair, control);
  await answer(control, 'RETR /f', '150 here it comes');
  return { ...session, ...sink, download, data, start: clock.now() };
}

const idle = { timeouts: { dataIdle: 1000, reply: 1000 } };

describe('a download under a limit', () => {
  test('the first chunk goes at once; after the burst, one chunk every 100 ms: exactly the limit', async () => {
    const { clock, control, times, download, data, start } = await downloading({ limitRate: RATE });
    serve(data, 10);
    await runUntil(clock, () => times.length === 10);
    control.reply('226 done');
    await runUntil(clock, () => download.state !== 'pending');
    expect(download.state).toBe('resolved');
    // Chunk 1 at once, chunk 2 at the end of its burst (50 ms), then every 100 ms: 4 000 B per 100 ms.
    expect(times.map((t) => t - start)).toEqual([0, 50, 150, 250, 350, 450, 550, 650, 750, 850]);
  });

  test('a call limit lowers the Client limit, and never raises it', async () => {
    for (const [shared, call] of [
      [2 * RATE, RATE],
      [RATE, 10 * RATE],
    ] as const) {
      const { clock, times, data, start } = await downloading({ limitRate: shared }, { limitRate: call });
      serve(data, 4);
      await runUntil(clock, () => times.length === 4);
      expect(times.map((t) => t - start)).toEqual([0, 50, 150, 250]);
    }
  });

  test('pauses do not count as idle: a 3 s pause per chunk under a 1 s dataIdle completes', async () => {
    // 1 024 B/s (a 1 KiB burst): each 4 096-byte chunk owes 4 s, of which 3 s are a pause.
    const { clock, client, control, times, download, data, start } = await downloading({ limitRate: 1024, ...idle });
    serve(data, 3, 4096);
    control.reply('226 done');
    await runUntil(clock, () => download.state !== 'pending');
    expect(download.state).toBe('resolved');
    expect(times.map((t) => t - start)).toEqual([0, 3000, 7000]);
    expect(client.closed).toBe(false);
  });

  test('the data-idle clock still runs while the read after a pause waits on the server', async () => {
    const { clock, times, download, data, start } = await downloading({ limitRate: 1024, ...idle });
    void data.write(bytes(4096)); // then nothing more
    // The pause ends at 3 s; the server is silent from then on: idle at exactly 3 s + dataIdle.
    await clock.advance(3999);
    expect(download.state).toBe('pending');
    await clock.advance(1);
    expect(download.state).toBe('rejected');
    expect(download.error).toBeInstanceOf(TimeoutError);
    expect(clock.now() - start).toBe(4000);
    expect(times).toEqual([start]);
  });

  test('a limit changed during a pause: lowered, the pause is re-priced; lifted, it ends at once', async () => {
    const { clock, client, control, times, download, data, start } = await downloading({ limitRate: RATE });
    serve(data, 4);
    await clock.settle();
    expect(times.map((t) => t - start)).toEqual([0]);
    // 10 ms in, 90 ms of the first chunk are owed; at half the rate they cost 180 ms, and the burst is
    // 1 024 B (51.2 ms): the second read comes at 10 + 180 - 51.2 ms.
    await clock.advance(10);
    client.limitRate = RATE / 2;
    expect(client.limitRate).toBe(RATE / 2);
    await runUntil(clock, () => times.length === 2);
    expect(times[1]! - start).toBeCloseTo(10 + 180 - 51.2, 6);
    // Lifted: the pause for the second chunk ends now, and the rest comes without any.
    const lifted = clock.now();
    client.limitRate = 0;
    await clock.settle();
    expect(times.map((t) => t - lifted).slice(2)).toEqual([0, 0]);
    control.reply('226 done');
    await clock.settle();
    expect(download.state).toBe('resolved');
  });

  test('an abort during a long pause ends it at once: ABOR goes out, no timer is left, the next call runs', async () => {
    const stop = new AbortController();
    const { clock, client, control, download, data } = await downloading({ limitRate: 1024, ...idle }, { signal: stop.signal });
    void data.write(bytes(64 * 1024)); // a 64 s pause follows
    await clock.advance(500);
    stop.abort();
    await clock.settle();
    expect(isAbortError(download.error)).toBe(true);
    expect(data.peer.events).toContain('destroy');
    await answer(control, 'ABOR', '426 aborted', '226 abort done');
    await answer(control, 'NOOP', '200 ok');
    const pwd = track(client.pwd());
    await answer(control, 'PWD', '257 "/"');
    expect(await pwd.promise).toBe('/');
    expect(clock.pending).toBe(0); // the 64 s pause's timer is gone
  });

  test('a limit set while an unlimited download runs paces it, and an abort still ends its pause at once', async () => {
    const stop = new AbortController();
    const { clock, client, control, times, download, data, start } = await downloading({ ...idle }, { signal: stop.signal });
    void data.write(bytes(CHUNK));
    await clock.settle();
    expect(times.map((t) => t - start)).toEqual([0]); // unlimited: no pause
    client.limitRate = 1024;
    void data.write(bytes(64 * 1024)); // a pause of about 64 s follows this chunk
    await clock.settle();
    expect(times).toHaveLength(2);
    void data.write(bytes(CHUNK));
    await clock.advance(500);
    expect(times).toHaveLength(2); // paced now
    stop.abort();
    await clock.settle();
    expect(isAbortError(download.error)).toBe(true);
    await answer(control, 'ABOR', '426 aborted', '226 abort done');
    await answer(control, 'NOOP', '200 ok');
    expect(clock.pending).toBe(0); // the pause's timer is gone
  });

  test('over TLS, an abort during a pause releases the data connection at once, without the close grace', async () => {
    const stop = new AbortController();
    const { clock, control, download, data } = await downloading({ secure: 'explicit', limitRate: 1024 }, { signal: stop.signal });
    await clock.settle();
    void data.write(bytes(64 * 1024));
    await clock.advance(500);
    stop.abort();
    // The gentle close drains until the server ends; the paused pump must not hold it for 64 s.
    await answer(control, 'ABOR');
    void data.end();
    await clock.settle();
    expect(data.peer.events).toContain('destroy');
    expect(isAbortError(download.error)).toBe(true);
    control.reply('426 aborted', '226 abort done');
    await answer(control, 'NOOP', '200 ok');
  });
});

describe('an upload under a limit', () => {
  test('slices of one burst (2 000 B), the first at once, then one every 50 ms: exactly the limit', async () => {
    const { pair, clock, client, control } = await connected({ limitRate: RATE });
    const upload = track(client.upload(bytes(20_000), '/up'));
    const data = await passive(pair, control);
    await answer(control, 'STOR /up', '150 send it');
    const start = clock.now();
    const reading = track(timedReader(clock, data));
    await runUntil(clock, () => reading.state !== 'pending', 2000);
    const { times, total } = await reading.promise;
    expect(total).toBe(20_000);
    expect(times.map((t) => t - start)).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450]);
    control.reply('226 stored');
    await clock.settle();
    expect(upload.state).toBe('resolved');
  });

  test('an abort during a pause stops the upload at once', async () => {
    const { pair, clock, client, control } = await connected({ limitRate: 1024 });
    const stop = new AbortController();
    const upload = track(client.upload(bytes(64 * 1024), '/up', { signal: stop.signal }));
    const data = await passive(pair, control);
    await answer(control, 'STOR /up', '150 send it');
    const reading = timedReader(clock, data);
    await clock.advance(2500);
    stop.abort();
    await clock.settle();
    expect(isAbortError(upload.error)).toBe(true);
    await answer(control, 'ABOR', '226 abort done');
    await answer(control, 'NOOP', '200 ok');
    const { total } = await reading;
    // A 1 KiB slice at once, then one per second: three by 2.5 s, and nothing after the abort.
    expect(total).toBe(3 * 1024);
  });
});

describe('a Pool shares one budget', () => {
  test('two downloads at once under 40 000 B/s move 40 000 B/s together', async () => {
    const pair = memoryPair();
    const { clock } = pair;
    const pool = new Pool({ host: pair.host, port: pair.port, user: 'u', password: 'p', transport: pair.transport, size: 2, limitRate: RATE });
    const sinks = [timedSink(clock), timedSink(clock)];
    const downloads = [track(pool.download('/a', sinks[0]!.sink)), track(pool.download('/b', sinks[1]!.sink))];
    const controls = [await pair.control.accept(), await pair.control.accept()];
    await Promise.all(controls.map((control) => login(control)));
    const datas = await Promise.all(
      controls.map(async (control) => {
        const data = await passive(pair, control);
        const line = await control.line();
        control.reply('150 go');
        return { data, line };
      }),
    );
    expect(datas.map((d) => d.line).sort()).toEqual(['RETR /a', 'RETR /b']);
    const start = clock.now();
    for (const { data } of datas) serve(data, 5);
    await runUntil(clock, () => sinks.every((s) => s.times.length === 5));
    for (const control of controls) control.reply('226 done');
    await runUntil(clock, () => downloads.every((d) => d.state !== 'pending'));
    expect(downloads.map((d) => d.state)).toEqual(['resolved', 'resolved']);
    // Each session reads its first chunk at once; from then on the two take turns, one chunk (100 ms
    // of the budget) at a time: 40 000 bytes together, exactly the pool's limit.
    const all = [...sinks[0]!.times, ...sinks[1]!.times].map((t) => t - start).sort((a, b) => a - b);
    expect(all).toEqual([0, 0, 50, 150, 250, 350, 450, 550, 650, 750]);
    expect(sinks.map((s) => s.times.length)).toEqual([5, 5]);
    expect(pool.limitRate).toBe(RATE);
    const closing = pool.close();
    await Promise.all(controls.map((control) => answer(control, 'QUIT', '221 bye')));
    await closing;
  });
});

describe('bad limits are the caller’s mistake', () => {
  test('InvalidArgumentError from connect, the Pool, the setter, a call and a tree call', async () => {
    const pair = memoryPair();
    await expect(Client.connect({ host: pair.host, port: pair.port, transport: pair.transport, limitRate: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => new Pool({ host: pair.host, limitRate: Number.NaN })).toThrow(InvalidArgumentError);
    const { client, control } = await connected();
    expect(() => (client.limitRate = -5)).toThrow(InvalidArgumentError);
    expect(client.limitRate).toBe(0);
    client.limitRate = Infinity; // no limit
    expect(client.limitRate).toBe(0);
    const download = track(client.downloadToBytes('/f', { limitRate: -1 }));
    await expect(download.promise).rejects.toBeInstanceOf(InvalidArgumentError);
    // A tree call says so before anything is listed.
    await expect(client.downloadDir('/pub', '/tmp/never', { limitRate: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    const pwd = track(client.pwd());
    expect(await control.line()).toBe('PWD'); // nothing else was sent before it
  });
});
