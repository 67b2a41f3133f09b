#!/usr/bin/env bash
# bench/run.sh — `make bench`: xfedd against a hand-batched nsupdate on one
# private BIND on 127.0.0.1 (see bench/README.md).
#
# For each layout (N domains in Z zones, then N domains in one zone) and
# each of BENCH_RUNS runs, on a freshly restarted named with empty zones:
#   converge   xfedd --once from empty
#   no-op      xfedd --once again (nothing to change)
#   change     xfedd --once after one domain's SRV priority changed
# then, on another freshly restarted named with the same empty zones:
#   baseline   one `nsupdate -v` process fed a perfectly batched script
#              (one message per zone, <= 500 records per message)
# and prints the medians, the UPDATE message counts (from the audit log,
# which is always on), peak RSS, and the ratios xfedd/baseline.
#
# Environment:
#   BENCH_DOMAINS   domains (default 10000)
#   BENCH_ZONES     zones of the first layout (default 1000)
#   BENCH_RUNS      runs per measurement, medians reported (default 3)
#   BENCH_ONEZONE   1: also the N-domains-in-one-zone layout (default 1)
#   BENCH_DISCOVER  1: leave `zone` out of the configuration, so xfedd finds
#                   each zone by SOA queries to the server (default 0)
#   BENCH_TIMEOUT   seconds before one xfedd or nsupdate run is abandoned
#                   and reported as TIMEOUT (default 600)
#   BENCH_CONCURRENCY  when set, `concurrency = N` in the configuration
#                   (zones synced at once; unset: xfedd's default)
#   BENCH_SUMMARY   a file to which the figures are also written as
#                   key=value lines (for tests)
#   XFEDD           the xfedd to measure (default build/xfedd)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=SCRIPTDIR/../tests/lib/named.sh
. "$root/tests/lib/named.sh"

: "${BENCH_DOMAINS:=10000}"
: "${BENCH_ZONES:=1000}"
: "${BENCH_RUNS:=3}"
: "${BENCH_ONEZONE:=1}"
: "${BENCH_DISCOVER:=0}"
: "${BENCH_TIMEOUT:=600}"
: "${BENCH_SUMMARY:=}"
: "${BENCH_CONCURRENCY:=}"
: "${XFEDD:=$root/build/xfedd}"

die() { echo "bench: $*" >&2; exit 1; }

for v in BENCH_DOMAINS BENCH_ZONES BENCH_RUNS BENCH_TIMEOUT; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[ "$BENCH_ZONES" -le "$BENCH_DOMAINS" ] || die "BENCH_ZONES > BENCH_DOMAINS"
[ -x "$XFEDD" ] || die "$XFEDD not built (run make first)"
for prog in named nsupdate dig python3 timeout; do
	command -v "$prog" >/dev/null || die "$prog is missing"
done

