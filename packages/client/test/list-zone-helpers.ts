// What the listTimeZone tests share: `ls -l` lines at a server's wall clock, and a scripted server
// whose LIST sends them and whose MDTM answers in UTC, as RFC 3659 wants.
import type { CommandHandler } from '@ftpkit/testkit';
import { sendAndClose } from '@ftpkit/testkit';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const encoder = new TextEncoder();
const two = (n: number) => String(n).padStart(2, '0');

/** A recent file's `ls -l` line (`Jun 14 09:30`, no year), the server's wall clock `wall` read from its UTC fields. */
export function recentLine(name: string, wall: Date, size = 6): string {
  const date = `${MONTHS[wall.getUTCMonth()]} ${String(wall.getUTCDate()).padStart(2)} ${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}`;
  return `-rw-r--r--    1 ftp      ftp      ${String(size).padStart(8)} ${date} ${name}\r\n`;
}

/** A `ls --time-style=long-iso` line (`2024-06-14 09:30`): a year and a time, whatever `now` is. */
export function isoLine(name: string, wall: string): string {
  return `-rw-r--r--    1 ftp      ftp             6 ${wall} ${name}\r\n`;
}

/** An old file's `ls -l` line: the day alone (`Jan  2  2020`). */
export function dayLine(name: string, year: number, month: number, day: number): string {
  return `-rw-r--r--    1 ftp      ftp             6 ${MONTHS[month - 1]} ${String(day).padStart(2)}  ${year} ${name}\r\n`;
}

/** A folder's `ls -l` line. */
export function dirLine(name: string): string {
  return `drwxr-xr-x    2 ftp      ftp          4096 Jan  2  2020 ${name}\r\n`;
}

/** MDTM's answer for a UTC time (RFC 3659 §3: `213 YYYYMMDDHHMMSS`). */
export function mdtmReply(time: Date): string {
  const iso = time.toISOString();
  return `213 ${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** A LIST that sends `text(arg)` (or `text`), then 226. */
export function listOf(text: string | ((arg: string) => string)): CommandHandler {
  return async (arg, ctx) => {
    const data = await ctx.acceptData();
    ctx.reply('150 Here comes the listing');
    await sendAndClose(data, encoder.encode(typeof text === 'string' ? text : text(arg)));
    return '226 Directory send OK';
  };
}

/** MDTM from a table of file name (last path segment) to reply; 550 for the rest. */
export function mdtmOf(replies: Readonly<Record<string, string>>): CommandHandler {
  return (arg) => replies[arg.slice(arg.lastIndexOf('/') + 1)] ?? '550 No such file';
}

/** Minutes → milliseconds. */
export const minutes = (n: number): number => n * 60_000;

/** A UTC time two days ago, at 17 seconds past a minute: what a file's true time is in these tests. */
export function twoDaysAgo(): Date {
  return new Date(Math.floor((Date.now() - 2 * 86_400_000) / 60_000) * 60_000 + 17_000);
}

/** `time` cut to the minute: what a LIST line that shows the minute can say of it. */
export function toMinute(time: Date): Date {
  return new Date(Math.floor(time.getTime() / 60_000) * 60_000);
}
