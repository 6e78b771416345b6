/**
 * The client's only access to local files. `node:fs` works on Node, Deno and Bun alike, so one shim
 * serves all three; keeping it in one file makes the dependency easy to swap for a runtime without it.
 *
 * @module
 */
export { lstat, mkdir, open, readdir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
export type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
export { basename, dirname, join };
