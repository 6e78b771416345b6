/**
 * Reads the raw server transcripts in test/fixtures/servers/ (captured from real servers on
 * loopback by the project's probe script).
 *
 * Format of a transcript: `## name` starts a session, `> CMD` is a command the client sent, `< text`
 * is one line the server sent (its line ending removed), and every other line is commentary (data
 * connection contents, TLS notes). The server lines after a command, up to the next command, are
 * its exchange; the lines before the first command of a session are the greeting.
 */
import { readFileSync } from 'node:fs';

export const SERVERS = ['vsftpd', 'proftpd', 'pure-ftpd', 'pyftpdlib', 'ftp-srv'] as const;
export type Server = (typeof SERVERS)[number];

/** One command and the server lines that answered it (`command` undefined for the greeting). */
export interface Exchange {
  readonly session: string;
  readonly command: string | undefined;
  readonly lines: readonly string[];
}

export function readTranscript(server: Server): Exchange[] {
  const text = readFileSync(new URL(`../fixtures/servers/${server}.txt`, import.meta.url), 'utf8');
  const exchanges: { session: string; command: string | undefined; lines: string[] }[] = [];
  let session = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      session = line.slice(3);
      exchanges.push({ session, command: undefined, lines: [] });
    } else if (line.startsWith('> ')) {
      exchanges.push({ session, command: line.slice(2), lines: [] });
    } else if (line.startsWith('< ')) {
      const current = exchanges.at(-1);
      if (current === undefined) throw new Error(`${server}: server line before any session`);
      current.lines.push(line.slice(2));
    }
  }
  return exchanges;
}

/** The first exchange of `server` answering `command` (in the first session that has one). */
export function exchangeOf(server: Server, command: string): Exchange {
  const found = readTranscript(server).find((e) => e.command === command);
  if (found === undefined) throw new Error(`${server}: no exchange for ${command}`);
  return found;
}

/** The bytes a server sent for some lines, each ended by CRLF, UTF-8 encoded. */
export function wireBytes(lines: readonly string[], lineEnding: '\r\n' | '\n' = '\r\n'): Uint8Array {
  return new TextEncoder().encode(lines.map((line) => line + lineEnding).join(''));
}

/** Every server line of each session of `server`, in order: what its control connection carried. */
export function sessionsOf(server: Server): { session: string; lines: string[] }[] {
  const sessions = new Map<string, string[]>();
  for (const e of readTranscript(server)) {
    const lines = sessions.get(e.session) ?? [];
    lines.push(...e.lines);
    sessions.set(e.session, lines);
  }
  return [...sessions].map(([session, lines]) => ({ session, lines }));
}
