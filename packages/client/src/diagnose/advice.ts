/**
 * The recommendation of a diagnosis: from the probes' results alone, what to change, what to know,
 * and the options to connect with. One function, {@link recommend}, so every rule of "this result
 * means that change" is in one place; the probes only say what they found.
 *
 * The sentences name the option to set and, where the command line has one, its flag, and say why,
 * so that a bare "None of the available transfer strategies work" or a timeout without a reason
 * becomes a thing to do.
 *
 * @module
 */
import type { ListTimeZone } from '../time-zone.js';
import type { SecureMode } from '../options.js';
import { seconds } from './probes.js';
import type { DataDetail, DiagnosisProbes, PortKind, Probe, Recommendation, RecommendedOptions } from './types.js';

/** What the caller asked for, as far as the advice compares it with what works. */
export interface Asked {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly secure: SecureMode;
  readonly mode: 'passive' | 'active';
  readonly epsv: boolean;
  readonly trustPasvHost: boolean;
  readonly listTimeZone: ListTimeZone;
}

/** What the advice knows besides the probes. */
export interface AdviceContext {
  readonly asked: Asked;
  /** Each probe's deadline in milliseconds. */
  readonly timeout: number;
  /** The runtime's adapter, and whether its data connections can resume TLS sessions (given one, or by themselves). */
  readonly runtime: string;
  readonly sessionReuse: boolean;
}

const SCHEME: Readonly<Record<string, string>> = { false: 'ftp://', explicit: 'ftpes://', implicit: 'ftps://' };

/** How a secure mode reads in a sentence: the URL scheme and the option. */
function useMode(secure: SecureMode): string {
  return `${SCHEME[String(secure)]} (secure: ${secure === false ? 'false' : `'${secure}'`})`;
}

function failedReason<D>(probe: Probe<D>): string | undefined {
  return probe.status === 'ok' ? undefined : probe.reason;
}

function stageOf(probe: Probe<DataDetail>): DataDetail['stage'] | undefined {
  return probe.status === 'failed' ? probe.detail?.stage : undefined;
}

/**
 * The recommendation, from the probes: the changes to make (each a sentence, the most important
 * first), what is worth knowing, and the options to connect with.
 *
 * @example
 * ```ts
 * const { summary, changes, options } = recommend(probes, context);
 * // summary: "EPSV's data connection fails (no data connection to port 40001 within 5 s) while PASV works: set epsv: false (--disable-epsv)."
 * ```
 */
