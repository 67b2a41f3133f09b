#!/usr/bin/env bash
# t_conflict — xfedd never touches what it does not own: an owned-type
# RRset that exists without its marker (put there by hand, or by another
# owner) is a conflict (exit 2, audited, left as it is) while the other
# zones still converge in the same run; a foreign TXT beside an owned name
# is kept and the marker joins it with its TTL; a proxy host that is a
# CNAME is refused.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_zone example.test.
named_zone example2.test.
named_zone example3.test.
named_zone other.test.
named_zone proxy.test. 'alias 300 IN CNAME xmpp.proxy.test.'
named_start

conf=$XFED_TMP/xfed.conf
marker='"heritage=xfed,owner=xfed"'
edge='proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10"}
  ttl  = 3600
}'

# --- 1. foreign SRV at an owned name; foreign TXT beside the proxy host ----
zone_nsupdate key-sha256 <<'EOF'
zone example.test.
update add _xmpp-server._tcp.example.test. 7200 IN SRV 10 20 5269 chat.elsewhere.test.
send
zone proxy.test.
update add xmpp.proxy.test. 600 IN TXT "v=spf1 -all"
send
EOF
foreign_srv=$(rrs _xmpp-server._tcp.example.test. - example.test.)
assert_eq "foreign SRV in place" \
	"_xmpp-server._tcp.example.test. 7200 IN SRV 10 20 5269 chat.elsewhere.test." \
	"$foreign_srv"

write_config "$conf" - <<EOF
$edge
domain "example.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"edge"}
}
EOF
assert_exit 2 "foreign SRV is a conflict" xfedd --once -c "$conf"
assert_match "stderr reports the conflict" "$ERR" "example\\.test\\.: .*conflict"
assert_eq "foreign SRV untouched, no marker added" "$foreign_srv" \
	"$(rrs _xmpp-server._tcp.example.test. - example.test.)"
assert_eq "one conflict event" 1 "$(audit_count event=conflict)"
assert_eq "conflict event names the zone" example.test. \
	"$(audit_select zone event=conflict)"
assert_contains "conflict event names the RRset's owner name" \
	"$(grep '"event":"conflict"' "$XFED_TMP/audit.jsonl")" "_xmpp-server._tcp.example.test."
assert_eq "no update sent to the conflicting zone" 0 \
	"$(audit_count event=update zone=example.test.)"
# The other zones converged in the same run.
assert_eq "example2.test. converged" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example2.test. SRV)"
assert_eq "proxy A added" "127.0.0.10" "$(zone_query xmpp.proxy.test. A)"
# Marker joins the foreign TXT at its TTL (one TTL per RRset), which stays.
assert_eq "foreign TXT kept, marker added with its TTL 600" \
	"xmpp.proxy.test. 600 IN TXT $marker
xmpp.proxy.test. 600 IN TXT \"v=spf1 -all\"" "$(rrs xmpp.proxy.test. TXT proxy.test.)"
assert_eq "audit sync-end exit 2" 2 "$(audit_select exit event=sync-end)"

# Still a conflict next time, still untouched, and no flapping on proxy.test.
assert_exit 2 "conflict persists" xfedd --once -c "$conf"
assert_eq "foreign SRV still untouched" "$foreign_srv" \
	"$(rrs _xmpp-server._tcp.example.test. - example.test.)"
assert_contains "proxy.test. in sync" "$ERR" "proxy.test.: in sync"
assert_eq "spf TXT still there" 1 \
	"$(rrs xmpp.proxy.test. TXT proxy.test. | grep -c 'v=spf1 -all')"

# Once the foreign record is gone, the domain converges.
zone_nsupdate key-sha256 <<'EOF'
zone example.test.
update delete _xmpp-server._tcp.example.test. SRV
send
EOF
assert_exit 0 "converges once the foreign SRV is gone" xfedd --once -c "$conf"
assert_eq "SRV now ours" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example.test. SRV)"

