// The transfer keep-alive on testkit's in-memory pair: the NOOP goes out exactly `transferKeepAlive`
// after the last byte either way on the control connection, only while a transfer's data moves,
// and its answer (at once, after the 226, or never) is matched by the session so the next call gets
// its own reply. The server's side is played line by line; no test waits on the wall clock.
import { describe, expect, test } from 'vitest';
import type { ManualClock, MemorySocket } from '@ftpkit/testkit';
import { TimeoutError } from '@ftpkit/transport';
import { answer, bytes, connected, passive, track } from './memory-helpers.js';

const timeouts = { reply: 1000, dataIdle: 2000 };

/** Let `ms` pass with the server writing 10 bytes every 1500 ms, inside the data-idle timeout. */
async function dataMoves(clock: ManualClock, data: MemorySocket, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1500) {
    await clock.advance(1500);
    void data.write(bytes(10));
  }
}

describe('the transfer keep-alive', () => {
  test('a NOOP goes out exactly transferKeepAlive after the last control byte, and again after its answer', async () => {
    const { pair, clock, client, control } = await connected({ timeouts, transferKeepAlive: 5000 });
    const download = track(client.downloadToBytes('/f'));
    const data = await passive(pair, control);
    await answer(control, 'RETR /f', '150 here it comes');
    await clock.settle();
    const started = clock.now();
    const first = track(control.line());
    await dataMoves(clock, data, 4500); // the control connection is silent meanwhile
    await clock.advance(499);
    expect(first.state).toBe('pending');
    await clock.advance(1);
    expect(await first.promise).toBe('NOOP');
    expect(clock.now() - started).toBe(5000);
    await clock.advance(500);
    control.reply('200 NOOP: data transfer in progress'); // answered at once (pyftpdlib)
    void data.write(bytes(10));
    const answeredAt = clock.now();
    const second = track(control.line());
    await dataMoves(clock, data, 4500);
    await clock.advance(500);
    expect(await second.promise).toBe('NOOP');
    expect(clock.now() - answeredAt).toBe(5000);
    control.reply('200 NOOP: data transfer in progress');
    await data.end();
    control.reply('226 done');
    await clock.settle();
    expect(download.state).toBe('resolved');
    expect((await download.promise).length).toBe(70);
    // Nothing was owed at the end: no fence, and the next call's reply is its own.
    const pwd = track(client.pwd());
    await answer(control, 'PWD', '257 "/home"');
    expect(await pwd.promise).toBe('/home');
  });

  test('NOOPs never answered during the transfer: PWD fences them, and the next call gets its own reply', async () => {
    const { pair, clock, client, control } = await connected({ timeouts, transferKeepAlive: 3000 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let chunks = 0;
    // A slow sink: the pump waits on the caller, no data clock runs, and the control connection idles.
    const download = track(client.download('/f', async () => (chunks++ === 0 ? held : undefined)));
    const data = await passive(pair, control);
    await answer(control, 'RETR /f', '150 here it comes');
    void data.write(bytes(10));
    await clock.advance(3000);
    expect(await control.line()).toBe('NOOP');
    await clock.advance(3000);
    expect(await control.line()).toBe('NOOP'); // 3000 after the first, which was the last byte
    release();
    await data.end();
    control.reply('226 done'); // the server (vsftpd, ftp-srv) answers its NOOPs after this
    expect(await control.line()).toBe('PWD');
    expect(download.state).toBe('pending');
    control.reply('200 NOOP ok', '200 NOOP ok', '257 "/"');
    await clock.settle();
    expect(download.state).toBe('resolved');
    const size = track(client.size('/f'));
    await answer(control, 'SIZE /f', '213 10');
    expect(await size.promise).toBe(10);
  });

  test('off with transferKeepAlive 0: the control connection stays silent however long the data moves', async () => {
    const { pair, clock, client, control } = await connected({ timeouts, transferKeepAlive: 0 });
    const download = track(client.downloadToBytes('/f'));
    const data = await passive(pair, control);
    await answer(control, 'RETR /f', '150 here it comes');
    const next = track(control.line());
    for (let t = 0; t < 120_000; t += 1500) {
      await clock.advance(1500);
      void data.write(bytes(1));
    }
    expect(next.state).toBe('pending');
    await data.end();
    control.reply('226 done');
    await clock.settle();
    expect(download.state).toBe('resolved');
  });

  test('on by default: a NOOP after 60 s of control silence', async () => {
    const { pair, clock, client, control } = await connected({ timeouts: { reply: 1000, dataIdle: 0 } });
    const download = track(client.downloadToBytes('/f'));
    const data = await passive(pair, control);
    await answer(control, 'RETR /f', '150 here it comes');
    void data.write(bytes(1));
    const next = track(control.line());
    await clock.advance(59_999);
    expect(next.state).toBe('pending');
    await clock.advance(1);
    expect(await next.promise).toBe('NOOP');
    control.reply('200 ok');
    await data.end();
    control.reply('226 done');
    await clock.settle();
    expect(download.state).toBe('resolved');
  });

  test('not before the 150, and not once the data has ended: the reply clock alone bounds those waits', async () => {
    const { pair, clock, client, control } = await connected({ timeouts, transferKeepAlive: 300 });
    const download = track(client.downloadToBytes('/f'));
    const data = await passive(pair, control);
    expect(await control.line()).toBe('RETR /f');
    const next = track(control.line());
    await clock.advance(900); // the 150 is late, within the reply timeout
    expect(next.state).toBe('pending');
    control.reply('150 here it comes');
    void data.write(bytes(5));
    await data.end();
    await clock.settle();
    const ended = clock.now();
    await clock.advance(999); // the 226 never comes
    expect(next.state).toBe('pending');
    expect(download.state).toBe('pending');
    await clock.advance(1);
    expect(download.error).toBeInstanceOf(TimeoutError);
    expect(clock.now() - ended).toBe(1000);
    expect(client.closed).toBe(true);
  });

  test('an upload sends them too, and a 226 before the NOOPs\' answers still ends with the fence', async () => {
    const { pair, clock, client, control } = await connected({ timeouts, transferKeepAlive: 2000 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes(10);
      await held; // the caller's source is slow
      yield bytes(10);
    }
    const upload = track(client.upload(source(), '/up'));
    const data = await passive(pair, control);
    await answer(control, 'STOR /up', '150 send it');
    await clock.advance(2000);
    expect(await control.line()).toBe('NOOP');
    release();
    const received: Uint8Array[] = [];
    for (let chunk = await data.read(); chunk !== null; chunk = await data.read()) received.push(chunk);
    control.reply('226 stored');
    expect(await control.line()).toBe('PWD');
    control.reply('200 NOOP ok', '257 "/"');
    await clock.settle();
    expect(upload.state).toBe('resolved');
    expect(received.reduce((n, c) => n + c.length, 0)).toBe(20);
  });
});
