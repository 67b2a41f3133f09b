#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_ctl_flood — the control socket under load.  Silent clients that
# reconnect as fast as they are closed do not lock `xfedctl status` out nor
# flood the log; one uid cannot take every slot; equivalent sync requests
# share one sync; a queued sync whose clients have gone is not run; and
# periodic syncs do not queue up behind a stuck one.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

# A server that never answers: every sync of silent.test waits out its
# timeout, so syncs last long enough to queue requests behind them.
silent_port=$(named_free_port)
python3 "$XFED_ROOT/tests/tools/silent_server.py" "$silent_port" &
silent_pid=$!
at_exit "kill $silent_pid 2>/dev/null || true"
wait_for "the silent server listens" \
	'(: <>"/dev/tcp/127.0.0.1/$silent_port") 2>/dev/null' 20

# The socket lives in a directory nobody may reach too (for the per-uid
# test): 0755 below a test directory others may only traverse.
chmod 0711 "$XFED_TMP"
mkdir -m 0755 "$XFED_TMP/run"
sock=$XFED_TMP/run/xfedd.sock
conf=$XFED_TMP/xfed.conf
audit=$XFED_TMP/audit.jsonl
log=$XFED_TMP/xfedd.log
write_config "$conf" - <<EOF
server "silent" {
  address  = "127.0.0.1"
  port     = $silent_port
  tsig-key = "xfed-key"
  timeout  = 3
  retries  = 0
}
proxy "edge" {
  host   = "xmpp.proxy.test"
  ipv4   = {"203.0.113.10"}
  server = "primary"
}
domain "example.test" { proxy = {"edge"} server = "primary" }
domain "silent.test" { proxy = {"edge"} zone = "silent.test" server = "silent" }
EOF
sed -i "s|^socket .*|socket      = \"$sock\"|" "$conf"

xfedd_start "$log" -c "$conf"
wait_for "the control socket listens" '[ -S "$sock" ]' 20
chmod 0666 "$sock"

syncs() { audit_count event=sync-start; }
ctl_syncs() { audit_count event=sync-start trigger=ctl; }
# shellcheck disable=SC2317  # called from wait_for conditions
idle() {
	{ "$XFEDCTL" -s "$sock" --json status 2>/dev/null || true; } | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["result"]["syncing"])' |
		grep -qx False
}

# --- 1. A flood of silent, reconnecting clients ----------------------------
cat >"$XFED_TMP/flood.py" <<'EOF'
"""Keep N connections open to the socket, saying nothing, and open a new
one whenever the daemon closes one; for SECONDS; print how many opened."""
import select, socket, sys, time

path, n, secs, ready = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
socks, opened, end = [], 0, time.time() + secs
while time.time() < end:
    while len(socks) < n:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(0.5)
        try:
            s.connect(path)
        except OSError:
            s.close()
            break
        socks.append(s)
        opened += 1
        if opened == n:
            open(ready, "w").close()
    r, _, _ = select.select(socks, [], [], 0.05)
    for s in r:
        socks.remove(s)
        s.close()
print(opened)
EOF
wait_for "the startup sync is over" 'idle' 30
python3 "$XFED_TMP/flood.py" "$sock" 80 8 "$XFED_TMP/flood.ready" \
	>"$XFED_TMP/flood.out" &
flood_pid=$!
at_exit "kill $flood_pid 2>/dev/null || true"
wait_for "80 silent clients connected" '[ -e "$XFED_TMP/flood.ready" ]' 20
for i in 1 2 3; do
	start=$(date +%s%N)
	rc=0
	"$XFEDCTL" -s "$sock" status >/dev/null 2>"$XFED_TMP/status.err" || rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	# 0 or 2: an answer (silent.test failed); 1 would be no answer.
	if [ "$rc" != 1 ] && [ "$ms" -lt 3000 ]; then
		pass "status $i answered during the flood (exit $rc, ${ms} ms)"
	else
		fail "status $i: exit $rc after ${ms} ms: $(cat "$XFED_TMP/status.err")"
	fi
	sleep 0.5
done
wait "$flood_pid" || true
opened=$(cat "$XFED_TMP/flood.out")
if [ "$opened" -gt 80 ]; then
	pass "the flood kept reconnecting ($opened connections)"
else
	fail "the flood opened only $opened connections"
fi
shed=$(grep -c "too many clients" "$log" || true)
if [ "$shed" -le 3 ]; then pass "$shed \"too many clients\" log lines"; else
	fail "$shed \"too many clients\" log lines"; fi

# --- 2. One uid cannot take every slot -------------------------------------
cat >"$XFED_TMP/hold.py" <<'EOF'
"""Open N silent connections, wait, print how many the daemon closed."""
import select, socket, sys, time

