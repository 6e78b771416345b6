/**
 * What a command written by the caller (the `command` operation) may do to the session.
 *
 * Theory of operation: h11's "Rule 1" for FTP. Everything the server believes about the session
 * that changes how later operations must run lives in the session's {@link Context}: the transfer
 * type, PROT, the selected HASH algorithm, the reply encoding, whether only EPSV is allowed. A raw
 * command reaches that state in one of three ways:
 * - it changes state the session models (TYPE, PROT, OPTS HASH, OPTS UTF8, EPSV ALL, and the count
 *   of working-directory changes: CWD, CDUP, XCWD, XCUP, SMNT): its effect is
 *   applied when the server accepts it with a 2xx. A 4xx/5xx means "the requested action did not take
 *   place" (RFC 959 §4.2), so the state stays as it was;
 * - it changes state the session cannot model, or needs what only another operation can give (a
 *   data connection, a TLS handshake, a pair of commands with nothing between them): it is refused
 *   with {@link LocalProtocolError} by `Session.start`, before a byte is sent, and the message names
 *   the operation (and the `@ftpkit/client` call) to use instead;
 * - anything else changes nothing the session keeps, and is sent as it is.
 *
 * @module
 */
import type { Command, TransferType } from '../commands.js';
import { LocalProtocolError } from '../errors.js';
import { hashAlgorithm } from '../hash.js';
import type { Context } from './program.js';

/** What an accepted command does to the state the session keeps. */
export type Effect = (ctx: Context) => void;

/** Why a command is refused, and what to use instead. */
interface Refusal {
  readonly why: string;
  readonly instead: string;
}

const LOGIN: Refusal = {
  why: 'it changes who is logged in, which the connect operation set up (RFC 959 §4.1.1)',
  instead: 'log in with the connect operation (Client.connect with user, password and account)',
};
const TLS_SETUP: Refusal = {
  why: 'it belongs to the TLS setup that only the connect operation performs, in step with the driver (RFC 4217 §4, §8)',
  instead: "connect with security 'explicit' or 'implicit' (Client.connect with secure)",
};
const RFC_2228: Refusal = {
  why: 'it belongs to the RFC 2228 security exchanges, and the session protects connections with TLS only (RFC 4217)',
  instead: "connect with security 'explicit' or 'implicit' (Client.connect with secure)",
};
const RENAME: Refusal = {
  why: 'RNTO must follow RNFR at once (RFC 959 §4.1.3), which two separate commands cannot promise',
  instead: 'use the rename operation (Client.rename)',
};

/** A transfer command: the data connection it needs is set up only by the transfer operation. */
function transferRefusal(call: string): Refusal {
  return {
    why: 'it needs a data connection, which only the transfer operation sets up (a raw one would leave the server waiting for it)',
    instead: `use the transfer operation (${call})`,
  };
}

/**
 * The commands refused whatever their argument. Each entry says why; the ones not here, and not in
 * {@link effectOf}, change nothing the session keeps. That includes the data-port commands (PASV,
 * EPSV, PORT, EPRT, LPSV, LPRT, SPSV): every transfer sends its own, which replaces whatever a raw one
 * set up, so a raw one is useless but harmless.
 */
const REFUSED: ReadonlyMap<string, Refusal> = new Map([
  ['USER', LOGIN],
  ['PASS', LOGIN],
  ['ACCT', LOGIN],
  [
    'REIN',
    {
      why: 'it logs out and resets the transfer parameters the session keeps (RFC 959 §4.1.1)',
      instead: 'open a new connection (Client.connect)',
    },
  ],
  ['AUTH', TLS_SETUP],
  ['PBSZ', TLS_SETUP],
  [
    'CCC',
    {
      why: 'it ends TLS on the control connection, which the driver must do in step with the session (RFC 4217 §5)',
      instead: 'clear the control connection with the connect operation (Client.connect with ccc: true)',
    },
  ],
  ['ADAT', RFC_2228],
  ['MIC', RFC_2228],
  ['CONF', RFC_2228],
  ['ENC', RFC_2228],
  [
    'REST',
    {
      why: 'its offset would apply to whichever transfer comes next (RFC 3659 §5.3)',
      instead: "resume with the transfer operation's restAt (Client.download or Client.upload with startAt)",
    },
  ],
  ['RETR', transferRefusal('Client.download')],
  ['STOR', transferRefusal('Client.upload')],
  ['STOU', transferRefusal('Client.upload')],
  ['APPE', transferRefusal('Client.append')],
  ['LIST', transferRefusal('Client.list')],
  ['NLST', transferRefusal('Client.names')],
  ['MLSD', transferRefusal('Client.list')],
  ['RNFR', RENAME],
  ['RNTO', RENAME],
  [
    'ABOR',
    {
      why: 'no transfer runs between operations, and its 225/226 could be taken for a reply the server still owes',
      instead: 'abort the running operation with Session.abort (Client: the AbortSignal of the call)',
    },
  ],
  [
    'QUIT',
    {
      why: 'it ends the session, which the quit operation tracks',
      instead: 'use the quit operation (Client.close)',
    },
  ],
]);

