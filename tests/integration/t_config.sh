#!/usr/bin/env bash
# t_config — configuration checking and the command line: xfedd -n and
# xfedctl check-config accept a valid configuration and report every
# problem of a bad one as FILE:LINE: message with exit 1; --once with a bad
# configuration exits 1 and sends nothing; --help, -V and unknown options.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

# line_of FILE FIXED-STRING — the number of the (first) line holding it.
line_of() { grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1; }

good=$XFED_TMP/good.conf
bad=$XFED_TMP/bad.conf
audit=$XFED_TMP/audit.jsonl

sections='proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10"}
  ipv6 = {"::1"}
}
domain "example.test" {
  proxy = {"edge"}
}'

# --- a valid configuration -----------------------------------------------
printf '%s\n' "$sections" | write_config "$good" -
assert_exit 0 "xfedd -n accepts a valid config" xfedd -n -c "$good"
assert_empty "and says nothing about it" "$ERR"
assert_exit 0 "xfedd --check accepts it too" xfedd --check -c "$good"
assert_exit 0 "xfedctl -c FILE check-config accepts it" xfedctl -c "$good" check-config
assert_exit 0 "xfedctl check-config -c FILE accepts it" xfedctl check-config -c "$good"
assert_exit 0 "xfedctl check-config FILE accepts it" xfedctl check-config "$good"
assert_exit 0 "xfedctl --json check-config on a valid file" \
	xfedctl --json check-config "$good"
assert_eq "JSON says valid, no errors" "True 0" "$(printf '%s' "$OUT" |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["valid"], len(d["errors"]))')"
assert_exit 1 "xfedctl check-config with stray arguments" \
	xfedctl check-config -c "$good" extra
assert_contains "and shows its usage" "$ERR" "usage: xfedctl"
assert_eq "checking sends nothing and writes no audit log" "no" \
	"$([ -e "$audit" ] && echo yes || echo no)"

# --- unknown keys ------------------------------------------------------
# An unknown key is a syntax error for the parser: it is reported alone
# (the semantic checks below need a file that parses).
write_config "$bad" - <<'EOF'
colour = "blue"
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10"}
}
EOF
assert_exit 1 "unknown top-level key rejected" xfedd -n -c "$bad"
assert_match "unknown top-level key at its line" "$ERR" \
	"^$bad:$(line_of "$bad" 'colour = "blue"'): .*colour"
assert_exit 1 "xfedctl --json check-config on a bad file" \
	xfedctl --json check-config "$bad"
assert_eq "JSON says invalid with FILE:LINE errors" "False True" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["valid"], all(":" in e for e in d["errors"]) and len(d["errors"]) > 0)')"
printf '%s\n' "$sections" | sed '/^  ipv6 = /a\  colour = "red"' | write_config "$bad" -
assert_exit 1 "unknown key in a section rejected" xfedd -n -c "$bad"
assert_match "unknown key in a section at its line" "$ERR" \
	"^$bad:$(line_of "$bad" 'colour = "red"'): .*colour"
assert_exit 1 "xfedctl -c FILE check-config rejects it" xfedctl -c "$bad" check-config
assert_match "xfedctl reports it the same way" "$ERR" \
	"$bad:$(line_of "$bad" 'colour = "red"'): .*colour"

# --- bad address, bad TTL, undefined proxy: all reported in one go --------
write_config "$bad" - <<'EOF'
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"300.1.2.3"}
  ttl  = 99999999999
}
domain "example.test" {
  proxy = {"nosuch"}
}
EOF
assert_exit 1 "xfedd -n rejects the bad config" xfedd -n -c "$bad"
bad_err=$ERR
for needle in 'ipv4 = {"300.1.2.3"}' 'ttl  = 99999999999' 'proxy = {"nosuch"}'; do
	n=$(line_of "$bad" "$needle")
	assert_match "error at $bad:$n ($needle)" "$bad_err" "^$bad:$n: "
