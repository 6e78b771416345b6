/**
 * What the adapters share: argument checks, the error of a destroyed connection, the `closed`
 * promise every connection carries, and the option types of `startTls()` and `accept()`.
 *
 * Theory of operation: the Node/Bun implementation (`net-adapter.ts`) and the Deno one
 * (`deno-adapter.ts`) differ in how they drive sockets, not in what a caller may pass or is told.
 * Whatever decides the latter lives here once, so that the runtimes cannot drift apart.
 *
 * @internal
 * @module
 */
import { ConnectionError, InvalidArgumentError, abortReason } from '../errors.js';
import type { Address, Connection, ConnectOptions, Listener, ListenOptions } from '../types.js';

/** The options of `Connection.startTls()`: TLS options plus a timeout and a signal. */
export type StartTlsOptions = Parameters<Connection['startTls']>[0];

/** The options of `Listener.accept()`. */
export type AcceptOptions = NonNullable<Parameters<Listener['accept']>[0]>;

/** The address of a socket that has none (it never connected). */
export const NO_ADDRESS: Address = Object.freeze({ host: '', port: 0, family: 4 });

/** A connection's address, frozen; `family` from the runtime when it says, else from the host's form. */
export function addressOf(host: string, port: number, family?: 4 | 6): Address {
  return Object.freeze({ host, port, family: family ?? (host.includes(':') ? 6 : 4) });
}

/** Refuse a host or port no socket can use, before anything is allocated: the caller's mistake. */
export function checkEndpoint(host: unknown, port: unknown): void {
  if (typeof host !== 'string' || host === '') throw new InvalidArgumentError('host must be a non-empty string');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('port must be an integer from 0 to 65535');
  }
}

/** 6 for an IPv6 literal, 4 for a dotted quad, undefined for a name (only a literal has a colon). */
export function literalFamily(text: string | undefined): 4 | 6 | undefined {
  if (text === undefined) return undefined;
  return text.includes(':') ? 6 : /^\d{1,3}(\.\d{1,3}){3}$/.test(text) ? 4 : undefined;
}

/**
 * The address family a connect asks for: `family`, else the family of `localAddress`, else none.
 * Throws `InvalidArgumentError` for a family that is neither 4 nor 6, and for a host or local
 * address written in the other family, which no connection can join.
 */
export function wantedFamily(options: ConnectOptions): 4 | 6 | undefined {
  const { family, localAddress, host } = options;
  if (family !== undefined && family !== 4 && family !== 6) throw new InvalidArgumentError('family must be 4 or 6');
  const wanted = family ?? literalFamily(localAddress);
  for (const [what, text] of [['localAddress', localAddress], ['host', host]] as const) {
    const has = literalFamily(text);
    if (wanted !== undefined && has !== undefined && has !== wanted) {
      throw new InvalidArgumentError(`${what} ${text} is an IPv${has} address, and the connection is IPv${wanted}`);
    }
  }
  return wanted;
}

/** Where `listen()` binds (port 0: any free one), checked; throws the reason if `signal` already aborted. */
export function listenEndpoint(options: ListenOptions): { host: string; port: number; signal: AbortSignal | undefined } {
  const { host, signal } = options;
  const port = options.port ?? 0;
  checkEndpoint(host, port);
  if (signal?.aborted) throw abortReason(signal);
  return { host, port, signal };
}

/** What reads and writes of a connection destroyed without a reason reject with. */
export function destroyedError(): ConnectionError {
  return new ConnectionError('The connection was destroyed');
}

/**
 * A connection's `closed` promise and the function that settles it (with the error it died of, if
 * any). Nobody has to watch `closed`, so its rejection is marked handled here.
 */
export function closedPromise(): { closed: Promise<void>; settle: (error?: unknown) => void } {
  let settle!: (error?: unknown) => void;
  const closed = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  closed.catch(() => {});
  return { closed, settle };
}
