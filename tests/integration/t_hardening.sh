#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_hardening — the files xfed opens and creates, and what it must not
# forget: symlinks and FIFOs planted at its paths (real and temporary) are
# refused without hanging and without touching their targets; a zone is
# remembered before the first UPDATE into it (a crash right after the
# UPDATE still gets it cleaned up); an unusable state-dir fails the sync
# (exit 2, an audit "error" record) and `xfedd -n` says so; an audit
# record lost to a full disk is written late or named; `xfedctl log
# --verify` refuses what xfed cannot have written.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

conf=$XFED_TMP/xfed.conf
state=$XFED_TMP/state
target=$XFED_TMP/target
audit=$XFED_TMP/audit.jsonl

# one_zone — example.test with its proxy in the same zone.
one_zone() {
	write_config "$conf" - <<'EOF'
proxy "edge" {
  host = "xmpp.example.test"
  ipv4 = {"127.0.0.10"}
}
domain "example.test" {
  proxy = {"edge"}
}
EOF
}

# other_zone — the same agent, now declaring only example2.test.
other_zone() {
	write_config "$conf" - <<'EOF'
proxy "edge2" {
  host = "xmpp.example2.test"
  ipv4 = {"127.0.0.20"}
}
domain "example2.test" {
  proxy = {"edge2"}
}
EOF
}

reset() {
	rm -rf "$state" "$audit"
	mkdir -m 0700 "$state"
	echo "precious" >"$target"
	chmod 0640 "$target"
	target_mode=$(stat -c %a "$target")
}

# unsync — take example2.test's SRV away behind xfedd's back, so that the
# next run has an UPDATE to send.
unsync() {
	zone_nsupdate xfed-key <<'EOF'
update delete _xmpp-server._tcp.example2.test. SRV
send
EOF
}

# Bounded runs: a hang shows as exit 124 instead of a stuck test.
txfedd() { timeout 30 "${XFED_VALGRIND_CMD[@]}" "$XFEDD" "$@"; }
txfedctl() { timeout 30 "${XFED_VALGRIND_CMD[@]}" "$XFEDCTL" "$@"; }

srv() { rrs _xmpp-server._tcp.example.test. SRV example.test.; }

# --- 1. A crash right after the first UPDATE: the zone is remembered. ---
reset
one_zone
rc=0
XFED_TEST_ABORT_AFTER_UPDATE=1 timeout 30 "$XFEDD" --once -c "$conf" \
	2>"$XFED_TMP/crash.log" || rc=$?
assert_ne "test hook: xfedd died after the UPDATE" 0 "$rc"
assert_nonempty "the UPDATE was applied before the crash" "$(srv)"
assert_contains "the state (file or journal) remembers the zone" \
	"$(cat "$state/zones" "$state/zones.pending" 2>/dev/null)" "example.test."
other_zone
assert_exit 0 "the next run, with the domain removed" \
	txfedd --once -c "$conf"
assert_empty "the crashed run's SRV is cleaned up" "$(srv)"
assert_empty "and its proxy address" \
	"$(rrs xmpp.example.test. A example.test.)"

# --- 2. An unusable state-dir fails the zone, nothing sent. ---
reset
one_zone
rmdir "$state"
echo "not a directory" >"$state"
assert_exit 2 "state-dir is a file: exit 2" txfedd --once -c "$conf"
assert_contains "names the state-dir" "$ERR" "is not a directory"
assert_nonempty "an audit error record for the state" \
	"$(audit_select error event=error "state-dir=$state")"
assert_empty "nothing was sent" "$(srv)"
assert_exit 1 "xfedd -n: state-dir a file" txfedd -n -c "$conf"
assert_contains "-n says it is not a directory" "$ERR" "state-dir: $state is not a directory"
rm -f "$state"
assert_exit 2 "state-dir missing: exit 2" txfedd --once -c "$conf"
assert_contains "the zone failed: cannot remember it" "$ERR" \
	"cannot remember the zone in state-dir"
