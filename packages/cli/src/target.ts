/**
 * Remote targets: `ftp://`, `ftpes://` and `ftps://` URLs, their paths, and their credentials.
 *
 * Paths follow curl (RFC 1738 §3.2.2): the URL path is relative to the login directory, so
 * `ftp://host/pub/a.txt` is `pub/a.txt` after login, and a leading `%2F` makes it absolute
 * (`ftp://host/%2Fetc/motd` is `/etc/motd`). On chrooted servers both are the same.
 *
 * Credentials, in order: the URL's user and password; `~/.netrc` (or `--netrc-file`) for the host
 * and user; a password prompt without echo when stdin is a terminal; else anonymous when the URL
 * names no user.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseUrl, parseUrlPath, type ClientOptions } from '@ftpkit/client';
import { UsageError } from './exit-codes.js';
import { findNetrcEntry, parseNetrc } from './netrc.js';

/** A parsed remote argument. */
export interface RemoteTarget {
  /** The argument as given, with any password masked, for messages. */
  readonly display: string;
  /** Connection options from the URL alone (no netrc, no prompt yet). */
  readonly options: ClientOptions;
  /** The path after login: '' is the login directory. */
  readonly path: string;
  /** The URL path ended with '/': the target is meant to be a directory. */
  readonly isDirectory: boolean;
}

const SCHEMES = /^(ftp|ftps|ftpes):\/\//i;

/** True when an argument is an FTP URL rather than a local path. */
export function isRemote(arg: string): boolean {
  return SCHEMES.test(arg);
}

/** Parse an FTP URL argument; a malformed one is a usage error. */
export function parseTarget(arg: string): RemoteTarget {
  if (!isRemote(arg)) throw new UsageError(`Not an ftp://, ftpes:// or ftps:// URL: ${arg}`);
  let options: ClientOptions;
  let path: string;
  try {
    options = parseUrl(arg);
    path = parseUrlPath(arg);
  } catch (err) {
    throw new UsageError(`Bad URL ${maskPassword(arg)}: ${(err as Error).message}`);
  }
  const isDirectory = path === '' || path.endsWith('/');
  if (path.length > 1 && path.endsWith('/')) path = path.replace(/\/+$/, '') || '/';
  return { display: maskPassword(arg), options, path, isDirectory };
}

/** The URL with its password replaced by `****`: an FTP URL, or a proxy's (`socks5://u:p@host`). */
export function maskPassword(arg: string): string {
  return arg.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:****@');
}

/** A key that is equal for targets one connection can serve. */
export function originKey(options: ClientOptions): string {
  return JSON.stringify([options.secure ?? false, options.host, options.port ?? null, options.user ?? null]);
}

/** Where credentials come from when the URL lacks them. */
export interface CredentialSources {
  /** The netrc file to read; undefined for `~/.netrc`. */
  readonly netrcFile: string | undefined;
  /** Ask for a password; undefined when there is no terminal. */
  readonly prompt: ((question: string) => Promise<string>) | undefined;
}

/** Fill in user and password from netrc or a prompt. */
export async function withCredentials(options: ClientOptions, sources: CredentialSources): Promise<ClientOptions> {
  if (options.user !== undefined && options.password !== undefined) return options;
  const netrcPath = sources.netrcFile ?? join(homedir(), '.netrc');
  let text: string | undefined;
  try {
    text = await readFile(netrcPath, 'utf8');
  } catch (err) {
    if (sources.netrcFile !== undefined) throw new UsageError(`Cannot read the netrc file ${netrcPath}: ${(err as Error).message}`);
  }
  if (text !== undefined) {
    const entry = findNetrcEntry(parseNetrc(text), options.host, options.user);
    if (entry?.login !== undefined || entry?.password !== undefined) {
      const user = options.user ?? entry.login;
      return {
        ...options,
        ...(user === undefined ? {} : { user }),
        ...(entry.password === undefined ? {} : { password: entry.password }),
        ...(entry.account === undefined ? {} : { account: entry.account }),
      };
    }
  }
  // A named user without a password: ask, as curl -u user does.
  if (options.user !== undefined && options.user !== 'anonymous' && options.user !== 'ftp') {
    if (!sources.prompt) {
      throw new UsageError(
        `No password for ${options.user}@${options.host}: put it in the URL, in ~/.netrc, or run ftpkit on a terminal to be asked`,
      );
    }
    const password = await sources.prompt(`Password for ${options.user}@${options.host}: `);
    return { ...options, password };
  }
  return options;
}
