#!/usr/bin/env bash
# t_faults_update — the "Update semantics" rows of FAULTS.md that a real
# server produces, against the private named: a refused update (the zone's
# allow-update leaves the key out) and a server limit (max-records) are
# reported once, not looped on, while the other zones converge in the same
# run; a name outside its zone (NOTZONE); a delete of an RR someone removed
# first is not counted as a change; a CNAME at the proxy host or at the SRV
# name is a conflict, never touched; a plan too large for one message is
# split, each message with its own prerequisites, addresses before SRV on
# add and SRV before addresses on removal.  The fake primary
# (build/tests/fakedns) shows the split messages' sizes, and plays the lost
# reply whose retry fails a prerequisite because the first copy applied.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
RACE_SYNC=$XFED_TOOLS/race_sync
if [ ! -x "$RACE_SYNC" ]; then
	echo "$TEST_NAME: $RACE_SYNC not built (run make tests first)" >&2
	exit 1
fi
# shellcheck disable=SC2317 # invoked through assert_exit
race_sync() { "${XFED_VALGRIND_CMD[@]}" "$RACE_SYNC" "$@"; }

named_start
acl='allow-transfer { key "xfed-key"; };'
named_add_zone noupdate.test "allow-update { key \"key-md5\"; }; $acl"
named_add_zone quota.test "allow-update { key \"xfed-key\"; }; $acl max-records 4;"
named_add_zone cname.test "allow-update { key \"xfed-key\"; }; $acl" \
	'xmpp 300 IN CNAME real.cname.test.' \
	'real 300 IN A 127.0.0.1' \
	'_xmpp-server._tcp.alias 300 IN CNAME _xmpp-server._tcp.real.cname.test.'
named_add_zone big.test "allow-update { key \"xfed-key\"; }; $acl"

audit=$XFED_TMP/audit.jsonl
conf=$XFED_TMP/xfed.conf

# zone_dump ZONE — a signed AXFR, sorted, for "nothing changed" checks.
zone_dump() { zone_axfr "$1" | LC_ALL=C sort; }

edge='proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10", "127.0.0.11"}
}
domain "example.test" {
  proxy = {"edge"}
}'

# --- refused update and server limits: reported, not looped on ------------
write_config "$conf" - <<EOF
$edge
domain "noupdate.test" {
  proxy = {"edge"}
}
domain "quota.test" {
  proxy = {"edge"}
}
EOF
before_nu=$(zone_dump noupdate.test.)
before_q=$(zone_dump quota.test.)
assert_exit 2 "refused update and quota: those zones fail" xfedd --once -c "$conf"
assert_contains "refused update: reported" "$ERR" \
	"noupdate.test.: FAILED in 1 message: 127.0.0.1#$NAMED_PORT answered REFUSED"
assert_eq "refused update: audited once, REFUSED" REFUSED \
	"$(audit_select rcode event=update zone=noupdate.test.)"
assert_eq "refused update: nothing applied" "$before_nu" "$(zone_dump noupdate.test.)"
assert_match "quota: reported with the server's rcode" "$ERR" \
	"quota\\.test\\.: FAILED in 1 message: 127\\.0\\.0\\.1#$NAMED_PORT answered SERVFAIL"
assert_match "quota: audited once" \
	"$(audit_select rcode event=update zone=quota.test.)" '^SERVFAIL$'
assert_eq "quota: nothing applied" "$before_q" "$(zone_dump quota.test.)"
# One zone failing does not stop the others.
assert_contains "example.test. converged in the same run" "$ERR" \
	"example.test.: updated, 2 added"
assert_contains "proxy.test. converged in the same run" "$ERR" \
	"proxy.test.: updated, 3 added"
assert_eq "example.test. SRV published" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example.test. SRV)"
assert_eq "proxy A published" "127.0.0.10
127.0.0.11" "$(zone_query xmpp.proxy.test. A)"
assert_eq "sync-end says exit 2" 2 "$(audit_select exit event=sync-end | tail -n 1)"

