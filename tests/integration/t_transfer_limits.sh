#!/usr/bin/env bash
# t_transfer_limits — a primary that authenticates correctly but sends a
# transfer that is too big, never ends, or drips: the server options
# max-transfer-records, max-transfer-size and transfer-timeout end it with
# a clear message, without a retry, and SIGTERM stops the daemon promptly
# while such a transfer is still arriving.  The fake primary
# (tests/tools/fakedns, scenario axfr-stream) signs every message with the
# real key, so only the bounds stand in the way.
# shellcheck disable=SC2016  # wait_for conditions are single-quoted
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf

# bounded_conf 'OPTION = VALUE'... — fake_config, plus these options in
# the fake's server section.
bounded_conf() {
	local opt
	rm -f "$XFED_TMP"/state/*
	fake_config "$conf" 21
	for opt in "$@"; do
		sed -i "/^  port      = $FAKE_PORT\$/a\\  $opt" "$conf"
	done
}

# timed_once WHAT CODE — xfedd --once; the seconds it took in $ELAPSED.
timed_once() {
	local start
	start=$(date +%s%N)
	assert_exit "$2" "$1" xfedd --once -c "$conf"
	ELAPSED=$(( ($(date +%s%N) - start) / 1000000000 ))
}

# --- within the bounds, a large signed transfer is read ---------------------
fake_start --zone fake.test --scenario axfr-stream --stream-records 3000 \
	--axfr-per-msg 100
bounded_conf "max-transfer-records = 5000"
timed_once "3000 records, limit 5000: read and planned" 2
assert_not_contains "3000 records: no bound hit" "$ERR" "max-transfer"
assert_nonempty "3000 records: the plan was sent to the fake" \
	"$(fake_requests kind=update)"

# --- too many records --------------------------------------------------------
fake_start --zone fake.test --scenario axfr-stream --stream-records 3000 \
	--axfr-per-msg 100
bounded_conf "max-transfer-records = 1000"
timed_once "3000 records, limit 1000: zone failed" 2
assert_contains "records: reason" "$ERR" \
	"fake.test.: FAILED: 127.0.0.1#$FAKE_PORT: transfer of fake.test. has more than 1000 records (max-transfer-records); abandoned"
assert_eq "records: not retried" 1 "$(fake_requests kind=axfr | wc -l)"
assert_eq "records: nothing sent to the fake" 0 "$(fake_requests kind=update | wc -l)"
assert_contains "records: the other zones are in sync" "$ERR" "proxy.test.: in sync"

# --- too many octets (an endless transfer of 1000-octet TXT records) --------
fake_start --zone fake.test --scenario axfr-stream --stream-records 0 \
	--stream-txt 1000 --axfr-per-msg 50
bounded_conf "max-transfer-size = 200000"
timed_once "endless transfer, 200000 octets: zone failed" 2
assert_contains "octets: reason" "$ERR" \
	"transfer of fake.test. is larger than 200000 octets (max-transfer-size)"
assert_eq "octets: not retried" 1 "$(fake_requests kind=axfr | wc -l)"

# --- a drip: one message every 0.4 s, each within the 1 s timeout ------------
fake_start --zone fake.test --scenario axfr-stream --stream-records 0 \
	--axfr-per-msg 1 --stream-pause-ms 400
bounded_conf "transfer-timeout = 3"
timed_once "drip, transfer-timeout 3: zone failed" 2
assert_contains "drip: reason" "$ERR" \
	"transfer of fake.test. did not finish within 3 s (transfer-timeout)"
assert_match "drip: ended by the deadline (3 s)" "$ELAPSED" '^[3-6]$'
assert_eq "drip: not retried" 1 "$(fake_requests kind=axfr | wc -l)"

# --- the bounds are checked by xfedd -n ---------------------------------------
bounded_conf "max-transfer-records = 0" "transfer-timeout = 0"
assert_exit 1 "xfedd -n: zero bounds refused" xfedd -n -c "$conf"
assert_contains "xfedd -n: max-transfer-records named" "$ERR" \
	"max-transfer-records 0 is out of range"
assert_contains "xfedd -n: transfer-timeout named" "$ERR" \
	"transfer-timeout 0 is out of range"

# stop_during WHAT FAKEDNS-OPTION... — xfedd -f reads fake.test. from a
# fake that streams as told, with bounds far away; SIGTERM a second into
# the transfer must end the daemon with exit 0 within a few seconds.
stop_during() {
	local what=$1 pid rc=0 start took
	shift
	fake_start --zone fake.test --scenario axfr-stream --stream-records 0 "$@"
	bounded_conf "max-transfer-records = 100000000" \
		"max-transfer-size = 17179869184" "transfer-timeout = 3600"
	sed -i 's/^  timeout   = 1$/  timeout   = 30/' "$conf"
	"$XFEDD" -f -c "$conf" 2>"$XFED_TMP/xfedd.log" &
	pid=$!
	at_exit "kill -9 $pid 2>/dev/null || true"
	wait_for "$what: the transfer started" \
		'[ -n "$(fake_requests kind=axfr)" ]'
	sleep 1
	start=$(date +%s%N)
	kill -TERM "$pid"
	# Give it 10 s, then kill it: a daemon deaf to SIGTERM fails here.
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	assert_eq "$what: SIGTERM, exit 0" 0 "$rc"
	if [ "$took" -le 5000 ]; then
		pass "$what: stopped in $took ms"
	else
		fail "$what: took $took ms to stop"
	fi
	assert_file_contains "$what: the log says why the read stopped" \
		"$XFED_TMP/xfedd.log" \
		"transfer of fake.test. stopped after"
}

stop_during "endless fast transfer" --axfr-per-msg 1000
stop_during "drip transfer" --axfr-per-msg 1 --stream-pause-ms 500

finish
