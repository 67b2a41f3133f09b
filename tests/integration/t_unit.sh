#!/usr/bin/env bash
# t_unit — the systemd unit systemd/xfedd.service: hardened to an exposure
# of 1.5 or better in `systemd-analyze security --offline=yes`, valid for
# `systemd-analyze verify`, with what the agent relies on (Type=notify,
# the config check before start, its directories, the TSIG credential) and
# every directive explained by a comment.  No named needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"

unit=$XFED_ROOT/systemd/xfedd.service
max_exposure=1.5

# Without systemd-analyze nothing here can be checked: that is a failure,
# not a reason to skip.
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "$TEST_NAME: systemd-analyze not found: install the Debian" \
	    "package 'systemd' (apt-get install systemd)" >&2
	exit 1
fi
if [ ! -f "$unit" ]; then
	echo "$TEST_NAME: $unit is missing" >&2
	exit 1
fi
need_binaries

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- Exposure score ------------------------------------------------------
rc=0
security=$(systemd-analyze security --offline=yes "$unit" 2>&1) || rc=$?
assert_eq "systemd-analyze security runs" 0 "$rc"
# "→ Overall exposure level for xfedd.service: 1.1 OK 🙂"
score=$(printf '%s\n' "$security" |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p')
assert_match "exposure score reported" "$score" '^[0-9]+(\.[0-9]+)?$'
echo "exposure: $score (at most $max_exposure)"
if [ -n "$score" ] && awk -v s="$score" -v m="$max_exposure" \
    'BEGIN { exit !(s <= m) }'; then
	pass "exposure $score <= $max_exposure"
else
	fail "exposure $(show "$score") <= $max_exposure" \
	    "$(printf '%s\n' "$security" | grep '✗' || true)"
fi

# --- Unit is valid --------------------------------------------------------
# verify wants the programs to exist: point the unit at the build's, which
# is also what `make install` does with another PREFIX.
sed -e "s|/usr/sbin/xfedd|$XFEDD|g" -e "s|/usr/bin/xfedctl|$XFEDCTL|g" \
	"$unit" >"$tmp/xfedd.service"
rc=0
verify=$(systemd-analyze verify --man=no "$tmp/xfedd.service" 2>&1) || rc=$?
assert_eq "systemd-analyze verify succeeds" 0 "$rc"
# verify exits 0 even for unknown or misspelt directives; it only warns.
assert_empty "systemd-analyze verify has no warnings" "$verify"

# --- What the agent relies on ------------------------------------------------
# directive KEY — the values of KEY= in the unit, one per line.
directive() {
	sed -n "s/^$1=//p" "$unit"
}
assert_eq "Type=notify" "notify" "$(directive Type)"
assert_eq "NotifyAccess=main" "main" "$(directive NotifyAccess)"
assert_eq "ExecStartPre checks the configuration" \
	"/usr/sbin/xfedd -n -c /etc/xfed/xfed.conf" "$(directive ExecStartPre)"
assert_eq "ExecStart runs in the foreground" \
	"/usr/sbin/xfedd -f -c /etc/xfed/xfed.conf" "$(directive ExecStart)"
# shellcheck disable=SC2016 # $MAINPID is literal in the unit
assert_match "ExecReload reloads" "$(directive ExecReload)" \
	'(xfedctl .*reload$|kill -HUP \$MAINPID)'
assert_eq "Restart=on-failure" "on-failure" "$(directive Restart)"
assert_match "WatchdogSec set" "$(directive WatchdogSec)" '^[0-9]+(s|min)?$'
assert_eq "RuntimeDirectory=xfed (the socket)" "xfed" "$(directive RuntimeDirectory)"
assert_eq "RuntimeDirectoryMode=0750" "0750" "$(directive RuntimeDirectoryMode)"
assert_eq "StateDirectory=xfed" "xfed" "$(directive StateDirectory)"
assert_eq "LogsDirectory=xfed" "xfed" "$(directive LogsDirectory)"
assert_eq "ConfigurationDirectory=xfed" "xfed" "$(directive ConfigurationDirectory)"
assert_eq "LoadCredential for the TSIG key" "xfed-key:/etc/xfed/xfed-key.key" \
	"$(directive LoadCredential)"
assert_match "own user" "$(directive DynamicUser)$(directive User)" '^(yes|[a-z_][a-z0-9_-]*)$'
assert_eq "UMask=0027" "0027" "$(directive UMask)"
assert_eq "no core dumps (secrets in memory)" "0" "$(directive LimitCORE)"
assert_eq "no capabilities" "" "$(directive CapabilityBoundingSet)"
assert_eq "ProtectSystem=strict" "strict" "$(directive ProtectSystem)"
assert_eq "NoNewPrivileges" "yes" "$(directive NoNewPrivileges)"
assert_eq "address families" "AF_UNIX AF_INET AF_INET6" \
	"$(directive RestrictAddressFamilies)"
# The agent must reach arbitrary DNS servers: no blanket IP deny.
assert_not_contains "no IPAddressDeny=any" "$(directive IPAddressDeny)" "any"
# The paths the contract's defaults and the socket use.
assert_file_contains "socket path documented" "$unit" "/run/xfed/xfedd.sock"

# --- Every directive is explained ---------------------------------------------
# A directive must follow a comment or another directive: a block of
# directives always starts with a comment saying why.
uncommented=$(awk '
	/^[[:space:]]*#/ { ok = 1; next }
	/^[[:space:]]*$/ { ok = 0; next }
	/^\[/ { ok = 0; next }
	/=/ { if (!ok) print FILENAME ":" FNR ": " $0 }
' "$unit")
assert_empty "every directive block has a comment" "$uncommented"
# The hardening the exposure score rests on, each directive present (some
# deliberately empty, such as AmbientCapabilities=).
for d in ProtectHome PrivateTmp PrivateDevices ProtectKernelTunables \
    ProtectKernelModules ProtectKernelLogs ProtectControlGroups ProtectClock \
    ProtectHostname ProtectProc ProcSubset RestrictNamespaces RestrictRealtime \
    RestrictSUIDSGID LockPersonality MemoryDenyWriteExecute \
    SystemCallArchitectures SystemCallFilter AmbientCapabilities PrivateUsers \
    DevicePolicy KeyringMode RemoveIPC; do
	if grep -q "^$d=" "$unit"; then pass "$d set"; else fail "$d set"; fi
done

finish
