#!/usr/bin/env bash
# Installs the real FTP servers that @ftpkit/testkit starts for interop tests:
# vsftpd, ProFTPD, Pure-FTPd and pyftpdlib from Debian, the local user `ftpuser`, and the real
# proxies for the tests of connections through proxies: Dante (SOCKS5) and tinyproxy (HTTP
# CONNECT), with the local user `ftpkit-proxy` that Dante's username method checks; and lftp, the
# client `pnpm bench` measures mirrors against (W8, packages/bench/src/w8.mjs).
# (The fifth server, ftp-srv, is an npm devDependency of this package: `pnpm install` brings it.)
#
#   bash packages/testkit/servers/install.sh
#
# Needs root and apt (Debian 12). Idempotent: when everything is in place it only checks and exits,
# without touching the network, in well under a second.
#
# Where things go:
# - vsftpd, python3-pyftpdlib (+ python3-openssl, which its TLS handler needs), dante-server,
#   tinyproxy-bin (the binary without the service package), lftp, and the shared libraries that ProFTPD
#   and Pure-FTPd link against: installed with apt-get. No service is started (policy-rc.d), and
#   Dante's systemd unit, enabled by its package, is disabled where there is systemd: the testkit
#   starts both proxies itself, on loopback (src/proxies.ts).
# - ProFTPD and Pure-FTPd: Debian's vsftpd, proftpd-core and pure-ftpd packages all
#   `Provides/Conflicts: ftp-server`, so apt installs only one of them. The other two are fetched
#   with `apt-get download` and unpacked with `dpkg-deb -x` (no maintainer scripts, no services)
#   into $FTPKIT_SERVERS_DIR, by default /opt/ftpkit-servers:
#       /opt/ftpkit-servers/proftpd/usr/sbin/proftpd        (+ usr/lib/proftpd/mod_tls.so)
#       /opt/ftpkit-servers/pure-ftpd/usr/sbin/pure-ftpd    (+ usr/bin/pure-pw)
#       /opt/ftpkit-servers/debs/*.deb                      (what was unpacked)
#       /opt/ftpkit-servers/installed                       (stamp: the unpacked versions)
#   It lives outside the work tree so that every clone and CI checkout on the machine shares it
#   and `git clean` does not remove it. src/paths.ts reads the same variable.
# - System users: `ftpuser` (password `ftppass`, shell /bin/bash because vsftpd's PAM stack runs
#   pam_shells) is the local account that vsftpd and ProFTPD log in, and the uid that Pure-FTPd's
#   virtual user maps to. `ftp` is the account anonymous sessions run as (the vsftpd package
#   creates it; made here if missing). Users that already exist are kept; their password is set
#   and their home repaired (ensure-home.sh: a missing home is created, an unusable one replaced
#   by /home/ftpuser or /srv/ftp), on every run, the quick one too. `ftpkit-proxy` (password
#   `proxypass`, no home, no login shell) is the account Dante's username method checks.
#
# Environment: FTPKIT_SERVERS_DIR (default /opt/ftpkit-servers), FTPKIT_FORCE_INSTALL=1 to redo
# every step even when the quick check passes.
set -euo pipefail

DIR=${FTPKIT_SERVERS_DIR:-/opt/ftpkit-servers}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FTP_USER=ftpuser
FTP_PASS=ftppass
APT_PACKAGES=(vsftpd python3-pyftpdlib python3-openssl dante-server tinyproxy-bin lftp)
PROXY_USER=ftpkit-proxy
PROXY_PASS=proxypass
UNPACKED=(proftpd:proftpd-core proftpd:proftpd-mod-crypto pure-ftpd:pure-ftpd)
export DEBIAN_FRONTEND=noninteractive

