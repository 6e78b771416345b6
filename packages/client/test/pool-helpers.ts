/**
 * Helpers shared by the Pool and segmented-download tests (not a test file itself).
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { RunningServer } from '@ftpkit/testkit';
import type { ClientOptions, PoolOptions } from '../src/index.js';

/** A promise with its resolver, for handing control between a test and a server handler. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Send `bytes` on a data socket with back-pressure and close it; false if the client closed it first. */
export async function send(data: Socket, bytes: Uint8Array): Promise<boolean> {
  const piece = 64 * 1024;
  for (let at = 0; at < bytes.length; at += piece) {
    if (data.destroyed) return false;
    if (!data.write(bytes.subarray(at, at + piece))) {
      await new Promise<void>((resolve) => {
        data.once('drain', resolve);
        data.once('close', resolve);
      });
    }
  }
  if (data.destroyed) return false;
  await new Promise<void>((resolve) => data.end(resolve));
  return true;
}

/** Client options for a testkit server, verifying its certificate when `secure`. */
export function realClientOptions(server: RunningServer, secure: false | 'explicit', extra: Partial<ClientOptions> = {}): ClientOptions {
  return {
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    secure,
    tls: { ca: server.caPem, servername: 'localhost' },
    ...extra,
  };
}

/** Pool options for a testkit server, verifying its certificate when `secure`. */
export function realPoolOptions(server: RunningServer, secure: false | 'explicit', extra: Partial<PoolOptions> = {}): PoolOptions {
  return { ...realClientOptions(server, secure), ...extra };
}
