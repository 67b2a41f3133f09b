#!/usr/bin/env bash
# t_man — the manual pages xfedd(8), xfedctl(8) and xfed.conf(5) are clean
# mdoc (no mandoc lint warning, no groff warning), render, and document
# every flag, command and option of the contract and of the programs' own
# --help; and the bash completion for xfedctl offers the global options,
# the commands, the log options and the configured domains.  No named.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"

man=$XFED_ROOT/man
pages="xfedd.8 xfedctl.8 xfed.conf.5"

# mandoc is the mdoc reference implementation: without it the pages cannot
# be checked, which is a failure, not a reason to skip.
if ! command -v mandoc >/dev/null 2>&1; then
	echo "$TEST_NAME: mandoc not found: install the Debian package" \
	    "'mandoc' (apt-get install mandoc)" >&2
	exit 1
fi
need_binaries

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# render PAGE — the page as plain text, without overstrike, on wide lines
# so that no option is broken across lines.
render() {
	mandoc -T ascii -O width=250 "$man/$1" | sed 's/.\x08//g'
}

# --- Clean mdoc -------------------------------------------------------------
for p in $pages; do
	if [ ! -f "$man/$p" ]; then
		fail "$p exists" "$man/$p is missing"
		continue
	fi
	rc=0
	# -W warning: warnings and worse; style hints (such as a cross
	# reference to a page not installed here) depend on the machine.
	lint=$(mandoc -T lint -W warning "$man/$p" 2>&1) || rc=$?
	assert_eq "$p: mandoc -T lint exit status" 0 "$rc"
	assert_empty "$p: no mandoc warning" "$lint"
	if command -v groff >/dev/null 2>&1; then
		warn=$(groff -mandoc -Tutf8 -ww -z "$man/$p" 2>&1 || true)
		assert_empty "$p: no groff warning" "$warn"
	fi
	text=$(render "$p")
	printf '%s\n' "$text" >"$tmp/$p.txt"
	for s in NAME DESCRIPTION EXAMPLES "SEE ALSO"; do
		assert_match "$p: has $s" "$text" "^$s\$"
	done
done

# mentions PAGE WHAT NEEDLE... — each NEEDLE appears in the rendered PAGE.
mentions() {
	local p=$1 what=$2 n missing=()
	shift 2
	for n in "$@"; do
		grep -qF -- "$n" "$tmp/$p.txt" || missing+=("$n")
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		pass "$p: $what"
	else
		fail "$p: $what" "missing: ${missing[*]}"
	fi
}

# item PAGE NAME [N] — the text of the Nth (default first) list item whose
# head starts with NAME (as in "interval = seconds"), up to the next item.
item() {
	awk -v name="$2" -v want="${3:-1}" '
		function head(l) { return l ~ /^     [a-z][a-z0-9-]*( = |$)/ || l ~ /^[A-Z]/ || l ~ /^   [a-z]/ }
		on && head($0) { exit }
		index($0, "     " name " ") == 1 || $0 == "     " name { if (++seen == want) on = 1 }
		on { print }
	' "$tmp/$1.txt"
}

# --- xfedd(8) -----------------------------------------------------------------
mentions xfedd.8 "synopsis as the contract" \
	"xfedd [-c file] [-f] [--once] [--dry-run] [-n | --check] [-v] [-h] [-V]"
mentions xfedd.8 "every flag" -c --config -f --foreground --once --dry-run \
	-n --check -v -h -V /etc/xfed/xfed.conf
mentions xfedd.8 "signals" SIGHUP SIGTERM SIGINT SIGUSR1
mentions xfedd.8 "sd_notify messages" READY=1 RELOADING=1 STOPPING=1 STATUS= \
	WATCHDOG=1 CREDENTIALS_DIRECTORY
mentions xfedd.8 "files" /etc/xfed/xfed.conf /run/xfed/xfedd.sock \
	/var/log/xfed/audit.jsonl /var/lib/xfed
mentions xfedd.8 "cross references" "xfedctl(8)" "xfed.conf(5)"
for code in 0 1 2 3; do
	assert_match "xfedd.8: exit status $code" \
		"$(sed -n '/^EXIT STATUS/,/^EXAMPLES/p' "$tmp/xfedd.8.txt")" "^     $code +[A-Z]"
