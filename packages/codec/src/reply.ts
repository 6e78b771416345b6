/**
 * The `Reply` value object.
 *
 * @module
 */

/**
 * What the first digit of a reply code says (RFC 959 §4.2.1; 6yz is RFC 2228's protected reply).
 */
export type ReplyKind =
  | 'preliminary' // 1yz: more replies follow
  | 'completion' // 2yz: the request succeeded
  | 'intermediate' // 3yz: send the next command of the sequence
  | 'transient' // 4yz: failed, may succeed if retried
  | 'permanent' // 5yz: failed
  | 'protected'; // 6yz: RFC 2228 integrity/confidentiality protected reply

/**
 * One complete server reply. Immutable.
 *
 * `lines` holds the text of each line with its `ddd-` / `ddd ` prefix removed (inner lines of a
 * multi-line reply lose a `ddd-` prefix only when it repeats the reply's own code). `text` is the
 * lines joined with `\n`.
 *
 * @example
 * ```ts
 * const [reply] = new ReplyParser().push(new TextEncoder().encode('211-Features:\r\n MDTM\r\n211 End\r\n'));
 * reply.code;  // 211
 * reply.lines; // ['Features:', ' MDTM', 'End']
 * reply.kind;  // 'completion'
 * ```
 */
export interface Reply {
  readonly code: number;
  readonly kind: ReplyKind;
  readonly lines: readonly string[];
  readonly text: string;
}

const kinds: readonly ReplyKind[] = ['preliminary', 'completion', 'intermediate', 'transient', 'permanent', 'protected'];

/**
 * True when the server did not understand the command or its argument, as opposed to trying it and
 * failing: RFC 959 §4.2.1 500 (syntax error), 501 (syntax error in parameters), 502 (not
 * implemented) and 504 (not implemented for that parameter). A client may then try another form.
 *
 * @example
 * ```ts
 * isNotUnderstood(createReply(502, ['MLSD not implemented'])); // true
 * isNotUnderstood(createReply(550, ['No such file']));         // false
 * ```
 */
export function isNotUnderstood(reply: Reply): boolean {
  return reply.code === 500 || reply.code === 501 || reply.code === 502 || reply.code === 504;
}

/**
 * True when the server tried the command and its file system said no: a negative reply (4xx, 5xx)
 * whose second digit is 5, RFC 959 §4.2.1's "file system" group (450 and 550 "file unavailable",
 * 451 "local error", 452 and 552 storage, 553 "name not allowed"). Such a reply is about the path,
 * not the connection, the login or the syntax, so a client may ask another question about the same
 * path (does the folder exist?) to learn what it meant.
 *
 * @example
 * ```ts
 * isFileSystemRefusal(createReply(550, ['No such file'])); // true
 * isFileSystemRefusal(createReply(425, ['No data connection'])); // false
 * ```
 */
export function isFileSystemRefusal(reply: Reply): boolean {
  return (reply.kind === 'transient' || reply.kind === 'permanent') && Math.floor(reply.code / 10) % 10 === 5;
}

/**
 * True when a reply to a transfer says the TLS data connection was refused because it did not
 * resume the control connection's TLS session: vsftpd with `require_ssl_reuse` answers 522 "SSL
 * connection failed: session reuse required", ProFTPD without `NoSessionReuseRequired` 425 "Unable
 * to build data connection: Operation not permitted". It means that only where the data connection
 * could not have resumed the session; elsewhere these replies have other causes.
 *
 * @example
 * ```ts
 * isSessionReuseRefusal(createReply(522, ['SSL connection failed: session reuse required'])); // true
 * isSessionReuseRefusal(createReply(425, ['Unable to build data connection: Connection refused'])); // false
 * ```
 */
export function isSessionReuseRefusal(reply: Reply): boolean {
  return reply.code === 522 || ((reply.code === 425 || reply.code === 426) && /not permitted|reuse/i.test(reply.text));
}

/** The kind of a reply code, or `undefined` when the code is outside 100–699. */
export function replyKind(code: number): ReplyKind | undefined {
  return Number.isInteger(code) ? kinds[Math.floor(code / 100) - 1] : undefined;
}

/**
 * Build a frozen `Reply`. Throws `RangeError` for a code outside 100–699 or an empty line list;
 * the parser never produces either.
 */
export function createReply(code: number, lines: readonly string[]): Reply {
  const kind = replyKind(code);
  if (kind === undefined || lines.length === 0) throw new RangeError(`not a reply: ${code}`);
  return freezeReply(code, kind, lines.slice());
}

/** @internal For the parser, which hands over a fresh array it never touches again. */
export function freezeReply(code: number, kind: ReplyKind, lines: string[]): Reply {
  const text = lines.length === 1 ? lines[0]! : lines.join('\n');
  return Object.freeze({ code, kind, lines: Object.freeze(lines), text });
}
