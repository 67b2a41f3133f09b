#!/usr/bin/env bash
# t_race — someone changes the zone between xfedd's read and its UPDATE.
# The update's prerequisites (the RRsets as read) must then fail
# (NXRRSET/YXRRSET/YXDOMAIN), and xfedd must re-read, re-plan and converge: the zone
# ends with exactly the declared records (foreign ones kept), the audit log
# shows the failed update followed by a successful one.
#
# build/tests/race_sync CONFIG COMMAND does one sync like --once, running
# COMMAND (with $XFED_RACE_ZONE) after the first read of each zone.
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

# racer FILE ZONE <<NSUPDATE — write an executable script that, when
# race_sync calls it for ZONE, applies the nsupdate commands (signed with
# another key than xfedd's), and leaves a trace in FILE.done.
racer() {
	local file=$1 zone=$2
	{
		cat <<EOF
#!/bin/sh
[ "\$XFED_RACE_ZONE" = "$zone" ] || exit 0
echo "\$XFED_RACE_ZONE" >>"$file.done"
nsupdate -t 5 -k "$KEY_SHA1_FILE" <<'NSU'
server 127.0.0.1 $NAMED_PORT
zone $zone
EOF
		cat
		printf 'send\nNSU\n'
	} >"$file"
	chmod 0700 "$file"
}

conf=$XFED_TMP/xfed.conf
marker='"heritage=xfed,owner=xfed"'

# config ADDR — edge at ADDR for example.test, plus the domains on stdin.
config() {
	{
		cat <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"$1"}
  ttl  = 3600
}
domain "example.test" {
  proxy = {"edge"}
}
EOF
		cat
	} | write_config "$conf" -
}

config 127.0.0.10 </dev/null
assert_exit 0 "initial convergence" xfedd --once -c "$conf"
assert_eq "A as declared" "127.0.0.10" "$(zone_query xmpp.proxy.test. A)"

# --- 1. the A RRset changes between read and update ------------------------
# xfedd read {127.0.0.10} and wants {127.0.0.12}; meanwhile 127.0.0.99 is
# added.  Its "A RRset is exactly as read" prerequisite fails.
racer "$XFED_TMP/race-a.sh" proxy.test. <<'EOF'
update add xmpp.proxy.test. 3600 IN A 127.0.0.99
EOF
config 127.0.0.12 </dev/null
assert_exit 0 "race_sync converges despite the changed A" \
	race_sync "$conf" "$XFED_TMP/race-a.sh"
assert_eq "the racer ran once, for proxy.test." "proxy.test." \
	"$(cat "$XFED_TMP/race-a.sh.done")"
assert_eq "A holds exactly the declared address" \
	"xmpp.proxy.test. 3600 IN A 127.0.0.12" "$(rrs xmpp.proxy.test. A proxy.test.)"
assert_eq "marker unchanged" "xmpp.proxy.test. 3600 IN TXT $marker" \
	"$(rrs xmpp.proxy.test. TXT proxy.test.)"
rcodes=$(audit_select rcode event=update zone=proxy.test. | tail -n 2 | paste -sd' ')
assert_match "audit: a failed prerequisite, then success" "$rcodes" \
	'^(NXRRSET|YXRRSET|YXDOMAIN) NOERROR$'
assert_contains "the retry deletes the racer's address" \
	"$(audit_select delete event=update zone=proxy.test. rcode=NOERROR | tail -n 1)" \
	"xmpp.proxy.test."
assert_exit 0 "in sync afterwards" xfedd --once -c "$conf"
assert_not_contains "nothing left to do" "$ERR" "updated"

# --- 2. a foreign TXT appears at a name xfedd is about to own --------------
# example2.test. is new: xfedd read no TXT at its SRV name, so its update
# requires "no TXT there"; the racer adds one (YXRRSET).  After the re-read
# the foreign TXT is kept and the marker joins it at its TTL.
racer "$XFED_TMP/race-txt.sh" example2.test. <<'EOF'
update add _xmpp-server._tcp.example2.test. 900 IN TXT "note=hands off"
EOF
config 127.0.0.12 <<'EOF'
domain "example2.test" {
  proxy = {"edge"}
}
EOF
assert_exit 0 "race_sync converges despite the foreign TXT" \
	race_sync "$conf" "$XFED_TMP/race-txt.sh"
assert_eq "the racer ran once, for example2.test." "example2.test." \
	"$(cat "$XFED_TMP/race-txt.sh.done")"
assert_eq "SRV, marker and the foreign TXT" \
	"_xmpp-server._tcp.example2.test. 3600 IN SRV 0 0 5269 xmpp.proxy.test.
_xmpp-server._tcp.example2.test. 900 IN TXT $marker
_xmpp-server._tcp.example2.test. 900 IN TXT \"note=hands off\"" \
	"$(rrs _xmpp-server._tcp.example2.test. - example2.test.)"
rcodes=$(audit_select rcode event=update zone=example2.test. | paste -sd' ')
assert_match "audit: a failed prerequisite, then success" "$rcodes" \
	'^(NXRRSET|YXRRSET|YXDOMAIN) NOERROR$'
assert_exit 0 "in sync afterwards" xfedd --once -c "$conf"
assert_not_contains "nothing left to do" "$ERR" "updated"

# --- 3. an owned RRset vanishes between read and removal --------------------
# example2.test. is dropped; xfedd plans to delete its SRV and marker, but
# the racer deletes the SRV first.  The re-read finds only the marker.
racer "$XFED_TMP/race-del.sh" example2.test. <<'EOF'
update delete _xmpp-server._tcp.example2.test. SRV
EOF
config 127.0.0.12 </dev/null
assert_exit 0 "race_sync converges despite the vanished SRV" \
	race_sync "$conf" "$XFED_TMP/race-del.sh"
assert_eq "the racer ran once" "example2.test." "$(cat "$XFED_TMP/race-del.sh.done")"
assert_eq "only the foreign TXT is left" \
	"_xmpp-server._tcp.example2.test. 900 IN TXT \"note=hands off\"" \
	"$(rrs _xmpp-server._tcp.example2.test. - example2.test.)"
assert_exit 0 "in sync afterwards" xfedd --once -c "$conf"
assert_not_contains "nothing left to do" "$ERR" "updated"

assert_eq "every failed update was a prerequisite failure" "" \
	"$(audit_select rcode event=update | grep -Ev '^(NOERROR|NXRRSET|YXRRSET|YXDOMAIN)$' || true)"
assert_not_contains "secret not in the audit log" \
	"$(cat "$XFED_TMP/audit.jsonl")" "$KEY_XFED_SECRET"

finish
