#!/usr/bin/env bash
# Run the integration tests: every tests/integration/t_*.sh (or the ones
# named in TESTS="t_foo t_bar"), each in its own process with its own
# private named (see tests/lib/named.sh), one after the other.
#
# Each script's output is shown in a section with its name; the last line is
# exactly "integration: N passed, M failed", counting scripts, and the exit
# status is non-zero when any script failed.
#
# Environment passed through to the tests:
#   XFED_VALGRIND=1        run xfedd/xfedctl under valgrind (tests/lib/common.sh)
#   XFED_TEST_TIMEOUT=SEC  per-script time limit (default 300); a script that
#                          hangs is killed (its trap stops its named) and fails
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.." || exit 1

export XFED_VALGRIND=${XFED_VALGRIND:-0}
timeout_s=${XFED_TEST_TIMEOUT:-300}

if [ "$XFED_VALGRIND" = 1 ] && ! command -v valgrind >/dev/null; then
	echo "run-integration: XFED_VALGRIND=1 but valgrind is not installed" >&2
	exit 1
fi

# The scripts to run, by name without directory or .sh.
scripts=()
if [ -n "${TESTS:-}" ]; then
	for t in $TESTS; do
		t=$(basename "$t" .sh)
		scripts+=("$t")
	done
else
	for f in tests/integration/t_*.sh; do
		[ -e "$f" ] || continue
		scripts+=("$(basename "$f" .sh)")
	done
fi

passed=0
failed=0
failed_names=()
for t in "${scripts[@]}"; do
	f=tests/integration/$t.sh
	echo "=== $t"
	start=$SECONDS
	if [ ! -f "$f" ]; then
		echo "    no such test: $f"
		rc=127
	else
		# bash rather than relying on the execute bit; the prefix keeps
		# each line attributable when logs are read later.  timeout
		# signals the script's whole process group, named included.
		timeout --kill-after=10 "$timeout_s" bash "$f" 2>&1 </dev/null |
			sed -u 's/^/    /'
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 124 ] && echo "    (timed out after ${timeout_s}s)"
	fi
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "=== $t: PASS ($((SECONDS - start))s)"
	else
		failed=$((failed + 1))
		failed_names+=("$t")
		echo "=== $t: FAIL (exit $rc, $((SECONDS - start))s)"
	fi
done

[ "$failed" -ne 0 ] && echo "failed: ${failed_names[*]}"
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
