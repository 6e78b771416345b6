#!/usr/bin/env bash
# Makes sure a system user has a home folder it can enter. The one home of this rule: install.sh
# runs it for `ftpuser` and `ftp`, and the launchers that need it (src/users.ts: ensureHome) run it
# before every server start, so that a machine where the users already existed works too.
#
#   bash packages/testkit/servers/ensure-home.sh USER DEFAULT_HOME
#
# Why: vsftpd changes into the session user's home from /etc/passwd before it goes into
# local_root or anon_root, and when that fails it answers every login with
# `500 OOPS: cannot change directory:/home/ftpuser` (secutil.c). ProFTPD (DefaultRoot) and the
# testkit's Pure-FTPd (a virtual user) do not look at the home; Pure-FTPd's anonymous sessions use
# the home of `ftp`, which its launcher points at the server's root while the server runs.
#
# The rule, in order:
# 1. The user can enter the recorded home (a folder, searchable by that uid): nothing to do.
# 2. The recorded home is missing, its parent folder exists, and it is not a shared "no home"
#    marker (/nonexistent, /dev/null, /): create it there, owned by the user, mode 0755. This is a
#    user made with `useradd` and no `--create-home`, or a home removed since.
# 3. Otherwise (a marker, a home whose parent is gone, such as a test root a dead test run left as
#    `ftp`'s home, or a path the user cannot enter): point the account at DEFAULT_HOME with
#    `usermod -d` and make that a folder the user can enter as in 2. usermod refuses while the user
#    runs a process (exit 8); then this fails and says so.
#
# Needs root. Prints one line when it changes something, nothing otherwise. Exits 0 when the home
# is usable at the end.
set -euo pipefail

user=${1:?usage: ensure-home.sh USER DEFAULT_HOME}
default_home=${2:?usage: ensure-home.sh USER DEFAULT_HOME}

log() { printf 'ftpkit servers: %s\n' "$*"; }
die() { printf 'ftpkit servers: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "ensure-home.sh must run as root"
entry=$(getent passwd "$user") || die "no system user $user"
uid=$(cut -d: -f3 <<<"$entry")
gid=$(cut -d: -f4 <<<"$entry")
home=$(cut -d: -f6 <<<"$entry")

can_enter() { # can_enter DIR: the user (not root) can search DIR
  [ -d "$1" ] && setpriv --reuid="$uid" --regid="$gid" --init-groups test -x "$1"
}

make_home() { # make_home DIR: a new folder the user owns, in an existing parent
  mkdir -m 0755 "$1"
  chown "$uid:$gid" "$1"
}

# One repair at a time on this machine: parallel test files start servers at once.
lock=${TMPDIR:-/tmp}/ftpkit-testkit-users.lock
exec 8>"$lock"
flock 8

can_enter "$home" && exit 0

case $home in
  '' | / | /nonexistent | /dev/null) marker=1 ;;
  *) marker=0 ;;
esac
if [ "$marker" = 0 ] && [ ! -e "$home" ] && [ -d "$(dirname "$home")" ]; then
  make_home "$home"
  log "created the missing home $home of $user"
  exit 0
fi

if [ "$home" != "$default_home" ]; then
  usermod -d "$default_home" "$user" ||
    die "$user's home ${home:-(none)} cannot be used, and usermod could not change it to $default_home (is $user running a process?)"
  log "pointed $user's home from ${home:-(none)} to $default_home"
fi
if [ ! -e "$default_home" ]; then
  mkdir -p "$(dirname "$default_home")"
  make_home "$default_home"
  log "created the home $default_home of $user"
fi
can_enter "$default_home" || die "$user cannot enter its home $default_home; fix its owner or mode"
