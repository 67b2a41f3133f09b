#!/usr/bin/env bash
# t_faults_transport — the "Transport and servers" rows of FAULTS.md.  A fake
# primary (build/tests/fakedns) serves fake.test. and misbehaves in one way
# at a time: silence over UDP, a TCP connection that hangs, TC=1, answers
# with a wrong ID / QR=0 / wrong opcode / another zone, truncated and
# garbage answers, REFUSED and SERVFAIL to SOA discovery.  The real named
# serves example.test. and proxy.test., which converge in the same run.
# The fake's request log proves each retry is a new message: new ID, fresh
# time, exactly one TSIG, and a MAC that verifies.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

audit=$XFED_TMP/audit.jsonl
conf=$XFED_TMP/xfed.conf

last_fake_update() {
	audit_select "$1" event=update zone=fake.test. | tail -n 1
}

# fake_conf OCTET [TRANSPORT] — named as "primary" (example.test., and
# proxy.test. whose A becomes 127.0.0.OCTET), the fake as "fake" (fake.test.)
# with a 1 s timeout and 1 retry.
fake_conf() {
	rm -f "$XFED_TMP"/state/*
	fake_config "$conf" "$@"
}

# timed_once WHAT CODE — xfedd --once, its exit status checked; the seconds
# it took in $ELAPSED.
timed_once() {
	local start
	start=$(date +%s%N)
	assert_exit "$2" "$1" xfedd --once -c "$conf"
	ELAPSED=$(( ($(date +%s%N) - start) / 1000000000 ))
}

# fresh_retries WHAT KIND — the fake's requests of KIND are each a new,
# verified message with exactly one TSIG: distinct IDs and MACs, times
# signed never going back.
fresh_retries() {
	local reqs
	reqs=$(fake_requests kind="$2")
	assert_eq "$1: each has exactly one TSIG, verified" \
		"$(printf '%s\n' "$reqs" | wc -l)" \
		"$(printf '%s\n' "$reqs" | grep -c ' ntsig=1 verified=1 ' || true)"
	assert_eq "$1: a new ID each time" "$(printf '%s\n' "$reqs" | wc -l)" \
		"$(printf '%s\n' "$reqs" | fake_field id | sort -u | wc -l)"
	assert_eq "$1: a new MAC each time" "$(printf '%s\n' "$reqs" | wc -l)" \
		"$(printf '%s\n' "$reqs" | fake_field mac | sort -u | wc -l)"
	assert_eq "$1: times signed never go back" \
		"$(printf '%s\n' "$reqs" | fake_field time | sort -n | paste -sd' ')" \
		"$(printf '%s\n' "$reqs" | fake_field time | paste -sd' ')"
}

# others_converged WHAT OCTET — named's zones converged in the same run.
others_converged() {
	assert_contains "$1: proxy.test. converged in the same run" "$ERR" \
		"proxy.test.: updated, "
	assert_eq "$1: proxy A on named" "127.0.0.$2" "$(zone_query xmpp.proxy.test. A)"
}

# --- primary silent over UDP: bounded tries, each a new message ------------
fake_start --zone fake.test --scenario silent-udp
fake_conf 11
timed_once "silent UDP: zone failed" 2
assert_contains "silent UDP: reason" "$ERR" \
	"fake.test.: FAILED in 1 message: 127.0.0.1#$FAKE_PORT: no answer within 2 s (2 attempts)"
assert_eq "silent UDP: audit rcode" TIMEOUT "$(last_fake_update rcode)"
assert_eq "silent UDP: audit attempts" 2 "$(last_fake_update attempts)"
assert_match "silent UDP: bounded (2 x 1 s)" "$ELAPSED" '^[2-4]$'
assert_eq "silent UDP: timeout + retries = 2 UPDATEs" 2 \
	"$(fake_requests kind=update proto=udp | wc -l)"
fresh_retries "silent UDP retries" update
t=$(fake_requests kind=update | fake_field time | paste -sd' ')
assert_match "silent UDP: the retry is signed a second later" "$t" '^[0-9]+ [0-9]+$'
if [ "${t#* }" -gt "${t% *}" ]; then pass "silent UDP: fresh time signed ($t)"
else fail "silent UDP: fresh time signed" "times: $t"; fi
others_converged "silent UDP" 11

# --- TCP connects, then hangs: the zone transfer ---------------------------
fake_start --zone fake.test --scenario silent-tcp --on axfr
fake_conf 12
timed_once "hung TCP transfer: zone failed" 2
assert_contains "hung TCP transfer: reason" "$ERR" \
	"fake.test.: FAILED: zone transfer: 127.0.0.1#$FAKE_PORT: no answer within 2 s (2 attempts)"
assert_match "hung TCP transfer: bounded" "$ELAPSED" '^[2-4]$'
assert_eq "hung TCP transfer: 2 tries" 2 "$(fake_requests kind=axfr proto=tcp | wc -l)"
assert_eq "hung TCP transfer: unreadable zone, nothing sent" 0 \
	"$(fake_requests kind=update | wc -l)"
fresh_retries "hung TCP transfer retries" axfr
others_converged "hung TCP transfer" 12

# --- TCP connects, then hangs: the UPDATE (transport tcp) -----------------
fake_start --zone fake.test --scenario silent-tcp --on update
fake_conf 13 tcp
timed_once "hung TCP update: zone failed" 2
assert_contains "hung TCP update: reason" "$ERR" \
	"fake.test.: FAILED in 1 message: 127.0.0.1#$FAKE_PORT: no answer within 2 s (2 attempts)"
assert_eq "hung TCP update: audit rcode" TIMEOUT "$(last_fake_update rcode)"
assert_match "hung TCP update: bounded" "$ELAPSED" '^[2-4]$'
assert_eq "hung TCP update: 2 tries over TCP" 2 \
	"$(fake_requests kind=update proto=tcp | wc -l)"
fresh_retries "hung TCP update retries" update
others_converged "hung TCP update" 13

# --- silent on everything, several zones: still bounded ---------------------
fake_start --zone fake.test --scenario silent
fake_conf 14
timed_once "silent server: zone failed" 2
assert_match "silent server: bounded" "$ELAPSED" '^[2-4]$'
others_converged "silent server" 14

# --- nothing listens: "connection refused", at once, said once -------------
# Two zones at a port nobody listens on, with a long timeout and retries:
# a refused connection is final, so this takes no time, and the one cause
# is one line naming both.  First the zone transfer (TCP), then, with the
# zones left to discovery, the SOA query (UDP: ICMP port unreachable).
fake_stop
fake_conf 45
closed=$(named_free_port)
cat >>"$conf" <<EOF
domain "fake2.test" {
  proxy  = {"edge"}
  server = "fake"
  zone   = "fake2.test"
}
EOF
sed -i -e "s/^  port      = $FAKE_PORT\$/  port      = $closed/" \
	-e 's/^  timeout   = 1$/  timeout   = 3/' -e 's/^  retries   = 1$/  retries   = 2/' "$conf"
for path in transfer discovery; do
	if [ "$path" = discovery ]; then
		sed -i -e '/^  zone   = "fake2\?.test"/d' \
			-e "/^server \"fake\"/,/^}/s/^  transport = .*/  transport = \"udp\"/" "$conf"
		sed -i 's/"127.0.0.45"/"127.0.0.46"/' "$conf"
		who="names _xmpp-server._tcp.fake.test., _xmpp-server._tcp.fake2.test. (zone unknown)"
		zones="(zone of _xmpp-server._tcp.fake.test.) (zone of _xmpp-server._tcp.fake2.test.)"
	else
		who="zones fake.test., fake2.test.: zone transfer"
		zones="fake.test. fake2.test."
	fi
	timed_once "closed port ($path): zones failed" 2
	assert_match "closed port ($path): at once, no waiting on retries" "$ELAPSED" '^[01]$'
	assert_eq "closed port ($path): the cause is said once" 1 \
		"$(grep -c "127.0.0.1#$closed: connection refused" <<<"$ERR")"
	assert_contains "closed port ($path): one line for both" "$ERR" \
		"FAILED $who: 127.0.0.1#$closed: connection refused"
	assert_not_contains "closed port ($path): not a network error" "$ERR" "network error"
	assert_eq "closed port ($path): still an audit error record for each" "$zones" \
		"$(audit_select zone event=error | tail -n 2 | sort | paste -sd' ')"
	others_converged "closed port ($path)" "$(sed -n 's/.*"127.0.0.\(4[56]\)".*/\1/p' "$conf")"
done

# --- TC=1: retried over TCP with a freshly signed message -----------------
fake_start --zone fake.test --scenario tc-udp
fake_conf 15
timed_once "TC=1: converges" 0
assert_contains "TC=1: fake.test. updated" "$ERR" "fake.test.: updated, 2 added"
assert_eq "TC=1: audit NOERROR" NOERROR "$(last_fake_update rcode)"
assert_eq "TC=1: first over UDP, then TCP" "udp tcp" \
	"$(fake_requests kind=update | fake_field proto | paste -sd' ')"
fresh_retries "TC=1 retry" update
others_converged "TC=1" 15

# --- answers that do not belong to the request: discarded ------------------
# The fake sends a validly signed REFUSED that does not match first, then
# the genuine answer: the first must be ignored, not acted on.
octet=16
for s in wrong-id qr0 wrong-opcode other-zone; do
	octet=$((octet + 1))
	fake_start --zone fake.test --scenario "$s"
	fake_conf "$octet"
	timed_once "$s: discarded, the genuine answer taken" 0
	assert_contains "$s: fake.test. updated" "$ERR" "fake.test.: updated, 2 added"
	assert_eq "$s: audit NOERROR" NOERROR "$(last_fake_update rcode)"
	assert_eq "$s: one attempt" 1 "$(last_fake_update attempts)"
	assert_eq "$s: one UPDATE sent" 1 "$(fake_requests kind=update | wc -l)"
	others_converged "$s" "$octet"
done
# Only mismatching answers: nothing authentic arrives, a timeout.
fake_start --zone fake.test --scenario wrong-id --no-genuine
fake_conf 21
timed_once "only wrong IDs: zone failed" 2
assert_eq "only wrong IDs: audit TIMEOUT, not REFUSED" TIMEOUT "$(last_fake_update rcode)"
fresh_retries "wrong ID retries" update

# --- malformed and truncated answers: an ordinary failure ---------------
octet=21
for s in truncated-packet garbage; do
	octet=$((octet + 1))
	fake_start --zone fake.test --scenario "$s"
	fake_conf "$octet"
	timed_once "$s: zone failed, no crash" 2
	assert_contains "$s: reason" "$ERR" \
		"fake.test.: FAILED in 1 message: 127.0.0.1#$FAKE_PORT: malformed answer"
	assert_eq "$s: audit FORMERR" FORMERR "$(last_fake_update rcode)"
	assert_eq "$s: TSIG never verified" not-verified "$(last_fake_update tsig)"
	others_converged "$s" "$octet"
done

# --- REFUSED / SERVFAIL to SOA discovery: the next server, a clear error ----
# The state directory would send xfedd back to the zones the earlier fakes
# served (to clean them up): start afresh.
discovery_conf() {
	rm -f "$XFED_TMP"/state/*
	(
		umask 077
		cat >"$conf" <<EOF
interval     = 0
owner        = "xfed"
audit-log    = "$audit"
state-dir    = "$XFED_TMP/state"
resolver     = {$1}
primary-port = $NAMED_PORT
tsig-key "xfed-key" {
  algorithm = "hmac-sha256"
  secret    = "$KEY_XFED_SECRET"
}
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.$2"}
}
domain "example.test" {
  proxy = {"edge"}
}
EOF
	)
}
for rc in REFUSED SERVFAIL; do
	fake_start --zone fake.test --scenario rcode --rcode "$rc" --on soa
	octet=$((octet + 1))
	discovery_conf "\"127.0.0.1@$FAKE_PORT\", \"127.0.0.1@$NAMED_PORT\"" "$octet"
	timed_once "$rc to SOA discovery: the next resolver is asked" 0
	assert_eq "$rc: the fake was asked first" 1 \
		"$(fake_requests kind=soa | head -n 1 | grep -c .)"
	assert_eq "$rc: proxy A published via the next resolver" "127.0.0.$octet" \
		"$(zone_query xmpp.proxy.test. A)"
	discovery_conf "\"127.0.0.1@$FAKE_PORT\"" 99
	timed_once "$rc from the only resolver: zone failed" 2
	assert_contains "$rc only: clear error, said once for both names" "$ERR" \
		"FAILED names _xmpp-server._tcp.example.test., xmpp.proxy.test. (zone unknown): 127.0.0.1#$FAKE_PORT answered $rc"
	assert_eq "$rc only: nothing changed" "127.0.0.$octet" "$(zone_query xmpp.proxy.test. A)"
done

# A configured server that refuses the SOA query (no zone configured).
fake_start --zone fake.test --scenario refused-soa
fake_conf 30
sed -i '/^  zone   = "fake.test"/d' "$conf"
timed_once "configured server refuses SOA discovery: zone failed" 2
assert_contains "refused SOA: clear error" "$ERR" \
	"cannot find the zone of _xmpp-server._tcp.fake.test.: 127.0.0.1#$FAKE_PORT answered REFUSED"
assert_eq "refused SOA: the refusal was authentic (signed request)" 1 \
	"$(fake_requests kind=soa verified=1 | head -n 1 | grep -c .)"
assert_eq "refused SOA: nothing else asked" 0 \
	"$(fake_requests kind=update | wc -l)"
others_converged "refused SOA" 30

# --- hidden primary: the configured server wins over the SOA MNAME ----------
# fake.test.'s MNAME is ns1.fake.test. (127.0.0.1, port 53): never used.
fake_start --zone fake.test --scenario good
fake_conf 31
sed -i '/^  zone   = "fake.test"/d' "$conf"
assert_exit 0 "hidden primary: converges at the configured server" \
	xfedd --once -v -c "$conf"
assert_eq "hidden primary: discovery asked the configured server" 1 \
	"$(fake_requests kind=soa | head -n 1 | grep -c .)"
assert_eq "hidden primary: the update went to the configured server" \
	"127.0.0.1#$FAKE_PORT" "$(last_fake_update server)"
assert_contains "hidden primary: the log names the server used" "$ERR" \
	"update fake.test. at 127.0.0.1#$FAKE_PORT"

finish
