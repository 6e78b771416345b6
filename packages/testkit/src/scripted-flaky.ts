/**
 * A scripted server whose files live in memory and whose transfers and changes fail at random, for
 * tests of retry and resume.
 *
 * Theory of operation: {@link flakyHandlers} serves a {@link FileTree} (files by absolute path, and
 * folders) with the commands a client's calls use: CWD, PWD, SIZE, MLST, MLSD, LIST, RETR (with
 * REST), STOR (with REST), APPE, DELE, MKD, RMD, RNFR and RNTO. Each transfer and each change is
 * cut with probability `chance`, at a point drawn from the seeded `random`:
 * - a transfer stops after a random number of bytes. A `'data'` cut resets the data connection and
 *   answers 426; a `'network'` cut resets the data connection and drops the control connection
 *   without a reply, as a dropped network does. What an upload sent before the cut is kept, as
 *   real servers keep it (the file was truncated when STOR began);
 * - a change (DELE, RNTO, MKD, RMD) is carried out and then its reply is lost (`'network'`), or it
 *   is refused with 450 before anything happens (`'data'`: the transient refusal).
 * Everything the server did is counted in the returned {@link FlakyLog}: bytes sent and received
 * per path, the changes carried out, and the cuts. Those counts are what a test checks against:
 * that no file was sent twice in full, and no change was carried out twice.
 *
 * @example
 * ```ts
 * const tree = fileTree({ '/pub/a.bin': randomBytes(1 << 20) });
 * const { handlers, log } = flakyHandlers({ tree, random: seededRandom(7) });
 * const server = await startScriptedServer({ handlers, features: FLAKY_FEATURES });
 * ```
 *
 * @module
 */
import type { Socket } from 'node:net';
import { reset, sendAndClose, type CommandHandler, type ScriptContext } from '@ftpkit/test-server';
import { normalize, type FileTree } from './scripted-tree.js';

/** The FEAT lines a client needs to use everything {@link flakyHandlers} serves. */
export const FLAKY_FEATURES: readonly string[] = ['EPSV', 'PASV', 'SIZE', 'MDTM', 'REST STREAM', 'MLST type*;size*;modify*;', 'UTF8'];

/** How a cut falls (see the module comment). */
export type FlakyCut = 'data' | 'network';

/** Options of {@link flakyHandlers}. */
export interface FlakyOptions {
  readonly tree: FileTree;
  readonly random: () => number;
  /** The chance that a transfer or a change is cut. Default 0.5. */
  readonly chance?: number;
  /** The kinds of cut drawn from. Default both. */
  readonly cuts?: readonly FlakyCut[];
  /** Which commands may be cut. Default all of RETR, STOR, APPE, MLSD, LIST, DELE, RNTO, MKD, RMD. */
  readonly commands?: readonly string[];
}

/** One transfer a flaky server ran: where it started in the file, what it moved, whether it ran to the end. */
export interface FlakyTransfer {
  readonly command: 'RETR' | 'STOR' | 'APPE';
  readonly path: string;
  /** The REST offset (RETR, STOR), or the file's size before an APPE. */
  readonly offset: number;
  bytes: number;
  complete: boolean;
}

/** What a flaky server did. */
export interface FlakyLog {
  /** Every RETR, STOR and APPE, in order. */
  readonly transfers: FlakyTransfer[];
  /** Bytes RETR wrote to data connections, per path. */
  readonly sent: Map<string, number>;
  /** Bytes STOR and APPE read from data connections, per path. */
  readonly received: Map<string, number>;
  /** Each change carried out, as `COMMAND path` (`RNTO from -> to`), in order. */
  readonly effects: string[];
  /** Cuts made, by command. */
  readonly cuts: Map<string, number>;
}

const encoder = new TextEncoder();

