/**
 * Model-based test: random command sequences run through a Session talking to an in-memory fake
 * server, and every outcome is compared with a plain model of the server's file system.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FtpReplyError } from '../src/errors.js';
import type { Action, Operation } from '../src/index.js';
import { Harness } from './session-harness.js';

type Entry = 'file' | 'dir';
interface Model {
  fs: Map<string, Entry>;
}

/** The server role: answers each command line from its own file-system state. */
class FakeServer {
  readonly fs = new Map<string, Entry>();
  #renameFrom: string | undefined;
  /** Send the final transfer reply before the data EOF (true) or after it (false). */
  finalFirst = false;

  answer(line: string): string {
    const space = line.indexOf(' ');
    const name = space === -1 ? line : line.slice(0, space);
    const arg = space === -1 ? '' : line.slice(space + 1);
    const from = this.#renameFrom;
    this.#renameFrom = undefined;
    switch (name) {
      case 'USER':
        return '331 pw\r\n';
      case 'PASS':
        return '230 in\r\n';
      case 'FEAT':
        return '211-Features:\r\n EPSV\r\n SIZE\r\n211 End\r\n';
      case 'TYPE':
        return '200 ok\r\n';
      case 'EPSV':
        return '229 Entering Extended Passive Mode (|||40001|)\r\n';
      case 'REST':
        return `350 Restarting at ${arg}\r\n`;
      case 'MKD':
        if (this.fs.has(arg)) return '550 exists\r\n';
        this.fs.set(arg, 'dir');
        return `257 "${arg}" created\r\n`;
      case 'RMD':
        if (this.fs.get(arg) !== 'dir') return '550 not a directory\r\n';
        this.fs.delete(arg);
        return '250 removed\r\n';
      case 'DELE':
        if (this.fs.get(arg) !== 'file') return '550 not a file\r\n';
        this.fs.delete(arg);
        return '250 deleted\r\n';
      case 'SIZE':
        return this.fs.get(arg) === 'file' ? '213 3\r\n' : '550 no size\r\n';
      case 'RNFR':
        if (!this.fs.has(arg)) return '550 no such file\r\n';
        this.#renameFrom = arg;
        return '350 ready\r\n';
      case 'RNTO': {
        if (from === undefined) return '503 RNFR first\r\n';
        if (this.fs.has(arg)) return '553 target exists\r\n';
        this.fs.set(arg, this.fs.get(from)!);
        this.fs.delete(from);
        return '250 renamed\r\n';
      }
      case 'STOR':
        this.fs.set(arg, 'file');
        return '150 send it\r\n';
      case 'RETR':
        return this.fs.get(arg) === 'file' ? '150 here it comes\r\n' : '550 no such file\r\n';
      default:
        return '502 not implemented\r\n';
    }
  }
}

/** Writes that carried more than one command, so the pipelined run can show it pipelined. */
let batchedWrites = 0;

/**
 * Drive the session until the operation ends, playing the server and the data connection. A write
 * may carry several commands (pipelining): the server answers each line in turn, and its answers
 * arrive a line per read, or all in one read when `atOnce`.
 */
function run(h: Harness, server: FakeServer, op: Operation, atOnce = false): Action | undefined {
  const decoder = new TextDecoder();
  let queue = h.start(op);
  if (op.kind === 'connect') queue.push(...h.reply('220 fake server ready\r\n'));
  let transferCommand = '';
  for (let guard = 0; queue.length > 0 && guard < 100; guard++) {
    const next: Action[] = [];
    for (const action of queue) {
      switch (action.type) {
        case 'send': {
          const lines = decoder.decode(action.bytes).split('\r\n').slice(0, -1);
          if (lines.length > 1) batchedWrites++;
          const answer = lines.map((line) => server.answer(line)).join('');
          for (const line of lines) if (line.startsWith('RETR') || line.startsWith('STOR')) transferCommand = line;
          next.push(...(atOnce ? h.replyAtOnce(answer) : h.reply(answer)));
          break;
        }
        case 'openData':
          next.push(...h.dataOpened());
          break;
        case 'dataReady':
          // The data moves; then EOF and 226 arrive in the order the server role picked.
          if (server.finalFirst) {
            next.push(...h.reply('226 done\r\n'));
            next.push(...h.dataClosed());
          } else {
            next.push(...h.dataClosed());
            next.push(...h.reply('226 done\r\n'));
          }
          break;
        default:
          break;
      }
    }
    queue = next;
  }
  expect(transferCommand === '' || op.kind === 'transfer').toBe(true);
  return h.outcome;
}

interface Real {
  h: Harness;
  server: FakeServer;
  /** Pipelined answers arrive in one read. */
  atOnce: boolean;
}

const names = fc.constantFrom('a', 'b', 'c', 'dir one', 'ü');

