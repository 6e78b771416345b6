/**
 * `~/.netrc`, read the way curl reads it.
 *
 * Tokens are separated by whitespace: `machine NAME`, `default`, `login NAME`, `password SECRET`,
 * `account SECRET`, and `macdef NAME` whose body runs to the next blank line and is skipped. A
 * token may be double-quoted, with `\"`, `\\`, `\n`, `\r` and `\t` escapes inside (curl 7.84+).
 * The first `machine` that matches the host (and the login, when the URL names one) wins; `default`
 * matches any host and, as in curl and ftp(1), only counts when no machine matched.
 *
 * @module
 */

/** One `machine` or `default` block. */
export interface NetrcEntry {
  /** Undefined for the `default` block. */
  readonly machine: string | undefined;
  readonly login?: string;
  readonly password?: string;
  readonly account?: string;
}

/** Parse netrc text. Unknown tokens are ignored, like curl does. */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  let current: { machine: string | undefined; login?: string; password?: string; account?: string } | undefined;
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = (): string | undefined => tokens[++i]?.value;
    switch (token.value) {
      case 'machine': {
        const name = next();
        if (name === undefined) return entries;
        current = { machine: name };
        entries.push(current);
        break;
      }
      case 'default':
        current = { machine: undefined };
        entries.push(current);
        break;
      case 'login':
      case 'password':
      case 'account': {
        const value = next();
        if (current && value !== undefined) current[token.value] = value;
        break;
      }
      case 'macdef':
        // The macro body ends at the first blank line: skip every token up to it.
        next();
        while (i + 1 < tokens.length && !tokens[i + 1]!.afterBlankLine) i++;
        break;
      default:
        break;
    }
  }
  return entries;
}

/** The entry for `host` (and `login`, when given), or the `default` entry, or undefined. */
export function findNetrcEntry(entries: readonly NetrcEntry[], host: string, login?: string): NetrcEntry | undefined {
  const fits = (e: NetrcEntry) => login === undefined || e.login === undefined || e.login === login;
  const wanted = host.toLowerCase();
  return (
    entries.find((e) => e.machine !== undefined && e.machine.toLowerCase() === wanted && fits(e)) ??
    entries.find((e) => e.machine === undefined && fits(e))
  );
}

interface Token {
  readonly value: string;
  /** A blank line lies between this token and the previous one (the end of a macdef). */
  readonly afterBlankLine: boolean;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let newlines = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      newlines++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#' && (tokens.length === 0 || newlines > 0 || /\s/.test(text[i - 1] ?? ' '))) {
      // A comment runs to the end of the line (curl ignores `#` lines too).
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    let value = '';
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          value += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e;
          i += 2;
        } else {
          value += text[i++];
        }
      }
      i++; // the closing quote
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) value += text[i++];
    }
    tokens.push({ value, afterBlankLine: newlines >= 2 });
    newlines = 0;
  }
  return tokens;
}
