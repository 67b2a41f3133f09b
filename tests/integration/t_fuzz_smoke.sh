#!/usr/bin/env bash
# t_fuzz_smoke — every libFuzzer target (fuzz/fuzz_*.c) built with ASan and
# UBSan, run over its committed seed corpus and then fuzzed for a short
# while (XFED_FUZZ_SECONDS, default 10 per target).  Any crash, leak,
# undefined behaviour or timeout fails the test; the input that caused it is
# kept under build/fuzz-smoke/crashes/ and named in the output.  The long
# runs are `make fuzz` (fuzz/README.md).  No named needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"

seconds=${XFED_FUZZ_SECONDS:-10}
build=$XFED_ROOT/build/fuzz-smoke

# Without clang's libFuzzer the targets cannot be checked: that is a
# failure, not a reason to skip.
if ! command -v clang >/dev/null 2>&1; then
	echo "$TEST_NAME: clang not found: install the Debian packages" \
	    "'clang libclang-rt-14-dev'" >&2
	exit 1
fi

targets=$(for f in "$XFED_ROOT"/fuzz/fuzz_*.c; do basename "$f" .c; done |
	sed 's/^fuzz_//')
assert_ne "fuzz targets exist" "" "$targets"
for t in $targets; do
	n=$(find "$XFED_ROOT/fuzz/corpus/$t" -type f 2>/dev/null | wc -l)
	if [ "$n" -gt 0 ]; then
		pass "$t has a seed corpus ($n inputs)"
	else
		fail "$t has a seed corpus" "fuzz/corpus/$t is empty or missing"
	fi
done

jobs=1
[ "$(nproc 2>/dev/null || echo 1)" -ge 2 ] && jobs=2
rc=0
# A fixed seed and number of runs: what CI finds, a developer finds again
# with the same command (make fuzz stays random and time-bound).
out=$(FUZZ_BUILD=$build FUZZ_JOBS=$jobs FUZZ_ARGS="-seed=1 -runs=40000" \
	"$XFED_ROOT/fuzz/run.sh" "$seconds" 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/    /'

# The summary has one line per target: name, executions, ..., result.
for t in $targets; do
	line=$(printf '%s\n' "$out" | awk -v t="$t" '$1 == t && NF >= 5')
	if [ -z "$line" ]; then
		fail "$t ran" "no summary line (build failed?)"
		continue
	fi
	execs=$(printf '%s\n' "$line" | awk '{ print $2 }')
	assert_match "$t executed inputs" "$execs" '^[1-9][0-9]*$'
	case $line in
	*" ok") pass "$t: no crash in ${seconds}s ($execs executions)" ;;
	*) fail "$t: no crash in ${seconds}s" "$line" ;;
	esac
done
assert_eq "fuzz/run.sh exit status" 0 "$rc"

finish
