#!/usr/bin/env bash
# t_faults_tsig — the "TSIG" rows of FAULTS.md.  A fake primary
# (build/tests/fakedns) serves fake.test. and answers the UPDATE (or the
# AXFR) with one TSIG fault each: no TSIG, a wrong MAC, another key or
# algorithm, signed BADTIME, a time outside the fudge, a TSIG error with a
# valid MAC, a MAC too short or too long, two TSIGs, a TSIG not last, and
# broken zone transfers.  Each time fake.test. fails (exit 2) with a precise
# message, the audit update record names the failure class (never the
# unverified rcode), nothing is retried, and the zones on the real named
# converge in the same run.
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

# fake_conf — xfed.conf with the real named as "primary" (example.test.
# and the proxy's proxy.test.) and the fake as "fake" (fake.test.).
fake_conf() {
	fake_config "$conf" "$@"
}

# last_fake_update FIELD — FIELD of the last audit update record for fake.test.
last_fake_update() {
	audit_select "$1" event=update zone=fake.test. | tail -n 1
}

# update_fault WHAT EXPECTED-AUDIT-RCODE STDERR-NEEDLE FAKEDNS-OPTION... —
# one UPDATE answered with a fault: fake.test. fails, the others converge.
# PORT in the needle stands for the fake's port.
n=20
update_fault() {
	local what=$1 want=$2 needle=$3 start elapsed
	shift 3
	n=$((n + 1))
	fake_start --zone fake.test "$@"
	fake_conf "$n"
	start=$(date +%s)
	assert_exit 2 "$what: fake.test. fails" xfedd --once -c "$conf"
	elapsed=$(( $(date +%s) - start ))
	assert_contains "$what: stderr" "$ERR" "fake.test.: FAILED in 1 message: 127.0.0.1#$FAKE_PORT"
	assert_contains "$what: precise reason" "$ERR" "${needle//PORT/$FAKE_PORT}"
	assert_eq "$what: audit rcode" "$want" "$(last_fake_update rcode)"
	assert_eq "$what: one attempt, no retry" 1 "$(last_fake_update attempts)"
	assert_eq "$what: one UPDATE reached the server" 1 \
		"$(fake_requests kind=update | wc -l)"
	assert_eq "$what: no second read after the failure" 1 \
		"$(fake_requests kind=axfr | wc -l)"
	assert_contains "$what: other zones converge" "$ERR" \
		"proxy.test.: updated, 1 added, 1 removed"
	assert_eq "$what: proxy A on named" "127.0.0.$n" "$(zone_query xmpp.proxy.test. A)"
	assert_not_contains "$what: no secret on stderr" "$ERR" "$KEY_XFED_SECRET"
	assert_match "$what: done at once" "$elapsed" '^[0-3]$'
}

# First, everything converges with a well-behaved fake: the baseline.
fake_start --zone fake.test --scenario good
fake_conf 20
assert_exit 0 "good fake: converges" xfedd --once -c "$conf"
assert_contains "good fake: fake.test. updated" "$ERR" "fake.test.: updated, 2 added"
assert_eq "good fake: audit NOERROR" NOERROR "$(last_fake_update rcode)"
assert_eq "good fake: one verified update" 1 \
	"$(fake_requests kind=update ntsig=1 verified=1 | wc -l)"

# --- reply to a signed request carries no TSIG ---------------------------------
for rc in REFUSED NOTAUTH NOERROR; do
	update_fault "unsigned $rc" UNSIGNED "127.0.0.1#PORT: answer not signed (it says $rc), not trusted" \
		--scenario unsigned --rcode "$rc"
	assert_contains "unsigned $rc: key named" "$ERR" 'check that the server has key "xfed-key"'
done

# --- bad MAC, other key, other algorithm ---------------------------------------
# Their signature fails our check: not the same words as the server
# rejecting ours (below).
update_fault "bad MAC" BADSIG 'answer signature did not verify with key "xfed-key"' \
	--scenario badsig
update_fault "other key" BADKEY 'answer signature did not verify: signed with another key or algorithm than "xfed-key"' \
	--scenario other-key
update_fault "other algorithm" BADKEY 'answer signature did not verify: signed with another key or algorithm than "xfed-key"' \
	--scenario other-alg

# --- unsigned-style BADSIG/BADKEY answers (BIND: TSIG error, empty MAC) ------
update_fault "BADSIG, empty MAC" BADSIG 'the server rejected our signature (BADSIG) for key "xfed-key": check that the secret matches' \
	--scenario tsig-error-badsig-empty-mac
update_fault "BADKEY, empty MAC" BADKEY 'the server does not know key "xfed-key" (BADKEY)' \
	--scenario tsig-error-badkey-empty-mac

# --- signed BADTIME with the server's time: the skew, and which way -------
update_fault "signed BADTIME, server ahead" BADTIME "clocks differ by more than the fudge (BADTIME)" \
	--scenario badtime-signed --skew 3600
assert_match "BADTIME: the skew" "$ERR" \
	"the server's clock is (3599|3600|3601) s ahead of ours; check NTP"
update_fault "signed BADTIME, server behind" BADTIME "clocks differ by more than the fudge (BADTIME)" \
	--scenario badtime-signed --skew -7200
