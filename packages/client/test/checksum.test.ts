/**
 * `client.checksum`: the server's own digest of a file, from ProFTPD's mod_digest (HASH and the X
 * commands), checked against node:crypto; servers without any get NotSupportedError before a byte
 * is sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startScriptedServer, startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, NotSupportedError, type HashAlgorithm, type LogEntry } from '../src/index.js';

const NODE_NAMES: Record<Exclude<HashAlgorithm, 'CRC32'>, string> = { 'SHA-512': 'sha512', 'SHA-256': 'sha256', 'SHA-1': 'sha1', MD5: 'md5' };
const bytes = new Uint8Array(randomBytes(300_001));
const digest = (algorithm: keyof typeof NODE_NAMES) => createHash(NODE_NAMES[algorithm]).update(bytes).digest('hex');

describe('ProFTPD with mod_digest', () => {
  let server: RunningServer;
  let client: Client;
  const log: LogEntry[] = [];
  beforeAll(async () => {
    server = await startServer('proftpd', { anonymous: false });
    client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, log: (e) => log.push(e) });
    await client.upload(bytes, '/data.bin');
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  test('HASH with the strongest algorithm by default, chosen with OPTS HASH once', async () => {
    expect(await client.checksum('/data.bin')).toEqual({ algorithm: 'SHA-512', hash: digest('SHA-512') });
    const before = log.length;
    expect(await client.checksum('/data.bin')).toEqual({ algorithm: 'SHA-512', hash: digest('SHA-512') });
    expect(log.slice(before).filter((e) => e.direction === '>').map((e) => e.text)).toEqual(['HASH /data.bin']);
  });

  test.each(['SHA-256', 'SHA-1', 'MD5'] as const)('HASH with %s on request', async (algorithm) => {
    expect(await client.checksum('/data.bin', { algorithm })).toEqual({ algorithm, hash: digest(algorithm) });
  });

  test('CRC32 matches a reference CRC-32', async () => {
    let crc = ~0;
    for (const byte of bytes) {
      crc ^= byte;
      for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
    }
    const expected = ((~crc) >>> 0).toString(16).padStart(8, '0');
    expect(await client.checksum('/data.bin', { algorithm: 'CRC32' })).toEqual({ algorithm: 'CRC32', hash: expected });
  });

  test('a missing file is the server\'s 550', async () => {
    await expect(client.checksum('/nope.bin')).rejects.toMatchObject({ code: 'ERR_FTP_REPLY', reply: { code: 550 } });
    expect((await client.checksum('/data.bin', { algorithm: 'MD5' })).hash).toBe(digest('MD5'));
  });
});

test('a server with only X commands: the strongest of them', async () => {
  const server = await startScriptedServer({
    features: ['XMD5', 'XSHA1'],
    handlers: { XSHA1: (arg) => (arg === 'f' ? `250 ${digest('SHA-1').toUpperCase()}` : '550 No such file') },
  });
  try {
    const client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' });
    expect(await client.checksum('f')).toEqual({ algorithm: 'SHA-1', hash: digest('SHA-1') });
    await client.close();
  } finally {
    await server.close();
  }
});

test('vsftpd has no checksum command: NotSupportedError, and nothing is sent', async () => {
  await using server = await startServer('vsftpd', { anonymous: false });
  const log: LogEntry[] = [];
  const client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, log: (e) => log.push(e) });
  try {
    const before = log.length;
    await expect(client.checksum('/x')).rejects.toBeInstanceOf(NotSupportedError);
    await expect(client.checksum('/x', { algorithm: 'MD5' })).rejects.toThrow('The server does not offer MD5 checksums');
    expect(log.length).toBe(before);
  } finally {
    await client.close();
  }
});