# --- NOTZONE: a name outside the zone it is sent to ---------------------
# xfedd refuses such a configuration before sending anything ...
write_config "$conf" - <<EOF
$edge
domain "outside.test" {
  proxy = {"edge"}
  zone  = "example2.test"
}
EOF
before=$(zone_dump example2.test.)
assert_exit 1 "name outside its zone: refused up front" xfedd --once -c "$conf"
assert_match "name outside its zone: file:line and why" "$ERR" \
	'xfed\.conf:[0-9]+: domain "outside\.test": zone "example2\.test\." does not contain domain "outside\.test\."'
assert_eq "name outside its zone: nothing applied" "$before" "$(zone_dump example2.test.)"
# ... so a NOTZONE can only come from a server that disagrees (a zone cut
# it has and the configuration does not know): reported, not retried.
fake_start --zone fake.test --scenario rcode --rcode NOTZONE
write_config "$conf" - <<EOF
server "fake" {
  address  = "127.0.0.1"
  port     = $FAKE_PORT
  tsig-key = "xfed-key"
}
proxy "edge" {
  host   = "xmpp.proxy.test"
  ipv4   = {"127.0.0.10", "127.0.0.11"}
  server = "primary"
}
domain "fake.test" {
  proxy  = {"edge"}
  server = "fake"
  zone   = "fake.test"
}
EOF
assert_exit 2 "NOTZONE: zone failed" xfedd --once -c "$conf"
assert_contains "NOTZONE: reported" "$ERR" \
	"fake.test.: FAILED in 1 message: 127.0.0.1#$FAKE_PORT answered NOTZONE"
