/**
 * What `diagnose` takes and what it finds: one typed result per probe, and the recommendation
 * computed from them.
 *
 * @module
 */
import type { PeerCertificate, TlsVersion } from '@ftpkit/transport';
import type { ClientOptions, SecureMode } from '../options.js';
import type { AddressScope } from './address.js';

/**
 * What `diagnose` takes: the options of a client, and how long each probe may take.
 *
 * @example
 * ```ts
 * const report = await diagnose({ host: 'files.example.com', user: 'alice', password: 'secret', secure: 'explicit', probeTimeout: 3000 });
 * ```
 */
export interface DiagnoseOptions extends ClientOptions {
  /**
   * Each probe's deadline in milliseconds: the connect, each reply and each data connection of a
   * probe get this long (a login twice this), so a path that never answers is reported as such
   * within it instead of hanging. Default 5000. `timeouts` are replaced by it.
   */
  readonly probeTimeout?: number;
  /** The folder the listing probes list (`LIST -a`, the time zone); default the login folder. */
  readonly path?: string;
}

/**
 * One probe's result: it worked (`summary` says how), it failed (`reason` says why, `error` is what
 * was thrown, when something was), or it does not apply here (`reason` says why not).
 *
 * @example
 * ```ts
 * const { epsv } = (await diagnose('ftp://files.example.com')).probes;
 * if (epsv.status === 'failed') console.log(`EPSV: ${epsv.reason}`); // EPSV: no data connection within 5 s ...
 * ```
 */
export type Probe<D> =
  | { readonly status: 'ok'; readonly summary: string; readonly detail: D }
  | { readonly status: 'failed'; readonly reason: string; readonly detail?: D; readonly error?: unknown }
  | { readonly status: 'not-applicable'; readonly reason: string };

/**
 * What a port speaks, by its first bytes: an FTP greeting in plain text (`plain`), TLS
 * (`implicit-tls`), an SSH banner (`ssh`), an FTP reply that turns the connection away, such as
 * `421 Too many connections` (`refusing`), nothing (`silent`), something else (`other`); or no
 * connection could be made (`unreachable`).
 */
export type PortKind = 'plain' | 'implicit-tls' | 'ssh' | 'refusing' | 'silent' | 'unreachable' | 'other';

/** The greeting probe's detail. */
export interface GreetingDetail {
  /** What the port speaks. */
  readonly port: PortKind;
  /** The greeting's first line, code included (`220 (vsFTPd 3.0.3)`): the refusal for `refusing`, the banner for `ssh`. */
  readonly text: string;
}

/** A TLS probe's detail: the protocol the handshake settled on, where the runtime says. */
export interface TlsDetail {
  readonly protocol: string | undefined;
}

/** The certificate probe's detail: the certificate as shown, and how it was judged. */
export interface CertificateDetail {
  readonly certificate: PeerCertificate;
  /**
   * How the caller's settings take it: `trusted` (the chain and the name check out), `pinned`
   * (`tls.pin` names its key), `pin-mismatch` (`tls.pin` names another key), `unchecked` (not
   * trusted, but `rejectUnauthorized: false` lets it through), `no` (not trusted: refused).
   */
  readonly accepted: 'trusted' | 'pinned' | 'pin-mismatch' | 'unchecked' | 'no';
}

/** The TLS versions probe's detail. */
export interface TlsVersionsDetail {
  readonly accepted: readonly TlsVersion[];
  readonly refused: readonly TlsVersion[];
}

/** The login probe's detail. */
export interface LoginDetail {
  /** How the probes' sessions were secured. */
  readonly secure: SecureMode;
  /** The login's final reply (`230 Login successful.`). */
  readonly reply: string;
}

/** The features probe's detail: what FEAT announced that changes what the client does. */
export interface FeaturesDetail {
  /** MLST: listings by MLSD, with exact types, sizes and UTC times (RFC 3659). */
  readonly mlst: boolean;
  /** UTF8: names in UTF-8 (RFC 2640). */
  readonly utf8: boolean;
  /** HASH: the server's checksums (the algorithms, `*` on the selected one), when offered. */
  readonly hash: string | undefined;
  /** REST STREAM: downloads resume (RFC 3659 §5). */
  readonly restStream: boolean;
  /** MFMT: times can be set. */
  readonly mfmt: boolean;
  /** MDTM and SIZE: times and sizes of files (RFC 3659 §3, §4). */
  readonly mdtm: boolean;
  readonly size: boolean;
  /** Every feature, upper-cased name → parameters. */
  readonly all: Readonly<Record<string, string>>;
}

