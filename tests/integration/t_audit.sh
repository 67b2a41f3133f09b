#!/usr/bin/env bash
# t_audit — the audit trail of a real sync against named: an intent record
# before and a result record after each UPDATE, sync-start/sync-end, the
# journal's one line per update; `xfedctl log` filters; `--verify` passes on
# the real log and names the first bad line of an edited, deleted, inserted
# and reordered copy; rotation keeps the chain (xfedd restarted, a writer
# reopening on SIGUSR1, logrotate itself); a writer killed with SIGKILL
# leaves a log whose complete lines verify; the secret never appears.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
WRITER=$XFED_TOOLS/audit_writer
if [ ! -x "$WRITER" ]; then
	echo "$TEST_NAME: $WRITER not built (run make tests first)" >&2
	exit 1
fi
named_start

conf=$XFED_TMP/xfed.conf
audit=$XFED_TMP/audit.jsonl
write_config "$conf" - <<'EOF'
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"127.0.0.10", "127.0.0.11"}
  ipv6 = {"::1"}
  ttl  = 1800
}

domain "example.test" {
  proxy = {"edge"}
}

domain "example2.test" {
  proxy = {"edge"}
}
EOF

# pycheck SCRIPT [ARG...] — run a Python check over the audit log ($1 in
# the script is sys.argv[1]); prints what it prints.
pycheck() {
	local script=$1
	shift
	python3 -c "$script" "$audit" "$@"
}

# --- a real converge --------------------------------------------------------
assert_exit 0 "xfedd --once converges" xfedd --once -c "$conf"
journal=$ERR
for z in example.test. example2.test. proxy.test.; do
	assert_match "journal line for $z" "$journal" \
		"update $z at 127\\.0\\.0\\.1#$NAMED_PORT: \\+[0-9]+ -0 NOERROR \\(1 attempt, [0-9]+ ms\\)"
done