export function recommend(probes: DiagnosisProbes, context: AdviceContext): Recommendation {
  const { asked } = context;
  const where = `${asked.host}:${asked.port}`;
  const greeting = probes.greeting;
  if (greeting.status !== 'ok') {
    const detail = greeting.status === 'failed' ? greeting.detail : undefined;
    const why = greeting.reason;
    const said: Readonly<Record<PortKind, string>> = {
      ssh: `${where} is an SSH server: it offers SFTP, and ftpkit speaks FTP and FTPS. Use an SFTP client, or the server's FTP port.`,
      unreachable: `Nothing answers at ${where} (${why}): check the host and the port (FTP is usually on 21, implicit FTPS on 990).`,
      refusing: `${where} is an FTP server that turned the connection away (${detail?.text}): it may be busy, or limit connections per address; try again later.`,
      silent: `${where} takes connections but sends no FTP greeting and speaks no TLS within ${seconds(context.timeout)}: it is not an FTP server, or something in between holds the connection.`,
      'implicit-tls': `${where} speaks TLS, but no TLS handshake with it works: ${why}.`,
      plain: `${where} does not greet as an FTP server: ${why}.`,
      other: `${where} does not greet as an FTP server: ${why}.`,
    };
    const summary = said[detail?.port ?? 'other'];
    return { summary, changes: [summary], notes: [], options: undefined };
  }

  const changes: string[] = [];
  const notes: string[] = [];
  const options: { -readonly [K in keyof RecommendedOptions]: RecommendedOptions[K] } = { host: asked.host, port: asked.port, user: asked.user };

  // How to secure the connection: what the port speaks, and whether it takes AUTH TLS.
  const implicitPort = greeting.detail.port === 'implicit-tls';
  const secure: SecureMode = implicitPort ? 'implicit' : probes.explicitTls.status === 'ok' ? 'explicit' : false;
  options.secure = secure;
  if (implicitPort && asked.secure !== 'implicit') changes.push(`This port speaks implicit FTPS (TLS from the first byte): use ${useMode('implicit')}.`);
  else if (!implicitPort && asked.secure === 'implicit') {
    changes.push(`This port speaks plain FTP, not implicit FTPS: use ${useMode(secure)}${secure === false ? ', which sends the password in plain text' : ''}.`);
  } else if (secure === 'explicit' && asked.secure === false) {
    changes.push(`The server offers explicit FTPS: use ${useMode('explicit')}, so that the password and the files are encrypted.`);
  } else if (secure === false && asked.secure === 'explicit') {
    changes.push(`The server refuses TLS on this port (${failedReason(probes.explicitTls)}): it offers no FTPS here, and ${useMode(false)} sends the password in plain text.`);
  }

  // Whether the certificate will be accepted.
  const certificate = probes.certificate;
  if (certificate.status === 'failed' && certificate.detail !== undefined) {
    const { pin, trustError } = certificate.detail.certificate;
    const untrusted = `The certificate is not trusted (${trustError ?? 'no reason given'})`;
    if (certificate.detail.accepted === 'pin-mismatch') {
      changes.push(`The server's key does not match tls.pin: it presents ${pin}. If the key changed on purpose, pin the new one.`);
    } else if (certificate.detail.accepted === 'unchecked') {
      changes.push(`${untrusted}, and rejectUnauthorized: false lets it through, so anyone on the path could pose as the server: give its CA (tls.ca, --ca FILE) or pin its key (tls.pin, --pinnedpubkey) instead.`);
    } else {
      changes.push(`${untrusted}: give its CA as tls.ca (--ca FILE), or, once you have checked it is the server's, pin its key: tls: { pin: '${pin}' } (--pinnedpubkey).`);
      options.tls = { pin };
    }
  }

  const login = probes.login;
  if (login.status === 'failed') changes.push(`The server refused the login (${login.reason}): check the user name and the password.`);
  else if (login.status === 'not-applicable') notes.push(`Nothing after the greeting was probed: ${login.reason}.`);

  adviseData(probes, context, changes, notes, options);
  adviseListing(probes, asked, changes, notes, options);

  if (probes.features.status === 'ok') {
    const features = probes.features.detail;
    if (!features.utf8) notes.push("The server does not announce UTF8: if names with accents come out wrong, its names are in another encoding (try encoding: 'latin1').");
    if (!features.restStream) notes.push('The server does not announce REST STREAM: an interrupted download may have to start over.');
  }
  const summary = changes[0] ?? 'Nothing needs to change: connect with the options below.';
  return { summary, changes, notes, options };
}

