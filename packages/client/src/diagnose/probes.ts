/**
 * The diagnosis's probes: each one a short session of the client's own code, under its own deadline.
 *
 * Theory of operation: a probe is either a look at the port without logging in (`greet`, the one
 * `Client.certificate` uses: greeting, TLS, certificate, QUIT) or a logged-in session (`logIn`, as
 * `Client.connect` does) that runs one thing: a transfer in one data mode, a listing. Every probe
 * gets fresh connections through an observed transport (observe.ts), so what one probe breaks
 * cannot spoil the next, and what each connection got to (open, TLS, resumed) explains a failure.
 * Every clock of the driver (connect, login, reply, data idle, the data connection's connect and
 * accept) is set to the probe's deadline, so a path that never answers fails that probe within it.
 * The log of each session is kept, which is how a probe reads the server's answer to EPSV, PASV or
 * PORT: the session hands those replies to nobody else.
 *
 * @module
 */
import { createReply, FtpReplyError, parseListing, parsePasv, TlsModeError, type ConnectResult, type Reply } from '@ftpkit/codec';
import { TimeoutError, TlsError, type PeerCertificate, type TlsVersion, type Transport } from '@ftpkit/transport';
import { greet, logIn } from '../client.js';
import { clockOf } from '../driver/clock.js';
import { sameIp } from '../driver/data-channel.js';
import { RateLimit } from '../driver/throttle.js';
import { Conn } from '../ops/conn.js';
import { heldListing, list, parseOptions } from '../ops/listing.js';
import { resolveOptions, type ClientOptions, type LogEntry, type SecureMode, type Timeouts } from '../options.js';
import { SessionZone, formatOffset } from '../time-zone.js';
import { addressScope } from './address.js';
import { observe, type Observed } from './observe.js';
import type { DataDetail, ListAllDetail, ListZoneDetail, PasvAddressDetail, Probe } from './types.js';

/** What every probe shares: the caller's options (password included), the transport, the deadline. */
export interface ProbeContext {
  /** The caller's options, merged; never shown. */
  readonly options: ClientOptions;
  /** The transport to probe over (through the caller's proxy, when there is one). */
  readonly transport: Transport;
  /** Each probe's deadline, in milliseconds. */
  readonly timeout: number;
}

/** What a look at the port without logging in found. */
export type Look =
  | { readonly ok: true; readonly greeting: Reply; readonly certificate: PeerCertificate | undefined; readonly protocol: string | undefined }
  | { readonly ok: false; readonly error: unknown; readonly connected: boolean };

/** A probe's clocks: all of them its deadline, the login twice that (it is several round trips). */
function timeoutsOf(ms: number): Required<Timeouts> {
  return { connect: ms, login: 2 * ms, reply: ms, dataIdle: ms };
}

/** `ms` as seconds for a sentence: `5 s`, `2.5 s`. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The probe's options: the caller's, over `transport`, with the probe's clocks, no retry, and the log kept in `entries`. */
function probeOptions(ctx: ProbeContext, transport: Transport, entries: LogEntry[], extra: Partial<ClientOptions>): ClientOptions {
  const log = ctx.options.log;
  return {
    ...ctx.options,
    ...extra,
    transport,
    proxy: undefined, // `transport` goes through it already
    timeouts: timeoutsOf(ctx.timeout),
    retry: 0,
    keepAlive: 0,
    log: (entry) => {
      entries.push(entry);
      log?.(entry);
    },
  };
}

/**
 * Look at the port without logging in (`greet`): its greeting, and with `secure` its TLS and
 * certificate, shown, or with `check` checked as the caller's TLS settings say. `version` holds the
 * handshake to one TLS version. Never throws but for the caller's abort: a failure says whether
 * TCP got up.
 */
