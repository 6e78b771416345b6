// watch(): what a watch reports from a sequence of listings (WatchState, pure), and the poll loop on
// testkit's in-memory pair and manual clock: when polls happen, and that ending the loop leaves no
// timer and no listing behind.
import { describe, expect, test } from 'vitest';
import type { TreeEntry } from '../src/trees/plan.js';
import { WatchState, watchSettings, type WatchEvent, type WatchOptions } from '../src/trees/watch.js';
import { InvalidArgumentError } from '../src/index.js';
import { answer, connected, passive, track, type Session } from './memory-helpers.js';

const file = (path: string, size: number, minute = 0): TreeEntry => ({ path, type: 'file', size, modifiedAt: new Date(Date.UTC(2024, 0, 1, 12, minute)) });
const dir = (path: string): TreeEntry => ({ path, type: 'directory' });
const brief = (events: readonly WatchEvent[]) =>
  events.map((e) => `${e.kind} ${e.path}${e.entry.type === 'file' ? ` ${e.entry.size}` : '/'}${e.kind === 'changed' ? ` was ${e.previous.size}` : ''}`);

/** A state fed a baseline, then one listing per `interval` ms: the events of each poll. */
function run(options: WatchOptions, baseline: readonly TreeEntry[] | undefined, ...listings: (readonly TreeEntry[])[]): string[][] {
  const settings = watchSettings({ interval: 100, ...options });
  const state = new WatchState('/in', settings);
  if (baseline) state.baseline(baseline);
  return listings.map((listing, i) => brief(state.poll((i + 1) * settings.interval, listing)));
}

describe('WatchState: what each poll reports', () => {
  test('a new file is reported once, after two polls list it the same; a growing one only once it stops', () => {
    expect(run({}, [], [file('a', 1)], [file('a', 1)], [file('a', 1)])).toEqual([[], ['added a 1'], []]);
    expect(run({}, [], [file('a', 1)], [file('a', 2)], [file('a', 3, 1)], [file('a', 3, 1)], [file('a', 3, 1)])).toEqual([[], [], [], ['added a 3'], []]);
  });

  test('stableFor counts time, not polls: 250 ms at 100 ms polls is the fourth sighting', () => {
    expect(run({ stableFor: 250 }, [], ...Array.from({ length: 5 }, () => [file('a', 1)]))).toEqual([[], [], [], ['added a 1'], []]);
  });

  test('stableFor 0 reports at first sight, growth and all', () => {
    expect(run({ stableFor: 0 }, [], [file('a', 1)], [file('a', 2)], [file('a', 2)])).toEqual([['added a 1'], ['changed a 2 was 1'], []]);
  });

  test('a change is reported once stable, with the version reported before; a time alone is a change', () => {
    expect(run({}, [file('a', 1)], [file('a', 5)], [file('a', 9)], [file('a', 9)], [file('a', 9)])).toEqual([[], [], ['changed a 9 was 1'], []]);
    expect(run({}, [file('a', 1)], [file('a', 1, 7)], [file('a', 1, 7)])).toEqual([[], ['changed a 1 was 1']]);
    expect(run({}, [file('a', 1, 7)], [file('a', 1, 3)], [file('a', 1, 3)])).toEqual([[], ['changed a 1 was 1']]);
  });

  test('removals and folders are reported at once; a removed folder after its contents', () => {
    const tree = [dir('d'), file('d/x', 1), file('d/y', 1), file('z', 1)];
    expect(run({}, tree, [file('z', 1)])).toEqual([['removed d/y 1', 'removed d/x 1', 'removed d/']]);
    expect(run({}, [], [dir('d'), file('d/x', 1)], [dir('d'), file('d/x', 1)])).toEqual([['added d/'], ['added d/x 1']]);
  });

  test('a file gone before it was stable, or back to what was reported, is never reported', () => {
    expect(run({}, [], [file('a', 1)], [], [])).toEqual([[], [], []]);
    expect(run({}, [file('a', 1)], [file('a', 2)], [file('a', 1)], [file('a', 1)])).toEqual([[], [], []]);
  });

  test('a path that changes type is a removal and an addition', () => {
    expect(run({}, [file('a', 1)], [dir('a')])).toEqual([['removed a 1', 'added a/']]);
    expect(run({}, [dir('a')], [file('a', 1)], [file('a', 1)])).toEqual([['removed a/'], ['added a 1']]);
  });

  test("initial 'emit' reports what is there, files once stable; the baseline of 'ignore' reports nothing", () => {
    const there = [dir('d'), file('a', 1)];
    expect(run({ initial: 'emit' }, undefined, there, there)).toEqual([['added d/'], ['added a 1']]);
    expect(run({}, there, there)).toEqual([[]]);
  });

  test('include watches matching files only (no folders); exclude leaves paths alone', () => {
    const listing = [dir('d'), file('d/a.csv', 1), file('d/b.tmp', 1), file('c.csv', 1)];
    expect(run({ include: ['*.csv'], stableFor: 0 }, [], listing)).toEqual([['added c.csv 1', 'added d/a.csv 1']]);
    expect(run({ exclude: ['*.tmp', 'd'], stableFor: 0 }, [], listing)).toEqual([['added c.csv 1']]);
  });

  test('what is inside a folder that could not be listed stays as it was, reported or waiting', () => {
    const settings = watchSettings({ interval: 100 });
    const state = new WatchState('', settings);
    state.baseline([dir('d'), file('d/x', 1)]);
    expect(brief(state.poll(100, [dir('d'), file('d/x', 1), file('d/y', 1)]))).toEqual([]); // y waits
    expect(brief(state.poll(200, [dir('d')], ['d']))).toEqual([]); // x kept, y still waiting
    expect(brief(state.poll(300, [dir('d'), file('d/y', 1)]))).toEqual(['removed d/x 1', 'added d/y 1']);
  });

  test('events carry the remote path, and are frozen', () => {
    const state = new WatchState('/in', watchSettings({ stableFor: 0 }));
    const [event] = state.poll(0, [file('d/x', 3)]);
    expect(event).toEqual({ kind: 'added', path: 'd/x', remote: '/in/d/x', entry: file('d/x', 3) });
    expect(Object.isFrozen(event)).toBe(true);
  });

  test('the next poll: interval after the last one started, or sooner when a waiting file can be stable by then', () => {
    const state = new WatchState('', watchSettings({ interval: 1000, stableFor: 300 }));
    state.poll(0, []);
    expect(state.nextPollAt(0)).toBe(1000);
    state.poll(1000, [file('a', 1)]);
    expect(state.nextPollAt(1000)).toBe(1300);
  });

  test('bad options are InvalidArgumentError', () => {
    for (const options of [{ interval: 0 }, { interval: Number.NaN }, { stableFor: -1 }, { initial: 'all' as never }, { include: ['[a'] }, { maxDepth: -1 }]) {
      expect(() => watchSettings(options), JSON.stringify(options)).toThrow(InvalidArgumentError);
    }
  });
});