/** Handlers serving `options.tree`, cutting at random; pass them with {@link FLAKY_FEATURES}. */
export function flakyHandlers(options: FlakyOptions): { handlers: Record<string, CommandHandler>; log: FlakyLog } {
  const { tree, random } = options;
  const chance = options.chance ?? 0.5;
  const kinds = options.cuts ?? ['data', 'network'];
  const cuttable = new Set(options.commands ?? ['RETR', 'STOR', 'APPE', 'MLSD', 'LIST', 'DELE', 'RNTO', 'MKD', 'RMD']);
  const log: FlakyLog = { transfers: [], sent: new Map(), received: new Map(), effects: [], cuts: new Map() };
  const cwds = new WeakMap<ScriptContext, string>();
  const renaming = new WeakMap<ScriptContext, string>();
  const cwd = (ctx: ScriptContext): string => cwds.get(ctx) ?? '/';
  const resolve = (ctx: ScriptContext, arg: string): string => normalize(arg.startsWith('/') ? arg : `${cwd(ctx)}/${arg}`);
  const add = (map: Map<string, number>, key: string, n: number): void => void map.set(key, (map.get(key) ?? 0) + n);

  /** The cut to make now, if any. */
  const draw = (command: string): FlakyCut | undefined => {
    if (!cuttable.has(command) || random() >= chance) return undefined;
    add(log.cuts, command, 1);
    return kinds[Math.floor(random() * kinds.length)] ?? 'data';
  };
  /** Reset the data connection; for a network cut, drop the control connection too (no reply). */
  const cutTransfer = (ctx: ScriptContext, data: Socket, cut: FlakyCut): string | void => {
    reset(data);
    if (cut === 'network') {
      reset(ctx.socket);
      return;
    }
    return '426 Connection closed; transfer aborted';
  };
  /** A change: refused with 450 before it happens, or carried out with its reply lost. */
  const change = (ctx: ScriptContext, command: string, described: string, apply: () => string): string | void => {
    const cut = draw(command);
    if (cut === 'data') return '450 Requested action not taken: try again';
    const reply = apply();
    if (reply.startsWith('2')) log.effects.push(`${command} ${described}`);
    if (cut === 'network') {
      reset(ctx.socket);
      return;
    }
    return reply;
  };
  const isFolder = (path: string): boolean => tree.folders.has(path);
  const listing = async (ctx: ScriptContext, command: string, arg: string, line: (name: string, path: string) => string): Promise<string | void> => {
    const folder = resolve(ctx, arg.replace(/^-a( |$)/, ''));
    if (!isFolder(folder)) return '550 No such folder';
    const text = encoder.encode(
      (tree.list(folder) ?? []).map((e) => `${line(e.name, folder === '/' ? `/${e.name}` : `${folder}/${e.name}`)}\r\n`).join(''),
    );
    const data = await ctx.acceptData();
    ctx.reply('150 Here comes the listing');
    const cut = draw(command);
    if (!cut) {
      await sendAndClose(data, text);
      return '226 Directory send OK';
    }
    await write(data, text.subarray(0, Math.floor(random() * text.length)));
    return cutTransfer(ctx, data, cut);
  };
  /** Read an upload into the file at `path` from `offset`; a cut keeps what came before it. */
  const receive = async (ctx: ScriptContext, command: 'STOR' | 'APPE', path: string, offset: number): Promise<string | void> => {
    const transfer: FlakyTransfer = { command, path, offset, bytes: 0, complete: false };
    log.transfers.push(transfer);
    const data = await ctx.acceptData();
    ctx.reply('150 Ok to send data');
    const cut = draw(command);
    const limit = cut ? Math.floor(random() * 4 * 1024 * 1024) : Infinity;
    const chunks: Uint8Array[] = [];
    let got = 0;
    const store = (): void => {
      const bytes = new Uint8Array(Buffer.concat(chunks, got));
      const old = tree.files.get(path) ?? new Uint8Array();
      const next = new Uint8Array(offset + bytes.length);
      next.set(old.subarray(0, offset));
      next.set(bytes, offset);
      tree.files.set(path, next);
    };
    await new Promise<void>((done) => {
      data.on('data', (chunk: Buffer) => {
        if (got >= limit) return;
        const piece = got + chunk.length > limit ? chunk.subarray(0, limit - got) : chunk;
        chunks.push(new Uint8Array(piece));
        got += piece.length;
        transfer.bytes += piece.length;
        add(log.received, path, piece.length);
        if (got >= limit) done();
      });
      data.on('end', () => done());
      data.on('error', () => done());
      data.on('close', () => done());
    });
    store();
    if (cut && got >= limit) return cutTransfer(ctx, data, cut);
    transfer.complete = true;
    return '226 Transfer complete';
  };

  const handlers: Record<string, CommandHandler> = {
    CWD: (arg, ctx) => {
      const path = resolve(ctx, arg);
      if (!isFolder(path)) return '550 No such folder';
      cwds.set(ctx, path);
      return '250 Directory changed';
    },
    CDUP: (_, ctx) => {
      cwds.set(ctx, resolve(ctx, '..'));
      return '250 Directory changed';
    },
    PWD: (_, ctx) => `257 "${cwd(ctx)}" is the current directory`,
    SIZE: (arg, ctx) => {
      const file = tree.files.get(resolve(ctx, arg));
      return file ? `213 ${file.length}` : '550 No such file';
    },
    MLST: (arg, ctx) => {
      const path = resolve(ctx, arg);
      const file = tree.files.get(path);
      if (!file && !isFolder(path)) return '550 No such file or folder';
      return `250-Listing ${path}\r\n ${file ? `type=file;size=${file.length};` : 'type=dir;'}modify=20200102000000; ${path}\r\n250 End`;
    },
    MLSD: (arg, ctx) =>
      listing(ctx, 'MLSD', arg, (name, path) => {
        const file = tree.files.get(path);
        return `${file ? `type=file;size=${file.length};` : 'type=dir;'}modify=20200102000000; ${name}`;
      }),
    LIST: (arg, ctx) =>
      listing(ctx, 'LIST', arg, (name, path) => {
        const file = tree.files.get(path);
        return `${file ? '-rw-r--r--' : 'drwxr-xr-x'}    1 ftp      ftp      ${String(file?.length ?? 0).padStart(8)} Jan 02  2020 ${name}`;
      }),
    RETR: async (arg, ctx) => {
      const path = resolve(ctx, arg);
      const offset = ctx.restAt;
      ctx.restAt = 0;
      const file = tree.files.get(path);
      if (!file) return '550 No such file';
      const rest = file.subarray(Math.min(offset, file.length));
      const data = await ctx.acceptData();
      ctx.reply(`150 Opening BINARY mode data connection for ${path} (${file.length} bytes)`);
      const cut = draw('RETR');
      const part = cut ? rest.subarray(0, Math.floor(random() * rest.length)) : rest;
      add(log.sent, path, part.length);
      log.transfers.push({ command: 'RETR', path, offset, bytes: part.length, complete: !cut });
      if (!cut) {
        await sendAndClose(data, part);
        return '226 Transfer complete';
      }
      await write(data, part);
      return cutTransfer(ctx, data, cut);
    },
    STOR: (arg, ctx) => {
      const path = resolve(ctx, arg);
      const offset = ctx.restAt;
      ctx.restAt = 0;
      // Truncated when STOR begins (RFC 959 §4.1.3: the file is replaced), kept up to a REST offset.
      tree.files.set(path, (tree.files.get(path) ?? new Uint8Array()).slice(0, offset));
      return receive(ctx, 'STOR', path, offset);
    },
    APPE: (arg, ctx) => {
      const path = resolve(ctx, arg);
      return receive(ctx, 'APPE', path, tree.files.get(path)?.length ?? 0);
    },
    DELE: (arg, ctx) => {
      const path = resolve(ctx, arg);
      return change(ctx, 'DELE', path, () => (tree.files.delete(path) ? '250 Deleted' : '550 No such file'));
    },
    MKD: (arg, ctx) => {
      const path = resolve(ctx, arg);
      return change(ctx, 'MKD', path, () => {
        if (isFolder(path) || tree.files.has(path) || !isFolder(parent(path))) return '550 Cannot create folder';
        tree.folders.add(path);
        return `257 "${path}" created`;
      });
    },
    RMD: (arg, ctx) => {
      const path = resolve(ctx, arg);
      return change(ctx, 'RMD', path, () => (tree.remove(path, 'RMD') ? '250 Removed' : '550 Cannot remove'));
    },
    RNFR: (arg, ctx) => {
      const path = resolve(ctx, arg);
      if (!tree.files.has(path) && !isFolder(path)) return '550 No such file';
      renaming.set(ctx, path);
      return '350 Ready for RNTO';
    },
    RNTO: (arg, ctx) => {
      const from = renaming.get(ctx);
      renaming.delete(ctx);
      const to = resolve(ctx, arg);
      if (from === undefined) return '503 RNFR first';
      return change(ctx, 'RNTO', `${from} -> ${to}`, () => {
        const file = tree.files.get(from);
        if (file === undefined) return '550 Cannot rename folders here';
        tree.files.delete(from);
        tree.files.set(to, file);
        return '250 Renamed';
      });
    },
  };
  return { handlers, log };
}

/** Write `bytes` and wait until they are handed to the kernel (or the socket failed). */
function write(data: Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (bytes.length === 0 || data.destroyed) return resolve();
    data.write(bytes, () => resolve());
  });
}

function parent(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

