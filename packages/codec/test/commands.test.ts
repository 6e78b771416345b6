import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { checkArgument, command, commands, describeCommand, encodeCommand, type Command } from '../src/commands.js';
import { LocalProtocolError } from '../src/errors.js';
import { arbCommand, arbSafeArgument, arbUnsafeArgument } from '../src/testing/commands.js';

const latin1Decode = (bytes: Uint8Array): string => Array.from(bytes, (b) => String.fromCharCode(b)).join('');
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Every builder that takes text, with the way to call it with one piece of text. */
const textBuilders: Record<string, (text: string) => Command> = {
  user: (t) => commands.user(t),
  pass: (t) => commands.pass(t),
  acct: (t) => commands.acct(t),
  auth: (t) => commands.auth(t),
  opts: (t) => commands.opts(t),
  port: (t) => commands.port(t),
  eprt: (t) => commands.eprt(t),
  retr: (t) => commands.retr(t),
  stor: (t) => commands.stor(t),
  appe: (t) => commands.appe(t),
  list: (t) => commands.list(t),
  nlst: (t) => commands.nlst(t),
  mlsd: (t) => commands.mlsd(t),
  mlst: (t) => commands.mlst(t),
  cwd: (t) => commands.cwd(t),
  mkd: (t) => commands.mkd(t),
  rmd: (t) => commands.rmd(t),
  dele: (t) => commands.dele(t),
  rnfr: (t) => commands.rnfr(t),
  rnto: (t) => commands.rnto(t),
  size: (t) => commands.size(t),
  mdtm: (t) => commands.mdtm(t),
  'mfmt time': (t) => commands.mfmt(t, 'file.txt'),
  'mfmt path': (t) => commands.mfmt('20200102030405', t),
  site: (t) => commands.site(t),
  stat: (t) => commands.stat(t),
};

/** Builders that take no text at all (or only a closed set of values). */
const otherBuilders = ['pbsz', 'prot', 'ccc', 'feat', 'syst', 'type', 'pasv', 'epsv', 'rest', 'cdup', 'pwd', 'noop', 'abor', 'quit'];

/** A secret that cannot occur by chance in an error message. */
const arbSecret = fc.string({ unit: fc.constantFrom(...'0123456789abcdefXYZ#%&'), minLength: 10, maxLength: 20 }).map((s) => `~${s}~`);

function refusal(run: () => unknown): LocalProtocolError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(LocalProtocolError);
    return err as LocalProtocolError;
  }
  throw new Error('expected a LocalProtocolError, nothing was thrown');
}

describe('CR, LF and NUL are refused before any byte exists', () => {
  test('the table covers every builder', () => {
    const covered = new Set([...Object.keys(textBuilders).map((k) => k.split(' ')[0]!), ...otherBuilders]);
    expect([...covered].sort()).toEqual(Object.keys(commands).sort());
  });

  test.each(Object.entries(textBuilders))('commands.%s', (_, build) => {
    fc.assert(
      fc.property(arbUnsafeArgument(), arbSecret, arbSecret, (unsafe, before, after) => {
        const arg = before + unsafe + after;
        const err = refusal(() => build(arg));
        expect(err.message).toMatch(/contains (CR|LF|NUL)/);
        expect(err.message).not.toContain(before);
        expect(err.message).not.toContain(after);
        expect(String(err.stack)).not.toContain(before);
      }),
      { numRuns: 50 },
    );
  });

  test('command(), encodeCommand() and checkArgument() refuse them too, in any position', () => {
    fc.assert(
      fc.property(arbCommand(), arbUnsafeArgument(), arbSecret, (cmd, unsafe, secret) => {
        const arg = secret + unsafe;
        for (const run of [
          () => command(cmd.name, arg),
          () => encodeCommand(cmd.name, arg),
          () => encodeCommand({ name: cmd.name, arg }), // a hand-made Command that never went through command()
          () => encodeCommand({ name: cmd.name, arg }, undefined, { encoding: 'latin1', escapeIac: true }),
          () => checkArgument(cmd.name, arg),
        ]) {
          expect(refusal(run).message).not.toContain(secret);
        }
      }),
    );
  });

  test('the message says which character and where, without the text', () => {
    expect(refusal(() => commands.cwd('ab\r\nDELE x')).message).toBe('Argument of CWD contains CR at index 2; refusing to send it');
    expect(refusal(() => commands.pass('pw\n')).message).toBe('Argument of PASS contains LF at index 2; refusing to send it');
    expect(refusal(() => commands.retr('a\0')).message).toBe('Argument of RETR contains NUL at index 1; refusing to send it');
  });
});

