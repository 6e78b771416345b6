import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { LocalProtocolError, RemoteProtocolError } from '../src/errors.js';
import { formatEprt, formatPort, ipFamily, parseEprtArgument, parseEpsv, parsePasv, parsePortArgument } from '../src/pasv.js';
import { createReply } from '../src/reply.js';
import { ReplyParser } from '../src/reply-parser.js';
import { formatReply } from '../src/testing/replies.js';
import { fastestWithin } from './support/timing.js';

const pasv = (text: string) => parsePasv(createReply(227, [text]));
const epsv = (text: string) => parseEpsv(createReply(229, [text]));

const arbPort = fc.integer({ min: 1, max: 65535 });
const arbIpv4 = fc.ipV4();
/** Text around an address that has no digits, so it cannot be mistaken for one. */
const arbWords = fc.string({ unit: fc.constantFrom(...'Entering Passive Mode.=:;()|!?- \t'), maxLength: 30 });

/** Only `RemoteProtocolError` may escape; anything else fails the property. */
function resultOrRemote<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (err) {
    expect(err).toBeInstanceOf(RemoteProtocolError);
    return undefined;
  }
}

function resultOrLocal<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (err) {
    expect(err).toBeInstanceOf(LocalProtocolError);
    return undefined;
  }
}

