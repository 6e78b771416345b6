/**
 * A scriptable FTP server for fault-injection tests.
 *
 * Theory of operation: a real TCP server on loopback speaks just enough FTP to log a client in and
 * move files held in memory. Every command goes through `handlers`: a test overrides one command to
 * answer with malformed, split, delayed or hostile replies, or to misbehave on the data connection
 * (close early, reset, stall, never connect, point PASV elsewhere). The defaults
 * (`handlers.ts`) are a small, correct server, so a test only scripts the part it is about. Every
 * socket is tracked and closed by `close()`.
 *
 * With `tls`, the server speaks explicit FTPS with the test certificate (trust
 * `testCertificate().ca`): `AUTH TLS` upgrades the control connection and `PROT P` makes data
 * connections TLS. A handler can call `ctx.startTls()` itself (to pipeline bytes after `234`, say) or
 * set `ctx.protectData = false` after `PROT P` to serve plaintext data to a client expecting TLS.
 * All TLS sockets of one server share one secure context, so a client can resume the control
 * connection's session on its data connections; `requireTlsReuse` insists on it.
 *
 * Active mode: `PORT` and `EPRT` record where the client listens (`ctx.activeTarget`), and the next
 * `ctx.acceptData()` connects there from the server's own address, as a real server does. A handler
 * can reach that address first from another one (127.0.0.2, say) to play a data-port thief.
 *
 * The data-connection helpers (`data.ts`: `sendAndClose`, `sendAndReset`, `pump`, `readAll`,
 * `reset`) cover the usual misbehaviours; a stall is simply never writing. `trickle` splits a reply
 * into tiny delayed writes.
 *
 * @module
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { defaultHandlers } from './handlers.js';
import { secured, serverTls, tlsContext } from './tls.js';
import type { CommandHandler, ScriptContext, ScriptedServer, ScriptedServerOptions } from './types.js';

/** Written on the control connection when `requireTlsReuse` refuses a data connection (vsftpd's words). */
const REUSE_REFUSED = '522 SSL connection failed: session reuse required';

/** A data connection `requireTlsReuse` refused: its `522` is written, so the command ends quietly. */
class TlsReuseRefused extends Error {
  /** Whether its `522` is written (once, when a handler first asks for the data connection). */
  answered = false;
}

const encoder = new TextEncoder();

/**
 * Start a scripted server on 127.0.0.1 (or ::1, with `ipv6`) and an ephemeral port.
 *
 * @example
 * ```ts
 * import { sendAndReset, startScriptedServer } from '@ftpkit/test-server';
 * await using server = await startScriptedServer({
 *   files: { 'report.csv': 'a,b\n1,2\n' },
 *   handlers: {
 *     RETR: async (_, ctx) => {
 *       const data = await ctx.acceptData();
 *       ctx.reply('150 here it comes');
 *       await sendAndReset(data, new Uint8Array(1000)); // RST in the middle of a download
 *       return '426 Connection reset';
 *     },
 *   },
 * });
 * console.log(server.host, server.port);
 * ```
 */
