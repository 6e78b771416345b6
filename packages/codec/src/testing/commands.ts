/**
 * Commands for tests: fast-check arbitraries for valid commands and for arguments that must be
 * refused.
 *
 * Theory of operation: a valid command has a name the codec accepts and an argument free of CR, LF
 * and NUL (RFC 959 §4.1.3: a command line ends at CRLF). {@link arbCommand} builds such commands
 * through `command()`, so they are normalised and frozen exactly like the codec's own.
 * {@link arbUnsafeArgument} produces arguments with at least one CR, LF or NUL somewhere, the input
 * every builder and `encodeCommand` must refuse.
 *
 * Needs `fast-check` (an optional peer dependency of the codec).
 *
 * @module
 */
import fc from 'fast-check';
import { command, type Command } from '../commands.js';

const KNOWN_NAMES = [
  'USER', 'PASS', 'ACCT', 'AUTH', 'PBSZ', 'PROT', 'FEAT', 'OPTS', 'SYST', 'TYPE', 'PASV', 'EPSV',
  'PORT', 'EPRT', 'REST', 'RETR', 'STOR', 'APPE', 'LIST', 'NLST', 'MLSD', 'MLST', 'CWD', 'CDUP',
  'PWD', 'MKD', 'RMD', 'DELE', 'RNFR', 'RNTO', 'SIZE', 'MDTM', 'MFMT', 'SITE', 'STAT', 'NOOP',
  'ABOR', 'QUIT', 'XSHA256',
] as const;

/**
 * Any argument a command may carry: arbitrary Unicode (including U+00FF, which turns into the IAC
 * byte under latin1, and spaces) without CR, LF or NUL.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbSafeArgument(), (arg) => { encodeCommand('RETR', arg); }));
 * ```
 */
export function arbSafeArgument(): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.constantFrom(' ', '\u00ff', '\t', '"', '/', 'é') },
  );
  return fc.string({ unit, maxLength: 40 }).map((s) => s.replace(/[\r\n\0]/g, '_'));
}

/**
 * A valid command: a known or made-up name (any case) with or without a safe argument.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbCommand(), (cmd) => {
 *   const line = new TextDecoder().decode(encodeCommand(cmd));
 *   expect(line.endsWith('\r\n')).toBe(true);
 * }));
 * ```
 */
export function arbCommand(): fc.Arbitrary<Command> {
  const name = fc.oneof(
    fc.constantFrom(...KNOWN_NAMES),
    fc.constantFrom(...KNOWN_NAMES).map((n) => n.toLowerCase()),
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{1,15}$/),
  );
  return fc
    .tuple(name, fc.option(arbSafeArgument(), { nil: undefined }))
    .map(([n, arg]) => (arg === undefined ? command(n) : command(n, arg)));
}

/**
 * An argument that contains CR, LF or NUL (at least one, anywhere, possibly CRLF followed by a
 * smuggled command), which every command builder must refuse.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbUnsafeArgument(), (arg) => {
 *   expect(() => commands.cwd(arg)).toThrow(LocalProtocolError);
 * }));
 * ```
 */
export function arbUnsafeArgument(): fc.Arbitrary<string> {
  const breaker = fc.constantFrom('\r', '\n', '\0', '\r\n', '\r\nDELE important.txt\r\n');
  return fc
    .tuple(arbSafeArgument(), fc.array(fc.tuple(breaker, arbSafeArgument()), { minLength: 1, maxLength: 3 }))
    .map(([head, rest]) => head + rest.map(([b, s]) => b + s).join(''));
}