assert_nonempty "an audit error record for the zone" \
	"$(audit_select error event=error zone=example.test.)"
assert_empty "nothing was sent" "$(srv)"
assert_exit 1 "xfedd -n: state-dir missing" txfedd -n -c "$conf"
assert_contains "-n says it does not exist and what to do" "$ERR" \
	"$state does not exist: create it"

# --- 3. FIFOs and symlinks at xfed's own paths. ---
reset
mkfifo "$state/zones"
assert_exit 2 "FIFO at state/zones: refused, no hang" \
	txfedd --once -c "$conf"
assert_contains "says it is a FIFO" "$ERR" "$state/zones is a FIFO"
assert_empty "nothing was sent" "$(srv)"
rm -f "$state/zones"
ln -s "$target" "$state/zones"
assert_exit 2 "symlink at state/zones: refused" \
	txfedd --once -c "$conf"
assert_contains "says it is a symbolic link" "$ERR" "is a symbolic link"
rm -f "$state/zones"

# The old, predictable temporary names: nothing planted there matters.
reset
ln -s "$target" "$state/.zones.tmp"
ln -s "$target" "$state/audit.chain.tmp"
assert_exit 0 "symlinks at the old temporary names: ignored" \
	txfedd --once -c "$conf"
assert_eq "the symlinks' target is untouched" "precious" "$(cat "$target")"
assert_eq "the target's mode is untouched" "$target_mode" \
	"$(stat -c %a "$target")"
if [ -f "$state/zones" ] && [ ! -L "$state/zones" ] &&
	[ -f "$state/audit.chain" ] && [ ! -L "$state/audit.chain" ]; then
	pass "state/zones and audit.chain written as regular files"
else
	fail "state/zones and audit.chain written as regular files" "$(ls -la "$state")"
fi
assert_empty "no temporary file left behind" \
	"$(find "$state" -name '.*tmp.*' -type f)"
rm -f "$state/.zones.tmp" "$state/audit.chain.tmp"
mkfifo "$state/.zones.tmp" "$state/audit.chain.tmp"
assert_exit 0 "FIFOs at the old temporary names: no hang" \
	txfedd --once -c "$conf"
rm -f "$state/.zones.tmp" "$state/audit.chain.tmp"

mkfifo "$XFED_TMP/chain.key"
cat >>"$conf" <<EOF
audit-chain-key = "$XFED_TMP/chain.key"
EOF
assert_exit 1 "xfedd -n: FIFO as audit-chain-key refused" \
	txfedd -n -c "$conf"
assert_contains "-n names the key file" "$ERR" "chain.key is a FIFO"
rm -f "$XFED_TMP/chain.key"

# The daemon: the metrics file's temporary name, the audit log after a
# reopen, the configuration on SIGHUP.
reset
one_zone
cat >>"$conf" <<EOF
metrics-file = "$XFED_TMP/metrics.prom"
EOF
xfedd_start "$XFED_TMP/xfedd.log" -c "$conf"
sock=$XFED_TMP/xfedd.sock
wait_for "daemon: metrics written" '[ -s "$XFED_TMP/metrics.prom" ]' 20
ln -s "$target" "$XFED_TMP/metrics.prom.tmp.$xfedd_pid"
assert_exit 0 "daemon: sync with a symlink at the old metrics name" \
	txfedctl -s "$sock" sync
assert_eq "the metrics symlink's target is untouched" "precious" "$(cat "$target")"
assert_contains "metrics still written" "$(cat "$XFED_TMP/metrics.prom")" "xfed_syncs_total 2"
rm -f "$XFED_TMP/metrics.prom.tmp.$xfedd_pid"
mkfifo "$XFED_TMP/metrics.prom.tmp.$xfedd_pid"
assert_exit 0 "daemon: sync with a FIFO at the old metrics name" \
	txfedctl -s "$sock" sync
assert_exit 0 "daemon: status still answers" txfedctl -s "$sock" status

