#!/usr/bin/env bash
# t_change — after a configuration change, the next xfedd --once makes the
# zones follow: a new proxy address replaces the old one, a new TTL replaces
# the RRset, a removed domain loses its SRV and marker (shared proxy
# addresses stay), a proxy no domain uses any more loses its addresses and
# marker, a zone with no domain left is cleaned (xfedd remembers it in its
# state-dir), and direct-tls adds the _xmpps-server records.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
marker='"heritage=xfed,owner=xfed"'

# config EDGE_V4 EDGE_TTL SUB_TTL — write the configuration: the fixed
# proxy sections (edge's first address and TTL as given), then the domain
# sections from stdin.
config() {
	{
		cat <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"$1"}
  ipv6 = {"::1"}
  ttl  = $2
}

proxy "edge2" {
  host = "xmpp2.proxy.test"
  ipv4 = {"127.0.0.20"}
  ttl  = 3600
}

EOF
		cat
	} | write_config "$conf" -
}

# The domains: example.test and sub.example.test (same zone) via edge;
# proxy.test itself via edge; example2.test via edge and edge2.
domains_all() {
	cat <<'EOF'
domain "example.test" {
  proxy = {"edge"}
}
domain "sub.example.test" {
  proxy = {"edge"}
}
domain "proxy.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"edge", "edge2"}
}
EOF
}

domains_all | config 127.0.0.10 3600
assert_exit 0 "initial convergence" xfedd --once -c "$conf"
assert_eq "example2.test. has one SRV per proxy" \
	"0 0 5269 xmpp.proxy.test.
0 0 5269 xmpp2.proxy.test." "$(zone_query _xmpp-server._tcp.example2.test. SRV)"
assert_eq "sub.example.test SRV" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.sub.example.test. SRV)"
assert_eq "edge2 address" "127.0.0.20" "$(zone_query xmpp2.proxy.test. A)"

# --- 1. a proxy address changes: the A RRset is replaced --------------------
domains_all | config 127.0.0.12 3600
assert_exit 0 "address change applied" xfedd --once -c "$conf"
assert_eq "A replaced: old gone, new present" \
	"xmpp.proxy.test. 3600 IN A 127.0.0.12" "$(rrs xmpp.proxy.test. A proxy.test.)"
assert_eq "AAAA untouched" "xmpp.proxy.test. 3600 IN AAAA ::1" \
	"$(rrs xmpp.proxy.test. AAAA proxy.test.)"
assert_eq "marker kept" "xmpp.proxy.test. 3600 IN TXT $marker" \
	"$(rrs xmpp.proxy.test. TXT proxy.test.)"
assert_contains "audit deletes the old address" \
	"$(audit_select delete event=update zone=proxy.test. | tail -n 1)" "127.0.0.10"
assert_contains "audit adds the new address" \
	"$(audit_select add event=update zone=proxy.test. | tail -n 1)" \
	"xmpp.proxy.test. 3600 IN A 127.0.0.12"
assert_exit 0 "in sync after the address change" xfedd --once -c "$conf"
assert_not_contains "nothing more to do" "$ERR" "updated"

# --- 2. TTL change: the RRsets come back with the new TTL -------------------
domains_all | config 127.0.0.12 900
assert_exit 0 "TTL change applied" xfedd --once -c "$conf"
# The owned RRsets take the new TTL, and so does a marker alone in its TXT
# RRset (one shared with foreign TXT records keeps theirs: t_conflict).
assert_eq "A and AAAA replaced at TTL 900" \
	"xmpp.proxy.test. 900 IN A 127.0.0.12
xmpp.proxy.test. 900 IN AAAA ::1" \
	"$(rrs xmpp.proxy.test. A proxy.test.; rrs xmpp.proxy.test. AAAA proxy.test.)"
assert_eq "marker follows the TTL" "xmpp.proxy.test. 900 IN TXT $marker" \
	"$(rrs xmpp.proxy.test. TXT proxy.test.)"
# A domain's TTL too.
domains_all | sed '/^domain "sub.example.test"/a\  ttl = 120' | config 127.0.0.12 900
assert_exit 0 "domain TTL change applied" xfedd --once -c "$conf"
assert_eq "SRV replaced at TTL 120" \
	"_xmpp-server._tcp.sub.example.test. 120 IN SRV 0 0 5269 xmpp.proxy.test." \
	"$(rrs _xmpp-server._tcp.sub.example.test. SRV example.test.)"
