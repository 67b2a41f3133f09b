#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_ctl_config — what xfedctl takes from the configuration, and says about
# it: a broken configuration is reported as FILE:LINE (never "cannot
# connect"); a configuration whose TSIG secret only xfedd gets (systemd
# LoadCredential=) still gives xfedctl its socket and audit log; a fallback
# to a built-in default is said out loud; --help works after every command;
# an unknown --event is an error that names the events.
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
audit=$XFED_TMP/audit.jsonl
broken=$XFED_TMP/broken.conf

# --- a broken configuration: its problem, not "is xfedd running?" ----------
write_config "$broken" - <<'EOF'
max-delete = 3
EOF
line=$(grep -nx 'max-delete = 3' "$broken" | cut -d: -f1)
for cmd in status sync plan reload reopen; do
	assert_exit 1 "xfedctl $cmd with a broken configuration" \
		xfedctl -c "$broken" "$cmd"
	assert_contains "$cmd: the problem at FILE:LINE" "$ERR" \
		"$broken:$line: no such option 'max-delete' (did you mean 'max-deletes'?)"
	assert_not_contains "$cmd: no connection attempted" "$ERR" "cannot connect"
	assert_contains "$cmd: what to do" "$ERR" "give -s SOCKET"
done
assert_exit 1 "xfedctl log with a broken configuration" xfedctl -c "$broken" log
assert_contains "log: the problem at FILE:LINE" "$ERR" "$broken:$line: "
assert_contains "log: what to do" "$ERR" "the audit log it names is unknown"
printf '{"ts":"2026-01-01T00:00:00.000Z","event":"sync-start","trigger":"once","chain":"sha256","prev":"%064d"}\n' 0 \
	>"$XFED_TMP/one.jsonl"
assert_exit 0 "log of a named file needs no configuration" \
	xfedctl -c "$broken" log --json "$XFED_TMP/one.jsonl"
assert_contains "and reads it" "$OUT" '"event":"sync-start"'
assert_empty "without a word about the configuration" "$ERR"
assert_exit 1 "a missing -c file is an error, not a fallback" \
	xfedctl -c "$XFED_TMP/absent.conf" status
assert_contains "naming the file" "$ERR" "$XFED_TMP/absent.conf:0: cannot open"
assert_not_contains "and not falling back" "$ERR" "using the default"

# --- no configuration at the default place: the default, said so ----------
if [ ! -e /etc/xfed/xfed.conf ]; then
	assert_exit 1 "xfedctl status without any configuration" \
		xfedctl status
	assert_contains "says it uses the default socket" "$ERR" \
		"no configuration at /etc/xfed/xfed.conf: using the default socket /run/xfed/xfedd.sock"
	assert_exit 1 "xfedctl log without any configuration" xfedctl log
	assert_contains "says it uses the default audit log" "$ERR" \
		"using the default audit log /var/log/xfed/audit.jsonl"
else
	echo "note: /etc/xfed/xfed.conf exists here: the fallback is not checked"
fi

# --- the secret as a systemd credential only xfedd sees ---------------------
write_config "$conf" - <<'EOF'
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10"}
}
domain "example.test" { proxy = {"edge"} }
EOF
secret=$(key_secret xfed-key)
sed -i '/^  secret    = /d' "$conf"
creds=$XFED_TMP/credentials
mkdir -m 0700 "$creds"
(umask 077 && printf '%s\n' "$secret" >"$creds/xfed-key")
assert_exit 1 "without the credential the key has no secret (xfedd -n)" \
	env -u CREDENTIALS_DIRECTORY "$XFEDD" -n -c "$conf"
assert_contains "and the message names LoadCredential" "$ERR" \
	"LoadCredential=xfed-key:PATH"
assert_exit 0 "with it, the configuration is valid" \
	env CREDENTIALS_DIRECTORY="$creds" "$XFEDD" -n -c "$conf"

CREDENTIALS_DIRECTORY=$creds xfedd_start "$XFED_TMP/xfedd.log" -c "$conf"
wait_for "xfedd publishes with the credential" \
	'test -n "$(zone_query _xmpp-server._tcp.example.test. SRV)"'
wait_for "the startup sync is over" \
	'grep -q "\"event\":\"sync-end\"" "$audit"'
assert_exit 0 "xfedctl status finds the configured socket without the secret" \
	env -u CREDENTIALS_DIRECTORY "$XFEDCTL" -c "$conf" status
assert_contains "and shows the zone" "$OUT" "example.test."
assert_not_contains "no fallback" "$ERR" "default"
assert_exit 0 "xfedctl log finds the configured audit log without the secret" \
	env -u CREDENTIALS_DIRECTORY "$XFEDCTL" -c "$conf" --json log --event sync-end
assert_contains "and reads it" "$OUT" '"event":"sync-end"'
assert_not_contains "the secret is not printed" "$OUT$ERR" "$secret"
kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "xfedd stops with 0" 0 "$rc"

# --- --help after every command ---------------------------------------------
for cmd in sync plan status reload reopen check-config log; do
	assert_exit 0 "xfedctl $cmd --help" xfedctl -c "$broken" "$cmd" --help
	assert_match "$cmd --help shows its usage" "$OUT" \
		"^usage: xfedctl .*$cmd"
done
assert_exit 0 "xfedctl sync example.test -h" xfedctl -c "$broken" sync example.test -h
assert_contains "sync help gives its exit codes" "$OUT" "3 max-deletes"

# --- --event takes only the events the agent writes --------------------------
assert_exit 1 "log --event with an unknown event" \
	xfedctl log --event updates "$XFED_TMP/one.jsonl"
assert_contains "says which, with the likely one" "$ERR" \
	'unknown event "updates" (did you mean '"'update'"'?)'
assert_contains "and lists the events" "$ERR" "sync-start, update-intent, update"
assert_exit 1 "an unknown event inside a list" \
	xfedctl log --event update,sync-ends "$XFED_TMP/one.jsonl"
assert_contains "is named too" "$ERR" 'unknown event "sync-ends"'
assert_exit 0 "every known event is accepted" xfedctl log --event \
	sync-start,update-intent,update,sync-end,config-reload,audit-reopen,conflict,refused,error \
	"$XFED_TMP/one.jsonl"

finish
