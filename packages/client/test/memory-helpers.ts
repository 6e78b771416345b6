/**
 * A client on testkit's in-memory pair, logged in by a scripted server, for the driver's clock and
 * race tests. Nothing here waits on wall time: the test moves `clock` and plays the server with
 * `control` (the server's end of the control connection).
 */
import { expect } from 'vitest';
import { memoryPair, type ManualClock, type MemoryPair, type MemoryPairOptions, type MemorySocket } from '@ftpkit/testkit';
import { Client, type ClientOptions } from '../src/index.js';

/** A logged-in client, its server's control connection, and the pair's clock. */
export interface Session {
  readonly pair: MemoryPair;
  readonly clock: ManualClock;
  readonly client: Client;
  readonly control: MemorySocket;
}

/** Connect a client to a new pair; the login is left to the test (`login`). */
export async function connecting(
  options: Partial<ClientOptions> = {},
  pairOptions: MemoryPairOptions = {},
): Promise<{ pair: MemoryPair; client: Tracked<Client>; control: MemorySocket }> {
  const pair = memoryPair(pairOptions);
  const client = track(Client.connect({ host: pair.host, port: pair.port, user: 'u', password: 'p', transport: pair.transport, ...options }));
  const control = await pair.control.accept();
  return { pair, client, control };
}

/** A client logged in on a new pair (explicit TLS with `secure: 'explicit'`). */
export async function connected(options: Partial<ClientOptions> = {}, pairOptions: MemoryPairOptions = {}): Promise<Session> {
  const { pair, client, control } = await connecting(options, pairOptions);
  await login(control, { secure: options.secure === 'explicit' });
  return { pair, clock: pair.clock, client: await client.promise, control };
}

/** Play the server's side of the login: greeting, (AUTH TLS, PBSZ, PROT,) USER, PASS, FEAT, TYPE I. */
export async function login(control: MemorySocket, options: { readonly secure?: boolean } = {}): Promise<void> {
  control.reply('220 memory server');
  if (options.secure) {
    await answer(control, 'AUTH TLS', '234 go ahead');
    await answer(control, 'PBSZ 0', '200 PBSZ=0');
    await answer(control, 'PROT P', '200 protected');
  }
  await answer(control, 'USER u', '331 password please');
  await answer(control, 'PASS p', '230 logged in');
  await answer(control, 'FEAT', '211-Features:', ' EPSV', '211 End');
  await answer(control, 'TYPE I', '200 binary');
}

/** Expect the client's next command to be `command`, then answer it with `reply` (if any). */
export async function answer(control: MemorySocket, command: string, ...reply: string[]): Promise<void> {
  expect(await control.line()).toBe(command);
  if (reply.length > 0) control.reply(...reply);
}

/** Answer EPSV with a fresh data port; resolves with the server's end of the data connection. */
export async function passive(pair: MemoryPair, control: MemorySocket): Promise<MemorySocket> {
  const port = pair.server.listen();
  await answer(control, 'EPSV', `229 Entering Extended Passive Mode (|||${port.port}|)`);
  const data = await port.accept();
  port.close();
  return data;
}

/** A promise and how it stands, observed from the start (so its rejection is never unhandled). */
export interface Tracked<T> {
  readonly promise: Promise<T>;
  readonly state: 'pending' | 'resolved' | 'rejected';
  readonly error: unknown;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: { promise: Promise<T>; state: Tracked<T>['state']; error: unknown } = { promise, state: 'pending', error: undefined };
  promise.then(
    () => (tracked.state = 'resolved'),
    (error: unknown) => {
      tracked.state = 'rejected';
      tracked.error = error;
    },
  );
  return tracked;
}

/** `count` bytes of `fill`. */
export const bytes = (count: number, fill = 1): Uint8Array => new Uint8Array(count).fill(fill);
