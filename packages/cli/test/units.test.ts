// The pure parts: netrc, progress formatting, error classification. (The mirror planner and globs
// are @ftpkit/client's, tested there.)
import { describe, expect, test } from 'vitest';
import { FtpReplyError, ConnectionError, LocalFileError, SshServerError, TlsError, TlsModeError, TreeDepthError, TreeLoopError, VerifyError } from '@ftpkit/client';
import { describeFailure, EXIT, UsageError } from '../src/exit-codes.js';
import { findNetrcEntry, parseNetrc } from '../src/netrc.js';
import { parseFtpPort, parseInterface } from '../src/network.js';
import { parseRate } from '../src/rate.js';
import { formatBytes, ttyLine } from '../src/progress.js';
import { maskPassword, parseTarget } from '../src/target.js';

describe('netrc', () => {
  const entries = parseNetrc(
    [
      '# comment',
      'machine files.example.com login alice password "s3 cr\\"et"',
      'machine files.example.com login bob password hunter2',
      'macdef init',
      'cd /pub',
      'binary',
      '',
      'default login anonymous password guest@',
    ].join('\n'),
  );
  test('machine, quoted password, macdef skipped, default', () => {
    expect(findNetrcEntry(entries, 'FILES.example.com')).toMatchObject({ login: 'alice', password: 's3 cr"et' });
    expect(findNetrcEntry(entries, 'files.example.com', 'bob')).toMatchObject({ password: 'hunter2' });
    expect(findNetrcEntry(entries, 'elsewhere')).toMatchObject({ machine: undefined, login: 'anonymous', password: 'guest@' });
  });
  test('a one-line file', () => {
    expect(parseNetrc('machine h login u password p')).toEqual([{ machine: 'h', login: 'u', password: 'p' }]);
  });
});


describe('--limit-rate', () => {
  test("curl's syntax: plain bytes, K, M, G (either case, 1024-based), B, fractions, 0 for none", () => {
    expect(parseRate('4096')).toBe(4096);
    expect(parseRate('500K')).toBe(512_000);
    expect(parseRate('500k')).toBe(512_000);
    expect(parseRate('2M')).toBe(2 * 1024 * 1024);
    expect(parseRate('1G')).toBe(1024 ** 3);
    expect(parseRate('1.5m')).toBe(1.5 * 1024 * 1024);
    expect(parseRate('100B')).toBe(100);
    expect(parseRate('0')).toBe(0);
  });
  test.each(['', 'fast', '-1M', '2MB', '1e6', '0.1', 'M', '2 M', '99999999999P'])('%j is a usage error', (text) => {
    expect(() => parseRate(text)).toThrow(UsageError);
    expect(() => parseRate(text)).toThrow(/--limit-rate wants bytes per second/);
  });
});

