/**
 * The part the cut, delay, idle and NAT proxies share: listening on another loopback address on a
 * server's control port and every port of its passive range (so no reply needs rewriting), keeping
 * track of every socket, and closing it all with resets; the check that both ends are loopback; and
 * the plain splice of two sockets that a proxy with nothing to add uses.
 *
 * @module
 */
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { reset } from '@ftpkit/test-server';

/** Throw unless `host` and `target` are both loopback addresses (127.0.0.0/8, ::1): a test tool, not a relay. */
export function checkLoopback(what: string, host: string, target: string): void {
  const loopback = (h: string): boolean => (isIP(h) === 4 ? h.startsWith('127.') : h === '::1');
  if (!loopback(host) || !loopback(target)) throw new Error(`${what}: loopback addresses only (127.0.0.0/8, ::1), not ${host} → ${target}`);
}

/**
 * Join two sockets both ways, as a plain relay: with back-pressure, a FIN passed on as a FIN, and a
 * reset (or any error) on either side passed on as a reset of both, never as a clean end.
 */
export function splice(a: Socket, b: Socket): void {
  const resetBoth = (): void => {
    for (const s of [a, b]) if (!s.destroyed) s.resetAndDestroy();
  };
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => from.resume());
    from.on('end', () => to.end());
    from.on('error', resetBoth);
    from.on('close', () => {
      if (!to.destroyed && !to.writableEnded) to.destroy();
    });
  }
}

/** A server to mirror: its address, control port and passive range (a `RunningServer` fits). */
export interface MirrorTarget {
  readonly host: string;
  readonly port: number;
  readonly passivePorts: { readonly min: number; readonly max: number };
}

/** Listeners and sockets of one proxy. */
export class PortMirror {
  readonly #sockets = new Set<Socket>();
  readonly #servers: Server[] = [];
  #closing: Promise<void> | undefined;

  /** Count `socket` among the proxy's, to be reset by {@link PortMirror.close}. */
  track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  /**
   * Listen on `host` at the target's control port and passive ports; `accept(port, data)` makes the
   * handler of each (`data` is false for the control port). On failure everything is closed and the
   * error names `what`.
   */
  async listen(what: string, host: string, target: MirrorTarget, accept: (port: number, data: boolean) => (socket: Socket) => void): Promise<void> {
    const ports = [target.port];
    for (let p = target.passivePorts.min; p <= target.passivePorts.max; p++) ports.push(p);
    try {
      await Promise.all(ports.map((port) => this.#listenOne(host, port, accept(port, port !== target.port))));
    } catch (err) {
      await this.close();
      throw new Error(`${what}: cannot listen on ${host}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Reset every socket and stop every listener. Idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      for (const s of this.#sockets) reset(s);
      await Promise.all(this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    })());
  }

  #listenOne(host: string, port: number, onConnection: (socket: Socket) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer({ allowHalfOpen: true }, onConnection);
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        this.#servers.push(server);
        resolve();
      });
    });
  }
}
