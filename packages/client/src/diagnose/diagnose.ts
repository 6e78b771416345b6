/**
 * `diagnose`: probe a server and say what works, what does not, and what to change.
 *
 * Theory of operation: the probes run one after another, each over connections of its own and
 * under its own deadline (probes.ts), and each later probe is chosen by what the earlier ones
 * found:
 *
 * ```text
 * the port: greeting in plain text?  ── no: TLS record, or silence ──▶ implicit TLS?
 *    │ (an SSH banner, nothing listening: the report ends here)
 *    ▼
 * AUTH TLS (explicit) ─▶ certificate (shown, then judged by the caller's settings) ─▶ TLS 1.2, 1.3
 *    ▼
 * log in (TLS as it works, never a password in plain text where TLS was asked for) ─▶ FEAT
 *    ▼
 * a LIST by EPSV, by PASV (its address), by active mode ─▶ the first that works:
 *    ├─ again with TLS sessions of its own (does the server require reuse?)
 *    └─ LIST -a and the LIST time zone ('auto')
 * ```
 *
 * Nothing here decides what a result means for the caller: advice.ts does, from the results alone.
 *
 * @module
 */
import { FtpReplyError, SshServerError } from '@ftpkit/codec';
import { TimeoutError, TlsError, type TlsVersion } from '@ftpkit/transport';
import { InvalidArgumentError } from '../errors.js';
import { checkTransport, parseUrl, parseUrlPath, resolveOptions, transportOf, type ResolvedOptions, type SecureMode } from '../options.js';
import { recommend } from './advice.js';
import { dataProbe, dataRun, DATA_MODES, listingProbes, look, pasvAddressProbe, seconds, session, showError, showReply, spokeOtherTls, type DataMode, type Look, type ProbeContext } from './probes.js';
import type { CertificateDetail, DataDetail, DiagnoseOptions, Diagnosis, DiagnosisProbes, FeaturesDetail, PortKind, Probe } from './types.js';

/** Each probe's deadline by default: long enough for a TLS login over a slow link, short enough to wait for. */
const DEFAULT_PROBE_TIMEOUT = 5_000;

const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function notApplicable(reason: string): { readonly status: 'not-applicable'; readonly reason: string } {
  return { status: 'not-applicable', reason };
}

/** A URL's path as the folder to list (curl's reading, see {@link parseUrlPath}); none for `/` or nothing. */
function urlPath(url: string): { path?: string } {
  const path = parseUrlPath(url);
  return path === '' ? {} : { path };
}

/**
 * Probe a server and report, probe by probe, what works and what does not, with the options to
 * connect with and a sentence for each thing to change. It looks at what the port speaks (an FTP
 * greeting, implicit TLS, an SSH banner), explicit and implicit TLS, the certificate and the TLS
 * versions, logs in (never sending the password in plain text where TLS was asked for, nor over
 * TLS whose certificate the options would refuse), reads FEAT, moves a listing by EPSV, by PASV (and
 * looks at the address PASV names) and by active mode, finds whether data connections must resume
 * the TLS session, how the server takes `LIST -a`, and the zone of its LIST times.
 *
 * Each probe has its own deadline (`probeTimeout`, default 5 s), so a path that never answers is
 * reported as "no data connection within 5 s", not waited on. It rejects only for bad arguments
 * and the caller's `signal`; a server that cannot be reached is a report whose `reachable` is false.
 * The report never holds the password. A URL's path is the folder the listing probes list, as
 * curl reads it: relative to the login folder, `%2F` first for an absolute one (`path` overrides it).
 *
 * @example
 * ```ts
 * const report = await diagnose('ftpes://alice:secret@files.example.com');
 * console.log(report.recommendation.summary); // e.g. "EPSV's data connection fails (...) while PASV works: set epsv: false."
 * for (const [name, probe] of Object.entries(report.probes)) console.log(name, probe.status);
 * const client = await Client.connect({ ...report.recommendation.options!, password: 'secret' });
 * ```
 */
