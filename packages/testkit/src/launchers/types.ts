// What a launcher is: the per-server part of startServer. servers.ts does everything that is the
// same for all five (directories, ports, certificates, spawning, readiness, stopping); a launcher
// turns resolved settings into a command line and config files, and knows its server's version.

/** The real servers the testkit can start. */
export type ServerKind = 'vsftpd' | 'proftpd' | 'pure-ftpd' | 'pyftpdlib' | 'ftp-srv';

/** A TLS protocol version, named as Node and OpenSSL name it. */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** TLS settings after defaults and checks. */
export interface ResolvedTls {
  /** The port speaks TLS from the first byte (no AUTH TLS). */
  readonly implicit: boolean;
  /** TLS data connections must resume the control connection's session. */
  readonly requireReuse: boolean;
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
}

/** Everything a launcher needs to write its configuration. */
export interface LaunchSettings {
  readonly host: '127.0.0.1' | '::1';
  readonly ipv6: boolean;
  readonly port: number;
  readonly passiveMin: number;
  readonly passiveMax: number;
  /** The directory served as "/". Owned by ftpuser when run as root. */
  readonly root: string;
  /** A private directory for configuration, logs and runtime files; removed on stop. */
  readonly stateDir: string;
  readonly user: string;
  readonly password: string;
  /** The ftpuser system account, when there is one. */
  readonly uid?: number;
  readonly gid?: number;
  readonly anonymous: boolean;
  /** Bytes per second per data connection; 0 is no cap. Only vsftpd is given a non-zero one. */
  readonly maxRate: number;
  /** A POSIX `TZ` to run in and list LIST times in (else LIST is UTC). Only ProFTPD is given one. */
  readonly listTimeZone?: string;
  /** Advertise MLST in FEAT. Only ProFTPD is given false. */
  readonly mlst: boolean;
  /** Undefined: plain FTP only. */
  readonly tls?: ResolvedTls;
  /**
   * The test certificate and its key, PEM files in the state directory (the key mode 0600).
   * There even without TLS: ProFTPD and vsftpd check the files their configuration names.
   */
  readonly certFile: string;
  readonly keyFile: string;
}

/** The command that runs a server in the foreground. */
export interface LaunchCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** See SpawnSpec.stdinToLog. */
  readonly stdinToLog?: boolean;
  /** Undone when the server stops (Pure-FTPd's anonymous home). */
  readonly cleanup?: () => Promise<void>;
}

/** What a server can do, for option checks before anything starts. */
export interface Capabilities {
  readonly implicitTls: boolean;
  /** Whether TLS session reuse on data connections can be required, and the server's default. */
  readonly tlsReuse: 'switchable' | 'never';
  readonly defaultRequireTlsReuse: boolean;
  /** Runs sessions as local Unix users, so it must start as root. */
  readonly needsRoot: boolean;
}

export interface Launcher {
  readonly kind: ServerKind;
  readonly capabilities: Capabilities;
  /** Throws (with how to install it) when the server is not installed. */
  checkInstalled(): Promise<void>;
  /** The server's own version, e.g. "3.0.3". */
  version(): Promise<string>;
  /** Writes configuration into settings.stateDir and returns the command to run. */
  prepare(settings: LaunchSettings): Promise<LaunchCommand>;
}
