#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_daemon — xfedd as a long-running agent: READY=1 on the notification
# socket once the control socket listens, xfedctl sync/plan/status/reload,
# SIGHUP publishing a new domain, a broken configuration refused with the
# old one kept, status answering at once while a sync hangs on a silent
# server, SIGTERM exiting 0 with STOPPING=1, and the socket's permissions.
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
write_domains() {
	write_config "$conf" - <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"203.0.113.10"}
}
$1
EOF
}
write_domains 'domain "example.test" { proxy = {"edge"} }'

notify_listen "$notes"

# Under XFED_VALGRIND=1 the daemon itself runs under valgrind: its exit
# status at SIGTERM then also says "no leak, no memory error".
NOTIFY_SOCKET=$NOTIFY_SOCK "${XFED_VALGRIND_CMD[@]}" "$XFEDD" \
	-f -c "$conf" 2>"$XFED_TMP/xfedd.log" &
xfedd_pid=$!
at_exit "kill -9 $xfedd_pid 2>/dev/null || true"

wait_for "READY=1 sent to NOTIFY_SOCKET" \
	'grep -qx READY=1 "$notes"'
assert_eq "control socket exists when READY=1 is sent" yes \
	"$([ -S "$sock" ] && echo yes || echo no)"
assert_eq "socket mode 0660 or stricter" 660 "$(stat -c %a "$sock")"
wait_for "startup sync publishes the SRV record" \
	'test -n "$(zone_query _xmpp-server._tcp.example.test. SRV)"'

assert_exit 0 "xfedctl status" xfedctl -c "$conf" status
assert_contains "status names the configuration" "$OUT" "$conf"
assert_contains "status lists the zone" "$OUT" "example.test."
assert_contains "status shows the last trigger" "$OUT" "startup"
assert_exit 0 "xfedctl --json status" xfedctl -c "$conf" --json status
assert_eq "status JSON is one valid object" ok "$(printf '%s' "$OUT" |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print("ok" if d["ok"] and d["result"]["zones"] else "bad")')"
assert_exit 0 "xfedctl sync on a converged zone" xfedctl -c "$conf" sync
assert_contains "sync reports the zone in sync" "$OUT" "example.test.: in sync"

# Someone deletes the record: sync restores it and prints what changed.
zone_nsupdate xfed-key <<EOF
zone example.test.
update delete _xmpp-server._tcp.example.test. SRV
send
EOF
assert_eq "record removed by hand" "" "$(zone_query _xmpp-server._tcp.example.test. SRV)"
assert_exit 0 "xfedctl plan with a pending change" xfedctl -c "$conf" plan
assert_contains "plan shows the SRV to add" \
	"$OUT" "+ _xmpp-server._tcp.example.test. 3600 IN SRV 0 0 5269 xmpp.proxy.test."
assert_eq "plan sent nothing" "" "$(zone_query _xmpp-server._tcp.example.test. SRV)"
assert_exit 0 "xfedctl sync example.test" xfedctl -c "$conf" sync example.test
assert_contains "sync prints what it added" "$OUT" "+ _xmpp-server._tcp.example.test."
assert_eq "sync restored the record" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example.test. SRV)"
assert_exit 1 "sync of an undeclared domain is refused" \
	xfedctl -c "$conf" sync nope.test
assert_contains "and says why" "$ERR" "not in the configuration"

# SIGHUP with a new domain publishes it.
write_domains 'domain "example.test" { proxy = {"edge"} }
domain "example2.test" { proxy = {"edge"} }'
kill -HUP "$xfedd_pid"
wait_for "SIGHUP: the new domain is published" \
	'test -n "$(zone_query _xmpp-server._tcp.example2.test. SRV)"'
wait_for "RELOADING=1 sent" \
	'grep -qx RELOADING=1 "$notes"'

# A broken configuration is refused by reload; the old one keeps working.
cp "$conf" "$conf.good"
printf 'bogus-option = 1\n' >>"$conf"
assert_exit 1 "xfedctl reload of a broken configuration" \
	xfedctl -s "$sock" reload
assert_contains "reload names the file and line" "$ERR" "xfed.conf:"
zone_nsupdate xfed-key <<EOF
zone example2.test.
update delete _xmpp-server._tcp.example2.test. SRV
send
EOF
assert_exit 0 "sync still works with the old configuration" \
	xfedctl -s "$sock" sync example2.test
assert_eq "old configuration restored the record" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example2.test. SRV)"
assert_eq "reload rejection is audited" 1 \
	"$(grep -c '"event":"config-reload".*"accepted":false' "$XFED_TMP/audit.jsonl")"
cp "$conf.good" "$conf"
assert_exit 0 "xfedctl reload of a good configuration" xfedctl -s "$sock" reload
assert_eq "the reload is audited with who asked" "True ctl $(id -u)" \
	"$(grep '"event":"config-reload"' "$XFED_TMP/audit.jsonl" | tail -n 1 |
	python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["accepted"], d["trigger"], d["uid"])')"
