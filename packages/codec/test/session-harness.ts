/**
 * A tiny in-memory driver for Session tests: it records every action, decodes sent commands, and lets
 * a test play the server role by pushing reply text and data-connection events.
 */
import type { FtpError } from '../src/errors.js';
import { Session, type Action, type Operation, type SessionOptions } from '../src/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const bytes = (text: string): Uint8Array => encoder.encode(text);

export class Harness {
  readonly session: Session;
  readonly actions: Action[] = [];

  constructor(options: SessionOptions = {}) {
    this.session = new Session(options);
  }

  #take(actions: Action[]): Action[] {
    this.actions.push(...actions);
    return actions;
  }

  start(op: Operation): Action[] {
    return this.#take(this.session.start(op));
  }

  /**
   * The server sends this text (CRLF-terminated lines), a line per read: a reply can then answer a
   * command the session sent on an earlier line, as it would on the wire.
   */
  reply(text: string): Action[] {
    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    return lines.flatMap((line) => this.#take(this.session.receive(bytes(line))));
  }

  /** The server's text arrives in one read: replies in it were all sent before any command it causes. */
  replyAtOnce(text: string): Action[] {
    return this.#take(this.session.receive(bytes(text)));
  }

  eof(): Action[] {
    return this.#take(this.session.end());
  }

  dataOpened(): Action[] {
    return this.#take(this.session.dataOpened());
  }

  dataClosed(): Action[] {
    return this.#take(this.session.dataClosed());
  }

  tlsStarted(): Action[] {
    return this.#take(this.session.tlsStarted());
  }

  tlsStopped(): Action[] {
    return this.#take(this.session.tlsStopped());
  }

  listening(host: string, port: number): Action[] {
    return this.#take(this.session.listening({ host, port }));
  }

  dataFailed(error: FtpError): Action[] {
    return this.#take(this.session.dataFailed(error));
  }

  abort(): Action[] {
    return this.#take(this.session.abort());
  }

  /** Commands sent so far, decoded, without CRLF. */
  get sent(): string[] {
    return this.actions.flatMap((a) => (a.type === 'send' ? [decoder.decode(a.bytes).replace(/\r\n$/, '')] : []));
  }

  /** Action types so far, with send actions rendered as `send:CMD`. */
  get trace(): string[] {
    return this.actions.map((a) => (a.type === 'send' ? `send:${a.command}` : a.type));
  }

  /** The last terminal action (done, failed, aborted), if any. */
  get outcome(): Action | undefined {
    return this.actions.findLast((a) => a.type === 'done' || a.type === 'failed' || a.type === 'aborted');
  }
}

/** Run a plain anonymous login with a server that answers everything positively. */
export function loggedIn(options: SessionOptions = {}, feat = '211-Features:\r\n EPSV\r\n UTF8\r\n211 End\r\n', greeting = '220 ready\r\n'): Harness {
  const h = new Harness(options);
  h.start({ kind: 'connect', user: 'anonymous', password: 'guest', security: 'none' });
  h.reply(greeting);
  h.reply('331 password\r\n');
  h.reply('230 welcome\r\n');
  h.reply(feat);
  if (feat.includes('UTF8')) h.reply('200 utf8 on\r\n');
  h.reply('200 type I\r\n');
  if (h.outcome?.type !== 'done') throw new Error(`login did not complete: ${h.trace.join(', ')}`);
  h.actions.length = 0;
  return h;
}

/** Logged in with pipelining, after one transfer that found EPSV working. */
export function warmed(options: SessionOptions = {}): Harness {
  const h = loggedIn({ pipelining: true, ...options });
  h.start({ kind: 'transfer', command: 'RETR', path: 'first' });
  h.reply('229 (|||40001|)\r\n');
  h.dataOpened();
  h.reply('150 go\r\n');
  h.dataClosed();
  h.reply('226 ok\r\n');
  if (h.outcome?.type !== 'done') throw new Error(`warm-up transfer did not complete: ${h.trace.join(', ')}`);
  h.actions.length = 0;
  return h;
}
