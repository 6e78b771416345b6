/**
 * Read a password from the terminal without echoing it.
 *
 * @module
 */
import { EXIT } from './exit-codes.js';

/** A prompt on stderr that reads stdin in raw mode; undefined when stdin is not a terminal. */
export function terminalPrompt(): ((question: string) => Promise<string>) | undefined {
  const stdin = process.stdin;
  if (!stdin.isTTY) return undefined;
  return (question) =>
    new Promise<string>((resolve) => {
      process.stderr.write(question);
      stdin.setRawMode(true);
      stdin.resume();
      let answer = '';
      const finish = () => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
        process.stderr.write('\n');
      };
      const onData = (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            finish();
            resolve(answer);
            return;
          }
          if (ch === '\u0003') {
            // Ctrl-C: raw mode swallowed the signal, so act on it here.
            finish();
            process.exit(EXIT.interrupted);
          }
          if (ch === '\u007f' || ch === '\b') answer = [...answer].slice(0, -1).join('');
          else if (ch === '\u0015') answer = ''; // Ctrl-U
          else if (ch >= ' ') answer += ch;
        }
      };
      stdin.on('data', onData);
    });
}
