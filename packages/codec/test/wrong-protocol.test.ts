// A greeting in another protocol is named: an SSH identification line is SshServerError, a TLS
// record TlsModeError, each with its own code, for the reply parser (at every split of the bytes)
// and for a connecting Session. Anything else that is no reply stays "Malformed reply".
import { describe, expect, test } from 'vitest';
import { FtpError, RemoteProtocolError, SshServerError, TlsModeError } from '../src/errors.js';
import { ReplyParser } from '../src/reply-parser.js';
import { Harness } from './session-harness.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** A TLS 1.2 record header and the start of a ServerHello, as an implicit-FTPS port might send. */
const TLS_RECORD = Uint8Array.of(0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03);
const SSH_BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n';

/** The error of feeding `data` split at `cut` (then `end()`), or undefined. */
function errorOf(data: Uint8Array, cut?: number): unknown {
  const parser = new ReplyParser();
  try {
    if (cut === undefined) parser.push(data);
    else {
      parser.push(data.subarray(0, cut));
      parser.push(data.subarray(cut));
    }
    parser.end();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('the reply parser names the protocol of a greeting that is not FTP', () => {
  test('an SSH banner: SshServerError, ERR_FTP_SSH_SERVER, a RemoteProtocolError, at every split', () => {
    const data = bytes(SSH_BANNER);
    for (let cut = 0; cut <= data.length; cut++) {
      const error = errorOf(data, cut);
      expect(error).toBeInstanceOf(SshServerError);
      expect(error).toBeInstanceOf(RemoteProtocolError);
      expect(error).toBeInstanceOf(FtpError);
      expect(error).not.toBeInstanceOf(TlsModeError);
      expect(error).toMatchObject({ code: 'ERR_FTP_SSH_SERVER', banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' });
    }
    expect((errorOf(data) as Error).message).toBe(
      'The server is an SSH server ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"), not an FTP server: it offers SFTP, and ftpkit speaks FTP and FTPS',
    );
  });

  test('after blank lines too, and a banner longer than 80 characters is cut in the error', () => {
    const long = `SSH-2.0-${'x'.repeat(200)}`;
    const error = errorOf(bytes(`\r\n${long}\r\n`)) as SshServerError;
    expect(error).toBeInstanceOf(SshServerError);
    expect(error.banner).toHaveLength(80);
    expect(error.banner.endsWith('…')).toBe(true);
    expect(error.message.length).toBeLessThan(200);
  });

  test('a TLS record: TlsModeError (serverSpeaks "tls"), ERR_FTP_TLS_MODE, at once and at every split', () => {
    for (let cut = 0; cut <= TLS_RECORD.length; cut++) {
      const error = errorOf(TLS_RECORD, cut);
      expect(error).toBeInstanceOf(TlsModeError);
      expect(error).toBeInstanceOf(RemoteProtocolError);
      expect(error).toMatchObject({ code: 'ERR_FTP_TLS_MODE', serverSpeaks: 'tls' });
    }
    // One byte is enough: nothing waits for a line end the record may never contain.
    expect(() => new ReplyParser().push(TLS_RECORD.subarray(0, 1))).toThrow(TlsModeError);
    for (const first of [0x14, 0x15, 0x17]) expect(errorOf(Uint8Array.of(first, 0x03, 0x01))).toBeInstanceOf(TlsModeError);
  });

  test('the error is sticky, as every parser fault is', () => {
    const parser = new ReplyParser();
    expect(() => parser.push(TLS_RECORD)).toThrow(TlsModeError);
    expect(() => parser.push(bytes('220 ok\r\n'))).toThrow(TlsModeError);
    expect(() => parser.end()).toThrow(TlsModeError);
  });

  test('only before the greeting: later, the same bytes are an ordinary malformed reply', () => {
    const ssh = errorOf(bytes(`220 hello\r\n${SSH_BANNER}`));
    expect(ssh).toBeInstanceOf(RemoteProtocolError);
    expect(ssh).not.toBeInstanceOf(SshServerError);
    expect((ssh as Error).message).toBe('Malformed reply: expected a three-digit code');
    const tls = errorOf(new Uint8Array([...bytes('220 hello\r\n'), ...TLS_RECORD, 0x0a]));
    expect(tls).not.toBeInstanceOf(TlsModeError);
    expect((tls as FtpError).code).toBe('ERR_FTP_REMOTE_PROTOCOL');
  });

  test('other garbage is still a plain RemoteProtocolError', () => {
    for (const text of ['HTTP/1.1 400 Bad Request\r\n', 'ssh-2.0-lowercase\r\n', '* OK IMAP4rev1 ready\r\n']) {
      const error = errorOf(bytes(text)) as FtpError;
      expect(error.code, text).toBe('ERR_FTP_REMOTE_PROTOCOL');
    }
  });

  test('after reset(), a new stream is judged afresh', () => {
    const parser = new ReplyParser();
    parser.push(bytes('220 hello\r\n'));
    parser.reset();
    expect(() => parser.push(bytes(SSH_BANNER))).toThrow(SshServerError);
  });
});

describe('a connecting Session', () => {
  test('greeted with an SSH banner: the connect fails with SshServerError and the session breaks', () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'u', password: 'hunter2', security: 'none' });
    h.reply(SSH_BANNER);
    const outcome = h.outcome;
    if (outcome?.type !== 'failed') throw new Error(`expected failure, got ${h.trace.join(', ')}`);
    expect(outcome.error).toBeInstanceOf(SshServerError);
    expect(h.sent).toEqual([]);
    expect(h.session.state).toBe('broken');
  });

  test('explicit FTPS greeted with a TLS record: TlsModeError, nothing sent', () => {
    const h = new Harness();
    h.start({ kind: 'connect', user: 'u', password: 'p', security: 'explicit' });
    h.session.receive(TLS_RECORD).forEach((action) => h.actions.push(action));
    const outcome = h.outcome;
    if (outcome?.type !== 'failed') throw new Error(`expected failure, got ${h.trace.join(', ')}`);
    expect(outcome.error).toMatchObject({ code: 'ERR_FTP_TLS_MODE', serverSpeaks: 'tls' });
    expect(h.sent).toEqual([]);
  });
});