export async function diagnose(target: string | DiagnoseOptions, overrides: Partial<DiagnoseOptions> = {}): Promise<Diagnosis> {
  const merged: DiagnoseOptions = typeof target === 'string' ? { ...parseUrl(target), ...urlPath(target), ...overrides } : { ...target, ...overrides };
  const { probeTimeout, path, ...options } = merged;
  const timeout = probeTimeout ?? DEFAULT_PROBE_TIMEOUT;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) throw new InvalidArgumentError('probeTimeout must be a number of milliseconds above 0');
  const asked = resolveOptions(options); // bad options are refused before anything is sent, as by Client.connect
  const transport = transportOf(options);
  checkTransport(asked, transport);
  const ctx: ProbeContext = { options, transport, timeout };
  const probes: Mutable<DiagnosisProbes> = {
    greeting: notApplicable('not probed'),
    explicitTls: notApplicable('no FTP greeting'),
    implicitTls: notApplicable('no FTP greeting'),
    certificate: notApplicable('no TLS'),
    tlsVersions: notApplicable('no TLS'),
    login: notApplicable('no FTP greeting'),
    features: notApplicable('not logged in'),
    epsv: notApplicable('not logged in'),
    pasv: notApplicable('not logged in'),
    pasvAddress: notApplicable('not logged in'),
    active: notApplicable('not logged in'),
    tlsReuse: notApplicable('not logged in'),
    listAll: notApplicable('not logged in'),
    listTimeZone: notApplicable('not logged in'),
  };

  const port = await probePort(ctx, asked.secure, probes);
  const tlsLook = port.tls;
  if (tlsLook?.ok) await probeTls(ctx, port.kind === 'implicit-tls' ? 'implicit' : 'explicit', tlsLook, probes);

  const secure = loginSecurity(asked, port.kind, probes);
  if (typeof secure === 'object') probes.login = notApplicable(secure.skip);
  else await probeSession(ctx, asked, secure, path, probes);

  return Object.freeze({
    target: Object.freeze({ host: asked.host, port: asked.port, user: asked.user, secure: asked.secure }),
    reachable: port.kind !== 'unreachable',
    probes: Object.freeze(probes),
    recommendation: recommend(probes, {
      asked,
      timeout,
      runtime: transport.runtime,
      sessionReuse: transport.capabilities.sessionReuse || transport.capabilities.sessionReuseByHost === true,
    }),
  });
}

/** What a failed look says of the port. */
function kindOf(look: Extract<Look, { ok: false }>): PortKind {
  if (look.error instanceof SshServerError) return 'ssh';
  if (look.error instanceof FtpReplyError) return 'refusing';
  if (spokeOtherTls(look) === 'tls') return 'implicit-tls';
  if (!look.connected) return 'unreachable';
  return look.error instanceof TimeoutError ? 'silent' : 'other';
}

/**
 * What the port speaks: a plain look (or, for `ftps://`, a TLS one first), and a TLS one where the
 * plain look met TLS or silence. Fills in the greeting and the two TLS probes; hands back the look
 * that went through TLS, for the certificate.
 */
