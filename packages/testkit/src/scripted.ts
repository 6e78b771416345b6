/**
 * A scriptable FTP server for fault-injection tests.
 *
 * Theory of operation: a real TCP server on loopback speaks just enough FTP to log a client in and
 * move files held in memory. Every command goes through `handlers`: a test overrides one command to
 * answer with malformed, split, delayed or hostile replies, or to misbehave on the data connection
 * (close early, reset, stall, never connect, point PASV elsewhere). The defaults are a small, correct
 * server, so a test only scripts the part it is about. Every socket is tracked and closed by `close()`.
 *
 * With `tls`, the server speaks explicit FTPS with the committed test certificate (trust
 * `testCaPem()`): `AUTH TLS` upgrades the control connection and `PROT P` makes passive data
 * connections TLS. A handler can call `ctx.startTls()` itself (to pipeline bytes after `234`, say) or
 * set `ctx.protectData = false` after `PROT P` to serve plaintext data to a client expecting TLS.
 *
 * Active mode: `PORT` and `EPRT` record where the client listens (`ctx.activeTarget`), and the next
 * `ctx.acceptData()` connects there from the server's own address, as a real server does. A handler
 * can reach that address first from another one (127.0.0.2, say) to play a data-port thief.
 *
 * The data-connection helpers below (`sendAndClose`, `sendAndReset`, `pump`, `readAll`, `reset`)
 * cover the usual misbehaviours; a stall is simply never writing. `trickle` splits a reply into tiny
 * delayed writes. The scenes that run one server and one client per test, with a check that nothing
 * leaks, are in `scenes.ts`.
 *
 * @example
 * ```ts
 * const server = await startScriptedServer({
 *   handlers: {
 *     RETR: async (_, ctx) => {
 *       const data = await ctx.acceptData();
 *       ctx.reply('150 here it comes');
 *       await sendAndReset(data, new Uint8Array(1000)); // RST in the middle of a download
 *       return '426 Connection reset';
 *     },
 *   },
 * });
 * ```
 *
 * @module
 */
// Why this file is long: one small but complete FTP server (login, passive and active data, FTPS, the
// default handlers) that every fault test scripts; each part needs the connection state the others keep.
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { tlsFixturesDir } from './paths.js';
import { resetSocket } from './reset.js';

/** Per-connection state and helpers given to handlers. */
export interface ScriptContext {
  /** Write raw text (add your own CRLF). */
  write(text: string | Uint8Array): void;
  /** Write one reply line per string, each terminated by CRLF. */
  reply(...lines: string[]): void;
  /**
   * Write `text` a few bytes at a time (default 1), waiting `delayMs` (default 0: the next macrotask)
   * between pieces, so the client sees a reply split at every byte. Resolves when all is written.
   */
  trickle(text: string, options?: { readonly bytes?: number; readonly delayMs?: number }): Promise<void>;
  /** The control socket (to destroy it, delay, etc.); a TLS socket after `startTls()`. */
  readonly socket: Socket;
  /**
   * Upgrade the control connection to TLS now (server side; needs the `tls` option). Write the `234`
   * first: the socket is wrapped synchronously, so the client's handshake cannot be read as a command.
   * Resolves when the handshake is done.
   */
  startTls(): Promise<void>;
  /** Passive data connections are wrapped in TLS. Set by `PROT P` (default handler); a handler may clear it. */
  protectData: boolean;
  /** Open a passive listener; resolves with its port. `accept()` then yields the data socket. */
  passive(): Promise<number>;
  /**
   * Active mode (the default `PORT` and `EPRT` call it): the next `acceptData()` connects to `host`
   * and `port`, from the server's own address, instead of accepting. Closes a pending `passive()`.
   */
  active(host: string, port: number): void;
  /** Where the client listens, from the last `active()` (PORT or EPRT); cleared by `passive()`. */
  readonly activeTarget: { readonly host: string; readonly port: number } | undefined;
  /**
   * The next accepted data socket of the last `passive()`, or after `active()` a socket connected to
   * the client (one per `active()`): with `protectData`, a TLS socket once its handshake is done (the
   * server is the TLS server in active mode too, RFC 4217 §7). Rejects if the connect or the handshake
   * fails.
   */
  acceptData(): Promise<Socket>;
  /** The last `REST` offset (cleared by a transfer command). */
  restAt: number;
  /** Commands received so far, in order. */
  readonly received: string[];
  /** The server's in-memory files. */
  readonly files: Map<string, Uint8Array>;
}

/** Handles one command; return a reply line (CRLF added), or nothing if the handler wrote itself. */
export type CommandHandler = (arg: string, ctx: ScriptContext) => string | void | Promise<string | void>;

