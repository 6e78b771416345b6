// What the proxy tests put behind a proxy: two echo listeners on a reserved port block, standing for
// a server's control port and its passive range; and how a test opens a socket through the proxy
// and sees it end.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { reservePorts, type PortBlock } from '../../src/ports.js';

/** The echo listeners, as a proxy's target. Stop them with `close()`. */
export interface EchoTarget {
  readonly host: string;
  readonly port: number;
  readonly passivePorts: { readonly min: number; readonly max: number };
  /** The passive port, for a data connection. */
  readonly dataPort: number;
  close(): Promise<void>;
}

export async function startEchoTarget(): Promise<EchoTarget> {
  const block: PortBlock = await reservePorts('127.0.0.1');
  const listeners: Server[] = [];
  for (const port of [block.control, block.passiveMin]) {
    const echo = createServer((socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    listeners.push(echo);
    await new Promise<void>((resolve) => echo.listen(port, '127.0.0.1', resolve));
  }
  return {
    host: '127.0.0.1',
    port: block.control,
    passivePorts: { min: block.passiveMin, max: block.passiveMin },
    dataPort: block.passiveMin,
    close: async () => {
      await Promise.all(listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
      await block.release();
    },
  };
}

/** A connected socket; its errors are left to {@link ending}. */
export async function open(host: string, port: number): Promise<Socket> {
  const socket = connect({ host, port });
  socket.on('error', () => {}); // each test looks at how its sockets end through `ending`
  await once(socket, 'connect');
  return socket;
}

/** Resolves with how the socket ended: 'reset', 'end' or 'close'. */
export function ending(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNRESET' ? 'reset' : (err.code ?? 'error')));
    socket.once('end', () => resolve('end'));
    socket.once('close', () => resolve('close'));
  });
}
