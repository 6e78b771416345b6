// Every published package says where it comes from and under which license, the same way as the
// root package.json (scripts/published.mjs). The packed tarballs are checked too, in pack.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { checkMetadata, placeholderAddresses, PUBLISHED, publicFolders, repo } from '../scripts/published.mjs';

const published = PUBLISHED as readonly string[];
const readManifest = (folder: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(repo, 'packages', folder, 'package.json'), 'utf8'));

test('the list of published packages is every package that is not private', () => {
  expect(publicFolders()).toEqual([...published].sort());
});

describe.each(published)('%s', (folder) => {
  test('carries the root LICENSE, license, repository (with its folder), homepage, bugs and keywords', () => {
    const licenseFile = join(repo, 'packages', folder, 'LICENSE');
    const license = existsSync(licenseFile) ? readFileSync(licenseFile, 'utf8') : undefined;
    expect(checkMetadata(readManifest(folder), license, folder)).toEqual([]);
  });
});

describe('the checker', () => {
  const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
  const license = readFileSync(join(repo, 'LICENSE'), 'utf8');
  const good = { ...readManifest('codec') };

  test('names each missing or wrong field', () => {
    const { repository: _r, homepage: _h, ...bare } = good;
    expect(checkMetadata({ ...bare, license: 'ISC', keywords: [] }, undefined, 'codec')).toEqual([
      'license is "ISC", not the root\'s "MIT"',
      'has no LICENSE file',
      `repository is undefined, expected ${JSON.stringify({ ...(root.repository as object), directory: 'packages/codec' })}`,
      `homepage is undefined, expected the root's ${JSON.stringify(root.homepage)}`,
      'keywords must be a non-empty list of words',
    ]);
  });

  test("a repository.directory other than the package's folder, and a changed LICENSE", () => {
    const problems = checkMetadata(good, `${license}\nextra`, 'client') as string[];
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe('LICENSE differs from the root LICENSE');
    expect(problems[1]).toContain('"directory":"packages/client"');
  });

  test('placeholder addresses are those on the reserved .example domain', () => {
    expect(placeholderAddresses({ homepage: 'https://ftpkit.example/', repository: { url: 'git+https://ftpkit.example/ftpkit.git' } })).toHaveLength(2);
    expect(placeholderAddresses({ homepage: 'https://example/', bugs: { url: 'http://a.b.example:8080/x' } })).toHaveLength(2);
    expect(placeholderAddresses({ homepage: 'https://example.org/', bugs: { url: 'https://ftpkit.test/example' } })).toEqual([]);
  });
});
