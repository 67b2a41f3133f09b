#!/usr/bin/env bash
# t_audit_bounds — what a crash or junk at the end of the audit log costs:
# the writer finds its last record behind 32 MiB of NULs about as fast as
# behind 1 MiB (it scans back in blocks; it used to regrow a buffer per
# block, quadratic: 26 s at 32 MiB); `xfedctl log` and `--verify` read such
# a file in time linear in its size; a 256 MiB line is skipped without being
# held in memory ("line too long"), and the record after it still shows;
# the table's header appears only above a first row (none before an error).
# No named needed: the real writer through tests/tools/audit_writer.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"

need_binaries
WRITER=$XFED_TOOLS/audit_writer
if [ ! -x "$WRITER" ]; then
	echo "$TEST_NAME: $WRITER not built (run make tests first)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xfed-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ms CMD... — run CMD (output discarded); its wall time in ms in $MS.
ms() {
	local start
	start=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	MS=$(( ($(date +%s%N) - start) / 1000000 ))
}

# linear WHAT SMALL_MS BIG_MS — BIG (32x the junk) within a generous
# ratio of SMALL: 8x, plus a second for a busy machine.  Quadratic is
# ~1000x.
linear() {
	if [ "$3" -le $(( 8 * $2 + 1000 )) ]; then
		pass "$1: 32 MiB in $3 ms, 1 MiB in $2 ms"
	else
		fail "$1: not linear" "1 MiB: $2 ms, 32 MiB: $3 ms"
	fi
}

# prev_links FILE — the last line's "prev" is the hash of the last line
# that is a record before it.
prev_links() {
	python3 - "$1" <<'EOF'
import hashlib, json, sys
recs = []
with open(sys.argv[1], 'rb') as f:
    for line in f:
        line = line.rstrip(b'\n')
        try:
            recs.append((line, json.loads(line)))
        except ValueError:
            pass
print("yes" if recs[-1][1]["prev"] ==
      hashlib.sha256(recs[-2][0]).hexdigest() else "no")
EOF
}

base=$tmp/base.jsonl
"$WRITER" -n 5 -S "$base" >/dev/null

# --- the writer, opening a log that ends in NULs ------------------------------
for mb in 1 32; do
	cp "$base" "$tmp/nul$mb.jsonl"
	head -c $((mb * 1048576)) /dev/zero >>"$tmp/nul$mb.jsonl"
done
# A warm-up, so that the first run does not pay for the page cache.
ms cat "$tmp/nul32.jsonl"
ms "$WRITER" -n 1 -S "$tmp/nul1.jsonl"
small=$MS
ms "$WRITER" -n 1 -S "$tmp/nul32.jsonl"
linear "writer after a NUL tail" "$small" "$MS"
assert_eq "the new record links to the last one before the NULs" yes \
	"$(prev_links "$tmp/nul32.jsonl")"
assert_eq "and starts on a fresh line" 7 "$(wc -l <"$tmp/nul32.jsonl")"

# --- xfedctl log and --verify on the same files -----------------------------
ms "$XFEDCTL" log "$tmp/nul1.jsonl"
small=$MS
ms "$XFEDCTL" log "$tmp/nul32.jsonl"
linear "xfedctl log after a NUL tail" "$small" "$MS"
ms "$XFEDCTL" log --verify "$tmp/nul1.jsonl"
small=$MS
ms "$XFEDCTL" log --verify "$tmp/nul32.jsonl"
linear "xfedctl log --verify after a NUL tail" "$small" "$MS"
assert_exit 0 "xfedctl log reads past the NULs" xfedctl log --json "$tmp/nul32.jsonl"
assert_eq "all six records" 6 "$(printf '%s\n' "$OUT" | grep -c '"event":"update"')"
assert_contains "the NULs are named" "$ERR" "nul32.jsonl:6: line too long (not a record), skipped"
rm -f "$tmp"/nul*.jsonl

# --- a 256 MiB line: skipped in bounded memory, what follows still read ------
long=$tmp/long.jsonl
cp "$base" "$long"
head -c 268435456 /dev/zero | tr '\0' x >>"$long"
echo >>"$long"
"$WRITER" -n 1 -S "$long" >/dev/null 2>&1
rss=$tmp/rss
rc=0
/usr/bin/time -o "$rss" -f %M "$XFEDCTL" log "$long" >"$tmp/out" \
	2>"$tmp/err" || rc=$?
assert_eq "log over a 256 MiB line: exit 0" 0 "$rc"
kb=$(tail -n 1 "$rss")
if [ "$kb" -lt 65536 ]; then
	pass "log over a 256 MiB line: peak RSS $kb KiB"
else
	fail "log over a 256 MiB line holds it" "peak RSS $kb KiB"
fi
assert_file_contains "the long line is named" "$tmp/err" \
	"long.jsonl:6: line too long (not a record), skipped"
assert_eq "the records around it are printed (and one header)" 7 \
	"$(grep -c . "$tmp/out")"
assert_eq "the record after it is printed" 1 \
	"$(tail -n 1 "$tmp/out" | grep -c ' update ')"
rc=0
/usr/bin/time -o "$rss" -f %M "$XFEDCTL" log --verify "$long" >"$tmp/out" \
	2>"$tmp/err" || rc=$?
assert_eq "--verify over a 256 MiB line: broken (exit 2)" 2 "$rc"
kb=$(tail -n 1 "$rss")
if [ "$kb" -lt 65536 ]; then
	pass "--verify over a 256 MiB line: peak RSS $kb KiB"
else
	fail "--verify over a 256 MiB line holds it" "peak RSS $kb KiB"
fi
assert_file_contains "--verify names the long line" "$tmp/out" \
	"long.jsonl:6: line too long (268435456 bytes"
rm -f "$long"

# --- the header: above the first row, never above an error -------------------
assert_exit 1 "an unreadable file" xfedctl log "$tmp/missing.jsonl"
assert_empty "no header before the error" "$OUT"
assert_contains "the error is said" "$ERR" "missing.jsonl: No such file"
assert_exit 1 "a readable file, then an unreadable one" \
	xfedctl log "$base" "$tmp/missing.jsonl"
assert_eq "one header, five rows" 6 "$(printf '%s\n' "$OUT" | grep -c .)"
assert_match "the header first" "$(printf '%s\n' "$OUT" | head -n 1)" '^TIME +EVENT'
assert_exit 0 "no record matches" xfedctl log --event error "$base"
assert_empty "no header without rows" "$OUT"

finish
