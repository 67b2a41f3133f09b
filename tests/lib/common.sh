# shellcheck shell=bash
#
# tests/lib/common.sh — small assertion helpers for xfed's shell tests.
#
#	. "$(dirname "$0")/../lib/common.sh"
#	assert_eq "greeting" "hello" "$(echo hello)"
#	assert_exit 2 "unreachable server" xfedd --once -c "$conf"
#	finish			# last line: exit status = any assertion failed
#
# Each assertion prints one "ok"/"FAIL" line naming the test script and the
# assertion; a failure also shows what was expected and what came instead.
# finish, the test's last command, prints the tally and exits non-zero if
# anything failed.  A script that dies earlier (set -e) exits non-zero too.

XFED_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export XFED_ROOT
TEST_NAME=$(basename "$0" .sh)
TESTS_PASSED=0
TESTS_FAILED=0

# The programs under test; override to test an installed build.
: "${XFEDD:=$XFED_ROOT/build/xfedd}"
: "${XFEDCTL:=$XFED_ROOT/build/xfedctl}"
# The test tools (race_sync, fakedns, audit_writer): the same build's.
: "${XFED_TOOLS:=$XFED_ROOT/build/tests}"
export XFEDD XFEDCTL XFED_TOOLS

# audit_select, audit_count, rrs, all_zones.
# shellcheck source=SCRIPTDIR/records.sh
. "$XFED_ROOT/tests/lib/records.sh"

# With XFED_VALGRIND=1 (passed through by tests/run-integration.sh) every
# xfedd/xfedctl run goes through valgrind; a memory error or a definite leak
# becomes exit status 99, which no assertion expects, so it fails the test.
XFED_VALGRIND_CMD=()
if [ "${XFED_VALGRIND:-0}" = 1 ]; then
	XFED_VALGRIND_CMD=(valgrind -q --error-exitcode=99 --leak-check=full
		--errors-for-leak-kinds=definite --track-fds=no)
fi

# xfedd ARGS... / xfedctl ARGS... — run the programs under test.
xfedd() { "${XFED_VALGRIND_CMD[@]}" "$XFEDD" "$@"; }
xfedctl() { "${XFED_VALGRIND_CMD[@]}" "$XFEDCTL" "$@"; }

# xfedd_start LOG [ARG...] — xfedd -f ARG... in the background (under
# valgrind when asked), its standard error in LOG; its pid in xfedd_pid;
# killed however the test ends.  Needs named.sh's at_exit.
xfedd_start() {
	local log=$1
	shift
	"${XFED_VALGRIND_CMD[@]}" "$XFEDD" -f "$@" 2>"$log" &
	xfedd_pid=$!
	at_exit "kill -9 $xfedd_pid 2>/dev/null || true"
}

# need_binaries — fail the script at once (clearly) when the build is missing.
need_binaries() {
	local b
	for b in "$XFEDD" "$XFEDCTL"; do
		if [ ! -x "$b" ]; then
			echo "$TEST_NAME: $b not built (run make first)" >&2
			exit 1
		fi
	done
}

# wait_for WHAT 'SHELL CONDITION' [SECONDS] — wait up to SECONDS (default
# 10) for the condition, evaluated afresh on every try, to hold; one
# assertion.  Single-quote the condition so it is not expanded at the call.
wait_for() {
	local what=$1 cond=$2 tenths=$(( ${3:-10} * 10 )) i
	for ((i = 0; i < tenths; i++)); do
		if eval "$cond" >/dev/null 2>&1; then pass "$what"; return 0; fi
		sleep 0.1
	done
	fail "$what" "waited ${3:-10} s for: $cond"
}

# notify_listen LOG — a stand-in for systemd's notification socket at
# $XFED_TMP/notify.sock (its path in NOTIFY_SOCK), appending every message
# line to LOG; stopped at exit (at_exit, named.sh).
notify_listen() {
	NOTIFY_SOCK=$XFED_TMP/notify.sock
	python3 "$XFED_ROOT/tests/tools/notify_listen.py" "$NOTIFY_SOCK" "$1" &
	at_exit "kill $! 2>/dev/null || true"
	for _ in $(seq 50); do [ -S "$NOTIFY_SOCK" ] && return 0; sleep 0.1; done
	echo "$TEST_NAME: the notification listener did not start" >&2
	return 1
}

pass() {
	TESTS_PASSED=$((TESTS_PASSED + 1))
	echo "ok   $TEST_NAME: $1"
}

# fail MESSAGE [DETAIL...] — count a failure; each DETAIL on its own line.
fail() {
	TESTS_FAILED=$((TESTS_FAILED + 1))
	echo "FAIL $TEST_NAME: $1"
	shift
	local d
	for d in "$@"; do
		printf '%s\n' "$d" | sed 's/^/       /'
	done
}

# show VALUE — a value as the failure text prints it: empty marked as such.
show() {
	if [ -z "$1" ]; then echo "(empty)"; else printf '%s' "$1"; fi
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: $(show "$2")" "actual:   $(show "$3")"
	fi
}

# assert_ne WHAT UNEXPECTED ACTUAL
assert_ne() {
	if [ "$2" != "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected anything but: $(show "$2")"
	fi
}

# assert_contains WHAT HAYSTACK NEEDLE — NEEDLE is a fixed string.
assert_contains() {
	if [[ "$2" == *"$3"* ]]; then
		pass "$1"
	else
		fail "$1" "expected to contain: $3" "actual: $(show "$2")"
	fi
}

# assert_not_contains WHAT HAYSTACK NEEDLE
assert_not_contains() {
	if [[ "$2" != *"$3"* ]]; then
		pass "$1"
	else
		fail "$1" "expected NOT to contain: $3" "actual: $2"
	fi
}

# assert_match WHAT STRING ERE — STRING matches the extended regex ERE.
assert_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		pass "$1"
	else
		fail "$1" "expected to match: $3" "actual: $(show "$2")"
	fi
}

# assert_empty WHAT VALUE
assert_empty() {
	if [ -z "$2" ]; then
		pass "$1"
	else
		fail "$1" "expected nothing, got: $2"
	fi
}

# assert_nonempty WHAT VALUE
assert_nonempty() {
	if [ -n "$2" ]; then
		pass "$1"
	else
		fail "$1" "expected some output, got nothing"
	fi
}

# assert_exit CODE WHAT CMD [ARG...] — run CMD, expect exit status CODE.
# Its output is kept in $OUT (stdout) and $ERR (stderr) for later checks,
# and shown when the status differs.
OUT=""
ERR=""
assert_exit() {
	local want=$1 what=$2 rc=0 errf
	shift 2
	errf=$(mktemp)
	OUT=$("$@" 2>"$errf") || rc=$?
	ERR=$(cat "$errf")
	rm -f "$errf"
	if [ "$rc" -eq "$want" ]; then
		pass "$what (exit $rc)"
	else
		fail "$what" "command: $*" "expected exit $want, got $rc" \
			"stdout: $(show "$OUT")" "stderr: $(show "$ERR")"
	fi
}

# assert_file_contains WHAT FILE NEEDLE
assert_file_contains() {
	if [ -f "$2" ] && grep -qF -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1" "expected $2 to contain: $3"
	fi
}

# finish — print the tally; exit 1 if any assertion failed (or none ran:
# a test that checked nothing has not passed).
finish() {
	echo "$TEST_NAME: $TESTS_PASSED passed, $TESTS_FAILED failed"
	if [ "$TESTS_FAILED" -ne 0 ] || [ "$TESTS_PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}
