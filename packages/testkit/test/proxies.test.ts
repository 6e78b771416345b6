// The real proxies (src/proxies.ts): each starts on loopback, speaks its protocol, refuses the
// refused host by rule, and leaves nothing behind when stopped, or when its test process dies.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, test } from 'vitest';
import { isAlive } from '../src/process.js';
import { PROXY_REFUSED_HOST, startProxy, type ProxyKind } from '../src/proxies.js';

/** Send `request` to the proxy and resolve with its first answer. */
function ask(port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data);
    });
    socket.once('error', reject);
  });
}

const installed = existsSync('/usr/sbin/danted') && existsSync('/usr/bin/tinyproxy');

describe.runIf(installed).each<ProxyKind>(['dante', 'tinyproxy'])('%s', (kind) => {
  test('starts on loopback, answers in its protocol, and is gone with its port after stop()', async () => {
    const proxy = await startProxy(kind);
    expect(proxy.url).toBe(proxy.label);
    expect(proxy.version).toMatch(/^\d+\.\d+\.\d+$/);
    if (kind === 'dante') {
      expect([...(await ask(proxy.port, Buffer.from([5, 1, 0])))]).toEqual([5, 0]); // SOCKS5, no authentication
    } else {
      const answer = await ask(proxy.port, Buffer.from(`CONNECT ${PROXY_REFUSED_HOST}:21 HTTP/1.1\r\nHost: ${PROXY_REFUSED_HOST}:21\r\n\r\n`));
      expect(answer.toString('latin1')).toMatch(/^HTTP\/1\.[01] 403 /); // refused by the filter, nothing sent anywhere
    }
    await proxy.stop();
    expect(isAlive(proxy.pid)).toBe(false);
    await expect(ask(proxy.port, Buffer.from([5, 1, 0]))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
