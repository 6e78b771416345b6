// `instanceof` on the transport's errors: by brand, exact per class, across two copies of the
// module, and against the codec's classes, which this package cannot import: an object carrying
// only the codec's brands stands in for a codec error.
import { describe, expect, test } from 'vitest';
import {
  ConnectionError,
  InvalidArgumentError,
  ProxyAuthError,
  ProxyError,
  ProxyRefusedError,
  ProxyTargetError,
  TimeoutError,
  TlsError,
  TransportError,
} from '../src/errors.js';

type Module = typeof import('../src/errors.js');

// A second evaluation of the same source: what two installed copies of @ftpkit/transport amount to.
const secondCopy = '../src/errors.js?second-copy';
const copy = (await import(/* @vite-ignore */ secondCopy)) as Module;
const own = { ConnectionError, InvalidArgumentError, ProxyAuthError, ProxyError, ProxyRefusedError, ProxyTargetError, TimeoutError, TlsError, TransportError } as Module;

const ROOT = Symbol.for('ftpkit.error');

function instances(m: Module): Record<string, Error> {
  return {
    TransportError: new m.TransportError('ERR_FTP_CONNECTION', 'base'),
    ConnectionError: new m.ConnectionError('refused', { osCode: 'ECONNREFUSED' }),
    TlsError: new m.TlsError('handshake'),
    TimeoutError: new m.TimeoutError('slow'),
    InvalidArgumentError: new m.InvalidArgumentError('bad port'),
    ProxyError: new m.ProxyError('broke', { proxy: 'socks5://127.0.0.1:1080' }),
    ProxyRefusedError: new m.ProxyRefusedError('refused', { proxy: 'socks5://127.0.0.1:1080' }),
    ProxyAuthError: new m.ProxyAuthError('auth', { proxy: 'socks5://127.0.0.1:1080' }),
    ProxyTargetError: new m.ProxyTargetError('target', { proxy: 'socks5://127.0.0.1:1080' }),
  };
}

function classes(m: Module): Record<string, abstract new (...args: never[]) => Error> {
  return {
    TransportError: m.TransportError,
    ConnectionError: m.ConnectionError,
    TlsError: m.TlsError,
    TimeoutError: m.TimeoutError,
    InvalidArgumentError: m.InvalidArgumentError,
    ProxyError: m.ProxyError,
    ProxyRefusedError: m.ProxyRefusedError,
    ProxyAuthError: m.ProxyAuthError,
    ProxyTargetError: m.ProxyTargetError,
  };
}

/** What `a instanceof B` must say, by class name. */
function expected(instance: string, cls: string): boolean {
  if (instance === cls) return true;
  // The three refusals a proxy reports on purpose are its ProxyErrors.
  if (cls === 'ProxyError' && instance.startsWith('Proxy')) return true;
  // The three network failures are TransportErrors; misuse is not.
  return cls === 'TransportError' && instance !== 'InvalidArgumentError';
}

describe('instanceof on transport errors', () => {
  test('the second copy really is another copy', () => {
    expect(copy.ConnectionError).not.toBe(ConnectionError);
    expect(Object.getPrototypeOf(new copy.TlsError('x'))).not.toBe(TlsError.prototype);
  });

  for (const [made, by] of [
    ['this copy', 'this copy'],
    ['this copy', 'the other copy'],
    ['the other copy', 'this copy'],
  ] as const) {
    test(`errors made by ${made}, checked with the classes of ${by}`, () => {
      const errors = instances(made === 'this copy' ? own : copy);
      const checks = classes(by === 'this copy' ? own : copy);
      for (const [name, error] of Object.entries(errors)) {
        expect(error instanceof Error).toBe(true);
        // What the codec's FtpError and isFtpError look for.
        expect((error as unknown as Record<symbol, unknown>)[ROOT], `${name} carries the root brand`).toBe(true);
        for (const [other, cls] of Object.entries(checks)) {
          expect(error instanceof cls, `${name} instanceof ${other}`).toBe(expected(name, other));
        }
      }
    });
  }

  test('codes, names and fields', () => {
    const refused = new ConnectionError('refused', { osCode: 'ECONNREFUSED' });
    expect(refused.code).toBe('ERR_FTP_CONNECTION');
    expect(refused.name).toBe('ConnectionError');
    expect(refused.osCode).toBe('ECONNREFUSED');
    const invalid = new InvalidArgumentError('port must be an integer from 0 to 65535');
    expect(invalid.code).toBe('ERR_FTP_INVALID_ARG');
    expect(invalid.name).toBe('InvalidArgumentError');
    expect(Object.getOwnPropertySymbols(invalid)).toEqual([]);
    const codes = [ProxyError, ProxyRefusedError, ProxyAuthError, ProxyTargetError].map((cls) => new cls('x', { proxy: 'http://127.0.0.1:3128' }).code);
    expect(codes).toEqual(['ERR_FTP_PROXY', 'ERR_FTP_PROXY_REFUSED', 'ERR_FTP_PROXY_AUTH', 'ERR_FTP_PROXY_TARGET']);
    const unreachable = new ProxyError('x', { proxy: 'http://127.0.0.1:3128', osCode: 'EHOSTUNREACH' });
    expect(unreachable).toMatchObject({ name: 'ProxyError', proxy: 'http://127.0.0.1:3128', osCode: 'EHOSTUNREACH' });
  });

  test("the codec's errors, by their brands: InvalidArgumentError is shared, the others are not transport errors", () => {
    const codecInvalid = {
      [ROOT]: true,
      [Symbol.for('ftpkit.error.InvalidArgumentError')]: true,
      code: 'ERR_FTP_INVALID_ARG',
    };
    expect(codecInvalid instanceof InvalidArgumentError).toBe(true);
    expect(codecInvalid instanceof TransportError).toBe(false);
    const codecReply = { [ROOT]: true, [Symbol.for('ftpkit.error.FtpReplyError')]: true, code: 'ERR_FTP_REPLY' };
    for (const cls of Object.values(classes(own))) expect(codecReply instanceof cls).toBe(false);
    for (const value of [null, undefined, 'ERR_FTP_TLS', new Error('x'), { code: 'ERR_FTP_TLS' }]) {
      expect(value instanceof TransportError).toBe(false);
      expect(value instanceof TlsError).toBe(false);
    }
  });

  test("a program's own subclasses answer instanceof by their prototype chain", () => {
    class RetryableError extends ConnectionError {}
    const retryable = new RetryableError('again');
    expect(retryable instanceof RetryableError).toBe(true);
    expect(retryable instanceof ConnectionError).toBe(true);
    expect(retryable instanceof copy.TransportError).toBe(true);
    expect(new ConnectionError('x') instanceof RetryableError).toBe(false);
    expect(new copy.ConnectionError('x') instanceof RetryableError).toBe(false);
    expect(retryable.name).toBe('RetryableError');
  });
});
