// What a transport cannot do is refused before any connection (Cloudflare Workers: no listening,
// 6 connections per request). The Workers suite (interop/workers) shows the same under workerd.
import { describe, expect, test } from 'vitest';
import { transport as nodeTransport, type Transport } from '@ftpkit/transport';
import { Client, InvalidArgumentError, Pool } from '../src/index.js';

/** A transport that says what Workers say, and fails the test if anything connects. */
const limited: Transport = {
  runtime: 'workers',
  capabilities: { ...nodeTransport.capabilities, listen: false, maxConnections: 6 },
  connect: () => Promise.reject(new Error('must not connect')),
  listen: () => Promise.reject(new Error('must not listen')),
};

describe('a transport with limits', () => {
  test('a Pool holds at most half its connections: 3 of 6; 4 is refused, up front', () => {
    expect(() => new Pool({ host: '127.0.0.1', transport: limited, size: 4 })).toThrow(InvalidArgumentError);
    expect(() => new Pool({ host: '127.0.0.1', transport: limited, size: 4 })).toThrow(/at most 3 sessions, not 4/);
    expect(() => new Pool({ host: '127.0.0.1', transport: limited, size: 3 })).not.toThrow();
    expect(() => new Pool({ host: '127.0.0.1', transport: limited })).not.toThrow(); // the default, 4, becomes 3
  });

  test('without a limit, the default size and large pools stay as they were', () => {
    expect(() => new Pool({ host: '127.0.0.1', size: 32 })).not.toThrow();
  });

  test('active mode is refused where the transport cannot listen, before connecting', async () => {
    await expect(Client.connect({ host: '127.0.0.1', transport: limited, mode: 'active' })).rejects.toThrow(/use passive mode/);
    await expect(Client.connect({ host: '127.0.0.1', transport: limited, mode: 'active' })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => new Pool({ host: '127.0.0.1', transport: limited, mode: 'active' })).toThrow(InvalidArgumentError);
  });
});
