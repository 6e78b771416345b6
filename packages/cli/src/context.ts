/**
 * What the command line hands its commands: the parsed flags, the process as `main` sees it, and the
 * context one command runs in. These sit below both `cli.ts` (which builds them) and `commands.ts`
 * (which uses them), so neither imports the other for a type.
 *
 * @module
 */
import type { Client, Diagnosis, PeerCertificate, Pool } from '@ftpkit/client';
import type { FtpPort } from './network.js';
import type { ProgressReporter, ProgressStream } from './progress.js';
import type { RemoteTarget } from './target.js';

/** The process, as `main` sees it. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & ProgressStream;
  readonly stderr: NodeJS.WritableStream & ProgressStream;
  readonly signal: AbortSignal;
  readonly prompt: ((question: string) => Promise<string>) | undefined;
  readonly version: string;
  /** The environment (proxy variables); none when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Parsed options. */
export interface Flags {
  readonly explicitTls: boolean;
  readonly implicitTls: boolean;
  readonly ca: string | undefined;
  readonly insecure: boolean;
  readonly active: boolean;
  /** `--ftp-port`: active mode, and the address and ports it advertises and listens on. */
  readonly ftpPort: FtpPort | undefined;
  /** `--interface`: the local address to connect from (an interface's, when one was named). */
  readonly localAddress: string | undefined;
  /** `-4` / `-6`: the address family the host name resolves in. */
  readonly family: 4 | 6 | undefined;
  /** `--pinnedpubkey`: sha256// pins, `;`-separated, checked by the transport. */
  readonly pinnedPublicKey: string | undefined;
  /** `--ftp-ssl-ccc`: clear the control connection after login (CCC). */
  readonly ccc: boolean;
  /** `--disable-epsv`: passive mode with PASV only (the client's `epsv: false`). */
  readonly disableEpsv: boolean;
  /** `--no-ftp-skip-pasv-ip`: connect data to the address in PASV replies (the client's `trustPasvHost`). */
  readonly trustPasvHost: boolean;
  /**
   * The client's `pipelining`: `--pipelining` is `true` (lftp's `set ftp:sync-mode off`),
   * `--no-pipelining` `false`, and without either the client's default, `'auto'`.
   */
  readonly pipelining: boolean | 'auto';
  readonly resume: boolean;
  /** `--continue`: mirror, get -r and put -r keep a journal in the state folder and go on from an earlier run's (journal.ts). */
  readonly continue: boolean;
  /** `--journal PATH`: the journal of --continue at this path (implies --continue). */
  readonly journal: string | undefined;
  readonly recursive: boolean;
  readonly parents: boolean;
  /** `ls`: names only, over NLST. */
  readonly names: boolean;
  readonly delete: boolean;
  readonly dryRun: boolean;
  readonly checksum: boolean;
  /** `--verify`: get, put, cat and the tree commands check each transfer (the client's `verify`); undefined: no check. */
  readonly verify: 'size' | 'checksum' | undefined;
  /** Sessions of a Pool for mirror, get -r and put -r (listings, checksums and copies). 1: one session. */
  readonly parallel: number;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Folders below the root a tree command walks at most (mirror, get -r, put -r, rm -r, rmdir -r); undefined: the library's default. */
  readonly maxDepth: number | undefined;
  /** watch: milliseconds between polls; undefined: the library's default. */
  readonly interval: number | undefined;
  /** watch: milliseconds a file must stay the same before it is reported; undefined: the library's default. */
  readonly stable: number | undefined;
  /** watch: report what is there at the start (the library's `initial: 'emit'`). */
  readonly initial: boolean;
  /** watch: stop after this many events. */
  readonly count: number | undefined;
  readonly netrcFile: string | undefined;
  /** `--proxy URL`: '' means no proxy, whatever the environment says; undefined: the environment decides. */
  readonly proxy: string | undefined;
  /** `--noproxy LIST`: hosts reached directly; undefined: `no_proxy`/`NO_PROXY`. */
  readonly noproxy: string | undefined;
  /** The server's LIST time zone (`--list-time-zone`): the client's `listTimeZone`, checked there. */
  readonly listTimeZone: string | undefined;
  readonly timeoutMs: number | undefined;
  /** `--retry N`: retries after failures that may pass; undefined: the command's default. */
  readonly retry: number | undefined;
  /** `--retry-delay SECONDS`, in milliseconds: the wait before a retry; undefined: the library's backoff. */
  readonly retryDelayMs: number | undefined;
  /** `--limit-rate` in bytes per second: every transfer together (a Pool's sessions too); undefined: none. */
  readonly limitRate: number | undefined;
  readonly verbose: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
}

/** What a command gets. */
export interface Context {
  readonly flags: Flags;
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  readonly signal: AbortSignal;
  readonly stdout: NodeJS.WritableStream;
  /** A line of human output on stdout (dropped with --json). */
  print(line: string): void;
  /** A line of commentary on stderr (dropped with --json and --quiet). */
  note(line: string): void;
  readonly progress: ProgressReporter;
  connect(target: RemoteTarget): Promise<Client>;
  /** The `--parallel` pool of sessions to the target's server (made once per server). */
  pool(target: RemoteTarget): Promise<Pool>;
  /** The server's certificate, read without logging in or checking it (`Client.certificate`). */
  certificate(target: RemoteTarget): Promise<PeerCertificate>;
  /** The client's `diagnose` of the target's server, with the options and credentials `connect` would use. */
  diagnose(target: RemoteTarget): Promise<Diagnosis>;
}

/** One finished transfer, as `--json` reports it. */
export interface TransferRecord {
  readonly remote: string;
  readonly local: string;
  readonly bytes: number;
  readonly seconds: number;
  readonly resumedFrom?: number;
}
