import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { commands, encodeCommand } from '../src/commands.js';
import { LocalProtocolError, RemoteProtocolError } from '../src/errors.js';
import { formatOptsMlst, parseFeatures, parseMlstFeature } from '../src/feat.js';
import { createReply, type Reply } from '../src/reply.js';
import { ReplyParser } from '../src/reply-parser.js';
import { arbReply, formatReply } from '../src/testing/replies.js';
import { exchangeOf, type Server, wireBytes } from './support/transcripts.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

function parseOne(bytes: Uint8Array): Reply {
  const replies = new ReplyParser().push(bytes);
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

const featuresOf = (wire: string) => [...parseFeatures(parseOne(utf8(wire)))];

const golden: Record<Server, [string, string][]> = {
  vsftpd: [
    ['AUTH', 'TLS'], ['EPRT', ''], ['EPSV', ''], ['MDTM', ''], ['PASV', ''], ['PBSZ', ''], ['PROT', ''], ['REST', 'STREAM'],
    ['SIZE', ''], ['TVFS', ''],
  ],
  proftpd: [
    ['AUTH', 'TLS'], ['CCC', ''], ['CLNT', ''], ['CSID', ''], ['EPRT', ''], ['EPSV', ''], ['HOST', ''], ['LANG', 'C.UTF-8*'],
    ['MDTM', ''], ['MFF', 'modify;UNIX.group;UNIX.mode;'], ['MFMT', ''],
    ['MLST', 'modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;'],
    ['PBSZ', ''], ['PROT', ''], ['RANG', 'STREAM'], ['REST', 'STREAM'], ['SIZE', ''], ['SSCN', ''], ['TVFS', ''], ['UTF8', ''],
  ],
  'pure-ftpd': [
    ['UTF8', ''], ['EPRT', ''], ['IDLE', ''], ['MDTM', ''], ['SIZE', ''], ['MFMT', ''], ['REST', 'STREAM'],
    ['MLST', 'type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;'], ['MLSD', ''], ['PRET', ''],
    ['AUTH', 'TLS'], ['PBSZ', ''], ['PROT', ''], ['TVFS', ''], ['ESTA', ''], ['PASV', ''], ['EPSV', ''],
  ],
  pyftpdlib: [
    ['AUTH', 'SSL;TLS'], ['EPRT', ''], ['EPSV', ''], ['MDTM', ''], ['MFMT', ''],
    ['MLST', 'type*;perm*;size*;modify*;unique*;unix.mode;unix.uid;unix.gid;'], ['PBSZ', ''], ['PROT', ''],
    ['REST', 'STREAM'], ['SIZE', ''], ['TVFS', ''], ['UTF8', ''],
  ],
  'ftp-srv': [['AUTH', 'TLS'], ['MDTM', ''], ['PBSZ', ''], ['PROT', ''], ['SIZE', ''], ['TYPE', 'A,I,L'], ['UTF8', '']],
};

describe('parseFeatures (RFC 2389)', () => {
  test.each(Object.entries(golden))('%s: the FEAT reply as captured', (server, expected) => {
    const reply = parseOne(wireBytes(exchangeOf(server as Server, 'FEAT').lines));
    expect(reply.code).toBe(211);
    expect([...parseFeatures(reply)]).toEqual(expected);
  });

  test('no features: a single-line 211, or an empty list', () => {
    expect(featuresOf('211 No features\r\n')).toEqual([]);
    expect(featuresOf('211-Features:\r\n211 End\r\n')).toEqual([]);
    expect(featuresOf('211-Features:\r\n\r\n  \r\n211 End\r\n')).toEqual([]);
  });

  test('a server without FEAT answers 5xx, which means no features', () => {
    for (const wire of ['500 Unknown command.\r\n', '502 Command not implemented\r\n', '550 Denied\r\n']) {
      expect(featuresOf(wire)).toEqual([]);
    }
  });

  test('any other reply is not an answer to FEAT', () => {
    for (const wire of ['200 OK\r\n', '214 Help\r\n', '421 Closing\r\n', '331 Password\r\n', '150 x\r\n']) {
      expect(() => featuresOf(wire), wire).toThrow(RemoteProtocolError);
    }
  });

  test('tolerates missing leading spaces, tabs, trailing blanks, prefixed lines and lower case', () => {
    const wire = '211-Extensions supported:\r\nMDTM\r\n\tSIZE\t\r\n REST  STREAM   \r\n211-UTF8\r\n mlst type*;size*;\r\n LANG\tEN*;FR\r\n211 End\r\n';
    expect(featuresOf(wire)).toEqual([
      ['MDTM', ''], ['SIZE', ''], ['REST', 'STREAM'], ['UTF8', ''], ['MLST', 'type*;size*;'], ['LANG', 'EN*;FR'],
    ]);
  });

  test('a feature listed twice keeps each distinct parameter once', () => {
    const wire = '211-Features:\r\n AUTH SSL\r\n AUTH TLS\r\n AUTH TLS\r\n AUTH\r\n UTF8\r\n UTF8\r\n SIZE\r\n size x\r\n211 End\r\n';
    expect(featuresOf(wire)).toEqual([['AUTH', 'SSL;TLS'], ['UTF8', ''], ['SIZE', 'x']]);
  });

  test('the result is a frozen map', () => {
    const features = parseFeatures(createReply(211, ['Features:', ' UTF8', 'End']));
    expect(features.get('UTF8')).toBe('');
    expect(Object.isFrozen(features)).toBe(true);
  });

  test('any feature list written the usual ways reads back', () => {
    const name = fc.stringMatching(/^[A-Z][A-Z0-9]{1,7}$/);
    const params = fc.stringMatching(/^[!-~]([ -~]{0,18}[!-~])?$/);
    const entries = fc.uniqueArray(fc.tuple(name, fc.oneof(fc.constant(''), params)), { selector: ([n]) => n, maxLength: 12 });
    const layout = fc.record({ lead: fc.constantFrom(' ', '', '\t', '  '), trail: fc.constantFrom('', ' ', '\t '), lower: fc.boolean() });
    fc.assert(
      fc.property(entries, fc.array(layout, { minLength: 12, maxLength: 12 }), fc.constantFrom('always' as const, 'when-needed' as const), (list, layouts, innerPrefix) => {
        const lines = list.map(([n, p], i) => {
          const { lead, trail, lower } = layouts[i]!;
          return `${lead}${lower ? n.toLowerCase() : n}${p === '' ? '' : ` ${p}`}${trail}`;
        });
        const reply = parseOne(formatReply(createReply(211, ['Features:', ...lines, 'End']), { innerPrefix }));
        expect([...parseFeatures(reply)]).toEqual(list);
      }),
      { numRuns: 300 },
    );
  });

  test('any 211 or 5xx reply gives a map; other codes only RemoteProtocolError', () => {
    fc.assert(
      fc.property(arbReply(), (reply) => {
        try {
          const features = parseFeatures(reply);
          expect(reply.code === 211 || reply.kind === 'permanent').toBe(true);
          for (const [name] of features) expect(name).toBe(name.toUpperCase());
        } catch (err) {
          expect(err).toBeInstanceOf(RemoteProtocolError);
          expect(reply.code === 211 || reply.kind === 'permanent').toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseMlstFeature (RFC 3659 §7.8)', () => {
  test('proftpd and pyftpdlib as captured', () => {
    const proftpd = parseFeatures(parseOne(wireBytes(exchangeOf('proftpd', 'FEAT').lines))).get('MLST')!;
    expect(parseMlstFeature(proftpd)).toEqual({
      facts: ['modify', 'perm', 'size', 'type', 'unique', 'unix.group', 'unix.groupname', 'unix.mode', 'unix.owner', 'unix.ownername'],
      enabled: ['modify', 'perm', 'size', 'type', 'unique', 'unix.group', 'unix.groupname', 'unix.mode', 'unix.owner', 'unix.ownername'],
    });
    const pyftpdlib = parseFeatures(parseOne(wireBytes(exchangeOf('pyftpdlib', 'FEAT').lines))).get('MLST')!;
    expect(parseMlstFeature(pyftpdlib)).toEqual({
      facts: ['type', 'perm', 'size', 'modify', 'unique', 'unix.mode', 'unix.uid', 'unix.gid'],
      enabled: ['type', 'perm', 'size', 'modify', 'unique'],
    });
  });

  test('case, blanks, a missing final semicolon, duplicates and empty entries', () => {
    expect(parseMlstFeature('Type*;Size*; Modify ;Perm;;size;')).toEqual({ facts: ['type', 'size', 'modify', 'perm'], enabled: ['type', 'size'] });
    expect(parseMlstFeature('type*;size')).toEqual({ facts: ['type', 'size'], enabled: ['type'] });
    expect(parseMlstFeature('')).toEqual({ facts: [], enabled: [] });
    expect(parseMlstFeature(';*;')).toEqual({ facts: [], enabled: [] });
    const parsed = parseMlstFeature('type*;');
    expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.facts) && Object.isFrozen(parsed.enabled)).toBe(true);
  });

  test('reads back any fact list with any marks', () => {
    const fact = fc.stringMatching(/^[a-z][a-z0-9.]{0,9}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fact, fc.boolean()), { selector: ([f]) => f, maxLength: 10 }), (list) => {
        const params = list.map(([f, on]) => `${f}${on ? '*' : ''};`).join('');
        expect(parseMlstFeature(params)).toEqual({ facts: list.map(([f]) => f), enabled: list.filter(([, on]) => on).map(([f]) => f) });
      }),
    );
  });
});

describe('formatOptsMlst (RFC 3659 §7.9)', () => {
  test('writes the OPTS MLST argument', () => {
    expect(formatOptsMlst(['type', 'size', 'modify'])).toBe('MLST type;size;modify;');
    expect(formatOptsMlst(['UNIX.mode'])).toBe('MLST UNIX.mode;');
    expect(formatOptsMlst([])).toBe('MLST');
    expect(new TextDecoder().decode(encodeCommand(commands.opts(formatOptsMlst(['type', 'size']))))).toBe('OPTS MLST type;size;\r\n');
  });

  test('refuses names a fact cannot have', () => {
    for (const bad of ['', 'a;b', 'a b', 'size*', 'a=b', 'a\r\nDELE x', 'a\0', 'tÿpe']) {
      expect(() => formatOptsMlst(['type', bad]), JSON.stringify(bad)).toThrow(LocalProtocolError);
    }
  });

  test('what it writes reads back as the same facts, none enabled', () => {
    const fact = fc.stringMatching(/^[A-Za-z][A-Za-z0-9.]{0,9}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fact, { selector: (f) => f.toLowerCase(), maxLength: 10 }), (facts) => {
        const arg = formatOptsMlst(facts);
        expect(parseMlstFeature(arg.slice('MLST'.length))).toEqual({ facts: facts.map((f) => f.toLowerCase()), enabled: [] });
      }),
    );
  });
});
