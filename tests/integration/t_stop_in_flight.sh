#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_stop_in_flight — SIGTERM while an UPDATE is in flight (FAULTS.md): the
# agent does not drop it, it finishes (here: times out against a server that
# never answers the update), is written to the audit log with its outcome,
# and xfedd exits 0.  Other zones were already converged.  With retries
# configured, none is tried after the stop; -n warns about a server whose
# tries would outlast the 45 s an update is given at a stop.  SIGTERM during
# the read-back after an UPDATE: the audit "error" record says why.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

# A fake primary that serves fake.test. but never answers an UPDATE.
fake_start --zone fake.test --scenario silent-tcp --on update
conf=$XFED_TMP/xfed.conf
write_config "$conf" - <<EOF
server "fake" {
  address   = "127.0.0.1"
  port      = $FAKE_PORT
  tsig-key  = "xfed-key"
  transport = "tcp"
  timeout   = 3
  retries   = 0
}
proxy "edge" {
  host   = "xmpp.proxy.test"
  ipv4   = {"127.0.0.20"}
  server = "primary"
}
domain "example.test" {
  proxy  = {"edge"}
  server = "primary"
}
domain "fake.test" {
  proxy  = {"edge"}
  server = "fake"
  zone   = "fake.test"
}
EOF

xfedd_start "$XFED_TMP/xfedd.log" -c "$conf"

audit=$XFED_TMP/audit.jsonl

# The startup sync reaches the fake's UPDATE, which hangs.
wait_for "the UPDATE to the silent server is in flight" \
	'grep -q "kind=update" "$FAKE_LOG"' 15
wait_for "its intent is already on disk" \
	'grep -q "\"event\":\"update-intent\".*\"zone\":\"fake.test.\"" "$audit"' 15
assert_eq "no result recorded yet" 0 \
	"$(grep -c '"event":"update","zone":"fake.test."' "$audit" || true)"

start=$(date +%s)
kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
took=$(( $(date +%s) - start ))
assert_eq "SIGTERM during an update: exit 0" 0 "$rc"
# It waited for the update's own timeout (3 s), not less, not forever.
if [ "$took" -ge 1 ] && [ "$took" -le 8 ]; then
	pass "the update was seen through to its timeout (${took} s)"
else
	fail "stopping took ${took} s"
fi
assert_eq "the update's outcome is in the audit log" TIMEOUT \
	"$(grep '"event":"update"' "$audit" | grep '"zone":"fake.test."' |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["rcode"])')"
assert_eq "intent and result pair up" \
	"$(grep '"event":"update-intent"' "$audit" | grep '"zone":"fake.test."' |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')" \
	"$(grep '"event":"update",' "$audit" | grep '"zone":"fake.test."' |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')"
assert_exit 0 "the audit log verifies" "$XFEDCTL" log --verify --file "$audit"
assert_eq "the other zone was converged" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example.test. SRV)"

# A SIGUSR1 meant for a daemon (a rotation script's pkill) does not end an
# xfedd --once between its UPDATE and the UPDATE's audit record.
updates=$(grep -c "kind=update" "$FAKE_LOG" || true)
"${XFED_VALGRIND_CMD[@]}" "$XFEDD" --once -c "$conf" 2>"$XFED_TMP/once.log" &
once_pid=$!
at_exit "kill -9 $once_pid 2>/dev/null || true"
wait_for "--once: the UPDATE to the silent server is in flight" \
	'[ "$(grep -c "kind=update" "$FAKE_LOG")" -gt "$updates" ]' 15
kill -USR1 "$once_pid"
rc=0
wait "$once_pid" || rc=$?
assert_eq "--once: SIGUSR1 ignored, the run ends as it would (exit 2)" 2 "$rc"
assert_eq "--once: the update's outcome is in the audit log too" 2 \
	"$(grep '"event":"update",' "$audit" | grep -c '"zone":"fake.test."')"

# With retries, an update in flight at SIGTERM is not tried again: 3 s x
# (4 + 1) = 15 s of tries would outlast a unit's stop timeout if timeout
# were larger; the stop takes one attempt at most (net.h: and never more
# than 45 s, well below TimeoutStopSec=60).
sed -i 's/^  retries   = 0$/  retries   = 4/' "$conf"
assert_exit 0 "xfedd -n: 15 s of tries is no warning" xfedd -n -c "$conf"
assert_not_contains "  none" "$ERR" "warning"
sed -i 's/^  timeout   = 3$/  timeout   = 30/' "$conf"
assert_exit 0 "xfedd -n: 150 s of tries is valid" xfedd -n -c "$conf"
assert_contains "  but warned about, at the server's line" "$ERR" \
	"$conf:$(grep -n '^server "fake"' "$conf" | cut -d: -f1): warning: server \"fake\": timeout x (retries + 1) is 150 s"
sed -i 's/^  timeout   = 30$/  timeout   = 3/' "$conf"
seen=$(wc -l <"$audit")
fake_start --zone fake.test --scenario silent-tcp --on update
sed -i "/^server \"fake\"/,/^}/ s/^  port      = [0-9]*$/  port      = $FAKE_PORT/" "$conf"
xfedd_start "$XFED_TMP/xfedd2.log" -c "$conf"
wait_for "an UPDATE with retries is in flight" \
	'grep -q "kind=update" "$FAKE_LOG"' 15
start=$(date +%s)
kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
took=$(( $(date +%s) - start ))
assert_eq "SIGTERM during an update with retries: exit 0" 0 "$rc"
attempts=$(tail -n +$((seen + 1)) "$audit" | grep '"event":"update"' | grep '"zone":"fake.test."' |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["attempts"])')
if [ "$attempts" -le 2 ] && [ "$took" -le 8 ]; then
	pass "no retry after the stop ($attempts attempt(s), ${took} s, not 15 s)"
else
	fail "stopping took ${took} s and $attempts attempts"
fi
assert_file_contains "the log says the retries were dropped" \
	"$XFED_TMP/xfedd2.log" "stopping: no retry after attempt"

# --- SIGTERM during the read-back after an UPDATE ---------------------------
# The fake answers the first transfer and the UPDATE, then drips the
# transfer that confirms it: the stop lands in that read.  Every "error"
# record must say in words why (it once was an empty "error":"").
old_port=$FAKE_PORT
fake_start --zone fake.test --scenario axfr-stream --skip 1 \
	--stream-records 0 --axfr-per-msg 1 --stream-pause-ms 500
sed -i "s/^  port      = $old_port\$/  port      = $FAKE_PORT/" "$conf"
rm -f "$audit" "$XFED_TMP"/state/*
xfedd_start "$XFED_TMP/xfedd2.log" -c "$conf"
wait_for "the UPDATE was answered and the read-back began" \
	'[ "$(grep -c "kind=axfr" "$FAKE_LOG")" -ge 2 ]' 20
sleep 1
kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "SIGTERM during the read-back: exit 0" 0 "$rc"
# Applied (NOERROR), or a prerequisite failed: either way it is read back.
assert_match "the UPDATE was sent and answered" \
	"$(grep '"event":"update",' "$audit" | grep '"zone":"fake.test."' |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["rcode"])')" \
	'^(NOERROR|NXRRSET|YXRRSET|NXDOMAIN|YXDOMAIN)$'

errors=$(grep '"event":"error"' "$audit" | grep '"zone":"fake.test."' || true)
assert_contains "the read-back's error record says why" "$errors" \
	"the agent is shutting down"
assert_eq "no record has an empty error" 0 \
	"$(grep -c '"error":""' "$audit" || true)"
finish