/** Play one `LIST -a /in` listing `lines`, on the pair. */
async function serveListing(session: Session, ...lines: string[]): Promise<void> {
  const { pair, control } = session;
  const data = await passive(pair, control);
  await answer(control, 'LIST -a /in', '150 here it comes');
  await data.write(lines.map((l) => `${l}\r\n`).join(''));
  await data.end();
  control.reply('226 done');
}

describe('the poll loop on the in-memory pair', () => {
  test('polls at once, then every interval on the client clock; break leaves no timer and no call behind', async () => {
    const session = await connected();
    const { clock, client, control } = session;
    const watch = client.watch('/in', { interval: 1000, stableFor: 0 });
    const first = track(watch.next());
    await serveListing(session, '-rw-r--r-- 1 u g 1 Jan 01 12:00 a');
    await clock.settle();
    expect(first.state).toBe('pending'); // the baseline reports nothing: the loop waits for the next poll
    expect(clock.nextAt).toBe(1000);
    await clock.advance(999);
    const second = serveListing(session, '-rw-r--r-- 1 u g 1 Jan 01 12:00 a', '-rw-r--r-- 1 u g 2 Jan 01 12:00 b');
    await clock.advance(1);
    await second;
    expect((await first.promise).value).toMatchObject({ kind: 'added', path: 'b', remote: '/in/b' });
    expect(clock.pending).toBe(0); // suspended at the event: no timer while the loop body runs
    // Between polls the Client is free: a call made here runs at once.
    const noop = track(client.send('NOOP'));
    await answer(control, 'NOOP', '200 ok');
    await noop.promise;
    await watch.return?.();
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    expect(await Promise.race([control.line(), clock.settle().then(() => 'nothing sent')])).toBe('nothing sent');
  });

  test('return() while waiting for the next poll ends the pending next() at once, its timer cleared', async () => {
    const session = await connected();
    const { clock, client } = session;
    const watch = client.watch('/in', { interval: 1000 });
    const next = track(watch.next());
    await serveListing(session, '-rw-r--r-- 1 u g 1 Jan 01 12:00 a');
    await clock.settle();
    expect(clock.pending).toBe(1);
    await watch.return?.();
    await clock.settle();
    expect(next.state).toBe('resolved');
    expect(await next.promise).toEqual({ done: true, value: undefined });
    expect(clock.pending).toBe(0);
  });

  test('aborting the signal while waiting ends the loop with its reason, its timer cleared', async () => {
    const session = await connected();
    const { clock, client } = session;
    const abort = new AbortController();
    const watch = client.watch('/in', { interval: 1000, signal: abort.signal });
    const next = track(watch.next());
    await serveListing(session, '-rw-r--r-- 1 u g 1 Jan 01 12:00 a');
    await clock.settle();
    const reason = new Error('enough');
    abort.abort(reason);
    await clock.settle();
    expect(next.state).toBe('rejected');
    expect(next.error).toBe(reason);
    expect(clock.pending).toBe(0);
  });
});
