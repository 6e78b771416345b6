import { expect, test } from 'vitest';
import { memoryPair } from '@ftpkit/testkit';
import { Client } from '../src/index.js';

test('smoke', async () => {
  const pair = memoryPair();
  const connecting = Client.connect({ host: pair.host, port: pair.port, user: 'u', password: 'p', transport: pair.transport, timeouts: { reply: 1000 } });
  const control = await pair.control.accept();
  control.reply('220 hi');
  expect(await control.line()).toBe('USER u');
  control.reply('331 pw');
  expect(await control.line()).toBe('PASS p');
  control.reply('230 ok');
  expect(await control.line()).toBe('FEAT');
  control.reply('211-Features', ' EPSV', '211 End');
  expect(await control.line()).toBe('TYPE I');
  control.reply('200 ok');
  const client = await connecting;
  const pwd = client.pwd();
  expect(await control.line()).toBe('PWD');
  await pair.clock.advance(999);
  let settled = false;
  pwd.then(() => (settled = true), () => (settled = true));
  await pair.clock.settle();
  expect(settled).toBe(false);
  await pair.clock.advance(1);
  await expect(pwd).rejects.toThrow(/No reply/);
  expect(client.closed).toBe(true);
});
