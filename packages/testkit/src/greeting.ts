// Readiness: a server is up when a fresh control connection gets a complete 220 greeting. A
// listening port says less: the greeting also shows that a session can be set up (a forked
// process for vsftpd, ProFTPD and Pure-FTPd; the TLS handshake for implicit FTPS).
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Where and how to knock. */
export interface GreetingProbe {
  readonly host: string;
  readonly port: number;
  /** Implicit FTPS: handshake first, verifying the certificate against this CA. */
  readonly implicitTlsCa?: string;
  /** Give up at this time (ms since the epoch). */
  readonly deadline: number;
  /** Stop waiting when this says the server is gone. */
  readonly gone: () => boolean;
}

/** Not up yet: nobody listens, or the connection was dropped before a greeting. Worth a retry. */
const NOT_YET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ERR_FTPKIT_CLOSED']);

const RETRY_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads one FTP reply; RFC 959 §4.2: a multi-line reply ends at "ddd " with the opening code. */
function readReply(socket: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData).off('error', done).off('close', onClose);
      if (error) reject(error);
      else resolve(text);
    };
    const onClose = () =>
      done(Object.assign(new Error(`connection closed after ${JSON.stringify(text)}`), { code: 'ERR_FTPKIT_CLOSED' }));
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const lines = text.split('\r\n');
      const code = lines[0]?.slice(0, 3) ?? '';
      if (lines.slice(0, -1).some((line) => line.startsWith(`${code} `))) done();
    };
    const timer = setTimeout(() => done(new Error(`no complete reply within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData).on('error', done).on('close', onClose);
  });
}

async function knock(probe: GreetingProbe): Promise<string> {
  const { host, port, implicitTlsCa } = probe;
  const socket: Socket =
    implicitTlsCa === undefined
      ? netConnect({ host, port })
      : tlsConnect({ host, port, ca: implicitTlsCa, servername: 'localhost' });
  // Errors that come after the reply (a reset while closing) must not go unhandled.
  socket.on('error', () => undefined);
  try {
    const timeout = Math.max(100, probe.deadline - Date.now());
    const reply = await readReply(socket, timeout);
    if (!reply.startsWith('220')) throw new Error(`greeting was ${JSON.stringify(reply)}`);
    socket.write('QUIT\r\n');
    return reply;
  } finally {
    socket.end();
    socket.destroySoon();
  }
}

/**
 * Connects until the server sends a complete 220 greeting, and returns it. Throws when the
 * deadline passes, when `gone()` turns true, or at the first error that is not "not up yet"
 * (another reply than 220, a certificate that does not verify).
 */
export async function waitForGreeting(probe: GreetingProbe): Promise<string> {
  let last: unknown;
  while (Date.now() < probe.deadline && !probe.gone()) {
    try {
      return await knock(probe);
    } catch (error) {
      // Anything else (a 421, a certificate that does not verify) will not change by waiting.
      if (!NOT_YET.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      last = error;
    }
    await sleep(RETRY_MS);
  }
  const why = probe.gone() ? 'the server exited' : 'timed out';
  throw new Error(`no 220 greeting from ${probe.host} port ${probe.port}: ${why}`, { cause: last });
}