assert_match "BADTIME: negative skew" "$ERR" "the server's clock is (7199|7200|7201) s behind ours"

# --- a valid MAC, but the time is outside the fudge -----------------------------
update_fault "time outside the fudge" BADTIME "clocks differ by more than the fudge (BADTIME)" \
	--scenario time-outside-fudge --skew 1000
assert_match "fudge: the skew shown" "$ERR" "the server's clock is (999|1000|1001) s ahead of ours"

# --- a valid MAC with a TSIG error: a failure of that class ----------------
update_fault "TSIG error BADSIG, valid MAC" BADSIG "the server rejected our signature (BADSIG)" \
	--scenario tsig-error --tsig-error 16
update_fault "TSIG error BADTIME, no server time" BADTIME \
	"127.0.0.1#PORT: clocks differ by more than the fudge (BADTIME): check NTP on both sides" \
	--scenario tsig-error --tsig-error 18
update_fault "TSIG error BADTRUNC" BADTRUNC "the server rejected our signature as truncated (BADTRUNC)" \
	--scenario tsig-error --tsig-error 22

# --- MAC length, two TSIGs, TSIG not last ---------------------------------------
update_fault "MAC shorter than max(10, hash/2)" BADTRUNC "answer signature did not verify: its MAC is shorter than is safe" \
	--scenario mac-truncated
update_fault "MAC longer than the hash" BADTRUNC "answer signature did not verify: its MAC is shorter than is safe or longer than the hash" \
	--scenario mac-too-long
update_fault "two TSIG records" FORMERR "answer signature did not verify: its TSIG record is malformed or misplaced" \
	--scenario two-tsig
update_fault "TSIG not last" FORMERR "answer signature did not verify: its TSIG record is malformed or misplaced" \
	--scenario tsig-not-last

assert_not_contains "no secret in the audit log" "$(cat "$audit")" "$KEY_XFED_SECRET"
assert_eq "only the baseline update of fake.test. is NOERROR" 1 \
	"$(audit_select rcode event=update zone=fake.test. | grep -cx NOERROR || true)"

# --- unknown algorithm in the configuration: refuse to start, file:line ------
fake_start --zone fake.test --scenario good
fake_conf 40
line=$(grep -n 'algorithm = ' "$conf" | head -n 1 | cut -d: -f1)
sed -i 's/algorithm = "hmac-sha256"/algorithm = "hmac-sha999"/' "$conf"
assert_exit 1 "unknown algorithm: config refused" xfedd --once -c "$conf"
assert_contains "unknown algorithm: file:line" "$ERR" "$conf:$line:"
assert_contains "unknown algorithm: named" "$ERR" "hmac-sha999"
assert_eq "unknown algorithm: nothing sent" 0 "$(fake_requests | wc -l)"

# --- AXFR: every message verified; any failure discards the transfer -------
# One record per message, so the transfer has a middle.
axfr_fault() {
	local what=$1 needle=$2
	shift 2
	n=$((n + 1))
	fake_start --zone fake.test --axfr-per-msg 1 "$@"
	fake_conf "$n"
	assert_exit 2 "$what: fake.test. fails" xfedd --once -c "$conf"
	assert_contains "$what: reason" "$ERR" "fake.test.: FAILED: ${needle//PORT/$FAKE_PORT}"
	assert_eq "$what: one transfer, no retry" 1 "$(fake_requests kind=axfr | wc -l)"
	assert_eq "$what: nothing sent to the unreadable zone" 0 \
		"$(fake_requests kind=update | wc -l)"
	assert_contains "$what: other zones converge" "$ERR" "proxy.test.: updated, 1 added, 1 removed"
	assert_contains "$what: audited as an error" \
		"$(audit_select error event=error zone=fake.test. | tail -n 1)" \
		"${needle//PORT/$FAKE_PORT}"
}
# PORT in the needle stands for the fake's port.
axfr_fault "AXFR with a forged unsigned message" \
	'zone transfer, message 3: 127.0.0.1#PORT: answer signature did not verify with key "xfed-key"' \
	--scenario axfr-forged-unsigned
axfr_fault "AXFR with a bad MAC in the middle" \
	'zone transfer, message 3: 127.0.0.1#PORT: answer signature did not verify with key "xfed-key"' \
	--scenario axfr-bad-mac-in-middle
axfr_fault "AXFR ending unsigned" \
	"zone transfer, message 4: 127.0.0.1#PORT: answer not signed, not trusted" \
	--scenario axfr-unsigned-end
axfr_fault "AXFR unsigned from the start" \
	"zone transfer, message 1: 127.0.0.1#PORT: answer not signed (it says NOERROR), not trusted" \
	--scenario axfr-unsigned-first

# RFC 8945 5.3.1 allows unsigned messages in the middle, covered by the next
# MAC: that transfer is genuine and must be accepted.
fake_start --zone fake.test --axfr-per-msg 1 --scenario axfr-unsigned-middle
fake_conf 60
assert_exit 0 "AXFR with legal unsigned middle messages: converges" xfedd --once -c "$conf"
assert_contains "unsigned middle: fake.test. updated" "$ERR" "fake.test.: updated, 2 added"
assert_eq "unsigned middle: read, update, read again" "axfr update axfr" \
	"$(fake_requests | fake_field kind | paste -sd' ')"

finish