export async function look(ctx: ProbeContext, secure: SecureMode, how: { readonly version?: TlsVersion; readonly check?: boolean } = {}): Promise<Look> {
  const { transport, seen } = observe(ctx.transport);
  const versions = how.version === undefined ? {} : { minVersion: how.version, maxVersion: how.version };
  const options = probeOptions(ctx, transport, [], { tls: { ...ctx.options.tls, ...versions } });
  try {
    // A transport that cannot read certificates cannot show one either: there TLS is held to the caller's settings.
    const check = how.check === true || ctx.transport.capabilities.peerCertificate !== true;
    const { greeting, certificate } = await greet(transport, options, secure, { check });
    return { ok: true, greeting, certificate, protocol: seen[0]?.tlsProtocol };
  } catch (err) {
    if (ctx.options.signal?.aborted) throw err;
    return { ok: false, error: err, connected: seen[0]?.open === true };
  }
}

/** What a logged-in session probe found: `fn`'s value or the error, the log, and every connection. */
export interface SessionRun<T> {
  readonly value?: T;
  readonly error?: unknown;
  /** Whether the login got through (the error, if any, came after it). */
  readonly loggedIn: boolean;
  readonly log: readonly LogEntry[];
  /** Every connection of the session: the control connection first, then the data connections. */
  readonly seen: readonly Observed[];
}

/**
 * Log in with the caller's options and `extra`, run `fn` on the connection, say QUIT. With
 * `reuseTlsSession: false`, no data connection resumes the control connection's TLS session.
 */
export async function session<T>(
  ctx: ProbeContext,
  extra: Partial<ClientOptions>,
  fn: (conn: Conn, login: ConnectResult) => Promise<T>,
  how: { readonly reuseTlsSession?: boolean } = {},
): Promise<SessionRun<T>> {
  const observed = observe(ctx.transport, how);
  const log: LogEntry[] = [];
  const resolved = resolveOptions(probeOptions(ctx, observed.transport, log, extra));
  const signal = ctx.options.signal;
  let control;
  try {
    const opened = await logIn(observed.transport, resolved, signal, undefined);
    control = opened.control;
    const conn = new Conn(control, opened.login.features, new RateLimit(clockOf(observed.transport), 0));
    const value = await fn(conn, opened.login);
    await control.run({ kind: 'quit' }).catch(() => {});
    return { value, loggedIn: true, log, seen: observed.seen };
  } catch (err) {
    if (signal?.aborted) throw err;
    return { error: err, loggedIn: control !== undefined, log, seen: observed.seen };
  } finally {
    control?.destroy();
    await control?.finished;
  }
}

/** A transfer's sink that drops what comes. */
const DISCARD = { direction: 'download', write: () => {} } as const;

/** The data modes a probe can try, as the options that select them. */
export const DATA_MODES = {
  epsv: { mode: 'passive', epsv: true },
  pasv: { mode: 'passive', epsv: false },
  active: { mode: 'active' },
} as const satisfies Record<string, Partial<ClientOptions>>;

export type DataMode = keyof typeof DATA_MODES;

/** The command that sets a mode's data connection up, as the log shows it. */
const SETUP: Readonly<Record<DataMode, RegExp>> = { epsv: /^EPSV$/, pasv: /^PASV$/, active: /^(PORT|EPRT) / };

/** One LIST in `mode` (and how the session was told to do TLS): the run, to be read by {@link dataProbe}. */
export function dataRun(ctx: ProbeContext, mode: DataMode, extra: Partial<ClientOptions>, path: string | undefined, how: { readonly reuseTlsSession?: boolean } = {}): Promise<SessionRun<void>> {
  return session(ctx, { ...extra, ...DATA_MODES[mode] }, async (conn) => void (await conn.transfer('LIST', path, DISCARD, {})), how);
}

/** The reply the log shows right after the first command sent that matches `sent`. */
export function replyAfter(log: readonly LogEntry[], sent: RegExp): Reply | undefined {
  const at = log.findIndex((entry) => entry.direction === '>' && sent.test(entry.text));
  const answer = at === -1 ? undefined : log.slice(at + 1).find((entry) => entry.direction === '<');
  if (answer === undefined) return undefined;
  const code = Number(answer.text.slice(0, 3));
  const lines = answer.text.slice(4).split('\n');
  return Number.isInteger(code) && code >= 100 && code <= 599 ? createReply(code, lines) : undefined;
}

/** A reply as a report shows it: its code and its first line. */
export function showReply(reply: Reply): string {
  return `${reply.code} ${(reply.lines[0] ?? '').trim()}`;
}