# Intent/result pairs: zones sync side by side, so records interleave; each
# update-intent has exactly one later update with its id and the same zone,
# server, key, message number, adds and deletes.
pairs=$(pycheck '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
out = []
for i, r in enumerate(recs):
    if r["event"] != "update-intent":
        continue
    us = [u for u in recs[i + 1:] if u["event"] == "update" and u.get("id") == r["id"]]
    u = us[0] if len(us) == 1 else {}
    same = all(r.get(k) == u.get(k) for k in
               ("zone", "server", "key", "message", "add", "delete", "trigger"))
    out.append("%s %d %s %s %s %s" % (r["zone"], len(us), same,
               isinstance(r.get("prereq"), list), u.get("rcode"), u.get("tsig")))
print("\n".join(sorted(out)))
')
assert_eq "intent/update pairs" \
"example.test. 1 True True NOERROR verified
example2.test. 1 True True NOERROR verified
proxy.test. 1 True True NOERROR verified" "$pairs"
assert_eq "records: sync-start, 3 intents, 3 updates, sync-end" \
	"sync-start 3 3 sync-end" \
	"$(pycheck '
import json, sys
ev = [json.loads(l)["event"] for l in open(sys.argv[1])]
print(ev[0], ev.count("update-intent"), ev.count("update"), ev[-1])')"
# The counts must agree with the update records of the same sync.
assert_eq "sync-end counts what the sync did" \
	"zones=3 changed=3 failed=0 messages=3 added=ok removed=0 exit=0" \
	"$(pycheck '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = recs[-1]
adds = sum(len(u["add"]) for u in recs if u["event"] == "update")
r["added"] = "ok" if r["added"] == adds and adds > 0 else r["added"]
print(" ".join("%s=%s" % (k, r[k]) for k in
    ("zones", "changed", "failed", "messages", "added", "removed", "exit")))')"
assert_eq "no update before its intent" "ok" "$(pycheck '
import json, sys
seen = set()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["event"] == "update-intent":
        seen.add(r["id"])
    elif r["event"] == "update" and r["id"] not in seen:
        print("update", r["id"], "before its intent"); break
else:
    print("ok")')"
assert_eq "update results carry attempts and duration" "3" \
	"$(pycheck '
import json, sys
print(sum(1 for l in open(sys.argv[1]) for r in [json.loads(l)]
          if r["event"] == "update" and r.get("attempts") == 1
          and isinstance(r.get("duration_ms"), int)))')"
assert_eq "intents carry the key name and prerequisites" "3" \
	"$(pycheck '
import json, sys
print(sum(1 for l in open(sys.argv[1]) for r in [json.loads(l)]
          if r["event"] == "update-intent" and r.get("key") == "xfed-key"
          and len(r.get("prereq", [])) > 0))')"
assert_eq "every record is chained" "8 8" \
	"$(pycheck '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
print(len(rs), sum(1 for r in rs if r.get("chain") == "sha256" and len(r.get("prev", "")) == 64))')"

# --- xfedctl log: filters on the real log ---------------------------------
assert_exit 0 "log --json --event update" xfedctl -c "$conf" log --json --event update
assert_eq "three update records" 3 "$(printf '%s\n' "$OUT" | grep -c .)"
assert_exit 0 "log --json --zone EXAMPLE.test" xfedctl -c "$conf" log --json --zone EXAMPLE.test
assert_eq "zone filter: intent and update of example.test." \
	"update-intent update" \
	"$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(" ".join(json.loads(l)["event"] for l in sys.stdin if l.strip()))')"
assert_exit 0 "log --json --domain example2.test." xfedctl -c "$conf" log --json --domain example2.test.
assert_eq "domain filter: example2.test.'s pair" 2 "$(printf '%s\n' "$OUT" | grep -c .)"
assert_exit 0 "log --json --since 1h" xfedctl -c "$conf" log --json --since 1h
assert_eq "--since 1h: everything" 8 "$(printf '%s\n' "$OUT" | grep -c .)"
assert_exit 0 "log --until 2000-01-01" xfedctl -c "$conf" log --json --until 2000-01-01
assert_empty "--until in the past: nothing" "$OUT"
assert_exit 0 "log (table)" xfedctl -c "$conf" log --event update,sync-end
assert_match "table header" "$OUT" '^TIME +EVENT +ZONE +CHANGES +RCODE +TRIGGER +DETAIL'
assert_match "table row for proxy.test." "$OUT" \
	'update +proxy\.test\. +\+4 -0 +NOERROR +once +tsig verified'
assert_exit 1 "log --since garbage is a usage error" xfedctl -c "$conf" log --since yesterday
assert_contains "usage error says why" "$ERR" "bad time"

# --- --verify on the real log and on altered copies -----------------------
assert_exit 0 "log --verify on the real log" xfedctl -c "$conf" log --verify
assert_contains "verify says intact" "$OUT" "intact: 8 records"

copy=$XFED_TMP/copy.jsonl
# Line 4 is the second update-intent: change its message number.
sed '4s/"message":1/"message":2/' "$audit" >"$copy"
assert_ne "the edit changed the copy" "$(cat "$audit")" "$(cat "$copy")"
assert_exit 2 "verify: edited copy fails" xfedctl -c "$conf" log --verify "$copy"
assert_contains "edited: names line 5, after line 4" "$OUT" "$copy:5: \"prev\" is not the hash of line 4"
sed '4d' "$audit" >"$copy"
assert_exit 2 "verify: deleted record fails" xfedctl -c "$conf" log --verify "$copy"
assert_contains "deleted: names line 4" "$OUT" "first bad line $copy:4"
sed '5r /dev/stdin' "$audit" <<<"$(sed -n 2p "$audit")" >"$copy"
assert_exit 2 "verify: inserted record fails" xfedctl -c "$conf" log --verify "$copy"
assert_contains "inserted: names line 6" "$OUT" "first bad line $copy:6"
{ sed -n '1,3p' "$audit"; sed -n 5p "$audit"; sed -n 4p "$audit"
  sed -n '6,$p' "$audit"; } >"$copy"
assert_exit 2 "verify: reordered records fail" xfedctl -c "$conf" log --verify "$copy"
assert_contains "reordered: names line 4" "$OUT" "first bad line $copy:4"

# --- rotation: xfedd restarted on a fresh file links to the old one --------
assert_exit 0 "second --once (in sync)" xfedd --once -c "$conf"
mv "$audit" "$audit.1"
assert_exit 0 "third --once on a rotated log" xfedd --once -c "$conf"
assert_exit 0 "verify the rotated set" xfedctl -c "$conf" log --verify "$audit.1" "$audit"
assert_contains "rotated set is one chain" "$OUT" "intact: 12 records in 2 files"
assert_exit 2 "rotated set out of order fails" xfedctl -c "$conf" log --verify "$audit" "$audit.1"
assert_contains "out of order: names the file" "$OUT" "$audit.1:1:"

# --- a writer killed with SIGKILL mid-write ---------------------------------
kl=$XFED_TMP/killed.jsonl
for round in 1 2 3 4 5; do
	"$WRITER" -n 0 -S "$kl" >/dev/null 2>&1 &
	wpid=$!
	sleep 0.$((RANDOM % 3 + 1))
	kill -KILL "$wpid"
	wait "$wpid" 2>/dev/null || true
	: "$round"
done
assert_nonempty "the killed writers wrote" "$(head -c 1 "$kl")"
assert_exit 0 "killed writers: the complete lines verify" xfedctl -c "$conf" log --verify "$kl"
# A torn tail, as a power cut could leave: tolerated, the chain goes on.
truncate -s -40 "$kl"
assert_exit 0 "torn last line tolerated" xfedctl -c "$conf" log --verify "$kl"
assert_contains "torn line reported" "$OUT" "incomplete last line"
n_before=$(wc -l <"$kl")
assert_exit 0 "a new writer after the tear" "$WRITER" -n 3 "$kl"
assert_exit 0 "torn line inside: still verifies" xfedctl -c "$conf" log --verify "$kl"
assert_contains "torn line named" "$OUT" "$kl:$((n_before + 1)): incomplete record (torn write)"
assert_exit 0 "log warns about the torn line" xfedctl -c "$conf" log --json "$kl"
assert_contains "log's warning names the line" "$ERR" "$kl:$((n_before + 1)): incomplete record"

# --- SIGUSR1 reopen, --follow across it, and logrotate ---------------------
rl=$XFED_TMP/rot/audit.jsonl
mkdir -p "$XFED_TMP/rot"
"$WRITER" -n 0 -d 20 "$rl" >/dev/null 2>&1 &
wpid=$!
at_exit "kill $wpid 2>/dev/null"
"$XFEDCTL" -c "$conf" log --json --follow "$rl" >"$XFED_TMP/follow.out" 2>"$XFED_TMP/follow.err" &
fpid=$!
at_exit "kill $fpid 2>/dev/null"
sleep 0.5
mv "$rl" "$rl.1"
kill -USR1 "$wpid"
sleep 0.5
if command -v logrotate >/dev/null; then
	sed -e "s|/var/log/xfed/audit.jsonl|$rl|" \
		-e "s|systemctl kill.*|kill -USR1 $wpid|" \
		-e '/xfedctl reopen/d' "$XFED_ROOT/etc/logrotate.d/xfed" >"$XFED_TMP/logrotate.conf"
	assert_exit 0 "logrotate -f with the shipped snippet" \
		logrotate -s "$XFED_TMP/logrotate.state" -f "$XFED_TMP/logrotate.conf"
	sleep 0.5
	# delaycompress: the newest rotation stays plain, the older is gzipped.
	assert_eq "logrotate kept .1 plain and compressed .2" "yes yes" \
		"$([ -f "$rl.1" ] && echo yes) $([ -f "$rl.2.gz" ] && echo yes)"
	set_files=("$XFED_TMP/rot/old.jsonl" "$rl.1" "$rl")
	gzip -dc "$rl.2.gz" >"$XFED_TMP/rot/old.jsonl"
else
	echo "(logrotate not installed: checking the SIGUSR1 reopen only)"
	set_files=("$rl.1" "$rl")
fi
kill -TERM "$wpid"
wait "$wpid" 2>/dev/null || true
sleep 0.5
kill -INT "$fpid"
rc=0
wait "$fpid" || rc=$?
assert_eq "--follow stops on SIGINT with status 0" 0 "$rc"
assert_exit 0 "the rotated set verifies as one chain" xfedctl -c "$conf" log --verify "${set_files[@]}"
total=$(cat "${set_files[@]}" | wc -l)
assert_eq "--follow saw every record across the rotations" "$total" \
	"$(grep -c . "$XFED_TMP/follow.out")"
assert_eq "--follow output is the log, in order" "$(cat "${set_files[@]}")" \
	"$(cat "$XFED_TMP/follow.out")"

# --- secrets ----------------------------------------------------------------
all_logs=$(cat "$audit" "$audit.1" "$XFED_TMP"/state/* 2>/dev/null || true)
assert_not_contains "secret not in the audit log" "$all_logs" "$KEY_XFED_SECRET"
assert_not_contains "secret not in the journal lines" "$journal" "$KEY_XFED_SECRET"
sl=$XFED_TMP/secret.jsonl
assert_exit 0 "a writer handed the secret by mistake" "$WRITER" -n 11 -s "$KEY_XFED_SECRET" "$sl"
assert_not_contains "the writer redacted it" "$(cat "$sl")" "$KEY_XFED_SECRET"
assert_contains "redaction is visible" "$(cat "$sl")" "[redacted]"

finish
