#!/usr/bin/env bash
# t_harness — proves the test harness itself, before any xfed test relies on
# it: the private named starts, accepts updates signed with each of the six
# TSIG algorithms, refuses a wrong secret and unsigned updates, serves a
# signed AXFR, and goes away at the end.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

named_start
echo "named $NAMED_PID on 127.0.0.1:$NAMED_PORT, files in $XFED_TMP"

assert_eq "SOA answers authoritatively" "NOERROR" "$(zone_rcode example.test. SOA)"
assert_eq "ns1 address" "127.0.0.1" "$(zone_query ns1.example.test. A)"
assert_eq "default zones served" "NOERROR NOERROR" \
	"$(zone_rcode example2.test. SOA) $(zone_rcode proxy.test. SOA)"
assert_eq "keys.conf is private" "600" "$(stat -c %a "$XFED_TMP/keys.conf")"

# One signed update per algorithm, each leaving its own TXT record.
for alg in $XFED_TSIG_ALGS; do
	key=key-${alg#hmac-}
	assert_eq "$key algorithm exported" "$alg" "$(key_alg "$key")"
	rc=0
	zone_nsupdate "$key" <<EOF || rc=$?
zone example.test.
update add $key.example.test. 60 IN TXT "signed with $alg"
send
EOF
	assert_eq "nsupdate signed with $alg succeeds" 0 "$rc"
	assert_eq "TXT added with $alg" "\"signed with $alg\"" \
		"$(zone_query "$key.example.test." TXT)"
done

# The default key works too.
rc=0
zone_nsupdate xfed-key <<EOF || rc=$?
update add default.example2.test. 60 IN A 192.0.2.1
send
EOF
assert_eq "nsupdate with xfed-key succeeds" 0 "$rc"
assert_eq "A added with xfed-key" "192.0.2.1" "$(zone_query default.example2.test. A)"

# A wrong secret (right name and algorithm) must be refused, and change
# nothing.  A fresh random secret cannot be the real one.
wrong=$(tsig-keygen -a hmac-sha256 key-sha256 | sed -n 's/.*secret "\(.*\)";/\1/p')
assert_ne "wrong secret differs" "$KEY_SHA256_SECRET" "$wrong"
rc=0
out=$(zone_nsupdate_with hmac-sha256 key-sha256 "$wrong" 2>&1 <<EOF
update add wrong.example.test. 60 IN TXT "must not appear"
send
EOF
) || rc=$?
assert_ne "nsupdate with a wrong secret fails" 0 "$rc"
assert_match "wrong secret reported as a TSIG failure" "$out" 'NOTAUTH|BADSIG|tsig'
assert_empty "nothing added with the wrong secret" "$(zone_query wrong.example.test. TXT)"

# Unsigned updates are refused.
rc=0
out=$(zone_nsupdate none 2>&1 <<EOF
update add unsigned.example.test. 60 IN TXT "must not appear"
send
EOF
) || rc=$?
assert_ne "unsigned nsupdate fails" 0 "$rc"
assert_contains "unsigned update REFUSED" "$out" "REFUSED"
assert_empty "nothing added unsigned" "$(zone_query unsigned.example.test. TXT)"

# Signed AXFR works and shows the updates; unsigned AXFR is refused.
axfr=$(zone_axfr example.test. key-sha512)
assert_contains "signed AXFR has the SOA" "$axfr" "example.test. 300 IN SOA ns1.example.test."
assert_contains "signed AXFR has the sha224 record" "$axfr" \
	'key-sha224.example.test. 60 IN TXT "signed with hmac-sha224"'
assert_eq "signed AXFR is complete (2 SOA, NS, A, 6 TXT)" 10 "$(printf '%s\n' "$axfr" | wc -l)"
unsigned=$(dig @127.0.0.1 -p "$NAMED_PORT" +time=2 +tries=1 AXFR example.test. || true)
assert_contains "unsigned AXFR refused" "$unsigned" "Transfer failed"

# write_config produces what the contract's grammar expects.
write_config "$XFED_TMP/xfed.conf" key-sha384 - <<EOF
domain "example.test" {
  proxy = {"edge"}
}
EOF
conf=$(cat "$XFED_TMP/xfed.conf")
assert_contains "config has the port" "$conf" "port      = $NAMED_PORT"
assert_contains "config has the key" "$conf" "secret    = \"$KEY_SHA384_SECRET\""
assert_contains "config has the appended domain" "$conf" 'domain "example.test"'
assert_eq "config is private" "600" "$(stat -c %a "$XFED_TMP/xfed.conf")"

# named_stop stops named and removes the directory (the EXIT trap would
# too; doing it here lets us check it).
pid=$NAMED_PID
dir=$XFED_TMP
named_stop
if kill -0 "$pid" 2>/dev/null; then
	fail "named stopped" "pid $pid still alive"
else
	pass "named stopped"
fi
if [ -e "$dir" ]; then fail "temporary directory removed" "$dir exists"; else pass "temporary directory removed"; fi

finish