async function probePort(ctx: ProbeContext, asked: SecureMode, probes: Mutable<DiagnosisProbes>): Promise<{ readonly kind: PortKind; readonly tls: Look | undefined }> {
  let plain: Look | undefined;
  let implicit: Look | undefined;
  if (asked === 'implicit') {
    implicit = await look(ctx, 'implicit');
    if (spokeOtherTls(implicit) === 'plain') plain = await look(ctx, false);
  } else {
    plain = await look(ctx, false);
    if (!plain.ok && (kindOf(plain) === 'implicit-tls' || kindOf(plain) === 'silent')) implicit = await look(ctx, 'implicit');
  }
  const within = seconds(ctx.timeout);
  if (implicit?.ok) {
    const text = showReply(implicit.greeting);
    probes.greeting = { status: 'ok', summary: `${text} (after TLS)`, detail: { port: 'implicit-tls', text } };
    probes.implicitTls = { status: 'ok', summary: `TLS from the first byte${protocolOf(implicit)}`, detail: { protocol: implicit.protocol } };
    probes.explicitTls = notApplicable('the port speaks TLS from the first byte (implicit FTPS)');
    return { kind: 'implicit-tls', tls: implicit };
  }
  if (plain?.ok) {
    const text = showReply(plain.greeting);
    probes.greeting = { status: 'ok', summary: text, detail: { port: 'plain', text } };
    probes.implicitTls =
      asked === 'implicit'
        ? { status: 'failed', reason: 'the port answered the TLS handshake in plain text: it speaks plain FTP', ...(implicit && !implicit.ok ? { error: implicit.error } : {}) }
        : notApplicable('the port greets in plain text; implicit FTPS (TLS from the first byte) is on a port of its own, usually 990');
    const explicit = await look(ctx, 'explicit');
    probes.explicitTls = explicit.ok
      ? { status: 'ok', summary: `AUTH TLS accepted${protocolOf(explicit)}`, detail: { protocol: explicit.protocol } }
      : { status: 'failed', reason: refusedTls(explicit.error), error: explicit.error };
    return { kind: 'plain', tls: explicit };
  }
  // Neither greeted. The plain look says most (an SSH banner, silence); a TLS one whether TLS failed too.
  const failure = (plain ?? implicit) as Extract<Look, { ok: false }>;
  const kind = kindOf(failure);
  const reasons: Record<PortKind, string> = {
    ssh: failure.error instanceof SshServerError ? failure.error.message : showError(failure.error),
    unreachable: `no connection: ${showError(failure.error)}`,
    silent: `the port took the connection but sent no greeting within ${within}${implicit && !implicit.ok ? `, and TLS failed too (${showError(implicit.error)})` : ''}`,
    'implicit-tls': `the port speaks TLS, and the TLS handshake failed: ${showError(implicit && !implicit.ok ? implicit.error : failure.error)}`,
    refusing: `the server turned the connection away: ${showError(failure.error)}`,
    other: showError(failure.error),
    plain: showError(failure.error),
  };
  const text = failure.error instanceof SshServerError ? failure.error.banner : failure.error instanceof FtpReplyError ? showReply(failure.error.reply) : '';
  probes.greeting = { status: 'failed', reason: reasons[kind], detail: { port: kind, text }, error: failure.error };
  return { kind, tls: undefined };
}

function protocolOf(look: Extract<Look, { ok: true }>): string {
  return look.protocol === undefined ? '' : `: ${look.protocol}`;
}

/** Why AUTH TLS did not work: the server's answer, when it refused. */
function refusedTls(err: unknown): string {
  const cause = err instanceof TlsError ? err.cause : undefined;
  return cause === undefined ? showError(err) : `AUTH TLS refused: ${showError(cause)}`;
}

/** The certificate (judged by the caller's settings) and the TLS versions the port accepts. */
async function probeTls(ctx: ProbeContext, mode: 'explicit' | 'implicit', shown: Extract<Look, { ok: true }>, probes: Mutable<DiagnosisProbes>): Promise<void> {
  const certificate = shown.certificate;
  if (certificate === undefined) {
    probes.certificate = notApplicable(`the ${ctx.transport.runtime} transport cannot read certificates`);
  } else {
    const tls = ctx.options.tls ?? {};
    let accepted: CertificateDetail['accepted'];
    if (tls.pin !== undefined) {
      const checked = await look(ctx, mode, { check: true });
      accepted = checked.ok ? 'pinned' : checked.error instanceof TlsError && checked.error.reason === 'pin' ? 'pin-mismatch' : 'no';
    } else accepted = certificate.trusted === true ? 'trusted' : tls.rejectUnauthorized === false ? 'unchecked' : 'no';
    const detail: CertificateDetail = { certificate, accepted };
    const issuer = certificate.issuer === certificate.subject ? 'self-signed' : `issued by ${certificate.issuer}`;
    const until = certificate.validTo.toISOString().slice(0, 10);
    if (accepted === 'trusted' || accepted === 'pinned') {
      probes.certificate = { status: 'ok', summary: `${certificate.subject}, ${issuer}, valid until ${until}; ${accepted === 'pinned' ? 'tls.pin matches its key' : 'trusted'}`, detail };
    } else {
      const reason = accepted === 'pin-mismatch' ? `presenting a key tls.pin does not name (${certificate.pin})` : `not trusted (${certificate.trustError ?? 'no reason given'})`;
      probes.certificate = { status: 'failed', reason: `${reason}: ${certificate.subject}, ${issuer}, valid until ${until}`, detail };
    }
  }
  if (ctx.transport.capabilities.tlsVersionLimits !== true) {
    probes.tlsVersions = notApplicable(`the ${ctx.transport.runtime} transport cannot hold a handshake to one TLS version`);
    return;
  }
  const accepted: TlsVersion[] = [];
  const refused: TlsVersion[] = [];
  for (const version of TLS_VERSIONS) ((await look(ctx, mode, { version })).ok ? accepted : refused).push(version);
  const detail = { accepted, refused };
  probes.tlsVersions =
    accepted.length === 0
      ? { status: 'failed', reason: `neither ${TLS_VERSIONS.join(' nor ')} is accepted alone`, detail }
      : { status: 'ok', summary: `${accepted.join(', ')}${refused.length === 0 ? '' : ` (${refused.join(', ')} refused)`}`, detail };
}