describe('parsePasv (RFC 959 §4.1.2, RFC 1123 §4.1.2.6)', () => {
  test('the forms servers send', () => {
    expect(pasv('Entering Passive Mode (127,0,0,1,126,12).')).toEqual({ host: '127.0.0.1', port: 32268 });
    expect(pasv('=127,0,0,1,126,12')).toEqual({ host: '127.0.0.1', port: 32268 });
    expect(pasv('Entering Passive Mode 10,1,2,3,0,21')).toEqual({ host: '10.1.2.3', port: 21 });
    expect(pasv('127,0,0,1,255,255')).toEqual({ host: '127.0.0.1', port: 65535 });
    expect(pasv('Entering Passive Mode (010,000,000,001,004,001)')).toEqual({ host: '10.0.0.1', port: 1025 });
    // Digits that are not part of a six-number run are skipped.
    expect(pasv('Passive Mode v2, 3 tries (192,168,0,1,4,0) 1,000 ok')).toEqual({ host: '192.168.0.1', port: 1024 });
    expect(parsePasv(createReply(227, ['Entering Passive Mode', '(1,2,3,4,5,6)']))).toEqual({ host: '1.2.3.4', port: 1286 });
    expect(Object.isFrozen(pasv('=1,2,3,4,5,6'))).toBe(true);
  });

  test('never guesses: anything doubtful is a RemoteProtocolError', () => {
    for (const text of [
      'Entering Passive Mode',
      '(127,0,0,1,126)',
      '(127,0,0,1,126,12,7)', // seven numbers: which six?
      '(127,0,0,1,0,0)', // port 0
      '(256,0,0,1,1,1)',
      '(127,0,0,1,256,1)',
      '(127,0,0,1,1,1000)',
      '(127,0,0,1,1,0012)',
      '(127,0,0,-1,1,1)',
      '(127, 0, 0, 1, 126, 12)',
      '(127,0,0,1,126,,12)',
      '(\u0661\u0662\u0667,0,0,1,1,1)',
    ]) {
      expect(() => pasv(text), text).toThrow(RemoteProtocolError);
    }
    expect(() => parsePasv(createReply(200, ['(127,0,0,1,126,12)']))).toThrow(/Expected a 227/);
    expect(() => parsePasv(createReply(500, ['(127,0,0,1,126,12)']))).toThrow(RemoteProtocolError);
  });

  test('reads back any address and port, whatever the words around it', () => {
    fc.assert(
      fc.property(arbIpv4, arbPort, arbWords, arbWords, fc.boolean(), (host, port, before, after, parens) => {
        const numbers = formatPort({ host, port });
        const text = `${before}${parens ? `(${numbers})` : numbers}${after}`;
        expect(pasv(text)).toEqual({ host, port });
      }),
      { numRuns: 300 },
    );
  });

  test('reads back through the reply parser', () => {
    fc.assert(
      fc.property(arbIpv4, arbPort, (host, port) => {
        const bytes = formatReply(createReply(227, [`Entering Passive Mode (${formatPort({ host, port })}).`]));
        const [reply] = new ReplyParser().push(bytes);
        expect(parsePasv(reply!)).toEqual({ host, port });
      }),
    );
  });

  test('arbitrary text gives an address or a RemoteProtocolError, and never port 0', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: fc.constantFrom(...'0123456789,,,() '), maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        const result = resultOrRemote(() => pasv(t));
        if (result !== undefined) {
          expect(result.port).toBeGreaterThanOrEqual(1);
          expect(result.port).toBeLessThanOrEqual(65535);
          expect(ipFamily(result.host)).toBe(4);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('a long run of digits is rejected in linear time', async () => {
    const hostile = '1'.repeat(200_000) + ',' + '2,'.repeat(100_000);
    expect(() => pasv(hostile)).toThrow(RemoteProtocolError);
    const refuse = () => {
      try {
        pasv(hostile);
      } catch {
        // Refused, as checked above; only the time counts here.
      }
    };
    expect(await fastestWithin(refuse, 1000)).toBeLessThan(1000);
  });
});

describe('parseEpsv (RFC 2428 §3)', () => {
  test('the forms servers send', () => {
    expect(epsv('Entering Extended Passive Mode (|||6446|)')).toEqual({ port: 6446 });
    expect(epsv('Entering Extended Passive Mode (!!!6446!)')).toEqual({ port: 6446 });
    expect(epsv('(|||1|)')).toEqual({ port: 1 });
    expect(epsv('(|||65535|).')).toEqual({ port: 65535 });
    expect(epsv('Entering (see RFC 2428) mode (|||6446|)')).toEqual({ port: 6446 });
    expect(epsv('(###00021#)')).toEqual({ port: 21 });
    expect(epsv('((((21()')).toEqual({ port: 21 });
    expect(epsv('()))21))')).toEqual({ port: 21 });
    expect(epsv('(555215)')).toEqual({ port: 21 }); // a digit as delimiter: the last digit before ')' closes
    expect(Object.isFrozen(epsv('(|||6446|)'))).toBe(true);
  });

  test('every delimiter from 33 to 126 works', () => {
    fc.assert(
      fc.property(fc.integer({ min: 33, max: 126 }), arbPort, arbWords, (code, port, words) => {
        const d = String.fromCharCode(code);
        expect(epsv(`${words}(${d}${d}${d}${port}${d})${words}`)).toEqual({ port });
      }),
      { numRuns: 500 },
    );
  });

  test('refuses what is not (<d><d><d>port<d>)', () => {
    for (const text of [
      'Entering Extended Passive Mode |||6446|',
      '(||6446|)',
      '(|||6446)',
      '(|||6446||)',
      '(|!|6446|)',
      '(|||6446!)',
      '(|||abc|)',
      '(|||-1|)',
      '(|||0|)',
      '(|||65536|)',
      '(|||99999999999999999999|)',
      '(|1|::1|6446|)',
      '(   6446 )',
      '(\t\t\t6446\t)',
      '(\u00a7\u00a7\u00a76446\u00a7)',
      '(|||\u0666\u0664|)',
    ]) {
      expect(() => epsv(text), text).toThrow(RemoteProtocolError);
    }
    expect(() => parseEpsv(createReply(227, ['(|||6446|)']))).toThrow(/Expected a 229/);
  });

  test('arbitrary text gives a port or a RemoteProtocolError', () => {
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: fc.constantFrom(...'(|!)0123456789 '), maxLength: 30 }));
    fc.assert(
      fc.property(text, (t) => {
        const result = resultOrRemote(() => epsv(t));
        if (result !== undefined) expect(result.port >= 1 && result.port <= 65535).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('PORT', () => {
  test('formatPort writes h1,h2,h3,h4,p1,p2', () => {
    expect(formatPort({ host: '127.0.0.1', port: 32268 })).toBe('127,0,0,1,126,12');
    expect(formatPort({ host: '192.168.1.2', port: 6275 })).toBe('192,168,1,2,24,131');
    expect(formatPort({ host: '0.0.0.0', port: 1 })).toBe('0,0,0,0,0,1');
  });

  test('formatPort refuses IPv6, non-canonical hosts and bad ports', () => {
    expect(() => formatPort({ host: '::1', port: 21 })).toThrow(/use EPRT/);
    for (const host of ['1.2.3', '256.0.0.1', '01.2.3.4', ' 1.2.3.4', '1.2.3.4 ', 'localhost', '', '1.2.3.4.5', '1,2,3,4']) {
      expect(() => formatPort({ host, port: 21 }), host).toThrow(LocalProtocolError);
    }
    for (const port of [0, -1, 65536, 1.5, Number.NaN]) {
      expect(() => formatPort({ host: '1.2.3.4', port }), String(port)).toThrow(LocalProtocolError);
    }
  });

  test('parsePortArgument reads back what formatPort writes', () => {
    fc.assert(
      fc.property(arbIpv4, arbPort, (host, port) => {
        expect(parsePortArgument(formatPort({ host, port }))).toEqual({ host, port });
      }),
    );
  });

  test('parsePortArgument refuses malformed arguments with LocalProtocolError', () => {
    for (const arg of ['', '1,2,3,4,5', '1,2,3,4,5,6,7', '1,2,3,4,0,0', '1,2,3,256,1,1', '1,2,3,4,5,6 ', ' 1,2,3,4,5,6', '1,2,3,4,5,+6', '1,2,3,4,5,0x6']) {
      expect(() => parsePortArgument(arg), arg).toThrow(LocalProtocolError);
    }
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789,') })), (arg) => {
        resultOrLocal(() => parsePortArgument(arg));
      }),
      { numRuns: 500 },
    );
  });
});

describe('EPRT (RFC 2428 §2)', () => {
  test('formatEprt takes the protocol number from the address', () => {
    expect(formatEprt({ host: '127.0.0.1', port: 6275 })).toBe('|1|127.0.0.1|6275|');
    expect(formatEprt({ host: '::1', port: 6275 })).toBe('|2|::1|6275|');
    expect(formatEprt({ host: '::ffff:127.0.0.1', port: 21 })).toBe('|2|::ffff:127.0.0.1|21|');
  });

  test('formatEprt refuses what is not a plain address, and bad ports', () => {
    for (const host of ['[::1]', 'fe80::1%eth0', 'localhost', '', '1.2.3', '::1::', '1:2:3:4:5:6:7:8:9', '010.0.0.1']) {
      expect(() => formatEprt({ host, port: 21 }), host).toThrow(LocalProtocolError);
    }
    expect(() => formatEprt({ host: '::1', port: 0 })).toThrow(LocalProtocolError);
    expect(() => formatEprt({ host: '::1', port: 65536 })).toThrow(LocalProtocolError);
  });

  test('parseEprtArgument reads back what formatEprt writes, IPv4 and IPv6', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), arbPort, (host, port) => {
        expect(parseEprtArgument(formatEprt({ host, port }))).toEqual({ host, port });
      }),
      { numRuns: 300 },
    );
  });

  test('parseEprtArgument accepts any delimiter that does not collide with the address', () => {
    expect(parseEprtArgument('!1!10.0.0.1!21!')).toEqual({ host: '10.0.0.1', port: 21 });
    expect(parseEprtArgument('#2#fe80::1#21#')).toEqual({ host: 'fe80::1', port: 21 });
    for (const arg of [
      '',
      '|1|10.0.0.1|21',
      '|1|10.0.0.1|21||',
      '|3|10.0.0.1|21|',
      '|1|::1|21|',
      '|2|10.0.0.1|21|',
      '|1|10.0.0.1|0|',
      '|1|10.0.0.1|65536|',
      '|1|10.0.0.1|+21|',
      ':2:::1:21:',
      ' 1 10.0.0.1 21 ',
      '|1|10.0.0.1|021021|',
    ]) {
      expect(() => parseEprtArgument(arg), arg).toThrow(LocalProtocolError);
    }
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'|12:.0af') })), (arg) => {
        resultOrLocal(() => parseEprtArgument(arg));
      }),
      { numRuns: 500 },
    );
  });
});