/** The words of a command's argument, upper-cased: `'a  n'` gives `['A', 'N']`. */
function words(cmd: Command): string[] {
  const arg = cmd.arg?.trim() ?? '';
  return arg === '' ? [] : arg.toUpperCase().split(/\s+/);
}

/**
 * RFC 959 §3.1.1: `A` and `A N` are ASCII (non-print is the default format), `I` is image. Other
 * types and formats (`E`, `L 8`, `A T`, `A C`) are not modelled: the type becomes unknown, so the
 * next transfer that names one sends its TYPE.
 */
function modelledType(cmd: Command): TransferType | undefined {
  const [type, format, ...rest] = words(cmd);
  if (rest.length > 0) return undefined;
  if (type === 'I' && format === undefined) return 'I';
  if (type === 'A' && (format === undefined || format === 'N')) return 'A';
  return undefined;
}

function refuse(cmd: Command, refusal: Refusal): never {
  throw new LocalProtocolError(`${cmd.name} cannot be sent as a raw command: ${refusal.why}. Instead, ${refusal.instead}`);
}

/**
 * Check a command the caller wrote against the state the session keeps. Throws
 * {@link LocalProtocolError} for one the session refuses, and returns the effect of one that changes
 * modelled state (undefined for the rest). Called by `Session.start`, so a refusal sends nothing and
 * leaves the session as it was.
 */
export function effectOf(cmd: Command, ctx: Context): Effect | undefined {
  const refused = REFUSED.get(cmd.name);
  if (refused !== undefined) refuse(cmd, refused);
  const [first, second] = words(cmd);
  switch (cmd.name) {
    case 'TYPE': {
      const type = modelledType(cmd);
      return (c) => {
        c.type = type;
      };
    }
    case 'PROT':
      // RFC 4217 §9: PROT follows AUTH and PBSZ, and with TLS only C (clear) and P (private) mean anything.
      if (!ctx.secure) {
        refuse(cmd, { why: 'PROT needs TLS on the control connection (RFC 4217 §9)', instead: "connect with security 'explicit' or 'implicit' and protectData" });
      }
      if ((first !== 'C' && first !== 'P') || second !== undefined) {
        refuse(cmd, { why: 'only PROT C and PROT P have a meaning with TLS (RFC 4217 §9)', instead: 'send PROT C or PROT P' });
      }
      return (c) => {
        c.protectData = first === 'P';
      };
    case 'MODE':
      // RFC 959 §3.4: block and compressed modes (and MODE Z) frame the data differently.
      if (first !== 'S' || second !== undefined) {
        refuse(cmd, { why: 'the data connection is read and written in stream mode only (RFC 959 §3.4.1)', instead: 'keep MODE S' });
      }
      return undefined;
    case 'STRU':
      // RFC 959 §3.1.2: record and page structures change what the data connection carries.
      if (first !== 'F' || second !== undefined) {
        refuse(cmd, { why: 'the data connection carries file structure only (RFC 959 §3.1.2.1)', instead: 'keep STRU F' });
      }
      return undefined;
    case 'OPTS':
      return optsEffect(cmd, first);
    case 'EPSV':
      // RFC 2428 §4: after EPSV ALL the server refuses every other data-port command, PASV included,
      // so the session must not fall back to it.
      return first === 'ALL' && second === undefined
        ? (c) => {
            c.epsv = true;
          }
        : undefined;
    case 'CWD':
    case 'CDUP':
    case 'XCWD':
    case 'XCUP':
    case 'SMNT':
      // RFC 959 §4.1.1 (and RFC 775's X forms): the working directory moves, to a path only the
      // server resolves; counted, so that a client can ask PWD where it now is.
      return (c) => {
        c.directoryChanges++;
      };
    default:
      return undefined;
  }
}

/** `OPTS UTF8` and `OPTS HASH` change state the session keeps; other options do not. */
function optsEffect(cmd: Command, option: string | undefined): Effect | undefined {
  const value = cmd.arg?.trim().slice(option?.length ?? 0).trim() ?? '';
  if (option === 'HASH') {
    // draft-bryan-ftpext-hash-02 §4: `OPTS HASH <name>` selects; without a name it only asks.
    if (value === '') return undefined;
    const selected = hashAlgorithm(value);
    return (c) => {
      c.hashAlgorithm = selected;
    };
  }
  if (option === 'UTF8') {
    // The reply parser decodes UTF-8 once the server agreed to it (as connect does); OFF goes back
    // to the encoding the session was configured with.
    const on = value.toUpperCase();
    if (on !== 'ON' && on !== 'OFF') return undefined;
    return (c) => {
      c.parser.encoding = on === 'ON' ? 'utf8' : (c.options.encoding ?? 'utf8');
    };
  }
  return undefined;
}