/** A thrown value as a clause of a sentence: a reply as the server said it, anything else by its message. */
export function showError(err: unknown): string {
  if (err instanceof FtpReplyError) return showReply(err.reply);
  return err instanceof Error ? err.message : String(err);
}

/** The failure of a data probe, said where it happened. */
export type DataFailure = Extract<Probe<DataDetail>, { status: 'failed' }>;

/**
 * A data probe's result, from its run: which step the transfer got to (the setup command, the data
 * connection, its TLS, the transfer) says what broke.
 */
export function dataProbe(ctx: ProbeContext, mode: DataMode, run: SessionRun<void>): Probe<DataDetail> | DataFailure {
  const setup = replyAfter(run.log, SETUP[mode]);
  const data = run.seen[1];
  const detail: DataDetail = { port: data?.port, resumed: data?.resumed, setup: setup === undefined ? undefined : showReply(setup), stage: 'none' };
  const within = seconds(ctx.timeout);
  const failed = (stage: DataDetail['stage'], reason: string): DataFailure => ({ status: 'failed', reason, detail: { ...detail, stage }, ...(run.error === undefined ? {} : { error: run.error }) });
  // A refused EPSV is followed by PASV in the same transfer: the refusal is EPSV's answer, whatever PASV did.
  if (setup !== undefined && !(mode === 'epsv' ? setup.code === 229 : mode === 'pasv' ? setup.code === 227 : setup.kind === 'completion')) {
    return failed('command', `refused: ${showReply(setup)}`);
  }
  if (run.error === undefined) {
    const tls = data?.tls === 'done' ? (data.resumed === true ? ' over TLS, resuming the session' : ' over TLS') : '';
    return { status: 'ok', summary: `a LIST went through${tls}`, detail };
  }
  if (!run.loggedIn) return failed('none', `the session did not log in: ${showError(run.error)}`);
  if (setup === undefined) return failed('command', showError(run.error));
  if (data === undefined || !data.open) {
    if (mode === 'active') {
      const why = run.error instanceof FtpReplyError ? `: ${showReply(run.error.reply)}` : ` within ${within}`;
      return failed('connect', `the server did not connect back to this side${why}`);
    }
    const port = data === undefined ? '' : ` to port ${data.port}`;
    // The connect's clock and the reply clock both run the probe's deadline: whichever rang, nothing opened within it.
    if (data?.error instanceof TimeoutError || (data?.error === undefined && run.error instanceof TimeoutError)) return failed('connect', `no data connection${port} within ${within}`);
    return failed('connect', `the data connection${port} failed: ${showError(data?.error ?? run.error)}`);
  }
  if (data.tls === 'failed') return failed('tls', `the data connection's TLS handshake failed: ${showError(data.error ?? run.error)}`);
  if (run.error instanceof TimeoutError) return failed('transfer', `the data connection opened, but nothing came within ${within}`);
  return failed('transfer', `the data connection opened, but the transfer failed: ${showError(run.error)}`);
}

/** The address of a PASV run's 227, against the control connection's peer. */
export function pasvAddressProbe(ctx: ProbeContext, run: SessionRun<void>): Probe<PasvAddressDetail> {
  const reply = replyAfter(run.log, SETUP.pasv);
  const control = run.seen[0]?.remote?.host;
  if (reply?.code !== 227 || control === undefined) return { status: 'not-applicable', reason: 'PASV gave no address' };
  let host: string;
  try {
    host = parsePasv(reply).host;
  } catch (err) {
    return { status: 'failed', reason: `the 227 reply has no address: ${showError(err)}`, error: err };
  }
  const scope = addressScope(host);
  const sameAsControl = host === '0.0.0.0' || sameIp(host, control);
  const detail: PasvAddressDetail = { host, scope, controlHost: control, sameAsControl };
  const where = `${host}${scope === undefined ? '' : ` (${scope})`}`;
  if (sameAsControl) return { status: 'ok', summary: host === '0.0.0.0' ? '0.0.0.0: the control host' : `${where}: the control host`, detail };
  const trusted = ctx.options.trustPasvHost === true;
  return {
    status: 'failed',
    reason:
      `PASV names ${where}, not the control host ${control}` +
      (trusted ? ': with trustPasvHost the data connection goes there' : '; ftpkit connects to the control host instead (trustPasvHost: false)'),
    detail,
  };
}

