// Stream helpers of the transport suites: lines, whole streams, polite closes, rejections.
import type { Connection } from '../src/types.js';

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

export async function readAll(conn: Connection): Promise<string> {
  const parts: Uint8Array[] = [];
  for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) parts.push(chunk);
  return decode(concat(parts));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Line reader over a connection; keeps what came after the line. */
export class Lines {
  #rest = '';
  constructor(readonly conn: Connection) {}
  async next(): Promise<string> {
    for (;;) {
      const nl = this.#rest.indexOf('\n');
      if (nl >= 0) {
        const line = this.#rest.slice(0, nl);
        this.#rest = this.#rest.slice(nl + 1);
        return line;
      }
      const chunk = await this.conn.read();
      if (chunk === null) throw new Error(`end of stream before a line (have ${JSON.stringify(this.#rest)})`);
      this.#rest += decode(chunk);
    }
  }
}

/** Close a connection politely and wait until it is gone. */
export async function finish(conn: Connection): Promise<void> {
  await conn.end();
  while ((await conn.read()) !== null);
  await conn.closed;
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

