#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_status — xfedctl status tells the truth and is a health check: exit 0
# only when every zone is in sync, 2 when one failed (wrong key) or is in
# conflict, back to 0 after recovery, 4 before any sync has finished; last
# success per zone (a conflict is not one) and relative times; rows of
# zones no longer declared, and "(zone of NAME)" rows, leave status and the
# metrics file once a full sync no longer produces them; and the retry of a
# "(zone of NAME)" failure is consumed instead of spinning the CPU.
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
metrics=$XFED_TMP/xfed.prom
# write_domains <<EOF — the proxy plus the domains on stdin.
write_domains() {
	write_config "$conf" - <<EOF
metrics-file = "$metrics"
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"203.0.113.10"}
}
$(cat)
EOF
}
# zone_field ZONE FIELD — FIELD of ZONE's row in status --json ("-": no row).
zone_field() {
	{ "$XFEDCTL" -s "$sock" --json status || true; } | python3 -c '
import json, sys
zones = json.load(sys.stdin)["result"]["zones"]
row = [z for z in zones if z["zone"] == sys.argv[1]]
print("-" if not row else row[0].get(sys.argv[2]))' "$1" "$2"
}
# shellcheck disable=SC2317  # called from a wait_for condition
status_rc() { local rc=0; "$XFEDCTL" -s "$sock" status >/dev/null 2>&1 || rc=$?; echo "$rc"; }
# cpu_ticks PID — user + system time of the process so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

write_domains <<EOF
domain "example.test" { proxy = {"edge"} }
domain "example2.test" { proxy = {"edge"} }
EOF

xfedd_start "$XFED_TMP/xfedd.log" -c "$conf"

wait_for "startup sync: status exits 0" 'test "$(status_rc)" = 0' 20
assert_exit 0 "status: every zone in sync" xfedctl -s "$sock" status
assert_contains "status says so" "$OUT" "health:     every zone in sync (exit 0)"
assert_match "last sync shown relative to now" "$OUT" \
	'^last sync: +[0-9T:-]+Z \((now|[0-9]+ s ago); startup, exit 0\)'
assert_match "zone row: last sync and last success relative" "$OUT" \
	'^example2\.test\. +(in sync|updated) +(now|[0-9]+ s ago) +(now|[0-9]+ s ago) +- '
success=$(zone_field example2.test. last_success)
assert_ne "last success recorded" None "$success"

# --- a conflict is not a success, and makes status exit 2 ---------------------
sleep 1.1	# so a new last success would be another second
zone_nsupdate xfed-key <<EOF
zone example2.test.
update add _xmpp-server._tcp.taken.example2.test. 300 IN SRV 0 0 5269 other.example.
send
EOF
write_domains <<EOF
domain "example.test" { proxy = {"edge"} }
domain "example2.test" { proxy = {"edge"} }
domain "taken.example2.test" { proxy = {"edge"} }
EOF
assert_exit 0 "reload with a name held by a foreign record" \
	xfedctl -s "$sock" reload
assert_exit 2 "sync with a conflict" xfedctl -s "$sock" sync
assert_exit 2 "status: a zone in conflict is not in sync" \
	xfedctl -s "$sock" status
assert_contains "status names the conflict" "$OUT" \
	"health:     some zone failed or is in conflict (exit 2)"
assert_match "conflict row" "$OUT" '^example2\.test\. +conflict '
assert_eq "conflict did not move last success" "$success" \
	"$(zone_field example2.test. last_success)"
assert_exit 2 "status --json: exits the same" \
	xfedctl -s "$sock" --json status
assert_eq "JSON carries exit 2" 2 "$(printf '%s' "$OUT" |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["exit"], end="")')"

# --- failure (wrong key) and recovery ------------------------------------------
write_domains <<EOF
domain "example.test" { proxy = {"edge"} }
domain "example2.test" { proxy = {"edge"} }
EOF
sed -i 's|^  secret .*|  secret    = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="|' "$conf"
assert_exit 0 "reload with a wrong secret" xfedctl -s "$sock" reload
assert_exit 2 "sync fails: wrong key" xfedctl -s "$sock" sync
assert_exit 2 "status: failed zones exit 2" xfedctl -s "$sock" status
assert_match "failed row: retry in some seconds" "$OUT" \
	'^example\.test\. +FAILED +(now|[0-9]+ s ago) +[0-9]+ s ago +in [0-9]+ s '
write_domains <<EOF
domain "example.test" { proxy = {"edge"} }
domain "example2.test" { proxy = {"edge"} }
EOF
assert_exit 0 "reload with the right key" xfedctl -s "$sock" reload
assert_exit 0 "sync recovers" xfedctl -s "$sock" sync
assert_exit 0 "status: back to exit 0" xfedctl -s "$sock" status
assert_not_contains "no retry left" "$OUT" "FAILED"

# --- a zone no longer declared: cleaned up, then its row goes ------------------
write_domains <<EOF
domain "example.test" { proxy = {"edge"} }
EOF
assert_exit 0 "reload without example2.test" xfedctl -s "$sock" reload
assert_exit 0 "sync: its records are removed" xfedctl -s "$sock" sync
assert_eq "records of the removed domain gone" "" \
	"$(zone_query _xmpp-server._tcp.example2.test. SRV)"
