// The proxy handshakes are sans-IO: these tests feed them bytes and read the steps. Chunking
// invariance first (any split of the proxy's replies gives the same requests and the same outcome),
// then exact bytes against the RFCs, every reply code, bounds on hostile replies, garbage, and URLs.
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { ipv4Bytes, ipv6Bytes } from '../src/proxy/address.js';
import { END, type Handshake, type HandshakeStep } from '../src/proxy/handshake.js';
import { HTTP_MAX_HEAD, base64, httpConnectHandshake } from '../src/proxy/http-connect.js';
import { socks4Handshake } from '../src/proxy/socks4.js';
import { SOCKS5_MAX_REPLY, socks5Handshake } from '../src/proxy/socks5.js';
import { parseProxyUrl, resolveProxy } from '../src/proxy/url.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Outcome {
  sent: string[];
  state: 'more' | 'open' | 'failed';
  leftover?: string;
  reason?: string;
}

/**
 * Play a proxy: `replies[i]` answers the i-th request the client sent, in the given chunks. Stops
 * at the first step that is not `more`, or when the replies run out.
 */
function play(hs: Handshake, replies: readonly (readonly Uint8Array[])[], close = false): Outcome {
  const sent = [hex(hs.request)];
  let step: HandshakeStep = { send: [], state: 'more' };
  let turn = 0;
  while (turn < replies.length) {
    const chunks = replies[turn]!;
    let before = sent.length;
    for (let i = 0; i < chunks.length; i++) {
      step = hs.receive(chunks[i]!);
      for (const b of step.send) sent.push(hex(b));
      // After the tunnel opens, later chunks are the target's: what the caller reads is the leftover, then them.
      if (step.state !== 'more') return outcome(sent, step, chunks.slice(i + 1));
    }
    if (sent.length === before) break; // the proxy's reply was consumed without a new request: stuck
    before = sent.length;
    turn++;
  }
  if (close && step.state === 'more') {
    step = hs.receive(END);
    for (const b of step.send) sent.push(hex(b));
  }
  return outcome(sent, step);
}

function outcome(sent: string[], step: HandshakeStep, after: readonly Uint8Array[] = []): Outcome {
  if (step.state === 'open') return { sent, state: 'open', leftover: [step.leftover, ...after].map(hex).join('') };
  if (step.state === 'failed') return { sent, state: 'failed', reason: step.failure.reason };
  return { sent, state: 'more' };
}

/** Split `b` at the given fractions into chunks (some empty-free, never losing a byte). */
function split(b: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * b.byteLength)))].filter((p) => p > 0 && p < b.byteLength).sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(b.subarray(at, p));
    at = p;
  }
  out.push(b.subarray(at));
  return out;
}

const hostArb = fc.oneof(
  fc.constantFrom('127.0.0.1', '::1', 'localhost', 'ftp.example.com', '10.1.2.3', 'fe80::1:2', '::ffff:127.0.0.1'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){0,2}$/),
);
const portArb = fc.integer({ min: 1, max: 65535 });
const credArb = fc.option(fc.record({ username: fc.stringMatching(/^[a-zA-Z0-9._-]{1,20}$/), password: fc.string({ maxLength: 40 }) }), { nil: undefined });
const leftoverArb = fc.uint8Array({ maxLength: 64 });
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

function socks5Replies(auth: boolean, leftover: Uint8Array, bound = bytes(1, 127, 0, 0, 1, 0x04, 0x38)): Uint8Array[] {
  return [bytes(5, auth ? 2 : 0), ...(auth ? [bytes(1, 0)] : []), Uint8Array.from([5, 0, 0, ...bound, ...leftover])];
}

