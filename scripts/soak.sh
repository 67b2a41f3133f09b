#!/usr/bin/env bash
# scripts/soak.sh — `make soak`: the agent under constant interference.
#
# Runs build/xfedd -f with `interval = 1` for SOAK_MINUTES (default 10)
# against a private BIND on 127.0.0.1 (tests/lib/named.sh) serving five
# zones of ten federated domains each plus a zone of shared proxy hosts,
# while an editor process keeps changing the zones with nsupdate, every
# 0.2-1 s at random: it adds foreign records (at unrelated names, and a
# foreign TXT beside owned names), deletes owned SRV/A/AAAA RRsets and whole
# owned names (records and marker), replaces owned addresses and slips
# stray SRV records into owned RRsets.  Every minute: `xfedctl status`,
# `xfedctl sync`, a SIGHUP reload (alternately adding and removing one
# domain), an audit-log rotation with SIGUSR1, and `xfedctl log --verify`
# of every file so far.  xfedd's RSS and open descriptors are sampled every
# 10 s.
#
# At the end the editor stops, one `xfedctl sync --force` clears any
# flapping hold, a plain `xfedctl sync` must find everything in sync, and
# AXFRs must show every declared record with its value and TTL, every
# marker, no stray marker, and every foreign record exactly as the editor
# added it.  The audit log must verify, every intent must have its update,
# and xfedd must exit 0 on SIGTERM.  Flapping refusals are reported, not
# failures (the editor may undo the same thing in a row by chance).
#
# Environment:
#	SOAK_MINUTES=10		duration of the editing phase
#	SOAK_SEED=N		seed $RANDOM (the editor's choices) for a rerun
#	SOAK_RSS_TOLERANCE=10	allowed RSS growth, percent, start to end
#	SOAK_KEEP=1		keep the private directory (logs, AXFRs)
#
# Everything stays on 127.0.0.1; nothing here is part of `make check`.
# The last line is "soak: N passed, M failed"; the exit status is non-zero
# on any failed check.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=SCRIPTDIR/../tests/lib/common.sh
. "$root/tests/lib/common.sh"
# shellcheck source=SCRIPTDIR/../tests/lib/named.sh
. "$root/tests/lib/named.sh"

minutes=${SOAK_MINUTES:-10}
rss_tol=${SOAK_RSS_TOLERANCE:-10}
case $minutes in
'' | *[!0-9]* | 0) echo "soak: SOAK_MINUTES must be a positive integer" >&2; exit 1 ;;
esac
if [ -n "${SOAK_SEED:-}" ]; then
	RANDOM=$SOAK_SEED
fi
seed=${SOAK_SEED:-$RANDOM}
RANDOM=$seed
[ -n "${SOAK_KEEP:-}" ] && export XFED_KEEP_TMP=1

need_binaries

# --- the federation ---------------------------------------------------------
#
# Declared names and their records are built once, in bash, and used three
# times: for the configuration, for the editor's choice of targets, and for
# the final comparison with the live zones.

ZONES=(soak1.test. soak2.test. soak3.test. soak4.test. soak5.test.)
PZONE=proxy.test.
MARKER='"heritage=xfed,owner=xfed"'

# Pre-existing foreign records, there before xfedd starts: one unrelated
# name per zone, and a foreign TXT at one owned name (the marker must take
# its TTL).
for z in "${ZONES[@]}"; do
	named_zone "$z" 'www 300 IN A 127.0.0.2' \
		'_xmpp-server._tcp.d01 900 IN TXT "pre-existing foreign txt"'
done
named_zone "$PZONE" 'www 300 IN A 127.0.0.3'

declare -A P_HOST P_V4 P_V6 P_TTL P_ZONE
PROXIES=()
proxy() {	# NAME HOST ZONE TTL "V4..." "V6..."
	PROXIES+=("$1")
	P_HOST[$1]=$2 P_ZONE[$1]=$3 P_TTL[$1]=$4 P_V4[$1]=$5 P_V6[$1]=$6
}
proxy edge1 edge1.proxy.test. "$PZONE" 3600 "203.0.113.10 203.0.113.11" "2001:db8::10"
proxy edge2 edge2.proxy.test. "$PZONE" 600 "203.0.113.20" ""
proxy edge3 edge3.proxy.test. "$PZONE" 1800 "203.0.113.30" "2001:db8::30"
proxy edge4 edge4.proxy.test. "$PZONE" 300 "" "2001:db8::40 2001:db8::41"
i=0
for z in "${ZONES[@]}"; do
	i=$((i + 1))
	proxy "local$i" "xmpp.$z" "$z" 900 "198.51.100.$i" ""
done

