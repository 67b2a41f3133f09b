#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_logging — where xfedd's log lines go and what they carry: a timestamp on
# a terminal, none under the journal ($JOURNAL_STREAM: "<N>" priorities) or
# into a pipe; with -v the daemon logs every zone's outcome, "in sync"
# included; without -f it detaches and logs to syslog (a stand-in /dev/log
# in a private mount namespace), with relative paths resolved before it
# leaves its directory, and refuses to detach where there is no syslog.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
for tool in script unshare mknod; do
	if ! command -v "$tool" >/dev/null; then
		echo "$TEST_NAME: $tool not found (util-linux, coreutils)" >&2
		exit 1
	fi
done
named_start

conf=$XFED_TMP/xfed.conf
sock=$XFED_TMP/xfedd.sock
write_domains() {
	write_config "$conf" - <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10"}
}
$1
EOF
}
ts='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} '

# on_tty CMD... — run CMD with stdout and stderr on a pseudo-terminal; its
# output, without the terminal's carriage returns, in $TTY_OUT.
on_tty() {
	local cmd
	printf -v cmd '%q ' "$@"
	TTY_OUT=$(script -q -e -c "$cmd" /dev/null </dev/null | tr -d '\r')
}

# --- a terminal gets timestamps; the journal and a pipe do not ------------
write_domains 'domain "example.test" { proxy = {"edge"} }'
on_tty env -u JOURNAL_STREAM "$XFEDD" --once -c "$conf"
assert_match "on a terminal, a log line starts with the time" \
	"$TTY_OUT" "^${ts}xfed: update example\\.test\\. at "
write_domains 'domain "example2.test" { proxy = {"edge"} }'
on_tty env JOURNAL_STREAM=8:12345 "$XFEDD" --once -c "$conf"
assert_match "under the journal: a priority, no time" \
	"$TTY_OUT" "^<6>xfed: update example2\\.test\\. at "
assert_eq "no timestamp under the journal" "" \
	"$(printf '%s\n' "$TTY_OUT" | grep -E "$ts" || true)"
write_domains 'domain "example.test" { proxy = {"edge"} }'
assert_exit 0 "--once into a pipe" env -u JOURNAL_STREAM "$XFEDD" --once -c "$conf"
assert_match "into a pipe: no time" "$ERR" "^xfed: update example\\.test\\. at "

# --- -v: every zone's outcome, "in sync" included -------------------------
write_domains 'domain "example.test" { proxy = {"edge"} }'
log=$XFED_TMP/xfedd-v.log
xfedd_start "$log" -v -c "$conf"
pid=$xfedd_pid
wait_for "-v: the startup sync's outcome is logged" \
	'grep -q "sync (startup): zone example.test.: " "$log"'
assert_exit 0 "xfedctl sync" xfedctl -s "$sock" sync
wait_for "-v: a sync that changes nothing is logged too" \
	'grep -q "sync (ctl): zone example.test.: in sync" "$log"'
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "xfedd -f -v stops with 0" 0 "$rc"

log=$XFED_TMP/xfedd-quiet.log
xfedd_start "$log" -c "$conf"
pid=$xfedd_pid
wait_for "without -v the agent starts" 'grep -q "xfedd started" "$log"'
assert_exit 0 "xfedctl sync" xfedctl -s "$sock" sync
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "xfedd -f stops with 0" 0 "$rc"
assert_eq "without -v, no line per zone in sync" "" \
	"$(grep 'sync (' "$log" || true)"

# --- detached: syslog, relative paths ---------------------------------------
# A private /dev for the namespace: the device nodes xfedd and its
# libraries may open, and (or not) a syslog socket at /dev/log.
dev=$XFED_TMP/dev
mkdir "$dev"
mknod -m 0666 "$dev/null" c 1 3
mknod -m 0666 "$dev/zero" c 1 5
mknod -m 0666 "$dev/random" c 1 8
mknod -m 0666 "$dev/urandom" c 1 9

# The configuration and every path in it relative to the start directory.
rel=$XFED_TMP/rel
mkdir "$rel"
sed -e "s|\"$XFED_TMP/xfedd.sock\"|\"run/xfedd.sock\"|" \
	-e "s|\"$XFED_TMP/audit.jsonl\"|\"log/audit.jsonl\"|" \
	-e "s|\"$XFED_TMP/state\"|\"state\"|" "$conf" >"$rel/xfed.conf"
