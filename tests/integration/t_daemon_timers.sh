#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_daemon_timers — the agent over time: the periodic sync restores what
# someone removed, WATCHDOG=1 keeps coming when systemd asks for it, the
# metrics file is written after each sync, a failed zone gets a retry time,
# and a zone whose records are undone after every sync is declared flapping
# after a few rounds (until a forced sync).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
sock=$XFED_TMP/xfedd.sock
notes=$XFED_TMP/notify.log
metrics=$XFED_TMP/xfed.prom
write_config "$conf" - <<EOF
metrics-file = "$metrics"
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"203.0.113.10"}
}
domain "example.test" { proxy = {"edge"} }
EOF
sed -i 's/^interval .*/interval    = 2/' "$conf"

notify_listen "$notes"

NOTIFY_SOCKET=$NOTIFY_SOCK WATCHDOG_USEC=1000000 \
	"${XFED_VALGRIND_CMD[@]}" "$XFEDD" -f -c "$conf" \
	2>"$XFED_TMP/xfedd.log" &
xfedd_pid=$!
at_exit "kill -9 $xfedd_pid 2>/dev/null || true"

srv() { zone_query _xmpp-server._tcp.example.test. SRV; }
delete_srv() {
	zone_nsupdate xfed-key <<EOF
zone example.test.
update delete _xmpp-server._tcp.example.test. SRV
send
EOF
}

wait_for "startup sync publishes" \
	'test -n "$(srv)"'
wait_for "WATCHDOG=1 sent while WATCHDOG_USEC is set" \
	'test "$(grep -c WATCHDOG=1 "$notes")" -ge 2'
wait_for "metrics file written" \
	'test -s "$metrics"'
assert_eq "metrics file readable by a collector (0644)" 644 \
	"$(stat -c %a "$metrics")"
assert_file_contains "metrics count syncs" "$metrics" "xfed_syncs_total"
assert_file_contains "metrics per zone" "$metrics" \
	'xfed_zone_last_success_seconds{zone="example.test."}'

# The periodic sync (interval 2 s) restores a record removed by hand.
delete_srv
assert_eq "record removed by hand" "" "$(srv)"
wait_for "the timer's sync restored it" \
	'test -n "$(srv)"'
assert_eq "audit records a timer-triggered sync" 1 "$(grep -c \
	'"event":"sync-start","trigger":"timer"' "$XFED_TMP/audit.jsonl" |
	awk '{print ($1 > 0)}')"

# Stop the timer for the flapping rounds: reload with interval 0.
sed -i 's/^interval .*/interval    = 0/' "$conf"
assert_exit 0 "reload to interval 0" xfedctl -s "$sock" reload
sleep 0.5

# The same change, undone after every sync: applied XFED_FLAP_LIMIT (3)
# times, then refused as flapping.
for round in 1 2 3; do
	delete_srv
	assert_exit 0 "round $round: sync restores the record" \
		xfedctl -s "$sock" sync
	assert_eq "round $round: record back" "0 0 5269 xmpp.proxy.test." "$(srv)"
done
delete_srv
assert_exit 2 "round 4: flapping, sync refuses to send again" \
	xfedctl -s "$sock" sync
assert_contains "round 4: says flapping" "$OUT" "flapping"
assert_eq "round 4: nothing sent" "" "$(srv)"
assert_exit 0 "sync --force sends it anyway" xfedctl -s "$sock" sync --force
assert_eq "forced sync restored the record" "0 0 5269 xmpp.proxy.test." "$(srv)"

# A zone whose server fails gets a retry time in status.
cat >>"$conf" <<EOF
domain "x.nowhere.test" { proxy = {"edge"} zone = "nowhere.test" }
EOF
assert_exit 0 "reload with a zone the server does not serve" \
	xfedctl -s "$sock" reload
sleep 1
assert_exit 2 "status: a failed zone makes it exit 2" \
	xfedctl -s "$sock" --json status
assert_eq "failed zone has a next retry" yes "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)["result"]
z = [z for z in d["zones"] if z["zone"] == "nowhere.test."]
print("yes" if z and z[0]["result"] == "FAILED" and z[0]["next_retry"] else "no")')"

kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "SIGTERM: exit 0" 0 "$rc"
finish
