#!/usr/bin/env node
// The `ftpkit` executable: wires the process (streams, Ctrl-C, the terminal prompt) to `main`.
import { readFileSync } from 'node:fs';
import { main } from './cli.js';
import { terminalPrompt } from './prompt.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

// The first Ctrl-C aborts the running operation (ABOR, temporary files removed); a second one
// exits at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort(new DOMException('Interrupted', 'AbortError'));
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
  prompt: terminalPrompt(),
  version,
  env: process.env,
});
process.exitCode = code;