assert_eq "its marker follows the TTL" \
	"_xmpp-server._tcp.sub.example.test. 120 IN TXT $marker" \
	"$(rrs _xmpp-server._tcp.sub.example.test. TXT example.test.)"
assert_exit 0 "in sync after the TTL changes" xfedd --once -c "$conf"
assert_not_contains "TTL change does not flap" "$ERR" "updated"

# --- 3. one domain removed: its SRV and marker go, the rest stays -----------
ex_before=$(rrs _xmpp-server._tcp.example.test. - example.test.)
proxy_before=$(rrs xmpp.proxy.test. - proxy.test.)
domains_all | sed '/^domain "sub.example.test"/,/^}/d' | config 127.0.0.12 900
assert_exit 0 "domain removal applied" xfedd --once -c "$conf"
assert_eq "removed domain's SRV and marker gone" "" \
	"$(rrs _xmpp-server._tcp.sub.example.test. - example.test.)"
assert_eq "removed name no longer exists" NXDOMAIN \
	"$(zone_rcode _xmpp-server._tcp.sub.example.test. SRV)"
assert_eq "other domain in the zone untouched" "$ex_before" \
	"$(rrs _xmpp-server._tcp.example.test. - example.test.)"
assert_eq "shared proxy's records kept" "$proxy_before" "$(rrs xmpp.proxy.test. - proxy.test.)"

# --- 4. last domain using edge2 drops it: edge2's host records go -----------
domains_no_edge2() {
	domains_all | sed '/^domain "sub.example.test"/,/^}/d' |
		sed 's/{"edge", "edge2"}/{"edge"}/'
}
domains_no_edge2 | config 127.0.0.12 900
assert_exit 0 "edge2 no longer used" xfedd --once -c "$conf"
assert_eq "example2.test. SRV points at edge only" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example2.test. SRV)"
assert_eq "edge2 A and marker removed" "" "$(rrs xmpp2.proxy.test. - proxy.test.)"
assert_eq "edge's records kept" "$proxy_before" "$(rrs xmpp.proxy.test. - proxy.test.)"

# --- 5. every domain of example2.test. removed: the zone is cleaned ---------
# Nothing in the configuration points at example2.test. any more; only the
# state-dir remembers xfedd published there.
domains_no_edge2 | sed '/^domain "example2.test"/,/^}/d' | config 127.0.0.12 900
assert_exit 0 "last domain of a zone removed" xfedd --once -c "$conf"
assert_eq "example2.test. SRV and marker removed" "" \
	"$(rrs _xmpp-server._tcp.example2.test. - example2.test.)"
assert_contains "stderr reports the cleanup" "$ERR" "example2.test.: updated, 0 added, 2 removed"
assert_eq "example.test. untouched" "$ex_before" \
	"$(rrs _xmpp-server._tcp.example.test. - example.test.)"
assert_exit 0 "in sync after the cleanup" xfedd --once -c "$conf"
assert_not_contains "cleanup is not repeated" "$ERR" "updated"

# --- 6. direct-tls added: _xmpps-server appears ----------------------------
domains_no_edge2 | sed '/^domain "example2.test"/,/^}/d' |
	sed '/^domain "example.test"/a\  direct-tls = true' | config 127.0.0.12 900
assert_exit 0 "direct-tls applied" xfedd --once -c "$conf"
assert_eq "_xmpps-server SRV and marker" \
	"_xmpps-server._tcp.example.test. 3600 IN SRV 0 0 5270 xmpp.proxy.test.
_xmpps-server._tcp.example.test. 3600 IN TXT $marker" \
	"$(rrs _xmpps-server._tcp.example.test. - example.test.)"
assert_eq "_xmpp-server unchanged" "$ex_before" \
	"$(rrs _xmpp-server._tcp.example.test. - example.test.)"
# ... and removed again with direct-tls off.
domains_no_edge2 | sed '/^domain "example2.test"/,/^}/d' | config 127.0.0.12 900
assert_exit 0 "direct-tls removed" xfedd --once -c "$conf"
assert_eq "_xmpps-server gone" "" "$(rrs _xmpps-server._tcp.example.test. - example.test.)"

# Every change above was audited as NOERROR, and the secret never logged.
assert_eq "every update answered NOERROR" "NOERROR" \
	"$(audit_select rcode event=update | sort -u)"
assert_not_contains "secret not in the audit log" \
	"$(cat "$XFED_TMP/audit.jsonl")" "$KEY_XFED_SECRET"

finish
