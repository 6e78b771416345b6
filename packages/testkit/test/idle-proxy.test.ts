// The idle proxy forgets a connection silent both ways for idleMs, control or data, and nothing
// else: traffic either way keeps it, and a forgotten connection is reset (or, 'silent', passes
// nothing more). The target is two echo listeners on a reserved port block, standing for a
// server's control port and its passive range.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startIdleProxy } from '../src/index.js';
import { ending, open, startEchoTarget, type EchoTarget } from './support/echo-target.js';

let target: EchoTarget;
const hosts = ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'] as const;

beforeAll(async () => {
  target = await startEchoTarget();
});

afterAll(() => target.close());

describe('startIdleProxy', () => {
  test('a control connection silent for idleMs is reset; one that talks is kept', async () => {
    await using proxy = await startIdleProxy({ target, host: hosts[0], idleMs: 400 });
    const silent = await open(proxy.host, proxy.port);
    const talking = await open(proxy.host, proxy.port);
    let echoed = '';
    talking.on('data', (chunk: Buffer) => (echoed += chunk.toString()));
    const silentEnd = ending(silent);
    const opened = performance.now();
    for (let i = 0; i < 8; i++) {
      talking.write('x');
      await delay(120);
    }
    expect(await silentEnd).toBe('reset');
    expect(performance.now() - opened).toBeGreaterThanOrEqual(390);
    expect(talking.destroyed).toBe(false);
    // The talking one still carries bytes both ways.
    talking.write('ping');
    await delay(100);
    expect(echoed).toBe('xxxxxxxxping');
    expect(proxy.forgotten()).toEqual([{ connection: 'control', port: target.port }]);
    talking.destroy();
  });

  test('bytes in either direction keep a connection: the echo of what it sent counts too', async () => {
    await using proxy = await startIdleProxy({ target, host: hosts[1], idleMs: 400 });
    const socket = await open(proxy.host, proxy.port);
    socket.on('data', () => {});
    for (let i = 0; i < 6; i++) {
      socket.write('y');
      await delay(200);
    }
    expect(socket.destroyed).toBe(false);
    expect(proxy.forgotten()).toEqual([]);
    socket.destroy();
  });

  test('a data connection is forgotten the same way, and said to be one', async () => {
    await using proxy = await startIdleProxy({ target, host: hosts[2], idleMs: 300 });
    const data = await open(proxy.host, target.dataPort);
    expect(await ending(data)).toBe('reset');
    expect(proxy.forgotten()).toEqual([{ connection: 'data', port: target.dataPort }]);
  });

  test("'silent' passes nothing more once a connection is forgotten, and leaves it open", async () => {
    await using proxy = await startIdleProxy({ target, host: hosts[3], idleMs: 300, forget: 'silent' });
    const socket = await open(proxy.host, proxy.port);
    const got: string[] = [];
    socket.on('data', (chunk: Buffer) => got.push(chunk.toString()));
    socket.write('before');
    await delay(700);
    expect(got.join('')).toBe('before');
    socket.write('after');
    await delay(300);
    expect(got.join('')).toBe('before');
    expect(socket.destroyed).toBe(false);
    expect(proxy.forgotten()).toHaveLength(1);
    socket.destroy();
  });

  test('loopback only, and a positive idle limit', async () => {
    await expect(startIdleProxy({ target, host: '10.0.0.1', idleMs: 100 })).rejects.toThrow(/loopback addresses only/);
    await expect(startIdleProxy({ target, host: hosts[4], idleMs: 0 })).rejects.toThrow(/idleMs must be positive/);
  });
});