describe('ipFamily', () => {
  test('IPv4 and IPv6 addresses from fast-check', () => {
    fc.assert(
      fc.property(fc.ipV4(), (host) => {
        expect(ipFamily(host)).toBe(4);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (host) => {
        expect(ipFamily(host)).toBe(6);
      }),
    );
  });

  test('agrees with node:net on arbitrary text (zone identifiers aside)', () => {
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFg:.%'), maxLength: 46 }),
      fc.ipV4Extended(),
      fc.ipV6().chain((ip) => fc.integer({ min: 0, max: ip.length }).map((at) => ip.slice(0, at) + ':' + ip.slice(at))),
      fc.ipV6().chain((ip) => fc.integer({ min: 0, max: ip.length - 1 }).map((at) => ip.slice(0, at) + ip.slice(at + 1))),
    );
    fc.assert(
      fc.property(text, (t) => {
        const expected = isIPv4(t) ? 4 : isIPv6(t) && !t.includes('%') ? 6 : undefined;
        expect(ipFamily(t)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  test('edge cases of RFC 4291 §2.2', () => {
    for (const v6 of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', '::1.2.3.4', '1::1.2.3.4', 'FFFF::ffff', '1:2:3:4:5:6:7::']) {
      expect(ipFamily(v6), v6).toBe(6);
    }
    for (const bad of [':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1::2:', '12345::', '1.2.3.4::', '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3', 'g::', '::01.2.3.4']) {
      expect(ipFamily(bad), bad).toBeUndefined();
    }
  });
});