declare -A D_ZONE D_PROXIES D_TTL D_PRIO D_WEIGHT D_TLS
DOMAINS=()
i=0
for z in "${ZONES[@]}"; do
	i=$((i + 1))
	for n in 01 02 03 04 05 06 07 08 09 10; do
		d=d$n.$z
		DOMAINS+=("$d")
		D_ZONE[$d]=$z
		case $n in
		01 | 02 | 03) D_PROXIES[$d]=edge1 ;;
		04 | 05 | 06) D_PROXIES[$d]=local$i ;;
		07 | 08) D_PROXIES[$d]="edge2 edge3" ;;
		09) D_PROXIES[$d]=edge4 ;;
		10) D_PROXIES[$d]="local$i edge1" ;;
		esac
		case $n in
		01 | 04 | 07 | 10) D_TTL[$d]=3600 ;;
		02 | 05 | 08) D_TTL[$d]=1200 ;;
		*) D_TTL[$d]=600 ;;
		esac
		D_PRIO[$d]=0 D_WEIGHT[$d]=0
		case $n in 03 | 06) D_PRIO[$d]=10 D_WEIGHT[$d]=5 ;; esac
		D_TLS[$d]=false
		case $n in 02 | 05 | 08) D_TLS[$d]=true ;; esac
	done
done

# The domain added and removed by the minute's reload, with a proxy of its
# own (its address goes with it).  The editor leaves it alone.
TOGGLE_D=toggle.soak5.test.
TOGGLE_SRV=_xmpp-server._tcp.$TOGGLE_D
TOGGLE_HOST=xmpp-toggle.soak5.test.
TOGGLE_V4=198.51.100.200

# expected_records [toggle] — every declared RR (not the markers), one per
# line: "ZONE NAME TTL TYPE RDATA".
expected_records() {
	local p d a t port srv
	for p in "${PROXIES[@]}"; do
		for a in ${P_V4[$p]}; do
			echo "${P_ZONE[$p]} ${P_HOST[$p]} ${P_TTL[$p]} A $a"
		done
		for a in ${P_V6[$p]}; do
			echo "${P_ZONE[$p]} ${P_HOST[$p]} ${P_TTL[$p]} AAAA $a"
		done
	done
	for d in "${DOMAINS[@]}"; do
		for port in 5269 5270; do
			srv=_xmpp-server._tcp.$d
			if [ "$port" = 5270 ]; then
				[ "${D_TLS[$d]}" = true ] || continue
				srv=_xmpps-server._tcp.$d
			fi
			for t in ${D_PROXIES[$d]}; do
				echo "${D_ZONE[$d]} $srv ${D_TTL[$d]} SRV" \
					"${D_PRIO[$d]} ${D_WEIGHT[$d]} $port ${P_HOST[$t]}"
			done
		done
	done
	if [ "${1:-}" = toggle ]; then
		echo "soak5.test. $TOGGLE_HOST 300 A $TOGGLE_V4"
		echo "soak5.test. $TOGGLE_SRV 300 SRV 0 0 5269 $TOGGLE_HOST"
	fi
}

# owned_names [toggle] — "ZONE NAME KIND TTL" for every name xfed owns
# (KIND srv or host; TTL the declared one, which a marker has unless a
# foreign TXT RRset was there first).
owned_names() {
	local p d
	for p in "${PROXIES[@]}"; do
		echo "${P_ZONE[$p]} ${P_HOST[$p]} host ${P_TTL[$p]}"
	done
	for d in "${DOMAINS[@]}"; do
		echo "${D_ZONE[$d]} _xmpp-server._tcp.$d srv ${D_TTL[$d]}"
		if [ "${D_TLS[$d]}" = true ]; then
			echo "${D_ZONE[$d]} _xmpps-server._tcp.$d srv ${D_TTL[$d]}"
		fi
	done
	if [ "${1:-}" = toggle ]; then
		echo "soak5.test. $TOGGLE_HOST host 300"
		echo "soak5.test. $TOGGLE_SRV srv 300"
	fi
}

# config_body [toggle] — the proxy and domain sections.
config_body() {
	local p d a list k=0
	for p in "${PROXIES[@]}"; do
		echo "proxy \"$p\" {"
		echo "  host = \"${P_HOST[$p]%.}\""
		list=""
		for a in ${P_V4[$p]}; do list+="${list:+, }\"$a\""; done
		[ -z "$list" ] || echo "  ipv4 = {$list}"
		list=""
		for a in ${P_V6[$p]}; do list+="${list:+, }\"$a\""; done
		[ -z "$list" ] || echo "  ipv6 = {$list}"
		echo "  ttl  = ${P_TTL[$p]}"
		echo "  zone = \"${P_ZONE[$p]%.}\""
		echo "}"
	done
	for d in "${DOMAINS[@]}"; do
		k=$((k + 1))
		list=""
		for p in ${D_PROXIES[$d]}; do list+="${list:+, }\"$p\""; done
		echo "domain \"${d%.}\" {"
		echo "  proxy = {$list}"
		echo "  ttl = ${D_TTL[$d]}"
		echo "  priority = ${D_PRIO[$d]}"
		echo "  weight = ${D_WEIGHT[$d]}"
		echo "  direct-tls = ${D_TLS[$d]}"
		# Half the domains name their zone, half have it found by an
		# SOA query to the (loopback) primary.
		if [ $((k % 2)) = 0 ]; then echo "  zone = \"${D_ZONE[$d]%.}\""; fi
		echo "}"
	done
	if [ "${1:-}" = toggle ]; then
		cat <<EOF
proxy "toggle-edge" {
  host = "${TOGGLE_HOST%.}"
  ipv4 = {"$TOGGLE_V4"}
  ttl  = 300
}
domain "${TOGGLE_D%.}" {
  proxy = {"toggle-edge"}
  ttl = 300
}
EOF
	fi
}