/** The data connections: which mode to use, and what the PASV address and TLS reuse mean. */
function adviseData(probes: DiagnosisProbes, context: AdviceContext, changes: string[], notes: string[], options: { mode?: 'passive' | 'active'; epsv?: boolean; trustPasvHost?: boolean }): void {
  const { epsv, pasv, active, pasvAddress, tlsReuse } = probes;
  if (probes.login.status !== 'ok') return;
  const { asked } = context;
  const epsvRefused = stageOf(epsv) === 'command';
  if (epsv.status === 'ok' || (epsvRefused && pasv.status === 'ok')) {
    if (epsvRefused) notes.push(`The server refuses EPSV (${epsv.status === 'failed' ? epsv.detail?.setup : ''}): ftpkit falls back to PASV by itself.`);
    if (asked.mode === 'active' && active.status !== 'ok') changes.push(`Active mode fails (${failedReason(active)}) while passive mode works: leave mode at 'passive' (the default, no --active).`);
    if (asked.mode === 'active' && active.status === 'ok') options.mode = 'active';
  } else if (pasv.status === 'ok') {
    changes.push(`EPSV's data connection fails (${failedReason(epsv)}) while PASV works: set epsv: false (--disable-epsv).`);
    options.epsv = false;
  } else if (active.status === 'ok') {
    changes.push(`Passive data connections fail (EPSV: ${failedReason(epsv)}; PASV: ${failedReason(pasv)}) while active mode works: set mode: 'active' (--active).`);
    options.mode = 'active';
  } else {
    const each = `EPSV: ${failedReason(epsv)}; PASV: ${failedReason(pasv)}; active: ${failedReason(active)}`;
    const opened = [epsv, pasv, active].every((probe) => probe.status === 'not-applicable' || stageOf(probe) === 'tls' || stageOf(probe) === 'transfer');
    const tls = probes.login.detail.secure !== false;
    if (opened && tls && !context.sessionReuse) {
      changes.push(
        `No data connection works, though each one opens (${each}): the server refuses data connections that do not resume the control connection's TLS session, as vsftpd and ProFTPD do, and the ${context.runtime} transport cannot resume TLS sessions. Run on Node or Bun.`,
      );
    } else if (opened) {
      changes.push(`No data connection works, though each one opens (${each}): it is the server that refuses them, not the network; its log says why.`);
    } else {
      changes.push(
        `No data connection works (${each}): something between here and the server blocks the data ports. ` +
          "Ask for the server's passive port range to be let through, or for this side's ports with active mode (activePorts).",
      );
    }
  }

  if (pasvAddress.status === 'failed' && pasvAddress.detail !== undefined) {
    const { host, scope, controlHost } = pasvAddress.detail;
    const behindNat = scope === 'private' || scope === 'shared' || scope === 'link-local';
    const named = `PASV names ${host}${scope === undefined ? '' : `, a ${scope} address,`} not the control host ${controlHost}`;
    if (asked.trustPasvHost) {
      changes.push(`${named}: set trustPasvHost: false (the default), so that data connections go to the host you connected to.`);
      options.trustPasvHost = false;
    } else if (pasv.status !== 'ok' && stageOf(pasv) === 'connect' && scope === 'public') {
      changes.push(`${named}, and its port does not answer on the control host: if the server really serves data from ${host}, set trustPasvHost: true (--no-ftp-skip-pasv-ip).`);
    } else {
      const nat = behindNat ? ': the server is behind a NAT and does not know its public address (vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd -P)' : '';
      notes.push(`${named}${nat}. ftpkit connects to the control host instead (trustPasvHost: false), so this needs no change here; clients that trust PASV fail.`);
    }
  }

  if (tlsReuse.status === 'ok' && tlsReuse.detail.required) {
    notes.push("Data connections must resume the control connection's TLS session (vsftpd require_ssl_reuse, ProFTPD without NoSessionReuseRequired): ftpkit does.");
  }
}

/** Listings: the LIST -a form and the LIST time zone, which matter where MLSD is not offered. */
function adviseListing(probes: DiagnosisProbes, asked: Asked, changes: string[], notes: string[], options: { listTimeZone?: ListTimeZone }): void {
  const { listAll, listTimeZone, features } = probes;
  const mlsd = features.status === 'ok' && features.detail.mlst;
  if (listAll.status === 'ok' && listAll.detail.behaviour === 'path' && !mlsd) {
    notes.push('The server reads LIST -a as a path: ftpkit notices and lists with plain LIST, so dotfiles may be missing from listings and tree transfers.');
  }
  if (listTimeZone.status === 'ok' && listTimeZone.detail.offset !== 0) {
    const { zone, offset } = listTimeZone.detail;
    if (mlsd) notes.push(`LIST times are at ${zone}, but ftpkit lists with MLSD here, whose times are UTC: no change needed.`);
    else if (asked.listTimeZone === 'auto' || asked.listTimeZone === zone || asked.listTimeZone === offset) options.listTimeZone = asked.listTimeZone;
    else {
      changes.push(`LIST times are at ${zone}, not UTC: set listTimeZone: '${zone}' (--list-time-zone), or the server's IANA zone, which follows summer time, or 'auto'.`);
      options.listTimeZone = zone;
    }
  } else if (listTimeZone.status === 'failed' && !mlsd) {
    notes.push(`The zone of LIST times is unknown (${listTimeZone.reason}); if listed times look shifted, set listTimeZone.`);
  }
}
