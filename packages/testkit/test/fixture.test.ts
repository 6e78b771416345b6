// makeFixtureTree over a root that a previous run left behind: it can be repeated, and a leftover
// symlink at a fixture path is replaced, never written through.
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FIXTURE_TREE, makeFixtureTree } from '../src/index.js';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftpkit-fixture-test-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function expectFixture(root: string): Promise<void> {
  for (const entry of FIXTURE_TREE) {
    const path = join(root, ...entry.path.split('/'));
    const info = await lstat(path);
    if (entry.type === 'file') {
      expect(info.isFile(), entry.path).toBe(true);
      expect(await readFile(path, 'utf8')).toBe(entry.content);
    } else if (entry.type === 'dir') {
      expect(info.isDirectory(), entry.path).toBe(true);
    } else {
      expect(await readlink(path)).toBe(entry.target);
    }
  }
}

test('a second makeFixtureTree on the same root succeeds and leaves the same tree', async () => {
  const root = join(scratch, 'root');
  await mkdir(root);
  await makeFixtureTree(root);
  await makeFixtureTree(root);
  await expectFixture(root);
});

test('leftovers at fixture paths are replaced, and nothing is written through a leftover symlink', async () => {
  const root = join(scratch, 'root');
  const outside = join(scratch, 'outside.txt');
  await mkdir(root);
  await writeFile(outside, 'keep me\n');
  await symlink(outside, join(root, 'hello.txt'));
  await mkdir(join(root, 'small.bin')); // a folder where a file goes
  await writeFile(join(root, 'sub'), 'a file where a folder goes\n');
  await writeFile(join(root, 'link-to-sub'), 'a file where a symlink goes\n');
  await makeFixtureTree(root);
  await expectFixture(root);
  expect(await readFile(outside, 'utf8')).toBe('keep me\n');
});
