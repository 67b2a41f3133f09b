#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_plan_config — `xfedctl plan --config FILE` plans a candidate file
# against the live zones with the secrets only the daemon holds (here: a
# systemd credential), without loading it: the running configuration, the
# status and the zones stay as they were.  A broken candidate is refused
# with FILE:LINE errors and exit 1.  `xfedctl reload` names the domains the
# new configuration adds, removes and changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
sock=$XFED_TMP/xfedd.sock
work=$XFED_TMP/work
mkdir -m 0700 "$work"
# The secret reaches the agent only as a credential, as under systemd.
creds=$XFED_TMP/creds
mkdir -m 0700 "$creds"
(umask 077; key_secret xfed-key >"$creds/xfed-key")
# write_domains FILE <<EOF — a configuration whose key has no secret of
# its own, with the proxy and the domains on stdin.
write_domains() {
	write_config "$1" - <<EOF
$(cat)
EOF
	sed -i '/^  secret /d' "$1"
}
write_domains "$conf" <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"203.0.113.10"}
}
domain "example.test" { proxy = {"edge"} }
EOF

CREDENTIALS_DIRECTORY=$creds xfedd_start "$XFED_TMP/xfedd.log" -c "$conf"
# shellcheck disable=SC2317  # called from wait_for conditions
srv() { zone_query "_xmpp-server._tcp.$1" SRV; }
wait_for "startup sync publishes" 'test -n "$(srv example.test.)"'
wait_for "status: in sync" '"$XFEDCTL" -s "$sock" status'
before=$(all_zones)
syncs=$(audit_count event=sync-start)

# The candidate: one more domain, and example.test on another port.
write_domains "$work/candidate.conf" <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"203.0.113.10"}
}
domain "example.test" { proxy = {"edge"} port = 5222 }
domain "example2.test" { proxy = {"edge"} }
EOF
assert_exit 1 "xfedctl cannot read the candidate's secret itself" \
	xfedctl check-config "$work/candidate.conf"

# A relative name is taken from xfedctl's directory, not the daemon's.
assert_exit 0 "plan --config of a relative file name" \
	bash -c 'cd "$1" && shift && "$@"' _ "$work" \
	"${XFED_VALGRIND_CMD[@]}" "$XFEDCTL" -s "$sock" plan --config candidate.conf
plan=$OUT
assert_contains "names the candidate, absolute" "$plan" "; candidate $work/candidate.conf"
assert_contains "says which domain it adds" "$plan" "; domains added (1): example2.test."
assert_contains "says which domain it changes" "$plan" "; domains changed (1): example.test."
assert_match "+ the new domain's SRV" "$plan" \
	'^\+ _xmpp-server\._tcp\.example2\.test\. +[0-9]+ +IN +SRV +0 0 5269 xmpp\.proxy\.test\.$'
assert_match "- the changed SRV" "$plan" \
	'^- _xmpp-server\._tcp\.example\.test\. +[0-9]+ +IN +SRV +0 0 5269 xmpp\.proxy\.test\.$'
assert_match "+ its replacement" "$plan" \
	'^\+ _xmpp-server\._tcp\.example\.test\. +[0-9]+ +IN +SRV +0 0 5222 xmpp\.proxy\.test\.$'
assert_eq "nothing sent: the zones are as they were" "$before" "$(all_zones)"
assert_eq "nothing synced" "$syncs" "$(audit_count event=sync-start)"
assert_exit 0 "plan of the running configuration" xfedctl -s "$sock" plan
assert_not_contains "the running configuration is still the old one" "$OUT" "example2.test"
assert_exit 0 "status" xfedctl -s "$sock" --json status
assert_eq "status still reads the running file" "$conf" "$(printf '%s' "$OUT" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["config"])')"
assert_exit 0 "plan -c FILE after the command word is the same" \
	xfedctl -s "$sock" plan -c "$work/candidate.conf"
assert_eq "same plan" "$plan" "$OUT"
assert_exit 0 "plan --config FILE DOMAIN: only that domain's zone" \
	xfedctl -s "$sock" plan --config "$work/candidate.conf" example2.test
assert_contains "the domain's records" "$OUT" "example2.test."
assert_not_contains "not the other zone's" "$OUT" "5222"
assert_exit 0 "plan --config --json" \
	xfedctl -s "$sock" --json plan --config "$work/candidate.conf"
assert_eq "JSON: the domains it changes" \
	"added=example2.test. removed= changed=example.test." \
	"$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)["result"]["domains"]
print(" ".join(k + "=" + ",".join(d[k]) for k in ("added", "removed", "changed")))')"
assert_exit 1 "a domain the candidate does not declare" \
	xfedctl -s "$sock" plan --config "$work/candidate.conf" nosuch.test
assert_contains "says so" "$ERR" "\"nosuch.test\" is not in $work/candidate.conf"

# A broken candidate: FILE:LINE errors, exit 1, the agent unaffected.
cp "$work/candidate.conf" "$work/broken.conf"
echo 'domain "example3.test" { proxy = {"nosuch"} }' >>"$work/broken.conf"
line=$(wc -l <"$work/broken.conf")
assert_exit 1 "plan --config of a broken file" \
	xfedctl -s "$sock" plan --config "$work/broken.conf"
assert_match "FILE:LINE: message" "$ERR" "^$work/broken.conf:$line: .*nosuch"
assert_empty "no plan printed" "$OUT"
assert_exit 1 "plan --config of a missing file" \
	xfedctl -s "$sock" plan --config "$work/missing.conf"
assert_contains "names it" "$ERR" "$work/missing.conf"
assert_exit 1 "plan --config without a file" xfedctl -s "$sock" plan --config
assert_exit 0 "the agent carries on" xfedctl -s "$sock" status

# The protocol member: plan only, absolute names only.
raw() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n"); print(s.recv(4096).decode())' "$sock" "$1"
}
assert_contains "\"config\" with sync is refused" \
	"$(raw '{"xfed-control": 1, "command": "sync", "config": "/x.conf"}')" \
	'applies to plan only'
assert_contains "a relative \"config\" is refused" \
	"$(raw '{"xfed-control": 1, "command": "plan", "config": "x.conf"}')" \
	'must be an absolute file name'

# --- reload names the domains it adds, removes and changes ---------------------
cp "$work/candidate.conf" "$conf"
assert_exit 0 "reload of the candidate" xfedctl -s "$sock" reload
assert_contains "reload: added" "$OUT" "domains added (1): example2.test."
assert_contains "reload: changed" "$OUT" "domains changed (1): example.test."
assert_not_contains "reload: nothing removed" "$OUT" "removed"
assert_file_contains "the journal says it too" "$XFED_TMP/xfedd.log" \
	"reload: domains added (1): example2.test."
wait_for "the reload's sync published the new domain" 'test -n "$(srv example2.test.)"'
sed -i 's/203.0.113.10/203.0.113.11/; /example2.test/d' "$conf"
assert_exit 0 "reload: one domain gone, a proxy address changed" \
	xfedctl -s "$sock" --json reload
assert_eq "JSON: removed, and changed through its proxy" \
	"added= removed=example2.test. changed=example.test." \
	"$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)["result"]["domains"]
print(" ".join(k + "=" + ",".join(d[k]) for k in ("added", "removed", "changed")))')"
assert_exit 0 "reload of the same file" xfedctl -s "$sock" reload
assert_contains "reload: nothing changed" "$OUT" "no domain added, removed or changed"

kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "SIGTERM: exit 0" 0 "$rc"
finish