/**
 * How the probes log in: with TLS as the port takes it when the certificate is accepted, else as
 * asked. The password never goes in plain text where TLS was asked for, nor over TLS the caller's
 * settings would refuse: then `skip` says why nothing is probed past the greeting.
 */
function loginSecurity(asked: ResolvedOptions, kind: PortKind, probes: DiagnosisProbes): SecureMode | { readonly skip: string } {
  const certificate = probes.certificate;
  const accepted = certificate.status === 'not-applicable' || (certificate.status === 'ok') || certificate.detail?.accepted === 'unchecked';
  const untrusted = 'the certificate is not accepted (see above), and the probes send no password over a connection the options would refuse';
  if (kind === 'implicit-tls') return accepted ? 'implicit' : { skip: untrusted };
  if (kind !== 'plain') return { skip: 'no FTP greeting' };
  if (probes.explicitTls.status === 'ok' && accepted) return 'explicit';
  if (asked.secure === false) return false;
  return { skip: probes.explicitTls.status === 'ok' ? untrusted : 'the server refuses TLS, and the probes send no password in plain text where TLS was asked for' };
}

/** The logged-in probes: login and FEAT, the three data modes, TLS reuse, the listing. */
async function probeSession(ctx: ProbeContext, asked: ResolvedOptions, secure: SecureMode, path: string | undefined, probes: Mutable<DiagnosisProbes>): Promise<void> {
  // LIST times in UTC: the data probes need no MDTM; the listing probe detects the zone itself.
  const extra = { secure, ccc: secure === false ? false : asked.ccc, listTimeZone: 'UTC' } as const;
  const login = await session(ctx, extra, async (_conn, result) => ({ result }));
  if (login.value === undefined) {
    probes.login = { status: 'failed', reason: showError(login.error), error: login.error };
    const after = 'the login failed';
    for (const name of ['features', 'epsv', 'pasv', 'pasvAddress', 'active', 'tlsReuse', 'listAll', 'listTimeZone'] as const) probes[name] = notApplicable(after);
    return;
  }
  const { result } = login.value;
  probes.login = { status: 'ok', summary: `${showReply(result.welcome)}${secure === false ? ' (in plain text)' : ''}`, detail: { secure, reply: showReply(result.welcome) } };
  probes.features = featuresProbe(result.features);

  const ipv6 = login.seen[0]?.remote?.family === 6;
  probes.epsv = dataProbe(ctx, 'epsv', await dataRun(ctx, 'epsv', extra, path));
  if (ipv6) {
    probes.pasv = notApplicable('PASV cannot address an IPv6 server');
    probes.pasvAddress = notApplicable('PASV cannot address an IPv6 server');
  } else {
    const run = await dataRun(ctx, 'pasv', extra, path);
    probes.pasv = dataProbe(ctx, 'pasv', run);
    probes.pasvAddress = pasvAddressProbe(ctx, run);
  }
  if (ctx.options.proxy !== undefined) probes.active = notApplicable('active mode cannot go through a proxy');
  else if (ctx.transport.capabilities.listen === false) probes.active = notApplicable(`the ${ctx.transport.runtime} transport cannot listen for the server's connection`);
  else probes.active = dataProbe(ctx, 'active', await dataRun(ctx, 'active', extra, path));

  const working = (['epsv', 'pasv', 'active'] as const).find((mode) => probes[mode].status === 'ok');
  probes.tlsReuse = working === undefined ? notApplicable('no data connection works') : await tlsReuseProbe(ctx, secure, working, extra, path, probes[working]);
  if (working === undefined) {
    probes.listAll = notApplicable('no data connection works');
    probes.listTimeZone = notApplicable('no data connection works');
    return;
  }
  Object.assign(probes, await listingProbes(ctx, { ...extra, ...DATA_MODES[working] }, path));
}

