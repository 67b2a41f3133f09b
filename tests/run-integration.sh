#!/usr/bin/env bash
# Run the integration tests: every tests/integration/t_*.sh (or the ones
# named in TESTS="t_foo t_bar"), each in its own process with its own
# private named (see tests/lib/named.sh).
#
# Each script's output is shown in a section with its name (whole, once the
# script is over); the last line is exactly "integration: N passed, M
# failed", counting scripts, and the exit status is non-zero when any script
# failed.
#
# Environment passed through to the tests:
#   XFED_VALGRIND=1        run xfedd/xfedctl under valgrind (tests/lib/common.sh)
#   XFED_TEST_TIMEOUT=SEC  per-script time limit (default 300); a script that
#                          hangs is killed (its trap stops its named) and fails
#   XFED_TEST_JOBS=N       run up to N scripts at once (default 1).  The
#                          scripts are isolated (free ports, private
#                          directories) and mostly wait on servers and
#                          timers; the few that measure how fast something
#                          answers, or load the CPU themselves, are listed in
#                          SERIAL below and always run alone, after the rest.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.." || exit 1

export XFED_VALGRIND=${XFED_VALGRIND:-0}
timeout_s=${XFED_TEST_TIMEOUT:-300}
jobs=${XFED_TEST_JOBS:-1}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "run-integration: XFED_TEST_JOBS must be a positive integer" >&2; exit 1; }

# Timing assertions (an answer within a bound, a ratio of two runs) or a CPU
# load of their own: never beside another script.
SERIAL=" t_ctl_flood t_daemon t_reload_restart t_audit_bounds t_config_bounds "
SERIAL+="t_fuzz_smoke t_bench_small t_stop_in_flight "

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

out=$(mktemp -d "${TMPDIR:-/tmp}/xfed-run.XXXXXX")
trap 'rm -rf "$out"' EXIT

# run_one NAME — run one script; its section goes to $out/NAME.out, its
# status to $out/NAME.rc.
run_one() {
	local t=$1 f=tests/integration/$1.sh start=$SECONDS rc
	{
		echo "=== $t"
		if [ ! -f "$f" ]; then
			echo "    no such test: $f"
			rc=127
		else
			# bash rather than relying on the execute bit; the
			# prefix keeps each line attributable when logs are
			# read later.  timeout signals the script's whole
			# process group, named included.
			timeout --kill-after=10 "$timeout_s" bash "$f" 2>&1 \
				</dev/null | sed -u 's/^/    /'
			rc=${PIPESTATUS[0]}
			[ "$rc" -eq 124 ] && echo "    (timed out after ${timeout_s}s)"
		fi
		if [ "$rc" -eq 0 ]; then
			echo "=== $t: PASS ($((SECONDS - start))s)"
		else
			echo "=== $t: FAIL (exit $rc, $((SECONDS - start))s)"
		fi
	} >"$out/$t.out" 2>&1
	echo "$rc" >"$out/$t.rc"
}

passed=0
failed=0
failed_names=()
report() {
	local t=$1 rc
	cat "$out/$t.out"
	rc=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_names+=("$t")
	fi
}

parallel=()
serial=()
for t in "${scripts[@]}"; do
	if [ "$jobs" -gt 1 ] && [[ $SERIAL != *" $t "* ]]; then
		parallel+=("$t")
	else
		serial+=("$t")
	fi
done

# Up to $jobs at once; each section is printed when its script ends.
declare -A running=()
for t in "${parallel[@]}"; do
	while [ "${#running[@]}" -ge "$jobs" ]; do
		wait -n 2>/dev/null || true
		for r in "${!running[@]}"; do
			if [ -f "$out/$r.rc" ]; then
				report "$r"
				unset "running[$r]"
			fi
		done
	done
	run_one "$t" &
	running[$t]=$!
done
wait
for r in "${!running[@]}"; do
	report "$r"
done
for t in "${serial[@]}"; do
	run_one "$t"
	report "$t"
done

[ "$failed" -ne 0 ] && echo "failed: ${failed_names[*]}"
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
