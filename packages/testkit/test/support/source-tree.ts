// The monorepo's source tree as the repository-wide checks read it (layout.test.ts,
// error-table.test.ts): where it is, which packages have a src/, their .ts files, and their text
// without comments.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const packagesDir = join(root, 'packages');

/** Every `.ts` file under `dir`, recursively. */
export function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Packages with a src/ folder, by folder name. */
export function packageDirs(): string[] {
  return readdirSync(packagesDir)
    .map((name) => join(packagesDir, name))
    .filter((dir) => {
      try {
        return statSync(join(dir, 'src')).isDirectory();
      } catch {
        return false;
      }
    });
}

/** The text without comments, so that a path or a code in a doc example is not read as code. */
export function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}
