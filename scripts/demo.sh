#!/usr/bin/env bash
# make demo — xfed end to end against a private BIND on loopback.
#
# Starts a throw-away named on 127.0.0.1 (random port, fresh TSIG key, two
# dynamic zones), writes an xfed configuration for it, and shows:
# the configuration check, the plan, a first sync that publishes the XMPP
# federation records, the records as the server now serves them, a second
# sync that has nothing to do, an empty dry run; then the agent itself
# (xfedd -f in the background) driven by xfedctl sync, status and log, and
# stopped with SIGTERM; and the audit log.
# Everything lives in one temporary directory, removed at the end together
# with named, however the script ends.
#
# The proxy addresses 203.0.113.10 and 2001:db8::10 are documentation
# addresses (RFC 5737, RFC 3849): they are only data in the zone; nothing
# ever connects to them.  All DNS traffic goes to 127.0.0.1.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
XFEDD=${XFEDD:-$root/build/xfedd}
XFEDCTL=${XFEDCTL:-$root/build/xfedctl}

if [ -t 1 ]; then bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' off=$'\e[0m'
else bold="" red="" green="" off=""; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$off"; }
good() { printf '%s    ok: %s%s\n' "$green" "$*" "$off"; }
problems=0
bad() { printf '%s    PROBLEM: %s%s\n' "$red" "$*" "$off"; problems=$((problems + 1)); }
indent() { sed 's/^/    /'; }

for b in "$XFEDD" "$XFEDCTL"; do
	if [ ! -x "$b" ]; then
		echo "demo: $b is not built; run 'make demo' (or make) first" >&2
		exit 1
	fi
done

# shellcheck source=SCRIPTDIR/../tests/lib/named.sh
. "$root/tests/lib/named.sh"

step "Starting a private BIND (named) on 127.0.0.1, zones contoso.test. and fabrikam.test."
# Each federated domain's SRV owner (_xmpp-server._tcp.<domain>) must sit in
# a zone this server is primary for; the proxy host lives in contoso.test.
named_zone contoso.test.
named_zone fabrikam.test.
named_start
echo "    named pid $NAMED_PID, port $NAMED_PORT, files in $XFED_TMP"
echo "    fresh TSIG key xfed-key (hmac-sha256); the zones accept only signed updates"

CONF=$XFED_TMP/xfed.conf
step "Writing the demo configuration $CONF"
# The zones are named explicitly so that nothing, not even SOA discovery,
# asks any server but the private one.
write_config "$CONF" xfed-key - <<'EOF'
proxy "edge" {
  host   = "xmpp.contoso.test"
  ipv4   = {"203.0.113.10"}
  ipv6   = {"2001:db8::10"}
  ttl    = 3600
  zone   = "contoso.test"
}

domain "contoso.test" {
  proxy    = {"edge"}
  port     = 5269
  ttl      = 3600
  zone     = "contoso.test"
}

domain "fabrikam.test" {
  proxy      = {"edge"}
  port       = 5269
  ttl        = 3600
  direct-tls = true
  zone       = "fabrikam.test"
}
EOF
# Show it, without the secret (it is a throw-away one, but still).
sed 's/^\([[:space:]]*secret[[:space:]]*=\).*/\1 "(hidden)"/' "$CONF" | indent
AUDIT=$XFED_TMP/audit.jsonl

# count_updates — how many UPDATE messages the audit log records so far
# (one "update" record per message sent, per the contract).
count_updates() {
	[ -f "$AUDIT" ] || { echo 0; return; }
	grep -Ec '"event"[[:space:]]*:[[:space:]]*"update"' "$AUDIT" || true
}

# run_xfedd ARGS... — show the command, run it, show its output and status;
# the status is left in $rc.
run_xfedd() {
	echo "    \$ xfedd $*"
	rc=0
	"$XFEDD" "$@" 2>&1 | indent || rc=${PIPESTATUS[0]}
	echo "    (exit status $rc)"
}

step "Checking the configuration: xfedd --check"
run_xfedd --check -c "$CONF"
if [ "$rc" -eq 0 ]; then good "configuration valid"; else bad "configuration rejected"; fi

step "What a sync would send (nothing is sent): xfedd --once --dry-run"
run_xfedd --once --dry-run -c "$CONF"
[ "$rc" -eq 0 ] || bad "dry run failed"

step "First sync: xfedd --once publishes the records"
run_xfedd --once -c "$CONF"
if [ "$rc" -eq 0 ]; then good "every domain in sync"; else bad "first sync exited $rc"; fi
first=$(count_updates)
echo "    UPDATE messages sent so far (from the audit log): $first"
[ "$first" -gt 0 ] || bad "the first sync sent no UPDATE"

step "What the server now serves (dig @127.0.0.1 -p $NAMED_PORT)"
# show_rr NAME TYPE — print NAME's TYPE records, one per line; false if none.
show_rr() {
	local out line
	out=$(zone_query "$1" "$2")
	while IFS= read -r line; do
		printf '    %-36s %-4s %s\n' "$1" "$2" "$line"
	done <<<"${out:-(none)}"
	[ -n "$out" ]
}
for d in contoso.test fabrikam.test; do
	show_rr "_xmpp-server._tcp.$d." SRV || bad "no SRV for $d"
	show_rr "_xmpp-server._tcp.$d." TXT || true
done
show_rr "_xmpps-server._tcp.fabrikam.test." SRV || bad "no direct-TLS SRV for fabrikam.test"
show_rr "_xmpps-server._tcp.fabrikam.test." TXT || true
show_rr xmpp.contoso.test. A || bad "no A for the proxy"
show_rr xmpp.contoso.test. AAAA || bad "no AAAA for the proxy"
show_rr xmpp.contoso.test. TXT || true
[ "$(zone_query xmpp.contoso.test. A)" = 203.0.113.10 ] || bad "proxy A is not 203.0.113.10"
[ "$(zone_query xmpp.contoso.test. AAAA)" = 2001:db8::10 ] || bad "proxy AAAA is not 2001:db8::10"
echo
echo "    Whole zones, by signed AXFR (the TXT records are xfed's ownership markers):"
for z in contoso.test. fabrikam.test.; do
	zone_axfr "$z" | grep -Ev ' IN (SOA|NS) ' | indent
done

step "Second sync: nothing has changed, so nothing is sent"
run_xfedd --once -c "$CONF"
[ "$rc" -eq 0 ] || bad "second sync exited $rc"
second=$(count_updates)
if [ "$second" -eq "$first" ]; then
	good "no UPDATE sent (idempotent)"
else
	bad "$((second - first)) UPDATE message(s) sent although nothing changed"
fi

step "Dry run after the sync: the plan is empty"
echo "    \$ xfedd --once --dry-run -c $CONF"
rc=0
plan=$("$XFEDD" --once --dry-run -c "$CONF" 2>"$XFED_TMP/dry-run.err") || rc=$?
if [ -n "$plan" ]; then printf '%s\n' "$plan" | indent; else echo "    (no output: empty plan)"; fi
indent <"$XFED_TMP/dry-run.err"
echo "    (exit status $rc)"
[ "$rc" -eq 0 ] || bad "dry run exited $rc"
if printf '%s\n' "$plan" | grep -q '^[+-]'; then
	bad "the plan is not empty"
else
	good "nothing to change"
fi

# run_xfedctl ARGS... — as run_xfedd, for xfedctl.
run_xfedctl() {
	echo "    \$ xfedctl $*"
	rc=0
	"$XFEDCTL" "$@" 2>&1 | indent || rc=${PIPESTATUS[0]}
	echo "    (exit status $rc)"
}

step "The agent: xfedd -f in the background, controlled by xfedctl"
SOCK=$XFED_TMP/xfedd.sock
echo "    \$ xfedd -f -c $CONF &     (control socket $SOCK)"
"$XFEDD" -f -c "$CONF" 2>"$XFED_TMP/xfedd.log" &
AGENT_PID=$!
# However the demo ends, the agent does not outlive it.
at_exit "kill -9 $AGENT_PID 2>/dev/null || true"
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
if [ -S "$SOCK" ]; then good "xfedd $AGENT_PID listens on $SOCK"; else
	bad "xfedd did not open its control socket"; fi

echo "    Someone deletes the SRV record of contoso.test by hand (nsupdate):"
zone_nsupdate xfed-key <<'EOF'
zone contoso.test.
update delete _xmpp-server._tcp.contoso.test. SRV
send
EOF
[ -z "$(zone_query _xmpp-server._tcp.contoso.test. SRV)" ] ||
	bad "the SRV record is still there"
run_xfedctl -c "$CONF" sync
if [ "$rc" -eq 0 ]; then good "xfedctl sync: every domain in sync"; else
	bad "xfedctl sync exited $rc"; fi
if [ -n "$(zone_query _xmpp-server._tcp.contoso.test. SRV)" ]; then
	good "the agent put the SRV record back"
else
	bad "the SRV record was not restored"
fi
run_xfedctl -c "$CONF" status
[ "$rc" -eq 0 ] || bad "xfedctl status exited $rc"
run_xfedctl -c "$CONF" log --since 1h
[ "$rc" -eq 0 ] || bad "xfedctl log exited $rc"
run_xfedctl -c "$CONF" log --verify
[ "$rc" -eq 0 ] || bad "the audit log does not verify"

echo "    \$ kill -TERM $AGENT_PID"
kill -TERM "$AGENT_PID"
rc=0
wait "$AGENT_PID" || rc=$?
echo "    The agent's own log (stderr):"
indent <"$XFED_TMP/xfedd.log"
if [ "$rc" -eq 0 ]; then good "xfedd stopped cleanly (exit 0)"; else
	bad "xfedd exited $rc on SIGTERM"; fi
[ ! -e "$SOCK" ] || bad "the control socket was left behind"

step "The audit log $AUDIT"
if [ ! -s "$AUDIT" ]; then
	bad "no audit log written"
elif command -v jq >/dev/null; then
	# jq stops at a line that is not JSON: then show the raw file.
	{ jq . "$AUDIT" 2>&1 || cat "$AUDIT"; } | indent
else
	indent <"$AUDIT"
fi

step "Stopping named and removing $XFED_TMP"
named_stop
if [ "$problems" -eq 0 ]; then
	printf '\n%sdemo: done, everything as expected%s\n' "$green" "$off"
else
	printf '\n%sdemo: done, %d problem(s), see above%s\n' "$red" "$problems" "$off"
	exit 1
fi
