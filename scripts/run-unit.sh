#!/usr/bin/env bash
# Run the Check unit-test binaries given as arguments (make unit passes
# build/tests/check_*), one after the other, with their own output visible
# (Check's "100%: Checks: N, Failures: 0, Errors: 0" per suite).
#
# CK_FORK=yes runs each test in a child, so a crashing test is reported as
# an error instead of killing the whole binary.  A binary passes when it
# exits 0.  The last line is exactly "unit: N passed, M failed", counting
# binaries; the exit status is non-zero when any failed.
set -uo pipefail

export CK_FORK=yes
# Unit tests must not wait forever; Check's own per-test default is 4 s.
timeout_s=${XFED_UNIT_TIMEOUT:-300}

passed=0
failed=0
failed_names=()
for bin in "$@"; do
	name=$(basename "$bin")
	echo "=== $name"
	if [ ! -x "$bin" ]; then
		echo "    not built or not executable: $bin"
		rc=127
	else
		timeout --kill-after=10 "$timeout_s" "$bin" </dev/null 2>&1
		rc=$?
		[ "$rc" -eq 124 ] && echo "    (timed out after ${timeout_s}s)"
	fi
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "=== $name: PASS"
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		echo "=== $name: FAIL (exit $rc)"
	fi
done

[ "$failed" -ne 0 ] && echo "failed: ${failed_names[*]}"
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
