#!/bin/sh
# Creates the account "mstore serve" runs as once started by root
# (server.user, default "mstore"), as a package would at install time.
# Does nothing when not root or when the account exists.
set -eu
name=${1:-mstore}
[ "$(id -u)" = 0 ] || exit 0
id "$name" >/dev/null 2>&1 && exit 0
echo "useradd --system $name" >&2
useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin "$name"