function featuresProbe(features: ReadonlyMap<string, string>): Probe<FeaturesDetail> {
  const detail: FeaturesDetail = {
    mlst: features.has('MLST'),
    utf8: features.has('UTF8'),
    hash: features.get('HASH'),
    restStream: /\bSTREAM\b/i.test(features.get('REST') ?? ''),
    mfmt: features.has('MFMT'),
    mdtm: features.has('MDTM'),
    size: features.has('SIZE'),
    all: Object.fromEntries(features),
  };
  const shown: [string, boolean][] = [
    ['MLST', detail.mlst],
    ['UTF8', detail.utf8],
    ['HASH', detail.hash !== undefined],
    ['REST STREAM', detail.restStream],
    ['MFMT', detail.mfmt],
    ['MDTM', detail.mdtm],
    ['SIZE', detail.size],
  ];
  const yes = shown.filter(([, on]) => on).map(([name]) => name);
  const no = shown.filter(([, on]) => !on).map(([name]) => name);
  return { status: 'ok', summary: `${yes.length === 0 ? 'none of the ones that matter' : yes.join(', ')}${no.length === 0 ? '' : `; not ${no.join(', ')}`}`, detail };
}

/**
 * Whether data connections must resume the control connection's TLS session: the mode that works,
 * again, with TLS sessions of their own. A refusal at the data connection means required.
 */
async function tlsReuseProbe(
  ctx: ProbeContext,
  secure: SecureMode,
  mode: DataMode,
  extra: Parameters<typeof dataRun>[2],
  path: string | undefined,
  withReuse: Probe<DataDetail>,
): Promise<DiagnosisProbes['tlsReuse']> {
  if (secure === false) return notApplicable('no TLS');
  if (ctx.options.protectData === false) return notApplicable('data connections are not encrypted (protectData: false)');
  const { sessionReuse, sessionReuseByHost } = ctx.transport.capabilities;
  if (sessionReuseByHost === true) return notApplicable(`the ${ctx.transport.runtime} runtime resumes TLS sessions by itself, so a data connection without one cannot be tried`);
  if (!sessionReuse) return notApplicable(`the ${ctx.transport.runtime} transport cannot resume TLS sessions`);
  const run = await dataRun(ctx, mode, extra, path, { reuseTlsSession: false });
  const without = dataProbe(ctx, mode, run);
  const resumes = withReuse.status === 'ok' && withReuse.detail.resumed === true;
  if (without.status === 'ok') {
    const summary = resumes ? 'not required: data connections resume the session, and one with a session of its own works too' : 'not required: a data connection with a TLS session of its own works too';
    return { status: 'ok', summary, detail: { required: false } };
  }
  const stage = without.status === 'failed' ? without.detail?.stage : undefined;
  if (stage === 'tls' || stage === 'transfer' || stage === 'connect') {
    return { status: 'ok', summary: `required: without the control connection's session the data connection is refused (${showError(run.error)})`, detail: { required: true } };
  }
  return { status: 'failed', reason: without.reason, ...(run.error === undefined ? {} : { error: run.error }) };
}
