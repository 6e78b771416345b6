/**
 * `ftpkit watch URL`: the client's `watch`, one line per event.
 *
 * Theory of operation: the command runs one watch, on the target's session (or, with `--parallel N`,
 * on a pool of N for the listings of `-r`), and prints each event as it comes: `added`, `changed`
 * or `removed`, the path relative to the watched folder (a folder with a trailing `/`), and a file's
 * size. With `--json`, each event is a JSON line of its own, and the last line is the command's
 * document as for every command. It runs until Ctrl-C (exit 130), a failure (the poll's exit code),
 * or `--count N` events (exit 0).
 *
 * @module
 */
import type { Client, Pool, WatchEvent } from '@ftpkit/client';
import type { Context } from './context.js';
import { UsageError } from './exit-codes.js';
import { parseTarget } from './target.js';

/** Watch a remote folder (see the module comment). */
export async function watch(context: Context): Promise<Record<string, unknown>> {
  if (context.args.length !== 1) throw new UsageError('watch takes one URL');
  const { flags } = context;
  const target = parseTarget(context.args[0]!);
  const remote: Client | Pool = flags.parallel > 1 ? await context.pool(target) : await context.connect(target);
  let count = 0;
  for await (const event of remote.watch(target.path, {
    ...(flags.interval === undefined ? {} : { interval: flags.interval }),
    ...(flags.stable === undefined ? {} : { stableFor: flags.stable }),
    recursive: flags.recursive,
    initial: flags.initial ? 'emit' : 'ignore',
    include: flags.include,
    exclude: flags.exclude,
    maxDepth: flags.maxDepth,
    signal: context.signal,
  })) {
    if (flags.json) context.stdout.write(`${JSON.stringify(eventJson(event))}\n`);
    else context.print(eventLine(event));
    count++;
    if (flags.count !== undefined && count >= flags.count) break;
  }
  return { path: target.path, events: count };
}

/** `added sub/a.csv (1200 bytes)`, `changed a.csv (5 bytes, was 1200)`, `removed old/`. */
function eventLine(event: WatchEvent): string {
  const { entry } = event;
  const name = entry.type === 'directory' ? `${event.path}/` : event.path;
  if (event.kind === 'removed' || entry.type === 'directory' || entry.size === undefined) return `${event.kind} ${name}`;
  const was = event.kind === 'changed' && event.previous.size !== undefined ? `, was ${event.previous.size}` : '';
  return `${event.kind} ${name} (${entry.size} bytes${was})`;
}

function eventJson(event: WatchEvent): Record<string, unknown> {
  const entry = (e: WatchEvent['entry']) => ({
    type: e.type,
    ...(e.size === undefined ? {} : { size: e.size }),
    ...(e.modifiedAt === undefined ? {} : { modifiedAt: e.modifiedAt.toISOString() }),
  });
  return {
    kind: event.kind,
    path: event.path,
    remote: event.remote,
    ...entry(event.entry),
    ...(event.kind === 'changed' ? { previous: entry(event.previous) } : {}),
  };
}
