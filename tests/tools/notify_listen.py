#!/usr/bin/env python3
"""Stand in for systemd's notification socket: bind a datagram socket at
argv[1] and append each message received, one per line, to argv[2], until
killed.  Lets a test see READY=1, STATUS=, STOPPING=1 from xfedd."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(65536).decode(errors="replace")
        for line in msg.split("\n"):
            if line:
                f.write(line + "\n")