done
assert_match "bad address named" "$bad_err" "$bad:[0-9]+: .*300\\.1\\.2\\.3"
assert_match "bad TTL named" "$bad_err" "$bad:[0-9]+: .*ttl"
assert_match "undefined proxy named" "$bad_err" "$bad:[0-9]+: .*nosuch"
assert_eq "every stderr line is FILE:LINE: message" "" \
	"$(printf '%s\n' "$bad_err" | grep -v "^$bad:[0-9][0-9]*: ." || true)"
assert_exit 1 "xfedctl -c FILE check-config rejects it" xfedctl -c "$bad" check-config
assert_eq "xfedctl reports the same problems" "$bad_err" "$ERR"

# --- key problems: unknown algorithm, bad base64, too short ----------------
write_config "$bad" - <<EOF
tsig-key "k-alg" {
  algorithm = "hmac-sha3-256"
  secret    = "$KEY_SHA256_SECRET"
}
tsig-key "k-b64" {
  algorithm = "hmac-sha256"
  secret    = "not base64 at all!"
}
tsig-key "k-short" {
  algorithm = "hmac-sha256"
  secret    = "c2hvcnQ="
}
$sections
EOF
assert_exit 1 "bad keys rejected" xfedd -n -c "$bad"
assert_match "unknown algorithm at its line" "$ERR" \
	"^$bad:$(line_of "$bad" '"hmac-sha3-256"'): .*algorithm"
assert_match "bad base64 at its line" "$ERR" \
	"^$bad:$(line_of "$bad" '"not base64 at all!"'): .*base64"
assert_match "short secret at its line" "$ERR" \
	"^$bad:$(line_of "$bad" '"c2hvcnQ="'): "
assert_not_contains "the real secret is never echoed" "$ERR" "$KEY_SHA256_SECRET"

# A key file that does not exist.
write_config "$bad" - <<EOF
$sections
EOF
sed -i "s|^  secret    = .*|  file      = \"$XFED_TMP/missing.key\"|" "$bad"
assert_exit 1 "missing key file rejected" xfedd -n -c "$bad"
assert_match "missing key file named with its line" "$ERR" \
	"^$bad:[0-9]+: .*missing\\.key"

# --- --once with a broken config sends nothing -------------------------------
write_config "$bad" - <<'EOF'
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10", "127.0.0.300"}
}
domain "example.test" {
  proxy = {"edge"}
}
domain "example2.test" {
  proxy = {"ghost"}
}
EOF
before=$(all_zones)
assert_exit 1 "--once with a broken config" xfedd --once -c "$bad"
assert_match "--once reports FILE:LINE" "$ERR" "$bad:[0-9]+: "
assert_eq "zones unchanged" "$before" "$(all_zones)"
if [ -e "$audit" ]; then
	assert_eq "no update audited" 0 "$(grep -c '"event":"update"' "$audit" || true)"
else
	pass "no audit log created"
fi
assert_exit 1 "--once --dry-run with a broken config" xfedd --once --dry-run -c "$bad"
assert_empty "no plan printed" "$OUT"

# The valid one still works afterwards (nothing left half-done).
assert_exit 0 "--once with the valid config" xfedd --once -c "$good"
assert_eq "records published" "127.0.0.10" "$(zone_query xmpp.proxy.test. A)"

# --- command line ------------------------------------------------------------
assert_exit 0 "xfedd --help" xfedd --help
assert_contains "help mentions --once" "$OUT$ERR" "--once"
assert_contains "help mentions --dry-run" "$OUT$ERR" "--dry-run"
assert_exit 0 "xfedd -h" xfedd -h
assert_exit 0 "xfedd -V" xfedd -V
assert_match "version printed" "$OUT$ERR" "[0-9]+\\.[0-9]+"
assert_exit 1 "unknown option" xfedd --no-such-option
assert_contains "unknown option named" "$ERR" "no-such-option"
assert_exit 1 "missing config file" xfedd -n -c "$XFED_TMP/does-not-exist.conf"
assert_contains "missing file named" "$ERR" "does-not-exist.conf"
assert_exit 1 "--dry-run needs a config that exists too" \
	xfedd --once --dry-run -c "$XFED_TMP/does-not-exist.conf"
assert_exit 1 "xfedctl unknown command" xfedctl -c "$good" no-such-command

finish