assert_exit 0 "one more full sync" xfedctl -s "$sock" sync
assert_exit 0 "status" xfedctl -s "$sock" status
assert_not_contains "no ghost row in status" "$OUT" "example2.test."
assert_contains "the declared zone keeps its row" "$OUT" "example.test."
if grep -q 'zone="example2.test."' "$metrics"; then
	fail "no ghost row in the metrics file" "$(cat "$metrics")"
else
	pass "no ghost row in the metrics file"
fi

# A sync restricted to a domain keeps the rows of the zones it skipped.
write_domains <<EOF
domain "example.test" { proxy = {"edge"} }
domain "example2.test" { proxy = {"edge"} }
EOF
assert_exit 0 "reload with example2.test again" xfedctl -s "$sock" reload
assert_exit 0 "full sync" xfedctl -s "$sock" sync
assert_exit 0 "sync of one domain" xfedctl -s "$sock" sync example.test
assert_ne "example2.test. row kept after a filtered sync" - \
	"$(zone_field example2.test. result)"

# --- "(zone of NAME)": shown, retried without spinning, gone when removed -----
write_domains <<EOF
domain "example.test" { proxy = {"edge"} }
domain "a.nowhere.test" { proxy = {"edge"} }
EOF
assert_exit 0 "reload with a name whose zone cannot be found" \
	xfedctl -s "$sock" reload
assert_exit 2 "sync" xfedctl -s "$sock" sync
pseudo="(zone of _xmpp-server._tcp.a.nowhere.test.)"
assert_eq "status row for the name" FAILED "$(zone_field "$pseudo" result)"
assert_file_contains "metrics row for the name" "$metrics" "zone=\"$pseudo\""
# shellcheck disable=SC2034  # read by the wait_for condition below
timer_syncs=$(audit_count event=sync-start trigger=timer)
# Its first retry comes 30 s after the failure (interval = 0: no timer).
retry=$(zone_field "$pseudo" next_retry)
assert_ne "the name has a retry time" None "$retry"
wait_s=$(( $(date -d "$retry" +%s) - $(date +%s) + 2 ))
if [ "$wait_s" -gt 0 ]; then sleep "$wait_s"; fi
wait_for "the retry ran (a timer sync)" \
	'test "$(audit_count event=sync-start trigger=timer)" -gt "$timer_syncs"'
before=$(cpu_ticks "$xfedd_pid")
sleep 3
used=$(( $(cpu_ticks "$xfedd_pid") - before ))
ticks=$(getconf CLK_TCK)
# Idle, the agent only waits in poll: well under a tenth of a CPU.
if [ "$used" -le $(( ticks * 3 / 10 )) ]; then
	pass "idle after the retry: $used ticks of CPU in 3 s"
else
	fail "idle after the retry" "xfedd used $used ticks ($ticks a second) in 3 s: a busy loop"
fi
assert_match "the retry was consumed and rescheduled" \
	"$(zone_field "$pseudo" next_retry)" '^[0-9T:-]+Z$'
write_domains <<EOF
domain "example.test" { proxy = {"edge"} }
EOF
assert_exit 0 "reload without the name" xfedctl -s "$sock" reload
assert_exit 0 "full sync" xfedctl -s "$sock" sync
assert_eq "its row is gone from status" - "$(zone_field "$pseudo" result)"
if grep -qF "$pseudo" "$metrics"; then
	fail "its row is gone from the metrics file" "$(cat "$metrics")"
else
	pass "its row is gone from the metrics file"
fi
assert_exit 0 "status: in sync again" xfedctl -s "$sock" status

kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "SIGTERM: exit 0" 0 "$rc"

# --- before any sync has finished: not "exit 0" --------------------------------
silent_port=$(named_free_port)
python3 "$XFED_ROOT/tests/tools/silent_server.py" "$silent_port" &
silent_pid=$!
at_exit "kill $silent_pid 2>/dev/null || true"
wait_for "the silent server listens" \
	'(: <>"/dev/tcp/127.0.0.1/$silent_port") 2>/dev/null'
# A fresh agent whose only zone sits behind a server that never answers.
write_config "$conf" - <<EOF
state-dir = "$XFED_TMP/state-silent"
server "silent" {
  address  = "127.0.0.1"
  port     = $silent_port
  tsig-key = "xfed-key"
  timeout  = 60
  retries  = 0
}
proxy "edge" {
  host = "xmpp.example.test"
  ipv4 = {"203.0.113.10"}
  zone = "example.test"
  server = "silent"
}
domain "example.test" { proxy = {"edge"} zone = "example.test" server = "silent" }
EOF
sed -i '/^state-dir .*state"$/d' "$conf"
mkdir -m 0700 "$XFED_TMP/state-silent"
xfedd_start "$XFED_TMP/xfedd-silent.log" -c "$conf"
wait_for "the agent answers" 'test -S "$sock" && { "$XFEDCTL" -s "$sock" status; test $? != 1; }'
assert_exit 4 "status before the first sync finished" xfedctl -s "$sock" status
assert_match "last sync: never, and no exit status" "$OUT" '^last sync: +never$'
assert_contains "health unknown" "$OUT" "unknown: no sync has finished yet"
kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "SIGTERM: exit 0" 0 "$rc"
rm -f "$sock"
assert_exit 1 "status with no daemon: exit 1" xfedctl -s "$sock" status
finish
