#!/usr/bin/env bash
# t_tsig — TSIG against a real BIND: xfedd reads (AXFR) and updates with
# each of the six HMAC algorithms, which proves our MAC code (sha224 and
# sha384 included) against BIND's; a wrong secret or an unknown key name
# fails the zone (exit 2) without changing it or ever printing the secret;
# the secret can come from a BIND key file or from $CREDENTIALS_DIRECTORY.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
audit=$XFED_TMP/audit.jsonl

# domains ADDR — proxy/domain sections with the proxy at ADDR.
domains() {
	cat <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"$1"}
}
domain "example.test" {
  proxy = {"edge"}
}
EOF
}

# no_secret WHAT TEXT — none of the known secrets appears in TEXT.
no_secret() {
	local k v leaked=""
	for k in $NAMED_KEYS; do
		v=$(key_secret "$k")
		[[ "$2" != *"$v"* ]] || leaked+="$k "
	done
	for v in "${extra_secrets[@]}"; do
		[[ "$2" != *"$v"* ]] || leaked+="(ad hoc secret) "
	done
	assert_eq "$1" "" "$leaked"
}
extra_secrets=()

# --- every algorithm, both for the AXFR read and for the UPDATE ------------
i=0
for alg in $XFED_TSIG_ALGS; do
	key=key-${alg#hmac-}
	i=$((i + 1))
	addr=127.0.0.$((10 + i))
	domains "$addr" | write_config "$conf" "$key" -
	assert_exit 0 "converge with $key ($alg)" xfedd --once -c "$conf"
	assert_contains "$key: update reported" "$ERR" "proxy.test.: updated"
	assert_eq "$key: A is $addr" "$addr" "$(zone_query xmpp.proxy.test. A)"
	assert_eq "$key: SRV present" "0 0 5269 xmpp.proxy.test." \
		"$(zone_query _xmpp-server._tcp.example.test. SRV)"
	assert_eq "$key: audited update names the key" "$key" \
		"$(audit_select key event=update zone=proxy.test. | tail -n 1)"
	assert_eq "$key: answer authenticated as NOERROR" NOERROR \
		"$(audit_select rcode event=update zone=proxy.test. | tail -n 1)"
	# In sync means the signed AXFR verified too.
	assert_exit 0 "$key: in sync on the next pass" xfedd --once -c "$conf"
	assert_contains "$key: nothing to do" "$ERR" "proxy.test.: in sync"
	no_secret "$key: no secret on stderr" "$ERR"
done
no_secret "no secret in the audit log" "$(cat "$audit")"

# --- a wrong secret for a key named server knows ---------------------------
wrong=$(tsig-keygen -a hmac-sha256 xfed-key | sed -n 's/.*secret "\(.*\)";/\1/p')
extra_secrets+=("$wrong")
assert_ne "the wrong secret differs" "$KEY_XFED_SECRET" "$wrong"
domains 127.0.0.99 | write_config "$conf" xfed-key -
sed -i "s|^  secret    = .*|  secret    = \"$wrong\"|" "$conf"
assert_eq "config holds the wrong secret" 1 "$(grep -cF "$wrong" "$conf")"
before=$(all_zones)
updates=$(audit_count event=update)
assert_exit 2 "wrong secret fails" xfedd --once -c "$conf"
assert_eq "nothing changed with the wrong secret" "$before" "$(all_zones)"
assert_match "stderr names the authentication failure" "$ERR" \
	'[Aa]uthenticat|BADSIG|BADKEY|TSIG'
assert_contains "stderr names the key" "$ERR" "xfed-key"
# Both names fail discovery for one cause: said once, naming both.
assert_eq "wrong secret: the cause is said once" 1 \
	"$(grep -c 'the server rejected our signature (BADSIG) for key "xfed-key"' <<<"$ERR")"
assert_contains "wrong secret: one line, both names" "$ERR" \
	"FAILED names _xmpp-server._tcp.example.test., xmpp.proxy.test. (zone unknown): 127.0.0.1#$NAMED_PORT: the server rejected our signature (BADSIG)"
assert_match "audit records the authentication failure" \
	"$(tail -n 5 "$audit")" '[Aa]uthenticat|BADSIG|BADKEY|TSIG'
assert_eq "no successful update audited" "$updates" \
	"$(audit_select rcode event=update | grep -c NOERROR || true)"
no_secret "wrong secret: none on stderr" "$ERR"
no_secret "wrong secret: none in the audit log" "$(cat "$audit")"
# With the zones configured there is no discovery query: the signed AXFR
# is what fails.
sed -i -e '/^  host = /a\  zone = "proxy.test"' \
	-e '/^  proxy = /a\  zone = "example.test"' "$conf"
cat >>"$conf" <<EOF
domain "chat.example2.test" {
  proxy = {"edge"}
  zone  = "example2.test"
}
EOF
errors=$(audit_count event=error)
assert_exit 2 "wrong secret fails the transfer" xfedd --once -c "$conf"
assert_eq "nothing changed (configured zones)" "$before" "$(all_zones)"
assert_match "stderr names the authentication failure (AXFR)" "$ERR" \
	'[Aa]uthenticat|BADSIG|BADKEY|TSIG'
# Three zones, one cause: one line naming them all, not one per zone, and
# no per-zone warnings before it.
cause="127.0.0.1#$NAMED_PORT: the server rejected our signature (BADSIG) for key \"xfed-key\": check that the secret matches the server's key"
assert_eq "AXFR: the cause is said exactly once" 1 "$(grep -cF "$cause" <<<"$ERR")"
assert_eq "AXFR: nothing else on stderr" 1 "$(grep -c . <<<"$ERR")"
for z in example.test. example2.test. proxy.test.; do
	assert_match "$z failed, on the cause's line" "$(grep -F "$cause" <<<"$ERR")" \
		"^FAILED zones (.*, )?${z//./\\.}[,:]"
done
assert_contains "AXFR: the line says where it failed" "$ERR" \
	"zone transfer, message 1: $cause"
assert_eq "AXFR: still one audit error record per zone" \
	"example.test. example2.test. proxy.test." \
	"$(audit_select zone event=error | tail -n +$((errors + 1)) | sort | paste -sd' ')"
no_secret "wrong secret (AXFR): none on stderr" "$ERR"

# --- an unknown key name -----------------------------------------------------
domains 127.0.0.99 | write_config "$conf" xfed-key -
sed -i 's/"xfed-key"/"no-such-key"/' "$conf"
assert_eq "config uses the unknown key twice" 2 "$(grep -c '"no-such-key"' "$conf")"
assert_exit 2 "unknown key name fails" xfedd --once -c "$conf"
assert_eq "nothing changed with an unknown key" "$before" "$(all_zones)"
assert_match "stderr names the failure" "$ERR" '[Aa]uthenticat|BADKEY|TSIG|NOTAUTH'
assert_contains "unknown key: the server does not know it" "$ERR" \
	'the server does not know key "no-such-key" (BADKEY)'
no_secret "unknown key: no secret on stderr" "$ERR"

# --- the secret in a BIND key file ---------------------------------------
# Absolute path, no algorithm in the config: the key file carries it.
domains 127.0.0.50 | write_config "$conf" key-sha512 -
sed -i -e '/^  algorithm = /d' \
	-e "s|^  secret    = .*|  file      = \"$KEY_SHA512_FILE\"|" "$conf"
assert_eq "config has no inline secret" 0 "$(grep -c 'secret' "$conf")"
assert_exit 0 "key file config is valid" xfedd -n -c "$conf"
assert_exit 0 "converge with a key file" xfedd --once -c "$conf"
assert_eq "key file: A updated" "127.0.0.50" "$(zone_query xmpp.proxy.test. A)"
no_secret "key file: no secret on stderr" "$ERR"

# A path relative to the configuration's directory.
(umask 077 && cp "$KEY_SHA384_FILE" "$XFED_TMP/rel-sha384.key")
domains 127.0.0.51 | write_config "$conf" key-sha384 -
sed -i -e "s|^  secret    = .*|  file      = \"rel-sha384.key\"|" "$conf"
assert_exit 0 "converge with a relative key file" xfedd --once -c "$conf"
assert_eq "relative key file: A updated" "127.0.0.51" "$(zone_query xmpp.proxy.test. A)"

# A key file others can read: refused, or at least warned about.
chmod 0644 "$XFED_TMP/rel-sha384.key"
rc=0
err=$(xfedd -n -c "$conf" 2>&1) || rc=$?
if [ "$rc" -ne 0 ] || [ -n "$err" ]; then
	pass "world-readable key file refused or warned about (exit $rc)"
else
	fail "world-readable key file refused or warned about" "exit 0, no message"
fi
assert_contains "the complaint names the file" "$err" "rel-sha384.key"
no_secret "no secret in the complaint" "$err"

# --- the secret from $CREDENTIALS_DIRECTORY (systemd LoadCredential=) ------
creds=$XFED_TMP/credentials
mkdir -m 0700 "$creds"
(umask 077 && printf '%s\n' "$KEY_SHA384_SECRET" >"$creds/key-sha384")
domains 127.0.0.52 | write_config "$conf" key-sha384 -
sed -i '/^  secret    = /d' "$conf"
assert_eq "config has no secret" 0 "$(grep -c 'secret\|file' "$conf")"
assert_exit 1 "no secret and no credential: config error" xfedd -n -c "$conf"
assert_exit 0 "converge with a credential (bare secret)" \
	env CREDENTIALS_DIRECTORY="$creds" "${XFED_VALGRIND_CMD[@]}" "$XFEDD" --once -c "$conf"
assert_eq "credential: A updated" "127.0.0.52" "$(zone_query xmpp.proxy.test. A)"
no_secret "credential: no secret on stderr" "$ERR"

# A credential in BIND key-file format works too.
(umask 077 && cp "$KEY_SHA384_FILE" "$creds/key-sha384")
domains 127.0.0.53 | write_config "$conf" key-sha384 -
sed -i '/^  secret    = /d' "$conf"
assert_exit 0 "converge with a credential (key file format)" \
	env CREDENTIALS_DIRECTORY="$creds" "${XFED_VALGRIND_CMD[@]}" "$XFEDD" --once -c "$conf"
assert_eq "key-file credential: A updated" "127.0.0.53" "$(zone_query xmpp.proxy.test. A)"

no_secret "no secret in the audit log at the end" "$(cat "$audit")"
finish
