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

test('a stray 426 read after NOOP went out fails NOOP with RemoteProtocolError and closes the client', async () => {
  // Written behind the command, as a transfer's late 426 can be: the same-read check cannot see it,
  // but RFC 959 §5.4 never answers NOOP with 426, so it cannot be NOOP's answer.
  server = await startScriptedServer({
    handlers: {
      NOOP: (_, ctx) => {
        ctx.reply('426 Connection closed; transfer aborted.');
        return '200 NOOP ok';
      },
    },
  });
  const client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' });
  const error = await client.send('NOOP').then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(RemoteProtocolError);
  expect((error as Error).message).toMatch(/426 cannot answer NOOP/);
  expect(client.closed).toBe(true);
});

test('a stray reply whose first bytes came with a real one is not the answer to the command sent before its end', async () => {
  // Fuzzing found "200 NOOP ok\r\n426 unsolicite" then "d\r\n": the 426 ended after the next NOOP went
  // out, but began before it. A 500 here, which NOOP could get, so only its timing gives it away.
  let noops = 0;
  server = await startScriptedServer({
    handlers: {
      NOOP: async (_, ctx) => {
        if (++noops > 1) return '200 NOOP ok';
        ctx.write(new TextEncoder().encode('200 NOOP ok\r\n500 unsol'));
        await new Promise((resolve) => setTimeout(resolve, 50));
        ctx.write(new TextEncoder().encode('icited\r\n'));
      },
    },
  });
  const client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p' });
  expect((await client.send('NOOP')).code).toBe(200);
  const error = await client.send('NOOP').then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(RemoteProtocolError);
  expect((error as Error).message).toMatch(/arrived before NOOP was sent/);
  expect(client.closed).toBe(true);
});
