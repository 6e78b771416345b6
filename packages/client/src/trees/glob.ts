/**
 * Glob patterns for `include` and `exclude` (`--include` and `--exclude`), matched by picomatch,
 * the matcher of the JavaScript tools people write these patterns for every day (chokidar,
 * tinyglobby, fast-glob through micromatch, vite, jest).
 *
 * Which part of a path a pattern meets is ftpkit's rule, as in rsync: a pattern without `/`
 * matches an entry's name at any depth (`*.log`); one with `/` matches the path relative to the
 * tree's root (`logs/**`; a leading `/` is the root, so `/logs/**` is the same). The pattern
 * language is picomatch's, with three settings:
 * - `dot: true`: `*`, `?` and `**` match names that start with a dot, as rsync and `.gitignore`
 *   do (a shell does not): `exclude: ['*.tmp']` leaves `.cache.tmp` alone too.
 * - `posix: true`: `[!abc]` is a negated class (like `[^abc]`), and `[[:digit:]]` a POSIX class.
 * - `strictBrackets: true`: an unbalanced `[`, `{` or `(` is an error (`InvalidArgumentError`),
 *   not a literal character; `\[` matches a literal one.
 *
 * The rest is picomatch's defaults: `*` within a segment, `**` across segments (`a/**` matches `a`
 * and everything below it, and a leading `**` and slash also matches no folder at all), `?` one
 * character, `{a,b}` alternatives and `{1..3}` ranges, extglobs (`+(a|b)`, `!(*.log)`), and a
 * leading `!` negates the whole pattern (`include: ['!*.log']`: every file but logs).
 *
 * @module
 */
// picomatch/posix: the matcher without the platform detection of the main entry (which reads
// `process.platform`), so nothing here needs a Node global or module (Cloudflare Workers).
import picomatch from 'picomatch/posix.js';
import { InvalidArgumentError } from '../errors.js';

/** A compiled pattern. */
export type Matcher = (relativePath: string) => boolean;

const OPTIONS = { dot: true, posix: true, strictBrackets: true } as const;

/** Compile a glob. Throws `InvalidArgumentError` for an empty pattern or an unbalanced `[`, `{` or `(`. */
export function compileGlob(pattern: string): Matcher {
  const anchored = pattern.includes('/');
  // `/logs/**` is `logs/**` (and `!/logs/**` is `!logs/**`): paths here are relative to the root.
  const body = pattern.replace(/^(!*)\/+/, '$1');
  if (body.replace(/^!+/, '') === '') throw new InvalidArgumentError(`Empty glob ${JSON.stringify(pattern)}`);
  let test: (path: string) => boolean;
  try {
    test = picomatch(body, OPTIONS);
  } catch (error) {
    throw new InvalidArgumentError(`Bad glob ${JSON.stringify(pattern)}: ${unbalanced(error)}`, { cause: error });
  }
  return anchored ? (path) => test(path) : (path) => test(path.slice(path.lastIndexOf('/') + 1));
}

const PAIRS = [['[', ']'], ['{', '}'], ['(', ')']] as const;

/** picomatch's `strictBrackets` error (`Missing closing: "]" ...`), said for a command line. */
function unbalanced(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /^Missing (closing|opening): "(.)"/.exec(message);
  const pair = PAIRS.find(([open, close]) => missing?.[2] === open || missing?.[2] === close);
  if (!missing || !pair) return message;
  const [open, close] = pair;
  return missing[1] === 'closing'
    ? `"${open}" is never closed; write \\${open} to match one as text`
    : `"${close}" has no opening "${open}"; write \\${close} to match one as text`;
}
