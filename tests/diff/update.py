#!/usr/bin/python3
"""update.py - send the same UPDATE sequence to two servers, compare.

usage: update.py CASES KEYNAME SECRET A_LABEL A_PORT B_LABEL B_PORT ZONE

Each block of CASES is one UPDATE message, built with dnspython and
signed with the key; it goes to both servers (127.0.0.1), their rcodes
are compared, and then their zones, fetched by AXFR, as sets of records
(owner names and names in rdata without case, RFC 4343; the SOA serial
as its step, +1 or +0, per message).  A block may
accept a written-down difference with a line "allow rcode|zone: why".
Prints one line per block; exit 1 on a difference not allowed.
"""
import sys

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.tsigkeyring
import dns.update

cases, keyname, secret = sys.argv[1], sys.argv[2], sys.argv[3]
servers = [(sys.argv[4], int(sys.argv[5])), (sys.argv[6], int(sys.argv[7]))]
ZONE = sys.argv[8]
KR = dns.tsigkeyring.from_text({keyname: secret})


def blocks(path):
    """Yield (label, allowed, lines) for each block of the file."""
    cur = []
    for line in open(path, encoding="utf-8").read().split("\n") + [""]:
        if line.strip() == "":
            if cur:
                yield parse_block(cur)
            cur = []
        else:
            cur.append(line)


def parse_block(lines):
    label, allowed, body = "", {}, []
    for ln in lines:
        if ln.startswith("# ") and not label and not body:
            label = ln[2:]
        elif ln.startswith("#"):
            continue
        elif ln.startswith("allow "):
            what, why = ln[6:].split(":", 1)
            allowed[what.strip()] = why.strip()
        else:
            body.append(ln)
    return label, allowed, body


def add_line(m, w):
    """update add NAME TTL TYPE RDATA..."""
    m.add(w[2], int(w[3]), w[4], " ".join(w[5:]))


def build(body):
    m = dns.update.UpdateMessage(ZONE, keyring=KR, keyname=keyname)
    for ln in body:
        w = ln.split()
        if w[0] == "edns":
            m.use_edns(edns=int(w[1]))
        elif w[0] == "repeat":
            # repeat N FROM LINE...: LINE N times, %d counting from FROM
            body_line = " ".join(w[3:])
            for k in range(int(w[2]), int(w[2]) + int(w[1])):
                add_line(m, (body_line % k).split())
        elif w[0] == "prereq":
            kind, name = w[1], w[2]
            if kind == "yxdomain":
                m.present(name)
            elif kind == "nxdomain":
                m.absent(name)
            elif kind == "yxrrset" and len(w) == 4:
                m.present(name, w[3])
            elif kind == "yxrrset":
                rd = dns.rdata.from_text("IN", w[3], " ".join(w[4:]))
                m.present(name, rd)
            elif kind == "nxrrset":
                m.absent(name, w[3])
        elif w[0] == "update" and w[1] == "add":
            add_line(m, w)
        elif w[0] == "update" and w[1] == "delete":
            if len(w) == 3:
                m.delete(w[2])
            elif len(w) == 4:
                m.delete(w[2], w[3])
            else:
                m.delete(w[2], w[3], " ".join(w[4:]))
        else:
            raise SystemExit("update.py: cannot read: " + ln)
    return m


def zone_set(port):
    """The zone at the server on @port as a set of canonical records."""
    out, serial = set(), None
    for msg in dns.query.xfr("127.0.0.1", ZONE, port=port, lifetime=10,
                             relativize=False):
        for rrset in msg.answer:
            for rd in rrset:
                if rd.rdtype == dns.rdatatype.SOA:
                    # The serial is compared as a step (below): after an
                    # allowed difference the numbers may stay apart.
                    serial = rd.serial
                    rd = rd.replace(serial=0)
                out.add("%s %d %s %s" % (
                    rrset.name.to_text().lower(), rrset.ttl,
                    dns.rdatatype.to_text(rd.rdtype),
                    rd.to_digestable().hex()))
    return out, serial


def show(rec):
    name, ttl, rtype, hexrd = rec.split(" ")
    rd = dns.rdata.from_wire(dns.rdataclass.IN, dns.rdatatype.from_text(rtype),
                             bytes.fromhex(hexrd), 0, len(hexrd) // 2)
    return "%s %s %s %s" % (name, ttl, rtype, rd.to_text())


fails = 0
n = 0
last = [zone_set(port)[1] for _, port in servers]
for label, allowed, body in blocks(cases):
    if not body:
        continue
    n += 1
    rcodes = []
    for _, port in servers:
        m = build(body)
        r = dns.query.tcp(m, "127.0.0.1", port=port, timeout=5)
        rcodes.append(dns.rcode.to_text(r.rcode()))
    got = [zone_set(port) for _, port in servers]
    zones = [g[0] for g in got]
    steps = [(got[i][1] - last[i]) % (1 << 32) for i in range(2)]
    last = [g[1] for g in got]
    diffs = []
    if steps[0] != steps[1]:
        diffs.append(("zone", "serial step %s: %d, %s: %d" % (
            servers[0][0], steps[0], servers[1][0], steps[1])))
    if rcodes[0] != rcodes[1]:
        diffs.append(("rcode", "rcode %s: %s, %s: %s" % (
            servers[0][0], rcodes[0], servers[1][0], rcodes[1])))
    if zones[0] != zones[1]:
        only0 = sorted(zones[0] - zones[1])
        only1 = sorted(zones[1] - zones[0])
        text = "; ".join(["only %s: %s" % (servers[0][0], show(r))
                          for r in only0] +
                         ["only %s: %s" % (servers[1][0], show(r))
                          for r in only1])
        diffs.append(("zone", text))
    bad = [d for d in diffs if d[0] not in allowed]
    note = [d for d in diffs if d[0] in allowed]
    if bad:
        fails += 1
        print("FAIL - %s: %s" % (label, " | ".join(d[1] for d in bad)))
    elif note:
        print("ok   - %s (allowed: %s)" % (
            label, "; ".join(sorted({allowed[d[0]] for d in note}))))
    else:
        print("ok   - %s (%s)" % (label, rcodes[0]))
print("update diff: %d messages, %d differences not allowed" % (n, fails))
sys.exit(1 if fails else 0)
