/** The `--help` text. Keep it in step with README.md. */
export const HELP = `Usage: ftpkit <command> [options] <arguments>

Commands:
  ls URL                   list a directory (or one file): type, size, UTC time (or the
                           server's date alone, when its listing shows no time), name;
                           --names: names only (NLST)
  get URL [LOCAL]          download a file; LOCAL '-' writes to stdout; -r for a directory
  put LOCAL... URL         upload files; -r for directories; URL ending in '/' is a directory
  cat URL                  write a remote file to stdout
  rm URL...                delete files; -r deletes directories with their contents
  mkdir URL...             create directories; -p creates parents and accepts existing ones
  rmdir URL...             remove empty directories; -r removes their contents first
  mv URL DEST              rename; DEST is a URL on the same server, an absolute path,
                           or a path relative to the source's directory
  mirror URL LOCALDIR      make LOCALDIR a copy of the remote tree (new/changed files only)
  mirror LOCALDIR URL      make the remote tree a copy of LOCALDIR
  watch URL                print a line per file added, changed or removed in a remote
                           directory (-r: and below), each file once complete; runs until
                           Ctrl-C or --count events
  cert URL                 show the server's TLS certificate (shown, not checked; no login,
                           no password sent) and the --pinnedpubkey line that pins it
  doctor URL               probe the server (greeting, TLS, login, EPSV, PASV, active mode,
                           LIST) and say what to change, with the options to connect with;
                           --timeout is each probe's deadline (default 5 s); exits 0 once
                           anything answered

URLs:
  ftp://[user[:password]@]host[:port]/path     plaintext FTP (port 21)
  ftpes://...                                  explicit FTPS: AUTH TLS on port 21
  ftps://...                                   implicit FTPS: TLS from the first byte, port 990
  Paths are relative to the login directory, as in curl; start with %2F for an absolute path.
  Without a password in the URL, ~/.netrc is read (machine/login/password/default, like curl);
  then, on a terminal, the password is asked for without echo. No user at all means anonymous.

Options:
  --explicit-tls           use AUTH TLS whatever the URL scheme says
  --implicit-tls           use implicit TLS whatever the URL scheme says
  --ca FILE                trust the CA certificate(s) in FILE (PEM) instead of the system's
  --insecure               do not verify the server's certificate (dangerous; warns loudly)
  --pinnedpubkey PINS      accept the server by its public key alone, on every connection:
                           sha256//BASE64, several separated by ';' (curl's form); a self-
                           signed server needs no --ca; ftpkit cert URL prints the pin
  --active                 active mode (the server connects back) instead of passive
  -P, --ftp-port ADDR[:PORT[-PORT]]
                           active mode, telling the server ADDR (a NAT's public address, an
                           IP or an interface name; - for the client's own) and listening on
                           a port of the range (curl's --ftp-port)
  --interface ADDR         connect from this local address, or this interface's (not on Deno)
  -4, --ipv4, -6, --ipv6   resolve the host name to IPv4 / IPv6 addresses only
  --ftp-ssl-ccc            clear the control connection after the login (CCC), for a NAT or
                           firewall that must read it; data stays encrypted (ProFTPD,
                           Pure-FTPd; not on Deno)
  --disable-epsv           passive mode with PASV only, never EPSV, for a middlebox that
                           breaks EPSV's data connections (curl's flag)
  --no-ftp-skip-pasv-ip    connect data connections to the address a PASV reply names,
                           not the control host (curl's flag; only for a server that
                           really serves data from another host: a hostile server could
                           aim the client anywhere)
  --pipelining             send the next file's commands while the running transfer
                           moves its data (lftp's ftp:sync-mode off): fewer round trips
                           per file on a slow link; a server that breaks under it is
                           detected and the session goes on without it. Without this
                           flag it is on only with vsftpd's default banner, which is
                           known to take it whole
  --no-pipelining          one command at a time, whatever the server (lftp's default)
  --resume                 get/put: continue a partial transfer (REST) instead of starting over
  --continue               mirror, get -r, put -r: keep a journal of the job, so that the same
                           command run again after a kill or a failure goes on where it
                           stopped: finished files are not copied again, partial ones resume.
                           Journals live in $XDG_STATE_HOME/ftpkit/journals (default
                           ~/.local/state/ftpkit/journals) and are removed when the job succeeds
  --journal FILE           --continue with the journal at FILE
  -r, --recursive          get/put/rm/rmdir/watch: whole directories
  -p, --parents            mkdir: create missing parents, accept existing directories
  --names                  ls: print the names in a directory only, one a line, over NLST
                           (for servers whose LIST ftpkit cannot read)
  --delete                 mirror: delete target entries the source does not have
  --dry-run                mirror: print the plan, change nothing
  --checksum               mirror: decide same-size files by the server's checksum (HASH,
                           XSHA256, XMD5, XCRC...) instead of their times; fails if it has none
  --verify size|checksum   get, put, cat, mirror: check each file once moved, by the server's
                           SIZE or its checksum (HASH, XSHA256...) against the local bytes;
                           a mismatch exits 9 and leaves no downloaded file behind
  --parallel N             mirror, get -r, put -r, watch -r: run over N sessions, N files (or
                           listings) at once (default 1)
  --include GLOB           mirror, watch: only files matching GLOB (repeatable; * ** ? [..] {a,b} !)
  --exclude GLOB           mirror, get -r, put -r, watch: skip paths matching GLOB (repeatable)
  --max-depth N            mirror, get -r, put -r, rm -r, rmdir -r, watch -r: stop with an
                           error at a folder more than N folders below the root (default 100)
  --interval SECONDS       watch: time between listings (default 10)
  --stable SECONDS         watch: report a new or changed file once two listings this far
                           apart show it the same size and time (default: the interval)
  --initial                watch: report what is already there as added
  --count N                watch: exit after N events
  --list-time-zone ZONE    the zone of the server's LIST times (no MLSD): UTC (default), auto
                           (learnt from MDTM), an offset such as +05:30 (write
                           --list-time-zone=-08:00 for a negative one), or an IANA name such
                           as Europe/Berlin; for ls, mirror and the tree commands
  --netrc-file FILE        read credentials from FILE instead of ~/.netrc
  --proxy URL              connect through a proxy, control and data connections alike:
                           socks5://[user:password@]host[:port], socks5h://, socks4://,
                           socks4a://, or http:// (HTTP CONNECT; also without a scheme);
                           port 1080 when left out; host names are resolved by the proxy;
                           passive mode only; --proxy '' ignores the variables below
  --noproxy LIST           hosts to reach directly, comma-separated: * (all), a name (and
                           the names below it), an IP address, an IPv4 range (10.0.0.0/8)
  --timeout SECONDS        connect and reply timeout (default 30)
  --retry N                retry N times after a failure that may pass (a lost connection,
                           a timeout, a 4xx reply): downloads resume, uploads resume where
                           the server's copy ends (default 3 for get, put and mirror, else 0)
  --retry-delay SECONDS    wait about this long before each retry (between half and all of
                           it) instead of the default backoff (1 s, doubling, at most 30 s)
  --limit-rate RATE        at most RATE bytes per second, all transfers together (with
                           --parallel, all sessions); K, M, G are 1024-based: 500K, 2M
  -v, --verbose            print the protocol exchange on stderr (passwords redacted)
  --json                   print one JSON document on stdout (errors too); no progress
  -q, --quiet              no progress output
  -h, --help               this help
  -V, --version            the version

Environment (as curl reads it):
  ftp_proxy, FTP_PROXY     the proxy for ftp://, ftpes:// and ftps:// when there is no --proxy
  all_proxy, ALL_PROXY     the proxy when none of the above is set
  no_proxy, NO_PROXY       the hosts to reach directly when there is no --noproxy

Exit codes:
  0   success
  1   unexpected internal error
  2   usage: bad arguments, options or URL, or a --journal that belongs to another job
  3   connection failed: refused, reset, closed, unresolved host, timed out, or the
      proxy failed: refused, out of reach, broke its protocol, or could not reach the server
  4   TLS failed: handshake, untrusted certificate, a key not matching --pinnedpubkey,
      TLS refused by the server, or the port speaks the other FTPS mode (ftps:// is
      implicit, ftpes:// explicit)
  5   login refused by the server (530 or a refused USER/PASS/ACCT), or the proxy
      refused its credentials (or wants some)
  6   the server refused an operation (any other 4xx/5xx reply), or no such file
  7   a local file could not be read or written, or the local tree loops or runs too deep
  8   the server broke the protocol, sent an unsafe file name or an unreadable listing,
      is an SSH (SFTP) server, or its tree loops or runs deeper than --max-depth
  9   --verify: a transferred file's size or checksum is not its source's
  130 interrupted (Ctrl-C)

Examples:
  ftpkit ls ftpes://alice@files.example.com/pub/
  ftpkit get --resume ftps://files.example.com/iso/big.iso
  ftpkit put -r ./site ftpes://deploy@www.example.com/htdocs/
  ftpkit mirror --delete --exclude '*.tmp' ./site ftpes://deploy@www.example.com/htdocs
  ftpkit mirror --continue ftp://files.example.com/pub/ ./pub   (again after a kill: goes on)
  ftpkit watch --interval 30 --exclude '*.part' ftpes://alice@files.example.com/incoming/
  ftpkit get --limit-rate 500K ftp://files.example.com/pub/big.iso
  ftpkit cert ftpes://files.example.com
  ftpkit ls --pinnedpubkey 'sha256//PfgyngQ129jxOe3M+sl0xEj3+M1TPQHZuQ2rXAHEXac=' ftpes://alice@files.example.com/
  ftpkit get -P 203.0.113.7:50000-50100 ftp://files.example.com/pub/a.iso
`;