describe('SOCKS5 (RFC 1928, RFC 1929)', () => {
  test('chunking invariance: any split of the replies gives the same requests, leftover and outcome', () => {
    fc.assert(
      fc.property(hostArb, portArb, credArb, leftoverArb, fc.boolean(), fc.array(cutsArb, { minLength: 3, maxLength: 3 }), (host, port, creds, leftover, pickAuth, cuts) => {
        const auth = creds !== undefined && pickAuth;
        const replies = socks5Replies(auth, leftover);
        const whole = play(socks5Handshake({ host, port }, creds), replies.map((r) => [r]));
        const chunked = play(socks5Handshake({ host, port }, creds), replies.map((r, i) => split(r, cuts[i]!)));
        expect(chunked).toEqual(whole);
        expect(whole.state).toBe('open');
        expect(whole.leftover).toBe(hex(leftover));
      }),
    );
  });

  test('exact bytes: greeting, credentials, CONNECT by name, and the reply with a domain address', () => {
    const hs = socks5Handshake({ host: 'ftp.example.com', port: 21 }, { username: 'al', password: 'pw' });
    expect(hex(hs.request)).toBe('05020002'); // VER 5, 2 methods: none, username/password
    let step = hs.receive(bytes(5, 2));
    expect(step.send.map(hex)).toEqual(['01' + '02' + hex(text('al')) + '02' + hex(text('pw'))]);
    step = hs.receive(bytes(1, 0));
    expect(step.send.map(hex)).toEqual(['05010003' + '0f' + hex(text('ftp.example.com')) + '0015']);
    const reply = Uint8Array.from([5, 0, 0, 3, 4, ...text('host'), 0, 80]);
    step = hs.receive(reply.subarray(0, 8));
    expect(step.state).toBe('more');
    step = hs.receive(Uint8Array.from([...reply.subarray(8), ...text('220 ')]));
    expect(step.state).toBe('open');
    expect(step.state === 'open' && new TextDecoder().decode(step.leftover)).toBe('220 ');
  });

  test('IPv4 and IPv6 targets go out as literals (ATYP 1 and 4)', () => {
    const v4 = socks5Handshake({ host: '127.0.0.1', port: 2121 });
    expect(v4.receive(bytes(5, 0)).send.map(hex)).toEqual(['050100017f000001' + '0849']);
    const v6 = socks5Handshake({ host: '::1', port: 21 });
    expect(v6.receive(bytes(5, 0)).send.map(hex)).toEqual(['05010004' + '0'.repeat(30) + '01' + '0015']);
  });

  test.each([
    [1, 'unreachable'],
    [2, 'refused'],
    [3, 'unreachable'],
    [4, 'unreachable'],
    [5, 'unreachable'],
    [6, 'unreachable'],
    [7, 'refused'],
    [8, 'refused'],
    [9, 'refused'],
    [255, 'refused'],
  ])('reply %i is a %s failure', (code, reason) => {
    const out = play(socks5Handshake({ host: 'h', port: 1 }), [[bytes(5, 0)], [bytes(5, code, 0, 1, 0, 0, 0, 0, 0, 0)]]);
    expect(out).toMatchObject({ state: 'failed', reason });
  });

  test('authentication: no acceptable method, with and without credentials, and a refused password', () => {
    expect(play(socks5Handshake({ host: 'h', port: 1 }), [[bytes(5, 0xff)]])).toMatchObject({ state: 'failed', reason: 'auth' });
    expect(play(socks5Handshake({ host: 'h', port: 1 }, { username: 'u', password: 'p' }), [[bytes(5, 0xff)]])).toMatchObject({ state: 'failed', reason: 'auth' });
    expect(play(socks5Handshake({ host: 'h', port: 1 }, { username: 'u', password: 'p' }), [[bytes(5, 2)], [bytes(1, 1)]])).toMatchObject({ state: 'failed', reason: 'auth' });
  });

  test('protocol failures: a method not offered, a wrong version, an early byte, a close', () => {
    const hs = () => socks5Handshake({ host: 'h', port: 1 });
    expect(play(hs(), [[bytes(5, 2)]])).toMatchObject({ state: 'failed', reason: 'protocol' }); // username/password not offered
    expect(play(hs(), [[bytes(4, 0)]])).toMatchObject({ state: 'failed', reason: 'protocol' });
    expect(play(hs(), [[bytes(5, 0, 5)]])).toMatchObject({ state: 'failed', reason: 'protocol' }); // more than the reply before CONNECT
    expect(play(hs(), [[bytes(5)]], true)).toMatchObject({ state: 'failed', reason: 'protocol' });
    expect(play(hs(), [[bytes(5, 0)], [bytes(5, 0, 0, 7, 0)]])).toMatchObject({ state: 'failed', reason: 'protocol' }); // unknown ATYP
  });

  test('garbage never throws, and a reply is never buffered past its bound', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 80 }), { maxLength: 12 }), (chunks) => {
        const hs = socks5Handshake({ host: 'h', port: 1 });
        let fed = 0;
        for (const chunk of chunks) {
          const step = hs.receive(chunk);
          fed += chunk.byteLength;
          if (step.state !== 'more') return;
          if (step.send.length > 0) fed = 0; // a new reply starts
          expect(fed).toBeLessThan(SOCKS5_MAX_REPLY);
        }
      }),
    );
  });

  test('names and credentials RFC 1928/1929 cannot carry are refused before anything is sent', () => {
    expect(() => socks5Handshake({ host: 'a'.repeat(256), port: 1 })).toThrow(InvalidArgumentError);
    expect(() => socks5Handshake({ host: 'h', port: 1 }, { username: 'u'.repeat(256), password: '' })).toThrow(InvalidArgumentError);
    expect(() => socks5Handshake({ host: 'h', port: 1 }, { username: 'u', password: 'p'.repeat(256) })).toThrow(InvalidArgumentError);
  });
});

