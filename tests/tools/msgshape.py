#!/usr/bin/python3
"""msgshape.py - authd's message-shape rules, checked with dnspython, an
independent DNS implementation, over real UDP and TCP.

usage: msgshape.py PORT KEYNAME SECRET ZONE

Prints one "ok   - ..." or "FAIL - ..." line per check and exits 1 when
any failed.  The checks: the CD bit copied into every kind of answer
(RFC 4035 3.2.2); an UPDATE with EDNS version 1 answered BADVERS and one
with two OPT records FORMERR, neither applied (RFC 6891 6.1.1, 6.1.3);
octets after the TSIG record answered FORMERR and not applied (RFC 8945
5.1); a signed UPDATE whose ID a forwarder changed answered with a TSIG
that verifies as RFC 8945 says (the Original ID put back first).
"""
import socket
import struct
import sys
import time

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TSIG
import dns.tsig
import dns.tsigkeyring
import dns.update

PORT = int(sys.argv[1])
KEYNAME, SECRET, ZONE = sys.argv[2], sys.argv[3], sys.argv[4]
KR = dns.tsigkeyring.from_text({KEYNAME: SECRET})
KEY = dns.tsig.Key(KEYNAME, SECRET, dns.tsig.HMAC_SHA256)
SERVER = "127.0.0.1"
FAILS = 0


def check(desc, cond):
    global FAILS
    print(("ok   - " if cond else "FAIL - ") + desc)
    if not cond:
        FAILS += 1


