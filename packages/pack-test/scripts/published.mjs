// The published packages and what each one's manifest must say about where it comes from. The pack
// test, the doc-example check and the release dry run all take the list from here.
//
// The root package.json is the one place for the license, `repository`, `homepage` and `bugs`; every
// published package repeats them (npm reads only its own manifest), with `repository.directory`
// naming its folder, and carries a copy of the root LICENSE (npm packs a LICENSE file from the
// package's own folder only). `checkMetadata` holds each package to the root.
//
// The repository's public address is not settled yet, so the root names a placeholder on the
// reserved `.example` domain (RFC 2606: it never resolves). `placeholderAddresses` finds those, and
// `release-guard.mjs` refuses a real publish while any is left.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The published packages, by folder under packages/, in dependency order. */
export const PUBLISHED = ['codec', 'transport', 'client', 'cli', 'test-server'];

/** @param {string} file */
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Folders under packages/ whose manifest is not `private`: what `pnpm -r publish` would publish. */
export function publicFolders(root = repo) {
  return readdirSync(join(root, 'packages'))
    .filter((dir) => {
      try {
        return readJson(join(root, 'packages', dir, 'package.json')).private !== true;
      } catch {
        return false;
      }
    })
    .sort();
}

/**
 * What is wrong with one published package's manifest and LICENSE, measured against the root's:
 * a list of sentences, empty when all is well.
 * @param {Record<string, unknown>} manifest the package's package.json (in the repo, or packed)
 * @param {string | undefined} license the text of its LICENSE file, undefined when it has none
 * @param {string} folder its folder under packages/
 */
export function checkMetadata(manifest, license, folder, root = repo) {
  const rootManifest = readJson(join(root, 'package.json'));
  const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');
  const problems = [];
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  if (manifest.license !== rootManifest.license) problems.push(`license is ${JSON.stringify(manifest.license)}, not the root's ${JSON.stringify(rootManifest.license)}`);
  if (license === undefined) problems.push('has no LICENSE file');
  else if (license !== rootLicense) problems.push('LICENSE differs from the root LICENSE');
  const repository = { ...rootManifest.repository, directory: `packages/${folder}` };
  if (!same(manifest.repository, repository)) problems.push(`repository is ${JSON.stringify(manifest.repository)}, expected ${JSON.stringify(repository)}`);
  for (const field of ['homepage', 'bugs']) {
    if (!same(manifest[field], rootManifest[field])) problems.push(`${field} is ${JSON.stringify(manifest[field])}, expected the root's ${JSON.stringify(rootManifest[field])}`);
  }
  const keywords = manifest.keywords;
  if (!Array.isArray(keywords) || keywords.length === 0 || !keywords.every((k) => typeof k === 'string' && k !== '')) {
    problems.push('keywords must be a non-empty list of words');
  }
  return problems;
}

/** The addresses in a manifest on the reserved `.example` domain (placeholders, not a real home). */
export function placeholderAddresses(manifest) {
  const urls = [manifest.homepage, manifest.bugs?.url, manifest.repository?.url].filter((u) => typeof u === 'string');
  return urls.filter((u) => /^(?:git\+)?https?:\/\/(?:[^/]*\.)?example(?:[:/]|$)/i.test(u));
}
