#!/usr/bin/env bash
# shellcheck disable=SC2016  # wait_for conditions are single-quoted: evaluated later
# t_socket_trust — whoever may write to the control socket's directory may
# put their own socket there and answer in xfedd's name.  xfedd refuses to
# start (and -n reports FILE:LINE) with the socket in a directory writable
# by group or others, sticky bit or not; xfedctl refuses to believe a
# server in such a directory, or one that runs neither as root nor as the
# socket's owner, and exits 1 without printing its answer.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/named.sh
. "$here/../lib/named.sh"

need_binaries
named_start

# nobody must reach the directories below.
chmod 0711 "$XFED_TMP"
conf=$XFED_TMP/xfed.conf
config_with_socket() {
	write_config "$conf" - <<EOF
proxy "edge" {
  host = "xmpp.proxy.test"
  ipv4 = {"203.0.113.10"}
}
domain "example.test" { proxy = {"edge"} }
EOF
	sed -i "s|^socket .*|socket      = \"$1\"|" "$conf"
}
socket_line() { grep -n '^socket ' "$conf" | cut -d: -f1; }

# --- xfedd: the directory -----------------------------------------------------
for mode in 0777 1777 0775 1770; do
	dir=$XFED_TMP/run-$mode
	mkdir "$dir"
	chmod "$mode" "$dir"
	config_with_socket "$dir/xfedd.sock"
	assert_exit 1 "xfedd -n: socket in a $mode directory" xfedd -n -c "$conf"
	assert_contains "  names the socket option's line" "$ERR" \
		"$conf:$(socket_line): socket $dir/xfedd.sock: directory $dir is writable by"
done
config_with_socket "$XFED_TMP/run-0777/xfedd.sock"
# (Bounded: an xfedd that did start would run until killed.)
assert_exit 1 "xfedd -f will not start there either" \
	timeout 20 "${XFED_VALGRIND_CMD[@]}" "$XFEDD" -f -c "$conf"
assert_contains "  and says why" "$ERR" "is writable by others"
assert_eq "  no socket was made" no \
	"$([ -e "$XFED_TMP/run-0777/xfedd.sock" ] && echo yes || echo no)"

# A directory above that others may write to without the sticky bit: its
# subdirectory could be renamed away and replaced.
mkdir -m 0777 "$XFED_TMP/open"
mkdir -m 0755 "$XFED_TMP/open/run"
config_with_socket "$XFED_TMP/open/run/xfedd.sock"
assert_exit 1 "xfedd -n: a writable directory above the socket's" \
	xfedd -n -c "$conf"
assert_contains "  names it" "$ERR" "directory $XFED_TMP/open is writable by others"

# Sound: 0755, or 0750, owned by root.
mkdir -m 0750 "$XFED_TMP/run"
config_with_socket "$XFED_TMP/run/xfedd.sock"
assert_exit 0 "xfedd -n: socket in a 0750 directory" xfedd -n -c "$conf"

# --- xfedctl: who answers -----------------------------------------------------
cat >"$XFED_TMP/fake.py" <<'EOF'
"""A forger: answers every request with "all in sync"."""
import socket, sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(4)
while True:
    c, _ = s.accept()
    try:
        c.recv(65536)
        c.sendall(b'{"xfed-control": 1, "ok": true, "exit": 0, '
                  b'"text": "FORGED: all zones in sync\\n"}\n')
    except OSError:
        pass    # the client gave up on us
    c.close()
EOF
chmod 0644 "$XFED_TMP/fake.py"
fake_pid=""
fake_sock=""
fake_socket() {
	# shellcheck disable=SC2034  # read by the wait_for condition below
	fake_sock=$1
	[ -z "$fake_pid" ] || { kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null || true; }
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		/usr/bin/python3 "$XFED_TMP/fake.py" "$1" &
	fake_pid=$!
	at_exit "kill $fake_pid 2>/dev/null || true"
	wait_for "the forger listens on $1" '[ -S "$fake_sock" ]' 20
}

# 1. In a world-writable directory (sticky, as /tmp): not believed.
mkdir -m 1777 "$XFED_TMP/tmp"
fake_socket "$XFED_TMP/tmp/xfedd.sock"
assert_exit 1 "xfedctl sync via a world-writable directory" \
	xfedctl -s "$XFED_TMP/tmp/xfedd.sock" sync
assert_contains "  says why" "$ERR" "is writable by others"
assert_not_contains "  prints nothing of the answer" "$OUT" "FORGED"

# 2. The socket belongs to root, in root's directory, but nobody answers on
# it (bound in nobody's directory, then moved: a socket is found by inode).
install -d -o nobody -m 0755 "$XFED_TMP/nobody"
mkdir -m 0755 "$XFED_TMP/root"
fake_socket "$XFED_TMP/nobody/xfedd.sock"
mv "$XFED_TMP/nobody/xfedd.sock" "$XFED_TMP/root/xfedd.sock"
chown root "$XFED_TMP/root/xfedd.sock"
assert_exit 1 "xfedctl status answered by another uid than the socket's owner" \
	xfedctl -s "$XFED_TMP/root/xfedd.sock" status
assert_contains "  says who answered" "$ERR" "answered by a process of uid 65534"
assert_not_contains "  prints nothing of the answer" "$OUT" "FORGED"

# The control: the same server with the socket its own is talked to (it is
# where the configuration points): the refusals above come from the
# checks, not from the server.
chown nobody "$XFED_TMP/root/xfedd.sock"
assert_exit 0 "xfedctl talks to a server that owns its socket" \
	xfedctl -s "$XFED_TMP/root/xfedd.sock" status
assert_contains "  and prints its answer" "$OUT" "FORGED"

# 3. A directory owned by another user than root, the caller or the
# socket's owner: that user could swap the socket.
install -d -o daemon -m 0755 "$XFED_TMP/daemon"
fake_socket "$XFED_TMP/tmp/again.sock"
mv "$XFED_TMP/tmp/again.sock" "$XFED_TMP/daemon/xfedd.sock"
assert_exit 1 "xfedctl via a directory of a third user" \
	xfedctl -s "$XFED_TMP/daemon/xfedd.sock" status
assert_contains "  says whose it is" "$ERR" "belongs to uid $(id -u daemon)"

# 4. The real daemon, as root in a 0750 directory: believed.
config_with_socket "$XFED_TMP/run/xfedd.sock"
xfedd_start "$XFED_TMP/xfedd.log" -c "$conf"
wait_for "xfedd listens" '[ -S "$XFED_TMP/run/xfedd.sock" ]' 20
wait_for "xfedctl status answers" \
	'"$XFEDCTL" -s "$XFED_TMP/run/xfedd.sock" status >/dev/null 2>&1' 20
kill -TERM "$xfedd_pid"
rc=0
wait "$xfedd_pid" || rc=$?
assert_eq "xfedd exits 0" 0 "$rc"
finish
