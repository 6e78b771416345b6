/**
 * A model FTP server for the keep-alive tests: one passive transfer with NOOPs during it, played
 * the ways real servers play it.
 *
 * Theory of operation: the server reads the commands the session sends into an input queue and
 * answers them, in order, when the test lets it read (`read`). While a transfer runs, a server that
 * `reads` the control connection (pyftpdlib, Pure-FTPd, ProFTPD during STOR) treats each NOOP as
 * its `noops` list says, in turn: answer it at once, refuse it (`500`), never answer it, or end the
 * connection (`421`); one that does not read (vsftpd, ftp-srv) leaves them queued and answers them
 * after the transfer. ABOR read during a transfer ends it with `426` and is answered `226`; the
 * client closing the data connection fails the transfer with `426` when it ends. Every answer carries
 * a serial number, so a reply taken for the wrong command shows. Output is bytes the test hands to
 * the session in pieces of its choosing; nothing is written before the command that causes it has
 * been read, as on a real connection.
 */
const encoder = new TextEncoder();

/** What a server that reads the control connection during a transfer does with a NOOP. */
export type NoopDuringTransfer = 'answer' | 'refuse' | 'drop' | 'close';

export interface KeepAliveServerOptions {
  /** Reads the control connection during the transfer; otherwise it reads it after. */
  readonly reads: boolean;
  /** What it does with each NOOP read during the transfer, in turn (the last one repeats). */
  readonly noops: readonly NoopDuringTransfer[];
  /** The final reply of a transfer that is not cut: 226, or a failure such as 451. */
  readonly final: number;
  /** PWD's answer: 257, or a refusal (502) to play a server outside the model's assumption. */
  readonly pwd: number;
}

export class KeepAliveServer {
  readonly options: KeepAliveServerOptions;
  /** Command lines sent by the session and not yet read. */
  readonly input: string[] = [];
  /** Bytes written and not yet handed to the session. */
  output = new Uint8Array(0);
  /** Every answer written, keyed by the command line it answers and the order it was read in. */
  readonly answers: { readonly command: string; readonly reply: string }[] = [];
  phase: 'idle' | 'transferring' | 'closed' = 'idle';
  /** The transfer's final reply, once written. */
  final: string | undefined;
  /** The connection ends after the output: a 421 was written. */
  closing = false;
  /** The client closed its side of the data connection (abort): the transfer fails when it ends. */
  dataCut = false;
  #serial = 0;
  #noopIndex = 0;
  #transferCommand = '';

  constructor(options: KeepAliveServerOptions) {
    this.options = options;
  }

  /** Whether the server reads the control connection now. */
  get willRead(): boolean {
    return this.phase === 'idle' || (this.phase === 'transferring' && this.options.reads);
  }

  /** Read every command the server would read now. */
  read(): void {
    while (this.input.length > 0 && this.willRead) this.#answer(this.input.shift()!);
  }

  /** The transfer's data side is done: write its final reply. */
  finish(): void {
    if (this.phase !== 'transferring') return;
    const code = this.dataCut ? 426 : this.options.final;
    this.final = this.#write(this.#transferCommand, `${code} transfer ${code === 226 ? 'complete' : 'failed'}`);
    this.phase = 'idle';
  }

  /** Hand the session up to `n` bytes of output. */
  take(n: number): Uint8Array {
    const chunk = this.output.slice(0, n);
    this.output = this.output.slice(chunk.length);
    return chunk;
  }

  #answer(line: string): void {
    const name = line.split(' ')[0];
    if (this.phase === 'transferring') {
      if (name === 'ABOR') {
        this.final = this.#write(this.#transferCommand, '426 transfer aborted');
        this.phase = 'idle';
        this.#write(line, '226 ABOR done');
        return;
      }
      if (name === 'NOOP') {
        const what = this.options.noops[Math.min(this.#noopIndex++, this.options.noops.length - 1)] ?? 'answer';
        if (what === 'answer') this.#write(line, '200 NOOP during the transfer');
        else if (what === 'refuse') this.#write(line, '500 Unknown command');
        else if (what === 'close') this.#close(line);
        return;
      }
    }
    switch (name) {
      case 'EPSV':
        this.#write(line, '229 Entering Extended Passive Mode (|||40001|)');
        return;
      case 'RETR':
      case 'STOR':
        this.#transferCommand = line;
        this.#write(line, '150 opening the data connection');
        this.phase = 'transferring';
        return;
      case 'NOOP':
        this.#write(line, '200 NOOP ok');
        return;
      case 'PWD':
        this.#write(line, this.options.pwd === 257 ? '257 "/" is the current directory' : `${this.options.pwd} PWD refused`);
        return;
      case 'ABOR':
        this.#write(line, '225 no transfer to ABOR');
        return;
      case 'SIZE':
        this.#write(line, '213 4096');
        return;
      default:
        this.#write(line, '502 not implemented');
    }
  }

  #close(line: string): void {
    this.#write(line, '421 closing the control connection');
    this.closing = true;
    this.phase = 'closed';
  }

  /** Write `text` with the next serial number; returns the reply line without CRLF. */
  #write(command: string, text: string): string {
    const reply = `${text} #${++this.#serial}`;
    this.answers.push({ command, reply });
    const bytes = encoder.encode(`${reply}\r\n`);
    const all = new Uint8Array(this.output.length + bytes.length);
    all.set(this.output);
    all.set(bytes, this.output.length);
    this.output = all;
    return reply;
  }
}
