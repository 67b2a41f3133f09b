#!/usr/bin/env bash
# t_big_foreign_txt — a co-tenant keeps TXT records of about 64 KB beside a
# name xfed owns (two records of 32 KB, each added by its own UPDATE: BIND
# accepts an RRset as long as one answer can carry it).  The prerequisites of xfed's UPDATEs
# must not copy it, or every change at that name is "message too large"
# for good: publishing, changing and removing the SRV record all work, and
# the foreign TXT is left exactly as it was.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
srv=_xmpp-server._tcp.example.test.

# conf_port PORT — example.test federating on PORT (none: no domain).
conf_port() {
	local dom=""
	if [ -n "$1" ]; then
		dom="domain \"example.test\" { proxy = {\"edge\"} port = $1 }"
	fi
	write_config "$conf" - <<EOF2
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.5"}
}
$dom
EOF2
}

# foreign_txt — the foreign TXT records at $srv, as a transfer shows them.
foreign_txt() {
	zone_axfr example.test | grep -F "$srv" | grep ' TXT ' |
		grep -v 'heritage=xfed' | md5sum
}

# Two records of 130 strings of 250 octets: 65,000 octets of text, near
# the most BIND takes at one name.
for c in a b; do
	txt=$(python3 -c 'import sys; print(" ".join("\"%s\"" % (sys.argv[1] * 250) for i in range(130)))' "$c")
	printf 'update add %s 3600 TXT %s\nsend\n' "$srv" "$txt" |
		zone_nsupdate xfed-key
done
before=$(foreign_txt)
assert_eq "the foreign TXT records are in the zone" 2 \
	"$(zone_axfr example.test | grep -F "$srv" | grep -c ' TXT ')"

conf_port 5269
assert_exit 0 "publish beside 64 KB of foreign TXT" xfedd --once -c "$conf"
assert_eq "SRV published" "0 0 5269 xmpp.proxy.test." "$(zone_query "$srv" SRV)"
assert_not_contains "no message refused as oversized" "$ERR" "not sent"

conf_port 5299
assert_exit 0 "change the SRV beside it" xfedd --once -c "$conf"
assert_eq "SRV changed" "0 0 5299 xmpp.proxy.test." "$(zone_query "$srv" SRV)"

conf_port ""
assert_exit 0 "remove the domain beside it" xfedd --once -c "$conf"
assert_empty "SRV removed" "$(zone_query "$srv" SRV)"
assert_eq "the foreign TXT is untouched" "$before" "$(foreign_txt)"
assert_eq "our marker is gone" 0 \
	"$(zone_axfr example.test | grep -F "$srv" | grep -c 'heritage=xfed' || true)"

finish
