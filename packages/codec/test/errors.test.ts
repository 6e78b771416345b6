// `instanceof` on the codec's errors: by brand, exact per class, across two copies of the module,
// and for errors of other ftpkit packages that carry the brands without extending these classes.
import { describe, expect, test } from 'vitest';
import {
  FtpError,
  FtpReplyError,
  InvalidArgumentError,
  LocalProtocolError,
  RemoteProtocolError,
  isFtpError,
} from '../src/errors.js';
import { createReply } from '../src/reply.js';

type Module = typeof import('../src/errors.js');

// A second evaluation of the same source: what two installed copies of @ftpkit/codec amount to.
const secondCopy = '../src/errors.js?second-copy';
const copy = (await import(/* @vite-ignore */ secondCopy)) as Module;

const reply = createReply(550, ['No such file.']);

/** One instance of every class of a copy of the module, by class name. */
function instances(m: Module): Record<string, Error> {
  return {
    FtpError: new m.FtpError('ERR_FTP_SOMETHING', 'base'),
    LocalProtocolError: new m.LocalProtocolError('local'),
    InvalidArgumentError: new m.InvalidArgumentError('bad argument'),
    RemoteProtocolError: new m.RemoteProtocolError('remote'),
    FtpReplyError: new m.FtpReplyError(reply, 'DELE x'),
  };
}

function classes(m: Module): Record<string, abstract new (...args: never[]) => Error> {
  return {
    FtpError: m.FtpError,
    LocalProtocolError: m.LocalProtocolError,
    InvalidArgumentError: m.InvalidArgumentError,
    RemoteProtocolError: m.RemoteProtocolError,
    FtpReplyError: m.FtpReplyError,
  };
}

const own: Module = { FtpError, FtpReplyError, InvalidArgumentError, LocalProtocolError, RemoteProtocolError, isFtpError } as Module;

describe('instanceof on codec errors', () => {
  test('the second copy really is another copy', () => {
    expect(copy.FtpError).not.toBe(FtpError);
    expect(copy.InvalidArgumentError).not.toBe(InvalidArgumentError);
    expect(Object.getPrototypeOf(new copy.LocalProtocolError('x'))).not.toBe(LocalProtocolError.prototype);
  });

  for (const [made, by] of [
    ['this copy', 'this copy'],
    ['this copy', 'the other copy'],
    ['the other copy', 'this copy'],
  ] as const) {
    test(`errors made by ${made}, checked with the classes of ${by}`, () => {
      const errors = instances(made === 'this copy' ? own : copy);
      const checks = classes(by === 'this copy' ? own : copy);
      const base = by === 'this copy' ? FtpError : copy.FtpError;
      for (const [name, error] of Object.entries(errors)) {
        expect(error instanceof base, `${name} instanceof FtpError`).toBe(true);
        expect(error instanceof Error).toBe(true);
        expect((by === 'this copy' ? isFtpError : copy.isFtpError)(error)).toBe(true);
        for (const [other, cls] of Object.entries(checks)) {
          // A subclass accepts only its own instances: never the base, never a sibling.
          const expected = other === name || other === 'FtpError';
          expect(error instanceof cls, `${name} instanceof ${other}`).toBe(expected);
        }
      }
    });
  }

  test('errors keep their name, code and fields', () => {
    const error = new FtpReplyError(reply, 'DELE x');
    expect(error.name).toBe('FtpReplyError');
    expect(error.code).toBe('ERR_FTP_REPLY');
    expect(error.reply.code).toBe(550);
    expect(new InvalidArgumentError('x').name).toBe('InvalidArgumentError');
    expect(new InvalidArgumentError('x').code).toBe('ERR_FTP_INVALID_ARG');
    // The brands are on the prototypes, not on each error.
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
  });

  test('values that are not ftpkit errors', () => {
    for (const value of [null, undefined, 0, 'ERR_FTP_REPLY', {}, new Error('x'), new TypeError('x'), { code: 'ERR_FTP_REPLY' }]) {
      expect(value instanceof FtpError).toBe(false);
      expect(value instanceof FtpReplyError).toBe(false);
      expect(isFtpError(value)).toBe(false);
    }
  });

  test('an error of another ftpkit package, carrying the brands only (as the transport makes them)', () => {
    const connection = {
      [Symbol.for('ftpkit.error')]: true,
      [Symbol.for('ftpkit.error.TransportError')]: true,
      [Symbol.for('ftpkit.error.ConnectionError')]: true,
      code: 'ERR_FTP_CONNECTION',
    };
    expect(connection instanceof FtpError).toBe(true);
    expect(isFtpError(connection)).toBe(true);
    for (const cls of [LocalProtocolError, InvalidArgumentError, RemoteProtocolError, FtpReplyError]) {
      expect(connection instanceof cls).toBe(false);
    }
    const invalid = { [Symbol.for('ftpkit.error')]: true, [Symbol.for('ftpkit.error.InvalidArgumentError')]: true };
    expect(invalid instanceof FtpError).toBe(true);
    expect(invalid instanceof InvalidArgumentError).toBe(true);
    expect(invalid instanceof LocalProtocolError).toBe(false);
    // Only a brand that says true counts.
    expect({ [Symbol.for('ftpkit.error')]: 1 } instanceof FtpError).toBe(false);
  });

  test("a program's own subclasses answer instanceof by their prototype chain", () => {
    class QuotaError extends FtpError {
      constructor() {
        super('APP_QUOTA', 'over quota');
      }
    }
    class StrictLocalError extends LocalProtocolError {}
    const quota = new QuotaError();
    expect(quota instanceof QuotaError).toBe(true);
    expect(quota instanceof FtpError).toBe(true);
    expect(quota instanceof copy.FtpError).toBe(true);
    expect(quota instanceof LocalProtocolError).toBe(false);
    expect(quota.name).toBe('QuotaError');
    expect(new FtpError('APP_QUOTA', 'x') instanceof QuotaError).toBe(false);
    expect(new LocalProtocolError('x') instanceof QuotaError).toBe(false);

    const strict = new StrictLocalError('x');
    expect(strict instanceof StrictLocalError).toBe(true);
    expect(strict instanceof LocalProtocolError).toBe(true);
    expect(strict instanceof copy.LocalProtocolError).toBe(true);
    expect(strict instanceof FtpError).toBe(true);
    expect(new LocalProtocolError('x') instanceof StrictLocalError).toBe(false);
    expect(new copy.LocalProtocolError('x') instanceof StrictLocalError).toBe(false);
  });
});
