#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_reload_restart — what a configuration file cannot do.  An empty file
# (or only comments) is an error for -n, check-config and reload, not a
# configuration of defaults; a reload that moves the socket, the audit log
# or the state directory is rejected with FILE:LINE ("needs a restart")
# and the running configuration stays in force.  The file is loaded off
# the event loop: status answers while a slow file is parsed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
good=$XFED_TMP/good.conf
sock=$XFED_TMP/xfedd.sock
audit=$XFED_TMP/audit.jsonl
write_config "$good" - <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"203.0.113.10"}
}
domain "example.test" { proxy = {"edge"} }
EOF
line_of() { grep -n "^$1 " "$conf" | cut -d: -f1; }
rejected() { grep '"event":"config-reload"' "$audit" | grep -c '"accepted":false' || true; }

# --- an empty file ------------------------------------------------------------
: >"$conf"
assert_exit 1 "xfedd -n: an empty file" xfedd -n -c "$conf"
assert_contains "  says so" "$ERR" "$conf:0: empty configuration"
printf '# all commented out\n\n   \n' >"$conf"
assert_exit 1 "xfedd -n: only comments" xfedd -n -c "$conf"
assert_contains "  says so" "$ERR" "empty configuration"
assert_exit 1 "xfedctl check-config: an empty file" xfedctl check-config "$conf"

# --- reloads --------------------------------------------------------------------
cp "$good" "$conf"
xfedd_start "$XFED_TMP/xfedd.log" -c "$conf"
wait_for "the startup sync publishes the SRV record" \
	'test -n "$(zone_query _xmpp-server._tcp.example.test. SRV)"' 20

: >"$conf"
assert_exit 1 "reload of an empty file is rejected" xfedctl -s "$sock" reload
assert_contains "  says why" "$ERR" "empty configuration"
assert_eq "  and is audited as rejected" 1 "$(rejected)"

n=1
for opt in socket audit-log state-dir; do
	cp "$good" "$conf"
	mkdir -p "$XFED_TMP/moved"
	sed -i "s|^$opt .*|$opt = \"$XFED_TMP/moved/x\"|" "$conf"
	assert_exit 1 "reload that moves $opt is rejected" xfedctl -s "$sock" reload
	assert_contains "  at its line, saying a restart is needed" "$ERR" \
		"$conf:$(line_of "$opt"): changing $opt needs a restart"
	n=$((n + 1))
	assert_eq "  audited as rejected" "$n" "$(rejected)"
done
assert_eq "nothing was created in the new places" "" "$(ls "$XFED_TMP/moved")"

# The running configuration stayed: same socket, same domains.
assert_exit 0 "status on the old socket" xfedctl -s "$sock" status
assert_contains "  still lists the zone" "$OUT" "example.test."
cp "$good" "$conf"
echo 'interval = 600' >>"$conf"
sed -i '/^interval *= *0$/d' "$conf"
assert_exit 0 "a reload that moves nothing is accepted" xfedctl -s "$sock" reload
assert_exit 0 "  status" xfedctl -s "$sock" status
assert_match "  with the new interval in force (600 s, 5% jitter)" "$OUT" "next sync: .*\(in (9|10) min\)"

# --- a file slow to parse: status answers meanwhile -----------------------------
# A list of 25,000 addresses costs libconfuse about a second (its lists grow in
# quadratic time; the proxy is used by no domain, so nothing is published);
# the file is loaded off the event loop, so status does not wait for it, and
# the reload still answers with the outcome.
slow() {
	cp "$good" "$conf"
	python3 - >>"$conf" <<'PY'
print('proxy "unused" {\n  host = "unused.example.test"\n  ipv4 = {')
for i in range(25):
    print(",".join('"127.%d.%d.%d"' % (i, j // 256, j % 256) for j in range(1000)) +
          ("," if i < 24 else ""))
print('  }\n}')
PY
	printf '%s\n' "$1" >>"$conf"
}
slow 'domain "example2.test" { proxy = {"edge"} }'
"$XFEDCTL" -s "$sock" reload >"$XFED_TMP/reload.out" 2>&1 &
reload_pid=$!
sleep 0.3
start=$(date +%s%N)
assert_exit 0 "status during a slow reload" "$XFEDCTL" -s "$sock" status
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -lt 1500 ]; then pass "  answered in ${ms} ms"; else
	fail "  answered in ${ms} ms, waiting for the reload"; fi
rc=0
wait "$reload_pid" || rc=$?
assert_eq "the slow reload is accepted" 0 "$rc"
assert_file_contains "  and says what it added" "$XFED_TMP/reload.out" \
	"domains added (1): example2.test"
slow 'no-such-option = 1'
assert_exit 1 "a slow, bad reload is rejected" xfedctl -s "$sock" reload
assert_contains "  with FILE:LINE" "$ERR" "$conf:$(wc -l <"$conf"):"

kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "xfedd exits 0" 0 "$rc"
finish
