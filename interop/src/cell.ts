/**
 * What the matrix orchestrator hands a runtime's runner for one cell, and what comes back. Plain data:
 * it crosses a process boundary as JSON.
 *
 * @module
 */

/** One cell's connection and scenario settings. */
export interface CellSpec {
  /** Stable cell id, e.g. `node/vsftpd/explicit/epsv/ipv4`. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly secure: false | 'explicit' | 'implicit';
  /** Pin the TLS version (both bounds), e.g. `TLSv1.2`. */
  readonly tlsVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** PEM of the CA that signed the server's certificate. */
  readonly caPem: string;
  readonly mode: 'passive' | 'active';
  /** Passive mode: EPSV first (true) or PASV only (false). */
  readonly epsv: boolean;
  /** The client's `pipelining` option. */
  readonly pipelining: boolean;
  /** The cell's own folder on the server, e.g. `/c17`; must not exist yet. */
  readonly work: string;
  /** A read-only file on the server, big enough that an abort lands mid-transfer. */
  readonly bigPath: string;
  readonly bigSize: number;
  /** Connect through this proxy (a URL with credentials), or directly when absent. */
  readonly proxy?: string;
  /** Retry failed transfers (the client's `retry` option, 3 retries), for this reason. */
  readonly retries?: string;
  /** Steps that cannot run on this server, with why (a server bug, written down). */
  readonly skip?: Readonly<Partial<Record<StepName, string>>>;
}

/** The scenario's steps, in order. */
export const STEP_NAMES = [
  'login',
  'mkdir -p',
  'upload',
  'list',
  'stat',
  'download',
  'resume download',
  'resume upload',
  'rename',
  'abort download, continue',
  'abort upload, continue',
  'rm -r',
  'quit',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface StepResult {
  readonly step: StepName;
  /** `not run`: an earlier step failed and this one depends on it. */
  readonly outcome: 'pass' | 'fail' | 'skipped' | 'not run';
  readonly ms: number;
  /** Why it failed (error class, code and message) or was skipped; for a pass, the retries it took. */
  readonly detail?: string;
  /** On failure: the session's last protocol lines (passwords redacted by the client), with ms offsets. */
  readonly transcript?: readonly string[];
}

/** One line of a runner's output. */
export interface CellResult {
  readonly id: string;
  readonly runtime: string;
  readonly passed: boolean;
  readonly steps: readonly StepResult[];
  readonly ms: number;
}
