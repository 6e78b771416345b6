// A peer process of the transport suites (peer.mjs, proxy-peer.mjs): a Node child that prints one
// JSON line with what it serves, then answers JSON commands on stdin, one line each, by id.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export class PeerProcess<Hello> {
  #child: ChildProcess;
  #next = 1;
  #pending = new Map<number, (answer: Record<string, unknown>) => void>();

  /** `script`: a file next to this one. */
  constructor(script: string) {
    this.#child = spawn('node', [fileURLToPath(new URL(`./${script}`, import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  }

  /** Resolves with the first line, parsed, once the peer is serving. */
  async start(): Promise<Hello> {
    const lines = createInterface({ input: this.#child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      this.#child.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
    });
    lines.on('line', (line) => {
      const answer = JSON.parse(line) as { id: number } & Record<string, unknown>;
      this.#pending.get(answer.id)?.(answer);
      this.#pending.delete(answer.id);
    });
    return JSON.parse(first) as Hello;
  }

  ask(cmd: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (answer) => (answer.error ? reject(new Error(String(answer.error))) : resolve(answer)));
      this.#child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  stop(): void {
    this.#child.stdin?.end();
  }
}
