// The Workers suite's cells and its section of MATRIX.md. Pure data and rules, no I/O.
import { serverCapabilities, SERVER_KINDS, type ServerKind } from '@ftpkit/testkit';
import { REASONS } from '../test/matrix.js';
import type { StepReport } from './worker.js';

export const SECURITY = ['plain', 'explicit TLS 1.3', 'explicit TLS 1.2', 'implicit TLS', 'explicit, reuse optional'] as const;
export type Security = (typeof SECURITY)[number];
export const FAMILIES = ['IPv4', 'IPv6'] as const;
export type Family = (typeof FAMILIES)[number];

export interface WorkersCell {
  readonly id: string;
  readonly server: ServerKind;
  readonly security: Security;
  readonly family: Family;
  /** Why the cell cannot exist. */
  readonly notApplicable?: string;
  /** The Pool step cannot pass here, for the reason given (measured: see the reuse table). */
  readonly poolRefused?: string;
}

export const POOL_REFUSED_PROFTPD =
  'ProFTPD requires each data connection to resume its own control connection\'s TLS session; workerd resumes the newest session it holds for the host name, which belongs to whichever session connected last, so with two or more sessions at once ProFTPD refuses data connections (425 "Unable to build data connection: Operation not permitted"; measured below). A Client, or sessions one after another, work.';

export const POOL_REFUSED_VSFTPD_TLS13 =
  'vsftpd over TLS 1.3, three sessions at once: a CI run of this suite (2026-12-04, a loaded 2-core machine) saw one data connection of the three refused with 522 "SSL connection failed: session reuse required", which ends that session; every earlier run, and 30 runs of the cell afterwards on a quiet machine, resumed all. Not yet explained: TLS 1.3 tickets are single-use and workerd offers the newest one it holds for the host name, whichever session it came from, so one reading (unconfirmed) is that three handshakes at once found one ticket too few. The cell moves its three files through the Client; the reuse table below keeps measuring three sessions at once. For strict vsftpd on Workers, pin the server to TLS 1.2, or use a Client.';

/** Why a cell's three files go through the Client and not a Pool of 3, where they do: the notes under the table, in order. */
const POOL_NOTES = [POOL_REFUSED_PROFTPD, POOL_REFUSED_VSFTPD_TLS13] as const;

function notApplicable(server: ServerKind, security: Security): string | undefined {
  const caps = serverCapabilities(server);
  if (security === 'implicit TLS' && !caps.implicitTls) return REASONS.noImplicit(server);
  if (security === 'explicit, reuse optional' && caps.tlsReuse === 'never') return REASONS.reuseNever(server);
  return undefined;
}

/** Every cell, in report order: server, security, family. */
export function workersCells(): WorkersCell[] {
  const cells: WorkersCell[] = [];
  for (const server of SERVER_KINDS) {
    for (const security of SECURITY) {
      for (const family of FAMILIES) {
        const reason = notApplicable(server, security);
        const strict = security !== 'plain' && security !== 'explicit, reuse optional' && serverCapabilities(server).defaultRequireTlsReuse;
        cells.push({
          id: [server, security, family].join(' · '),
          server,
          security,
          family,
          ...(reason === undefined ? {} : { notApplicable: reason }),
          ...(server === 'proftpd' && strict ? { poolRefused: POOL_REFUSED_PROFTPD } : {}),
          ...(server === 'vsftpd' && strict && security === 'explicit TLS 1.3' ? { poolRefused: POOL_REFUSED_VSFTPD_TLS13 } : {}),
        });
      }
    }
  }
  return cells;
}

/** One reuse measurement: a server pinned to one TLS version, sessions run at once or one after another. */
export interface ReuseRow {
  readonly server: string;
  readonly tls: string;
  readonly plan: string;
  /** Listings that worked per session, `!` after a session that then failed, e.g. `10/0!/10`. */
  readonly outcome: string;
  readonly note: string;
}

export interface WorkersReport {
  readonly cells: readonly WorkersCell[];
  readonly results: ReadonlyMap<string, readonly StepReport[]>;
  readonly reuse: readonly ReuseRow[];
  readonly workerd: string;
  readonly wallSeconds: number;
}

const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

function outcome(cell: WorkersCell, steps: readonly StepReport[] | undefined): [string, string] {
  if (cell.notApplicable !== undefined) return ['n/a', escape(cell.notApplicable)];
  if (steps === undefined) return ['**FAIL**', 'no result'];
  const failed = steps.find((step) => !step.ok);
  if (failed) return ['**FAIL**', escape(`${failed.step}: ${failed.detail ?? ''}`)];
  const ms = steps.reduce((sum, step) => sum + step.ms, 0);
  const note = cell.poolRefused === undefined ? 0 : POOL_NOTES.indexOf(cell.poolRefused as (typeof POOL_NOTES)[number]) + 1;
  return ['pass', `${(ms / 1000).toFixed(1)} s${note > 0 ? `; three files through the Client, not a Pool ([note ${note}](#workers-note-${note}))` : ''}`];
}

/** The Workers section of MATRIX.md (without its markers). */
export function renderWorkers(report: WorkersReport): string {
  const rows = report.cells.map((cell) => {
    const [result, detail] = outcome(cell, report.results.get(cell.id));
    return `| ${cell.server} | ${cell.security} | EPSV | ${cell.family} | workers | ${result} | ${detail} |`;
  });
  const count = (word: string) => rows.filter((row) => row.includes(`| ${word} |`)).length;
  return [
    '## Cloudflare Workers (workerd)',
    '',
    'Written by `pnpm --filter @ftpkit/interop test:workerd` (interop/workers/workers.test.ts); do not edit by hand.',
    'Each cell bundles interop/workers/worker.ts as wrangler would (`workerd` export condition, no `node:` module)',
    'and runs it under a fresh workerd, whose network is loopback only and trusts the test CA. The worker logs in,',
    'creates a folder, uploads 256 KiB from memory, lists, downloads and compares by SHA-256, downloads three files',
    'at once through a Pool of 3, removes the folder and quits; the test also fetches a file through the worker',
    'as an HTTP response streamed while it downloads, and compares it. Passive mode only (EPSV): Workers cannot listen.',
    'The worker cannot pin a TLS version; the `explicit TLS 1.x` cells pin the server.',
    '',
    `workerd ${report.workerd}. **${rows.length} cells: ${count('pass')} pass, ${count('**FAIL**')} fail, ${count('n/a')} not applicable** (wall time ${report.wallSeconds} s).`,
    '',
    '| server | security | data | family | runtime | result | detail |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...POOL_NOTES.map((note, i) => `<a id="workers-note-${i + 1}"></a>${i + 1}. ${escape(note)}`),
    '',
    '### TLS session reuse under workerd',
    '',
    'workerd resumes TLS sessions by itself, keyed by host name (not port), across every connection and',
    'request of the process. Each row starts a fresh workerd and a fresh server requiring reuse, pinned',
    'to one TLS version; each session lists `/` over protected data connections until its first failure.',
    'Numbers are listings that worked per session; `!` marks a session whose next data connection was refused.',
    '',
    '| server | TLS | sessions | outcome | note |',
    '|---|---|---|---|---|',
    ...report.reuse.map((row) => `| ${row.server} | ${row.tls} | ${row.plan} | ${row.outcome} | ${escape(row.note)} |`),
  ].join('\n');
}
