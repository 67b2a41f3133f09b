#!/usr/bin/env python3
"""bench/gen.py — the benchmark's generated inputs (see bench/README.md).

    gen.py zones   --domains N --zones Z
    gen.py config  --domains N --zones Z [--discover] [--change]
    gen.py nsupdate --domains N --zones Z --port P [--owner TAG] [--max 500]

Layout: domain i (0 <= i < N) is dom<i>.zone<z>.bench. in zone
zone<z>.bench. with z = i mod Z, so every zone holds N/Z domains (the
first N mod Z zones one more).  With Z = 1 the single zone is
one.bench. (so that one named can serve both layouts side by side).  The
one proxy host is xmpp.proxy.bench. in its own zone proxy.bench., with one
IPv4 and one IPv6 address (loopback: the records are data, never dialled).

zones     the zone names to serve, one per line (proxy.bench. first).
config    the proxy and domain sections of an xfed.conf (the global part,
          key and server come from tests/lib/named.sh's write_config).
          Every section names its zone explicitly (no discovery cost)
          unless --discover.  --change: the same, but domain 0 has
          priority 10 instead of 0 (one SRV RRset to replace).
nsupdate  the baseline: one nsupdate script publishing exactly what xfedd
          publishes (SRV + marker TXT per domain, A + AAAA + marker TXT
          for the proxy host), one message per zone, at most --max records
          per message.  Reads nothing.
"""

import argparse
import sys

PROXY_HOST = "xmpp.proxy.bench."
PROXY_ZONE = "proxy.bench."
PROXY_V4 = "127.0.0.10"
PROXY_V6 = "::1"
TTL = 3600


def zone_name(z, nzones):
    return "one.bench." if nzones == 1 else "zone%d.bench." % z


def domains(n, nzones):
    """(domain, zone) for every domain, grouped by zone, zones in order."""
    for z in range(nzones):
        zone = zone_name(z, nzones)
        for i in range(z, n, nzones):
            yield "dom%d.%s" % (i, zone), zone, i


def cmd_zones(a, out):
    out.write(PROXY_ZONE + "\n")
    for z in range(a.zones):
        out.write(zone_name(z, a.zones) + "\n")


def cmd_config(a, out):
    zone_line = "" if a.discover else '  zone = "%s"\n' % PROXY_ZONE.rstrip(".")
    out.write('proxy "edge" {\n  host = "%s"\n  ipv4 = {"%s"}\n'
              '  ipv6 = {"%s"}\n  ttl  = %d\n%s}\n\n'
              % (PROXY_HOST.rstrip("."), PROXY_V4, PROXY_V6, TTL, zone_line))
    for dom, zone, i in domains(a.domains, a.zones):
        prio = 10 if (a.change and i == 0) else 0
        out.write('domain "%s" {\n  proxy = {"edge"}\n  priority = %d\n'
                  % (dom.rstrip("."), prio))
        if not a.discover:
            out.write('  zone = "%s"\n' % zone.rstrip("."))
        out.write("}\n")


def cmd_nsupdate(a, out):
    marker = '"heritage=xfed,owner=%s"' % a.owner
    by_zone = {PROXY_ZONE: [
        "%s %d IN A %s" % (PROXY_HOST, TTL, PROXY_V4),
        "%s %d IN AAAA %s" % (PROXY_HOST, TTL, PROXY_V6),
        "%s %d IN TXT %s" % (PROXY_HOST, TTL, marker),
    ]}
    order = [PROXY_ZONE]
    for dom, zone, _ in domains(a.domains, a.zones):
        if zone not in by_zone:
            by_zone[zone] = []
            order.append(zone)
        srv = "_xmpp-server._tcp." + dom
        by_zone[zone].append("%s %d IN SRV 0 0 5269 %s" % (srv, TTL, PROXY_HOST))
        by_zone[zone].append("%s %d IN TXT %s" % (srv, TTL, marker))
    out.write("server 127.0.0.1 %d\n" % a.port)
    for zone in order:
        rrs = by_zone[zone]
        for k in range(0, len(rrs), a.max):
            out.write("zone %s\n" % zone)
            for rr in rrs[k:k + a.max]:
                out.write("update add %s\n" % rr)
            out.write("send\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["zones", "config", "nsupdate"])
    p.add_argument("--domains", type=int, default=10000)
    p.add_argument("--zones", type=int, default=1000)
    p.add_argument("--discover", action="store_true")
    p.add_argument("--change", action="store_true")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--owner", default="xfed")
    p.add_argument("--max", type=int, default=500)
    a = p.parse_args()
    if a.domains < 1 or a.zones < 1 or a.zones > a.domains or a.max < 1:
        p.error("need 1 <= zones <= domains and max >= 1")
    out = sys.stdout
    {"zones": cmd_zones, "config": cmd_config, "nsupdate": cmd_nsupdate}[a.what](a, out)


if __name__ == "__main__":
    main()
