#!/usr/bin/env bash
# t_config_bounds — libconfuse lexes a long run of blanks (a long comment,
# which xfed blanks out, or a long unquoted word) in time quadratic in its
# length: a 6 MB line held a reload, and `xfedctl status` with it, for 12 s.
# A line longer than 64 KiB is now refused by its number, at once; a 6 MB
# file of shorter lines still parses, in time linear in its size.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"

need_binaries
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xfed-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/state"

base=$tmp/base.conf
cat >"$base" <<CONF
interval  = 0
socket    = "$tmp/xfedd.sock"
audit-log = "$tmp/audit.jsonl"
state-dir = "$tmp/state"
tsig-key "xfed-key" {
  algorithm = "hmac-sha256"
  secret    = "c2VjcmV0LXRzaWcta2V5LWJ5dGVzLTEyMzQ1Njc4"
}
server "primary" {
  address  = "127.0.0.1"
  tsig-key = "xfed-key"
}
proxy "edge" {
  host = "xmpp.example.test"
  ipv4 = {"127.0.0.10"}
}
domain "example.test" {
  proxy = {"edge"}
}
CONF

# pad FILE LINES WIDTH WHAT — the base (19 lines), then LINES lines of
# WIDTH octets: blanks (WHAT=blank), a comment (comment), or an option
# with one long unquoted word (word).
pad() {
	cp "$base" "$1"
	python3 - "$@" <<'PY'
import sys
path, lines, width, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(path, 'a') as f:
    for _ in range(lines):
        if what == 'blank':
            f.write(' ' * width + '\n')
        elif what == 'comment':
            f.write('#' + 'x' * (width - 1) + '\n')
        else:
            f.write('owner = ' + 'x' * (width - 8) + '\n')
PY
}

# ms CMD... — run CMD (output discarded); its wall time in ms in $MS.
ms() {
	local start
	start=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	MS=$(( ($(date +%s%N) - start) / 1000000 ))
}

# --- a 6 MB line: refused by its number, and as fast as a tiny file ---------
ms "$XFEDD" -n -c "$base"
small=$MS
for what in blank comment word; do
	pad "$tmp/long-$what.conf" 1 6000000 "$what"
	assert_exit 1 "a 6 MB line ($what): refused" \
		xfedd -n -c "$tmp/long-$what.conf"
	assert_contains "6 MB $what: FILE:LINE names it" "$ERR" \
		"long-$what.conf:20: line longer than 64 KiB"
	ms "$XFEDD" -n -c "$tmp/long-$what.conf"
	# Quadratic was 12 s; a generous ratio to a tiny file, plus a second.
	if [ "$MS" -le $(( 8 * small + 1000 )) ]; then
		pass "6 MB $what: refused in $MS ms (tiny file: $small ms)"
	else
		fail "6 MB $what: took $MS ms" "a tiny file takes $small ms"
	fi
done
assert_exit 1 "xfedctl check-config says the same" \
	xfedctl check-config "$tmp/long-blank.conf"
assert_contains "check-config: FILE:LINE" "$ERR" \
	"long-blank.conf:20: line longer than 64 KiB"

# --- the limit itself: 64 KiB is a line, one octet more is not --------------
pad "$tmp/at.conf" 1 65536 blank
assert_exit 0 "a line of exactly 64 KiB is read" xfedd -n -c "$tmp/at.conf"
pad "$tmp/over.conf" 3 65537 blank
assert_exit 1 "a line of 64 KiB + 1 is not" xfedd -n -c "$tmp/over.conf"
assert_contains "the first such line is named" "$ERR" "over.conf:20: line longer"

# --- many shorter lines: still accepted, linear in size ---------------------
pad "$tmp/m1.conf" 16 60000 blank
pad "$tmp/m6.conf" 100 60000 blank
assert_exit 0 "6 MB in 60 KB lines of blanks is a valid file" \
	xfedd -n -c "$tmp/m6.conf"
ms "$XFEDD" -n -c "$tmp/m1.conf"
one=$MS
ms "$XFEDD" -n -c "$tmp/m6.conf"
if [ "$MS" -le $(( 8 * one + 1000 )) ]; then
	pass "6 MB of 60 KB lines in $MS ms, 1 MB in $one ms"
else
	fail "6 MB of 60 KB lines: $MS ms, not linear" "1 MB: $one ms"
fi

finish
