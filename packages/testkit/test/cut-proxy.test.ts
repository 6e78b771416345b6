// The cut proxy's random drops: they reset data connections, every connection, or a control
// connection, on a schedule a seed replays, count what they did, and stop. The target is two echo
// listeners on a reserved port block, standing for a server's control port and its passive range.
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCutProxy } from '../src/index.js';
import { ending, open as openPaused, startEchoTarget, type EchoTarget } from './support/echo-target.js';

let target: EchoTarget;
/** Each test its own address (the proxy listens on the target's ports), apart from the other proxy tests'. */
const hosts = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24', '127.0.0.25', '127.0.0.26', '127.0.0.27'] as const;

beforeAll(async () => {
  target = await startEchoTarget();
});

afterAll(() => target.close());

/** A socket through the proxy whose echoes are read (and dropped), so that its end is seen. */
async function open(host: string, port: number): Promise<Socket> {
  const socket = await openPaused(host, port);
  socket.resume();
  return socket;
}

/** Whether `socket` is still open after `ms`. */
async function survives(socket: Socket, ms: number): Promise<boolean> {
  const ended = ending(socket).then(() => false);
  return Promise.race([ended, delay(ms).then(() => !socket.destroyed)]);
}

describe('CutProxy.dropAtRandom', () => {
  test('data drops reset a data connection open then, and leave the control connection alone', async () => {
    await using proxy = await startCutProxy({ target, host: hosts[0] });
    const control = await open(proxy.host, proxy.port);
    const data = await open(proxy.host, target.dataPort);
    const dataEnd = ending(data);
    using drops = proxy.dropAtRandom({ seed: 1, intervalMs: 100, dataShare: 1, allShare: 0 });
    expect(await dataEnd).toBe('reset');
    expect(await survives(control, 300)).toBe(true);
    // The drops after it found no data connection open: one is owed to the next one, the others missed.
    expect(drops.report()).toMatchObject({ owed: 1, missed: expect.any(Number) });
    expect(drops.report().missed).toBeGreaterThan(0);
    drops.stop();
    expect(drops.report()).toMatchObject({ data: 1, all: 0, control: 0, owed: 0 });
    expect(proxy.drops()).toEqual({ data: 1, control: 0, all: 0 });
    control.destroy();
  });

  test('with no data connection open, a data drop cuts the next one after some bytes (below dataCutBytes)', async () => {
    await using proxy = await startCutProxy({ target, host: hosts[1] });
    using drops = proxy.dropAtRandom({ seed: 2, intervalMs: 50, dataShare: 1, allShare: 0, dataCutBytes: 1000 });
    await delay(200); // at least one drop drawn, owed
    expect(drops.report().owed).toBe(1);
    drops.stop(); // what a stopped schedule owed is forgiven
    expect(drops.report().owed).toBe(0);
    using again = proxy.dropAtRandom({ seed: 2, intervalMs: 50, dataShare: 1, allShare: 0, dataCutBytes: 1000 });
    await delay(200);
    const data = await open(proxy.host, target.dataPort);
    let echoed = 0;
    data.on('data', (chunk: Buffer) => (echoed += chunk.length));
    const end = ending(data);
    data.write(Buffer.alloc(10_000));
    expect(await end).toBe('reset');
    // Both directions count: what went up plus what came back is at most the bound.
    expect(echoed).toBeLessThan(1000);
    again.stop();
    expect(again.report().data).toBe(1);
    expect(proxy.drops().data).toBe(1);
  });

  test('all drops reset every connection, control ones included; control drops one control connection', async () => {
    await using proxy = await startCutProxy({ target, host: hosts[2] });
    const control = await open(proxy.host, proxy.port);
    const data = await open(proxy.host, target.dataPort);
    const ends = [ending(control), ending(data)];
    using all = proxy.dropAtRandom({ seed: 3, intervalMs: 100, dataShare: 0, allShare: 1 });
    expect(await Promise.all(ends)).toEqual(['reset', 'reset']);
    all.stop();
    expect(all.report().all).toBeGreaterThanOrEqual(1);

    const second = await open(proxy.host, proxy.port);
    const otherData = await open(proxy.host, target.dataPort);
    const secondEnd = ending(second);
    using controlDrops = proxy.dropAtRandom({ seed: 3, intervalMs: 100, dataShare: 0, allShare: 0 });
    expect(await secondEnd).toBe('reset');
    expect(await survives(otherData, 300)).toBe(true);
    controlDrops.stop();
    expect(controlDrops.report().control).toBe(1);
    expect(proxy.drops()).toMatchObject({ control: 1, all: all.report().all });
    otherData.destroy();
  });

  test('a seed replays the schedule: the same kinds at the same times; another seed draws another', async () => {
    const run = async (host: string, seed: number) => {
      await using proxy = await startCutProxy({ target, host });
      using drops = proxy.dropAtRandom({ seed, intervalMs: 20, dataShare: 0.5, allShare: 0.3 });
      await delay(600);
      drops.stop();
      return drops.report().schedule.slice(0, 10);
    };
    const first = await run(hosts[3], 42);
    const again = await run(hosts[4], 42);
    const other = await run(hosts[5], 43);
    expect(first).toHaveLength(10);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    // The waits are drawn from half to one and a half of the interval.
    first.forEach((drop, i) => {
      const gap = drop.at - (i === 0 ? 0 : first[i - 1]!.at);
      expect(gap).toBeGreaterThanOrEqual(9);
      expect(gap).toBeLessThanOrEqual(31);
    });
  });

  test('stop() ends the drops; closing the proxy does too; bad options are refused', async () => {
    await using proxy = await startCutProxy({ target, host: hosts[6] });
    const drops = proxy.dropAtRandom({ seed: 5, intervalMs: 50, dataShare: 0, allShare: 1 });
    await delay(300);
    drops.stop();
    const counted = proxy.drops().all;
    expect(counted).toBeGreaterThan(0);
    const control = await open(proxy.host, proxy.port);
    // Under load a timer may fire late, never after stop(): 10 intervals with nothing dropped.
    expect(await survives(control, 500)).toBe(true);
    expect(proxy.drops().all).toBe(counted);
    expect(drops.report().schedule).toHaveLength(counted);
    control.destroy();
    proxy.dropAtRandom({ seed: 6, intervalMs: 50 });
    await proxy.close(); // with a schedule running: the timer goes with it, or vitest would hang
    expect(() => proxy.dropAtRandom({ seed: 1, intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => proxy.dropAtRandom({ seed: 1, intervalMs: 10, dataShare: 0.8, allShare: 0.5 })).toThrow(/shares/);
  });
});
