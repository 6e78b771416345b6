/**
 * A reply the server sends unasked, in the same write as a real one, must not be taken as the answer
 * to the next command: every later reply would be off by one (a stray 250 taken as DELE's success,
 * say). Found by fuzzing the client against the scripted server.
 */
import { afterEach, expect, test } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '@ftpkit/testkit';
import { Client, RemoteProtocolError } from '../src/index.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('a stray reply written together with 230 fails the login instead of answering FEAT', async () => {
  server = await startScriptedServer({ handlers: { PASS: (_, ctx) => ctx.reply('230 Logged in', '211 Not what you asked for') } });
  const failure = Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' });
  await expect(failure).rejects.toBeInstanceOf(RemoteProtocolError);
  await expect(failure).rejects.toThrow(/arrived before FEAT was sent/);
});

test('a stray 250 written together with a real reply fails the call instead of answering DELE', async () => {
  server = await startScriptedServer({ handlers: { PWD: (_, ctx) => ctx.reply('257 "/" is the current directory', '250 Deleted') } });
  const client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' });
  expect(await client.pwd()).toBe('/');
  // The stray 250 was read with the 257, before DELE existed: the session breaks on it at once.
  await expect(client.remove('keep.txt')).rejects.toBeInstanceOf(RemoteProtocolError);
  expect(client.closed).toBe(true);
});
