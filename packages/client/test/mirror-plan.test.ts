// The mirror planner and globs: pure functions, shared by client.mirror() and `ftpkit mirror`.
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { compileGlob } from '../src/trees/glob.js';
import { applyChecksums, checksumCandidates, compareFiles, diffTrees, excludedBy, newerThan, planMirror, type TreeEntry } from '../src/trees/plan.js';

describe('globs', () => {
  test('basename patterns match at any depth; path patterns are anchored', () => {
    expect(compileGlob('*.log')('a/b/c.log')).toBe(true);
    expect(compileGlob('*.log')('a/b/c.txt')).toBe(false);
    expect(compileGlob('logs/**')('logs/x/y.txt')).toBe(true);
    expect(compileGlob('logs/*')('logs/x/y.txt')).toBe(false);
    expect(compileGlob('**/*.{jpg,png}')('a.png')).toBe(true);
    expect(compileGlob('file?.[0-9]')('file1.7')).toBe(true);
    expect(compileGlob('[!a]*')('abc')).toBe(false);
  });

  // The edge cases picomatch's documentation names (dotfiles, globstars, braces, negation), as
  // ftpkit sets it up: dotfiles matched (rsync, .gitignore), POSIX classes, strict brackets.
  const matches = (pattern: string, paths: string[]) => paths.filter(compileGlob(pattern));
  const paths = ['a.log', '.hidden.log', 'logs', 'logs/x.txt', 'logs/.cache/y.txt', 'src/a/b.ts', 'src/.git/HEAD', '.env', 'b.txt'];

  test('dotfiles: *, ? and ** match names that start with a dot', () => {
    expect(matches('*.log', paths)).toEqual(['a.log', '.hidden.log']);
    expect(matches('*', ['.env', 'a/.env', 'a'])).toEqual(['.env', 'a/.env', 'a']);
    expect(matches('?env', ['.env'])).toEqual(['.env']);
    expect(matches('logs/**', paths)).toEqual(['logs', 'logs/x.txt', 'logs/.cache/y.txt']);
    expect(matches('**/.git/**', paths)).toEqual(['src/.git/HEAD']);
    // A name pattern meets each entry's own name; an exclude also leaves out what is below a match.
    expect(matches('.*', paths)).toEqual(['.hidden.log', '.env']);
    expect(paths.filter(excludedBy(['.*']))).toEqual(['.hidden.log', 'logs/.cache/y.txt', 'src/.git/HEAD', '.env']);
  });

  test('globstars: ** crosses folders, matches none, and stays a * inside a segment', () => {
    expect(matches('**/*.ts', paths)).toEqual(['src/a/b.ts']);
    expect(matches('src/**/*.ts', paths)).toEqual(['src/a/b.ts']);
    expect(compileGlob('**/b.txt')('b.txt')).toBe(true);
    expect(compileGlob('src/**')('src')).toBe(true);
    expect(compileGlob('a**b')('a/b')).toBe(false);
    expect(compileGlob('a**b')('axxb')).toBe(true);
    expect(compileGlob('logs/*')('logs/.cache/y.txt')).toBe(false);
    // A leading slash is the tree's root, not the server's.
    expect(matches('/logs/*', paths)).toEqual(['logs/x.txt']);
  });

  test('braces: alternatives, nested, ranges, and escaped braces as text', () => {
    expect(matches('*.{log,txt}', paths)).toEqual(['a.log', '.hidden.log', 'logs/x.txt', 'logs/.cache/y.txt', 'b.txt']);
    expect(matches('{src/{a,b},logs}/*', paths)).toEqual(['logs/x.txt', 'src/a/b.ts']);
    expect(matches('file{1..3}', ['file0', 'file1', 'file3', 'file4'])).toEqual(['file1', 'file3']);
    expect(compileGlob('\\{a,b\\}')('{a,b}')).toBe(true);
    expect(compileGlob('\\{a,b\\}')('a')).toBe(false);
  });

  test('negation: a leading ! inverts the pattern, !(…) one part of it, [!…] a class', () => {
    expect(matches('!*.log', paths)).toEqual(['logs', 'logs/x.txt', 'logs/.cache/y.txt', 'src/a/b.ts', 'src/.git/HEAD', '.env', 'b.txt']);
    expect(matches('!logs/**', ['logs/x.txt', 'src/a/b.ts'])).toEqual(['src/a/b.ts']);
    expect(matches('!/logs/**', ['logs/x.txt', 'src/a/b.ts'])).toEqual(['src/a/b.ts']);
    expect(matches('!(*.log)', ['a.log', 'b.txt'])).toEqual(['b.txt']);
    expect(matches('[!ab]*', ['a1', 'b2', 'c3'])).toEqual(['c3']);
    expect(matches('[^ab]*', ['a1', 'b2', 'c3'])).toEqual(['c3']);
  });

  test('classes and extglobs', () => {
    expect(matches('[[:digit:]]*', ['1.txt', 'a.txt'])).toEqual(['1.txt']);
    expect(matches('+(ab|cd).txt', ['abcd.txt', 'ab.txt', 'x.txt'])).toEqual(['abcd.txt', 'ab.txt']);
    expect(matches('\\[x\\].txt', ['[x].txt', 'x.txt'])).toEqual(['[x].txt']);
  });

  test('an unbalanced bracket, brace or parenthesis, or an empty pattern, is InvalidArgumentError', () => {
    for (const bad of ['[ab', '{a,b', '{a', 'a]', '(a', '', '/']) {
      expect(() => compileGlob(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => compileGlob('[ab')).toThrow('Bad glob "[ab": "[" is never closed; write \\[ to match one as text');
    expect(() => compileGlob('a}')).not.toThrow(); // a lone closing brace is text, as in bash
    expect(() => compileGlob('a)')).toThrow('Bad glob "a)": ")" has no opening "("; write \\) to match one as text');
    expect(() => compileGlob('/')).toThrow('Empty glob "/"');
  });
});

describe('planMirror', () => {
  const t = (iso: string) => new Date(iso);
  const source: TreeEntry[] = [
    { path: 'a.txt', type: 'file', size: 5, modifiedAt: t('2024-01-01T00:00:00Z') },
    { path: 'dir', type: 'directory' },
    { path: 'dir/b.txt', type: 'file', size: 7, modifiedAt: t('2024-01-02T00:00:00Z') },
    { path: 'dir/c.log', type: 'file', size: 1, modifiedAt: t('2024-01-02T00:00:00Z') },
    { path: 'new', type: 'directory' },
  ];
  test('copies new files, creates directories parents first', () => {
    const plan = planMirror(source, []);
    expect(plan.actions.map((a) => `${a.kind} ${a.path}`)).toEqual([
      'mkdir dir',
      'mkdir new',
      'copy a.txt',
      'copy dir/b.txt',
      'copy dir/c.log',
    ]);
  });
  test('skips unchanged files, copies changed size and newer ones, respects the tolerance', () => {
    const target: TreeEntry[] = [
      { path: 'a.txt', type: 'file', size: 5, modifiedAt: t('2024-01-01T00:00:30Z') },
      { path: 'dir', type: 'directory' },
      { path: 'dir/b.txt', type: 'file', size: 8, modifiedAt: t('2024-01-03T00:00:00Z') },
      { path: 'dir/c.log', type: 'file', size: 1, modifiedAt: t('2024-01-01T00:00:00Z') },
      { path: 'new', type: 'directory' },
    ];
    const plan = planMirror(source, target, { toleranceMs: 60_000 });
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'copy', path: 'dir/b.txt', reason: 'size' }),
      expect.objectContaining({ kind: 'copy', path: 'dir/c.log', reason: 'newer' }),
    ]);
    expect(plan.unchanged).toEqual(['a.txt']);
  });
  test('--delete removes extraneous entries, a directory as a whole, and nothing excluded', () => {
    const target: TreeEntry[] = [
      ...source,
      { path: 'old', type: 'directory' },
      { path: 'old/x', type: 'file', size: 1 },
      { path: 'stale.txt', type: 'file', size: 1 },
      { path: 'keep.tmp', type: 'file', size: 1 },
    ];
    const plan = planMirror(source, target, { delete: true, exclude: ['*.tmp'] });
    expect(plan.actions.map((a) => `${a.kind} ${a.path}`)).toEqual(['delete stale.txt', 'delete old']);
    expect(planMirror(source, target, { exclude: ['*.tmp'] }).actions).toEqual([]);
  });
  test('include and exclude filters', () => {
    const plan = planMirror(source, [], { include: ['*.txt'], exclude: ['dir/b.txt'] });
    expect(plan.actions.map((a) => `${a.kind} ${a.path}`)).toEqual(['copy a.txt']);
    expect(plan.filtered).toEqual(['dir/b.txt', 'dir/c.log']);
  });
  test('a type clash is a conflict without --delete, and replaced with it', () => {
    const target: TreeEntry[] = [{ path: 'dir', type: 'file', size: 3 }];
    const keep = planMirror(source, target);
    expect(keep.conflicts).toEqual(['dir', 'dir/b.txt', 'dir/c.log']);
    expect(keep.actions.some((a) => a.path.startsWith('dir'))).toBe(false);
    const replace = planMirror(source, target, { delete: true });
    expect(replace.actions.slice(0, 2).map((a) => `${a.kind} ${a.path}`)).toEqual(['delete dir', 'mkdir dir']);
  });
  test('below a clash, folders are conflicts too: nothing is made inside what is a file on the target', () => {
    const deep: TreeEntry[] = [
      { path: 'dir', type: 'directory' },
      { path: 'dir/sub', type: 'directory' },
      { path: 'dir/sub/deeper', type: 'directory' },
      { path: 'dir/sub/x.txt', type: 'file', size: 1 },
      { path: 'other', type: 'directory' },
    ];
    const keep = planMirror(deep, [{ path: 'dir', type: 'file', size: 3 }]);
    expect(keep.conflicts).toEqual(['dir', 'dir/sub', 'dir/sub/deeper', 'dir/sub/x.txt']);
    expect(keep.actions.map((a) => `${a.kind} ${a.path}`)).toEqual(['mkdir other']);
  });
});

