/**
 * Where `--continue` keeps the journal of a tree command (`mirror`, `get -r`, `put -r`): the client's
 * `journal` option, so that the same command, run again after a kill, goes on where it stopped.
 *
 * `--journal PATH` names the file. Without it the journal goes in the user's state folder,
 * `$XDG_STATE_HOME/ftpkit/journals/` (`~/.local/state/ftpkit/journals/` when `XDG_STATE_HOME` is
 * unset or not absolute, as the XDG Base Directory spec says), named after a hash of the job: the
 * direction, the server (scheme, host, port and user, never a password), the remote path, the
 * absolute local path, and the flags that change what is copied. The same command finds the same
 * file; another command gets its own. The client removes the journal once the job succeeds.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Flags } from './context.js';
import type { RemoteTarget } from './target.js';

/** The folder of journals that `--continue` names itself. */
export function journalFolder(env: NodeJS.ProcessEnv = process.env): string {
  const state = env['XDG_STATE_HOME'];
  return join(state !== undefined && isAbsolute(state) ? state : join(homedir(), '.local', 'state'), 'ftpkit', 'journals');
}

/** The journal of this tree command, or undefined without `--continue` or `--journal`. */
export function journalOf(
  flags: Pick<Flags, 'continue' | 'journal' | 'delete' | 'include' | 'exclude' | 'checksum'>,
  job: { readonly direction: 'download' | 'upload'; readonly target: RemoteTarget; readonly local: string; readonly all: boolean },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flags.journal !== undefined) return flags.journal;
  if (!flags.continue) return undefined;
  const { options } = job.target;
  const described = JSON.stringify({
    direction: job.direction,
    server: [options.secure ?? false, options.host, options.port ?? null, options.user ?? null],
    remote: job.target.path,
    local: resolve(job.local),
    all: job.all,
    delete: flags.delete,
    include: [...flags.include].sort(),
    exclude: [...flags.exclude].sort(),
    checksum: flags.checksum,
  });
  const hash = createHash('sha256').update(described).digest('hex').slice(0, 32);
  return join(journalFolder(env), `${job.direction}-${hash}.journal`);
}
