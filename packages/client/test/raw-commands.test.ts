/**
 * Raw commands and the session's state (codec Session, "rule 1"): a raw command that changes what
 * the server holds updates the session, so later calls act on the truth; one whose effect the
 * session cannot follow is refused before a byte is sent. Against ProFTPD, which converts line
 * endings in ASCII mode and offers HASH.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type RunningServer } from '@ftpkit/testkit';
import { Client, LocalProtocolError, type LogEntry } from '../src/index.js';

// Bare LFs, a CRLF, a lone CR and high bytes: ASCII mode would rewrite the line endings.
const bytes = new Uint8Array([...new TextEncoder().encode('one\ntwo\r\nthree\rfour\n'), 0, 255, 10, 13, 10]);
let server: RunningServer;
let client: Client;
const log: LogEntry[] = [];
const sentSince = (from: number) => log.slice(from).filter((e) => e.direction === '>').map((e) => e.text);

beforeAll(async () => {
  server = await startServer('proftpd', { anonymous: false });
  client = await Client.connect({ host: server.host, port: server.port, user: server.user, password: server.password, log: (e) => log.push(e) });
  await client.upload(bytes, '/raw.bin');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

test('a raw TYPE A, then download(): TYPE I goes first and the bytes are exact', async () => {
  expect((await client.send('TYPE A')).code).toBe(200);
  const from = log.length;
  expect(await client.downloadToBytes('/raw.bin')).toEqual(bytes);
  expect(sentSince(from)).toContain('TYPE I');
  // ASCII on request still converts: the server really was switched.
  expect(await client.downloadToBytes('/raw.bin', { mode: 'ascii' })).not.toEqual(bytes);
  expect(await client.downloadToBytes('/raw.bin')).toEqual(bytes);
});

test('a raw OPTS HASH is what checksum() builds on: no blame on the server, and the right algorithm', async () => {
  expect((await client.send('OPTS HASH MD5')).code).toBe(200);
  const from = log.length;
  const md5 = createHash('md5').update(bytes).digest('hex');
  expect(await client.checksum('/raw.bin', { algorithm: 'MD5' })).toEqual({ algorithm: 'MD5', hash: md5 });
  expect(sentSince(from)).toEqual(['HASH /raw.bin']);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  expect(await client.checksum('/raw.bin', { algorithm: 'SHA-256' })).toEqual({ algorithm: 'SHA-256', hash: sha256 });
});

test.each(['REIN', 'USER bob', 'PASS x', 'AUTH TLS', 'PBSZ 0', 'CCC', 'REST 10', 'PASV', 'RETR /raw.bin', 'RNFR /raw.bin', 'ABOR', 'QUIT', 'MODE Z'])(
  'a raw %s is refused with LocalProtocolError, nothing is sent, and the client goes on',
  async (raw) => {
    const from = log.length;
    await expect(client.send(raw)).rejects.toBeInstanceOf(LocalProtocolError);
    expect(sentSince(from)).toEqual([]);
    expect(await client.downloadToBytes('/raw.bin')).toEqual(bytes);
  },
);