/** A data-connection probe's detail. */
export interface DataDetail {
  /** The port the server offered (EPSV, PASV) or the client listened on (active). */
  readonly port: number | undefined;
  /** Whether the TLS data connection resumed the control connection's session, where known. */
  readonly resumed: boolean | undefined;
  /** The server's answer to the setup command (EPSV, PASV, PORT or EPRT): its code and first line. */
  readonly setup: string | undefined;
  /**
   * Where a failed probe stopped: the setup command was refused (`command`), the data connection
   * did not open (`connect`), its TLS handshake failed (`tls`), or it opened and the transfer
   * failed (`transfer`); `none` when it worked, or when it failed before the setup command.
   */
  readonly stage: 'none' | 'command' | 'connect' | 'tls' | 'transfer';
}

/** The PASV address probe's detail. */
export interface PasvAddressDetail {
  /** The address in the 227 reply. */
  readonly host: string;
  readonly scope: AddressScope | undefined;
  /** The control connection's peer address. */
  readonly controlHost: string;
  /** True when the two are the same address (or the reply says 0.0.0.0, which means the same host). */
  readonly sameAsControl: boolean;
}

/** The data TLS reuse probe's detail. */
export interface TlsReuseDetail {
  /** True: a data connection that does not resume the control connection's TLS session is refused. */
  readonly required: boolean;
}

/** How a server takes `LIST -a`. */
export type ListAllBehaviour =
  /** It lists entries plain `LIST` hides (dotfiles). */
  | 'shows-hidden'
  /** It lists the same as plain `LIST`. */
  | 'same'
  /** It reads `-a` as a path (refuses it, or lists nothing where plain LIST lists entries). */
  | 'path';

/** The `LIST -a` probe's detail. */
export interface ListAllDetail {
  readonly behaviour: ListAllBehaviour;
  /** The names `LIST -a` shows that plain `LIST` hides. */
  readonly hidden: readonly string[];
}

/** The LIST time zone probe's detail. */
export interface ListZoneDetail {
  /** Minutes east of UTC of the server's LIST times (0: UTC). */
  readonly offset: number;
  /** As `listTimeZone` takes it: `'UTC'`, `'+05:30'`. */
  readonly zone: string;
}

/** Every probe's result, by probe. */
export interface DiagnosisProbes {
  readonly greeting: Probe<GreetingDetail>;
  readonly explicitTls: Probe<TlsDetail>;
  readonly implicitTls: Probe<TlsDetail>;
  readonly certificate: Probe<CertificateDetail>;
  readonly tlsVersions: Probe<TlsVersionsDetail>;
  readonly login: Probe<LoginDetail>;
  readonly features: Probe<FeaturesDetail>;
  readonly epsv: Probe<DataDetail>;
  readonly pasv: Probe<DataDetail>;
  readonly pasvAddress: Probe<PasvAddressDetail>;
  readonly active: Probe<DataDetail>;
  readonly tlsReuse: Probe<TlsReuseDetail>;
  readonly listAll: Probe<ListAllDetail>;
  readonly listTimeZone: Probe<ListZoneDetail>;
}

/** The options `diagnose` recommends: what to connect with, the password left out. */
export type RecommendedOptions = Pick<ClientOptions, 'host' | 'port' | 'user' | 'secure' | 'mode' | 'epsv' | 'trustPasvHost' | 'listTimeZone'> & {
  readonly tls?: { readonly pin: string };
};

/** What to do, computed from the probes (one function: `recommend`). */
export interface Recommendation {
  /** One sentence: the first thing to change, or that nothing needs to. */
  readonly summary: string;
  /** Each change to make, one sentence each, the most important first. */
  readonly changes: readonly string[];
  /** What is worth knowing but asks for no change. */
  readonly notes: readonly string[];
  /** The options to connect with; undefined when no FTP connection can work (an SSH server, nothing listening). */
  readonly options: RecommendedOptions | undefined;
}

/**
 * The report of {@link diagnose}: whom it probed (never the password), whether anything answered at
 * all, each probe's result and the recommendation.
 */
export interface Diagnosis {
  readonly target: { readonly host: string; readonly port: number; readonly user: string; readonly secure: SecureMode };
  /** False when not even a TCP connection could be made: the greeting probe says why. */
  readonly reachable: boolean;
  readonly probes: DiagnosisProbes;
  readonly recommendation: Recommendation;
}
