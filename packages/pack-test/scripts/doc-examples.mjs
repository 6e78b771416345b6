// Every ```ts block of the docs is a program that must type-check, so the docs cannot drift from
// the API. This script extracts the blocks from the guides (docs-src/guides/*.md), the package
// READMEs and the root README, writes each one as a module of its own under .doc-examples/ (with a
// `// source: FILE:LINE` header), and runs tsc over them against the built packages.
//
//   node scripts/doc-examples.mjs            extract and type-check (the `typecheck` script)
//   import { extractExamples } from '...'    the blocks, for tests that also run one
//
// A block is ```ts or ```typescript. Use ```js, ```sh or ```text for fragments that are not
// meant to compile. Each block is its own module: imports are per block, names do not leak between
// blocks, and top-level await works.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLISHED } from './published.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const repo = resolve(packageDir, '../..');
const outDir = join(packageDir, '.doc-examples');

/** The markdown files whose ```ts blocks are checked. */
export function markdownFiles() {
  const guides = join(repo, 'docs-src/guides');
  return [
    join(repo, 'README.md'),
    ...PUBLISHED.map((p) => join(repo, 'packages', p, 'README.md')),
    ...readdirSync(guides)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => join(guides, f)),
  ];
}

/**
 * The ```ts blocks of one markdown file: `{ file, line, code, name }`, line being the first code
 * line. A block whose first line is `// file: NAME.ts` is written under that name, so the other
 * blocks of the same page can import it (`./NAME.js`); `name` is undefined otherwise.
 */
export function extractExamples(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks = [];
  let open; // { fence, line, body }
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (open) {
      if (text.trim() === open.fence) {
        const name = /^\/\/ file: ([\w.-]+\.ts)\s*$/.exec(open.body[0] ?? '')?.[1];
        if (open.checked) blocks.push({ file, line: open.line, code: open.body.join('\n'), name });
        open = undefined;
      } else open.body.push(text);
      continue;
    }
    const start = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
    if (start) open = { fence: start[1], checked: start[2] === 'ts' || start[2] === 'typescript', line: i + 2, body: [] };
  }
  return blocks;
}

function main() {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const sources = new Map(); // generated file -> { file, line }
  let count = 0;
  for (const file of markdownFiles()) {
    // One folder per markdown file: blocks of one page may import each other by `// file:` name.
    const dir = join(outDir, relative(repo, file).replace(/[\\/]/g, '__').replace(/\.md$/, ''));
    mkdirSync(dir, { recursive: true });
    for (const block of extractExamples(file)) {
      const out = join(dir, block.name ?? `L${block.line}.ts`);
      // The header is one line, so an error on generated line N is on markdown line block.line + N - 2.
      writeFileSync(out, `// source: ${relative(repo, file)}:${block.line}\n${block.code}\nexport {};\n`);
      sources.set(relative(packageDir, out), block);
      count++;
    }
  }
  writeFileSync(
    join(outDir, 'tsconfig.json'),
    JSON.stringify(
      {
        extends: '../../../tsconfig.base.json',
        compilerOptions: {
          noEmit: true,
          composite: false,
          declaration: false,
          declarationMap: false,
          incremental: false,
          lib: ['ES2023', 'DOM', 'DOM.AsyncIterable'],
          types: ['node'],
        },
        include: ['*/*.ts'],
      },
      null,
      2,
    ),
  );
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json'), '--pretty', 'false'], { cwd: packageDir, encoding: 'utf8' });
  } catch (err) {
    // Point each error at the markdown line it comes from.
    const report = String(err.stdout ?? err).replace(/^(\.doc-examples\/[^(]+)\((\d+),(\d+)\)/gm, (all, gen, line, col) => {
      const block = sources.get(gen);
      return block ? `${relative(repo, block.file)}:${block.line + Number(line) - 2}:${col}` : all;
    });
    console.error(report);
    console.error(`doc examples: type errors in the docs (${count} blocks checked)`);
    process.exit(1);
  }
  console.log(`doc examples: ${count} TypeScript blocks from ${markdownFiles().length} files type-check`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