# Peak RSS through GNU time; install it when we can, else do without.
TIME=/usr/bin/time
if [ ! -x "$TIME" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "bench: installing the 'time' package for peak RSS" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 || true
fi
[ -x "$TIME" ] || { echo "bench: /usr/bin/time missing: no RSS figures" >&2; TIME=""; }

gen() { python3 "$here/gen.py" "$@"; }

# --- one named serving both layouts' zones ------------------------------------
zones_multi=$(gen zones --domains "$BENCH_DOMAINS" --zones "$BENCH_ZONES")
zones_all=$zones_multi
if [ "$BENCH_ONEZONE" = 1 ] && [ "$BENCH_ZONES" != 1 ]; then
	zones_all+=$'\n'one.bench.
fi
while read -r z; do named_zone "$z"; done <<<"$zones_all"
nzones_all=$(wc -l <<<"$zones_all")
last_zone=$(tail -n1 <<<"$zones_all")

echo "bench: starting named with $nzones_all zones on 127.0.0.1" >&2
t0=$(date +%s%N)
named_start
cp -a "$XFED_TMP/zones" "$XFED_TMP/pristine"
echo "bench: named up on port $NAMED_PORT in $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&2
KEYFILE=$(key_file xfed-key)
W=$XFED_TMP/bench
mkdir -p "$W"
# Measure a private copy: a rebuild of build/ during the run must not mix
# two binaries into one set of figures.
cp "$XFEDD" "$W/xfedd"
XFEDD_SHA=$(sha256sum "$XFEDD" | cut -c1-12)
XFEDD=$W/xfedd

# zone_ready ZONE — named answers ZONE's SOA authoritatively.
zone_ready() {
	dig @127.0.0.1 -p "$NAMED_PORT" +norecurse +time=1 +tries=1 SOA "$1" \
		2>/dev/null | grep -q 'status: NOERROR'
}

# fresh_named — restart named on the same port with the zones as they were
# first written (empty but for SOA/NS), and forget xfedd's state and audit.
fresh_named() {
	local i
	named_kill
	rm -rf "$XFED_TMP/zones" "$XFED_TMP/state" "$XFED_TMP/audit.jsonl"
	cp -a "$XFED_TMP/pristine" "$XFED_TMP/zones"
	mkdir -m 0700 "$XFED_TMP/state"
	named -c "$XFED_TMP/named.conf" -g -n 2 >"$NAMED_LOG" 2>&1 &
	NAMED_PID=$!
	for i in $(seq 1 300); do
		kill -0 "$NAMED_PID" 2>/dev/null || break
		if zone_ready "${NAMED_ZONES[0]}" && zone_ready "$last_zone"; then
			return 0
		fi
		sleep 0.1
		: "$i"
	done
	named_log | tail -20 >&2
	die "named did not come back on port $NAMED_PORT"
}

# measure NAME CMD... — run CMD with a time limit; sets M_MS (wall time,
# ms), M_RSS (peak RSS, KiB, or "") and M_RC (exit status, 124: timed
# out).  Its stderr is kept in $W/NAME.err.
measure() {
	local name=$1 t0 t1
	shift
	local cmd=(timeout --kill-after=10 "$BENCH_TIMEOUT" "$@")
	[ -n "$TIME" ] && cmd=("$TIME" -f %M -o "$W/$name.rss" "${cmd[@]}")
	M_RC=0
	t0=$(date +%s%N)
	"${cmd[@]}" >"$W/$name.out" 2>"$W/$name.err" </dev/null || M_RC=$?
	t1=$(date +%s%N)
	M_MS=$(( (t1 - t0) / 1000000 ))
	M_RSS=""
	if [ -n "$TIME" ] && [ -s "$W/$name.rss" ]; then
		M_RSS=$(grep -E '^[0-9]+$' "$W/$name.rss" | tail -n1 || true)
	fi
}

# updates_sent — UPDATE messages in the audit log since the last call.
updates_sent() {
	local n=0 f=$XFED_TMP/audit.jsonl
	if [ -f "$f" ]; then
		n=$(grep -c '"event":"update"[,}]' "$f" || true)
		rm -f "$f"
	fi
	echo "$n"
}

# median VALUE... — the median (the mean of the middle two for an even
# count); "" for none.
median() {
	[ $# -gt 0 ] || { echo ""; return; }
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B — A/B with two decimals, "n/a" when either is missing.
ratio() {
	if [ -z "$1" ] || [ -z "$2" ] || [ "$2" = 0 ]; then echo n/a; return; fi
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'
}

mib() {
	if [ -z "$1" ]; then echo "n/a"; return; fi
	awk -v k="$1" 'BEGIN { printf "%.1f MiB\n", k / 1024 }'
}

summary() { echo "$1=$2"; }

# spot_check LABEL DOMAIN PRIO — the SRV of DOMAIN and the proxy's
# addresses are what the configuration says (queried with dig).  Sets
# SPOT_SRV, SPOT_A, SPOT_AAAA to what was found.
spot_check() {
	SPOT_SRV=$(zone_query "_xmpp-server._tcp.$2" SRV)
	SPOT_A=$(zone_query xmpp.proxy.bench. A)
	SPOT_AAAA=$(zone_query xmpp.proxy.bench. AAAA)
	if [ "$SPOT_SRV" != "$3 0 5269 xmpp.proxy.bench." ] ||
	    [ "$SPOT_A" != 127.0.0.10 ] || [ "$SPOT_AAAA" != ::1 ]; then
		echo "bench: $1: spot check FAILED: SRV of $2 is '$SPOT_SRV'," \
			"A '$SPOT_A', AAAA '$SPOT_AAAA'" >&2
		return 1
	fi
}

# The AXFR of a zone minus SOA, sorted: what xfedd and nsupdate must agree on.
zone_content() {
	zone_axfr "$1" | awk '$4 != "SOA"' | LC_ALL=C sort
}

fail_step() {
	echo "bench: $1 failed (exit $2); its stderr, zones in sync left out:" >&2
	grep -Ev '^[^ ]+: (in sync|updated, )|^xfed: update .* NOERROR ' \
		"$W/$3.err" | tail -n 15 |
		sed 's/^/  /' >&2 || true
	BENCH_FAILED=1
}
BENCH_FAILED=0

# run_layout LABEL KEY NDOM NZONES — every measurement of one layout.
run_layout() {
	local label=$1 key=$2 nd=$3 nz=$4 run disc=()
	local first_dom last_dom first_zone chk=()
	[ "$BENCH_DISCOVER" = 1 ] && disc=(--discover)
	local conf=$W/$key.conf conf2=$W/$key-change.conf script=$W/$key.nsupdate
	gen config --domains "$nd" --zones "$nz" "${disc[@]}" |
		write_config "$conf" -
	gen config --domains "$nd" --zones "$nz" "${disc[@]}" --change |
		write_config "$conf2" -
	if [ -n "$BENCH_CONCURRENCY" ]; then
		sed -i "1a concurrency = $BENCH_CONCURRENCY" "$conf" "$conf2"
	fi
	gen nsupdate --domains "$nd" --zones "$nz" --port "$NAMED_PORT" >"$script"
	first_zone=$(gen zones --domains "$nd" --zones "$nz" | sed -n 2p)
	first_dom=dom0.$first_zone
	last_dom=dom$((nd - 1)).$(gen zones --domains "$nd" --zones "$nz" |
		sed -n "$(( (nd - 1) % nz + 2 ))p")
	local base_msgs
	base_msgs=$(grep -c '^send$' "$script")

	local c_ms=() c_rss=() c_up=() n_ms=() n_rss=() n_up=()
	local x_ms=() x_rss=() x_up=() b_ms=() b_rss=() timeouts=0
	echo
	echo "== $label: $nd domains in $nz zone(s) + proxy zone, $BENCH_RUNS run(s)"
	for run in $(seq 1 "$BENCH_RUNS"); do
		fresh_named
		measure "$key-converge-$run" "$XFEDD" --once -c "$conf"
		local up; up=$(updates_sent)
		printf '   run %d  xfedd converge     %7d ms  rss %6s KiB  %5s UPDATEs  exit %d\n' \
			"$run" "$M_MS" "${M_RSS:-?}" "$up" "$M_RC"
		if [ "$M_RC" != 0 ]; then
			[ "$M_RC" = 124 ] && timeouts=$((timeouts + 1))
			fail_step "xfedd converge ($label, run $run)" "$M_RC" "$key-converge-$run"
		else
			c_ms+=("$M_MS"); c_up+=("$up"); [ -n "$M_RSS" ] && c_rss+=("$M_RSS")
			spot_check "converge" "$first_dom" 0 || BENCH_FAILED=1
			if [ "$run" = 1 ]; then
				chk+=("check_first_srv=$SPOT_SRV" "check_a=$SPOT_A"
					"check_aaaa=$SPOT_AAAA")
			fi
			spot_check "converge" "$last_dom" 0 || BENCH_FAILED=1
			if [ "$run" = 1 ]; then
				chk+=("check_last_srv=$SPOT_SRV")
				zone_content "$first_zone" >"$W/$key.xfedd.zone"
				chk+=("check_first_zone_srv_rrs=$(awk '$4 == "SRV"' \
					"$W/$key.xfedd.zone" | wc -l)")
			fi

			measure "$key-noop-$run" "$XFEDD" --once -c "$conf"
			up=$(updates_sent)
			printf '   run %d  xfedd no-op resync %7d ms  rss %6s KiB  %5s UPDATEs  exit %d\n' \
				"$run" "$M_MS" "${M_RSS:-?}" "$up" "$M_RC"
			if [ "$M_RC" = 0 ]; then
				n_ms+=("$M_MS"); n_up+=("$up"); [ -n "$M_RSS" ] && n_rss+=("$M_RSS")
			else
				fail_step "xfedd no-op ($label, run $run)" "$M_RC" "$key-noop-$run"
			fi

			measure "$key-change-$run" "$XFEDD" --once -c "$conf2"
			up=$(updates_sent)
			printf '   run %d  xfedd one change   %7d ms  rss %6s KiB  %5s UPDATEs  exit %d\n' \
				"$run" "$M_MS" "${M_RSS:-?}" "$up" "$M_RC"
			if [ "$M_RC" = 0 ]; then
				x_ms+=("$M_MS"); x_up+=("$up"); [ -n "$M_RSS" ] && x_rss+=("$M_RSS")
				spot_check "change" "$first_dom" 10 || BENCH_FAILED=1
				[ "$run" != 1 ] || chk+=("check_changed_srv=$SPOT_SRV")
			else
				fail_step "xfedd change ($label, run $run)" "$M_RC" "$key-change-$run"
			fi
		fi

		fresh_named
		measure "$key-baseline-$run" nsupdate -v -t 30 -k "$KEYFILE" "$script"
		printf '   run %d  nsupdate baseline  %7d ms  rss %6s KiB  %5s UPDATEs  exit %d\n' \
			"$run" "$M_MS" "${M_RSS:-?}" "$base_msgs" "$M_RC"
		if [ "$M_RC" = 0 ]; then
			b_ms+=("$M_MS"); [ -n "$M_RSS" ] && b_rss+=("$M_RSS")
			spot_check "baseline" "$first_dom" 0 || BENCH_FAILED=1
			if [ "$run" = 1 ] && [ -f "$W/$key.xfedd.zone" ]; then
				zone_content "$first_zone" >"$W/$key.base.zone"
				if cmp -s "$W/$key.xfedd.zone" "$W/$key.base.zone"; then
					chk+=("check_same_as_baseline=yes")
				else
					echo "bench: $first_zone differs between xfedd and the baseline:" >&2
					diff "$W/$key.xfedd.zone" "$W/$key.base.zone" | head >&2 || true
					chk+=("check_same_as_baseline=no")
					BENCH_FAILED=1
				fi
			fi
		else
			fail_step "nsupdate baseline ($label, run $run)" "$M_RC" "$key-baseline-$run"
		fi
	done

	local cm nm xm bm crss nrss xrss brss peak
	cm=$(median "${c_ms[@]}"); nm=$(median "${n_ms[@]}"); xm=$(median "${x_ms[@]}")
	bm=$(median "${b_ms[@]}")
	crss=$(median "${c_rss[@]}"); nrss=$(median "${n_rss[@]}"); xrss=$(median "${x_rss[@]}")
	brss=$(median "${b_rss[@]}")
	peak=$(printf '%s\n' "$crss" "$nrss" "$xrss" | sort -n | tail -n1)
	echo "-- $label medians (of ${#c_ms[@]} completed run(s); $timeouts timed out after ${BENCH_TIMEOUT}s)"
	printf '   %-28s %8s ms  %5s UPDATEs  peak RSS %s\n' \
		"xfedd converge from empty" "${cm:-n/a}" "$(median "${c_up[@]}")" "$(mib "$crss")"
	printf '   %-28s %8s ms  %5s UPDATEs  peak RSS %s\n' \
		"xfedd no-op resync" "${nm:-n/a}" "$(median "${n_up[@]}")" "$(mib "$nrss")"
	printf '   %-28s %8s ms  %5s UPDATEs  peak RSS %s\n' \
		"xfedd one-domain change" "${xm:-n/a}" "$(median "${x_up[@]}")" "$(mib "$xrss")"
	printf '   %-28s %8s ms  %5s UPDATEs  peak RSS %s\n' \
		"baseline nsupdate converge" "${bm:-n/a}" "$base_msgs" "$(mib "$brss")"
	printf '   ratio converge   xfedd/baseline  %s\n' "$(ratio "$cm" "$bm")"
	printf '   ratio no-op      xfedd/baseline  %s\n' "$(ratio "$nm" "$bm")"
	printf '   ratio change     xfedd/baseline  %s\n' "$(ratio "$xm" "$bm")"
	printf '   ratio peak RSS   xfedd/nsupdate  %s\n' "$(ratio "$peak" "$brss")"

	{
		summary "${key}_domains" "$nd"
		summary "${key}_zones" "$nz"
		summary "${key}_converge_ms" "${cm:-}"
		summary "${key}_noop_ms" "${nm:-}"
		summary "${key}_change_ms" "${xm:-}"
		summary "${key}_baseline_ms" "${bm:-}"
		summary "${key}_converge_updates" "$(median "${c_up[@]}")"
		summary "${key}_noop_updates" "$(median "${n_up[@]}")"
		summary "${key}_change_updates" "$(median "${x_up[@]}")"
		summary "${key}_baseline_updates" "$base_msgs"
		summary "${key}_xfedd_peak_rss_kib" "${peak:-}"
		summary "${key}_baseline_rss_kib" "${brss:-}"
		summary "${key}_ratio_converge" "$(ratio "$cm" "$bm")"
		summary "${key}_ratio_noop" "$(ratio "$nm" "$bm")"
		summary "${key}_ratio_change" "$(ratio "$xm" "$bm")"
		summary "${key}_timeouts" "$timeouts"
		local c
		for c in "${chk[@]}"; do
			summary "${key}_${c%%=*}" "${c#*=}"
		done
	} >"$W/$key.summary"
}

[ -z "$BENCH_SUMMARY" ] || : >"$BENCH_SUMMARY"
echo "bench: $("$XFEDD" -V 2>&1 | head -n1) (binary sha256 $XFEDD_SHA...), $(nproc) CPU(s), $(uname -srm)"
echo "bench: $(named -v | head -n1 | cut -d" " -f1-2), one named -n 2; baseline nsupdate -v"
echo "bench: zones named explicitly in the configuration: $([ "$BENCH_DISCOVER" = 1 ] && echo no, discovered || echo yes); concurrency: ${BENCH_CONCURRENCY:-xfedd default}"
echo "bench: audit log on (always; fsync per record); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
run_layout "multi-zone" multi "$BENCH_DOMAINS" "$BENCH_ZONES"
if [ "$BENCH_ONEZONE" = 1 ] && [ "$BENCH_ZONES" != 1 ]; then
	run_layout "one-zone" one "$BENCH_DOMAINS" 1
fi

# --- the issue's targets --------------------------------------------------
get() { sed -n "s/^$1=//p" "$W"/*.summary | head -n1; }
verdict() { # VALUE OP LIMIT
	if [ -z "$1" ] || [ "$1" = n/a ]; then echo "n/a"; return; fi
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
		ok = (op == "le") ? v <= l : 0; print ok ? "met" : "MISSED" }'
}
echo
echo "== summary (medians; targets from issue 6)"
r=$(get multi_ratio_converge)
printf '   converge %s/%s       xfedd/baseline %5s  (target <= 1.00: %s)\n' \
	"$BENCH_DOMAINS" "$BENCH_ZONES" "$r" "$(verdict "$r" le 1.0)"
if [ -n "$(get one_ratio_converge)" ]; then
	r=$(get one_ratio_converge)
	printf '   converge %s/1          xfedd/baseline %5s  (target <= 1.50: %s)\n' \
		"$BENCH_DOMAINS" "$r" "$(verdict "$r" le 1.5)"
fi
r=$(get multi_ratio_noop)
printf '   no-op resync %s/%s   xfedd/baseline %5s  (target <= 0.25: %s)\n' \
	"$BENCH_DOMAINS" "$BENCH_ZONES" "$r" "$(verdict "$r" le 0.25)"
if [ -n "$(get one_ratio_noop)" ]; then
	r=$(get one_ratio_noop)
	printf '   no-op resync %s/1      xfedd/baseline %5s  (target <= 0.25: %s)\n' \
		"$BENCH_DOMAINS" "$r" "$(verdict "$r" le 0.25)"
fi
peak=$(cat "$W"/*.summary | sed -n 's/^[a-z]*_xfedd_peak_rss_kib=//p' | sort -n | tail -n1)
printf '   peak RSS xfedd              %s  (target <= 32 MiB: %s)\n' \
	"$(mib "$peak")" "$(verdict "$peak" le 32768)"
echo "   (audit log on in every xfedd run; load average at end: $(cut -d' ' -f1-3 /proc/loadavg))"
[ -z "$BENCH_SUMMARY" ] || cat "$W"/*.summary >>"$BENCH_SUMMARY"

if [ "$BENCH_FAILED" != 0 ]; then
	echo "bench: some steps FAILED (see above)" >&2
	exit 1
fi