/** Options of {@link startScriptedServer}. */
export interface ScriptedServerOptions {
  /**
   * The greeting. Default `220 ftpkit scripted server`. `null` sends nothing. A function runs when a
   * client connects, like a handler (it may write, close or reset the socket itself).
   */
  readonly greeting?: string | null | ((ctx: ScriptContext) => string | void | Promise<string | void>);
  /**
   * Explicit FTPS: `AUTH TLS`, `PBSZ` and `PROT` are answered, with the committed test certificate
   * (true) or the given PEM key and certificate.
   */
  readonly tls?: boolean | { readonly key: string; readonly cert: string };
  /** Per-command overrides, by upper-case command name. */
  readonly handlers?: Readonly<Record<string, CommandHandler>>;
  /** Initial files. */
  readonly files?: Readonly<Record<string, Uint8Array | string>>;
  /** FEAT lines (without the leading space). */
  readonly features?: readonly string[];
  /** Listen on ::1 instead of 127.0.0.1 (data connections too). Default false. */
  readonly ipv6?: boolean;
}

/** A running scripted server. */
export interface ScriptedServer {
  readonly host: '127.0.0.1' | '::1';
  readonly port: number;
  readonly files: Map<string, Uint8Array>;
  /** Every command line received, across connections (PASS arguments included: it is a test server). */
  readonly received: string[];
  /** Number of control connections accepted. */
  connections(): number;
  /** Open sockets (control + data), for leak checks. */
  openSockets(): number;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** Start a scripted server on 127.0.0.1 (or ::1, with `ipv6`) and an ephemeral port. */
export async function startScriptedServer(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const host = options.ipv6 ? '::1' : '127.0.0.1';
  const files = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(options.files ?? {})) files.set(name, typeof content === 'string' ? encoder.encode(content) : content);
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const servers = new Set<Server>();
  let connections = 0;
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
    /** Connect to the client's active-mode listener, from the server's address. */
    const dial = (target: { readonly host: string; readonly port: number }): Promise<Socket> => {
      const dialled = new Promise<Socket>((resolve, reject) => {
        const data = connect({ host: target.host, port: target.port, localAddress: host });
        track(data);
        data.once('error', reject);
        data.once('connect', () => {
          data.off('error', reject);
          if (!ctx.protectData || !secureContext) return resolve(data);
          const wrapped = serverTls(data, secureContext);
          track(wrapped);
          secured(wrapped).then(() => resolve(wrapped), reject);
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
            if (!ctx.protectData || !secureContext) return resolve(data);
            // Wrapped at once: the client starts its handshake as soon as TCP is up.
            const wrapped = serverTls(data, secureContext);
            track(wrapped);
            secured(wrapped).then(() => resolve(wrapped), reject);
          }),
        );
        accepted.catch(() => {}); // a handler that never asks must not see an unhandled rejection
        await new Promise<void>((resolve) => server.listen(0, host, resolve));
        return (server.address() as AddressInfo).port;
      },
      acceptData: () => {
        if (activeTarget !== undefined) return (accepted ??= dial(activeTarget));
        if (!accepted) return Promise.reject(new Error('no passive listener'));
        return accepted;
      },
    };
    const handlers: Record<string, CommandHandler> = { ...defaultHandlers(features, secureContext !== undefined), ...options.handlers };
    const run = (step: () => string | void | Promise<string | void>): void => {
      chain = chain
        .then(step)
        .then((answer) => {
          if (typeof answer === 'string') ctx.reply(answer);
        })
        .catch(() => {
          socket.destroy();
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

  return {
    host,
    port,
    files,
    received,
    connections: () => connections,
    openSockets: () => [...sockets].filter((s) => !s.destroyed).length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([...servers].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** The test certificate's context, or one from the given PEM pair; undefined without `tls`. */
function tlsContext(tls: ScriptedServerOptions['tls']): SecureContext | undefined {
  if (!tls) return undefined;
  const pem = tls === true ? { key: readFileSync(join(tlsFixturesDir, 'server-key.pem'), 'utf8'), cert: readFileSync(join(tlsFixturesDir, 'server.pem'), 'utf8') } : tls;
  return createSecureContext(pem);
}

/** The TCP socket under each server-side TLS socket, for `reset`. */
const tcpUnder = new WeakMap<Socket, Socket>();

function serverTls(socket: Socket, secureContext: SecureContext): TLSSocket {
  const wrapped = new TLSSocket(socket, { isServer: true, secureContext });
  tcpUnder.set(wrapped, socket);
  return wrapped;
}

/** Resolves when the server-side handshake is done; rejects if it fails or the socket closes first. */
function secured(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('secure', () => resolve());
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed during the TLS handshake')));
  });
}

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

/** Reset a socket: RST, so the peer sees ECONNRESET rather than an end of stream. */
export function reset(socket: Socket): void {
  if (socket.destroyed) return;
  // A TLS socket has no TCP handle of its own: reset the socket underneath.
  const tcp = tcpUnder.get(socket) ?? socket;
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

function defaultHandlers(features: readonly string[], tls: boolean): Record<string, CommandHandler> {
  return {
    ...(tls ? tlsHandlers() : {}),
    USER: () => '331 Password required',
    PASS: () => '230 Logged in',
    ACCT: () => '230 Account ok',
    FEAT: (_, ctx) => ctx.reply('211-Features:', ...features.map((f) => ` ${f}`), '211 End'),
    OPTS: () => '200 OK',
    TYPE: () => '200 Type set',
    SYST: () => '215 UNIX Type: L8',
    PWD: () => '257 "/" is the current directory',
    CWD: () => '250 OK',
    NOOP: () => '200 NOOP ok',
    // Handlers run one at a time, so by the time ABOR is read the transfer's handler has finished.
    ABOR: () => '225 No transfer to abort',
    QUIT: (_, ctx) => {
      ctx.reply('221 Goodbye');
      ctx.socket.end();
    },
    EPSV: async (_, ctx) => `229 Entering Extended Passive Mode (|||${await ctx.passive()}|)`,
    PASV: async (_, ctx) => {
      const port = await ctx.passive();
      return `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`;
    },
    // RFC 959 §4.1.2: h1,h2,h3,h4,p1,p2.
    PORT: (arg, ctx) => {
      const parts = arg.split(',').map(Number);
      if (parts.length !== 6 || !parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) return '501 Bad PORT argument';
      const [h1, h2, h3, h4, p1 = 0, p2 = 0] = parts;
      ctx.active(`${h1}.${h2}.${h3}.${h4}`, p1 * 256 + p2);
      return '200 PORT command successful';
    },
    // RFC 2428 §2: <d><net-prt><d><net-addr><d><tcp-port><d>, with any delimiter.
    EPRT: (arg, ctx) => {
      const fields = arg.split(arg.charAt(0));
      const [, family, address, portText] = fields;
      const port = Number(portText);
      const known = family === '1' || family === '2';
      if (arg === '' || fields.length !== 5 || !known || !address || !Number.isInteger(port) || port < 1 || port > 65535) return '501 Bad EPRT argument';
      ctx.active(address, port);
      return '200 EPRT command successful';
    },
    REST: (arg, ctx) => {
      ctx.restAt = Number(arg);
      return `350 Restarting at ${arg}`;
    },
    SIZE: (arg, ctx) => {
      const file = ctx.files.get(arg);
      return file ? `213 ${file.length}` : '550 No such file';
    },
    DELE: (arg, ctx) => (ctx.files.delete(arg) ? '250 Deleted' : '550 No such file'),
    RETR: async (arg, ctx) => {
      const file = ctx.files.get(arg);
      const offset = ctx.restAt;
      ctx.restAt = 0;
      if (!file) return '550 No such file';
      const data = await ctx.acceptData();
      ctx.reply('150 Opening data connection');
      await sendAndClose(data, file.subarray(offset));
      return '226 Transfer complete';
    },
    STOR: async (arg, ctx) => {
      const offset = ctx.restAt;
      ctx.restAt = 0;
      const data = await ctx.acceptData();
      ctx.reply('150 Ready to receive');
      const bytes = await readAll(data);
      const old = ctx.files.get(arg) ?? new Uint8Array();
      const next = new Uint8Array(offset + bytes.length);
      next.set(old.subarray(0, offset));
      next.set(bytes, offset);
      ctx.files.set(arg, offset > 0 ? next : bytes);
      return '226 Transfer complete';
    },
    APPE: async (arg, ctx) => {
      const data = await ctx.acceptData();
      ctx.reply('150 Ready to append');
      const bytes = await readAll(data);
      const old = ctx.files.get(arg) ?? new Uint8Array();
      const next = new Uint8Array(old.length + bytes.length);
      next.set(old);
      next.set(bytes, old.length);
      ctx.files.set(arg, next);
      return '226 Appended';
    },
    LIST: async (_, ctx) => {
      const data = await ctx.acceptData();
      ctx.reply('150 Here comes the listing');
      const lines = [...ctx.files].map(([name, b]) => `-rw-r--r--    1 1000     1000     ${String(b.length).padStart(8)} Jan 02  2020 ${name}\r\n`);
      await sendAndClose(data, encoder.encode(lines.join('')));
      return '226 Directory send OK';
    },
  };
}

/** `AUTH TLS`, `PBSZ` and `PROT` of RFC 4217, for servers started with `tls`. */
function tlsHandlers(): Record<string, CommandHandler> {
  return {
    AUTH: async (arg, ctx) => {
      if (arg.toUpperCase() !== 'TLS') return '504 Only AUTH TLS';
      ctx.reply('234 Proceed with negotiation');
      await ctx.startTls();
    },
    PBSZ: () => '200 PBSZ=0',
    PROT: (arg, ctx) => {
      ctx.protectData = arg.toUpperCase() === 'P';
      return `200 PROT ${arg} ok`;
    },
  };
}
