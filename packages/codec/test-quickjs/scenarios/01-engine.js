// The engine really is bare: none of the host APIs the codec must not rely on exist here.
import { assert, equal, test } from 'harness';
import * as codec from '@ftpkit/codec';

const absent = [
  'TextDecoder',
  'TextEncoder',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'queueMicrotask',
  'console',
  'process',
  'Buffer',
  'Deno',
  'Bun',
  'fetch',
  'require',
];

for (const name of absent) {
  test(`typeof ${name} === 'undefined'`, () => {
    equal(typeof globalThis[name], 'undefined', name);
  });
}

test('the codec loaded from dist/ exposes its entry points', () => {
  equal(typeof codec.ReplyParser, 'function', 'ReplyParser');
  equal(typeof codec.encodeCommand, 'function', 'encodeCommand');
  equal(typeof codec.LocalProtocolError, 'function', 'LocalProtocolError');
  equal(typeof codec.RemoteProtocolError, 'function', 'RemoteProtocolError');
  assert(codec.DEFAULT_MAX_LINE_BYTES > 0, 'DEFAULT_MAX_LINE_BYTES');
});