/** FEAT without MLST, so that a listing goes by LIST whatever the server offers. */
function withoutMlst(features: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  const copy = new Map(features);
  copy.delete('MLST');
  return copy;
}

/**
 * `LIST -a` and the LIST time zone, on one session: the client's own listing (ops/listing.ts, which
 * decides between `LIST -a` and plain LIST) with `listTimeZone: 'auto'` (ops/list-zone.ts), by
 * LIST even where MLSD is offered; then, where `-a` was taken, plain LIST, to name what `-a` shows
 * that plain LIST hides.
 */
export async function listingProbes(
  ctx: ProbeContext,
  extra: Partial<ClientOptions>,
  path: string | undefined,
): Promise<{ readonly listAll: Probe<ListAllDetail>; readonly listTimeZone: Probe<ListZoneDetail> }> {
  const run = await session(ctx, extra, async (conn) => {
    const byList = new Conn(conn.control, withoutMlst(conn.features), conn.limit, new SessionZone('auto'));
    const flagged = await list(byList, path, {});
    let plain: string[] | undefined;
    if (byList.listAll === true) {
      const held = heldListing(conn.options.encoding);
      await conn.transfer('LIST', path, held.io, {});
      plain = parseListing(held.text(), parseOptions(conn.options, path, undefined)).entries.map((entry) => entry.name);
    }
    return { flagged: flagged.map((entry) => entry.name), plain, listAll: byList.listAll, zone: byList.zone.state };
  });
  if (run.value === undefined) {
    const failed = { status: 'failed', reason: `the listing failed: ${showError(run.error)}`, error: run.error } as const;
    return { listAll: failed, listTimeZone: failed };
  }
  const { flagged, plain, listAll, zone } = run.value;
  let all: Probe<ListAllDetail>;
  if (listAll === undefined) all = { status: 'not-applicable', reason: 'the folder lists nothing, with -a or without: give the path of a folder with files' };
  else if (listAll === false) all = { status: 'ok', summary: 'LIST -a is read as a path: ftpkit lists with plain LIST here, and dotfiles may not show', detail: { behaviour: 'path', hidden: [] } };
  else {
    const hidden = flagged.filter((name) => !(plain ?? []).includes(name)).sort();
    all =
      hidden.length > 0
        ? { status: 'ok', summary: `honoured: it shows ${hidden.length} ${hidden.length === 1 ? 'entry' : 'entries'} plain LIST hides (${hidden.slice(0, 3).join(', ')}${hidden.length > 3 ? ', ...' : ''})`, detail: { behaviour: 'shows-hidden', hidden } }
        : { status: 'ok', summary: 'taken: it lists the same entries as plain LIST', detail: { behaviour: 'same', hidden } };
  }
  const offset = zone.offset;
  const zoneProbe: Probe<ListZoneDetail> =
    zone.auto === 'detected' && offset !== undefined
      ? {
          status: 'ok',
          summary: offset === 0 ? 'UTC: LIST and MDTM agree' : `${formatOffset(offset)}: LIST times are ${formatOffset(offset)} from MDTM's UTC`,
          detail: { offset, zone: offset === 0 ? 'UTC' : formatOffset(offset) },
        }
      : // The reason's first clause: what follows is what the session does next, which a report has no use for.
        { status: 'failed', reason: (zone.reason ?? 'no listing settled it').split(';')[0]! };
  return { listAll: all, listTimeZone: zoneProbe };
}

/** Whether a failed look means the server spoke TLS where plain text was expected, or plain text where TLS was. */
export function spokeOtherTls(look: Look): 'tls' | 'plain' | undefined {
  if (look.ok) return undefined;
  if (look.error instanceof TlsModeError) return look.error.serverSpeaks;
  if (look.error instanceof TlsError && look.error.reason === 'not-tls') return 'plain';
  return undefined;
}