describe('applyChecksums', () => {
  const t = (iso: string) => new Date(iso);
  const source: TreeEntry[] = [
    { path: 'd', type: 'directory' },
    { path: 'd/new.txt', type: 'file', size: 1, modifiedAt: t('2024-01-01T00:00:00Z') },
    { path: 'same.txt', type: 'file', size: 3, modifiedAt: t('2024-01-01T00:00:00Z') },
    { path: 'newer.txt', type: 'file', size: 3, modifiedAt: t('2024-06-01T00:00:00Z') },
    { path: 'resized.txt', type: 'file', size: 9, modifiedAt: t('2024-01-01T00:00:00Z') },
  ];
  const target: TreeEntry[] = [
    { path: 'same.txt', type: 'file', size: 3, modifiedAt: t('2024-01-01T00:00:00Z') },
    { path: 'newer.txt', type: 'file', size: 3, modifiedAt: t('2024-01-01T00:00:00Z') },
    { path: 'resized.txt', type: 'file', size: 4, modifiedAt: t('2024-01-01T00:00:00Z') },
    { path: 'extra.txt', type: 'file', size: 1 },
  ];
  const plan = planMirror(source, target, { delete: true });

  test('candidates are the same-size files: kept ones and newer ones', () => {
    expect(checksumCandidates(plan)).toEqual(['newer.txt', 'same.txt']);
  });

  test('a differing checksum copies, an equal one keeps whatever the times; order stays mkdir, copy, delete', () => {
    const refined = applyChecksums(plan, source, new Set(['same.txt']));
    expect(refined.actions.map((a) => `${a.kind} ${a.path}${a.kind === 'copy' ? ` ${a.reason}` : ''}`)).toEqual([
      'mkdir d',
      'copy d/new.txt new',
      'copy resized.txt size',
      'copy same.txt checksum',
      'delete extra.txt',
    ]);
    expect(refined.unchanged).toEqual(['newer.txt']);
  });
});

