#!/usr/bin/env bash
# t_limits — max-deletes: a sync that would delete more records than the
# limit in one zone is refused (exit 3, nothing sent for that zone, a
# "refused" audit event); with a higher limit the same removal goes through.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
edge='proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10", "127.0.0.11"}
}'
three_domains="$edge
domain \"example.test\" {
  proxy = {\"edge\"}
}
domain \"a.example.test\" {
  proxy = {\"edge\"}
}
domain \"b.example.test\" {
  proxy = {\"edge\"}
}"

# --- converge three domains in one zone --------------------------------
printf '%s\n' "$three_domains" | write_config "$conf" -
assert_exit 0 "three domains converge" xfedd --once -c "$conf"
for d in example.test a.example.test b.example.test; do
	assert_eq "SRV for $d" "0 0 5269 xmpp.proxy.test." \
		"$(zone_query "_xmpp-server._tcp.$d." SRV)"
done

# --- max-deletes 1: removing all three is refused -------------------------
# Removing them deletes 3 SRV + 3 markers in example.test.: more than 1.
# The proxy's addresses in proxy.test. stay while the refused SRV records
# still name them (make before break): nothing to refuse there.
before=$(all_zones)
updates=$(audit_count event=update)
XFED_CONF_MAX_DELETES=1 write_config "$conf" - <<<"$edge"
assert_contains "limit written" "$(cat "$conf")" "max-deletes = 1"
# A dry-run reports the refusal too (its exit status is 0 or 3: the
# contract leaves open whether a refused plan counts as "planned").
rc=0
err=$(xfedd --once --dry-run -c "$conf" 2>&1 >/dev/null) || rc=$?
assert_match "dry-run exits 0 or 3" "$rc" '^(0|3)$'
assert_contains "dry-run reports the refusal" "$err" "example.test.: refused"
assert_eq "dry-run sent nothing" "$before" "$(all_zones)"
assert_exit 3 "removal beyond max-deletes refused" xfedd --once -c "$conf"
assert_match "stderr explains the refusal" "$ERR" \
	'example\.test\.: refused: would delete [0-9]+ records, more than max-deletes \(1\)'
assert_contains "proxy.test. keeps the addresses the SRV records use" "$ERR" \
	"xmpp.proxy.test.: addresses kept"
assert_eq "nothing removed" "$before" "$(all_zones)"
assert_eq "no update sent" "$updates" "$(audit_count event=update)"
assert_eq "refused event for example.test." 1 "$(audit_count event=refused zone=example.test.)"
assert_eq "no refusal for proxy.test." 0 "$(audit_count event=refused zone=proxy.test.)"
assert_eq "the kept addresses are audited" 1 \
	"$(audit_count event=held zone=proxy.test. kept=True)"
assert_eq "sync-end exit 3" 3 "$(audit_select exit event=sync-end | tail -n 1)"
# Refusing again next time, not a one-off.
assert_exit 3 "refused again" xfedd --once -c "$conf"
assert_eq "still nothing removed" "$before" "$(all_zones)"

# --- a refused zone does not hold back the others -------------------------
# Dropping two domains (4 deletions) is refused in example.test. while a new
# domain in example2.test. still gets published; the worst status wins: 3.
XFED_CONF_MAX_DELETES=1 write_config "$conf" - <<EOF
$edge
domain "example.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"edge"}
}
EOF
assert_exit 3 "partial removal refused" xfedd --once -c "$conf"
assert_eq "example.test. untouched" \
	"$(printf '%s\n' "$before" | grep ' example\.test\.\| \.example\.test\.' || true)" \
	"$(zone_axfr example.test. | LC_ALL=C sort | grep ' example\.test\.\| \.example\.test\.' || true)"
assert_eq "a.example.test kept" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.a.example.test. SRV)"
assert_eq "example2.test. published in the same run" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example2.test. SRV)"

# Exactly at the limit is allowed: removing one domain deletes 2 records.
XFED_CONF_MAX_DELETES=2 write_config "$conf" - <<EOF
$three_domains
domain "example2.test" {
  proxy = {"edge"}
}
EOF
assert_exit 0 "back to three domains" xfedd --once -c "$conf"
XFED_CONF_MAX_DELETES=2 write_config "$conf" - <<EOF
$edge
domain "example.test" {
  proxy = {"edge"}
}
domain "a.example.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"edge"}
}
EOF
assert_exit 0 "2 deletions with max-deletes 2 allowed" xfedd --once -c "$conf"
assert_eq "b.example.test removed" "" "$(zone_query _xmpp-server._tcp.b.example.test. SRV)"
assert_eq "b.example.test marker removed" "" "$(zone_query _xmpp-server._tcp.b.example.test. TXT)"

# --- max-deletes 10: the same removal goes through --------------------------
printf '%s\n' "$three_domains" | write_config "$conf" -
assert_exit 0 "three domains again" xfedd --once -c "$conf"
before=$(all_zones)
XFED_CONF_MAX_DELETES=10 write_config "$conf" - <<<"$edge"
refused=$(audit_count event=refused)
assert_exit 0 "removal within max-deletes 10" xfedd --once -c "$conf"
for d in example.test a.example.test b.example.test example2.test; do
	assert_eq "SRV and marker for $d removed" "" \
		"$(zone_query "_xmpp-server._tcp.$d." SRV; zone_query "_xmpp-server._tcp.$d." TXT)"
done
assert_eq "proxy host records removed (no domain uses it)" "" \
	"$(zone_axfr proxy.test. | awk '$1 == "xmpp.proxy.test."')"
assert_eq "no new refused event" "$refused" "$(audit_count event=refused)"
assert_eq "removal audited as NOERROR" NOERROR \
	"$(audit_select rcode event=update zone=example.test. | tail -n 1)"
assert_eq "the audited deletes cover the 6 records" 6 \
	"$(audit_select delete event=update zone=example.test. | tail -n 1 | tr '|' '\n' | grep -c '_xmpp-server\._tcp\.')"
assert_exit 0 "in sync afterwards" xfedd --once -c "$conf"

finish