# --- start -------------------------------------------------------------------

named_start
conf=$XFED_TMP/xfed.conf
sock=$XFED_TMP/xfedd.sock
audit=$XFED_TMP/audit.jsonl
dlog=$XFED_TMP/xfedd.log
samples=$XFED_TMP/samples.tsv
edits=$XFED_TMP/edits.log
foreign=$XFED_TMP/foreign.list
stopfile=$XFED_TMP/editor.stop

# write_conf [toggle] — the whole configuration, replaced atomically so a
# reload never reads half a file.  Always an explicit server at 127.0.0.1
# (write_config), and the resolver pinned to it as well, so nothing ever
# falls back to /etc/resolv.conf.
write_conf() {
	local tmp=$conf.new
	config_body "${1:-}" | write_config "$tmp" -
	sed -i -e 's/^interval .*/interval    = 1/' \
		-e "/^interval /a resolver    = {\"127.0.0.1@$NAMED_PORT\"}" "$tmp"
	mv -f "$tmp" "$conf"
}
write_conf
toggle=""
if ! "$XFEDD" -n -c "$conf" >"$XFED_TMP/check.out" 2>&1; then
	cat "$XFED_TMP/check.out" >&2
	echo "soak: generated configuration is invalid" >&2
	exit 1
fi
if ! grep -q '^  address   = "127.0.0.1"$' "$conf"; then
	echo "soak: configuration lacks the loopback server" >&2
	exit 1
fi

# The pre-existing foreign records are part of what must survive.
: >"$foreign"
for z in "${ZONES[@]}"; do
	echo "$z www.$z 300 A 127.0.0.2" >>"$foreign"
	echo "$z _xmpp-server._tcp.d01.$z 900 TXT \"pre-existing foreign txt\"" >>"$foreign"
done
echo "$PZONE www.$PZONE 300 A 127.0.0.3" >>"$foreign"

# SOAK_VALGRIND=1: xfedd under valgrind; a definite leak or a memory error
# makes its exit status 99 (RSS then includes valgrind's own).
xfedd_cmd=("$XFEDD")
if [ "${SOAK_VALGRIND:-0}" = 1 ]; then
	xfedd_cmd=(valgrind -q --error-exitcode=99 --leak-check=full
		--errors-for-leak-kinds=definite --show-leak-kinds=definite
		--track-fds=no "$XFEDD")
fi
"${xfedd_cmd[@]}" -f -c "$conf" 2>"$dlog" &
xfedd_pid=$!
at_exit "kill -9 $xfedd_pid 2>/dev/null || true"
editor_pid=""
# shellcheck disable=SC2016  # expanded when the hook runs
at_exit '[ -z "$editor_pid" ] || kill $editor_pid 2>/dev/null || true'

ctl() { timeout 60 "$XFEDCTL" -s "$sock" "$@"; }

# The startup sync publishes everything (bounded wait).
ready=0
for _ in $(seq 1 100); do
	if [ -S "$sock" ] && ctl sync >/dev/null 2>&1; then ready=1; break; fi
	kill -0 "$xfedd_pid" 2>/dev/null || break
	sleep 0.2
done
if [ "$ready" = 1 ]; then
	pass "xfedd started and the first sync converged"
else
	fail "xfedd did not converge at startup" "$(tail -20 "$dlog")"
	finish
fi

# --- checking the zones ------------------------------------------------------

# axfr_norm ZONE — the zone as "NAME TTL TYPE RDATA" lines (class dropped).
axfr_norm() {
	zone_axfr "$1" | awk '$3 == "IN" { $3 = ""; print }' | tr -s ' '
}

