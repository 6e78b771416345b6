/**
 * A folder tree for the scripted server: handlers that serve any tree a function describes, finite
 * or not, for tests of tree walks against servers that misbehave.
 *
 * Theory of operation: the tree is a function from a folder's absolute path to its entries
 * (`undefined`: no such folder), so a test can describe what no disk holds: a folder that lists
 * itself inside itself, an endless tree whose names never repeat, links shown as folders. The
 * handlers answer CWD and PWD (the working directory is kept per connection, and PWD says it as
 * given, without resolving anything, as pyftpdlib and ftp-srv do), LIST (as `ls -l`, with `-a`
 * accepted), MLSD and MLST (with `unique` facts where the entries have them), SIZE, RETR, DELE and
 * RMD. Deletions go to the test's `remove`, which decides what a deletion changes.
 *
 * @example
 * ```ts
 * // `/a` holds f.txt and `a`, which is `/a` again, and so on for ever.
 * const loop = (path: string) => (/^\/a(\/a)*$/.test(path) ? [{ name: 'f.txt', type: 'file', size: 1 }, { name: 'a', type: 'dir' }] : undefined);
 * const server = await startScriptedServer({ handlers: treeHandlers({ list: loop }) });
 * ```
 *
 * @module
 */
import type { CommandHandler, ScriptContext } from './scripted.js';
import { sendAndClose } from './scripted.js';

/** One entry of a scripted folder. */
export interface TreeEntrySpec {
  readonly name: string;
  readonly type: 'file' | 'dir' | 'link';
  /** A file's size in the listing (default 1, the size of the default content). */
  readonly size?: number;
  /** MLSD's `unique` fact, when the server is to send one. */
  readonly unique?: string;
  /** A link's target, shown by LIST as `name -> target`. */
  readonly target?: string;
}

/** Options of {@link treeHandlers}. */
export interface TreeHandlersOptions {
  /** The entries of the folder at `path` (absolute, `/`-separated), or undefined when there is none. */
  readonly list: (path: string) => readonly TreeEntrySpec[] | undefined;
  /** A file's bytes (default: one byte, `x`, for any path whose parent lists it as a file). */
  readonly read?: (path: string) => Uint8Array | undefined;
  /** Delete a file (DELE) or an empty folder (RMD); true when done. Default: refuse. */
  readonly remove?: (path: string, command: 'DELE' | 'RMD') => boolean;
  /** The `unique` fact of a folder for MLST (default: none). */
  readonly unique?: (path: string) => string | undefined;
}

const encoder = new TextEncoder();

/** Handlers that serve the tree `options.list` describes; pass them as `handlers` (and `features` with MLST for MLSD). */
export function treeHandlers(options: TreeHandlersOptions): Record<string, CommandHandler> {
  const cwds = new WeakMap<ScriptContext, string>();
  const cwd = (ctx: ScriptContext): string => cwds.get(ctx) ?? '/';
  const resolve = (ctx: ScriptContext, arg: string): string => normalize(arg.startsWith('/') ? arg : `${cwd(ctx)}/${arg}`);
  const entryAt = (path: string): TreeEntrySpec | undefined => {
    const slash = path.lastIndexOf('/');
    const parent = slash <= 0 ? '/' : path.slice(0, slash);
    return options.list(parent)?.find((e) => e.name === path.slice(slash + 1));
  };
  const read = (path: string): Uint8Array | undefined => options.read?.(path) ?? (entryAt(path)?.type === 'file' ? encoder.encode('x') : undefined);
  const transfer = async (ctx: ScriptContext, lines: readonly string[]): Promise<string> => {
    const data = await ctx.acceptData();
    ctx.reply('150 Here comes the listing');
    await sendAndClose(data, encoder.encode(lines.map((l) => `${l}\r\n`).join('')));
    return '226 Directory send OK';
  };
  return {
    CWD: (arg, ctx) => {
      const path = resolve(ctx, arg);
      if (options.list(path) === undefined) return '550 No such folder';
      cwds.set(ctx, path);
      return '250 OK';
    },
    PWD: (_, ctx) => `257 "${cwd(ctx)}" is the current directory`,
    LIST: (arg, ctx) => {
      const entries = options.list(resolve(ctx, arg.replace(/^-a( |$)/, '')));
      if (entries === undefined) return '550 No such folder';
      return transfer(ctx, entries.map(lsLine));
    },
    MLSD: (arg, ctx) => {
      const entries = options.list(resolve(ctx, arg));
      if (entries === undefined) return '550 No such folder';
      return transfer(ctx, entries.map((e) => `${facts(e)} ${e.name}`));
    },
    MLST: (arg, ctx) => {
      const path = resolve(ctx, arg);
      if (options.list(path) === undefined) return '550 No such folder';
      const unique = options.unique?.(path);
      return `250-Listing ${path}\r\n type=dir;${unique === undefined ? '' : `unique=${unique};`} ${path}\r\n250 End`;
    },
    SIZE: (arg, ctx) => {
      const bytes = read(resolve(ctx, arg));
      return bytes === undefined ? '550 No such file' : `213 ${bytes.length}`;
    },
    RETR: async (arg, ctx) => {
      const bytes = read(resolve(ctx, arg));
      if (bytes === undefined) return '550 No such file';
      const data = await ctx.acceptData();
      ctx.reply('150 Opening data connection');
      await sendAndClose(data, bytes);
      return '226 Transfer complete';
    },
    DELE: (arg, ctx) => (options.remove?.(resolve(ctx, arg), 'DELE') ? '250 Deleted' : '550 Cannot delete'),
    RMD: (arg, ctx) => (options.remove?.(resolve(ctx, arg), 'RMD') ? '250 Removed' : '550 Cannot remove'),
  };
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function lsLine(e: TreeEntrySpec): string {
  const mode = e.type === 'dir' ? 'drwxr-xr-x' : e.type === 'link' ? 'lrwxrwxrwx' : '-rw-r--r--';
  const size = e.type === 'file' ? (e.size ?? 1) : 0;
  const name = e.type === 'link' && e.target !== undefined ? `${e.name} -> ${e.target}` : e.name;
  return `${mode}    1 ftp      ftp      ${String(size).padStart(8)} Jan 02  2020 ${name}`;
}

function facts(e: TreeEntrySpec): string {
  const type = e.type === 'dir' ? 'dir' : e.type === 'link' ? 'OS.unix=symlink' : 'file';
  const size = e.type === 'file' ? `size=${e.size ?? 1};` : '';
  const unique = e.unique === undefined ? '' : `unique=${e.unique};`;
  return `type=${type};${size}modify=20200102000000;${unique}`;
}
