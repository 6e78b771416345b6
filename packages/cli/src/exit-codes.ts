/**
 * Exit codes and the one-sentence error messages of the command line.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | unexpected internal error |
 * | 2 | usage: bad arguments, options or URL, or a --journal of another job |
 * | 3 | connection: refused, reset, closed, name not resolved, timed out; the proxy refused, broke, or could not reach the server |
 * | 4 | TLS: handshake failed, certificate not trusted, TLS refused by the server, implicit/explicit FTPS mismatch |
 * | 5 | authentication: the server refused the login (530, or a refused USER/PASS/ACCT), or the proxy its credentials |
 * | 6 | remote: the server refused an operation (any other 4xx/5xx reply), or no such file |
 * | 7 | local file: a local file could not be read or written |
 * | 8 | protocol: the server broke the protocol, sent an unsafe name or a listing in no known format, is an SSH server, or its tree loops or runs deeper than --max-depth |
 * | 9 | verification: with --verify, a transferred file's size or checksum differs from its source's |
 * | 130 | interrupted (Ctrl-C) |
 *
 * @module
 */
import { isAbortError, isFtpError, FtpReplyError, type LoopEvidence, type TreeDepthError, type TreeLoopError } from '@ftpkit/client';

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  connection: 3,
  tls: 4,
  auth: 5,
  remote: 6,
  local: 7,
  protocol: 8,
  verify: 9,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake on the command line: printed with a hint to `--help`, exit 2. */
export class UsageError extends Error {
  override get name(): string {
    return 'UsageError';
  }
}

/** A local problem found by the CLI itself (missing source file, existing target...), exit 7. */
export class LocalError extends Error {
  readonly code: string;
  constructor(message: string, code = 'ERR_LOCAL') {
    super(message);
    this.code = code;
  }
}

/** What a failure means for the caller: the exit code, a stable code string and one sentence. */
export interface Failure {
  readonly exitCode: ExitCode;
  readonly code: string;
  readonly message: string;
  readonly reply?: { readonly code: number; readonly text: string };
  readonly command?: string;
}

const LOGIN_COMMANDS = /^(USER|PASS|ACCT)\b/i;

/** How each way of knowing a loop reads in a one-line message. */
const LOOP_EVIDENCE: Readonly<Record<LoopEvidence, string>> = {
  unique: 'the same unique fact',
  path: 'the same path once resolved',
  listing: 'the same name and listing three times',
  inode: 'the same inode',
};

/** What may help a TLS failure, by its reason: a certificate can be trusted, a key can be pinned anew. */
const TLS_ADVICE: Readonly<Record<string, string>> = {
  certificate: " (Trust the server's CA with --ca FILE, or check its key with ftpkit cert URL and pin it with --pinnedpubkey.)",
  pin: " (If the server's key changed on purpose, check it with ftpkit cert URL and pin the new one.)",
};

/** The commands that remove a tree, which take no --exclude. */
const REMOVING = new Set(['rm', 'rmdir']);

