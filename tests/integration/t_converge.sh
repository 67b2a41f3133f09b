#!/usr/bin/env bash
# t_converge — xfedd --once brings empty zones to the declared state: the
# SRV records, the proxy's A/AAAA and the ownership markers, with the right
# values and TTLs, one audited UPDATE per zone that never shows the secret.
# A second pass sends nothing; --dry-run prints the plan and changes nothing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
write_config "$conf" - <<'EOF'
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10", "127.0.0.11"}
  ipv6 = {"::1"}
  ttl  = 1800
}

domain "example.test" {
  proxy = {"edge"}
}

domain "example2.test" {
  proxy    = {"edge"}
  ttl      = 600
  priority = 5
  weight   = 7
}
EOF

marker='"heritage=xfed,owner=xfed"'

# --- --dry-run on empty zones: the plan on stdout, nothing sent ----------
before=$(all_zones)
assert_exit 0 "dry-run on empty zones" xfedd --once --dry-run -c "$conf"
plan=$OUT
assert_contains "plan names the zone and server" "$plan" \
	"; zone example.test. at 127.0.0.1#$NAMED_PORT"
for rr in \
	"+ _xmpp-server._tcp.example.test. 3600 IN SRV 0 0 5269 xmpp.proxy.test." \
	"+ _xmpp-server._tcp.example.test. 3600 IN TXT $marker" \
	"+ _xmpp-server._tcp.example2.test. 600 IN SRV 5 7 5269 xmpp.proxy.test." \
	"+ _xmpp-server._tcp.example2.test. 600 IN TXT $marker" \
	"+ xmpp.proxy.test. 1800 IN A 127.0.0.10" \
	"+ xmpp.proxy.test. 1800 IN A 127.0.0.11" \
	"+ xmpp.proxy.test. 1800 IN AAAA ::1" \
	"+ xmpp.proxy.test. 1800 IN TXT $marker"; do
	assert_eq "plan line: $rr" 1 "$(printf '%s\n' "$plan" | grep -cxF -- "$rr" || true)"
done
assert_eq "plan has exactly 8 additions" 8 "$(printf '%s\n' "$plan" | grep -c '^+ ' || true)"
assert_eq "plan has no deletions" 0 "$(printf '%s\n' "$plan" | grep -c '^- ' || true)"
assert_eq "dry-run changed no zone" "$before" "$(all_zones)"
assert_eq "dry-run audited no update" 0 "$(audit_count event=update)"

# --- converge from empty ---------------------------------------------------
assert_exit 0 "first --once converges" xfedd --once -c "$conf"
err1=$ERR
assert_contains "stderr reports example.test. updated" "$err1" \
	"example.test.: updated, 2 added, 0 removed in 1 message"
assert_contains "stderr reports proxy.test. updated" "$err1" \
	"proxy.test.: updated, 4 added, 0 removed in 1 message"

assert_eq "SRV example.test." \
	"_xmpp-server._tcp.example.test. 3600 IN SRV 0 0 5269 xmpp.proxy.test." \
	"$(rrs _xmpp-server._tcp.example.test. SRV example.test.)"
assert_eq "marker example.test." \
	"_xmpp-server._tcp.example.test. 3600 IN TXT $marker" \
	"$(rrs _xmpp-server._tcp.example.test. TXT example.test.)"
assert_eq "SRV example2.test. (priority, weight, TTL)" \
	"_xmpp-server._tcp.example2.test. 600 IN SRV 5 7 5269 xmpp.proxy.test." \
	"$(rrs _xmpp-server._tcp.example2.test. SRV example2.test.)"
assert_eq "marker example2.test." \
	"_xmpp-server._tcp.example2.test. 600 IN TXT $marker" \
	"$(rrs _xmpp-server._tcp.example2.test. TXT example2.test.)"
assert_eq "no _xmpps-server without direct-tls" "" \
	"$(zone_query _xmpps-server._tcp.example.test. SRV)"
assert_eq "proxy A records" \
	"xmpp.proxy.test. 1800 IN A 127.0.0.10
xmpp.proxy.test. 1800 IN A 127.0.0.11" \
	"$(rrs xmpp.proxy.test. A proxy.test.)"
assert_eq "proxy AAAA record" "xmpp.proxy.test. 1800 IN AAAA ::1" \
	"$(rrs xmpp.proxy.test. AAAA proxy.test.)"
assert_eq "proxy marker" "xmpp.proxy.test. 1800 IN TXT $marker" \
	"$(rrs xmpp.proxy.test. TXT proxy.test.)"
assert_eq "dig sees the A records" "127.0.0.10
127.0.0.11" "$(zone_query xmpp.proxy.test. A)"

# Audit: one update per zone, NOERROR, the key's name, never its secret.
audit=$XFED_TMP/audit.jsonl
assert_eq "mode of the audit log excludes others" "0" \
	"$(( $(stat -c %#a "$audit") & 07 ))"
for z in example.test. example2.test. proxy.test.; do
	assert_eq "one update record for $z" 1 "$(audit_count event=update zone="$z")"
	assert_eq "update for $z answered NOERROR" NOERROR \
		"$(audit_select rcode event=update zone="$z")"
	assert_eq "update for $z names the key" xfed-key \
		"$(audit_select key event=update zone="$z")"
	assert_eq "update for $z names the server" "127.0.0.1#$NAMED_PORT" \
		"$(audit_select server event=update zone="$z")"
	assert_eq "update for $z has trigger once" once \
		"$(audit_select trigger event=update zone="$z")"
done
assert_eq "audit lists what proxy.test. got" \
	"xmpp.proxy.test. 1800 IN A 127.0.0.10|xmpp.proxy.test. 1800 IN A 127.0.0.11|xmpp.proxy.test. 1800 IN AAAA ::1|xmpp.proxy.test. 1800 IN TXT $marker" \
	"$(audit_select add event=update zone=proxy.test. | tr '|' '\n' | LC_ALL=C sort | paste -sd'|')"
assert_eq "audit update deletes nothing" "" \
	"$(audit_select delete event=update zone=proxy.test.)"
assert_eq "one sync-start" 1 "$(audit_count event=sync-start)"
assert_eq "one sync-end" 1 "$(audit_count event=sync-end)"
assert_not_contains "secret not in the audit log" "$(cat "$audit")" "$KEY_XFED_SECRET"
assert_not_contains "secret not on stderr" "$err1" "$KEY_XFED_SECRET"

# --- second pass: in sync, nothing sent ------------------------------------
serial=$(zone_query proxy.test. SOA | awk '{print $3}')
assert_exit 0 "second --once" xfedd --once -c "$conf"
assert_contains "stderr says in sync" "$ERR" "example.test.: in sync"
assert_not_contains "stderr reports no update" "$ERR" "updated"
assert_eq "no new update record" 3 "$(audit_count event=update)"
assert_eq "SOA serial unchanged" "$serial" "$(zone_query proxy.test. SOA | awk '{print $3}')"
assert_eq "two sync-end records" 2 "$(audit_count event=sync-end)"

# --- --dry-run on converged zones: no + or - lines ------------------------
before=$(all_zones)
assert_exit 0 "dry-run on converged zones" xfedd --once --dry-run -c "$conf"
assert_eq "converged plan has no +/- lines" 0 \
	"$(printf '%s\n' "$OUT" | grep -c '^[-+] ' || true)"
assert_eq "converged dry-run changed nothing" "$before" "$(all_zones)"
assert_eq "still three update records" 3 "$(audit_count event=update)"
assert_not_contains "secret not on dry-run output" "$OUT$ERR" "$KEY_XFED_SECRET"

finish
