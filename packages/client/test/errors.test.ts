// `instanceof` across the packages and across installed copies: every error a client call can
// reject with is an FtpError; the transport's errors are, although the transport does not import
// the codec; the transport's InvalidArgumentError is the codec's; and each class accepts exactly its
// own instances, whichever copy of a package made them.
//
// The second copies: the built errors modules of @ftpkit/codec and @ftpkit/transport copied to a
// temporary folder and imported from there (each is self-contained), and the client's own errors
// module evaluated a second time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { InvalidArgumentError as TransportInvalidArgumentError, TransportError } from '@ftpkit/transport';
import { createReply } from '@ftpkit/codec';
import * as client from '../src/index.js';
import { Client, ConnectionError, FtpError, InvalidArgumentError, isFtpError } from '../src/index.js';

const require = createRequire(import.meta.url);
const folder = mkdtempSync(join(tmpdir(), 'ftpkit-error-copies-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A second copy of a package's built errors module, loaded from `folder`. */
async function secondCopy(pkg: string, as: string): Promise<Record<string, unknown>> {
  const errors = readFileSync(join(dirname(require.resolve(pkg)), 'errors.js'), 'utf8');
  // Without its source map, which stays behind.
  writeFileSync(join(folder, as), errors.replace(/^\/\/# sourceMappingURL=.*$/m, ''));
  return (await import(/* @vite-ignore */ pathToFileURL(join(folder, as)).href)) as Record<string, unknown>;
}

const codec2 = await secondCopy('@ftpkit/codec', 'codec-errors.js');
const transport2 = await secondCopy('@ftpkit/transport', 'transport-errors.js');
const clientErrors = '../src/errors.js?second-copy';
const client2 = (await import(/* @vite-ignore */ clientErrors)) as Record<string, unknown>;

type ErrorClass = abstract new (...args: never[]) => Error;
type Factory = (m: Record<string, unknown>) => Error;
const make = (name: string, ...args: unknown[]): Factory => (m) => new (m[name] as new (...a: unknown[]) => Error)(...args);

const reply = createReply(550, ['No such file.']);

/** Every class of the error table (docs-src/guides/errors.md), where it lives, and how to make one. */
const table: { name: string; home: 'codec' | 'transport' | 'client'; make: Factory }[] = [
  { name: 'FtpReplyError', home: 'codec', make: make('FtpReplyError', reply, 'DELE x') },
  { name: 'RemoteProtocolError', home: 'codec', make: make('RemoteProtocolError', 'bad reply') },
  { name: 'LocalProtocolError', home: 'codec', make: make('LocalProtocolError', 'CR in an argument') },
  { name: 'InvalidArgumentError', home: 'codec', make: make('InvalidArgumentError', 'size must be positive') },
  { name: 'ConnectionError', home: 'transport', make: make('ConnectionError', 'refused', { osCode: 'ECONNREFUSED' }) },
  { name: 'TlsError', home: 'transport', make: make('TlsError', 'untrusted') },
  { name: 'TimeoutError', home: 'transport', make: make('TimeoutError', 'slow') },
  { name: 'UnsafePathError', home: 'client', make: make('UnsafePathError', '../x', 'escapes') },
  { name: 'NotFoundError', home: 'client', make: make('NotFoundError', '/x') },
  { name: 'NotSupportedError', home: 'client', make: make('NotSupportedError', 'no HASH') },
  { name: 'LocalFileError', home: 'client', make: make('LocalFileError', 'file changed') },
  { name: 'ListingHookError', home: 'client', make: make('ListingHookError', '/x', 'odd line', new Error('my parser failed')) },
  { name: 'UnreadableListingError', home: 'client', make: make('UnreadableListingError', '/x', { format: undefined, entryCount: 0, unparsedCount: 1, unparsed: [{ line: '?' }] }) },
  { name: 'JournalMismatchError', home: 'client', make: make('JournalMismatchError', './job.journal', 'remote', 'another remote folder') },
];

/** The table's classes that are subclasses of another in it, by what a program checks first. */
const subclasses: { name: string; parent: string; make: Factory }[] = [
  { name: 'SshServerError', parent: 'RemoteProtocolError', make: make('SshServerError', 'SSH-2.0-OpenSSH_9.6') },
  { name: 'TlsModeError', parent: 'RemoteProtocolError', make: make('TlsModeError', 'plain') },
];

const first = client as unknown as Record<string, unknown>;
const copies = { codec: codec2, transport: transport2, client: client2 };

describe('instanceof across packages and copies', () => {
  test('the second copies really are other copies', () => {
    expect(codec2.FtpError).not.toBe(FtpError);
    expect(transport2.ConnectionError).not.toBe(ConnectionError);
    expect(client2.LocalFileError).not.toBe(client.LocalFileError);
  });

  for (const [made, checked] of [
    ['first', 'first'],
    ['first', 'second'],
    ['second', 'first'],
  ] as const) {
    test(`errors of the ${made} copies, checked with the classes of the ${made === checked ? 'same' : checked} copies`, () => {
      for (const row of table) {
        const error = row.make(made === 'first' ? first : copies[row.home]);
        const base = (checked === 'first' ? FtpError : codec2.FtpError) as ErrorClass;
        expect(error instanceof base, `${row.name} instanceof FtpError`).toBe(true);
        expect(isFtpError(error)).toBe(true);
        for (const other of table) {
          const cls = (checked === 'first' ? first : copies[other.home])[other.name] as ErrorClass;
          expect(error instanceof cls, `${row.name} instanceof ${other.name}`).toBe(other.name === row.name);
        }
      }
    });
  }

  test('the RemoteProtocolError subclasses: their own class and the parent, in every copy; no sibling', () => {
    for (const row of subclasses) {
      for (const [made, checked] of [
        [first, first],
        [first, codec2],
        [codec2, first],
      ] as const) {
        const error = row.make(made);
        for (const other of [...subclasses.map((s) => s.name), 'RemoteProtocolError', 'FtpError', 'TlsError', 'FtpReplyError']) {
          const cls = (other === 'TlsError' ? (checked === first ? first : transport2) : checked)[other] as ErrorClass;
          expect(error instanceof cls, `${row.name} instanceof ${other}`).toBe(other === row.name || other === row.parent || other === 'FtpError');
        }
      }
    }
  });

  test("the transport's InvalidArgumentError is the codec's, both ways, and not a TransportError", () => {
    const fromTransport = new TransportInvalidArgumentError('port must be an integer from 0 to 65535');
    expect(fromTransport instanceof InvalidArgumentError).toBe(true);
    expect(fromTransport instanceof FtpError).toBe(true);
    expect(fromTransport instanceof client.LocalProtocolError).toBe(false);
    expect(fromTransport instanceof TransportError).toBe(false);
    expect(fromTransport.code).toBe('ERR_FTP_INVALID_ARG');
    const fromCodec = new InvalidArgumentError('size must be positive');
    expect(fromCodec instanceof TransportInvalidArgumentError).toBe(true);
    expect(fromCodec instanceof (transport2.InvalidArgumentError as ErrorClass)).toBe(true);
    expect(new client.ConnectionError('x') instanceof TransportError).toBe(true);
  });

  test('a refused connect rejects with a ConnectionError that is an FtpError', async () => {
    // A port that was just free: nothing listens there.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await Client.connect(`ftp://127.0.0.1:${port}`, { timeouts: { connect: 5000 } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error instanceof FtpError).toBe(true);
    expect(error instanceof (codec2.FtpError as ErrorClass)).toBe(true);
    expect((error as ConnectionError).code).toBe('ERR_FTP_CONNECTION');
  });
});
