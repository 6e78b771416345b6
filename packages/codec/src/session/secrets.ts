/**
 * Secrets in text from the server: the password and account a session sent never leave it inside a
 * reply's text.
 *
 * Theory of operation: some servers echo a command they refuse, `PASS` included (`500 'PASS
 * hunter2': command not understood`). The session sends the password, so it knows it; a
 * {@link Secrets} holds it, in every form a server may echo it, and the session passes everything
 * it hands out through it: each reply given to `onReply` (the protocol log), each error of a
 * `failed` or `close` action (message, reply and causes), and the greeting and login replies of a
 * connect's result. This is the one place where that happens. The forms:
 * - the text as given;
 * - its bytes as sent, read back in the other encoding: the UTF-8 bytes of `pässwort` decoded as
 *   latin1 (`pÃ¤sswort`), or latin1 bytes decoded as UTF-8, where a server's encoding differs from
 *   the session's (RFC 2640 §2.2 leaves it to each server);
 * - its URL encoding (RFC 3986 §2.1, hex digits in either case), for servers and proxies that show
 *   the login as a URL.
 *
 * The replies the protocol reads (PASV, SIZE, PWD...) are never changed: a short password such as
 * `1` would otherwise rewrite a PASV address. So a call's own result, a reply the caller parses,
 * is the server's text as sent; what is redacted is the server's text meant for people: in errors,
 * logs, events and the welcome. ftpkit's own words are never touched. Redaction replaces more than
 * the secret when the secret is also an ordinary word of the reply; a message that says less is the
 * price of one that never leaks. Secrets shorter than 3 characters are left alone.
 *
 * @module
 */
import { REDACTED } from '../commands.js';
import { FtpReplyError } from '../errors.js';
import { freezeReply, type Reply } from '../reply.js';
import { decodeText, encodeText, type TextEncodingName } from '../text.js';
import type { Action, OperationResult } from './types.js';

const ENCODINGS: readonly TextEncodingName[] = ['utf8', 'latin1'];

/**
 * The shortest secret redacted: 3 characters. `p` or `pw` would turn every word that holds it into
 * `****` in every message of the session, and 1 or 2 characters keep nothing secret anyway.
 */
const MIN_SECRET = 3;

/** How many causes deep an error's chain is redacted (a chain is short; a cycle must still end). */
const MAX_CAUSES = 8;

/**
 * Every form of `secret` that text from the server may hold, longest first, so that a form inside
 * another (`a b` in `a%20b` cannot be, but `pä` in `pÃ¤`...) is replaced as a whole.
 *
 * @internal
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  for (const sent of ENCODINGS) {
    const bytes = encodeText(secret, sent);
    if (bytes === undefined) continue; // not representable in latin1: never sent that way
    for (const read of ENCODINGS) forms.add(decodeText(bytes, read));
  }
  for (const form of [...forms]) {
    let encoded: string;
    try {
      encoded = encodeURIComponent(form);
    } catch {
      continue; // a lone surrogate has no URL encoding
    }
    forms.add(encoded);
    forms.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  }
  forms.delete('');
  return [...forms].sort((a, b) => b.length - a.length);
}

/** The secrets of one session, and the redaction of what leaves it. @internal */
export class Secrets {
  #forms: string[] = [];

  /**
   * Remember a secret the session is about to send (the password, the account). One shorter than
   * `MIN_SECRET` characters is not: it cannot be told from ordinary text, and keeps no secret.
   */
  add(secret: string | undefined): void {
    if (secret === undefined || secret.length < MIN_SECRET) return;
    this.#forms = [...new Set([...this.#forms, ...secretForms(secret)])].sort((a, b) => b.length - a.length);
  }

  /** `text` with every form of every secret replaced by `****`. */
  text(text: string): string {
    let out = text;
    for (const form of this.#forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  }

  /** `reply`, or a copy whose lines are redacted when they hold a secret. */
  reply(reply: Reply): Reply {
    if (this.#forms.length === 0 || !this.#holds(reply.text)) return reply;
    return freezeReply(reply.code, reply.kind, reply.lines.map((line) => this.text(line)));
  }

  /**
   * Redact an error in place, with its causes: the reply of an `FtpReplyError`, and that reply's
   * text where the message quotes it. Only the server's text is touched; ftpkit's own words are
   * not (a password `ftp` must not turn "ftpkit" into "****kit"). The session's other errors quote
   * no reply text. In place, so that the session's sticky `error`, the `failed` and the `close`
   * actions, which share one error object, all show the redacted one, and its class and stack stay
   * as they were.
   */
  error<E>(error: E): E {
    let current: unknown = error;
    for (let depth = 0; depth < MAX_CAUSES && current instanceof Error; depth++) {
      if (current instanceof FtpReplyError) {
        const said = current.reply.text;
        const reply = this.reply(current.reply);
        if (reply !== current.reply) {
          (current as { reply: Reply }).reply = reply;
          if (current.message.endsWith(said)) current.message = current.message.slice(0, current.message.length - said.length) + reply.text;
        }
      }
      current = current.cause;
    }
    return error;
  }

  /** The actions a session call returns, with what they carry for people redacted. */
  actions(actions: Action[]): Action[] {
    if (this.#forms.length === 0) return actions;
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      if (action.type === 'failed' || action.type === 'failing') this.error(action.error);
      else if (action.type === 'close' && action.reason !== undefined) this.error(action.reason);
      else if (action.type === 'done') actions[i] = { type: 'done', result: this.#result(action.result) };
    }
    return actions;
  }

  /** A connect's greeting and welcome are for people; a command's reply is the caller's to parse. */
  #result(result: OperationResult): OperationResult {
    if (result.kind !== 'connect') return result;
    const greeting = this.reply(result.greeting);
    const welcome = this.reply(result.welcome);
    return greeting === result.greeting && welcome === result.welcome ? result : Object.freeze({ ...result, greeting, welcome });
  }

  #holds(text: string): boolean {
    for (const form of this.#forms) if (text.includes(form)) return true;
    return false;
  }
}