path, n = sys.argv[1], int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
time.sleep(1.0)
r, _, _ = select.select(socks, [], [], 0)
print(len(r))
EOF
assert_eq "a uid holding 32 connections: its 8 oldest of 40 are closed" 8 \
	"$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		/usr/bin/python3 "$XFED_TMP/hold.py" "$sock" 40)"

# Requests that wait on a stuck sync: past 32 for one uid, refused at once
# with a reason, logged once, not once per connection.
"$XFEDCTL" -s "$sock" sync >/dev/null 2>&1 &
held=$!
wait_for "a sync is running" '! idle' 10
pids=()
for i in $(seq 1 50); do
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$XFEDCTL" -s "$sock" sync >/dev/null 2>"$XFED_TMP/nobody.$i.err" &
	pids+=("$!")
done
# Refused at once, or closed before its request (EPIPE) to make room for
# a newer one of the same uid: either way, 18 give up while 32 wait.
wait_for "18 of nobody's 50 requests turned away" \
	'[ "$(grep -l xfedctl "$XFED_TMP"/nobody.*.err | wc -l)" -ge 18 ]' 20
rc=0
"$XFEDCTL" -s "$sock" status >/dev/null 2>&1 || rc=$?
# 2: silent.test failed; 1 would be no answer.
assert_eq "root's status still answers" 2 "$rc"
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
wait "$held" || true
assert_nonempty "a refused client is told why" \
	"$(cat "$XFED_TMP"/nobody.*.err | grep "too many clients of one uid" || true)"
shed=$(grep -c "too many clients of one uid" "$log" || true)
if [ "$shed" -le 2 ]; then pass "refusals logged $shed time(s)"; else
	fail "refusals logged $shed times"; fi

# --- 3. 200 sync requests while a sync hangs: a few syncs, 200 answers -----
wait_for "idle again" 'idle' 30
before=$(syncs)
"$XFEDCTL" -s "$sock" sync >/dev/null 2>&1 &
held=$!
wait_for "a sync is running" '! idle' 10
seq 1 200 | xargs -P 40 -I{} sh -c \
	'"$1" -s "$2" sync >/dev/null 2>&1; echo "exit $?"' sh "$XFEDCTL" "$sock" \
	>"$XFED_TMP/many.out"
wait "$held" || true
assert_eq "every one of the 200 clients got the sync's answer" 200 \
	"$(grep -cx 'exit 2' "$XFED_TMP/many.out")"
ran=$(( $(syncs) - before ))
if [ "$ran" -le 20 ]; then pass "200 requests ran $ran syncs"; else
	fail "200 requests ran $ran syncs"; fi

# --- 4. Clients that leave before their sync ran: it is not run ------------
wait_for "idle again" 'idle' 30
before=$(ctl_syncs)
"$XFEDCTL" -s "$sock" sync >/dev/null 2>&1 &
held=$!
wait_for "a sync is running" '[ "$(ctl_syncs)" -gt "$before" ]' 10
# shellcheck disable=SC2034  # read by the wait_for condition below
asked=$(grep -c "control: sync requested" "$log")
pids=()
for i in 1 2 3 4 5; do
	"$XFEDCTL" -s "$sock" sync example.test >/dev/null 2>&1 &
	pids+=("$!")
done
wait_for "their requests are queued" \
	'[ "$(grep -c "control: sync requested" "$log")" -ge $(( asked + 5 )) ]' 10
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
wait_for "the queued sync is dropped" 'grep -q "dropped before it ran" "$log"' 10
wait "$held" || true
sleep 1
assert_eq "only the sync whose client stayed ran" $(( before + 1 )) "$(ctl_syncs)"

# --- 5. A stuck sync does not pile up periodic syncs behind it -------------
# interval = 1 while each sync waits 3 s on the silent server: a timer
# that queued a sync every second would leave a backlog that runs in a
# burst once the server is gone.
sed -i 's/^interval .*/interval = 1/' "$conf"
assert_exit 0 "reload with interval = 1" xfedctl -s "$sock" reload
sleep 7
kill "$silent_pid"
wait "$silent_pid" 2>/dev/null || true
seen=$(wc -l <"$audit")
sleep 2
burst=$(tail -n +$((seen + 1)) "$audit" | grep '"event":"sync-start"' |
	grep -c '"trigger":"timer"' || true)
if [ "$burst" -le 4 ]; then
	pass "$burst timer syncs in the 2 s after the server went away"
else
	fail "$burst timer syncs in the 2 s after the server went away: a backlog"
fi

kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "xfedd exits 0" 0 "$rc"
finish