describe('SOCKS4 and SOCKS4a', () => {
  test('an IPv4 target is SOCKS4, a name SOCKS4a (DSTIP 0.0.0.1, the name after the user id)', () => {
    expect(hex(socks4Handshake({ host: '127.0.0.1', port: 21 }, 'al').request)).toBe('04010015' + '7f000001' + hex(text('al')) + '00');
    expect(hex(socks4Handshake({ host: 'localhost', port: 21 }).request)).toBe('04010015' + '00000001' + '00' + hex(text('localhost')) + '00');
    expect(() => socks4Handshake({ host: '::1', port: 21 })).toThrow(InvalidArgumentError);
  });

  test.each([
    [90, 'open'],
    [91, 'refused'],
    [92, 'auth'],
    [93, 'auth'],
    [94, 'protocol'],
  ])('reply %i: %s, whatever the split', (code, expected) => {
    fc.assert(
      fc.property(cutsArb, leftoverArb, (cuts, leftover) => {
        const reply = Uint8Array.from([0, code, 0, 21, 127, 0, 0, 1, ...leftover]);
        const out = play(socks4Handshake({ host: '127.0.0.1', port: 21 }), [split(reply, cuts)]);
        if (expected === 'open') expect(out).toEqual({ sent: [expect.any(String)], state: 'open', leftover: hex(leftover) });
        else expect(out).toMatchObject({ state: 'failed', reason: expected });
      }),
    );
  });
});

