#!/usr/bin/env bash
# t_bench_small — `make bench` at a small size (200 domains in 20 zones, and
# 200 in one zone, one run each) so the benchmark code keeps working: it
# completes, xfedd converged (records checked with dig by bench/run.sh and
# reported in its summary file), the one-domain change landed, xfedd and the
# nsupdate baseline published the same records, and every figure and ratio
# was printed.  No timing assertions: this is CI, not a measurement.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"

need_binaries

work=$(mktemp -d "${TMPDIR:-/tmp}/xfed-bench-test.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
summary=$work/summary
out=$work/out

rc=0
BENCH_DOMAINS=200 BENCH_ZONES=20 BENCH_RUNS=1 BENCH_ONEZONE=1 \
	BENCH_TIMEOUT=120 BENCH_SUMMARY=$summary XFEDD=$XFEDD \
	bash "$XFED_ROOT/bench/run.sh" >"$out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	sed 's/^/  bench: /' "$out"
fi
assert_eq "bench/run.sh completes" 0 "$rc"

# val KEY — a value from the summary file.
val() { sed -n "s/^$1=//p" "$summary" 2>/dev/null | head -n1; }

srv='0 0 5269 xmpp.proxy.bench.'
for layout in multi one; do
	zones=20
	[ "$layout" = one ] && zones=1
	assert_eq "$layout: layout size" "200/$zones" \
		"$(val "${layout}_domains")/$(val "${layout}_zones")"
	assert_eq "$layout: SRV of the first domain" "$srv" \
		"$(val "${layout}_check_first_srv")"
	assert_eq "$layout: SRV of the last domain" "$srv" \
		"$(val "${layout}_check_last_srv")"
	assert_eq "$layout: proxy A" 127.0.0.10 "$(val "${layout}_check_a")"
	assert_eq "$layout: proxy AAAA" ::1 "$(val "${layout}_check_aaaa")"
	assert_eq "$layout: every SRV of the first zone" $((200 / zones)) \
		"$(val "${layout}_check_first_zone_srv_rrs")"
	assert_eq "$layout: one-domain change applied" \
		"10 0 5269 xmpp.proxy.bench." "$(val "${layout}_check_changed_srv")"
	assert_eq "$layout: xfedd and nsupdate published the same zone" yes \
		"$(val "${layout}_check_same_as_baseline")"
	for f in converge_ms noop_ms change_ms baseline_ms; do
		assert_match "$layout: $f measured" "$(val "${layout}_$f")" '^[0-9]+$'
	done
	for f in ratio_converge ratio_noop ratio_change; do
		assert_match "$layout: $f computed" "$(val "${layout}_$f")" \
			'^[0-9]+\.[0-9]{2}$'
	done
	# One message per zone plus the proxy zone (20 SRV+TXT per zone fit
	# in one); nothing to send on the no-op; one message for the change.
	if [ "$layout" = multi ]; then
		assert_eq "$layout: UPDATEs to converge" 21 \
			"$(val "${layout}_converge_updates")"
	fi
	assert_eq "$layout: no UPDATE on the no-op resync" 0 \
		"$(val "${layout}_noop_updates")"
	assert_eq "$layout: one UPDATE for one change" 1 \
		"$(val "${layout}_change_updates")"
	assert_eq "$layout: no run timed out" 0 "$(val "${layout}_timeouts")"
done

text=$(cat "$out")
for line in "xfedd converge from empty" "xfedd no-op resync" \
	"xfedd one-domain change" "baseline nsupdate converge" \
	"ratio converge   xfedd/baseline" "ratio no-op      xfedd/baseline" \
	"ratio peak RSS   xfedd/nsupdate" "converge 200/20" "converge 200/1 " \
	"no-op resync 200/20" "peak RSS xfedd"; do
	assert_contains "figure printed: $line" "$text" "$line"
done

finish
