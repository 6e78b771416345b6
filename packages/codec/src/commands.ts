/**
 * Commands and their serialization.
 *
 * Theory of operation: a {@link Command} is a plain immutable value, `{ name, arg? }`. Building one
 * and encoding one both refuse CR, LF and NUL in the argument (RFC 959 §4.1.3: a command ends at
 * CRLF, so an embedded one would smuggle a second command, as in curl CVE-2014-8150), synchronously
 * and before any byte exists. Error messages name the command, never the argument, so a password is
 * never repeated.
 *
 * @module
 */
import { LocalProtocolError } from './errors.js';
import { encodeText, type TextEncodingName } from './text.js';

/** One FTP command. `name` is upper case; `arg` is everything after the first space. */
export interface Command {
  readonly name: string;
  readonly arg?: string;
}

/** Options of {@link encodeCommand}. */
export interface EncodeOptions {
  /** Default `'utf8'` (RFC 2640). With `'latin1'`, characters above U+00FF are refused. */
  readonly encoding?: TextEncodingName;
  /**
   * Double every 0xFF byte of the argument (Telnet IAC, RFC 959 §4.1.3 and RFC 854). Off by default:
   * most servers do not unescape it.
   */
  readonly escapeIac?: boolean;
}

// RFC 959 names are up to four letters; extensions add digits and length (XSHA256, SITE is separate).
const NAME = /^[A-Za-z][A-Za-z0-9]{1,15}$/;
const SECRET = new Set(['PASS', 'ACCT']);
/** What stands in the place of a secret in anything for people: a command's rendering, a reply's text. @internal */
export const REDACTED = '****';

/**
 * Validate and freeze a command. Throws {@link LocalProtocolError} for a bad name or an argument
 * containing CR, LF or NUL.
 *
 * @example
 * ```ts
 * command('CWD', 'pub/incoming'); // { name: 'CWD', arg: 'pub/incoming' }
 * command('CWD', 'x\r\nDELE y');   // throws LocalProtocolError
 * ```
 */
export function command(name: string, arg?: string): Command {
  if (!NAME.test(name)) throw new LocalProtocolError('Command name must be letters and digits, starting with a letter');
  const upper = name.toUpperCase();
  if (arg === undefined) return Object.freeze({ name: upper });
  checkArgument(upper, arg);
  return Object.freeze({ name: upper, arg });
}

/**
 * Throw {@link LocalProtocolError} if `arg` contains CR, LF or NUL. `what` names the argument in the
 * message (the value itself is never included).
 */
export function checkArgument(what: string, arg: string): void {
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x00) {
      const label = c === 0x0d ? 'CR' : c === 0x0a ? 'LF' : 'NUL';
      throw new LocalProtocolError(`Argument of ${what} contains ${label} at index ${i}; refusing to send it`);
    }
  }
}

/**
 * Serialize a command to the bytes sent on the control connection, `NAME[ SP arg] CRLF`.
 *
 * @example
 * ```ts
 * encodeCommand('RETR', 'report.csv'); // bytes of "RETR report.csv\r\n"
 * encodeCommand({ name: 'PASV' });     // bytes of "PASV\r\n"
 * ```
 */
export function encodeCommand(name: string | Command, arg?: string, options: EncodeOptions = {}): Uint8Array {
  const cmd = typeof name === 'string' ? command(name, arg) : command(name.name, name.arg);
  const encoding = options.encoding ?? 'utf8';
  const text = cmd.arg === undefined ? cmd.name : `${cmd.name} ${cmd.arg}`;
  const body = encodeText(text, encoding);
  if (body === undefined) throw new LocalProtocolError(`Argument of ${cmd.name} cannot be encoded as ${encoding}`);
  const payload = options.escapeIac ? doubleIac(body) : body;
  const out = new Uint8Array(payload.length + 2);
  out.set(payload);
  out[payload.length] = 0x0d;
  out[payload.length + 1] = 0x0a;
  return out;
}

function doubleIac(bytes: Uint8Array): Uint8Array {
  let count = 0;
  for (const b of bytes) if (b === 0xff) count++;
  if (count === 0) return bytes;
  const out = new Uint8Array(bytes.length + count);
  let j = 0;
  for (const b of bytes) {
    out[j++] = b;
    if (b === 0xff) out[j++] = 0xff;
  }
  return out;
}

/**
 * A log-safe rendering of a command: the arguments of PASS and ACCT become `****`.
 *
 * @example
 * ```ts
 * describeCommand(command('PASS', 'hunter2')); // 'PASS ****'
 * ```
 */
export function describeCommand(cmd: Command): string {
  if (cmd.arg === undefined) return cmd.name;
  return `${cmd.name} ${SECRET.has(cmd.name) ? REDACTED : cmd.arg}`;
}

/** Transfer type of TYPE (RFC 959 §3.1.1): ASCII (`A`) or image/binary (`I`). */
export type TransferType = 'A' | 'I';

/**
 * Typed builders for the commands ftpkit uses. Each validates its argument like {@link command}.
 *
 * @example
 * ```ts
 * encodeCommand(commands.rest(1024)); // "REST 1024\r\n"
 * ```
 */
export const commands = Object.freeze({
  user: (name: string) => command('USER', name),
  pass: (password: string) => command('PASS', password),
  acct: (account: string) => command('ACCT', account),
  auth: (mechanism = 'TLS') => command('AUTH', mechanism),
  pbsz: (size = 0) => command('PBSZ', integer(size, 'PBSZ')),
  prot: (level: 'C' | 'P' = 'P') => command('PROT', level),
  ccc: () => command('CCC'),
  feat: () => command('FEAT'),
  opts: (option: string) => command('OPTS', option),
  syst: () => command('SYST'),
  type: (type: TransferType) => command('TYPE', type),
  pasv: () => command('PASV'),
  epsv: () => command('EPSV'),
  port: (arg: string) => command('PORT', arg),
  eprt: (arg: string) => command('EPRT', arg),
  rest: (offset: number) => command('REST', integer(offset, 'REST')),
  retr: (path: string) => command('RETR', path),
  stor: (path: string) => command('STOR', path),
  appe: (path: string) => command('APPE', path),
  list: (path?: string) => command('LIST', path),
  nlst: (path?: string) => command('NLST', path),
  mlsd: (path?: string) => command('MLSD', path),
  mlst: (path?: string) => command('MLST', path),
  cwd: (path: string) => command('CWD', path),
  cdup: () => command('CDUP'),
  pwd: () => command('PWD'),
  mkd: (path: string) => command('MKD', path),
  rmd: (path: string) => command('RMD', path),
  dele: (path: string) => command('DELE', path),
  rnfr: (path: string) => command('RNFR', path),
  rnto: (path: string) => command('RNTO', path),
  size: (path: string) => command('SIZE', path),
  mdtm: (path: string) => command('MDTM', path),
  mfmt: (time: string, path: string) => command('MFMT', `${time} ${path}`),
  site: (text: string) => command('SITE', text),
  stat: (path?: string) => command('STAT', path),
  noop: () => command('NOOP'),
  abor: () => command('ABOR'),
  quit: () => command('QUIT'),
});

function integer(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new LocalProtocolError(`${what} needs a non-negative integer`);
  return String(value);
}