describe('HTTP CONNECT (RFC 9110 §9.3.6)', () => {
  test('the request, with Basic credentials (RFC 7617) and an IPv6 authority in brackets', () => {
    const hs = httpConnectHandshake({ host: '::1', port: 21 }, { username: 'alice', password: 'pa:ss' });
    expect(new TextDecoder().decode(hs.request)).toBe(
      `CONNECT [::1]:21 HTTP/1.1\r\nHost: [::1]:21\r\nProxy-Authorization: Basic ${Buffer.from('alice:pa:ss').toString('base64')}\r\n\r\n`,
    );
    expect(new TextDecoder().decode(httpConnectHandshake({ host: 'ftp.example.com', port: 990 }).request)).toBe(
      'CONNECT ftp.example.com:990 HTTP/1.1\r\nHost: ftp.example.com:990\r\n\r\n',
    );
  });

  test('base64 is RFC 4648 base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(base64(b)).toBe(Buffer.from(b).toString('base64'));
      }),
    );
  });

  test('chunking invariance: a 2xx head (CRLF or bare LF, after interim 1xx heads) opens, with the bytes behind it', () => {
    const headArb = fc.record({
      interim: fc.boolean(),
      lf: fc.boolean(),
      status: fc.integer({ min: 200, max: 299 }),
      headers: fc.array(fc.stringMatching(/^[A-Za-z-]{1,12}: [ -~]{0,30}$/), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(headArb, leftoverArb, cutsArb, ({ interim, lf, status, headers }, leftover, cuts) => {
        const eol = lf ? '\n' : '\r\n';
        const head = [...(interim ? [`HTTP/1.1 100 Continue${eol}${eol}`] : []), `HTTP/1.1 ${status} Connection established${eol}`, ...headers.map((h) => h + eol), eol].join('');
        const reply = Uint8Array.from([...text(head), ...leftover]);
        const whole = play(httpConnectHandshake({ host: 'h', port: 21 }), [[reply]]);
        const chunked = play(httpConnectHandshake({ host: 'h', port: 21 }), [split(reply, cuts)]);
        expect(chunked).toEqual(whole);
        expect(whole).toMatchObject({ state: 'open', leftover: hex(leftover) });
      }),
    );
  });

  test.each([
    ['HTTP/1.1 407 Proxy Authentication Required', 'auth'],
    ['HTTP/1.0 401 Unauthorized', 'auth'],
    ['HTTP/1.1 403 Filtered', 'refused'],
    ['HTTP/1.0 405 Method Not Allowed', 'refused'],
    ['HTTP/1.1 301 Moved', 'refused'],
    ['HTTP/1.1 500 Unable to connect', 'unreachable'],
    ['HTTP/1.1 502 Bad Gateway', 'unreachable'],
    ['HTTP/1.1 503 Service Unavailable', 'unreachable'],
    ['HTTP/1.1 504 Gateway Timeout', 'unreachable'],
    ['SSH-2.0-OpenSSH_9.2', 'protocol'],
    ['HTTP/2 200', 'protocol'],
  ])('%s is a %s failure', (line, reason) => {
    const out = play(httpConnectHandshake({ host: 'h', port: 21 }), [[text(`${line}\r\nContent-Length: 0\r\n\r\n`)]]);
    expect(out).toMatchObject({ state: 'failed', reason });
  });

  test('endless headers fail at the 16 KiB bound, never buffering more', () => {
    const hs = httpConnectHandshake({ host: 'h', port: 21 });
    const line = text(`X-Padding: ${'a'.repeat(60)}\r\n`);
    let step = hs.receive(text('HTTP/1.1 200 OK\r\n'));
    let fed = 17;
    while (step.state === 'more') {
      step = hs.receive(line);
      fed += line.byteLength;
      expect(fed).toBeLessThan(HTTP_MAX_HEAD + 100);
    }
    expect(step).toMatchObject({ state: 'failed', failure: { reason: 'protocol' } });
  });

  test('a close before the head ends is a protocol failure', () => {
    expect(play(httpConnectHandshake({ host: 'h', port: 21 }), [[text('HTTP/1.1 200 OK\r\n')]], true)).toMatchObject({ state: 'failed', reason: 'protocol' });
    expect(play(httpConnectHandshake({ host: 'h', port: 21 }), [], true)).toMatchObject({ state: 'failed', reason: 'protocol' });
  });

  test('targets and credentials the request cannot carry are refused', () => {
    expect(() => httpConnectHandshake({ host: 'a b', port: 1 })).toThrow(InvalidArgumentError);
    expect(() => httpConnectHandshake({ host: 'h\r\nX: y', port: 1 })).toThrow(InvalidArgumentError);
    expect(() => httpConnectHandshake({ host: 'h', port: 1 }, { username: 'a:b', password: '' })).toThrow(InvalidArgumentError);
  });
});

