#!/usr/bin/env bash
# fuzz/run.sh — build the libFuzzer targets and run each for a while.
#
#	fuzz/run.sh [SECONDS]	run every target SECONDS (default 60) in turn
#	fuzz/run.sh --build	only build
#	fuzz/run.sh --seeds	rebuild and rewrite the generated seed corpora
#				(fuzz/corpus/response, fuzz/corpus/auditlog)
#
# The library sources (agent/*.c but the two mains) are compiled again with
# clang -fsanitize=fuzzer-no-link,address,undefined (not the gcc-built
# libxfed.a, which has no coverage instrumentation), into $FUZZ_BUILD
# (default build/fuzz).  Each target starts from its committed seeds in
# fuzz/corpus/<target>; what it finds is added to $FUZZ_BUILD/corpus/<target>,
# never to the repository.  A crash, leak, undefined behaviour or timeout is
# saved as $FUZZ_BUILD/crashes/<target>-crash-<sha1> (reproduce it with
# `$FUZZ_BUILD/fuzz_<target> FILE`).
#
# Environment:
#   TARGETS="config control"	a subset (default: every fuzz/fuzz_*.c)
#   FUZZ_JOBS=2			targets run at once (default 1)
#   FUZZ_BUILD=DIR		build directory
#   FUZZ_ARGS="..."		more libFuzzer options
#   FUZZ_CFLAGS="..."		more compiler options (a change rebuilds all)
#
# Prints one line per target (executions, executions per second, corpus
# size, crashes) and exits non-zero when any target crashed or failed to
# build.  Needs clang and its libFuzzer runtime (Debian: clang,
# libclang-rt-14-dev).
set -uo pipefail

# Everything is in main, read whole before it runs: editing this file while
# a long run is under way cannot derail it.
main() {

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root" || exit 1

CC=${FUZZ_CC:-clang}
B=${FUZZ_BUILD:-build/fuzz}
PKGS="ldns libconfuse jansson libsystemd libcrypto"
SAN=("-fsanitize=address,undefined" -fno-sanitize-recover=undefined)
# shellcheck disable=SC2206 # FUZZ_CFLAGS is a list of options
CFLAGS=(-g -O1 -fno-omit-frame-pointer -std=c11 -pthread -D_GNU_SOURCE
	-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes
	-Iinclude -Ifuzz '-DXFED_VERSION="0.1.0"' "${SAN[@]}" ${FUZZ_CFLAGS:-})

mode=run
seconds=60
case "${1:-}" in
--build)	mode=build ;;
--seeds)	mode=seeds ;;
'')		;;
*[!0-9]*)	echo "usage: fuzz/run.sh [SECONDS | --build | --seeds]" >&2
		exit 2 ;;
*)		seconds=$1 ;;
esac

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found: apt-get install clang libclang-rt-14-dev" >&2
	exit 1
fi
# shellcheck disable=SC2086 # PKGS is a list
if ! pkg_cflags=$(pkg-config --cflags $PKGS) ||
    ! pkg_libs=$(pkg-config --libs $PKGS); then
	echo "fuzz: pkg-config cannot find: $PKGS (run make deps)" >&2
	exit 1
