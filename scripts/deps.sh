#!/bin/sh
# Make sure the Debian packages xfed builds, tests and demonstrates with are
# installed.  As root, install what is missing; otherwise print the one
# apt-get line that would, and fail.
set -eu

PKGS="build-essential pkg-config libldns-dev libconfuse-dev check libjansson-dev
libsystemd-dev libssl-dev bind9 bind9-utils bind9-dnsutils python3 systemd
mandoc clang libclang-rt-14-dev valgrind logrotate time"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "xfed: missing Debian packages:$missing" >&2
	echo "xfed: install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "xfed: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