describe('IP literals', () => {
  test('IPv4: dotted quads only', () => {
    expect(ipv4Bytes('127.0.0.1')).toEqual(bytes(127, 0, 0, 1));
    for (const bad of ['127.1', '256.0.0.1', '01.2.3.4', '1.2.3.4.5', 'a.b.c.d', '']) expect(ipv4Bytes(bad)).toBeUndefined();
  });

  test('IPv6: every compressed and uncompressed form of 16 bytes parses back to them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.nat(8), fc.nat(8), (groups, a, b) => {
        const expected = Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
        expect(ipv6Bytes(groups.map((g) => g.toString(16)).join(':'))).toEqual(expected);
        // Compress the run [from, to) when it is all zeros.
        const [from, to] = [Math.min(a, b), Math.max(a, b)];
        if (to > from && groups.slice(from, to).every((g) => g === 0)) {
          const form = `${groups.slice(0, from).map((g) => g.toString(16)).join(':')}::${groups.slice(to).map((g) => g.toString(16)).join(':')}`;
          expect(ipv6Bytes(form)).toEqual(expected);
        }
      }),
    );
    expect(ipv6Bytes('::ffff:127.0.0.1')).toEqual(Uint8Array.from([...new Array(10).fill(0), 255, 255, 127, 0, 0, 1]));
    expect(ipv6Bytes('[::1]')).toEqual(Uint8Array.from([...new Array(15).fill(0), 1]));
    for (const bad of ['1::2::3', ':::', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', '1.2.3.4::', 'localhost']) expect(ipv6Bytes(bad)).toBeUndefined();
  });
});

describe('proxy URLs', () => {
  test.each([
    ['socks5://127.0.0.1', { protocol: 'socks5', host: '127.0.0.1', port: 1080, username: undefined, password: undefined, label: 'socks5://127.0.0.1:1080' }],
    ['socks5h://al%40x:p%3Aw@proxy.example:9050/', { protocol: 'socks5', host: 'proxy.example', port: 9050, username: 'al@x', password: 'p:w', label: 'socks5://proxy.example:9050' }],
    ['SOCKS4A://u@[::1]:1081', { protocol: 'socks4', host: '::1', port: 1081, username: 'u', password: undefined, label: 'socks4://[::1]:1081' }],
    ['http://user:pass@127.0.0.1:3128', { protocol: 'http', host: '127.0.0.1', port: 3128, username: 'user', password: 'pass', label: 'http://127.0.0.1:3128' }],
  ])('%s', (url, expected) => {
    expect({ ...parseProxyUrl(url) }).toEqual(expected);
  });

  test.each([
    ['https://127.0.0.1:3128', /https:\/\/ proxies/],
    ['ftp://127.0.0.1', /unsupported proxy scheme/],
    ['socks5://127.0.0.1:99999', /port/],
    ['socks5://127.0.0.1:abc', /host name or IP address/],
    ['socks4://u:secret@127.0.0.1', /SOCKS4 has no password/],
    ['127.0.0.1:1080', /not a URL/],
    ['socks5://u:s%ZZecret@127.0.0.1', /percent-encoding/],
    ['socks5://u:secret@', /host/],
  ])('%s is refused without repeating the URL', (url, message) => {
    let error: unknown;
    try {
      parseProxyUrl(url);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('secret');
  });

  test('options are checked like URLs', () => {
    expect(resolveProxy({ protocol: 'http', host: '[::1]', port: 8080 }).label).toBe('http://[::1]:8080');
    expect(() => resolveProxy({ protocol: 'socks5', host: '127.0.0.1', password: 'x' })).toThrow(/needs a username/);
    expect(() => resolveProxy({ protocol: 'ftp' as 'http', host: '127.0.0.1' })).toThrow(InvalidArgumentError);
  });
});