# check_zones WHAT [toggle] — every declared RRset exact (value, TTL, no
# extra record), every owned name marked once, its TXT RRset holding only
# the marker and the foreign TXT the editor put there (with that TTL), no
# marker elsewhere, and every foreign record as added.  One check per
# property, with the first differences as detail.
check_zones() {
	local what=$1 tgl=${2:-} z dir=$XFED_TMP/check
	rm -rf "$dir"
	mkdir -p "$dir"
	for z in "${ZONES[@]}" "$PZONE"; do
		axfr_norm "$z" >"$dir/$z.axfr"
	done
	cat "$dir"/*.axfr | LC_ALL=C sort >"$dir/all"
	expected_records "$tgl" | cut -d' ' -f2- | LC_ALL=C sort >"$dir/expected"
	owned_names "$tgl" >"$dir/owned"
	cut -d' ' -f2- "$foreign" | LC_ALL=C sort -u >"$dir/foreign"

	# Declared RRsets: the live RRset of each declared NAME/TYPE, exactly.
	local bad
	bad=$(awk 'NR == FNR { want[$1 " " $3] = 1; decl[$0] = 1; next }
		($1 " " $3) in want { seen[$0] = 1; if (!($0 in decl)) print "extra:   " $0 }
		END { for (r in decl) if (!(r in seen)) print "missing: " r }' \
		"$dir/expected" "$dir/all" | LC_ALL=C sort | head -20)
	if [ -z "$bad" ]; then
		pass "$what: all $(wc -l <"$dir/expected") declared records present, value and TTL as declared"
	else
		fail "$what: declared records differ" "$bad"
	fi

	# Markers: one at each owned name, TTL = the foreign TXT's if the
	# editor put one there, else the declared TTL; no other TXT there.
	bad=$(awk -v m="$MARKER" '
		FILENAME ~ /owned$/ { ttl[$2] = $4; next }
		FILENAME ~ /foreign$/ { if ($3 == "TXT") { ft[$1] = $2; fr[$0] = 1 }; next }
		$3 == "TXT" && ($1 in ttl) {
			r = $4; for (i = 5; i <= NF; i++) r = r " " $i
			if (r == m) { n[$1]++; mt[$1] = $2 }
			else if (!($0 in fr)) print "foreign TXT not added by the editor: " $0
			next
		}
		$3 == "TXT" && $4 == m { print "stray marker: " $0 }
		END {
			for (o in ttl) {
				want = (o in ft) ? ft[o] : ttl[o]
				if (n[o] != 1) print "marker count " n[o] + 0 " at " o
				else if (mt[o] != want) print "marker TTL " mt[o] " at " o ", expected " want
			}
		}' "$dir/owned" "$dir/foreign" "$dir/all" | LC_ALL=C sort | head -20)
	if [ -z "$bad" ]; then
		pass "$what: all $(wc -l <"$dir/owned") owned names marked (right TTL), no stray marker"
	else
		fail "$what: markers differ" "$bad"
	fi

	# Foreign records: each exactly as added (name, TTL, type, data).
	bad=$(LC_ALL=C comm -23 "$dir/foreign" "$dir/all" | sed 's/^/missing or altered: /' | head -20)
	if [ -z "$bad" ]; then
		pass "$what: all $(wc -l <"$dir/foreign") foreign records intact (TTL included)"
	else
		fail "$what: foreign records touched" "$bad"
	fi

	# The toggled domain: when not declared, nothing of it is left.
	if [ -z "$tgl" ]; then
		bad=$(grep -E "^($TOGGLE_SRV|$TOGGLE_HOST) " "$dir/all" || true)
		if [ -z "$bad" ]; then
			pass "$what: the removed domain $TOGGLE_D left nothing behind"
		else
			fail "$what: removed domain still has records" "$bad"
		fi
	fi
}

check_zones "after startup"

# --- the editor -----------------------------------------------------------------
#
# A separate process: a bash loop, bounded in count and time, making one
# random change every 0.2-1 s with nsupdate (signed with key-sha512: another
# administrator, not xfed's key) at 127.0.0.1.  Foreign records it adds are
# appended to $foreign only once nsupdate said they were added.  It never
# picks the same change for the same zone twice in a row, so no change is
# undone in consecutive syncs for ever; it never deletes a marker without
# the owned records at that name (that would be a conflict, which xfed
# rightly refuses to resolve).

# Targets: every owned SRV name, and every proxy host with the address
# families it has ("ZONE NAME TTL FAMILIES").
mapfile -t SRVS < <(owned_names | awk '$3 == "srv" { print $1, $2, $4 }')
mapfile -t HOSTS < <(for p in "${PROXIES[@]}"; do
	echo "${P_ZONE[$p]} ${P_HOST[$p]} ${P_TTL[$p]} ${P_V4[$p]:+v4}${P_V6[$p]:+v6}"
done)

editor() {
	local deadline=$1 max=$2 count=0 seq=0 r op z name kind ttl fam f rc ms
	local -A last_key foreign_txt
	local script key rec l guard err
	# The names that already have a foreign TXT beside the marker, and
	# its data.
	while read -r _ l _ f rec; do
		[ "$f" = TXT ] && foreign_txt[$l]=$rec
	done <"$foreign"
	trap 'exit 0' TERM
	# A background subshell reseeds $RANDOM: seed it again.
	RANDOM=$3
	while [ "$count" -lt "$max" ] && [ "$SECONDS" -lt "$deadline" ] &&
		[ ! -e "$stopfile" ]; do
		ms=$((200 + RANDOM % 801))
		sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		[ -e "$stopfile" ] && break
		seq=$((seq + 1))
		rec="" guard=""
		# A proxy host 40% of the time, else one of the SRV names.
		if [ $((RANDOM % 10)) -lt 4 ]; then
			read -r z name ttl fam <<<"${HOSTS[RANDOM % ${#HOSTS[@]}]}"
			kind=host
		else
			read -r z name ttl <<<"${SRVS[RANDOM % ${#SRVS[@]}]}"
			kind=srv fam=""
		fi
		r=$((RANDOM % 100))
		if [ "$r" -lt 20 ]; then
			# A foreign record at a name xfed does not own.
			op=foreign
			f=$((RANDOM % 4))
			case $f in
			0) rec="f$seq.$z $((60 + RANDOM % 3600)) A 192.0.2.$((1 + RANDOM % 254))" ;;
			1) rec="f$seq-txt.$z $((60 + RANDOM % 3600)) TXT \"soak-foreign-$seq added-by-editor\"" ;;
			2) if [ "$kind" = srv ]; then
				# At the domain's own name.
				rec="${name#_xmpp*-server._tcp.} 7200 TXT \"v=foreign-$seq at the domain\""
			   else
				# Below the proxy host.
				rec="f$seq.$name 7200 TXT \"below-host-$seq\""
			   fi ;;
			3) rec="f$seq.$z 1234 AAAA 2001:db8:f::$(printf %x $((RANDOM % 65535)))" ;;
			esac
			script="update add $rec"
		elif [ "$r" -lt 30 ] && [ -z "${foreign_txt[$name]:-}" ]; then
			# A foreign TXT beside the marker: the RRset takes its TTL,
			# and xfed must leave both alone from now on.
			op="foreign-beside"
			ttl=$(((RANDOM % 4 + 1) * 300 - 60))
			foreign_txt[$name]="\"v=spf1 -all soak-$seq\""
			rec="$name $ttl TXT ${foreign_txt[$name]}"
			script="update add $rec"
		elif [ "$r" -lt 50 ]; then
			# An owned RRset deleted.
			op="del-owned"
			if [ "$kind" = srv ]; then
				script="update delete $name SRV"
			elif [[ $fam == *v4* ]] && { [[ $fam != *v6* ]] || [ $((RANDOM % 2)) = 0 ]; }; then
				script="update delete $name A"
			else
				script="update delete $name AAAA"
			fi
		elif [ "$r" -lt 65 ]; then
			# The whole owned name: records and marker (not a
			# foreign TXT there).  A marker alone is never deleted:
			# owned records without a marker are a conflict, which
			# xfed rightly leaves alone.
			op="strip-name"
			script="update delete $name SRV
update delete $name A
update delete $name AAAA
update delete $name TXT $MARKER"
		elif [ "$r" -lt 85 ] && [ "$kind" = host ]; then
			# An owned address replaced by another.
			op="change-addr"
			if [[ $fam == *v4* ]]; then
				script="update delete $name A
update add $name $ttl A 192.0.2.$((1 + RANDOM % 254))"
			else
				script="update delete $name AAAA
update add $name $ttl AAAA 2001:db8:bad::$(printf %x $((RANDOM % 65535)))"
			fi
		elif [ "$kind" = srv ]; then
			# A stray record slipped into an owned SRV RRset.
			op="stray-srv"
			script="update add $name $((60 + RANDOM % 600)) SRV 5 0 5269 rogue-$seq.example."
		else
			op="stray-addr"
			script="update add $name 60 A 192.0.2.$((1 + RANDOM % 254))"
		fi
		# Records added to an owned RRset only while the name is
		# marked: at a name just stripped (not yet restored) they
		# would be someone else's RRset, a conflict xfed must and
		# does leave alone for good.  The prerequisite is the whole
		# TXT RRset: the marker and the foreign TXT put there.
		case $op in
		change-addr | stray-srv | stray-addr)
			guard="prereq yxrrset $name TXT $MARKER"
			if [ -n "${foreign_txt[$name]:-}" ]; then
				guard+=$'\n'"prereq yxrrset $name TXT ${foreign_txt[$name]}"
			fi
			script=$guard$'\n'$script ;;
		esac
		# Never the same undoing change twice in a row in one zone.
		key="$op $name"
		if [ -z "$rec" ] && [ "${last_key[$z]:-}" = "$key" ]; then
			continue
		fi
		last_key[$z]=$key
		rc=0
		err=$(printf 'zone %s\n%s\nsend\n' "$z" "$script" |
			zone_nsupdate key-sha512 2>&1 >/dev/null) || rc=$?
		if [ "$rc" != 0 ]; then
			printf '%s %s: %s\n' "$op" "$name" "$err" >>"$edits.err"
			if [ -n "$guard" ] && [[ $err == *NXRRSET* ]]; then
				rc=unmarked
			fi
		fi
		count=$((count + 1))
		echo "$(date -u +%T.%3N) $op $z $name rc=$rc" >>"$edits"
		if [ "$rc" = 0 ] && [ -n "$rec" ]; then
			echo "$z $rec" >>"$foreign"
		fi
		if [ "$rc" != 0 ] && [ "$op" = foreign-beside ]; then
			unset "foreign_txt[$name]"
		fi
	done
	exit 0
}

duration=$((minutes * 60))
: >"$edits"
editor "$((SECONDS + duration + 30))" "$((duration * 5))" "$seed" &
editor_pid=$!

# --- the soak ----------------------------------------------------------------

# sample T — xfedd's VmRSS (kB) and open descriptors, appended to $samples.
sample() {
	local rss fds
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$xfedd_pid/status" 2>/dev/null || true)
	fds=$(find "/proc/$xfedd_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ -n "$rss" ] && echo "$1 $rss $fds" >>"$samples"
	return 0
}

# audit_files — the audit log, rotated files first, oldest first.
rotations=0
audit_files() {
	local n
	for n in $(seq 1 "$rotations"); do
		printf '%s\n' "$audit.$(printf %03d "$n")"
	done
	printf '%s\n' "$audit"
}

# reloads — accepted config-reload records in the audit trail so far.
reloads() {
	local files
	mapfile -t files < <(audit_files)
	cat "${files[@]}" | grep -c '"event":"config-reload".*"accepted":true' || true
}

n_status=0 ok_status=0 n_sync=0 ok_sync=0 sync2=0 n_reload=0 ok_reload=0
n_reopen=0 ok_reopen=0 n_verify=0 ok_verify=0
minute_tasks() {
	local rc before after i files
	# status
	n_status=$((n_status + 1))
	# answered: any health (0, 2 while the editor races, 3, 4), not 1
	rc=0
	ctl status >"$XFED_TMP/status.out" 2>&1 || rc=$?
	if [ "$rc" -ne 1 ]; then ok_status=$((ok_status + 1)); fi
	# sync: 0, or 2 while the editor races it (or holds a zone flapping)
	n_sync=$((n_sync + 1))
	rc=0
	ctl sync >"$XFED_TMP/sync.out" 2>&1 || rc=$?
	case $rc in
	0) ok_sync=$((ok_sync + 1)) ;;
	2) ok_sync=$((ok_sync + 1)); sync2=$((sync2 + 1))
	   sed 's/^/    sync: /' "$XFED_TMP/sync.out" | grep -v ': in sync$' || true ;;
	*) echo "    sync exit $rc:"; sed 's/^/    /' "$XFED_TMP/sync.out" ;;
	esac
	# SIGHUP with the toggled domain added or removed
	n_reload=$((n_reload + 1))
	if [ -z "$toggle" ]; then toggle=toggle; else toggle=""; fi
	write_conf "$toggle"
	before=$(reloads)
	kill -HUP "$xfedd_pid"
	for i in $(seq 1 50); do
		after=$(reloads)
		[ "$after" -gt "$before" ] && break
		sleep 0.1; : "$i"
	done
	if [ "$after" -gt "$before" ]; then ok_reload=$((ok_reload + 1)); else echo "    reload not accepted"; fi
	# rotate and SIGUSR1: the new file appears, the old one is done
	n_reopen=$((n_reopen + 1))
	rotations=$((rotations + 1))
	mv "$audit" "$audit.$(printf %03d "$rotations")"
	kill -USR1 "$xfedd_pid"
	for i in $(seq 1 50); do
		[ -s "$audit" ] && break
		sleep 0.1; : "$i"
	done
	if [ -s "$audit" ]; then ok_reopen=$((ok_reopen + 1)); else echo "    audit log not reopened"; fi
	# verify every file so far, in order
	n_verify=$((n_verify + 1))
	mapfile -t files < <(audit_files)
	if "$XFEDCTL" log --verify "${files[@]}" >"$XFED_TMP/verify.out" 2>&1; then
		ok_verify=$((ok_verify + 1))
	else
		echo "    verify failed:"; sed 's/^/    /' "$XFED_TMP/verify.out" | tail -5
	fi
}

echo "soak: ${minutes} min, seed $seed, named 127.0.0.1#$NAMED_PORT, xfedd pid $xfedd_pid"
: >"$samples"
t0=$SECONDS
next_sample=0
next_minute=60
died=0
while [ $((SECONDS - t0)) -lt "$duration" ]; do
	now=$((SECONDS - t0))
	if ! kill -0 "$xfedd_pid" 2>/dev/null; then died=1; break; fi
	if [ "$now" -ge "$next_sample" ]; then
		sample "$now"
		next_sample=$((next_sample + 10))
	fi
	if [ "$now" -ge "$next_minute" ]; then
		minute_tasks
		echo "soak: minute $((now / 60)): $(grep -c ' rc=0$' "$edits" || true) edits," \
			"RSS $(tail -1 "$samples" | cut -d' ' -f2) kB," \
			"fds $(tail -1 "$samples" | cut -d' ' -f3);" \
			"$(sed -n 's/^counters: *//p' "$XFED_TMP/status.out")"
		next_minute=$((next_minute + 60))
	fi
	sleep 1
done
sample "$((SECONDS - t0))"
end_line=$(tail -1 "$samples")

if [ "$died" = 0 ] && kill -0 "$xfedd_pid" 2>/dev/null; then
	pass "xfedd ran for the whole soak (${minutes} min)"
else
	fail "xfedd died during the soak" "$(tail -20 "$dlog")"
fi
if kill -0 "$NAMED_PID" 2>/dev/null; then pass "named ran for the whole soak"; else fail "named died"; fi

# Stop the editor (it checks the stop file before every change).
touch "$stopfile"
stopped=0
for _ in $(seq 1 150); do
	kill -0 "$editor_pid" 2>/dev/null || { stopped=1; break; }
	sleep 0.1
done
if [ "$stopped" = 1 ]; then
	wait "$editor_pid" || true
	pass "editor stopped when told"
else
	kill "$editor_pid" 2>/dev/null || true
	wait "$editor_pid" || true
	fail "editor did not stop within 15 s"
fi
editor_pid=""
n_edits=$(grep -c ' rc=0$' "$edits" || true)
n_edit_skip=$(grep -c ' rc=unmarked$' "$edits" || true)
n_edit_fail=$(grep -v ' rc=unmarked$' "$edits" | grep -vc ' rc=0$' || true)
if [ "$n_edits" -ge $((duration / 2)) ]; then
	pass "editor made $n_edits changes"
else
	fail "editor made too few changes: $n_edits in $duration s"
fi

assert_eq "no editor change failed (other than unmarked-name skips)" 0 "$n_edit_fail"
assert_eq "status answered every minute" "$n_status/$n_status" "$ok_status/$n_status"
assert_eq "xfedctl sync answered (exit 0 or 2) every minute" "$n_sync/$n_sync" "$ok_sync/$n_sync"
assert_eq "SIGHUP reload accepted every minute" "$n_reload/$n_reload" "$ok_reload/$n_reload"
assert_eq "SIGUSR1 reopened the rotated log every minute" "$n_reopen/$n_reopen" "$ok_reopen/$n_reopen"
assert_eq "log --verify intact every minute" "$n_verify/$n_verify" "$ok_verify/$n_verify"

# --- the end: one forced sync, then everything must be in sync --------------

assert_exit 0 "final xfedctl sync --force" ctl sync --force
printf '%s\n' "$OUT" | grep -v ': in sync$' | sed 's/^/    /' || true
assert_exit 0 "then a plain xfedctl sync" ctl sync
assert_eq "every zone in sync" "" "$(printf '%s\n' "$OUT" | grep -v ': in sync$' || true)"
check_zones "at the end" "$toggle"
sample "$((SECONDS - t0))"
idle_line=$(tail -1 "$samples")

# SIGTERM: exit 0, in bounded time (30 s: valgrind's leak check included).
kill -TERM "$xfedd_pid"
rc=""
for _ in $(seq 1 300); do
	kill -0 "$xfedd_pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$xfedd_pid" 2>/dev/null; then
	kill -9 "$xfedd_pid" 2>/dev/null || true
	rc=killed
fi
if [ -z "$rc" ]; then rc=0; wait "$xfedd_pid" || rc=$?; fi
assert_eq "xfedd exits 0 on SIGTERM" 0 "$rc"

# The whole audit trail, every rotated file in order.
mapfile -t files < <(audit_files)
assert_exit 0 "audit log verifies: ${#files[@]} files" "$XFEDCTL" log --verify "${files[@]}"
echo "    ${OUT##*$'\n'}"
all_audit=$XFED_TMP/audit.all
cat "${files[@]}" >"$all_audit"
ev() { grep -c "\"event\":\"$1\"" "$all_audit" || true; }
n_intent=$(ev update-intent)
n_update=$(ev update)
assert_eq "every update-intent has its update" "$n_intent" "$n_update"
assert_eq "every update answer TSIG-verified" "" \
	"$(grep '"event":"update"' "$all_audit" | grep -v '"tsig":"verified"' | head -3 || true)"
# The editor never leaves an owned RRset unmarked, so xfed never has a
# reason to see a conflict.
n_conflict=$(ev conflict)
assert_eq "no conflict reported" 0 "$n_conflict"
assert_eq "no fatal error or sanitizer report in xfedd's log" "" \
	"$(grep -Ei 'fatal|sanitizer|runtime error|assert' "$dlog" | head -3 || true)"

# --- figures -------------------------------------------------------------------

n_syncs=$(ev sync-start)
n_timer=$(grep -c '"event":"sync-start","trigger":"timer"' "$all_audit" || true)
n_noerr=$(grep '"event":"update"' "$all_audit" | grep -c '"rcode":"NOERROR"' || true)
rcodes=$(grep '"event":"update"' "$all_audit" | grep -o '"rcode":"[A-Z]*"' |
	cut -d'"' -f4 | sort | uniq -c | awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
n_flap=$(grep '"event":"error"' "$all_audit" | grep -c flapping || true)

n_errors=$(ev error)
n_refused=$(ev refused)
n_rr_added=$(grep '"event":"update"' "$all_audit" | grep '"rcode":"NOERROR"' |
	jq -r '.add | length' | awk '{ s += $1 } END { print s + 0 }')
n_rr_deleted=$(grep '"event":"update"' "$all_audit" | grep '"rcode":"NOERROR"' |
	jq -r '.delete | length' | awk '{ s += $1 } END { print s + 0 }')
edit_mix=$(awk '$NF == "rc=0" { n[$2]++ } END { for (o in n) printf "%s %d\n", o, n[o] }' \
	"$edits" | sort | paste -sd, - | sed 's/,/, /g')

# RSS/fds: "start" is the first sample after the first minute (warmed up),
# "end" the last sample of the editing phase.  The fd verdict compares the
# minimum over the first minute after warm-up with that over the last
# minute, so that a socket open for a sync in flight at sampling time does
# not count as a leak.
read -r s_t s_rss s_fd < <(awk '$1 >= 60 { print; exit }' "$samples")
if [ -z "${s_t:-}" ]; then read -r s_t s_rss s_fd < <(head -1 "$samples"); fi
read -r e_t e_rss e_fd <<<"$end_line"
read -r _ i_rss i_fd <<<"$idle_line"
max_rss=$(awk '{ if ($2 > m) m = $2 } END { print m }' "$samples")
max_fd=$(awk '{ if ($3 > m) m = $3 } END { print m }' "$samples")
min_fd_start=$(awk -v a="$s_t" '$1 >= a && $1 < a + 60 { if (m == "" || $3 < m) m = $3 } END { print m }' "$samples")
min_fd_end=$(awk -v b="$e_t" '$1 > b - 60 && $1 <= b { if (m == "" || $3 < m) m = $3 } END { print m }' "$samples")
growth=$(awk -v a="$s_rss" -v b="$e_rss" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')

echo
echo "soak figures (${minutes} min, seed $seed):"
echo "  edits:    $n_edits applied ($edit_mix); $n_edit_skip not made (name unmarked at that moment), $n_edit_fail failed"
echo "  foreign:  $(sort -u "$foreign" | wc -l) foreign records kept"
echo "  syncs:    $n_syncs ($n_timer by the timer); sync exit 2 in $sync2 of $n_sync minute syncs"
echo "  updates:  $n_update messages, $n_noerr NOERROR ($rcodes), $n_rr_added RRs added, $n_rr_deleted removed"
echo "  events:   $n_flap flapping refusals, $n_conflict conflicts, $n_errors errors, $n_refused refused"
echo "  RSS (kB): start $s_rss (t=${s_t}s), end $e_rss (t=${e_t}s), max $max_rss, idle after $i_rss; growth ${growth}%"
echo "  fds:      start $s_fd, end $e_fd, max $max_fd, idle after $i_fd; minimum first/last minute $min_fd_start/$min_fd_end"
echo "  samples:  $(wc -l <"$samples") (every 10 s)"
if awk -v g="$growth" -v t="$rss_tol" 'BEGIN { exit !(g < t) }'; then
	pass "RSS flat: ${growth}% growth (< ${rss_tol}%)"
	rss_flat=1
else
	fail "RSS grew ${growth}% (limit ${rss_tol}%)" "start $s_rss kB, end $e_rss kB, max $max_rss kB"
	rss_flat=0
fi
if [ "$min_fd_end" -le "$min_fd_start" ]; then
	pass "fds flat: $min_fd_start at start, $min_fd_end at end"
	fd_flat=1
else
	fail "fds grew: $min_fd_start at start, $min_fd_end at end"
	fd_flat=0
fi
if [ "$rss_flat" = 1 ] && [ "$fd_flat" = 1 ]; then
	echo "  verdict:  flat"
else
	echo "  verdict:  GROWING"
fi
finish
