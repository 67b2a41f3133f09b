#!/usr/bin/env bash
# t_discovery — with no server section, xfedd finds each name's zone by SOA
# queries to the configured resolvers and the zone's primary by its MNAME
# (ns1.<zone>, 127.0.0.1 in the harness, at primary-port), then converges.
# A name in a zone nobody serves fails clearly ("cannot find the zone")
# while the other zones converge; a configured zone the server does not
# serve fails (refused transfer).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
mkdir -m 0700 "$XFED_TMP/state"

# discovery_config — a configuration without any server section: the
# resolver, the primaries' port and the one key; proxies and domains from
# stdin.
discovery_config() {
	(
		umask 077
		cat >"$conf" <<EOF
interval     = 0
owner        = "xfed"
socket       = "$XFED_TMP/xfedd.sock"
audit-log    = "$XFED_TMP/audit.jsonl"
state-dir    = "$XFED_TMP/state"
resolver     = {"127.0.0.1@$NAMED_PORT"}
primary-port = $NAMED_PORT

tsig-key "key-sha256" {
  algorithm = "hmac-sha256"
  secret    = "$KEY_SHA256_SECRET"
}

EOF
		cat >>"$conf"
	)
}

edge='proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10"}
  ipv6 = {"::1"}
}'

# --- 1. zones and primaries discovered ---------------------------------
discovery_config <<EOF
$edge
domain "example.test" {
  proxy = {"edge"}
}
domain "chat.example2.test" {
  proxy = {"edge"}
}
EOF
assert_eq "no server section" 0 "$(grep -c '^server' "$conf")"
assert_exit 0 "discovery config is valid" xfedd -n -c "$conf"
assert_exit 0 "dry-run discovers the zones" xfedd --once --dry-run -c "$conf"
assert_contains "plan: example.test. at the discovered primary" "$OUT" \
	"; zone example.test. at 127.0.0.1#$NAMED_PORT"
assert_contains "plan: sub-domain found in example2.test." "$OUT" \
	"; zone example2.test. at 127.0.0.1#$NAMED_PORT"
assert_contains "plan: proxy host in proxy.test." "$OUT" \
	"; zone proxy.test. at 127.0.0.1#$NAMED_PORT"
assert_exit 0 "converges with discovered zones and primaries" xfedd --once -c "$conf"
assert_eq "SRV in example.test." "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example.test. SRV)"
assert_eq "SRV for chat.example2.test" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.chat.example2.test. SRV)"
assert_eq "proxy A" "127.0.0.10" "$(zone_query xmpp.proxy.test. A)"
assert_eq "proxy AAAA" "::1" "$(zone_query xmpp.proxy.test. AAAA)"
assert_eq "updates went to the discovered primary" "127.0.0.1#$NAMED_PORT" \
	"$(audit_select server event=update | sort -u)"
assert_eq "updates signed with the only key" key-sha256 \
	"$(audit_select key event=update | sort -u)"
assert_eq "three zones updated" "example.test.
example2.test.
proxy.test." "$(audit_select zone event=update | LC_ALL=C sort)"
assert_exit 0 "in sync on the next pass" xfedd --once -c "$conf"
assert_not_contains "nothing more to do" "$ERR" "updated"

# --- 2. a name in a zone the server does not serve --------------------------
discovery_config <<EOF
$edge
domain "example.test" {
  proxy = {"edge"}
}
domain "chat.example2.test" {
  proxy = {"edge"}
}
domain "example3.test" {
  proxy = {"edge"}
}
domain "new.example2.test" {
  proxy = {"edge"}
}
EOF
assert_exit 2 "an unserved zone fails the run" xfedd --once -c "$conf"
assert_contains "clear message for the unserved name" "$ERR" \
	"cannot find the zone of _xmpp-server._tcp.example3.test."
assert_contains "the other zones converge in the same run" "$ERR" \
	"example2.test.: updated, 2 added"
assert_eq "new.example2.test published" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.new.example2.test. SRV)"
assert_match "audit has the error" \
	"$(audit_select error event=error)" "cannot find the zone of _xmpp-server._tcp.example3.test."
assert_eq "sync-end says exit 2" 2 "$(audit_select exit event=sync-end | tail -n 1)"
# Failing to find a zone must never be taken as "nothing declared there":
# the records already published stay.
assert_eq "example.test. SRV kept" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example.test. SRV)"
assert_eq "proxy A kept" "127.0.0.10" "$(zone_query xmpp.proxy.test. A)"

# --- 3. a configured zone the server does not serve -------------------------
# 3a. with discovery: the zone's primary cannot be found.
discovery_config <<EOF
$edge
domain "example.test" {
  proxy = {"edge"}
}
domain "chat.example2.test" {
  proxy = {"edge"}
}
domain "new.example2.test" {
  proxy = {"edge"}
}
domain "chat.unserved.test" {
  proxy = {"edge"}
  zone  = "unserved.test"
}
EOF
before=$(all_zones)
assert_exit 2 "configured unserved zone fails (discovery)" xfedd --once -c "$conf"
assert_contains "the unserved zone is reported" "$ERR" "unserved.test."
assert_contains "the unserved zone failed" "$ERR" "FAILED"
assert_eq "served zones untouched and in sync" "$before" "$(all_zones)"
for z in example.test. example2.test. proxy.test.; do
	assert_contains "$z in sync" "$ERR" "$z: in sync"
done

