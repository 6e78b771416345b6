/**
 * A scriptable FTP server for fault-injection tests.
 *
 * Theory of operation: a real TCP server on loopback speaks just enough FTP to log a client in and
 * move files held in memory. Every command goes through `handlers`: a test overrides one command to
 * answer with malformed, split, delayed or hostile replies, or to misbehave on the data connection
 * (close early, never connect, point PASV elsewhere). The defaults are a small, correct server, so a
 * test only scripts the part it is about. Every socket is tracked and closed by `close()`.
 *
 * @module
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Per-connection state and helpers given to handlers. */
export interface ScriptContext {
  /** Write raw text (add your own CRLF). */
  write(text: string | Uint8Array): void;
  /** Write one reply line per string, each terminated by CRLF. */
  reply(...lines: string[]): void;
  /** The control socket (to destroy it, delay, etc.). */
  readonly socket: Socket;
  /** Open a passive listener; resolves with its port. `accept()` then yields the data socket. */
  passive(): Promise<number>;
  /** The next accepted data socket of the last `passive()`. */
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
  /** The greeting. Default `220 ftpkit scripted server`. `null` sends nothing. */
  readonly greeting?: string | null;
  /** Per-command overrides, by upper-case command name. */
  readonly handlers?: Readonly<Record<string, CommandHandler>>;
  /** Initial files. */
  readonly files?: Readonly<Record<string, Uint8Array | string>>;
  /** FEAT lines (without the leading space). */
  readonly features?: readonly string[];
}

/** A running scripted server. */
export interface ScriptedServer {
  readonly host: '127.0.0.1';
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

/** Start a scripted server on 127.0.0.1 and an ephemeral port. */
export async function startScriptedServer(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
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

  const control = createServer((socket) => {
    connections++;
    track(socket);
    let pendingData: Server | undefined;
    let accepted: Promise<Socket> | undefined;
    const ctx: ScriptContext = {
      socket,
      received,
      files,
      restAt: 0,
      write: (text) => {
        if (!socket.destroyed) socket.write(text);
      },
      reply: (...lines) => ctx.write(lines.map((l) => `${l}\r\n`).join('')),
      passive: async () => {
        pendingData?.close();
        const server = createServer();
        servers.add(server);
        pendingData = server;
        accepted = new Promise<Socket>((resolve) =>
          server.once('connection', (data: Socket) => {
            track(data);
            server.close();
            servers.delete(server);
            resolve(data);
          }),
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return (server.address() as AddressInfo).port;
      },
      acceptData: () => {
        if (!accepted) return Promise.reject(new Error('no passive listener'));
        return accepted;
      },
    };
    const handlers: Record<string, CommandHandler> = { ...defaultHandlers(features), ...options.handlers };
    if (options.greeting !== null) ctx.write(`${options.greeting ?? '220 ftpkit scripted server'}\r\n`);
    let buffer = '';
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let lf = buffer.indexOf('\n'); lf !== -1; lf = buffer.indexOf('\n')) {
        const line = buffer.slice(0, lf).replace(/\r$/, '');
        buffer = buffer.slice(lf + 1);
        received.push(line);
        const space = line.indexOf(' ');
        const name = (space === -1 ? line : line.slice(0, space)).toUpperCase();
        const arg = space === -1 ? '' : line.slice(space + 1);
        const handler = handlers[name] ?? (() => '502 Command not implemented');
        chain = chain
          .then(() => handler(arg, ctx))
          .then((answer) => {
            if (typeof answer === 'string') ctx.reply(answer);
          })
          .catch(() => {
            socket.destroy();
          });
      }
    });
  });
  servers.add(control);
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const port = (control.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
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

function defaultHandlers(features: readonly string[]): Record<string, CommandHandler> {
  return {
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
    QUIT: (_, ctx) => {
      ctx.reply('221 Goodbye');
      ctx.socket.end();
    },
    EPSV: async (_, ctx) => `229 Entering Extended Passive Mode (|||${await ctx.passive()}|)`,
    PASV: async (_, ctx) => {
      const port = await ctx.passive();
      return `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`;
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