# --- 2. a proxy host that is a CNAME ---------------------------------------
cname_before=$(rrs alias.proxy.test. - proxy.test.)
assert_eq "CNAME in place" "alias.proxy.test. 300 IN CNAME xmpp.proxy.test." "$cname_before"
write_config "$conf" - <<EOF
$edge
proxy "aliased" {
  host = "alias.proxy.test"
  ipv4 = {"127.0.0.30"}
}
domain "example.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"edge"}
}
domain "example3.test" {
  proxy = {"aliased"}
}
EOF
conflicts=$(audit_count event=conflict)
assert_exit 2 "CNAME proxy host is a conflict" xfedd --once -c "$conf"
assert_eq "CNAME untouched, nothing added beside it" "$cname_before" \
	"$(rrs alias.proxy.test. - proxy.test.)"
# Two conflicts: the CNAME at the host, and the SRV name that would name it.
assert_eq "conflicts audited" $((conflicts + 2)) "$(audit_count event=conflict)"
assert_contains "the conflict names the alias" \
	"$(grep '"event":"conflict"' "$XFED_TMP/audit.jsonl" | tail -n 1)" "alias.proxy.test."
assert_eq "edge's address untouched" "127.0.0.10" "$(zone_query xmpp.proxy.test. A)"
# SRV targets must not be aliases (RFC 2782 and FAULTS.md: "proxy host is a
# CNAME: refuse"), so no SRV may point at the alias.
assert_eq "no SRV published towards the CNAME" "" \
	"$(zone_query _xmpp-server._tcp.example3.test. SRV)"

# --- 3. records of another owner ------------------------------------------
# An agent with owner "other" (its own state-dir and audit log) publishes
# other.test; ours must treat them as foreign.
other_conf=$XFED_TMP/other.conf
XFED_CONF_OWNER=other write_config "$other_conf" - <<'EOF'
proxy "oedge" {
  host = "xmpp.other.test"
  ipv4 = {"127.0.0.40"}
}
domain "other.test" {
  proxy = {"oedge"}
}
EOF
sed -i -e "s|$XFED_TMP/state\"|$XFED_TMP/state-other\"|" \
	-e "s|$XFED_TMP/audit.jsonl|$XFED_TMP/audit-other.jsonl|" "$other_conf"
mkdir -m 0700 "$XFED_TMP/state-other"
assert_exit 0 "owner other converges" xfedd --once -c "$other_conf"
other_before=$(zone_axfr other.test. | LC_ALL=C sort)
assert_contains "other's marker" "$other_before" '"heritage=xfed,owner=other"'
assert_contains "other's A" "$other_before" "xmpp.other.test. 3600 IN A 127.0.0.40"

# Same declarations, but owner xfed, and a different address: a conflict.
write_config "$conf" - <<'EOF'
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10"}
  ttl  = 3600
}
proxy "oedge" {
  host = "xmpp.other.test"
  ipv4 = {"127.0.0.41"}
}
domain "example.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"edge"}
}
domain "other.test" {
  proxy = {"oedge"}
}
EOF
conflicts=$(audit_count event=conflict)
assert_exit 2 "another owner's records are a conflict" xfedd --once -c "$conf"
assert_eq "other owner's records untouched" "$other_before" \
	"$(zone_axfr other.test. | LC_ALL=C sort)"
assert_eq "conflicts audited" 1 "$(( $(audit_count event=conflict) > conflicts ))"
assert_eq "no update sent to other.test." 0 "$(audit_count event=update zone=other.test.)"
assert_match "stderr reports the conflict in other.test." "$ERR" "other\\.test\\.: .*conflict"
assert_contains "example.test. still in sync" "$ERR" "example.test.: in sync"
assert_not_contains "secret never on stderr" "$ERR" "$KEY_XFED_SECRET"
assert_not_contains "secret never in the audit log" \
	"$(cat "$XFED_TMP/audit.jsonl")" "$KEY_XFED_SECRET"

finish
