// Reply readings that do not depend on a session: which replies refuse a TLS data connection for not
// resuming the control connection's session (vsftpd's and ProFTPD's words), and which do not.
import { describe, expect, test } from 'vitest';
import { createReply, isSessionReuseRefusal } from '../src/reply.js';

describe('isSessionReuseRefusal', () => {
  test("vsftpd's 522 and ProFTPD's 425 \"Operation not permitted\" are; other data connection failures are not", () => {
    expect(isSessionReuseRefusal(createReply(522, ['SSL connection failed: session reuse required']))).toBe(true);
    expect(isSessionReuseRefusal(createReply(425, ['Unable to build data connection: Operation not permitted']))).toBe(true);
    expect(isSessionReuseRefusal(createReply(426, ['Data connection: TLS session reuse required']))).toBe(true);
    expect(isSessionReuseRefusal(createReply(425, ['Unable to build data connection: Connection refused']))).toBe(false);
    expect(isSessionReuseRefusal(createReply(426, ['Connection closed; transfer aborted']))).toBe(false);
    expect(isSessionReuseRefusal(createReply(550, ['Operation not permitted']))).toBe(false);
    expect(isSessionReuseRefusal(createReply(226, ['Transfer complete']))).toBe(false);
  });
});
