/**
 * A server that takes the data connection of an upload and then never answers STOR: the client must
 * time out on the missing reply, not wait for ever (found by fuzzing: the reply clock was paused as
 * soon as the data connection opened, and the data-idle clock only starts once the 150 allows the
 * first byte out).
 */
import { afterEach, expect, test } from 'vitest';
import { leakCheck, startScriptedServer, type ScriptedServer } from '@ftpkit/testkit';
import { Client, TimeoutError } from '../src/index.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('no 150 after STOR although the data connection opened: TimeoutError, then a clean close', async () => {
  const leaks = leakCheck();
  server = await startScriptedServer({
    handlers: {
      STOR: async (_, ctx) => {
        await ctx.acceptData();
        return new Promise<never>(() => {}); // silence
      },
    },
  });
  const client = await Client.connect({ host: server.host, port: server.port, user: 'u', password: 'p', timeouts: { reply: 300, dataIdle: 300 } });
  const started = performance.now();
  await expect(client.upload(new Uint8Array(50_000), 'up.bin')).rejects.toBeInstanceOf(TimeoutError);
  expect(performance.now() - started).toBeLessThan(5_000);
  await client.close();
  await server.close();
  server = undefined;
  await leaks.assertNone(2000);
});
