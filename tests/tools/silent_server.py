#!/usr/bin/env python3
"""A DNS server that never answers: listens on 127.0.0.1:argv[1] (TCP and
UDP), accepts TCP connections and reads what is sent, and says nothing.
Used to show that xfedd stays responsive while a sync waits on it."""
import select
import socket
import sys

port = int(sys.argv[1])
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", port))
tcp.listen(16)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", port))
conns = []
while True:
    r, _, _ = select.select([tcp, udp] + conns, [], [])
    for s in r:
        if s is tcp:
            c, _ = tcp.accept()
            conns.append(c)
        elif s is udp:
            udp.recvfrom(65536)
        elif not s.recv(65536):
            conns.remove(s)
            s.close()
