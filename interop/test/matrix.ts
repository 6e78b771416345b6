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

/**
 * How the client reaches the server: directly, or through a real proxy on loopback that requires
 * credentials (testkit's startProxy): Dante, SOCKS5 with username and password (RFC 1929), or
 * tinyproxy, HTTP CONNECT with Basic authentication. Through a proxy the control connection and
 * every data connection are tunnels; TLS runs inside them.
 */
export const PROXIES = ['direct', 'SOCKS5 (Dante)', 'HTTP CONNECT (tinyproxy)'] as const;
export type ProxyRoute = (typeof PROXIES)[number];

/**
 * The cells through a proxy: passive data connections (the only kind a proxy carries) on IPv4, to
 * vsftpd (which requires TLS session reuse, here through the tunnel) and pyftpdlib (which does not,
 * so that Deno's FTPS through a proxy runs too), in these security modes.
 */
const PROXY_SERVERS: readonly ServerKind[] = ['vsftpd', 'pyftpdlib'];
const PROXY_SECURITY: readonly Security[] = ['plain', 'explicit TLS 1.3', 'implicit TLS', 'explicit, reuse optional'];
const PROXY_DATA: readonly Data[] = ['EPSV', 'PASV'];

export interface Cell {
  readonly id: string;
  readonly runtime: Runtime;
  readonly server: ServerKind;
  readonly security: Security;
  readonly data: Data;
  readonly family: Family;
  readonly proxy: ProxyRoute;
  /** Why the cell cannot exist; undefined when it runs. */
  readonly notApplicable?: string;
  /** The server process the cell runs against (one per kind × family × TLS setup). */
  readonly instance: InstanceKey;
  /** Scenario steps a server cannot do, with the server bug that stops them. */
  readonly skip: Readonly<Partial<Record<StepName, string>>>;
  /** Why this cell's client retries failed transfers (its `retry` option), when it does. */
  readonly retries?: string;
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
  tinyproxyTls13Uploads:
    'tinyproxy 1.11 ends a tunnel as soon as the client finishes sending: it writes out what it holds for the server and closes both sockets, never reading what the server sent since. A TLS 1.3 server whose session ticket came late (traced with strace: unread by tinyproxy in every cut upload) gets a reset, and loses what it had not read of the upload: about 1 FTPS upload in 10 ends with 426 on loopback, on every runtime (0 in 80 with TLS 1.2, 0 in 80 through Dante, 0 in 80 direct). These cells therefore run with the client\'s retry option (3 retries), and say when it was used',
  tinyproxyTruncates:
    'tinyproxy 1.11 cuts FTPS (TLS 1.3) uploads when it ends a tunnel (see the vsftpd cells through it), and pyftpdlib 1.5.7 does not notice: it answers 226 to a data connection that was reset before its close_notify, so the upload is short and reported whole (seen: 65536 of 1048593 bytes). Such a cell could only pass by luck. Through tinyproxy, use the transfers\' verify option with retry, TLS 1.2, or a SOCKS5 proxy (the Dante cells)',
  denoReuse: (server: ServerKind) =>
    `Deno 2.9.6 cannot resume TLS sessions: Deno.startTls builds a fresh rustls client configuration for every connection and takes no session (Deno's node:tls resumes only on its default trust path, never with a CA given as this matrix gives it; @ftpkit/transport README, "Deno and TLS session reuse"), and ${server} here requires TLS data connections to resume the control session, so the client fails with TlsError 'session-reuse'; see the "explicit, reuse optional" cells`,
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

function cell(runtime: Runtime, server: ServerKind, security: Security, data: Data, family: Family, proxy: ProxyRoute): Cell {
  const truncated = proxy === 'HTTP CONNECT (tinyproxy)' && server === 'pyftpdlib' && security !== 'plain';
  const reason = notApplicable(runtime, server, security, data, family) ?? (truncated ? REASONS.tinyproxyTruncates : undefined);
  return {
    id: [runtime, server, security, data, family, ...(proxy === 'direct' ? [] : [proxy])].join(' · '),
    runtime,
    server,
    security,
    data,
    family,
    proxy,
    ...(reason === undefined ? {} : { notApplicable: reason }),
    instance: instanceFor(server, security, family),
    skip: SERVER_SKIPS[server],
    ...(proxy === 'HTTP CONNECT (tinyproxy)' && security !== 'plain' ? { retries: REASONS.tinyproxyTls13Uploads } : {}),
  };
}

/**
 * Every cell, in report order: the direct cells by server, security, data, family and runtime,
 * then the cells through each proxy in the same order.
 */
export function allCells(): Cell[] {
  const cells: Cell[] = [];
  for (const server of SERVER_KINDS) {
    for (const security of SECURITY) {
      for (const data of DATA) {
        for (const family of FAMILIES) {
          for (const runtime of RUNTIMES) cells.push(cell(runtime, server, security, data, family, 'direct'));
        }
      }
    }
  }
  for (const proxy of PROXIES.filter((route) => route !== 'direct')) {
    for (const server of PROXY_SERVERS) {
      for (const security of PROXY_SECURITY) {
        for (const data of PROXY_DATA) {
          for (const runtime of RUNTIMES) {
            const made = cell(runtime, server, security, data, 'IPv4', proxy);
            // A mode the server cannot have is no row of the proxy's: the direct rows say so already.
            if (made.notApplicable !== REASONS.reuseNever(server)) cells.push(made);
          }
        }
      }
    }
  }
  return cells;
}