/** Classify any thrown value; `command`, the command that failed, shapes the advice of a few. */
export function describeFailure(error: unknown, command?: string): Failure {
  if (error instanceof UsageError) return { exitCode: EXIT.usage, code: 'ERR_USAGE', message: sentence(error.message) };
  if (error instanceof LocalError) return { exitCode: EXIT.local, code: error.code, message: sentence(error.message) };
  if (isAbortError(error)) return { exitCode: EXIT.interrupted, code: 'ABORT_ERR', message: 'Interrupted.' };
  if (error instanceof FtpReplyError || (isFtpError(error) && error.code === 'ERR_FTP_REPLY')) {
    const e = error as FtpReplyError;
    const reply = { code: e.reply.code, text: e.reply.text };
    const said = `${e.reply.code} ${e.reply.text.trim()}`;
    const command = e.command;
    const auth = e.reply.code === 530 || (command !== undefined && LOGIN_COMMANDS.test(command));
    if (auth) {
      return { exitCode: EXIT.auth, code: e.code, message: sentence(`Login refused by the server: ${said}`), reply, ...(command ? { command } : {}) };
    }
    const what = command === undefined ? 'the request' : command;
    return { exitCode: EXIT.remote, code: e.code, message: sentence(`The server refused ${what}: ${said}`), reply, ...(command ? { command } : {}) };
  }
  if (isFtpError(error) || isTransportError(error)) {
    const code = (error as { code: string }).code;
    const message = (error as Error).message;
    switch (code) {
      case 'ERR_FTP_CONNECTION':
        return { exitCode: EXIT.connection, code, message: sentence(`Connection failed: ${message}`) };
      case 'ERR_FTP_TIMEOUT':
        return { exitCode: EXIT.connection, code, message: sentence(`Timed out: ${message}`) };
      // The proxy's errors name it, never with its credentials (the transport's rule).
      case 'ERR_FTP_PROXY':
      case 'ERR_FTP_PROXY_REFUSED':
      case 'ERR_FTP_PROXY_TARGET':
        return { exitCode: EXIT.connection, code, message: sentence(message) };
      case 'ERR_FTP_PROXY_AUTH':
        return { exitCode: EXIT.auth, code, message: sentence(`${message} (Give the proxy's user and password in its URL.)`) };
      case 'ERR_FTP_TLS':
        // Certificate advice only where a certificate was refused: it cannot help any other failure.
        return {
          exitCode: EXIT.tls,
          code,
          message: sentence(`TLS failed: ${message}`) + (TLS_ADVICE[String((error as { reason?: unknown }).reason)] ?? ''),
        };
      case 'ERR_FTP_TLS_MODE':
        return { exitCode: EXIT.tls, code, message: sentence(message) };
      case 'ERR_FTP_SSH_SERVER':
        return { exitCode: EXIT.protocol, code, message: sentence(message) };
      case 'ERR_FTP_NOT_FOUND':
      case 'ERR_FTP_NOT_SUPPORTED':
        return { exitCode: EXIT.remote, code, message: sentence(message) };
      case 'ERR_FTP_LOCAL_FILE':
        return { exitCode: EXIT.local, code, message: sentence(message) };
      case 'ERR_FTP_VERIFY':
        return { exitCode: EXIT.verify, code, message: sentence(message) };
      case 'ERR_FTP_LOCAL_PROTOCOL':
      case 'ERR_FTP_INVALID_ARG':
      case 'ERR_FTP_JOURNAL_MISMATCH':
      case 'ERR_FTP_JOURNAL_BUSY':
        return { exitCode: EXIT.usage, code, message: sentence(message) };
      case 'ERR_FTP_TREE_LOOP': {
        const e = error as TreeLoopError;
        const advice = command !== undefined && REMOVING.has(command) ? '' : ' Leave it out with --exclude.';
        return {
          exitCode: e.side === 'local' ? EXIT.local : EXIT.protocol,
          code,
          message: `${sentence(`The ${e.side} tree loops: ${e.path} is the same folder as ${e.ancestor} (${LOOP_EVIDENCE[e.by] ?? e.by})`)}${advice}`,
        };
      }
      case 'ERR_FTP_TREE_DEPTH': {
        const e = error as TreeDepthError;
        return {
          exitCode: e.side === 'local' ? EXIT.local : EXIT.protocol,
          code,
          message: sentence(`The ${e.side} tree goes deeper than ${e.maxDepth} folders at ${e.path}: a loop, or a tree deeper than --max-depth allows`),
        };
      }
      case 'ERR_FTP_LISTING_UNREADABLE':
        return { exitCode: EXIT.protocol, code, message: sentence(message) };
      case 'ERR_FTP_REMOTE_PROTOCOL':
      case 'ERR_FTP_UNSAFE_PATH':
        return { exitCode: EXIT.protocol, code, message: sentence(`The server broke the protocol: ${message}`) };
      default:
        return { exitCode: EXIT.internal, code, message: sentence(message) };
    }
  }
  const sys = error as NodeJS.ErrnoException | undefined;
  if (sys && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    return { exitCode: EXIT.local, code: sys.code, message: sentence(`${sys.message}`) };
  }
  return { exitCode: EXIT.internal, code: 'ERR_INTERNAL', message: sentence(`Unexpected error: ${String((error as Error)?.stack ?? error)}`) };
}

function isTransportError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' &&
    String((error as { code: string }).code).startsWith('ERR_FTP_');
}

/** One sentence: trimmed, single line, ending with a full stop. */
function sentence(text: string): string {
  const line = text.replace(/\s*\r?\n\s*/g, ' ').trim();
  return /[.!?]$/.test(line) ? line : `${line}.`;
}