export async function startScriptedServer(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const host = options.ipv6 ? '::1' : '127.0.0.1';
  if (options.requireTlsReuse && !options.tls) throw new TypeError('startScriptedServer: requireTlsReuse needs the tls option');
  const passiveAddress = options.passiveAddress ?? '127.0.0.1';
  if (!/^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/.test(passiveAddress)) {
    throw new TypeError(`startScriptedServer: passiveAddress must be an IPv4 address, not ${JSON.stringify(passiveAddress)}`);
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(options.files ?? {})) files.set(name, typeof content === 'string' ? encoder.encode(content) : content);
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const servers = new Set<Server>();
  let connections = 0;
  let refusedTlsData = 0;
  const features = options.features ?? ['EPSV', 'PASV', 'SIZE', 'MDTM', 'REST STREAM', 'UTF8'];

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };

  const secureContext = tlsContext(options.tls);

  const control = createServer((plain) => {
    connections++;
    track(plain);
    let socket: Socket = plain;
    let pendingData: Server | undefined;
    let accepted: Promise<Socket> | undefined;
    let activeTarget: { readonly host: string; readonly port: number } | undefined;
    /** A data socket as the handler gets it: with `protectData`, TLS, its handshake done (and its session resumed, with `requireTlsReuse`). */
    const protect = async (data: Socket): Promise<Socket> => {
      if (!ctx.protectData || !secureContext) return data;
      // Wrapped at once: the client starts its handshake as soon as TCP is up.
      const wrapped = serverTls(data, secureContext);
      track(wrapped);
      await secured(wrapped);
      if (options.requireTlsReuse && !wrapped.isSessionReused()) {
        refusedTlsData++;
        // Closed once written: in TLS 1.2 the server's Finished may still be on its way.
        wrapped.end(() => wrapped.destroy());
        throw new TlsReuseRefused(REUSE_REFUSED);
      }
      return wrapped;
    };
    /** Connect to the client's active-mode listener, from the server's address. */
    const dial = (target: { readonly host: string; readonly port: number }): Promise<Socket> => {
      const dialled = new Promise<Socket>((resolve, reject) => {
        const data = connect({ host: target.host, port: target.port, localAddress: host });
        track(data);
        data.once('error', reject);
        data.once('connect', () => {
          data.off('error', reject);
          protect(data).then(resolve, reject);
        });
      });
      dialled.catch(() => {}); // as for `accepted`
      return dialled;
    };
    let buffer = '';
    let chain = Promise.resolve();
    const ctx: ScriptContext = {
      get socket() {
        return socket;
      },
      received,
      files,
      restAt: 0,
      protectData: false,
      passiveAddress,
      write: (text) => {
        if (!socket.destroyed) socket.write(text);
      },
      reply: (...lines) => ctx.write(lines.map((l) => `${l}\r\n`).join('')),
      trickle: async (text, { bytes = 1, delayMs = 0 } = {}) => {
        const all = encoder.encode(text);
        for (let i = 0; i < all.length && !socket.destroyed; i += bytes) {
          ctx.write(all.subarray(i, i + bytes));
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
      },
      startTls: () => {
        if (!secureContext) return Promise.reject(new Error('startScriptedServer: startTls needs the tls option'));
        socket.off('data', onData);
        buffer = '';
        socket = serverTls(socket, secureContext);
        track(socket);
        socket.on('data', onData);
        return secured(socket);
      },
      get activeTarget() {
        return activeTarget;
      },
      active: (targetHost, targetPort) => {
        pendingData?.close();
        pendingData = undefined;
        accepted = undefined;
        activeTarget = Object.freeze({ host: targetHost, port: targetPort });
      },
      passive: async () => {
        pendingData?.close();
        activeTarget = undefined;
        const server = createServer();
        servers.add(server);
        pendingData = server;
        accepted = new Promise<Socket>((resolve, reject) =>
          server.once('connection', (data: Socket) => {
            track(data);
            server.close();
            servers.delete(server);
            protect(data).then(resolve, reject);
          }),
        );
        accepted.catch(() => {}); // a handler that never asks must not see an unhandled rejection
        await new Promise<void>((resolve) => server.listen(0, host, resolve));
        return (server.address() as AddressInfo).port;
      },
      acceptData: () => {
        if (activeTarget !== undefined) accepted ??= dial(activeTarget);
        if (!accepted) return Promise.reject(new Error('no passive listener'));
        // The 522 goes out when the command asks for its data connection, as vsftpd answers it.
        return accepted.catch((error: unknown) => {
          if (error instanceof TlsReuseRefused && !error.answered) {
            error.answered = true;
            ctx.reply(REUSE_REFUSED);
          }
          throw error;
        });
      },
    };
    const handlers: Record<string, CommandHandler> = { ...defaultHandlers(features, secureContext !== undefined), ...options.handlers };
    const run = (step: () => string | void | Promise<string | void>): void => {
      chain = chain
        .then(step)
        .then((answer) => {
          if (typeof answer === 'string') ctx.reply(answer);
        })
        .catch((error: unknown) => {
          // A refused TLS data connection is answered (522); anything else a handler throws ends the session.
          if (!(error instanceof TlsReuseRefused)) socket.destroy();
        });
    };
    function onData(chunk: Buffer): void {
      buffer += chunk.toString('utf8');
      for (let lf = buffer.indexOf('\n'); lf !== -1; lf = buffer.indexOf('\n')) {
        const line = buffer.slice(0, lf).replace(/\r$/, '');
        buffer = buffer.slice(lf + 1);
        received.push(line);
        const space = line.indexOf(' ');
        const name = (space === -1 ? line : line.slice(0, space)).toUpperCase();
        const arg = space === -1 ? '' : line.slice(space + 1);
        const handler = handlers[name] ?? (() => '502 Command not implemented');
        run(() => handler(arg, ctx));
      }
    }
    const greeting = options.greeting === undefined ? '220 ftpkit scripted server' : options.greeting;
    if (typeof greeting === 'function') run(() => greeting(ctx));
    else if (greeting !== null) ctx.write(`${greeting}\r\n`);
    socket.on('data', onData);
  });
  servers.add(control);
  await new Promise<void>((resolve) => control.listen(0, host, resolve));
  const port = (control.address() as AddressInfo).port;

  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await Promise.all([...servers].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
  return {
    host,
    port,
    files,
    received,
    connections: () => connections,
    openSockets: () => [...sockets].filter((s) => !s.destroyed).length,
    refusedTlsData: () => refusedTlsData,
    close,
    [Symbol.asyncDispose]: close,
  };
}