def udp_raw(wire):
    """Send raw bytes over UDP, return the raw answer (or None)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(wire, (SERVER, PORT))
        return s.recv(65535)
    except socket.timeout:
        return None
    finally:
        s.close()


MAC = {}


def rcode_of(resp):
    """The full rcode (header and OPT) of the raw answer to the last
    request sign_raw() signed; its TSIG must verify."""
    m = dns.message.from_wire(resp, keyring=KR, request_mac=MAC["last"])
    return m.rcode()


def sign_raw(wire):
    """Append a TSIG record for KEY to the unsigned message @wire."""
    now = int(time.time())
    (mid,) = struct.unpack("!H", wire[:2])
    rd = dns.rdtypes.ANY.TSIG.TSIG(dns.rdataclass.ANY, dns.rdatatype.TSIG,
                                   KEY.algorithm, now, 300, b"", mid, 0,
                                   b"")
    rd, _ = dns.tsig.sign(wire, KEY, rd, now)
    MAC["last"] = rd.mac
    rdw = rd.to_wire()
    rr = (KEY.name.to_wire() + struct.pack("!HHIH", 250, 255, 0, len(rdw))
          + rdw)
    ar = struct.unpack("!H", wire[10:12])[0] + 1
    return wire[:10] + struct.pack("!H", ar) + wire[12:] + rr


def opt_rr(version=0):
    """An OPT record: root owner, payload 1232, the given EDNS version."""
    return b"\x00" + struct.pack("!HHBBHH", 41, 1232, 0, version, 0, 0)


def add_opt(wire, opt):
    ar = struct.unpack("!H", wire[10:12])[0] + 1
    return wire[:10] + struct.pack("!H", ar) + wire[12:] + opt


def update_wire(name, addr):
    u = dns.update.UpdateMessage(ZONE)
    u.add(name, 60, "A", addr)
    return u.to_wire()


def served(name):
    q = dns.message.make_query(name, "A")
    r = dns.query.udp(q, SERVER, port=PORT, timeout=3)
    return [rr.to_text() for rrs in r.answer for rr in rrs]


# --- the CD bit -------------------------------------------------------------
q = dns.message.make_query("www." + ZONE, "A", use_edns=0)
q.flags |= dns.flags.CD
r = dns.query.udp(q, SERVER, port=PORT, timeout=3)
check("query: CD copied", r.flags & dns.flags.CD)

q = dns.message.make_query("www." + ZONE, "A", use_edns=0)
q.flags |= dns.flags.CD
q.use_tsig(KR, keyname=KEYNAME)
r = dns.query.udp(q, SERVER, port=PORT, timeout=3)
check("signed query: CD copied", r.flags & dns.flags.CD)

q = dns.message.make_query("www." + ZONE, "A", use_edns=0)
q.flags |= dns.flags.CD
q.use_tsig(dns.tsigkeyring.from_text({KEYNAME: "AAAA" + SECRET[4:]}),
           keyname=KEYNAME)
raw = udp_raw(q.to_wire())
check("signed query, bad signature: answered",
      raw is not None and len(raw) >= 12)
check("signed query, bad signature: CD copied",
      raw is not None and struct.unpack("!H", raw[2:4])[0] & 0x10)

u = dns.update.UpdateMessage(ZONE, keyring=KR, keyname=KEYNAME)
u.add("cd." + ZONE, 60, "A", "192.0.2.70")
u.flags |= dns.flags.CD
r = dns.query.udp(u, SERVER, port=PORT, timeout=3)
check("UPDATE: NOERROR", r.rcode() == dns.rcode.NOERROR)
check("UPDATE: CD copied", r.flags & dns.flags.CD)

wire = bytearray(update_wire("cd2." + ZONE, "192.0.2.71"))
wire[3] |= 0x10
raw = udp_raw(bytes(wire))
check("unsigned UPDATE refused with CD copied",
      raw is not None and raw[3] & 0x10 and raw[3] & 0xF == 5)

q = dns.message.make_query(ZONE, "AXFR")
q.flags |= dns.flags.CD
q.use_tsig(KR, keyname=KEYNAME)
s = socket.create_connection((SERVER, PORT), timeout=3)
w = q.to_wire()
s.sendall(struct.pack("!H", len(w)) + w)
hdr = s.recv(2)
ln = struct.unpack("!H", hdr)[0]
first = b""
while len(first) < ln:
    first += s.recv(ln - len(first))
s.close()
check("AXFR: answered NOERROR", first[3] & 0xF == 0)
check("AXFR: CD copied", first[3] & 0x10)

n = dns.message.make_query(ZONE, "SOA")
n.set_opcode(dns.opcode.NOTIFY)
n.flags = (n.flags & ~dns.flags.RD) | dns.flags.AA | dns.flags.CD
r = dns.query.udp(n, SERVER, port=PORT, timeout=3)
check("NOTIFY: CD copied", r.flags & dns.flags.CD)

bad = bytearray(dns.message.make_query("www." + ZONE, "A").to_wire())
bad[3] |= 0x10
bad[5] = 2  # two questions, only one present: FORMERR
raw = udp_raw(bytes(bad))
check("FORMERR answer: CD copied",
      raw is not None and raw[3] & 0x10 and raw[3] & 0xF == 1)

# --- EDNS in UPDATE ---------------------------------------------------------
wire = sign_raw(add_opt(update_wire("edns1." + ZONE, "192.0.2.72"),
                        opt_rr(1)))
raw = udp_raw(wire)
check("UPDATE with EDNS version 1: BADVERS",
      raw is not None and rcode_of(raw) == dns.rcode.BADVERS)
check("UPDATE with EDNS version 1: not applied",
      served("edns1." + ZONE) == [])

wire = sign_raw(add_opt(add_opt(update_wire("opt2." + ZONE, "192.0.2.73"),
                                opt_rr()), opt_rr()))
raw = udp_raw(wire)
check("UPDATE with two OPT records: FORMERR",
      raw is not None and raw[3] & 0xF == dns.rcode.FORMERR)
check("UPDATE with two OPT records: not applied",
      served("opt2." + ZONE) == [])

wire = sign_raw(add_opt(update_wire("opt0." + ZONE, "192.0.2.74"), opt_rr()))
raw = udp_raw(wire)
check("UPDATE with one OPT record: NOERROR",
      raw is not None and rcode_of(raw) == dns.rcode.NOERROR)
check("UPDATE with one OPT record: applied",
      served("opt0." + ZONE) == ["192.0.2.74"])

# --- TSIG last --------------------------------------------------------------
wire = sign_raw(update_wire("trail." + ZONE, "192.0.2.75")) + b"\x00\x00\x00"
raw = udp_raw(wire)
check("octets after TSIG: FORMERR",
      raw is not None and raw[3] & 0xF == dns.rcode.FORMERR)
check("octets after TSIG: not applied", served("trail." + ZONE) == [])

q = dns.message.make_query("www." + ZONE, "A")
q.use_tsig(KR, keyname=KEYNAME)
raw = udp_raw(q.to_wire() + b"\x01")
check("query with octets after TSIG: FORMERR",
      raw is not None and raw[3] & 0xF == dns.rcode.FORMERR)

# --- a forwarder's new ID ---------------------------------------------------
u = dns.update.UpdateMessage(ZONE, keyring=KR, keyname=KEYNAME)
u.add("fwd." + ZONE, 60, "A", "192.0.2.76")
wire = bytearray(u.to_wire())
newid = (u.id + 4242) & 0xFFFF
wire[0:2] = struct.pack("!H", newid)
raw = udp_raw(bytes(wire))
ok = False
why = "no answer"
if raw is not None:
    try:
        r = dns.message.from_wire(raw, keyring=KR, request_mac=u.mac)
        ok = r.rcode() == dns.rcode.NOERROR and r.id == newid
        why = "rcode %s id %d" % (dns.rcode.to_text(r.rcode()), r.id)
    except Exception as e:  # dnspython names the TSIG failure
        why = repr(e)
check("new ID after signing: answer verifies per RFC 8945 (%s)" % why, ok)
check("new ID after signing: applied", served("fwd." + ZONE) == ["192.0.2.76"])

sys.exit(1 if FAILS else 0)