done
# Every long option of the program's own help is documented.
help=$("$XFEDD" --help 2>&1 || true)
mapfile -t flags < <(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
assert_ne "xfedd --help lists long options" 0 "${#flags[@]}"
mentions xfedd.8 "every option of xfedd --help" "${flags[@]}"

# --- xfedctl(8) ---------------------------------------------------------------
mentions xfedctl.8 "synopsis as the contract" \
	"xfedctl [-s socket] [-c file] [--json] command [argument ...]"
mentions xfedctl.8 "global options" -s --socket -c --config --json -h --help \
	-V --version /run/xfed/xfedd.sock
for c in "sync [--force] [domain ...]" "plan [domain ...]" status reload \
    reopen check-config \
    "log [--since time] [--until time] [--zone zone] [--domain domain]"; do
	# The head of the command's list item, as rendered.
	if awk -v h="     $c" 'index($0, h) == 1 { f = 1 } END { exit !f }' \
	    "$tmp/xfedctl.8.txt"; then
		pass "xfedctl.8: command $c"
	else
		fail "xfedctl.8: command $c" "no item starting with: $c"
	fi
done
mentions xfedctl.8 "log options" --since --until --zone --domain --event \
	--follow --verify --file --json
mentions xfedctl.8 "sync --force and max-deletes" --force max-deletes
for code in 0 1 2 3; do
	assert_match "xfedctl.8: exit status $code" \
		"$(sed -n '/^EXIT STATUS/,/^EXAMPLES/p' "$tmp/xfedctl.8.txt")" "^     $code +[A-Z]"
done
# Every command of the program's own command table is documented (the
# table gives the help text: the page must not drift from it).
help=$("$XFEDCTL" --help 2>&1 || true)
mapfile -t cmds < <(printf '%s\n' "$help" |
	awk 'tolower($0) ~ /^commands/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
assert_ne "xfedctl --help lists commands" 0 "${#cmds[@]}"
mentions xfedctl.8 "every command of xfedctl --help" "${cmds[@]}"

# --- xfed.conf(5) -------------------------------------------------------------
mentions xfed.conf.5 "every option of the contract's grammar" \
	"interval = " "owner = " "socket = " "audit-log = " "state-dir = " \
	"max-deletes = " 'tsig-key "name" { ... }' "algorithm = " "secret = " \
	"file = " 'server "name" { ... }' "address = " "port = " "tsig-key = " \
	"transport = " "timeout = " "retries = " 'proxy "name" { ... }' "host = " \
	"ipv4 = " "ipv6 = " "ttl = " "zone = " "server = " \
	'domain "name" { ... }' "proxy = " "priority = " "weight = " \
	"direct-tls = "
mentions xfed.conf.5 "the extensions" "resolver = " "primary-port = " \
	"tls-port = " "@port" /etc/resolv.conf "metrics-file = "
mentions xfed.conf.5 "algorithms" hmac-md5 hmac-sha1 hmac-sha224 hmac-sha256 \
	hmac-sha384 hmac-sha512
mentions xfed.conf.5 "secrets" CREDENTIALS_DIRECTORY LoadCredential= \
	tsig-keygen "relative to the directory of the configuration file" \
	"group or others" "16 octets"
mentions xfed.conf.5 "ownership and the primary's grants" \
	"heritage=xfed,owner=" allow-update allow-transfer AXFR
# Defaults (and ranges) where the option is described.
while IFS='|' read -r opt n want; do
	assert_contains "xfed.conf.5: $opt default $want" "$(item xfed.conf.5 "$opt" "$n")" "$want"
done <<'EOF'
interval|1|Default: 300.
interval|1|0 to 604800
owner|1|Default: "xfed".
socket|1|Default: "/run/xfed/xfedd.sock".
audit-log|1|Default: "/var/log/xfed/audit.jsonl".
state-dir|1|Default: "/var/lib/xfed".
max-deletes|1|Default: 10.
resolver|1|/etc/resolv.conf
primary-port|1|Default: 53.
tsig-key|1|the only key
algorithm|1|Default: "hmac-sha256"
port|1|Default: 53.
transport|1|Default: "auto".
timeout|1|Default: 3.
timeout|1|1 to 300
retries|1|Default: 2.
retries|1|0 to 10
ttl|1|Default: 3600.
ttl|1|0 to 2147483647
port|2|Default: 5269.
priority|1|Default: 0.
weight|1|Default: 0.
direct-tls|1|Default: false.
tls-port|1|Default: 5270.
EOF

# The configuration examples are valid: every literal block of EXAMPLES
# that looks like a configuration passes xfedd -n (with a key file beside
# it for the examples that use one).
tsig-keygen -a hmac-sha256 xfed-key >"$tmp/xfed-key.key" 2>/dev/null ||
	printf 'key "xfed-key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
		"$(head -c 32 /dev/urandom | base64)" >"$tmp/xfed-key.key"
chmod 600 "$tmp/xfed-key.key"
awk -v dir="$tmp" '
	/^\.Sh EXAMPLES/ { ex = 1; next }
	/^\.Sh / { ex = 0 }
	ex && /^\.Bd -literal/ { n++; f = dir "/example" n ".conf"; inb = 1; next }
	inb && /^\.Ed/ { inb = 0; next }
	inb { gsub(/\\&/, ""); print > f }
' "$man/xfed.conf.5"
nconf=0
# xfedd -n also wants state-dir to be a writable directory: the examples'
# (the default /var/lib/xfed when they name none) is pointed at one here.
mkdir -m 0700 "$tmp/state"
for f in "$tmp"/example*.conf; do
	grep -q '^domain "' "$f" || continue
	nconf=$((nconf + 1))
	sed -i '/^state-dir[[:space:]]*=/d' "$f"
	sed -i "1i state-dir = \"$tmp/state\"" "$f"
	assert_exit 0 "xfed.conf.5: example $(basename "$f") is valid" \
		xfedd -n -c "$f"
done
assert_ne "xfed.conf.5: has configuration examples" 0 "$nconf"

# --- Bash completion ------------------------------------------------------------
comp=$XFED_ROOT/completion/xfedctl.bash
cat >"$tmp/c.conf" <<'EOF'
domain "contoso.com" {
  proxy = {"edge"}
}
# domain "commented.example" { proxy = {"edge"} }
  domain   "fabrikam.com"{ proxy = {"edge"} }
EOF
# complete WORD... — the candidates for the last WORD, space-separated.
complete_words() {
	(
		# shellcheck source=/dev/null
		. "$comp"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMPREPLY=()
		_xfedctl
		printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
	)
}
assert_exit 0 "completion: bash -n" bash -n "$comp"
assert_eq "completion: registered for xfedctl" "complete -F _xfedctl xfedctl" \
	"$(bash -c ". '$comp'; complete -p xfedctl")"
assert_eq "completion: commands" \
	"check-config log plan reload reopen status sync" \
	"$(complete_words xfedctl "")"
assert_eq "completion: global options" \
	"--config --help --json --socket --version -V -c -h -s" \
	"$(complete_words xfedctl -)"
assert_eq "completion: command after global options" "status" \
	"$(complete_words xfedctl -s /run/xfed/xfedd.sock --json st)"
assert_eq "completion: domains for sync from -c" "contoso.com fabrikam.com" \
	"$(complete_words xfedctl -c "$tmp/c.conf" sync "")"
assert_eq "completion: domains for plan, --config=FILE" "fabrikam.com" \
	"$(complete_words xfedctl --config = "$tmp/c.conf" plan f)"
assert_eq "completion: sync --force" "--force" \
	"$(complete_words xfedctl -c "$tmp/c.conf" sync --f)"
assert_eq "completion: plan --config" "--config" \
	"$(complete_words xfedctl plan --c)"
assert_eq "completion: log options" \
	"--domain --event --file --follow --since --until --verify --zone" \
	"$(complete_words xfedctl log --)"
assert_eq "completion: log --event" "update" \
	"$(complete_words xfedctl log --event up)"
assert_eq "completion: log --domain" "contoso.com" \
	"$(complete_words xfedctl -c "$tmp/c.conf" log --domain c)"
assert_eq "completion: file after -c" "$tmp/c.conf" \
	"$(complete_words xfedctl -c "$tmp/c.")"
assert_eq "completion: no domains without a readable file" "" \
	"$(complete_words xfedctl -c "$tmp/none.conf" sync "")"
# Every command of xfedctl's own table is completed.
all=$(complete_words xfedctl "")
for c in "${cmds[@]}"; do
	assert_contains "completion: offers $c" " $all " " $c "
done

finish
