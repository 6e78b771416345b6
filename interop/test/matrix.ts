// The matrix: which cells exist, which cannot, and why. Pure data and rules, no I/O, so that the
// orchestrator (matrix.test.ts) and the report (report.ts) agree on one list.
import { serverCapabilities, SERVER_KINDS, type ServerKind } from '@ftpkit/testkit';
import type { StepName } from '../src/cell.js';

export const RUNTIMES = ['node', 'deno', 'bun'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/**
 * Security modes. vsftpd and ProFTPD require TLS data connections to resume the control session
 * (`require_ssl_reuse=YES`, mod_tls without `NoSessionReuseRequired`) in every TLS mode except
 * `explicit, reuse optional`, which runs them with the requirement switched off.
 */
export const SECURITY = ['plain', 'explicit TLS 1.3', 'explicit TLS 1.2', 'implicit TLS', 'explicit, reuse optional'] as const;
export type Security = (typeof SECURITY)[number];

/** `EPSV pipelined`: EPSV with the client's `pipelining` option (EPSV, REST and the command in one write). */
export const DATA = ['EPSV', 'EPSV pipelined', 'PASV', 'active'] as const;
export type Data = (typeof DATA)[number];

export const FAMILIES = ['IPv4', 'IPv6'] as const;
export type Family = (typeof FAMILIES)[number];

export interface Cell {
  readonly id: string;
  readonly runtime: Runtime;
  readonly server: ServerKind;
  readonly security: Security;
  readonly data: Data;
  readonly family: Family;
  /** Why the cell cannot exist; undefined when it runs. */
  readonly notApplicable?: string;
  /** The server process the cell runs against (one per kind × family × TLS setup). */
  readonly instance: InstanceKey;
  /** Scenario steps a server cannot do, with the server bug that stops them. */
  readonly skip: Readonly<Partial<Record<StepName, string>>>;
}

/** How a server process is started: one per distinct key, shared by every cell that names it. */
export interface InstanceKey {
  readonly id: string;
  readonly server: ServerKind;
  readonly ipv6: boolean;
  readonly implicitTls: boolean;
  readonly requireTlsReuse: boolean;
  /** The only TLS version the server will speak, for the version-pinned modes. */
  readonly tlsVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** Steps a server cannot run, with the evidence (see packages/client/test/interop.test.ts TRAITS). */
const SERVER_SKIPS: Readonly<Record<ServerKind, Readonly<Partial<Record<StepName, string>>>>> = {
  vsftpd: {},
  proftpd: {},
  'pure-ftpd': {},
  pyftpdlib: {},
  'ftp-srv': {
    'abort download, continue':
      'ftp-srv 4.6.3 stops reading commands after about 1 aborted RETR in 3: its RETR handler never settles when the client closes the data connection',
    'abort upload, continue':
      'ftp-srv 4.6.3 runs commands concurrently, so an aborted STOR is cleaned up after the next PASV/EPSV/PORT: the new data connection is torn down ("550 No connector setup, send PASV or PORT"), or in active mode the whole server process dies (TypeError at connector/active.js:39, reading the data socket the cleanup just cleared)',
  },
};

export const REASONS = {
  noImplicit: (server: ServerKind) => `${server} has no implicit FTPS mode`,
  reuseNever: (server: ServerKind) => `${server} cannot require TLS session reuse, so its "explicit TLS 1.3" cells already are this case`,
  pasvIpv6: 'PASV (RFC 959) can only carry an IPv4 address; over IPv6 only EPSV and EPRT exist (RFC 2428)',
  pyftpdlibActive:
    'pyftpdlib 1.5.7 sometimes never completes its own connect to the client in active mode (PORT/EPRT; it answers 421 "Active data channel timed out" after 30 s): about 2% of data connections on loopback, for curl too (14 of 600 active downloads timed out, 3 at a time), so these cells could only pass by luck',
  denoReuse: (server: ServerKind) =>
    `Deno 2.9.6 cannot resume TLS sessions (@ftpkit/transport capabilities.sessionReuse is false) and ${server} here requires TLS data connections to resume the control session; see the "explicit, reuse optional" cells`,
} as const;

function instanceFor(server: ServerKind, security: Security, family: Family): InstanceKey {
  const caps = serverCapabilities(server);
  const implicitTls = security === 'implicit TLS';
  const requireTlsReuse = caps.defaultRequireTlsReuse && security !== 'explicit, reuse optional';
  // Pinned on the server, so that the pin holds whatever the client's runtime can do (Deno's TLS has
  // no version bounds); plain cells share the unpinned explicit server.
  const tlsVersion = security === 'explicit TLS 1.2' ? 'TLSv1.2' : security === 'explicit TLS 1.3' ? 'TLSv1.3' : undefined;
  const parts = [server, family.toLowerCase(), implicitTls ? 'implicit' : 'explicit', ...(requireTlsReuse ? ['strict'] : []), ...(tlsVersion ? [tlsVersion] : [])];
  return { id: parts.join('-'), server, ipv6: family === 'IPv6', implicitTls, requireTlsReuse, ...(tlsVersion ? { tlsVersion } : {}) };
}

function notApplicable(runtime: Runtime, server: ServerKind, security: Security, data: Data, family: Family): string | undefined {
  const caps = serverCapabilities(server);
  if (security === 'implicit TLS' && !caps.implicitTls) return REASONS.noImplicit(server);
  if (security === 'explicit, reuse optional' && caps.tlsReuse === 'never') return REASONS.reuseNever(server);
  if (data === 'PASV' && family === 'IPv6') return REASONS.pasvIpv6;
  if (data === 'active' && server === 'pyftpdlib') return REASONS.pyftpdlibActive;
  const strict = security !== 'plain' && security !== 'explicit, reuse optional' && caps.defaultRequireTlsReuse;
  if (runtime === 'deno' && strict) return REASONS.denoReuse(server);
  return undefined;
}

/** Every cell, in report order: server, security, data, family, runtime. */
export function allCells(): Cell[] {
  const cells: Cell[] = [];
  for (const server of SERVER_KINDS) {
    for (const security of SECURITY) {
      for (const data of DATA) {
        for (const family of FAMILIES) {
          for (const runtime of RUNTIMES) {
            const reason = notApplicable(runtime, server, security, data, family);
            cells.push({
              id: [runtime, server, security, data, family].join(' · '),
              runtime,
              server,
              security,
              data,
              family,
              ...(reason === undefined ? {} : { notApplicable: reason }),
              instance: instanceFor(server, security, family),
              skip: SERVER_SKIPS[server],
            });
          }
        }
      }
    }
  }
  return cells;
}
