// The table of error codes (docs-src/guides/errors.md, "Every code") against the sources: every
// `ERR_FTP_*` code that a package's src/ throws is listed, with the class that throws it; every
// listed code is still thrown; and no source names a code the table lacks. The places that mention
// codes link to the table rather than keeping lists of their own.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { code, packageDirs, root, sources } from './support/source-tree.js';

const guide = join(root, 'docs-src/guides/errors.md');

/** The source files of every package's src/. */
function allSources(): string[] {
  return packageDirs().flatMap((dir) => sources(join(dir, 'src')));
}

/** A code an error is made with: `super('ERR_FTP_X'`, `new SomeError('ERR_FTP_X'`, or a `code` field set to it. */
const THROWN = /\bsuper\(\s*'(ERR_FTP_[A-Z_]+)'|\bnew\s+\w*Error\(\s*'(ERR_FTP_[A-Z_]+)'|\bcode\b[^=;\n]*=\s*'(ERR_FTP_[A-Z_]+)'/g;

/** Thrown codes, each with the classes that throw it and where. */
function thrownCodes(): Map<string, { classes: Set<string>; where: string[] }> {
  const found = new Map<string, { classes: Set<string>; where: string[] }>();
  for (const file of allSources()) {
    const text = code(readFileSync(file, 'utf8'));
    for (const match of text.matchAll(THROWN)) {
      const errorCode = (match[1] ?? match[2] ?? match[3])!;
      // The class is the one whose body the code stands in: the nearest declaration before it.
      const before = text.slice(0, match.index);
      const declared = [...before.matchAll(/\bclass\s+(\w+)/g)].at(-1)?.[1];
      const direct = /^new\s+(\w+)/.exec(match[0])?.[1];
      const cls = direct ?? declared ?? '(no class)';
      const entry = found.get(errorCode) ?? { classes: new Set<string>(), where: [] };
      entry.classes.add(cls);
      entry.where.push(`${relative(root, file)}: ${cls}`);
      found.set(errorCode, entry);
    }
  }
  return found;
}

/** Every `ERR_FTP_*` code that a source names, thrown or compared against. */
function namedCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of allSources()) {
    for (const match of code(readFileSync(file, 'utf8')).matchAll(/['"`](ERR_FTP_[A-Z_]+)['"`]/g)) {
      found.set(match[1]!, [...(found.get(match[1]!) ?? []), relative(root, file)]);
    }
  }
  return found;
}

/** The rows of the guide's table: code → class. */
function tableRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(guide, 'utf8').split('\n')) {
    const row = /^\|\s*`(ERR_FTP_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/.exec(line);
    if (row === null) continue;
    expect(rows.has(row[1]!), `${row[1]} is listed twice`).toBe(false);
    rows.set(row[1]!, row[2]!);
  }
  return rows;
}

describe('the error table', () => {
  test('the scan finds what the packages throw (a scan that finds nothing would pass anything)', () => {
    const thrown = thrownCodes();
    expect(thrown.get('ERR_FTP_REPLY')?.classes).toEqual(new Set(['FtpReplyError']));
    expect(thrown.get('ERR_FTP_CONNECTION')?.classes).toEqual(new Set(['ConnectionError']));
    // Made by the codec and, under the same brand, by the transport.
    expect(thrown.get('ERR_FTP_INVALID_ARG')?.where.length).toBeGreaterThanOrEqual(2);
  });

  test('lists every code a package throws, with the class that throws it', () => {
    const rows = tableRows();
    const missing: string[] = [];
    for (const [errorCode, { classes, where }] of thrownCodes()) {
      const listed = rows.get(errorCode);
      if (listed === undefined) missing.push(`${errorCode} (thrown in ${where.join(', ')})`);
      else for (const cls of classes) expect(cls, `the class of ${errorCode} in the table`).toBe(listed);
    }
    expect(missing, `add these to the table in ${relative(root, guide)}`).toEqual([]);
  });

  test('lists no code that nothing throws any more', () => {
    const thrown = thrownCodes();
    const stale = [...tableRows().keys()].filter((errorCode) => !thrown.has(errorCode));
    expect(stale, `remove these from ${relative(root, guide)}, or throw them`).toEqual([]);
  });

  test('no source names a code the table lacks', () => {
    const rows = tableRows();
    const unknown = [...namedCodes()].filter(([errorCode]) => !rows.has(errorCode)).map(([c, files]) => `${c} in ${files.join(', ')}`);
    expect(unknown).toEqual([]);
  });

  test('the READMEs and the client errors module point at the table instead of keeping lists', () => {
    for (const file of ['packages/client/README.md', 'packages/codec/README.md', 'packages/transport/README.md', 'packages/cli/README.md', 'packages/client/src/errors.ts']) {
      expect(readFileSync(join(root, file), 'utf8'), file).toContain('docs-src/guides/errors.md');
    }
  });
});