describe('progress', () => {
  test('a terminal line has the name, bar, percentage, bytes, rate and ETA, fitted to the width', () => {
    const line = ttyLine('file.bin', 512 * 1024, 1024 * 1024, 1, false, 100);
    expect(line).toMatch(/^file\.bin +\[#{10}-{10}\] +50% 512 KiB\/1\.0 MiB 512 KiB\/s ETA 1\.0s$/);
    expect(line.length).toBeLessThanOrEqual(100);
    expect(ttyLine('x'.repeat(200), 1, 2, 1, false, 80).length).toBeLessThanOrEqual(80);
  });
  test('formatBytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(40 * 1048576)).toBe('40 MiB');
  });
});

describe('targets and failures', () => {
  test('URL paths are relative to the login directory; %2F makes them absolute', () => {
    expect(parseTarget('ftp://h/pub/a%20b.txt')).toMatchObject({ path: 'pub/a b.txt', isDirectory: false });
    expect(parseTarget('ftp://h/%2Fetc/motd')).toMatchObject({ path: '/etc/motd' });
    expect(parseTarget('ftpes://u:p@h:2121/dir/')).toMatchObject({ path: 'dir', isDirectory: true, options: { secure: 'explicit', port: 2121, user: 'u', password: 'p' } });
    expect(() => parseTarget('http://h/')).toThrow(UsageError);
    expect(maskPassword('ftp://u:secret@h/x')).toBe('ftp://u:****@h/x');
    // A malformed percent-encoding in the path or the password is a usage error without the password.
    expect(() => parseTarget('ftp://u:secret@h/a%zz')).toThrow(/^Bad URL ftp:\/\/u:\*\*\*\*@h\/a%zz: Bad percent-encoding in the URL's path$/);
    expect(() => parseTarget('ftp://u:s%ZZecret@h/')).toThrow(UsageError);
    expect(() => parseTarget('ftp://u:s%ZZecret@h/')).not.toThrow(/ecret/);
  });
  test('exit codes by error kind', () => {
    const reply = (code: number) => ({ code, lines: [`${code} no`], text: 'no', kind: 'permanent' }) as never;
    expect(describeFailure(new FtpReplyError(reply(530), 'PASS ****')).exitCode).toBe(EXIT.auth);
    expect(describeFailure(new FtpReplyError(reply(550), 'RETR x')).exitCode).toBe(EXIT.remote);
    expect(describeFailure(new FtpReplyError(reply(550), 'RETR x')).message).toBe('The server refused RETR x: 550 no.');
    expect(describeFailure(new ConnectionError('refused')).exitCode).toBe(EXIT.connection);
    expect(describeFailure(new TlsError('bad cert')).exitCode).toBe(EXIT.tls);
    // Certificate advice only for a refused certificate.
    expect(describeFailure(new TlsError('unable to verify the first certificate', { reason: 'certificate' })).message).toBe(
      "TLS failed: unable to verify the first certificate. (Trust the server's CA with --ca FILE, or check its key with ftpkit cert URL and pin it with --pinnedpubkey.)",
    );
    // A pin that does not match: the presented pin is in the message, and the advice is to look.
    const presented = `sha256//${'B'.repeat(43)}=`;
    expect(describeFailure(new TlsError(`the server's public key does not match tls.pin: it presented ${presented}`, { reason: 'pin', presentedPin: presented })).message).toBe(
      `TLS failed: the server's public key does not match tls.pin: it presented ${presented}. (If the server's key changed on purpose, check it with ftpkit cert URL and pin the new one.)`,
    );
    expect(describeFailure(new TlsError('the peer did not answer in TLS (wrong version number)', { reason: 'not-tls' })).message).toBe(
      'TLS failed: the peer did not answer in TLS (wrong version number).',
    );
    expect(describeFailure(new TlsError('sslv3 alert handshake failure')).message).toBe('TLS failed: sslv3 alert handshake failure.');
    expect(describeFailure(new TlsModeError('plain')).exitCode).toBe(EXIT.tls);
    expect(describeFailure(new SshServerError('SSH-2.0-x')).exitCode).toBe(EXIT.protocol);
    expect(describeFailure(new UsageError('x')).exitCode).toBe(EXIT.usage);
    const mismatch = new VerifyError({ path: '/a', local: 'a', direction: 'download', method: 'size', expected: 3, actual: 2 });
    expect(describeFailure(mismatch)).toMatchObject({ exitCode: EXIT.verify, code: 'ERR_FTP_VERIFY', message: 'Verification by size failed for "/a": the server has 3 bytes, the local copy 2 bytes.' });
  });
  test('trees that loop or run too deep: exit 8 on the server, 7 here; local files: 7 with the reason', () => {
    expect(describeFailure(new TreeLoopError('remote', 'p/a/a', 'p/a', 'unique'), 'get')).toEqual({
      exitCode: EXIT.protocol,
      code: 'ERR_FTP_TREE_LOOP',
      message: 'The remote tree loops: p/a/a is the same folder as p/a (the same unique fact). Leave it out with --exclude.',
    });
    expect(describeFailure(new TreeLoopError('remote', 'p/a/a', 'p/a', 'unique'), 'rm').message).toBe('The remote tree loops: p/a/a is the same folder as p/a (the same unique fact).');
    expect(describeFailure(new TreeLoopError('local', '/t/x', '/t', 'inode')).exitCode).toBe(EXIT.local);
    expect(describeFailure(new TreeDepthError('local', '/t/a/b', 1))).toMatchObject({ exitCode: EXIT.local, code: 'ERR_FTP_TREE_DEPTH' });
    expect(describeFailure(new LocalFileError('Cannot write /t/f: no space left on the device (ENOSPC)', { osCode: 'ENOSPC' }))).toEqual({
      exitCode: EXIT.local,
      code: 'ERR_FTP_LOCAL_FILE',
      message: 'Cannot write /t/f: no space left on the device (ENOSPC).',
    });
  });
});

describe('--ftp-port and --interface', () => {
  test("curl's forms: -, an address, an address with a port or a range, IPv6 in brackets", () => {
    expect(parseFtpPort('-', undefined)).toEqual({ address: undefined, ports: undefined });
    expect(parseFtpPort('203.0.113.7', undefined)).toEqual({ address: '203.0.113.7', ports: undefined });
    expect(parseFtpPort('203.0.113.7:50000', undefined)).toEqual({ address: '203.0.113.7', ports: { min: 50000, max: 50000 } });
    expect(parseFtpPort('203.0.113.7:50000-50100', undefined)).toEqual({ address: '203.0.113.7', ports: { min: 50000, max: 50100 } });
    expect(parseFtpPort('2001:db8::7', undefined)).toEqual({ address: '2001:db8::7', ports: undefined });
    expect(parseFtpPort('[2001:db8::7]:50000-50100', undefined)).toEqual({ address: '2001:db8::7', ports: { min: 50000, max: 50100 } });
  });
  test('an interface name stands for its address, of the family asked for', () => {
    expect(parseFtpPort('lo', 4)).toEqual({ address: '127.0.0.1', ports: undefined });
    expect(parseFtpPort('lo:40000-40010', undefined)).toEqual({ address: '127.0.0.1', ports: { min: 40000, max: 40010 } });
    expect(parseInterface('lo', 6)).toBe('::1');
    expect(parseInterface('127.0.0.2', undefined)).toBe('127.0.0.2');
  });
  test('anything else is a usage error', () => {
    for (const bad of ['', ':50000', 'no-such-interface0', 'host.example.com:1-2', '1.2.3.4:0', '1.2.3.4:2-1', '1.2.3.4:70000', '1.2.3.4:a-b', '[::1']) {
      expect(() => parseFtpPort(bad, undefined), bad).toThrow(UsageError);
    }
    expect(() => parseInterface('no-such-interface0', undefined)).toThrow(UsageError);
  });
});