chmod 0600 "$rel/xfed.conf"
mkdir -m 0700 "$rel/run" "$rel/log" "$rel/state"
assert_eq "the test configuration uses relative paths" 3 \
	"$(grep -cE '^(socket|audit-log|state-dir) += "[a-z]' "$rel/xfed.conf")"

# in_ns CMD... — run CMD in $rel, in a mount namespace whose /dev is $dev.
in_ns() {
	unshare -m --propagation private sh -c \
		'mount --bind "$1" /dev && cd "$2" && shift 2 && exec "$@"' \
		sh "$dev" "$rel" "$@"
}

assert_exit 1 "no syslog: xfedd without -f refuses to detach" \
	in_ns "$XFEDD" -c xfed.conf
assert_contains "and says why and what to do" "$ERR" \
	"cannot detach: no syslog socket at /dev/log"
assert_contains "naming -f" "$ERR" "run xfedd -f"
assert_eq "nothing was started" no "$([ -e "$rel/run/xfedd.sock" ] && echo yes || echo no)"

# A socket left behind by a syslog daemon that is gone is no syslog either.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' \
	"$dev/log"
assert_exit 1 "a stale /dev/log: xfedd without -f refuses to detach" \
	in_ns "$XFEDD" -c xfed.conf
assert_contains "  and says why" "$ERR" "cannot detach: no syslog socket at /dev/log"
rm -f "$dev/log"

syslog=$XFED_TMP/syslog.txt
python3 "$XFED_ROOT/tests/tools/notify_listen.py" "$dev/log" "$syslog" &
at_exit "kill $! 2>/dev/null || true"
wait_for "the syslog stand-in listens" 'test -S "$dev/log"'
write_domains 'domain "example.test" { proxy = {"edge"} }
domain "d4.example.test" { proxy = {"edge"} }'
sed -i -e "s|\"$XFED_TMP/xfedd.sock\"|\"run/xfedd.sock\"|" \
	-e "s|\"$XFED_TMP/audit.jsonl\"|\"log/audit.jsonl\"|" \
	-e "s|\"$XFED_TMP/state\"|\"state\"|" "$conf"
cp "$conf" "$rel/xfed.conf"
assert_exit 0 "with syslog, xfedd without -f detaches" in_ns "$XFEDD" -c xfed.conf
assert_empty "and writes nothing on the terminal" "$ERR"
wait_for "its log lines reach syslog, tagged xfedd[PID]" \
	'grep -q "xfedd\[[0-9]*\]: xfedd started" "$syslog"'
dpid=$(sed -n 's/.*xfedd\[\([0-9]*\)\]: xfedd started.*/\1/p' "$syslog" | head -n 1)
at_exit "kill -9 $dpid 2>/dev/null || true"
assert_match "at daemon.info (facility 3, priority 6)" \
	"$(grep 'xfedd started' "$syslog" | head -n 1)" '^<30>'
wait_for "the detached agent publishes" \
	'test -n "$(zone_query _xmpp-server._tcp.d4.example.test. SRV)"'
assert_eq "the relative socket is where it was started" yes \
	"$([ -S "$rel/run/xfedd.sock" ] && echo yes || echo no)"
assert_file_contains "so is the relative audit log" "$rel/log/audit.jsonl" \
	'"event":"sync-end"'
assert_exit 0 "xfedctl reaches it there" xfedctl -s "$rel/run/xfedd.sock" sync
# A reload reads the relative -c file again from "/": it must still work.
printf 'domain "d5.example.test" { proxy = {"edge"} }\n' >>"$rel/xfed.conf"
assert_exit 0 "a reload after detaching finds the relative files" \
	xfedctl -s "$rel/run/xfedd.sock" reload
wait_for "and the reloaded configuration is used" \
	'test -n "$(zone_query _xmpp-server._tcp.d5.example.test. SRV)"'
assert_eq "no state written under / (relative paths resolved)" no \
	"$([ -e /state ] && echo yes || echo no)"
kill -TERM "$dpid"
wait_for "the detached agent stops on SIGTERM" '! kill -0 '"$dpid"
wait_for "and says so in syslog" 'grep -q "xfedd stopped" "$syslog"'

finish
