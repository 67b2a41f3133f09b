# shellcheck shell=bash
#
# tests/lib/records.sh — reading what a test's xfedd left behind: the audit
# log's records and the zones' contents.  Sourced by common.sh; the zone
# helpers need named.sh's zone_axfr.

# audit_select FIELD [KEY=VALUE...] — FIELD of every audit record whose
# fields all equal the given values, one per line (lists joined by "|").
# The log is $AUDIT_LOG, else $XFED_TMP/audit.jsonl.  A malformed line makes
# it fail.
audit_select() {
	python3 - "${AUDIT_LOG:-$XFED_TMP/audit.jsonl}" "$@" <<'PY'
import json, os, sys
path, field, conds = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = open(path).read().splitlines() if os.path.exists(path) else []
for line in lines:
    r = json.loads(line)
    if all(str(r.get(k)) == v for k, v in (c.split("=", 1) for c in conds)):
        v = r.get(field)
        print("|".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v))
PY
}

# audit_count [KEY=VALUE...] — how many audit records match.
audit_count() { audit_select event "$@" | wc -l; }

# rrs NAME TYPE ZONE — NAME's records of TYPE ("-": every type) from a
# signed AXFR of ZONE, full presentation lines, sorted.
rrs() {
	zone_axfr "$3" | awk -v n="$1" -v t="$2" '$1 == n && (t == "-" || $4 == t)' |
		LC_ALL=C sort
}

# all_zones — the default zones' content, for "nothing changed" checks.
all_zones() {
	local z
	for z in example.test. example2.test. proxy.test.; do
		zone_axfr "$z" | LC_ALL=C sort
	done
}