assert_exit 0 "xfedctl reopen" xfedctl -s "$sock" reopen
assert_eq "the reopen is audited with who asked" "ctl $(id -u)" \
	"$(grep '"event":"audit-reopen"' "$XFED_TMP/audit.jsonl" | tail -n 1 |
	python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["trigger"], d["uid"])')"

# Garbage and oversized requests get an error; the daemon carries on.
reply=$(printf 'not json\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); print(s.recv(4096).decode())' "$sock")
assert_contains "garbage request answered with an error" "$reply" '"ok":false'
reply=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 70000)
except OSError:
    pass
print(s.recv(4096).decode())' "$sock")
assert_contains "oversized request refused" "$reply" "larger than 65536"
reply=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"{\"xfed-control\": 9, \"command\": \"status\"}\n"); print(s.recv(4096).decode())' "$sock")
assert_contains "unknown protocol version refused" "$reply" "unsupported protocol version 9"
assert_exit 0 "daemon unaffected by bad requests" xfedctl -s "$sock" status

# Two zones whose server refuses connections: the daemon logs the cause
# once per sync, naming both zones, never once per zone.
cp "$conf" "$XFED_TMP/before-closed.conf"
closed_port=$(named_free_port)
cat >>"$conf" <<EOF
server "closed" {
  address  = "127.0.0.1"
  port     = $closed_port
  tsig-key = "xfed-key"
}
domain "a.closed.test" { proxy = {"edge"} zone = "closed.test" server = "closed" }
domain "b.closed2.test" { proxy = {"edge"} zone = "closed2.test" server = "closed" }
EOF
sed -i 's/{"edge"} }/{"edge"} server = "primary" }/' "$conf"
sed -i 's/^  ipv4 = {"203.0.113.10"}/  ipv4 = {"203.0.113.10"}\n  server = "primary"/' "$conf"
assert_exit 0 "reload with a closed server" xfedctl -s "$sock" reload
assert_exit 2 "sync with a closed server" xfedctl -s "$sock" sync
grouped="FAILED zones closed.test., closed2.test.: zone transfer: 127.0.0.1#$closed_port: connection refused"
assert_contains "sync prints the cause once for both zones" "$OUT" "$grouped"
assert_eq "sync output: the cause on one line" 1 \
	"$(grep -c "connection refused" <<<"$OUT")"
logged=$(grep -c "connection refused" "$XFED_TMP/xfedd.log" || true)
assert_ne "the daemon logged the cause" 0 "$logged"
assert_eq "every log line about it is the grouped one" "$logged" \
	"$(grep -cF "$grouped" "$XFED_TMP/xfedd.log" || true)"
cp "$XFED_TMP/before-closed.conf" "$conf"
assert_exit 0 "reload without the closed server" xfedctl -s "$sock" reload

# A sync that hangs on a silent server: status still answers at once.
silent_port=$(named_free_port)
python3 "$XFED_ROOT/tests/tools/silent_server.py" "$silent_port" &
silent_pid=$!
at_exit "kill $silent_pid 2>/dev/null || true"
# Python may take more than a moment to start on a loaded machine.
wait_for "the silent server listens" \
	'(: <>"/dev/tcp/127.0.0.1/$silent_port") 2>/dev/null'
cat >>"$conf" <<EOF
server "silent" {
  address  = "127.0.0.1"
  port     = $silent_port
  tsig-key = "xfed-key"
  timeout  = 60
  retries  = 0
}
domain "silent.test" { proxy = {"edge"} zone = "silent.test" server = "silent" }
EOF
sed -i 's/{"edge"} }/{"edge"} server = "primary" }/' "$conf"
sed -i 's/^  ipv4 = {"203.0.113.10"}/  ipv4 = {"203.0.113.10"}\n  server = "primary"/' "$conf"
assert_exit 0 "reload with a silent server" xfedctl -s "$sock" reload
sleep 0.5
start=$(date +%s%N)
# The client itself unwrapped: this measures the daemon, not valgrind.
assert_exit 0 "status while a sync hangs" "$XFEDCTL" -s "$sock" status
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_contains "status says a sync is running" "$OUT" "syncing"
if [ "$ms" -lt 1000 ]; then pass "status answered in ${ms} ms"; else
	fail "status answered in ${ms} ms, not under a second"; fi

# SIGTERM during the hanging read: exits 0 promptly with STOPPING=1.
start=$(date +%s)
kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "SIGTERM: exit 0" 0 "$rc"
took=$(( $(date +%s) - start ))
if [ "$took" -le 5 ]; then pass "stopped in ${took} s despite the hanging read"; else
	fail "took ${took} s to stop"; fi
wait_for "STOPPING=1 sent" \
	'grep -qx STOPPING=1 "$notes"'
assert_eq "socket removed on exit" no "$([ -e "$sock" ] && echo yes || echo no)"
assert_exit 1 "xfedctl with no daemon running" xfedctl -s "$sock" status
assert_contains "and says so" "$ERR" "is xfedd running"

finish
