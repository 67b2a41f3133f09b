#!/usr/bin/env bash
# t_repoint — make before break.  An SRV RRset is pointed at a new proxy
# host only once the host's addresses are in place; the old host keeps its
# addresses while an SRV record still names it; a typo in a proxy's host
# therefore never takes federation down.  Also: max-deletes counts the
# ownership markers, and a refused dry run lists what --force would send.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start
# A zone the key may read but not update.
named_add_zone locked.test. 'allow-update { none; };'

conf=$XFED_TMP/xfed.conf
marker='"heritage=xfed,owner=xfed"'

# config HOST [EXTRA] — edge at HOST, used by example.test and
# example2.test (SRV records in zones other than the host's), and by
# proxy.test (its SRV record beside the host); EXTRA is appended.
config() {
	write_config "$conf" - <<EOF
proxy "edge" {
  host = "$1"
  ipv4 = {"127.0.0.10"}
  ipv6 = {"::1"}
}
domain "example.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"edge"}
}
domain "proxy.test" {
  proxy = {"edge"}
}
${2:-}
EOF
}

srv_of() { zone_query "_xmpp-server._tcp.$1." SRV; }

# Line numbers of audit update records that add (or delete) a record
# matching a pattern, in log order.
audit_line() {
	python3 - "$XFED_TMP/audit.jsonl" "$1" "$2" <<'PY'
import json, re, sys
path, field, pat = sys.argv[1], sys.argv[2], sys.argv[3]
for n, line in enumerate(open(path), 1):
    r = json.loads(line)
    if r.get("event") == "update" and r.get("rcode") == "NOERROR" and \
       any(re.search(pat, x) for x in r.get(field, [])):
        print(n)
        break
PY
}

config xmpp.proxy.test
assert_exit 0 "initial convergence" xfedd --once -c "$conf"
assert_eq "example.test points at xmpp.proxy.test" "0 0 5269 xmpp.proxy.test." \
	"$(srv_of example.test)"
before=$(all_zones)
updates=$(audit_count event=update)

# --- 1. a typo in the host: nothing repointed, old addresses kept ----------
config xmpp.proxy.tset
assert_exit 2 "typo: the sync fails" xfedd --once -c "$conf"
assert_contains "typo: says why, once per SRV name" "$ERR" \
	"_xmpp-server._tcp.example.test.: not repointed to xmpp.proxy.tset.: no zone found for it; still pointing at xmpp.proxy.test."
assert_contains "typo: the host's zone is the failure" "$ERR" \
	"(zone of xmpp.proxy.tset.)"
assert_eq "typo: zones unchanged, old A/AAAA kept" "$before" "$(all_zones)"
assert_eq "typo: still resolvable" "127.0.0.10" "$(zone_query xmpp.proxy.test. A)"
assert_eq "typo: no update sent" "$updates" "$(audit_count event=update)"
assert_eq "typo: the holds are audited" 3 "$(audit_count event=held kept=False)"
assert_exit 2 "typo: dry run" xfedd --once --dry-run -c "$conf"
assert_contains "typo: dry run shows the hold" "$OUT" \
	"; held: _xmpp-server._tcp.example2.test.: not repointed to xmpp.proxy.tset."
assert_not_contains "typo: dry run removes nothing" "$OUT" "- xmpp.proxy.test."

# --- 2. new host in a zone where it cannot be written ----------------------
# Updates refused there: the host is never published, so nothing points at it.
config xmpp.locked.test
assert_exit 2 "refused zone: the sync fails" xfedd --once -c "$conf"
assert_contains "refused zone: says why" "$ERR" \
	"not repointed to xmpp.locked.test.: its zone locked.test. is not in sync"
assert_eq "refused zone: zones unchanged" "$before" "$(all_zones)"
# A foreign CNAME at the new host: a conflict, same outcome.
zone_nsupdate key-sha256 <<EOF
update add alias.proxy.test. 300 IN CNAME xmpp.proxy.test.
send
EOF
before=$(all_zones)
config alias.proxy.test
assert_exit 2 "CNAME at the new host: the sync fails" xfedd --once -c "$conf"
assert_contains "CNAME: says why" "$ERR" \
	"SRV target alias.proxy.test. is an alias (CNAME)"
assert_eq "CNAME: SRV unchanged" "0 0 5269 xmpp.proxy.test." "$(srv_of example.test)"
assert_eq "CNAME: zones unchanged" "$before" "$(all_zones)"

# --- 3. a correct move: new addresses, then SRV records, then old removed --
config xmpp-new.proxy.test
assert_exit 0 "move: converges in one sync" xfedd --once -c "$conf"
assert_eq "move: SRV repointed" "0 0 5269 xmpp-new.proxy.test." "$(srv_of example.test)"
assert_eq "move: same-zone SRV repointed" "0 0 5269 xmpp-new.proxy.test." \
	"$(srv_of proxy.test)"
