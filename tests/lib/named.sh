# shellcheck shell=bash
#
# tests/lib/named.sh — a private, throw-away BIND primary for xfed's shell
# tests and the demo.  Source it, declare zones, start, test, and let the
# EXIT trap clean up:
#
#	. "$XFED_ROOT/tests/lib/named.sh"
#	named_zone example.test. 'www 300 IN A 127.0.0.2'   # optional
#	named_start
#	zone_nsupdate key-sha256 <<EOF
#	update add t.example.test. 60 IN TXT "hello"
#	send
#	EOF
#	zone_query t.example.test. TXT
#
# named_start must run in the test's own shell (not in $(...)): it exports
# variables and installs the trap there.
#
# Everything lives in one private directory ($XFED_TMP) and named listens on
# 127.0.0.1 only, on a random free high port: tests never touch the host's
# DNS, never need port 53, and can run side by side.
#
# Exported after named_start:
#	XFED_TMP	the private directory (removed by named_stop)
#	NAMED_PORT	UDP+TCP port named answers on, at 127.0.0.1
#	NAMED_PID	named's process id
#	NAMED_LOG	named's log (stderr of named -g)
#	NAMED_KEYS	names of every TSIG key the zones accept
#	KEY_<X>_NAME, KEY_<X>_ALG, KEY_<X>_SECRET, KEY_<X>_FILE for X in
#	MD5 SHA1 SHA224 SHA256 SHA384 SHA512 (key names key-md5 ... key-sha512)
#	and X = XFED for the default key "xfed-key" (hmac-sha256).

# The six TSIG algorithms xfed must support (RFC 8945 §6, RFC 4635).
XFED_TSIG_ALGS="hmac-md5 hmac-sha1 hmac-sha224 hmac-sha256 hmac-sha384 hmac-sha512"

# Zones declared with named_zone before named_start, and their extra
# records (zone-file lines, newline separated), keyed by zone name.
NAMED_ZONES=()
declare -A NAMED_ZONE_EXTRA=()

# Bounded waits, in tenths of a second, overridable for slow machines.
: "${NAMED_START_WAIT:=100}"	# until named answers: ~10 s
: "${NAMED_STOP_WAIT:=50}"	# after SIGTERM, before SIGKILL: ~5 s
: "${NAMED_PORT_TRIES:=5}"	# fresh ports to try if named cannot bind

NAMED_PID=""
XFED_TMP=""
XFED_AT_EXIT=()

# at_exit CMD... — run CMD (one string, eval'd) when the test ends, before
# named stops: e.g. at_exit "kill $XFEDD_PID".  Tests must not replace the
# EXIT trap named_start installs; they register here instead.
at_exit() {
	XFED_AT_EXIT+=("$*")
}

# named_zone ZONE [RECORD...] — serve ZONE (an absolute or relative name)
# as a dynamic primary.  Each RECORD is one zone-file line, relative names
# being relative to the zone, e.g. 'www 300 IN A 127.0.0.2'.  Call before
# named_start; with no named_zone call the default zones are served.
named_zone() {
	local zone=${1%.}.
	shift
	NAMED_ZONES+=("$zone")
	local rr extra=""
	for rr in "$@"; do
		extra+="$rr"$'\n'
	done
	NAMED_ZONE_EXTRA[$zone]=$extra
}

# key_var NAME — the variable prefix holding a key's data: key-sha256 ->
# KEY_SHA256, xfed-key -> KEY_XFED.
key_var() {
	case $1 in
	xfed-key) echo KEY_XFED ;;
	key-*) local v=${1#key-}; echo "KEY_${v^^}" ;;
	*) echo "named.sh: unknown key '$1'" >&2; return 1 ;;
	esac
}

# key_secret / key_alg / key_file NAME — a key's base64 secret, algorithm,
# and the BIND key file (tsig-keygen format, mode 0600) holding it.
key_secret() { local v; v=$(key_var "$1")_SECRET || return 1; echo "${!v}"; }
key_alg() { local v; v=$(key_var "$1")_ALG || return 1; echo "${!v}"; }
key_file() { local v; v=$(key_var "$1")_FILE || return 1; echo "${!v}"; }

# named_free_port — print a random port in 20000..32767 that nothing listens
# on, TCP or UDP.  That range sits below Linux's default ephemeral range
# (32768..60999), so an outgoing connection is unlikely to grab it between
# this check and named binding it; named_start retries if it happens anyway.
named_free_port() {
	local port i
	for i in $(seq 1 50); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
		if [ -z "$(ss -Hlntu "sport = :$port" 2>/dev/null)" ]; then
			echo "$port"
			return 0
		fi
		: "$i"
	done
	echo "named.sh: no free port found" >&2
	return 1
}