describe('compareFiles and diffTrees: the one comparison, for mirror and watch', () => {
  const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute));
  const f = (size: number, minute: number): TreeEntry => ({ path: 'a', type: 'file', size, modifiedAt: at(minute) });

  test('size first, then time either way beyond the tolerance; unknown sizes and times are no difference', () => {
    expect(compareFiles(f(1, 0), f(2, 5))).toBe('size');
    expect(compareFiles(f(1, 5), f(1, 0), { toleranceMs: 60_000 })).toBe('newer');
    expect(compareFiles(f(1, 0), f(1, 5), { toleranceMs: 60_000 })).toBe('older');
    expect(compareFiles(f(1, 0), f(1, 1), { toleranceMs: 60_000 })).toBeUndefined();
    expect(compareFiles({ path: 'a', type: 'file' }, f(1, 5))).toBeUndefined();
  });

  test('a mirror keeps a target newer than its source: it never copies back in time', () => {
    const plan = planMirror([f(1, 0)], [f(1, 5)]);
    expect(plan.actions).toEqual([]);
    expect(plan.unchanged).toEqual(['a']);
  });

  test('diffTrees: added, changed either way, removed, a type change both, folders never changed', () => {
    const before: TreeEntry[] = [f(1, 5), { path: 'd', type: 'directory', modifiedAt: at(0) }, { path: 'gone', type: 'file', size: 1 }, { path: 'x', type: 'file', size: 1 }];
    const after: TreeEntry[] = [f(1, 0), { path: 'd', type: 'directory', modifiedAt: at(9) }, { path: 'new', type: 'file', size: 2 }, { path: 'x', type: 'directory' }];
    const { added, changed, removed } = diffTrees(before, after);
    expect(added.map((e) => e.path)).toEqual(['new', 'x']);
    expect(changed).toEqual([{ entry: f(1, 0), previous: f(1, 5) }]);
    expect(removed.map((e) => `${e.path} ${e.type}`)).toEqual(['gone file', 'x file']);
  });
});