assert_eq "move: new address" "127.0.0.10" "$(zone_query xmpp-new.proxy.test. A)"
assert_eq "move: old host gone" "" "$(rrs xmpp.proxy.test. - proxy.test.)"
add_new=$(audit_line add '^xmpp-new\.proxy\.test\. .* IN A ')
srv_new=$(audit_line add '^_xmpp-server\._tcp\.example\.test\. .* SRV .* xmpp-new\.proxy\.test\.$')
del_old=$(audit_line delete '^xmpp\.proxy\.test\. .* IN A ')
assert_nonempty "move: audited the new address" "$add_new"
assert_nonempty "move: audited the repointed SRV" "$srv_new"
assert_nonempty "move: audited the old address' removal" "$del_old"
if [ -n "$add_new" ] && [ -n "$srv_new" ] && [ -n "$del_old" ] &&
	[ "$add_new" -lt "$srv_new" ] && [ "$srv_new" -lt "$del_old" ]; then
	pass "move: addresses first, SRV next, old addresses last"
else
	fail "move: order" "add=$add_new srv=$srv_new delete=$del_old"
fi
assert_exit 0 "move: in sync afterwards" xfedd --once -c "$conf"
assert_not_contains "move: nothing more to do" "$ERR" "updated"

# --- 4. a new domain whose target is not ready: no SRV until it is --------
config xmpp-new.proxy.test 'proxy "typo" {
  host = "xmpp.typo.tset"
  ipv4 = {"127.0.0.30"}
}
domain "new.example.test" {
  proxy = {"typo"}
}'
assert_exit 2 "new domain, no target: fails" xfedd --once -c "$conf"
assert_contains "new domain: says why" "$ERR" \
	"_xmpp-server._tcp.new.example.test.: not published yet: target xmpp.typo.tset.: no zone found for it"
assert_eq "new domain: nothing published" "" \
	"$(rrs _xmpp-server._tcp.new.example.test. - example.test.)"

# --- 5. a domain with one ready and one unready proxy: the ready one only --
config xmpp-new.proxy.test 'proxy "typo" {
  host = "xmpp.typo.tset"
  ipv4 = {"127.0.0.30"}
}
domain "new.example.test" {
  proxy = {"edge", "typo"}
}'
assert_exit 2 "partial: fails (one target held)" xfedd --once -c "$conf"
assert_contains "partial: says which target waits" "$ERR" \
	"target xmpp.typo.tset. left out for now: no zone found for it"
assert_eq "partial: the ready target is published" "0 0 5269 xmpp-new.proxy.test." \
	"$(srv_of new.example.test)"

# --- 6. max-deletes counts markers; a refused dry run shows the plan ------
XFED_CONF_MAX_DELETES=1 config xmpp-new.proxy.test
# Removing new.example.test deletes its SRV and its marker: 2 records.
assert_exit 0 "dry run of a refused zone exits 0" xfedd --once --dry-run -c "$conf"
assert_contains "dry run: the refusal line" "$OUT" \
	"; refused: would delete 2 records, more than max-deletes (1)"
assert_contains "dry run: the SRV --force would delete" "$OUT" \
	"- _xmpp-server._tcp.new.example.test. 3600 IN SRV 0 0 5269 xmpp-new.proxy.test."
assert_contains "dry run: the marker --force would delete" "$OUT" \
	"- _xmpp-server._tcp.new.example.test. 3600 IN TXT $marker"
assert_exit 3 "limit: refused" xfedd --once -c "$conf"
assert_contains "limit: markers counted" "$ERR" "would delete 2 records"
XFED_CONF_MAX_DELETES=2 config xmpp-new.proxy.test
assert_exit 0 "limit 2: applied" xfedd --once -c "$conf"
assert_eq "limit 2: the domain is gone" "" \
	"$(rrs _xmpp-server._tcp.new.example.test. - example.test.)"


# --- 7. a zone not read this time (serial unchanged) still counts --------
# Its foreign SRV record names the old host: the host keeps its addresses.
two() {
	write_config "$conf" - <<EOF
proxy "edge" {
  host = "$1"
  ipv4 = {"127.0.0.10"}
}
proxy "edge2" {
  host = "$2"
  ipv4 = {"127.0.0.40"}
}
domain "example.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"edge2"}
}
EOF
}
zone_nsupdate key-sha256 <<EOF
update add _sipfederationtls._tcp.example2.test. 300 IN SRV 0 0 5061 xmpp-new.proxy.test.
send
EOF
two xmpp-new.proxy.test xmpp2.example2.test
assert_exit 0 "skipped zone: converged (serials recorded)" xfedd --once -c "$conf"
two xmpp-moved.proxy.test xmpp2.example2.test
assert_exit 0 "skipped zone: the host moves" xfedd --once -c "$conf"
assert_eq "skipped zone: the old host keeps its address" "127.0.0.10" \
	"$(zone_query xmpp-new.proxy.test. A)"
assert_contains "skipped zone: because the foreign SRV record names it" "$ERR" \
	"addresses kept: still the target of _sipfederationtls._tcp.example2.test."

# --- 8. two zones lose a host in the same sync ----------------------------
zone_nsupdate key-sha256 <<EOF
update delete _sipfederationtls._tcp.example2.test. SRV
send
EOF
two xmpp-moved.proxy.test xmpp3.example2.test
assert_exit 0 "two hosts go at once" xfedd --once -c "$conf"
assert_eq "  the old host in proxy.test. is gone" "" \
	"$(rrs xmpp-new.proxy.test. - proxy.test.)"
assert_eq "  the old host in example2.test. is gone" "" \
	"$(rrs xmpp2.example2.test. - example2.test.)"
assert_eq "  the new hosts answer" "127.0.0.10 127.0.0.40" \
	"$(zone_query xmpp-moved.proxy.test. A) $(zone_query xmpp3.example2.test. A)"

finish
