/**
 * The one way to reset a TCP socket (RST): for the scripted server, and for the fault proxies of
 * ftpkit's own testkit.
 *
 * libuv refuses to reset a socket while a shutdown of it is in flight (`uv_tcp_close_reset`:
 * EINVAL when `end()` was called and its FIN is not out yet), and Node 20 marks the handle closing
 * anyway: the socket says it is destroyed, its handle is never closed, and at exit the process spins
 * forever in its handle cleanup (100% CPU, measured; a proxy that passed the server's FIN on with
 * `end()` and was closed right after left every script that used it hanging). So a socket that is
 * ending is reset once its shutdown is done: one turn of the event loop later.
 *
 * @module
 */
import type { Socket } from 'node:net';

/** Reset `socket` (RST), now or, while its `end()` is in flight, as soon as that is done. */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded && !socket.writableFinished) {
    socket.once('finish', () => resetSocket(socket));
    return;
  }
  socket.resetAndDestroy();
}