describe('newerThan: times compared only to the precision both have', () => {
  const file = (iso: string, precision?: TreeEntry['precision']): TreeEntry => ({ path: 'a', type: 'file', modifiedAt: new Date(iso), ...(precision ? { precision } : {}) });

  test('exact times (local files) to the millisecond; a tolerance on top', () => {
    expect(newerThan(file('2024-06-14T09:30:00.001Z'), file('2024-06-14T09:30:00.000Z'))).toBe(true);
    expect(newerThan(file('2024-06-14T09:30:00.500Z'), file('2024-06-14T09:30:00.000Z'), { toleranceMs: 1000 })).toBe(false);
  });

  test('minute: a LIST time to the minute equals any time within that minute, either way round', () => {
    const listed = file('2024-06-14T09:30:00Z', 'minute');
    for (const local of ['2024-06-14T09:30:00Z', '2024-06-14T09:30:59.999Z']) {
      expect(newerThan(file(local), listed)).toBe(false);
      expect(newerThan(listed, file(local))).toBe(false);
    }
    expect(newerThan(file('2024-06-14T09:31:00Z'), listed)).toBe(true);
    expect(newerThan(listed, file('2024-06-14T09:29:59.999Z'))).toBe(true);
  });

  test('second: an MLSD time against a local time with milliseconds', () => {
    const mlsd = file('2024-06-14T09:30:05Z', 'second');
    expect(newerThan(file('2024-06-14T09:30:05.900Z'), mlsd)).toBe(false);
    expect(newerThan(file('2024-06-14T09:30:06Z'), mlsd)).toBe(true);
  });

  test("day: the calendar day in the server's zone, never the invented midnight", () => {
    // 2 January 2020 at UTC+05:30: from 1 January 18:30 to 2 January 18:30 UTC.
    const listed = file('2020-01-01T18:30:00Z', 'day');
    const zone = { zoneOffsetAt: () => 330 };
    expect(newerThan(file('2020-01-02T18:29:59Z'), listed, zone)).toBe(false);
    expect(newerThan(file('2020-01-02T18:30:00Z'), listed, zone)).toBe(true);
    expect(newerThan(listed, file('2020-01-01T18:30:00Z'), zone)).toBe(false);
    expect(newerThan(listed, file('2020-01-01T18:29:59Z'), zone)).toBe(true);
    // Read in UTC instead, the same local time would be a day off.
    expect(newerThan(listed, file('2020-01-01T18:29:59Z'))).toBe(false);
    // The offset asked for is the one at each time's own instant (a zone with summer time).
    const asked: number[] = [];
    newerThan(file('2020-07-01T12:00:00Z'), listed, { zoneOffsetAt: (t) => (asked.push(t), 60) });
    expect(asked).toEqual([Date.parse('2020-07-01T12:00:00Z'), Date.parse('2020-01-01T18:30:00Z')]);
  });

  test('no time on either side: not newer', () => {
    expect(newerThan({ path: 'a', type: 'file' }, file('2020-01-01T00:00:00Z'))).toBe(false);
    expect(newerThan(file('2020-01-01T00:00:00Z'), { path: 'a', type: 'file' })).toBe(false);
  });

  test('planMirror decides "newer" by it', () => {
    const plan = planMirror([file('2024-06-14T09:30:40Z')], [file('2024-06-14T09:30:00Z', 'minute')]);
    expect(plan.unchanged).toEqual(['a']);
  });
});