class Mkd implements fc.Command<Model, Real> {
  constructor(readonly path: string) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const expectOk = !m.fs.has(this.path);
    const outcome = run(r.h, r.server, { kind: 'command', command: { name: 'MKD', arg: this.path } }, r.atOnce);
    expect(outcome?.type).toBe(expectOk ? 'done' : 'failed');
    if (expectOk) m.fs.set(this.path, 'dir');
  }
  toString = () => `MKD ${this.path}`;
}

class Remove implements fc.Command<Model, Real> {
  constructor(readonly path: string, readonly dir: boolean) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const expectOk = m.fs.get(this.path) === (this.dir ? 'dir' : 'file');
    const outcome = run(r.h, r.server, { kind: 'command', command: { name: this.dir ? 'RMD' : 'DELE', arg: this.path } }, r.atOnce);
    expect(outcome?.type).toBe(expectOk ? 'done' : 'failed');
    if (outcome?.type === 'failed') expect((outcome.error as FtpReplyError).reply.code).toBe(550);
    if (expectOk) m.fs.delete(this.path);
  }
  toString = () => `${this.dir ? 'RMD' : 'DELE'} ${this.path}`;
}

class Rename implements fc.Command<Model, Real> {
  constructor(readonly from: string, readonly to: string) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const expectOk = m.fs.has(this.from) && !m.fs.has(this.to);
    const outcome = run(r.h, r.server, { kind: 'rename', from: this.from, to: this.to }, r.atOnce);
    expect(outcome?.type).toBe(expectOk ? 'done' : 'failed');
    if (expectOk) {
      m.fs.set(this.to, m.fs.get(this.from)!);
      m.fs.delete(this.from);
    }
  }
  toString = () => `RENAME ${this.from} ${this.to}`;
}

class Store implements fc.Command<Model, Real> {
  constructor(readonly path: string, readonly finalFirst: boolean) {}
  check = (m: Readonly<Model>) => m.fs.get(this.path) !== 'dir';
  run(m: Model, r: Real): void {
    r.server.finalFirst = this.finalFirst;
    const outcome = run(r.h, r.server, { kind: 'transfer', command: 'STOR', path: this.path }, r.atOnce);
    expect(outcome?.type).toBe('done');
    m.fs.set(this.path, 'file');
  }
  toString = () => `STOR ${this.path} (226 ${this.finalFirst ? 'before' : 'after'} EOF)`;
}

class Retrieve implements fc.Command<Model, Real> {
  constructor(readonly path: string, readonly finalFirst: boolean, readonly restAt = 0) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.server.finalFirst = this.finalFirst;
    const outcome = run(r.h, r.server, { kind: 'transfer', command: 'RETR', path: this.path, restAt: this.restAt }, r.atOnce);
    expect(outcome?.type).toBe(m.fs.get(this.path) === 'file' ? 'done' : 'failed');
  }
  toString = () => `RETR ${this.path}${this.restAt ? ` from ${this.restAt}` : ''} (226 ${this.finalFirst ? 'before' : 'after'} EOF)`;
}

class Size implements fc.Command<Model, Real> {
  constructor(readonly path: string) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const outcome = run(r.h, r.server, { kind: 'command', command: { name: 'SIZE', arg: this.path } }, r.atOnce);
    expect(outcome?.type).toBe(m.fs.get(this.path) === 'file' ? 'done' : 'failed');
  }
  toString = () => `SIZE ${this.path}`;
}

const allCommands = [
  names.map((p) => new Mkd(p)),
  fc.tuple(names, fc.boolean()).map(([p, d]) => new Remove(p, d)),
  fc.tuple(names, names).map(([a, b]) => new Rename(a, b)),
  fc.tuple(names, fc.boolean()).map(([p, f]) => new Store(p, f)),
  fc.tuple(names, fc.boolean(), fc.constantFrom(0, 0, 100)).map(([p, f, at]) => new Retrieve(p, f, at)),
  names.map((p) => new Size(p)),
];

describe.each([
  ['one command at a time', false],
  ['with pipelining', true],
])('model-based command sequences against a fake server, %s', (_, pipelining) => {
  test('every outcome matches the model, and the session stays idle between commands', () => {
    batchedWrites = 0;
    fc.assert(
      fc.property(fc.commands(allCommands, { maxCommands: 30 }), fc.boolean(), (cmds, atOnce) => {
        const server = new FakeServer();
        const h = new Harness({ pipelining });
        const login = run(h, server, { kind: 'connect', user: 'u', password: 'p', security: 'none' });
        expect(login?.type).toBe('done');
        const model: Model = { fs: new Map() };
        fc.modelRun(() => ({ model, real: { h, server, atOnce } }), cmds);
        expect(h.session.state).toBe('idle');
        expect([...server.fs.entries()].sort()).toEqual([...model.fs.entries()].sort());
      }),
      { numRuns: 200 },
    );
    if (pipelining) expect(batchedWrites).toBeGreaterThan(0);
    else expect(batchedWrites).toBe(0);
  });
});
