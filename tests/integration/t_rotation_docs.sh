#!/usr/bin/env bash
# t_rotation_docs — what the manual pages, the README and the installed
# logrotate file say about rotation and about `xfedctl log --verify` agree
# with each other and with the program: the xfedctl(8) example is the
# installed file, xfedd(8) shows its postrotate command, and every place
# that gives --verify's exit status says 2 for an altered log, which is
# what xfedctl does.  No named.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"

need_binaries
if ! command -v mandoc >/dev/null 2>&1; then
	echo "$TEST_NAME: mandoc not found (apt-get install mandoc)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rotate=$XFED_ROOT/etc/logrotate.d/xfed
render() { mandoc -T ascii -O width=250 "$XFED_ROOT/man/$1" | sed 's/.\x08//g'; }
# stanza — the logrotate stanza of stdin: from the path line to its closing
# brace, blanks squeezed, comments and line continuations joined.
stanza() {
	sed -n '/^[[:space:]]*\/var\/log\/xfed\/audit.jsonl {/,/^[[:space:]]*}/p' |
		sed -e 's/#.*//' | tr -s ' \t\n\\' ' ' | sed 's/^ //; s/ $//'
}

installed=$(stanza <"$rotate")
assert_match "the installed file rotates the audit log" "$installed" \
	'^/var/log/xfed/audit.jsonl \{ daily rotate 30 compress delaycompress'
assert_not_contains "never copytruncate" "$installed" copytruncate
assert_eq "xfedctl(8)'s logrotate example is the installed file" \
	"$installed" "$(render xfedctl.8 | stanza)"
post=$(sed -n '/postrotate/,/endscript/p' "$rotate" | grep -o 'systemctl kill [^>]*' |
	sed 's/[[:space:]\\]*$//')
assert_nonempty "the postrotate command" "$post"
render xfedd.8 >"$tmp/xfedd.txt"
assert_file_contains "xfedd(8) shows the postrotate command" "$tmp/xfedd.txt" "$post"
assert_match "the README says daily and 30 files" \
	"$(tr '\n' ' ' <"$XFED_ROOT/README.md")" \
	'`/etc/logrotate.d/xfed`\. It rotates daily, keeps 30 files'

# Every statement of --verify's exit status says 2 for an altered log.
render xfedctl.8 >"$tmp/xfedctl.txt"
say2() {
	# Comment marks and line breaks aside, as one line of text.
	if sed 's/^[#[:space:]]*//' "$2" | tr -s ' \n' ' ' | grep -Eq -- "$3"
	then pass "$1"; else
		fail "$1" "no match for: $3" "in $2"; fi
}
say2 "xfedctl(8) --verify: exit 2 when altered" "$tmp/xfedctl.txt" \
	'--verify .*exit 2 when the log was altered'
say2 "xfedctl(8) EXIT STATUS: log exits 2" "$tmp/xfedctl.txt" \
	'log exits 0, 1 .*and 2 when --verify finds the log altered'
say2 "xfedd(8): exit 2 when altered" "$tmp/xfedd.txt" \
	'xfedctl log --verify. exits 0 when intact, 2 when the log was altered'
say2 "the logrotate file: exit 2 when altered" "$rotate" \
	'exits 0 when intact, 2 when the log was altered'
say2 "the README: exit 2" "$XFED_ROOT/README.md" \
	'2 `--verify` found the chain broken'
assert_exit 0 "xfedctl log --help" xfedctl log --help
assert_contains "its help says 2 too" "$OUT" "2 --verify found the log altered"
assert_not_contains "nobody says --verify exits 1 when altered" \
	"$(cat "$tmp/xfedctl.txt" "$tmp/xfedd.txt")" "first problem by line number and exit 1"

# And the program does exit 2.
audit=$tmp/audit.jsonl
if ! "$XFED_TOOLS/audit_writer" -n 3 -S "$audit" >/dev/null 2>&1; then
	echo "$TEST_NAME: $XFED_TOOLS/audit_writer failed (run make tests)" >&2
	exit 1
fi
assert_exit 0 "an intact log verifies" xfedctl log --verify "$audit"
sed -i '2s/"event":"[a-z-]*"/"event":"error"/' "$audit"
assert_exit 2 "an altered log: --verify exits 2" xfedctl log --verify "$audit"

finish
