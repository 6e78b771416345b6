// Errors in the bare engine: `instanceof` by brand (static blocks and Symbol.hasInstance), exact per
// class, and for an error of another ftpkit package that carries the brands only.
// requires: InvalidArgumentError
import { assert, equal, test } from 'harness';
import {
  FtpError,
  FtpReplyError,
  InvalidArgumentError,
  LocalProtocolError,
  RemoteProtocolError,
  encodeCommand,
  isFtpError,
} from '@ftpkit/codec';

test('a refused command is a LocalProtocolError, an FtpError, and nothing else', () => {
  let caught;
  try {
    encodeCommand('CWD', 'a\r\nDELE b');
  } catch (err) {
    caught = err;
  }
  assert(caught instanceof LocalProtocolError, 'instanceof LocalProtocolError');
  assert(caught instanceof FtpError, 'instanceof FtpError');
  assert(!(caught instanceof RemoteProtocolError), 'not a sibling');
  assert(!(caught instanceof InvalidArgumentError), 'not a sibling');
  equal(caught.name, 'LocalProtocolError');
});

test('the base is not an instance of a subclass', () => {
  const base = new FtpError('ERR_FTP_LOCAL_PROTOCOL', 'x');
  assert(base instanceof FtpError, 'instanceof FtpError');
  assert(!(base instanceof LocalProtocolError), 'not a LocalProtocolError');
  assert(!(base instanceof FtpReplyError), 'not an FtpReplyError');
});

test('brands alone make an instance, across packages and copies', () => {
  const transportInvalid = {
    [Symbol.for('ftpkit.error')]: true,
    [Symbol.for('ftpkit.error.InvalidArgumentError')]: true,
  };
  assert(transportInvalid instanceof InvalidArgumentError, 'instanceof InvalidArgumentError');
  assert(transportInvalid instanceof FtpError, 'instanceof FtpError');
  assert(isFtpError(transportInvalid), 'isFtpError');
  assert(!(transportInvalid instanceof LocalProtocolError), 'not a LocalProtocolError');
});

test("a program's subclass answers by its prototype chain", () => {
  class QuotaError extends FtpError {}
  assert(new QuotaError('APP_QUOTA', 'x') instanceof QuotaError, 'own instance');
  assert(new QuotaError('APP_QUOTA', 'x') instanceof FtpError, 'an FtpError');
  assert(!(new FtpError('APP_QUOTA', 'x') instanceof QuotaError), 'the base is not');
});
