#!/bin/bash
# update_names.sh - RFC 2136 deletions and name matching with nsupdate:
# "delete all RRsets at a name" (class ANY, type ANY) with no bound on
# the number of types, at a name and at the apex (where SOA and NS stay);
# names inside rdata matched without regard to case (RFC 4343), while
# stored data keeps the case it was sent with.
. "$(dirname "$0")/lib.bash"

P=$(free_port)
cat >"$T/case.zone" <<'ZONE'
$ORIGIN case.test.
$TTL 300
@ SOA ns.case.test. h.case.test. 1 7200 3600 1209600 300
@ NS ns
ns A 192.0.2.1
@ MX 10 Mail.Example.NET.
@ MX 10 mail.example.net.
ZONE
printf 'key "k" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	"$(head -c 32 /dev/urandom | base64)" >"$T/k.key"
start_authd "$T/authd.log" --listen 127.0.0.1:$P \
	--zone "example.test.=$ZONES/example.test.zone" \
	--zone "case.test.=$T/case.zone" \
	--state-dir "$T/state" --key "$T/k.key" --allow-transfer 127.0.0.1
D="dig @127.0.0.1 -p $P +norec +time=2 +tries=1"
nsu() {
	{ echo "server 127.0.0.1 $P"; printf '%s\n' "$@"; echo send; } |
		nsupdate -t 5 -k "$T/k.key" 2>&1
}
# types NAME: how many RRsets NAME has, from an AXFR.
types() {
	$D +tcp example.test AXFR | awk -v n="$1" '$1 == n {print $4}' | sort -u | wc -l
}
serial() { $D +short example.test SOA | awk '{print $3}'; }

# 70 RRsets at one name, then one "delete all".
cmds=()
for i in $(seq 0 69); do
	cmds+=("update add many.example.test. 60 TYPE$((65280 + i)) \\# 1 0$((i % 10))")
done
nsu "${cmds[@]}" >/dev/null
check "70 RRsets added at a name" [ "$(types many.example.test.)" -eq 70 ]
out=$(nsu "update delete many.example.test.")
check "delete all RRsets: nsupdate succeeds" [ -z "$out" ]
check "delete all RRsets: none of the 70 left" [ "$(types many.example.test.)" -eq 0 ]

# At the apex: 70 more types, then "delete all": SOA and NS stay.
cmds=()
for i in $(seq 0 69); do
	cmds+=("update add example.test. 60 TYPE$((65280 + i)) \\# 1 0$((i % 10))")
done
nsu "${cmds[@]}" >/dev/null
before=$(types example.test.)
check "apex: 70 more RRsets added" [ "$before" -ge 72 ]
nsu "update delete example.test." >/dev/null
check "apex: only SOA and NS left" [ "$($D +tcp example.test AXFR |
	awk '$1 == "example.test." {print $4}' | sort -u | tr '\n' ' ')" = "NS SOA " ]

# Names in rdata: stored as sent, matched without case.  (A name outside
# the zone, which nsupdate cannot compress against the zone's name.)
nsu "update add mx.example.test. 60 MX 10 Mail.Example.NET." >/dev/null
check "stored with the case it was sent with" \
	[ "$($D +short mx.example.test MX)" = "10 Mail.Example.NET." ]
s0=$(serial)
nsu "update add mx.example.test. 60 MX 10 mail.example.net." >/dev/null
check "the same MX in other case is no second record" \
	[ "$($D +short mx.example.test MX | wc -l)" -eq 1 ]
check "...and no change (serial kept)" [ "$(serial)" = "$s0" ]
nsu "update delete mx.example.test. MX 10 MAIL.EXAMPLE.net." >/dev/null
check "delete matches the MX without case" [ -z "$($D +short mx.example.test MX)" ]
nsu "update add _x._tcp.example.test. 60 SRV 0 5 80 Www.Example.TEST." >/dev/null
nsu "update delete _x._tcp.example.test. SRV 0 5 80 www.example.test." >/dev/null
check "delete matches the SRV target without case" \
	[ -z "$($D +short _x._tcp.example.test SRV)" ]
nsu "update add cn.example.test. 60 CNAME Www.Example.TEST." >/dev/null
out=$(nsu "prereq yxrrset cn.example.test. CNAME www.example.test." \
	"update add ok.example.test. 60 A 192.0.2.1")
check "a value prerequisite matches the CNAME without case" \
	[ "$($D +short ok.example.test A)" = "192.0.2.1" ]

check "a zone file's records equal but for case are one record" \
	[ "$($D +short case.test MX | wc -l)" -eq 1 ]

stop_authd
finish