fi
mkdir -p "$B/obj" "$B/corpus" "$B/crashes" || exit 1
# Other flags than last time: nothing built with the old ones is kept.
if [ "$(cat "$B/flags" 2>/dev/null)" != "$CC ${CFLAGS[*]}" ]; then
	rm -f "$B"/obj/*.o
	printf '%s\n' "$CC ${CFLAGS[*]}" >"$B/flags"
fi

# obj SRC OBJ [FLAGS] — compile when the source or any header is newer.
obj() {
	local src=$1 o=$2 h
	shift 2
	if [ -f "$o" ] && [ "$o" -nt "$src" ]; then
		for h in include/*.h fuzz/*.h; do
			[ "$h" -nt "$o" ] && break
			h=
		done
		[ -z "$h" ] && return 0
	fi
	# shellcheck disable=SC2086 # pkg_cflags is a list of options
	$CC "${CFLAGS[@]}" "$@" $pkg_cflags -c -o "$o" "$src"
}

build() {
	local f o objs=() t flags
	for f in agent/*.c fuzz/common.c; do
		case $f in agent/xfedd.c|agent/xfedctl.c) continue ;; esac
		o=$B/obj/$(basename "$f" .c).o
		obj "$f" "$o" -fsanitize=fuzzer-no-link || return 1
		objs+=("$o")
	done
	rm -f "$B/libxfed-fuzz.a"
	ar rcs "$B/libxfed-fuzz.a" "${objs[@]}" || return 1
	for t in $TARGETS; do
		obj "fuzz/fuzz_$t.c" "$B/obj/fuzz_$t.o" -fsanitize=fuzzer-no-link ||
			return 1
		flags=()
		# The configuration target reads no key file: fuzz_config.c.
		[ "$t" = config ] &&
			flags=("-Wl,--wrap=xfed_secret_file_read"
			    "-Wl,--wrap=xfed_credential_file_read")
		# shellcheck disable=SC2086 # pkg_libs is a list of options
		$CC "${SAN[@]}" -fsanitize=fuzzer "${flags[@]}" -o "$B/fuzz_$t" \
		    "$B/obj/fuzz_$t.o" "$B/libxfed-fuzz.a" $pkg_libs -pthread ||
			return 1
	done
	obj fuzz/gen_seeds.c "$B/obj/gen_seeds.o" -fsanitize=fuzzer-no-link ||
		return 1
	# shellcheck disable=SC2086 # pkg_libs is a list of options
	$CC "${SAN[@]}" -fsanitize=fuzzer-no-link -o "$B/gen_seeds" \
	    "$B/obj/gen_seeds.o" "$B/libxfed-fuzz.a" $pkg_libs -pthread
}

if [ -z "${TARGETS:-}" ]; then
	TARGETS=$(for f in fuzz/fuzz_*.c; do basename "$f" .c; done |
		sed 's/^fuzz_//' | tr '\n' ' ')
fi

echo "fuzz: building into $B ($CC, ASan+UBSan+libFuzzer)"
if ! build; then
	echo "fuzz: build failed" >&2
	exit 1
fi
case $mode in
build)	exit 0 ;;
seeds)	exec "$B/gen_seeds" fuzz/corpus ;;
esac

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
unset CREDENTIALS_DIRECTORY

# run_one TARGET — fuzz it for $seconds; log in $B/TARGET.log.
run_one() {
	local t=$1 work=$B/corpus/$1 seeds=fuzz/corpus/$1
	mkdir -p "$work"
	[ -d "$seeds" ] || seeds=
	# shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
	"$B/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
	    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$B/crashes/$t-" ${FUZZ_ARGS:-} \
	    "$work" $seeds >"$B/$t.log" 2>&1
	echo $? >"$B/$t.rc"
}

jobs_max=${FUZZ_JOBS:-1}
running=0
for t in $TARGETS; do
	echo "fuzz: $t for ${seconds}s"
	rm -f "$B/$t.rc"
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

failed=0
printf '%-10s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in $TARGETS; do
	log=$B/$t.log
	rc=$(cat "$B/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	# libFuzzer's own count: the corpus as reduced, not every file kept
	units=$(grep -E '^#[0-9]+' "$log" | tail -1 |
		sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		failed=1
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		result="CRASH (exit $rc) ${art:-see $log}"
	fi
	printf '%-10s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" \
	    "${units:-?}" "$result"
	if [ "$rc" -ne 0 ]; then
		grep -E -m 3 'ERROR: |runtime error|==ERROR|SUMMARY' "$log" |
			sed 's/^/    /'
	fi
done
exit $failed
}

main "$@"
