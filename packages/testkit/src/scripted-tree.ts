/**
 * A folder tree for the scripted server: handlers that serve any tree a function describes, finite
 * or not, for tests of tree walks against servers that misbehave.
 *
 * Theory of operation: the tree is a function from a folder's absolute path to its entries
 * (`undefined`: no such folder), so a test can describe what no disk holds: a folder that lists
 * itself inside itself, an endless tree whose names never repeat, links shown as folders. The
 * handlers answer CWD and PWD (the working directory is kept per connection, and PWD says it as
 * given, without resolving anything, as pyftpdlib and ftp-srv do), LIST (as `ls -l`, with `-a`
 * accepted), NLST (in the ways servers differ: `nlst`), MLSD and MLST (of folders and of what
 * they list, with `unique` facts where the entries have them), SIZE, RETR, DELE and RMD. Deletions go to the test's `remove`, which decides what a deletion changes. How LIST takes a
 * leading `-a` can be one of the ways servers seen in the wild get it wrong (`listFlag`), and the
 * listing's text can be replaced (`listText`), to serve lines no parser reads.
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
import { sendAndClose, type CommandHandler, type ScriptContext } from '@ftpkit/test-server';

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

/**
 * How LIST takes a leading `-a`:
 * - `'flag'`: as `ls` does (the default);
 * - `'alone'`: only when it stands alone; `-a PATH` is taken as the path `-a PATH` (550);
 * - `'empty'`: accepted, and the listing is empty whatever the folder holds (Windows CE, some
 *   embedded servers);
 * - `'refuse'`: 501 to any LIST with `-a`.
 */
export type ListFlagBehaviour = 'flag' | 'alone' | 'empty' | 'refuse';

/**
 * How NLST answers, in the ways real servers differ (the client's `test/names-servers.test.ts` has
 * the five in testkit):
 * - `names`: `'bare'` names alone (pyftpdlib, ftp-srv: the default), or `'echo'` the folder as the
 *   client gave it in front of each (vsftpd, ProFTPD, Pure-FTPd: `NLST /up` gives `/up/a.txt`);
 * - `empty`: what an empty folder gets: `'nothing'`, 226 without data (the default), or a reply
 *   line sent instead of any transfer (`'450 No files found'`, as wu-ftpd does);
 * - `missing`: what a missing folder gets: a reply line (default `'550 No such file or directory'`),
 *   or `'nothing'`, 226 without data (vsftpd).
 */