# 3b. with a configured server: the server refuses the transfer (NOTAUTH).
mv "$conf" "$XFED_TMP/discovery.conf"
write_config "$conf" key-sha256 - <<EOF
$edge
domain "example.test" {
  proxy = {"edge"}
}
domain "chat.example2.test" {
  proxy = {"edge"}
}
domain "new.example2.test" {
  proxy = {"edge"}
}
domain "chat.unserved.test" {
  proxy = {"edge"}
  zone  = "unserved.test"
}
EOF
updates=$(audit_count event=update)
assert_exit 2 "configured unserved zone fails (configured server)" xfedd --once -c "$conf"
assert_match "unserved.test. failed with a refusal" "$ERR" \
	'unserved\.test\.: FAILED.*(NOTAUTH|REFUSED|refused|not authoritative)'
assert_eq "no update sent" "$updates" "$(audit_count event=update)"
assert_eq "served zones untouched" "$before" "$(all_zones)"
assert_contains "example.test. still in sync" "$ERR" "example.test.: in sync"
assert_not_contains "secret not on stderr" "$ERR" "$KEY_SHA256_SECRET"
assert_not_contains "secret not in the audit log" \
	"$(cat "$XFED_TMP/audit.jsonl")" "$KEY_SHA256_SECRET"

# 4. A resolver that never answers: the first name waits out the timeouts,
# the other names fail at once instead of each waiting again.
silent_port=$(named_free_port)
python3 "$XFED_ROOT/tests/tools/silent_server.py" "$silent_port" &
silent_pid=$!
at_exit "kill $silent_pid 2>/dev/null || true"
# Listening, or xfedd would meet a closed port ("connection refused").
for _ in $(seq 50); do
	[ -n "$(ss -Hlnu "sport = :$silent_port" 2>/dev/null)" ] && break
	sleep 0.1
done
printf '%s\n' "$edge" 'domain "example.test" { proxy = {"edge"} }' \
	'domain "example2.test" { proxy = {"edge"} }' \
	'domain "chat.example2.test" { proxy = {"edge"} }' | discovery_config
sed -i "s/^resolver .*/resolver     = {\"127.0.0.1@$silent_port\"}/" "$conf"
start=$(date +%s)
assert_exit 2 "silent resolver: every zone fails" xfedd --once -c "$conf"
took=$(( $(date +%s) - start ))
# One discovery: 2 attempts of 3 s.  Four names each waiting would be 24 s.
if [ "$took" -le 12 ]; then pass "silent resolver: gave up in ${took} s, not per name"
else fail "silent resolver: took ${took} s"; fi
assert_contains "silent resolver: later names not asked again" \
	"$(audit_select error event=error | tail -n 4)" "not asked again in this sync"
# Resolver timeout 3 s, one retry: how long it waited, said once for all.
assert_eq "silent resolver: the wait is said once, in seconds" 1 \
	"$(grep -c "127.0.0.1#$silent_port: no answer within 6 s (2 attempts)" <<<"$ERR")"
assert_match "silent resolver: one line for every name" "$ERR" \
	"^FAILED names .*xmpp.proxy.test.* \(zone unknown\): 127.0.0.1#$silent_port: no answer within 6 s"

# 4b. A resolver port nobody listens on: "connection refused", at once.
closed_port=$(named_free_port)
sed -i "s/^resolver .*/resolver     = {\"127.0.0.1@$closed_port\"}/" "$conf"
start=$(date +%s)
assert_exit 2 "refusing resolver: every zone fails" xfedd --once -c "$conf"
took=$(( $(date +%s) - start ))
if [ "$took" -le 1 ]; then pass "refusing resolver: failed at once (${took} s)"
else fail "refusing resolver: took ${took} s"; fi
assert_eq "refusing resolver: said once" 1 \
	"$(grep -c "127.0.0.1#$closed_port: connection refused" <<<"$ERR")"
# Names whose zone is unknown are never taken for removed: still there.
assert_eq "silent resolver: example.test. SRV kept" "0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example.test. SRV)"
assert_eq "silent resolver: chat.example2.test. SRV kept" \
	"0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.chat.example2.test. SRV)"
assert_eq "silent resolver: proxy addresses kept" "127.0.0.10" \
	"$(zone_query xmpp.proxy.test. A)"
assert_not_contains "silent resolver: no declared record removed" \
	"$(tail -n 20 "$XFED_TMP/audit.jsonl" | grep '"event":"update"' || true)" \
	"_xmpp-server._tcp.example.test."

# 5. A primary with two addresses, the first of which does not answer:
# the next one is used.  ns1 gets an AAAA ::1 (named listens on 127.0.0.1
# only); discovery tries AAAA before A.
zone_nsupdate key-sha256 <<EOF
zone example.test.
update add ns1.example.test. 300 IN AAAA ::1
send
EOF
zone_nsupdate key-sha256 <<EOF
zone example.test.
update delete _xmpp-server._tcp.example.test. SRV
send
EOF
printf '%s\n' "$edge" 'domain "example.test" { proxy = {"edge"} }' |
	discovery_config
assert_exit 0 "two primary addresses, the first silent: converges" \
	xfedd --once -c "$conf"
assert_contains "it says it tried the next address" "$ERR" \
	"trying the next address, 127.0.0.1#$NAMED_PORT"
assert_eq "the record was restored through the second address" \
	"0 0 5269 xmpp.proxy.test." \
	"$(zone_query _xmpp-server._tcp.example.test. SRV)"
zone_nsupdate key-sha256 <<EOF
zone example.test.
update delete ns1.example.test. AAAA
send
EOF

finish