# named_make_keys — one key per algorithm plus the default xfed-key, each in
# its own key file (for nsupdate -k / dig -k, so secrets never reach argv),
# all together in keys.conf for named.  Secrets are exported for tests.
named_make_keys() {
	local alg name var
	mkdir -m 0700 "$XFED_TMP/keys"
	: >"$XFED_TMP/keys.conf"
	chmod 0600 "$XFED_TMP/keys.conf"
	NAMED_KEYS=""
	for alg in $XFED_TSIG_ALGS xfed-key; do
		if [ "$alg" = xfed-key ]; then
			name=xfed-key
			alg=hmac-sha256
		else
			name=key-${alg#hmac-}
		fi
		var=$(key_var "$name")
		(umask 077 && tsig-keygen -a "$alg" "$name" >"$XFED_TMP/keys/$name.key")
		cat "$XFED_TMP/keys/$name.key" >>"$XFED_TMP/keys.conf"
		export "${var}_NAME=$name"
		export "${var}_ALG=$alg"
		export "${var}_FILE=$XFED_TMP/keys/$name.key"
		export "${var}_SECRET=$(sed -n 's/^[[:space:]]*secret "\(.*\)";$/\1/p' \
			"$XFED_TMP/keys/$name.key")"
		NAMED_KEYS+="$name "
	done
	NAMED_KEYS=${NAMED_KEYS% }
	export NAMED_KEYS
}

# named_write_zone ZONE — the zone file: SOA and NS at ns1.ZONE (which has
# an address, so the zone loads and MNAME-based discovery has something to
# find), then the zone's extra records.
named_write_zone() {
	local zone=$1
	cat >"$XFED_TMP/zones/$zone.db" <<EOF
\$ORIGIN $zone
\$TTL 300
@	IN SOA	ns1.$zone hostmaster.$zone 1 3600 600 86400 300
@	IN NS	ns1.$zone
ns1	IN A	127.0.0.1
${NAMED_ZONE_EXTRA[$zone]:-}
EOF
}

# named_write_conf — named.conf for a loopback-only, non-recursive primary
# that writes nothing outside $XFED_TMP and sends nothing anywhere.
named_write_conf() {
	local zone key acl=""
	for key in $NAMED_KEYS; do
		acl+="key \"$key\"; "
	done
	mkdir -p "$XFED_TMP/zones"
	{
		cat <<EOF
include "$XFED_TMP/keys.conf";

options {
	directory "$XFED_TMP/zones";
	pid-file "$XFED_TMP/named.pid";
	session-keyfile "$XFED_TMP/session.key";
	managed-keys-directory "$XFED_TMP";
	dump-file "$XFED_TMP/named_dump.db";
	statistics-file "$XFED_TMP/named.stats";
	listen-on port $NAMED_PORT { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;		// never send NOTIFY (ns1 is 127.0.0.1 port 53)
	minimal-responses no;
};

controls { };			// no rndc channel

// No logging statement: named -g sends every category to stderr, which
// named_start redirects to named.log (updates and TSIG failures included).
EOF
		for zone in "${NAMED_ZONES[@]}"; do
			named_write_zone "$zone"
			cat <<EOF

zone "$zone" {
	type primary;
	file "$zone.db";
	allow-update { $acl};
	allow-transfer { $acl};
};
EOF
		done
	} >"$XFED_TMP/named.conf"
}

# named_wait_ready — poll until named answers the first zone's SOA
# authoritatively, named dies, or NAMED_START_WAIT runs out.
named_wait_ready() {
	local i
	for i in $(seq 1 "$NAMED_START_WAIT"); do
		if ! kill -0 "$NAMED_PID" 2>/dev/null; then
			return 1
		fi
		if dig @127.0.0.1 -p "$NAMED_PORT" +norecurse +time=1 +tries=1 \
			SOA "${NAMED_ZONES[0]}" 2>/dev/null | grep -q 'status: NOERROR'; then
			return 0
		fi
		sleep 0.1
		: "$i"
	done
	return 1
}

# named_kill — stop named: SIGTERM, a bounded wait, then SIGKILL.
named_kill() {
	local i
	[ -n "$NAMED_PID" ] || return 0
	if kill -0 "$NAMED_PID" 2>/dev/null; then
		kill -TERM "$NAMED_PID" 2>/dev/null || true
		for i in $(seq 1 "$NAMED_STOP_WAIT"); do
			kill -0 "$NAMED_PID" 2>/dev/null || break
			sleep 0.1
			: "$i"
		done
		if kill -0 "$NAMED_PID" 2>/dev/null; then
			echo "named.sh: named $NAMED_PID ignored SIGTERM, killing" >&2
			kill -KILL "$NAMED_PID" 2>/dev/null || true
		fi
	fi
	wait "$NAMED_PID" 2>/dev/null || true
	NAMED_PID=""
}

# named_start — everything above, in order; fails (after printing named's
# log) if named does not answer in time on any of the ports tried.
named_start() {
	local try
	if [ ${#NAMED_ZONES[@]} -eq 0 ]; then
		named_zone example.test.
		named_zone example2.test.
		# A zone of its own for proxy (edge) hosts, as when the SRV
		# records and the edge's addresses live in different zones.
		named_zone proxy.test.
	fi
	XFED_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xfed-test.XXXXXX")
	chmod 0700 "$XFED_TMP"
	export XFED_TMP
	# From here on, whatever happens, named goes and the directory too.
	trap 'named_stop' EXIT
	trap 'named_stop; trap - INT; kill -INT $$' INT
	trap 'named_stop; trap - TERM; kill -TERM $$' TERM

	named_make_keys
	for try in $(seq 1 "$NAMED_PORT_TRIES"); do
		NAMED_PORT=$(named_free_port)
		export NAMED_PORT
		named_write_conf
		if ! named-checkconf "$XFED_TMP/named.conf" >&2; then
			echo "named.sh: generated named.conf is invalid" >&2
			return 1
		fi
		NAMED_LOG=$XFED_TMP/named.log
		export NAMED_LOG
		# -g: foreground, log to stderr; root runs it as root (no -u:
		# it would need a user that can read $XFED_TMP).
		named -c "$XFED_TMP/named.conf" -g -n 2 >"$NAMED_LOG" 2>&1 &
		NAMED_PID=$!
		export NAMED_PID
		if named_wait_ready; then
			return 0
		fi
		named_kill
		# Lost a race for the port: try another.  Anything else is fatal.
		if grep -Eqi 'address in use|unable to listen' "$NAMED_LOG"; then
			echo "named.sh: port $NAMED_PORT taken, retrying ($try)" >&2
			continue
		fi
		break
	done
	echo "named.sh: named did not start on 127.0.0.1 port $NAMED_PORT; its log:" >&2
	sed 's/^/  named: /' "$NAMED_LOG" >&2 || true
	return 1
}

# named_stop — stop named and remove $XFED_TMP.  Safe to call twice; the
# EXIT trap calls it, so tests need not.  Keeps the exit status.
named_stop() {
	local rc=$? cmd
	for cmd in "${XFED_AT_EXIT[@]}"; do
		eval "$cmd" || true
	done
	XFED_AT_EXIT=()
	named_kill
	if [ -n "$XFED_TMP" ] && [ -d "$XFED_TMP" ]; then
		if [ -n "${XFED_KEEP_TMP:-}" ]; then
			echo "named.sh: keeping $XFED_TMP (XFED_KEEP_TMP set)" >&2
		else
			rm -rf -- "$XFED_TMP"
		fi
	fi
	XFED_TMP=""
	return "$rc"
}

# named_log — print named's log (for a failing test's diagnostics).
named_log() {
	cat "$NAMED_LOG" 2>/dev/null || true
}

# zone_query NAME TYPE [DIG-OPTION...] — the RDATA of NAME/TYPE at the
# private server, one per line, sorted, tabs turned into spaces; empty when
# there is none.  No recursion: this asks the authority itself.
zone_query() {
	local name=$1 type=$2
	shift 2
	dig @127.0.0.1 -p "$NAMED_PORT" +norecurse +short +time=2 +tries=2 \
		"$@" "$name" "$type" | tr '\t' ' ' | LC_ALL=C sort
}

# zone_rcode NAME TYPE — the status (NOERROR, NXDOMAIN, ...) of a query.
zone_rcode() {
	dig @127.0.0.1 -p "$NAMED_PORT" +norecurse +time=2 +tries=2 "$1" "$2" |
		sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# zone_axfr ZONE [KEYNAME] — a TSIG-signed zone transfer (default key
# xfed-key), one RR per line, whitespace squeezed; dig's comments and the
# transfer's own TSIG records are dropped.
zone_axfr() {
	local file
	file=$(key_file "${2:-xfed-key}") || return 1
	dig @127.0.0.1 -p "$NAMED_PORT" +time=3 +tries=1 -k "$file" \
		AXFR "$1" | tr -s ' \t' ' ' |
		{ grep -Ev '^(;|$|[^ ]+ 0 ANY TSIG )' || true; }
}

# zone_nsupdate KEYNAME [NSUPDATE-OPTION...] <<SCRIPT — run an nsupdate
# script at the private server, signed with KEYNAME (one of $NAMED_KEYS,
# or "none" for an unsigned update).  The key is passed as a key file, never
# on the command line.  End the script with "send"; nsupdate's status and
# messages are returned as is.
zone_nsupdate() {
	local key=$1 file
	shift
	local args=()
	if [ "$key" != none ]; then
		file=$(key_file "$key") || return 1
		args=(-k "$file")
	fi
	{
		echo "server 127.0.0.1 $NAMED_PORT"
		cat
	} | nsupdate -t 5 "${args[@]}" "$@"
}

# zone_nsupdate_with ALG NAME SECRET <<SCRIPT — as zone_nsupdate with an
# ad hoc key (a wrong secret, an unknown name...), written to a file first.
zone_nsupdate_with() {
	local file
	file=$(mktemp "$XFED_TMP/keys/adhoc.XXXXXX")
	printf 'key "%s" {\n\talgorithm %s;\n\tsecret "%s";\n};\n' \
		"$2" "$1" "$3" >"$file"
	{
		echo "server 127.0.0.1 $NAMED_PORT"
		cat
	} | nsupdate -t 5 -k "$file"
}

# write_config FILE [KEYNAME] [-] — an xfed.conf aimed at the private
# server: global settings with everything under $XFED_TMP, the TSIG key
# KEYNAME (default xfed-key) with its secret inline, and one server
# "primary" at 127.0.0.1:$NAMED_PORT.  With "-", the proxy and domain
# sections are read from stdin and appended; otherwise append them yourself.
# Override the globals with XFED_CONF_OWNER, XFED_CONF_MAX_DELETES.
write_config() {
	local file=$1 key=xfed-key stdin=0 arg
	shift
	for arg in "$@"; do
		if [ "$arg" = - ]; then stdin=1; else key=$arg; fi
	done
	mkdir -p "$XFED_TMP/state"
	chmod 0700 "$XFED_TMP/state"
	(
		umask 077
		cat >"$file" <<EOF
# Written by tests/lib/named.sh for the named on 127.0.0.1:$NAMED_PORT.
interval    = 0
owner       = "${XFED_CONF_OWNER:-xfed}"
socket      = "$XFED_TMP/xfedd.sock"
audit-log   = "$XFED_TMP/audit.jsonl"
state-dir   = "$XFED_TMP/state"
max-deletes = ${XFED_CONF_MAX_DELETES:-10}

tsig-key "$key" {
  algorithm = "$(key_alg "$key")"
  secret    = "$(key_secret "$key")"
}

server "primary" {
  address   = "127.0.0.1"
  port      = $NAMED_PORT
  tsig-key  = "$key"
  transport = "auto"
  timeout   = 2
  retries   = 1
}
EOF
		if [ "$stdin" = 1 ]; then
			echo
			cat
		fi >>"$file"
	)
}

# --- fakedns: a scriptable misbehaving server beside the real named --------
#
#	fake_start --zone fake.test --scenario badsig [FAKEDNS-OPTION...]
#	... $FAKE_PORT, $FAKE_LOG ...
#	fake_stop
#
# build/tests/fakedns (tests/tools/fakedns.c) serves one zone from memory on
# 127.0.0.1:$FAKE_PORT, signing with xfed-key (override with FAKE_KEY=NAME),
# and misbehaves as its --scenario says.  Every request it received is a
# "req ..." line in $FAKE_LOG.  One fake at a time; the EXIT trap stops it.
FAKE_PID=""
FAKE_AT_EXIT=0

# fake_start FAKEDNS-OPTION... — start it on a free port; fail if it does
# not report ready within ~5 s.
fake_start() {
	local bin=${XFED_TOOLS:-$XFED_ROOT/build/tests}/fakedns key=${FAKE_KEY:-xfed-key} i
	if [ ! -x "$bin" ]; then
		echo "named.sh: $bin not built (run make tests first)" >&2
		return 1
	fi
	fake_stop
	FAKE_PORT=$(named_free_port)
	FAKE_LOG=$XFED_TMP/fake.$FAKE_PORT.log
	export FAKE_PORT FAKE_LOG
	# A port can come round again in one test: start a fresh log, or
	# the requests of an earlier fake would be counted as this one's.
	: >"$FAKE_LOG"
	"$bin" --port "$FAKE_PORT" --log "$FAKE_LOG" \
		--key "$key:$(key_alg "$key"):$(key_secret "$key")" "$@" \
		2>>"$XFED_TMP/fake.stderr" &
	FAKE_PID=$!
	if [ "$FAKE_AT_EXIT" = 0 ]; then
		at_exit fake_stop
		FAKE_AT_EXIT=1
	fi
	for i in $(seq 1 50); do
		grep -q '^ready ' "$FAKE_LOG" 2>/dev/null && return 0
		kill -0 "$FAKE_PID" 2>/dev/null || break
		sleep 0.1
		: "$i"
	done
	echo "named.sh: fakedns did not start:" >&2
	cat "$XFED_TMP/fake.stderr" >&2 || true
	return 1
}

# fake_stop — stop the fake server, if one runs.
fake_stop() {
	[ -n "$FAKE_PID" ] || return 0
	kill -TERM "$FAKE_PID" 2>/dev/null || true
	wait "$FAKE_PID" 2>/dev/null || true
	FAKE_PID=""
}

# fake_requests [FIELD=VALUE...] — the fake's "req" lines whose fields all
# have these values (e.g. kind=update proto=udp), one per line.
fake_requests() {
	local line cond ok
	[ -f "$FAKE_LOG" ] || return 0
	while IFS= read -r line; do
		[[ "$line" == "req "* ]] || continue
		ok=1
		for cond in "$@"; do
			[[ " $line " == *" $cond "* ]] || ok=0
		done
		if [ "$ok" = 1 ]; then printf '%s\n' "$line"; fi
	done <"$FAKE_LOG"
	return 0
}

# fake_field FIELD — that field of each "req" line on stdin.
fake_field() {
	sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p"
}

# named_add_zone ZONE 'ZONE-OPTIONS' [RECORD...] — after named_start, serve
# one more zone with its own zone options (e.g. an allow-update that
# leaves xfed-key out, or max-records), then reload named (SIGHUP) and wait
# until the zone answers.  RECORDs as for named_zone.
named_add_zone() {
	local zone=${1%.}. opts=$2 i rr extra=""
	shift 2
	for rr in "$@"; do
		extra+="$rr"$'\n'
	done
	NAMED_ZONE_EXTRA[$zone]=$extra
	named_write_zone "$zone"
	printf '\nzone "%s" {\n\ttype primary;\n\tfile "%s.db";\n\t%s\n};\n' \
		"$zone" "$zone" "$opts" >>"$XFED_TMP/named.conf"
	named-checkconf "$XFED_TMP/named.conf" >&2 || return 1
	kill -HUP "$NAMED_PID"
	for i in $(seq 1 "$NAMED_START_WAIT"); do
		if dig @127.0.0.1 -p "$NAMED_PORT" +norecurse +time=1 +tries=1 \
			SOA "$zone" 2>/dev/null | grep -q 'status: NOERROR'; then
			return 0
		fi
		sleep 0.1
		: "$i"
	done
	echo "named.sh: zone $zone did not load" >&2
	return 1
}

# fake_config FILE OCTET [TRANSPORT] — an xfed.conf with the real named as
# server "primary" (example.test., and proxy.test. whose A becomes
# 127.0.0.OCTET) and the running fake as server "fake" (fake.test.), with
# a 1 s timeout and 1 retry, so every fault resolves in seconds.
fake_config() {
	write_config "$1" - <<EOF
server "fake" {
  address   = "127.0.0.1"
  port      = $FAKE_PORT
  tsig-key  = "xfed-key"
  transport = "${3:-auto}"
  timeout   = 1
  retries   = 1
}
proxy "edge" {
  host   = "xmpp.proxy.test"
  ipv4   = {"127.0.0.$2"}
  server = "primary"
}
domain "example.test" {
  proxy  = {"edge"}
  server = "primary"
}
domain "fake.test" {
  proxy  = {"edge"}
  server = "fake"
  zone   = "fake.test"
}
EOF
}