export interface NlstBehaviour {
  readonly names?: 'bare' | 'echo';
  readonly empty?: string;
  readonly missing?: string;
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
  /** How LIST takes a leading `-a`. Default `'flag'`. */
  readonly listFlag?: ListFlagBehaviour;
  /** The text LIST sends for the folder at `path`, in place of `ls -l` lines of its `entries`. */
  readonly listText?: (path: string, entries: readonly TreeEntrySpec[]) => string;
  /** How NLST answers. Default: bare names, 226 without data for an empty folder, 550 for a missing one. */
  readonly nlst?: NlstBehaviour;
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
  const transfer = async (ctx: ScriptContext, text: string): Promise<string> => {
    const data = await ctx.acceptData();
    ctx.reply('150 Here comes the listing');
    await sendAndClose(data, encoder.encode(text));
    return '226 Directory send OK';
  };
  const lines = (lines: readonly string[]): string => lines.map((l) => `${l}\r\n`).join('');
  const listFlag = options.listFlag ?? 'flag';
  return {
    CWD: (arg, ctx) => {
      const path = resolve(ctx, arg);
      if (options.list(path) === undefined) return '550 No such folder';
      cwds.set(ctx, path);
      return '250 OK';
    },
    PWD: (_, ctx) => `257 "${cwd(ctx)}" is the current directory`,
    LIST: (arg, ctx) => {
      let path = arg;
      let flagged = false;
      if (arg === '-a' || arg.startsWith('-a ')) {
        if (listFlag === 'refuse') return '501 Invalid option';
        if (listFlag !== 'alone' || arg === '-a') {
          flagged = true;
          path = arg.slice(3);
        }
      }
      const folder = resolve(ctx, path);
      const entries = options.list(folder);
      if (entries === undefined) return `550 ${path}: No such file or directory`;
      const shown = flagged && listFlag === 'empty' ? [] : entries;
      return transfer(ctx, options.listText ? options.listText(folder, shown) : lines(shown.map(lsLine)));
    },
    NLST: (arg, ctx) => {
      const { names = 'bare', empty = 'nothing', missing = '550 No such file or directory' } = options.nlst ?? {};
      const entries = options.list(resolve(ctx, arg));
      const refusal = entries === undefined ? missing : entries.length === 0 ? empty : 'nothing';
      if (refusal !== 'nothing') return refusal;
      const prefix = names === 'echo' && arg !== '' ? (arg.endsWith('/') ? arg : `${arg}/`) : '';
      return transfer(ctx, lines((entries ?? []).map((e) => `${prefix}${e.name}`)));
    },
    MLSD: (arg, ctx) => {
      const entries = options.list(resolve(ctx, arg));
      if (entries === undefined) return '550 No such folder';
      return transfer(ctx, lines(entries.map((e) => `${facts(e)} ${e.name}`)));
    },
    MLST: (arg, ctx) => {
      const path = resolve(ctx, arg);
      if (options.list(path) === undefined) {
        const entry = entryAt(path);
        return entry === undefined ? '550 No such file or folder' : `250-Listing ${path}\r\n ${facts(entry)} ${path}\r\n250 End`;
      }
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

/** An absolute path without `.`, `..` or empty segments (the flaky server resolves paths the same way). */
export function normalize(path: string): string {
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

/** A tree kept in memory for {@link treeHandlers}: see {@link fileTree}. */
export interface FileTree {
  /** The files, by absolute path; what DELE removes. */
  readonly files: Map<string, Uint8Array>;
  /** Every folder, `/` included; what RMD removes. */
  readonly folders: Set<string>;
  readonly list: TreeHandlersOptions['list'];
  readonly read: NonNullable<TreeHandlersOptions['read']>;
  readonly remove: NonNullable<TreeHandlersOptions['remove']>;
}

/**
 * An ordinary tree for {@link treeHandlers}, held in memory: `files` by absolute path, their folders
 * (and `folders`, which may be empty) made up from those paths. DELE removes a file, RMD an empty
 * folder; a folder stays when its last file goes, as on a disk.
 *
 * @example
 * ```ts
 * const tree = fileTree({ '/up/a.txt': 'a', '/up/sub/b.txt': 'b' });
 * const server = await startScriptedServer({ handlers: treeHandlers({ ...tree, listFlag: 'alone' }) });
 * // ... then: expect([...tree.files.keys()]).toEqual([]);
 * ```
 */
export function fileTree(files: Readonly<Record<string, string | Uint8Array>>, folders: readonly string[] = []): FileTree {
  const tree: FileTree = {
    files: new Map(Object.entries(files).map(([path, content]) => [path, typeof content === 'string' ? encoder.encode(content) : content])),
    folders: new Set(['/', ...folders]),
    list: (path) => {
      if (!tree.folders.has(path)) return undefined;
      const prefix = path === '/' ? '/' : `${path}/`;
      const direct = (p: string) => p.startsWith(prefix) && p !== path && !p.includes('/', prefix.length);
      return [
        ...[...tree.files].filter(([p]) => direct(p)).map(([p, bytes]): TreeEntrySpec => ({ name: p.slice(prefix.length), type: 'file', size: bytes.length })),
        ...[...tree.folders].filter(direct).map((p): TreeEntrySpec => ({ name: p.slice(prefix.length), type: 'dir' })),
      ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    read: (path) => tree.files.get(path),
    remove: (path, command) => {
      if (command === 'DELE') return tree.files.delete(path);
      return path !== '/' && tree.list(path)?.length === 0 && tree.folders.delete(path);
    },
  };
  for (const path of tree.files.keys()) {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) tree.folders.add(path.slice(0, slash));
  }
  return tree;
}