log() { printf 'ftpkit servers: %s\n' "$*"; }
die() { printf 'ftpkit servers: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, useradd)"
command -v apt-get >/dev/null || die "needs a Debian system with apt-get"

apt_installed() { # apt_installed PKG...: all of them are installed
  local pkg
  for pkg in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || return 1
  done
}

# Shared libraries a .deb needs, from its Depends field: the first alternative of every `lib*`
# entry. The non-library dependencies (adduser, ucf, pure-ftpd-common, an inetd, ...) only serve
# the packages' maintainer scripts and init files, which are not used here.
lib_depends() {
  dpkg-deb -f "$1" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' |
    grep -E '^lib' || true
}

ensure_users() {
  id ftp >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /srv/ftp --shell /usr/sbin/nologin ftp
  if ! id "$FTP_USER" >/dev/null 2>&1; then
    useradd --create-home --home-dir "/home/$FTP_USER" --shell /bin/bash "$FTP_USER"
    log "created user $FTP_USER"
  fi
  # Set the password every time: cheap, and repairs a user that exists with another one.
  echo "$FTP_USER:$FTP_PASS" | chpasswd
  # A user that already existed may have no home folder, or one it cannot enter; vsftpd then
  # answers every login with 500. ensure-home.sh holds the rule (the launchers run it too).
  bash "$HERE/ensure-home.sh" "$FTP_USER" "/home/$FTP_USER"
  bash "$HERE/ensure-home.sh" ftp /srv/ftp
  if ! id "$PROXY_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PROXY_USER"
    log "created user $PROXY_USER"
  fi
  # SHA-512-crypt with its default 5000 rounds: Debian's default, yescrypt, costs Dante about 0.1 s
  # of CPU on every connection it authenticates (an FTP session opens one per transfer).
  echo "$PROXY_USER:$PROXY_PASS" | chpasswd -c SHA512 -s 5000
}

quick_check() { # everything installed from an earlier run?
  [ "${FTPKIT_FORCE_INSTALL:-0}" != 1 ] &&
    apt_installed "${APT_PACKAGES[@]}" &&
    [ -s "$DIR/installed" ] &&
    [ -x "$DIR/proftpd/usr/sbin/proftpd" ] && [ -f "$DIR/proftpd/usr/lib/proftpd/mod_tls.so" ] &&
    [ -x "$DIR/pure-ftpd/usr/sbin/pure-ftpd" ] && [ -x "$DIR/pure-ftpd/usr/bin/pure-pw" ] &&
    "$DIR/proftpd/usr/sbin/proftpd" -v >/dev/null 2>&1 &&
    id ftp >/dev/null 2>&1 && id "$FTP_USER" >/dev/null 2>&1 &&
    [ -x /usr/sbin/danted ] && [ -x /usr/bin/tinyproxy ]
}

mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9 # one install at a time on this machine

if quick_check; then
  ensure_users
  log "already installed in $DIR ($(tr '\n' ' ' <"$DIR/installed"))"
  exit 0
fi

started=$(date +%s%N)
log "updating apt lists"
apt-get update -qq

# 1. The .debs that apt will not co-install with vsftpd.
rm -rf "$DIR/debs.new"
mkdir -p "$DIR/debs.new"
# apt fetches as the unprivileged user _apt where it exists; let it write there.
id _apt >/dev/null 2>&1 && chown _apt "$DIR/debs.new"
(cd "$DIR/debs.new" && apt-get download -qq proftpd-core proftpd-mod-crypto pure-ftpd)

# 2. apt: vsftpd, pyftpdlib, and the libraries of the unpacked servers. Installing vsftpd would
# start it as a service on port 21 of every interface; a policy-rc.d that denies every start
# (the one container images ship) prevents that. Add one for the duration if there is none.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
mapfile -t libs < <(for deb in "$DIR"/debs.new/*.deb; do lib_depends "$deb"; done | sort -u)
# --no-upgrade: a library that is already installed (libc6, libssl3) stays as it is.
log "apt-get install ${APT_PACKAGES[*]} ${libs[*]}"
apt-get install -y -qq --no-install-recommends --no-upgrade "${APT_PACKAGES[@]}" "${libs[@]}" >/dev/null

# 3. Unpack (replace whatever an older run left).
rm -rf "$DIR/proftpd" "$DIR/pure-ftpd" "$DIR/debs"
mv "$DIR/debs.new" "$DIR/debs"
: >"$DIR/installed.new"
for spec in "${UNPACKED[@]}"; do
  target=${spec%%:*} pkg=${spec#*:}
  deb=$(ls "$DIR/debs/${pkg}"_*.deb)
  mkdir -p "$DIR/$target"
  dpkg-deb -x "$deb" "$DIR/$target"
  echo "$pkg=$(dpkg-deb -f "$deb" Version)" >>"$DIR/installed.new"
done

# 4. Every binary must find its libraries.
for bin in proftpd/usr/sbin/proftpd proftpd/usr/lib/proftpd/mod_tls.so pure-ftpd/usr/sbin/pure-ftpd pure-ftpd/usr/bin/pure-pw; do
  [ -e "$DIR/$bin" ] || die "missing $DIR/$bin after unpacking"
  if ldd "$DIR/$bin" | grep -q 'not found'; then
    ldd "$DIR/$bin" | grep 'not found' >&2
    die "$bin: unresolved shared libraries"
  fi
done
mv "$DIR/installed.new" "$DIR/installed"

# 5. Dante's package enables a system-wide service; the tests start their own on loopback.
if command -v systemctl >/dev/null 2>&1; then systemctl disable danted >/dev/null 2>&1 || true; fi

ensure_users

log "installed in $(((($(date +%s%N) - started) / 1000000))) ms:"
for pkg in "${APT_PACKAGES[@]}"; do echo "  $pkg=$(dpkg-query -W -f='${Version}' "$pkg") (apt)"; done
sed 's/^/  /; s/$/ (unpacked)/' "$DIR/installed"