assert_eq "NOTZONE: audited once" NOTZONE "$(audit_select rcode event=update zone=fake.test.)"
assert_eq "NOTZONE: not retried" 1 "$(fake_requests kind=update | wc -l)"
fake_stop
rm -f "$XFED_TMP"/state/*

# --- CNAME at the proxy host or at the SRV name: a conflict, untouched -----
before=$(zone_dump cname.test.)
write_config "$conf" - <<EOF
$edge
proxy "aliased" {
  host = "xmpp.cname.test"
  ipv4 = {"127.0.0.20"}
}
domain "direct.cname.test" {
  proxy = {"aliased"}
}
domain "alias.cname.test" {
  proxy = {"edge"}
}
EOF
assert_exit 2 "CNAME at proxy host / SRV name: conflict" xfedd --once -c "$conf"
assert_contains "conflict reported for cname.test." "$ERR" "cname.test.: conflict"
assert_contains "proxy host CNAME named" "$ERR" "proxy host is a CNAME"
assert_contains "SRV name CNAME named" "$ERR" "CNAME exists at SRV name"
assert_eq "no A beside the proxy host's CNAME" "real.cname.test." \
	"$(zone_query xmpp.cname.test. CNAME)"
assert_eq "SRV name CNAME untouched" "_xmpp-server._tcp.real.cname.test." \
	"$(zone_query _xmpp-server._tcp.alias.cname.test. CNAME)"
assert_eq "nothing at the aliased names changed" \
	"$(printf '%s\n' "$before" | grep -E '^(xmpp|_xmpp-server\._tcp\.alias)\.cname\.test\.')" \
	"$(zone_dump cname.test. | grep -E '^(xmpp|_xmpp-server\._tcp\.alias)\.cname\.test\.')"
assert_contains "the SRV pointing at the alias is not published" "$ERR" \
	"SRV target xmpp.cname.test. is an alias (CNAME), which RFC 2782 forbids"
assert_eq "no SRV at direct.cname.test." "" \
	"$(zone_query _xmpp-server._tcp.direct.cname.test. SRV)"
assert_eq "conflicts audited: SRV name, proxy host, SRV target" 3 \
	"$(audit_count event=conflict zone=cname.test.)"

# --- delete of an RR someone else removed first: not counted --------------
write_config "$conf" - <<EOF
$edge
EOF
rm -f "$XFED_TMP"/state/*
assert_exit 0 "back to the plain configuration" xfedd --once -c "$conf"
sed -i 's/ipv4 = {"127.0.0.10", "127.0.0.11"}/ipv4 = {"127.0.0.10"}/' "$conf"
cat >"$XFED_TMP/racer.sh" <<EOF
#!/bin/sh
[ "\$XFED_RACE_ZONE" = proxy.test. ] || exit 0
nsupdate -t 5 -k "$KEY_MD5_FILE" <<'NSU'
server 127.0.0.1 $NAMED_PORT
zone proxy.test.
update delete xmpp.proxy.test. A 127.0.0.11
send
NSU
EOF
chmod 0700 "$XFED_TMP/racer.sh"
updates=$(audit_count event=update zone=proxy.test.)
assert_exit 0 "absent RR: converges" race_sync "$conf" "$XFED_TMP/racer.sh"
assert_contains "absent RR: proxy.test. reported in sync" "$ERR" "proxy.test.: in sync"
assert_not_contains "absent RR: no removal counted" "$ERR" "removed"
assert_eq "absent RR: the one update failed its prerequisite" NXRRSET \
	"$(audit_select rcode event=update zone=proxy.test. | tail -n 1)"
assert_eq "absent RR: and nothing was re-sent" "$((updates + 1))" \
	"$(audit_count event=update zone=proxy.test.)"
assert_eq "absent RR: A as declared" "127.0.0.10" "$(zone_query xmpp.proxy.test. A)"

# --- a plan larger than one message --------------------------------------
# NBIG domains in big.test., their proxy's host in the same zone: about 250
# octets per domain, several 32 KiB messages.
NBIG=600
big_conf() {
	local server=$1 i
	{
		printf 'proxy "bigedge" {\n  host = "xmpp.big.test"\n'
		printf '  ipv4 = {"127.0.0.30", "127.0.0.31"}\n  ipv6 = {"::1"}\n'
		printf '  server = "%s"\n}\n' "$server"
		for i in $(seq 1 "$NBIG"); do
			printf 'domain "d%d.big.test" {\n  proxy = {"bigedge"}\n  server = "%s"\n}\n' \
				"$i" "$server"
		done
		if [ -n "${FAKE_PORT:-}" ]; then
			printf 'server "fake" {\n  address = "127.0.0.1"\n  port = %s\n' "$FAKE_PORT"
			printf '  tsig-key = "xfed-key"\n  timeout = 3\n  retries = 1\n}\n'
		fi
	} | XFED_CONF_MAX_DELETES=100000 write_config "$conf" -
}
rm -f "$XFED_TMP"/state/*
first_msg=$(( $(audit_count event=update) ))
big_conf primary
assert_exit 0 "large plan: converges" xfedd --once -c "$conf"
assert_match "large plan: split into several messages" "$ERR" \
	"big\\.test\\.: updated, $((2 * NBIG + 4)) added, 0 removed in [2-9] messages"
nmsg=$(audit_count event=update zone=big.test.)
assert_eq "large plan: every message NOERROR" "NOERROR" \
	"$(audit_select rcode event=update zone=big.test. | sort -u)"
assert_eq "large plan: every SRV on named" "$NBIG" \
	"$(zone_axfr big.test. | awk '$4 == "SRV"' | wc -l)"
# Addresses first: the proxy's A/AAAA lead message 1, no SRV before them.
adds=$(audit_select add event=update zone=big.test. message=1)
assert_contains "large plan: addresses in the first message" "$adds" \
	"xmpp.big.test. 3600 IN A 127.0.0.30"
order=$(audit_select add event=update zone=big.test. | tr '|' '\n' |
	awk '/ IN (A|AAAA) / { a = NR } / IN SRV / && !s { s = NR }
	END { print (a && s && a < s) ? "ok" : "address at " a ", first SRV at " s }')
assert_eq "large plan: no SRV before the addresses" ok "$order"
assert_eq "large plan: each message carries prerequisites" "$nmsg" \
	"$(audit_select prereq event=update-intent zone=big.test. | grep -c . || true)"
assert_exit 0 "large plan: in sync afterwards" xfedd --once -c "$conf"
assert_contains "large plan: nothing to do" "$ERR" "big.test.: in sync"

# Removal: SRV go before the addresses.
rm -f "$conf"
XFED_CONF_MAX_DELETES=100000 write_config "$conf" </dev/null
before_msgs=$(audit_count event=update zone=big.test.)
assert_exit 0 "large removal: converges" xfedd --once -c "$conf"
assert_match "large removal: several messages" "$ERR" \
	"big\\.test\\.: updated, 0 added, $((2 * NBIG + 4)) removed in [2-9] messages"
assert_eq "large removal: zone holds only its NS and ns1 besides the SOA" 2 \
	"$(zone_axfr big.test. | awk '$4 != "SOA"' | wc -l)"
order=$(python3 - "$audit" "$before_msgs" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
recs = [r for r in recs if r.get("event") == "update" and r.get("zone") == "big.test."]
recs = recs[int(sys.argv[2]):]
# By position in the log: the addresses go in a later apply (make before
# break), whose messages are numbered afresh.
last_srv = max(i for i, r in enumerate(recs) if any(" SRV " in d for d in r["delete"]))
first_a = min(i for i, r in enumerate(recs) if any(" A " in d or " AAAA " in d for d in r["delete"]))
print("ok" if first_a > last_srv else
      "SRV deleted up to update %d, addresses from update %d" % (last_srv, first_a))
PY
)
assert_eq "large removal: SRV removed before the addresses" ok "$order"
: "$first_msg"

# The same plan at the fake primary, which measures each message.
fake_start --zone big.test --scenario good
rm -f "$XFED_TMP"/state/*
big_conf fake
assert_exit 0 "large plan at the fake: converges" xfedd --once -c "$conf"
sizes=$(fake_requests kind=update | fake_field size)
assert_match "large plan at the fake: several messages" "$(printf '%s\n' "$sizes" | wc -l)" '^[2-9]$'
assert_eq "large plan at the fake: every message under 64 KiB" "" \
	"$(printf '%s\n' "$sizes" | awk '$1 >= 65535')"
assert_eq "large plan at the fake: every message has prerequisites" "" \
	"$(fake_requests kind=update prereq=0)"
assert_eq "large plan at the fake: prerequisites only for its own names" "" \
	"$(fake_requests kind=update own_prereq=0)"
assert_eq "large plan at the fake: all verified, one TSIG each" \
	"$(printf '%s\n' "$sizes" | wc -l)" \
	"$(fake_requests kind=update ntsig=1 verified=1 | wc -l)"
FAKE_PORT=

# --- lost reply; the retry fails a prerequisite; re-read; converged ---------
fake_start --zone fake.test --scenario lost-reply
rm -f "$XFED_TMP"/state/*
write_config "$conf" - <<EOF
server "fake" {
  address  = "127.0.0.1"
  port     = $FAKE_PORT
  tsig-key = "xfed-key"
  timeout  = 1
  retries  = 1
}
proxy "edge" {
  host   = "xmpp.proxy.test"
  ipv4   = {"127.0.0.10"}
  server = "primary"
}
domain "fake.test" {
  proxy  = {"edge"}
  server = "fake"
  zone   = "fake.test"
}
EOF
errors=$(audit_count event=error)
assert_exit 0 "lost reply: converged, no error" xfedd --once -c "$conf"
assert_not_contains "lost reply: nothing failed" "$ERR" "FAILED"
assert_eq "lost reply: the update, then its retry" 2 "$(fake_requests kind=update | wc -l)"
# The names were new, so the prerequisite is "name not in use": YXDOMAIN.
assert_eq "lost reply: the first copy applied, the retry failed its prerequisite" \
	"NOERROR YXDOMAIN" "$(sed -n 's/^update n=[0-9]* rcode=\([A-Z]*\).*/\1/p' "$FAKE_LOG" | paste -sd' ')"
assert_eq "lost reply: audited with the authenticated answer" YXDOMAIN \
	"$(audit_select rcode event=update zone=fake.test. | tail -n 1)"
assert_eq "lost reply: the zone read again" 2 "$(fake_requests kind=axfr | wc -l)"
assert_eq "lost reply: no error record" "$errors" "$(audit_count event=error)"
reqs=$(fake_requests kind=update)
assert_eq "lost reply: the retry has a new ID" 2 \
	"$(printf '%s\n' "$reqs" | fake_field id | sort -u | wc -l)"
assert_eq "lost reply: both verified, one TSIG each" 2 \
	"$(printf '%s\n' "$reqs" | grep -c ' ntsig=1 verified=1 ' || true)"
assert_exit 0 "lost reply: in sync on the next pass" xfedd --once -c "$conf"
assert_contains "lost reply: nothing more to do" "$ERR" "fake.test.: in sync"
assert_eq "lost reply: no further update" 2 "$(fake_requests kind=update | wc -l)"

finish
