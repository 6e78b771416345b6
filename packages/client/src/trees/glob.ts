/**
 * Glob patterns for `--include` and `--exclude`.
 *
 * `*` matches within one path segment, `**` across segments, `?` one character, `[abc]` / `[!abc]`
 * a class and `{a,b}` alternatives. A pattern without `/` matches an entry's name at any depth
 * (`*.log`); one with `/` matches the path relative to the tree's root (`logs/**`), like rsync.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

/** A compiled pattern. */
export type Matcher = (relativePath: string) => boolean;

/** Compile a glob. Throws `InvalidArgumentError` for an unbalanced `[` or `{`. */
export function compileGlob(pattern: string): Matcher {
  const anchored = pattern.includes('/');
  const body = pattern.replace(/^\/+/, '');
  const regex = new RegExp(`^${toRegex(body)}$`, 'u');
  return anchored
    ? (path) => regex.test(path)
    : (path) => regex.test(path.slice(path.lastIndexOf('/') + 1));
}

function toRegex(glob: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` also matches no directory at all (`**/a` matches `a`).
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) throw new InvalidArgumentError(`Unclosed [ in glob ${JSON.stringify(glob)}`);
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      out += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) {
      out += '|';
    } else {
      out += c.replace(/[.+^$()|\\\]{}]/g, '\\$&');
    }
  }
  if (braces > 0) throw new InvalidArgumentError(`Unclosed { in glob ${JSON.stringify(glob)}`);
  return out;
}
