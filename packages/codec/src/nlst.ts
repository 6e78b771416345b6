/**
 * Name lists: the text of an NLST transfer.
 *
 * Theory of operation: RFC 959 §4.1.3 says NLST returns "a list of file names in a specified
 * directory", one per line, and nothing more; it was meant for programs, so unlike LIST it has no
 * format to detect. What servers put on a line still differs. Asked for a folder, vsftpd, ProFTPD
 * and Pure-FTPd echo the folder as given in front of each name (`NLST /pub` gives `/pub/a.txt`,
 * `NLST pub` gives `pub/a.txt`), while pyftpdlib and ftp-srv send bare names; Pure-FTPd lists `.`
 * and `..`; ftp-srv sends one empty line for an empty folder. So a name is the last segment of its
 * line: what follows the last `/` (a trailing `/`, which some servers add to folders, removed
 * first), which is what a listing's entry names and what `remotePath(folder, name)` joins back.
 * No server's file system allows `/` inside a name, so nothing of a name is lost.
 *
 * Lines end in LF with an optional CR before it (RFC 959 §4.1.3 asks for CRLF; some servers send
 * bare LF). Empty lines, and lines that name `.` or `..` (the folder itself and its parent, a
 * path-traversal hazard for a caller that joins names to paths), are left out. Nothing else is:
 * spaces at either end are part of a name.
 *
 * @module
 */

/**
 * The names in the text of an NLST transfer, in the server's order: the last path segment of each
 * line, without empty lines, `.` and `..` (see the module comment for why). `text` is the decoded
 * data of the transfer.
 *
 * @example
 * ```ts
 * parseNameList('/pub/a.txt\r\n/pub/sub\r\n');  // ['a.txt', 'sub'] (vsftpd, ProFTPD: the folder echoed)
 * parseNameList('a.txt\r\nsub\r\n');            // ['a.txt', 'sub'] (pyftpdlib, ftp-srv)
 * parseNameList('/pub/.\r\n/pub/..\r\n\r\n');   // [] (Pure-FTPd's `.` and `..`, ftp-srv's empty line)
 * ```
 */
export function parseNameList(text: string): string[] {
  const names: string[] = [];
  let start = 0;
  while (start < text.length) {
    const lf = text.indexOf('\n', start);
    const next = lf === -1 ? text.length : lf + 1;
    let end = lf === -1 ? text.length : lf;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    // A trailing `/` marks a folder on some servers: it ends no name.
    while (end > start && text.charCodeAt(end - 1) === 0x2f) end--;
    const slash = text.lastIndexOf('/', end - 1);
    const from = slash >= start ? slash + 1 : start;
    if (end > from) {
      const name = text.slice(from, end);
      if (name !== '.' && name !== '..') names.push(name);
    }
    start = next;
  }
  return names;
}
