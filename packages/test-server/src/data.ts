/**
 * What a handler does on a data connection: send and close, send and reset (RST), read to the end,
 * pump a large stream with back-pressure. A stall is simply never writing.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { resetSocket } from './reset.js';
import { tcpOf } from './tls.js';

/** Send bytes on a data socket and close it. */
export function sendAndClose(data: Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => data.end(bytes, () => resolve()));
}

/** Read a data socket to its end. */
export function readAll(data: Socket): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    data.on('data', (c: Buffer) => chunks.push(c));
    data.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    data.on('error', reject);
  });
}

/** Send bytes on a data socket, then reset it (RST) instead of closing it cleanly. */
export function sendAndReset(data: Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) =>
    data.write(bytes, () => {
      reset(data);
      resolve();
    }),
  );
}

/**
 * Reset a socket: RST, so the peer sees ECONNRESET rather than an end of stream. Works on the TLS
 * sockets the server hands out (it resets the TCP socket under them) and on any `node:net` socket.
 */
export function reset(socket: Socket): void {
  if (socket.destroyed) return;
  // A TLS socket has no TCP handle of its own: reset the socket underneath.
  const tcp = tcpOf(socket);
  resetSocket(tcp);
  if (tcp === socket) return;
  if (tcp.destroyed) socket.destroy();
  else tcp.once('close', () => socket.destroy());
}

/**
 * Write `chunk` `times` times as fast as the peer takes it (back-pressure respected), then close.
 * Stops early, resolving with the number of chunks written, when the peer closes or resets: this is
 * how a test sends gigabytes without holding them in memory.
 */
export function pump(data: Socket, chunk: Uint8Array, times: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const finish = (): void => {
      data.off('drain', next);
      resolve(sent);
    };
    const next = (): void => {
      while (sent < times) {
        if (data.destroyed || !data.writable) return finish();
        sent++;
        if (!data.write(chunk)) return; // wait for 'drain'
      }
      data.end(finish);
    };
    data.on('drain', next);
    data.once('close', finish);
    next();
  });
}
