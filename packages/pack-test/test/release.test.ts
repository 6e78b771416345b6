// The release dry run (scripts/release-dry-run.mjs): `changeset version` and `pnpm -r publish
// --dry-run` in a scratch copy, then the packed manifests read back. About 4 s a run, offline.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { bump, releaseDryRun, rewrittenRange } from '../scripts/release-dry-run.mjs';
// @ts-expect-error: a plain .mjs script without types
import { PUBLISHED, repo } from '../scripts/published.mjs';

interface Report {
  packages: { folder: string; name: string; oldVersion: string; version: string; type: string; ranges: { dep: string; from: string; to: string }[] }[];
  privatePackages: { name: string; version: string }[];
  isolated: boolean;
  problems: string[];
}

const manifest = (folder: string) => JSON.parse(readFileSync(join(repo, 'packages', folder, 'package.json'), 'utf8'));

test('the helpers: a bump of x.y.z, and the range pnpm must write for each workspace: form', () => {
  expect([bump('0.1.0', 'patch'), bump('0.1.0', 'minor'), bump('0.1.3', 'major')]).toEqual(['0.1.1', '0.2.0', '1.0.0']);
  expect(['workspace:*', 'workspace:^', 'workspace:~', 'workspace:^1.0.0'].map((r) => rewrittenRange(r, '0.2.0'))).toEqual([
    '0.2.0',
    '^0.2.0',
    '~0.2.0',
    '^1.0.0',
  ]);
});

test('versions, CHANGELOGs and workspace ranges come out right for every published package', async () => {
  const report = (await releaseDryRun()) as Report;
  expect(report.problems).toEqual([]);
  expect(report.packages.map((p) => p.folder)).toEqual(PUBLISHED);
  for (const p of report.packages) {
    // Each package moves from its own version (or stays, with no changeset of its own).
    expect(p.oldVersion).toBe(manifest(p.folder).version);
    expect(p.version).toBe(p.type === 'none' ? p.oldVersion : bump(p.oldVersion, p.type));
    for (const range of p.ranges) expect(range.to).not.toMatch(/^workspace:/);
  }
  const cli = report.packages.find((p) => p.folder === 'cli')!;
  const client = report.packages.find((p) => p.folder === 'client')!;
  expect(cli.ranges.find((r) => r.dep === '@ftpkit/client')).toEqual({ field: 'dependencies', dep: '@ftpkit/client', from: 'workspace:^', to: `^${client.version}` });
  for (const p of report.privatePackages) expect(p.version).toBe('0.0.0');
  // As root (CI), the publish step runs in a network namespace with no interfaces: proof that it needs none.
  if (process.getuid?.() === 0) expect(report.isolated).toBe(true);
}, 120_000);

test('the checks fire: packages versioned together, another LICENSE, a CHANGELOG left out of the tarball', async () => {
  const report = (await releaseDryRun({
    prepare: (tree: string) => {
      const config = join(tree, '.changeset/config.json');
      writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), fixed: [['@ftpkit/codec', '@ftpkit/transport']] }));
      writeFileSync(join(tree, 'packages/cli/LICENSE'), 'All rights reserved.\n');
      const file = join(tree, 'packages/transport/package.json');
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...pkg, files: pkg.files.filter((f: string) => f !== 'CHANGELOG.md') }));
    },
  })) as Report;
  expect(report.problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^@ftpkit\/transport: 0\.0\.0 became 0\.2\.0, not its own minor bump 0\.1\.0/),
      '@ftpkit/transport: no CHANGELOG.md in the tarball',
      'ftpkit: LICENSE differs from the root LICENSE',
    ]),
  );
}, 120_000);
