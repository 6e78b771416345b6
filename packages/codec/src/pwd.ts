/**
 * The 257 reply of PWD and MKD (RFC 959 §4.1.3 and Appendix II).
 *
 * Theory of operation: the path is the first quoted string of the reply, `257 "/pub" is current`,
 * and a `"` inside the path is written twice (`"a""b"` is `a"b`), RFC 959 Appendix II. Text before
 * the opening quote is ignored, because some servers put words there; the path ends at the first
 * single quote character, and what follows is commentary. A reply without a complete, non-empty
 * quoted path is a {@link RemoteProtocolError}: guessing a path from free text could send the next
 * command to the wrong directory. {@link formatPwdReply} is the inverse, for servers and test doubles.
 *
 * @module
 */
import { checkArgument } from './commands.js';
import { LocalProtocolError, RemoteProtocolError } from './errors.js';
import { createReply, type Reply } from './reply.js';

/**
 * Read the path of a 257 reply (to PWD or MKD). Throws {@link RemoteProtocolError} for another code
 * or when no complete, non-empty quoted path is on the line of the opening quote.
 *
 * @example
 * ```ts
 * parsePwdReply(createReply(257, ['"/home/ftp" is the current directory'])); // '/home/ftp'
 * parsePwdReply(createReply(257, ['"/a ""quoted"" dir" created']));          // '/a "quoted" dir'
 * ```
 */
export function parsePwdReply(reply: Reply): string {
  if (reply.code !== 257) throw new RemoteProtocolError(`Expected a 257 reply, got ${reply.code}`);
  const text = reply.text;
  const open = text.indexOf('"');
  if (open === -1) throw new RemoteProtocolError('Malformed 257 reply: no quoted path');
  // A path never spans lines: the parser split them at LF.
  const newline = text.indexOf('\n', open);
  const lineEnd = newline === -1 ? text.length : newline;
  let path = '';
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1 || quote >= lineEnd) throw new RemoteProtocolError('Malformed 257 reply: the quoted path is not closed');
    path += text.slice(from, quote);
    // RFC 959 Appendix II: a doubled quote stands for one quote inside the path.
    if (text.charCodeAt(quote + 1) !== 0x22) break;
    path += '"';
    from = quote + 2;
  }
  if (path === '') throw new RemoteProtocolError('Malformed 257 reply: empty path');
  return path;
}

/**
 * Build the 257 reply naming `path`, doubling each `"` in it (RFC 959 Appendix II). Throws
 * {@link LocalProtocolError} for an empty path, and for CR, LF or NUL in the path or the comment,
 * which cannot be sent inside a reply line.
 *
 * @example
 * ```ts
 * formatPwdReply('/a"b').text;                  // '"/a""b" is the current directory'
 * formatPwdReply('/new', 'directory created').text; // '"/new" directory created'
 * ```
 */
export function formatPwdReply(path: string, comment = 'is the current directory'): Reply {
  if (path === '') throw new LocalProtocolError('A 257 reply needs a non-empty path');
  checkArgument('257 path', path);
  checkArgument('257 comment', comment);
  const quoted = `"${path.replaceAll('"', '""')}"`;
  return createReply(257, [comment === '' ? quoted : `${quoted} ${comment}`]);
}
