#!/usr/bin/env bash
# bench/profile.sh — where xfedd spends its time at benchmark size.
#
# Starts a private named on 127.0.0.1 with the benchmark's zones
# (BENCH_DOMAINS in BENCH_ZONES, defaults 10000 / 1000, zones named
# explicitly), then profiles three xfedd --once runs: a converge from empty,
# a no-op resync, and the configuration check alone (xfedd -n).  For each
# it prints the wall time, `strace -c -f` (system calls), and, when perf is
# installed, the top of `perf report` (CPU).  named runs alongside, so the
# wall time minus xfedd's CPU time is mostly waiting for the server.
#
#   bench/profile.sh                 # everything
#   PROFILE_TOOLS=strace bench/profile.sh
#   PROFILE_KEEP=DIR bench/profile.sh   # keep perf.data files in DIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=SCRIPTDIR/../tests/lib/named.sh
. "$root/tests/lib/named.sh"

: "${BENCH_DOMAINS:=10000}"
: "${BENCH_ZONES:=1000}"
: "${PROFILE_TOOLS:=perf strace}"
: "${PROFILE_KEEP:=}"
: "${XFEDD:=$root/build/xfedd}"
[ -x "$XFEDD" ] || { echo "profile: $XFEDD not built" >&2; exit 1; }

gen() { python3 "$here/gen.py" "$@" --domains "$BENCH_DOMAINS" --zones "$BENCH_ZONES"; }
while read -r z; do named_zone "$z"; done < <(gen zones)
named_start
cp -a "$XFED_TMP/zones" "$XFED_TMP/pristine"
conf=$XFED_TMP/xfed.conf
gen config | write_config "$conf" -
last_zone=$(gen zones | tail -n1)

fresh() {
	named_kill
	rm -rf "$XFED_TMP/zones" "$XFED_TMP/state" "$XFED_TMP/audit.jsonl"
	cp -a "$XFED_TMP/pristine" "$XFED_TMP/zones"
	mkdir -m 0700 "$XFED_TMP/state"
	named -c "$XFED_TMP/named.conf" -g -n 2 >"$NAMED_LOG" 2>&1 &
	NAMED_PID=$!
	local i
	for i in $(seq 1 300); do
		if dig @127.0.0.1 -p "$NAMED_PORT" +norecurse +time=1 +tries=1 \
			SOA "$last_zone" 2>/dev/null | grep -q 'status: NOERROR'; then
			return 0
		fi
		sleep 0.1
		: "$i"
	done
	echo "profile: named did not come back" >&2
	exit 1
}

has() { [[ " $PROFILE_TOOLS " == *" $1 "* ]] && command -v "$1" >/dev/null; }

# profile LABEL NEEDS_FRESH ARGS... — run xfedd ARGS under each tool.
profile() {
	local label=$1 need_fresh=$2 t0 t1
	shift 2
	echo
	echo "================ $label: xfedd $*"
	[ "$need_fresh" = 1 ] && fresh
	t0=$(date +%s%N)
	/usr/bin/time -f '   cpu: user %U s, sys %S s; peak RSS %M KiB' \
		"$XFEDD" "$@" >/dev/null 2>"$XFED_TMP/prof.err" || true
	t1=$(date +%s%N)
	echo "   wall: $(( (t1 - t0) / 1000000 )) ms"
	tail -n1 "$XFED_TMP/prof.err"
	if has strace; then
		[ "$need_fresh" = 1 ] && fresh
		echo "--- strace -c -w -f (wall time in system calls, top 12)"
		strace -c -w -f -o "$XFED_TMP/strace.txt" "$XFEDD" "$@" >/dev/null 2>&1 || true
		sed -n '1,14p' "$XFED_TMP/strace.txt"
	fi
	if has perf; then
		[ "$need_fresh" = 1 ] && fresh
		local data=$XFED_TMP/perf.data
		[ -n "$PROFILE_KEEP" ] && data=$PROFILE_KEEP/perf.${label// /_}.data
		echo "--- perf report (self time, top 20)"
		perf record -q --call-graph dwarf -o "$data" "$XFEDD" "$@" \
			>/dev/null 2>&1 || true
		perf report -i "$data" --no-children --stdio -g none \
			--sort dso,symbol 2>/dev/null | grep -E '^ +[0-9]' |
			sed 's/[ -]*$//' | head -n 20 || true
		echo "--- perf report (inclusive, top 25)"
		perf report -i "$data" --children --stdio -g caller,0.5,callee \
			--sort symbol 2>/dev/null | grep -E '^ +[0-9]' |
			sed 's/[ -]*$//' | head -n 25 || true
	fi
}

echo "profile: $BENCH_DOMAINS domains in $BENCH_ZONES zones, named on port $NAMED_PORT"
profile "config check" 0 -n -c "$conf"
profile "converge" 1 --once -c "$conf"
# The no-op resync needs the zones converged: converge once, untimed.
fresh
"$XFEDD" --once -c "$conf" >/dev/null 2>&1
profile "no-op resync" 0 --once -c "$conf"
