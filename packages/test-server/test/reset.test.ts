// resetSocket: a reset that meets our own end() still in flight. libuv refuses it (EINVAL) and Node
// 20 then never closes the handle: no 'close', and a process that spins forever at exit. Measured
// with a cut proxy closed right after it passed a server's FIN on (see src/reset.ts).
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { expect, test } from 'vitest';
import { resetSocket } from '../src/reset.js';

async function serverSide(onEnd: (socket: Socket) => void): Promise<{ closed: Promise<string[]>; done: () => void }> {
  const seen: string[] = [];
  let settle: (events: string[]) => void = () => {};
  const closed = new Promise<string[]>((resolve) => (settle = resolve));
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', (err: NodeJS.ErrnoException) => seen.push(`error ${err.code ?? ''} ${err.syscall ?? ''}`.trim()));
    socket.on('close', () => settle([...seen, 'close']));
    socket.on('end', () => onEnd(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  client.resume();
  await once(client, 'connect');
  client.end();
  return { closed, done: () => void server.close() };
}

test('a socket whose end() is in flight is reset once it is done: it closes, with no EINVAL', async () => {
  const { closed, done } = await serverSide((socket) => {
    socket.end(); // our FIN: a shutdown request in flight
    resetSocket(socket);
  });
  // Generous under load; without the wait for the shutdown, 'close' never comes at all.
  const events = await Promise.race([closed, new Promise<string[]>((resolve) => setTimeout(() => resolve(['no close within 5 s']), 5000))]);
  expect(events.at(-1)).toBe('close');
  expect(events.join()).not.toMatch(/EINVAL/);
  done();
});

test('any other socket is reset at once', async () => {
  const { closed, done } = await serverSide((socket) => {
    resetSocket(socket);
    expect(socket.destroyed).toBe(true);
  });
  expect((await closed).at(-1)).toBe('close');
  done();
});
