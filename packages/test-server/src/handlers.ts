/**
 * The default command handlers: just enough FTP to log in and move files held in memory, over
 * passive or active data connections, with explicit FTPS when the server has `tls`. A test replaces
 * the ones its scenario is about.
 *
 * @module
 */
import { readAll, sendAndClose } from './data.js';
import type { CommandHandler } from './types.js';

const encoder = new TextEncoder();

/** The defaults: a small, correct server. `tls` adds `AUTH TLS`, `PBSZ` and `PROT`. */
export function defaultHandlers(features: readonly string[], tls: boolean): Record<string, CommandHandler> {
  return {
    ...(tls ? tlsHandlers() : {}),
    USER: () => '331 Password required',
    PASS: () => '230 Logged in',
    ACCT: () => '230 Account ok',
    FEAT: (_, ctx) => ctx.reply('211-Features:', ...features.map((f) => ` ${f}`), '211 End'),
    OPTS: () => '200 OK',
    TYPE: () => '200 Type set',
    SYST: () => '215 UNIX Type: L8',
    PWD: () => '257 "/" is the current directory',
    CWD: () => '250 OK',
    NOOP: () => '200 NOOP ok',
    // Handlers run one at a time, so by the time ABOR is read the transfer's handler has finished.
    ABOR: () => '225 No transfer to abort',
    QUIT: (_, ctx) => {
      ctx.reply('221 Goodbye');
      ctx.socket.end();
    },
    EPSV: async (_, ctx) => `229 Entering Extended Passive Mode (|||${await ctx.passive()}|)`,
    PASV: async (_, ctx) => {
      const port = await ctx.passive();
      // RFC 959 §4.1.2: the address the server names, which may be one the client cannot reach (NAT).
      return `227 Entering Passive Mode (${ctx.passiveAddress.split('.').join(',')},${port >> 8},${port & 255})`;
    },
    // RFC 959 §4.1.2: h1,h2,h3,h4,p1,p2.
    PORT: (arg, ctx) => {
      const parts = arg.split(',').map(Number);
      if (parts.length !== 6 || !parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) return '501 Bad PORT argument';
      const [h1, h2, h3, h4, p1 = 0, p2 = 0] = parts;
      ctx.active(`${h1}.${h2}.${h3}.${h4}`, p1 * 256 + p2);
      return '200 PORT command successful';
    },
    // RFC 2428 §2: <d><net-prt><d><net-addr><d><tcp-port><d>, with any delimiter.
    EPRT: (arg, ctx) => {
      const fields = arg.split(arg.charAt(0));
      const [, family, address, portText] = fields;
      const port = Number(portText);
      const known = family === '1' || family === '2';
      if (arg === '' || fields.length !== 5 || !known || !address || !Number.isInteger(port) || port < 1 || port > 65535) return '501 Bad EPRT argument';
      ctx.active(address, port);
      return '200 EPRT command successful';
    },
    REST: (arg, ctx) => {
      ctx.restAt = Number(arg);
      return `350 Restarting at ${arg}`;
    },
    SIZE: (arg, ctx) => {
      const file = ctx.files.get(arg);
      return file ? `213 ${file.length}` : '550 No such file';
    },
    DELE: (arg, ctx) => (ctx.files.delete(arg) ? '250 Deleted' : '550 No such file'),
    RETR: async (arg, ctx) => {
      const file = ctx.files.get(arg);
      const offset = ctx.restAt;
      ctx.restAt = 0;
      if (!file) return '550 No such file';
      const data = await ctx.acceptData();
      ctx.reply('150 Opening data connection');
      await sendAndClose(data, file.subarray(offset));
      return '226 Transfer complete';
    },
    STOR: async (arg, ctx) => {
      const offset = ctx.restAt;
      ctx.restAt = 0;
      const data = await ctx.acceptData();
      ctx.reply('150 Ready to receive');
      const bytes = await readAll(data);
      const old = ctx.files.get(arg) ?? new Uint8Array();
      const next = new Uint8Array(offset + bytes.length);
      next.set(old.subarray(0, offset));
      next.set(bytes, offset);
      ctx.files.set(arg, offset > 0 ? next : bytes);
      return '226 Transfer complete';
    },
    APPE: async (arg, ctx) => {
      const data = await ctx.acceptData();
      ctx.reply('150 Ready to append');
      const bytes = await readAll(data);
      const old = ctx.files.get(arg) ?? new Uint8Array();
      const next = new Uint8Array(old.length + bytes.length);
      next.set(old);
      next.set(bytes, old.length);
      ctx.files.set(arg, next);
      return '226 Appended';
    },
    LIST: async (_, ctx) => {
      const data = await ctx.acceptData();
      ctx.reply('150 Here comes the listing');
      const lines = [...ctx.files].map(([name, b]) => `-rw-r--r--    1 1000     1000     ${String(b.length).padStart(8)} Jan 02  2020 ${name}\r\n`);
      await sendAndClose(data, encoder.encode(lines.join('')));
      return '226 Directory send OK';
    },
  };
}

/** `AUTH TLS`, `PBSZ` and `PROT` of RFC 4217, for servers started with `tls`. */
function tlsHandlers(): Record<string, CommandHandler> {
  return {
    AUTH: async (arg, ctx) => {
      if (arg.toUpperCase() !== 'TLS') return '504 Only AUTH TLS';
      ctx.reply('234 Proceed with negotiation');
      await ctx.startTls();
    },
    PBSZ: () => '200 PBSZ=0',
    PROT: (arg, ctx) => {
      ctx.protectData = arg.toUpperCase() === 'P';
      return `200 PROT ${arg} ok`;
    },
  };
}
