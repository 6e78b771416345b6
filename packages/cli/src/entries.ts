/**
 * How `ls` shows listing entries: one line each (type, size, time, name) and their `--json` form.
 *
 * Theory of operation: a time is printed in UTC to the minute, except a time the server stated to
 * the day only (`precision: 'day'`, an old file in `ls -l`): that is a date in the server's
 * calendar, so it is printed alone, as the server's zone (`--list-time-zone`) has it, never with an
 * invented `00:00`. The JSON keeps the instant and says its precision.
 *
 * @module
 */
import type { ListingEntry, ListTimeZoneState } from '@ftpkit/client';

/** The `ls` lines of `entries` (in their order), sizes right-aligned to the widest. */
export function entryLines(entries: readonly ListingEntry[], zone: ListTimeZoneState): string[] {
  const width = Math.max(1, ...entries.map((e) => String(e.size ?? '-').length));
  return entries.map((e) => {
    const type = { file: '-', directory: 'd', symlink: 'l' }[e.type as string] ?? '?';
    const name = e.type === 'directory' ? `${e.name}/` : e.target !== undefined ? `${e.name} -> ${e.target}` : e.name;
    return `${type} ${String(e.size ?? '-').padStart(width)}  ${timeColumn(e, zone)}  ${name}`;
  });
}

/** The time column, 16 characters: `2024-06-14 09:30` (UTC), or `2020-01-02` alone for a day. */
function timeColumn(e: ListingEntry, zone: ListTimeZoneState): string {
  const time = e.modifiedAt;
  if (time === undefined) return ' '.repeat(16);
  if (e.precision !== 'day') return time.toISOString().slice(0, 16).replace('T', ' ');
  return new Date(time.getTime() + zone.offsetAt(time) * 60_000).toISOString().slice(0, 10).padEnd(16);
}

/** An entry as `ls --json` prints it. */
export function entryJson(e: ListingEntry): Record<string, unknown> {
  return {
    name: e.name,
    type: e.type,
    ...(e.size === undefined ? {} : { size: e.size }),
    ...(e.modifiedAt === undefined ? {} : { modifiedAt: e.modifiedAt.toISOString(), precision: e.precision }),
    ...(e.permissions === undefined ? {} : { permissions: e.permissions }),
    ...(e.target === undefined ? {} : { target: e.target }),
  };
}