mv "$audit" "$audit.1"
mkfifo "$audit"
kill -USR1 "$xfedd_pid"
wait_for "daemon: FIFO as the reopened audit log refused" \
	'grep -q "audit.jsonl is a FIFO" "$XFED_TMP/xfedd.log"' 10
assert_exit 0 "daemon: sync after the refused reopen" \
	txfedctl -s "$sock" sync
assert_contains "the old file is still written" "$(tail -n 1 "$audit.1")" '"sync-end"'

cp "$conf" "$conf.real"
rm -f "$conf"
mkfifo "$conf"
kill -HUP "$xfedd_pid"
wait_for "daemon: FIFO as the configuration refused on SIGHUP" \
	'grep -q "xfed.conf is a FIFO" "$XFED_TMP/xfedd.log"' 10
assert_exit 0 "daemon: the main loop still answers" \
	txfedctl -s "$sock" status
kill -TERM "$xfedd_pid"
rc=0
timeout 20 tail --pid="$xfedd_pid" -f /dev/null || rc=$?
assert_eq "daemon: SIGTERM stops it" 0 "$rc"
wait "$xfedd_pid" 2>/dev/null || true
rm -f "$conf" "$audit"
mv "$conf.real" "$conf"
mv "$audit.1" "$audit"

# --- 4. A full disk between an UPDATE and its result record. ---
reset
other_zone
unsync
XFED_TEST_AUDIT_ENOSPC=update:1 assert_exit 0 \
	"full disk when the update record is due" \
	txfedd --once -c "$conf"
assert_contains "the journal has the failing call's errno" "$ERR" \
	"No space left on device"
id=$(audit_select id event=update-intent | head -n 1)
assert_nonempty "the update record was written late" \
	"$(audit_select late event=update "id=$id")"
assert_exit 0 "the log with a late record verifies" xfedctl log --verify "$audit"
reset
unsync
XFED_TEST_AUDIT_ENOSPC=update:1000 assert_exit 0 \
	"full disk from the update record on" \
	txfedd --once -c "$conf"
id=$(audit_select id event=update-intent | head -n 1)
assert_contains "the lost record is named by its id" "$ERR" \
	"\"update\" record with id $id"

# --- 5. log --verify on what xfed cannot have written. ---
good=$XFED_TMP/good.jsonl
cp "$audit" "$good"
printf 'hello\nworld\n' >"$XFED_TMP/garbage.jsonl"
assert_exit 2 "verify: arbitrary text" xfedctl log --verify "$XFED_TMP/garbage.jsonl"
assert_contains "names line 1" "$OUT" "garbage.jsonl:1: not a record"
assert_not_contains "not intact" "$OUT" "intact"
: >"$XFED_TMP/empty.jsonl"
assert_exit 2 "verify: empty file" xfedctl log --verify "$XFED_TMP/empty.jsonl"
assert_contains "says: no records" "$OUT" "no records"
{ head -n 1 "$good"; echo "an inserted line"; tail -n +2 "$good"; } \
	>"$XFED_TMP/inserted.jsonl"
assert_exit 2 "verify: text inserted between records" \
	xfedctl log --verify "$XFED_TMP/inserted.jsonl"
assert_contains "names line 2" "$OUT" "inserted.jsonl:2: not a record"
{ head -n 1 "$good"; printf '{"ts":"2026-12-0'; tail -n +2 "$good"; } \
	>"$XFED_TMP/glued.jsonl"
assert_exit 2 "verify: a fragment glued to a record" \
	xfedctl log --verify "$XFED_TMP/glued.jsonl"
{ head -n 1 "$good"; printf '{"ts":"2026-12-0\n'; tail -n +2 "$good"; } \
	>"$XFED_TMP/torn.jsonl"
assert_exit 0 "verify: a torn write is still tolerated" \
	xfedctl log --verify "$XFED_TMP/torn.jsonl"
assert_contains "intact, torn line tolerated" "$OUT" "1 torn line tolerated"

finish
