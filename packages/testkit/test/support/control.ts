// A deliberately tiny FTP control connection over node:net / node:tls, for checking the servers
// themselves without ftpkit's own client (which is what the servers are there to test).
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface Reply {
  readonly code: number;
  readonly text: string;
}

const TIMEOUT_MS = 10_000;

export class Control {
  #socket: Socket;
  #buffer = '';
  #waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;
  /** TLS session tickets the server sent on the control connection, newest last. */
  readonly sessions: Buffer[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  /** Connects and reads the greeting. `implicitTlsCa`: handshake first (implicit FTPS). */
  static async open(host: string, port: number, implicitTlsCa?: string): Promise<{ control: Control; greeting: Reply }> {
    const socket =
      implicitTlsCa === undefined
        ? netConnect({ host, port })
        : tlsConnect({ host, port, ca: implicitTlsCa, servername: 'localhost' });
    const control = new Control(socket);
    if (implicitTlsCa !== undefined) control.#trackSessions(socket as TLSSocket);
    const greeting = await control.reply();
    return { control, greeting };
  }

  get socket(): Socket {
    return this.#socket;
  }

  #listen(socket: Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#deliver();
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      this.#waiting?.reject(error);
      this.#waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`control connection closed; unread: ${JSON.stringify(this.#buffer)}`)));
  }

  #trackSessions(socket: TLSSocket): void {
    socket.on('session', (session: Buffer) => this.sessions.push(session));
  }

  /** RFC 959 §4.2: a reply ends at the line "ddd " that repeats the opening code. */
  #take(): Reply | undefined {
    const lines = this.#buffer.split('\r\n');
    const code = lines[0]?.slice(0, 3) ?? '';
    const end = lines.findIndex((line, i) => i < lines.length - 1 && line.startsWith(`${code} `));
    if (end < 0) return undefined;
    this.#buffer = lines.slice(end + 1).join('\r\n');
    return { code: Number(code), text: lines.slice(0, end + 1).join('\n') };
  }

  #deliver(): void {
    if (!this.#waiting) return;
    const reply = this.#take();
    if (!reply) return;
    const { resolve } = this.#waiting;
    this.#waiting = undefined;
    resolve(reply);
  }

  /** The next reply. */
  reply(): Promise<Reply> {
    const ready = this.#take();
    if (ready) return Promise.resolve(ready);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      this.#waiting = {
        resolve: (reply) => (clearTimeout(timer), resolve(reply)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
    });
  }

  /** Sends one command and returns its reply. */
  async send(line: string): Promise<Reply> {
    this.#socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** After a 234 to AUTH TLS: the TLS handshake on the control connection, verified against `ca`. */
  async startTls(ca: string): Promise<TLSSocket> {
    if (this.#buffer !== '') throw new Error(`plaintext after 234: ${JSON.stringify(this.#buffer)}`);
    const raw = this.#socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = tlsConnect({ socket: raw, ca, servername: 'localhost' });
    this.#trackSessions(secure);
    await once(secure, 'secureConnect');
    this.#socket = secure;
    this.#listen(secure);
    return secure;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** USER then PASS; returns the last reply (230 expected). vsftpd logs anonymous in at USER. */
export async function login(control: Control, user: string, password: string): Promise<Reply> {
  const afterUser = await control.send(`USER ${user}`);
  if (afterUser.code !== 331) return afterUser;
  return control.send(`PASS ${password}`);
}

/** The port of a 229 reply: "229 Entering Extended Passive Mode (|||port|)". */
export function epsvPort(reply: Reply): number {
  const match = /\((.)\1\1(\d+)\1\)/.exec(reply.text);
  if (reply.code !== 229 || !match?.[2]) throw new Error(`not an EPSV reply: ${reply.text}`);
  return Number(match[2]);
}
