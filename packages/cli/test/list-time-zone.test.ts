// `ls` and `--list-time-zone` against the scripted server, whose LIST shows its local time: a time of
// day is printed in UTC, a date alone (an old file) as that date, never an invented 00:00, in the
// server's zone; `auto` learns the zone from MDTM; a zone that names nothing is a usage error.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sendAndClose, startScriptedServer, type ScriptedServer } from '@ftpkit/testkit';
import { runCli } from './run-cli.js';

const LISTING = [
  '-rw-r--r--    1 ftp      ftp             6 2024-06-14 09:30 recent.txt',
  '-rw-r--r--    1 ftp      ftp             6 Jan  2  2020 old.txt',
  'drwxr-xr-x    2 ftp      ftp          4096 Jan  2  2020 sub',
]
  .map((line) => `${line}\r\n`)
  .join('');

let server: ScriptedServer;
let url: string;

beforeAll(async () => {
  server = await startScriptedServer({
    handlers: {
      LIST: async (_, ctx) => {
        const data = await ctx.acceptData();
        ctx.reply('150 Here comes the listing');
        await sendAndClose(data, new TextEncoder().encode(LISTING));
        return '226 Directory send OK';
      },
      // recent.txt in UTC: the server is at UTC+05:30.
      MDTM: (arg) => (arg.endsWith('recent.txt') ? '213 20240614040012' : '550 No such file'),
    },
  });
  url = `ftp://u:p@${server.host}:${server.port}/`;
});
afterAll(async () => {
  await server?.close();
});

const lines = (stdout: string) => stdout.trimEnd().split('\n');

describe('ls times', () => {
  test('a date alone is printed alone: no invented 00:00', async () => {
    const r = await runCli(['ls', url]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(['-    6  2020-01-02        old.txt', '-    6  2024-06-14 09:30  recent.txt', 'd 4096  2020-01-02        sub/']);
  });

  test('--list-time-zone +05:30: times of day in UTC, dates as the server has them', async () => {
    const r = await runCli(['ls', '--list-time-zone', '+05:30', url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^- +6 {2}2024-06-14 04:00 {2}recent\.txt$/m);
    // Midnight of 2 January at UTC+05:30 is 1 January in UTC: the date shown is still the 2nd.
    expect(r.stdout).toMatch(/^- +6 {2}2020-01-02 {8}old\.txt$/m);
  });

  test('--list-time-zone=-08:00 (a negative offset takes =) and an IANA name', async () => {
    const west = await runCli(['ls', '--list-time-zone=-08:00', url]);
    expect(west.stdout).toMatch(/2024-06-14 17:30 {2}recent\.txt/);
    const berlin = await runCli(['ls', '--list-time-zone', 'Europe/Berlin', url]);
    expect(berlin.stdout).toMatch(/2024-06-14 07:30 {2}recent\.txt/);
    expect(berlin.stdout).toMatch(/2020-01-02 {8}old\.txt/);
  });

  test('--list-time-zone auto learns +05:30 from MDTM; --json says each time\'s precision', async () => {
    const r = await runCli(['ls', '--json', '--list-time-zone', 'auto', url]);
    expect(r.code, r.stderr).toBe(0);
    const entries = (JSON.parse(r.stdout) as { entries: { name: string; modifiedAt: string; precision: string }[] }).entries;
    expect(entries.map((e) => [e.name, e.modifiedAt, e.precision])).toEqual([
      ['old.txt', '2020-01-01T18:30:00.000Z', 'day'],
      ['recent.txt', '2024-06-14T04:00:00.000Z', 'minute'],
      ['sub', '2020-01-01T18:30:00.000Z', 'day'],
    ]);
  });

  test('a zone that names nothing is a usage error (exit 2)', async () => {
    const r = await runCli(['ls', '--list-time-zone', 'Mars/Olympus_Mons', url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/listTimeZone "Mars\/Olympus_Mons" is not a time zone/);
  });
});