describe('encoding', () => {
  test('any valid command encodes to NAME[ SP arg] CRLF, with no other line break', () => {
    fc.assert(
      fc.property(arbCommand(), (cmd) => {
        const bytes = encodeCommand(cmd);
        expect(decode(bytes)).toBe(cmd.arg === undefined ? `${cmd.name}\r\n` : `${cmd.name} ${cmd.arg}\r\n`);
        const body = bytes.subarray(0, -2);
        expect(body.includes(0x0d) || body.includes(0x0a) || body.includes(0x00)).toBe(false);
        expect(Object.isFrozen(cmd)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('names are case-normalised and validated', () => {
    expect(command('retr', 'x')).toEqual({ name: 'RETR', arg: 'x' });
    expect(encodeCommand('pasv')).toEqual(new TextEncoder().encode('PASV\r\n'));
    expect(command('XSHA256', 'f').name).toBe('XSHA256');
    for (const bad of ['', 'A', '1AB', 'RE TR', 'RETR\r\n', 'R-TR', 'ABCDEFGHIJKLMNOPQ', 'RÉTR']) {
      expect(() => command(bad), JSON.stringify(bad)).toThrow(LocalProtocolError);
    }
  });

  test('names and paths in UTF-8 by default (RFC 2640)', () => {
    expect(Array.from(encodeCommand(commands.retr('é/日本')))).toEqual(Array.from(new TextEncoder().encode('RETR é/日本\r\n')));
    expect(decode(encodeCommand(commands.mfmt('20200102030405', 'a b.txt')))).toBe('MFMT 20200102030405 a b.txt\r\n');
    expect(decode(encodeCommand(commands.list()))).toBe('LIST\r\n');
    expect(decode(encodeCommand(commands.rest(0)))).toBe('REST 0\r\n');
    expect(decode(encodeCommand(commands.pbsz()))).toBe('PBSZ 0\r\n');
    expect(decode(encodeCommand(commands.prot()))).toBe('PROT P\r\n');
    expect(decode(encodeCommand(commands.auth()))).toBe('AUTH TLS\r\n');
    expect(decode(encodeCommand(commands.type('I')))).toBe('TYPE I\r\n');
  });

  test('numeric arguments must be non-negative safe integers', () => {
    expect(decode(encodeCommand(commands.rest(Number.MAX_SAFE_INTEGER)))).toBe(`REST ${Number.MAX_SAFE_INTEGER}\r\n`);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => commands.rest(bad)).toThrow(LocalProtocolError);
      expect(() => commands.pbsz(bad)).toThrow(LocalProtocolError);
    }
  });

  test('latin1 encodes U+0000–U+00FF byte for byte and refuses the rest without echoing it', () => {
    const latin1 = fc.string({ unit: fc.integer({ min: 1, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '_'));
    fc.assert(
      fc.property(latin1, (arg) => {
        expect(latin1Decode(encodeCommand('RETR', arg, { encoding: 'latin1' }))).toBe(`RETR ${arg}\r\n`);
      }),
    );
    fc.assert(
      fc.property(arbSecret, fc.integer({ min: 0x100, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff), (secret, c) => {
        const err = refusal(() => encodeCommand('RETR', secret + String.fromCharCode(c), { encoding: 'latin1' }));
        expect(err.message).toBe('Argument of RETR cannot be encoded as latin1');
      }),
    );
  });

  test('IAC (0xFF) is doubled only when asked (RFC 959 §4.1.3, RFC 854)', () => {
    expect(Array.from(encodeCommand('RETR', 'a\u00ffb\u00ff', { encoding: 'latin1', escapeIac: true }))).toEqual([
      ...new TextEncoder().encode('RETR a'), 0xff, 0xff, 0x62, 0xff, 0xff, 0x0d, 0x0a,
    ]);
    expect(Array.from(encodeCommand('RETR', '\u00ff', { encoding: 'latin1' }))).toEqual([...new TextEncoder().encode('RETR '), 0xff, 0x0d, 0x0a]);
    const latin1 = fc.string({ unit: fc.constantFrom('a', ' ', '\u00ff', '\u00fe', '\u0080', 'z'), maxLength: 30 });
    fc.assert(
      fc.property(latin1, (arg) => {
        const plain = encodeCommand('STOR', arg, { encoding: 'latin1' });
        const escaped = encodeCommand('STOR', arg, { encoding: 'latin1', escapeIac: true });
        const doubled = latin1Decode(plain).replaceAll('\u00ff', '\u00ff\u00ff');
        expect(latin1Decode(escaped)).toBe(doubled);
      }),
    );
  });

  test('UTF-8 never produces a 0xFF byte, so escaping IAC changes nothing there', () => {
    fc.assert(
      fc.property(arbSafeArgument(), (arg) => {
        const bytes = encodeCommand('RETR', arg);
        expect(bytes.includes(0xff)).toBe(false);
        expect(encodeCommand('RETR', arg, { escapeIac: true })).toEqual(bytes);
      }),
    );
  });
});

describe('describeCommand', () => {
  test('redacts the argument of PASS and ACCT, however the name was spelled', () => {
    fc.assert(
      fc.property(arbSecret, fc.constantFrom('PASS', 'pass', 'Pass', 'ACCT', 'acct'), (secret, name) => {
        const text = describeCommand(command(name, secret));
        expect(text).toBe(`${name.toUpperCase()} ****`);
        expect(text).not.toContain(secret);
      }),
    );
    expect(describeCommand(commands.pass('hunter2'))).toBe('PASS ****');
    expect(describeCommand(commands.pass(''))).toBe('PASS ****');
  });

  test('shows every other command as it is sent', () => {
    fc.assert(
      fc.property(arbCommand().filter((c) => c.name !== 'PASS' && c.name !== 'ACCT'), (cmd) => {
        expect(describeCommand(cmd) + '\r\n').toBe(decode(encodeCommand(cmd)));
      }),
    );
    expect(describeCommand(commands.user('anonymous'))).toBe('USER anonymous');
    expect(describeCommand(commands.pasv())).toBe('PASV');
  });
});
