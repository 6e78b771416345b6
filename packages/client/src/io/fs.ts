/**
 * The client's only access to local files. `node:fs` works on Node, Deno and Bun alike, so one shim
 * serves all three; keeping it in one file makes the dependency easy to swap for a runtime without it.
 *
 * @module
 */
export { lstat, mkdir, open, readdir, realpath, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
export type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
export { basename, dirname, join };

/**
 * Whether `FileHandle.writev` joins the buffers into a new one before writing. Deno 2.9's does:
 * writing 1 GiB as 1 MiB `writev`s of eight 128 KiB buffers peaked at 129 MB RSS there, against
 * 49 MB with one `write` per buffer (and 49 MB on Node either way). Where it copies, the sinks write
 * buffer by buffer instead.
 */
export const writevCopies: boolean = typeof (globalThis as { Deno?: unknown }).Deno === 'object';
