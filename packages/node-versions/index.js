// Paths of the pinned Node.js binaries. Resolved from this package, so the `node` bins they link
// stay out of every script's PATH.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Absolute path of the `node` executable of each pinned major version (linux-x64 only). */
export const nodeBinaries = {
  22: join(dirname(require.resolve('node22/package.json')), 'bin', 'node'),
  24: join(dirname(require.resolve('node24/package.json')), 'bin', 'node'),
};
