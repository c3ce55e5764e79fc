#!/bin/bash
# query.sh - authd answers dig and kdig over UDP and TCP, IPv4 and IPv6.
. "$(dirname "$0")/lib.bash"

P=$(free_port)
args="--listen 127.0.0.1:$P --zone example.test.=$ZONES/example.test.zone"
args="$args --zone big.test.=$ZONES/big.test.zone --state-dir $T/state"
args="$args --zone glue.test.=$ZONES/glue.test.zone"
v6=no
if ip -6 addr show dev lo 2>/dev/null | grep -q "::1"; then
	args="$args --listen [::1]:$P"
	v6=yes
fi
# shellcheck disable=SC2086
start_authd "$T/authd.log" $args --tcp-idle-timeout 2

D="dig @127.0.0.1 -p $P +norec +time=2 +tries=1"
K="kdig @127.0.0.1 -p $P +norec +time=2 +retry=0"

$D www.example.test A >"$T/out"
check "dig UDP: NOERROR" has "status: NOERROR" "$T/out"
check "dig UDP: aa flag" grep -q "flags: qr aa;" "$T/out"
check "dig UDP: both addresses" [ "$($D +short www.example.test A | sort | tr '\n' ' ')" = "192.0.2.10 192.0.2.11 " ]
check "dig TCP: same answer" [ "$($D +tcp +short www.example.test A | sort | tr '\n' ' ')" = "192.0.2.10 192.0.2.11 " ]
check "kdig UDP" [ "$($K +short www.example.test AAAA)" = "2001:db8::10" ]
check "kdig TCP" [ "$($K +tcp +short www.example.test AAAA)" = "2001:db8::10" ]
$D nothere.example.test A >"$T/out"
check "NXDOMAIN with SOA" grep -q "status: NXDOMAIN" "$T/out"
check "negative TTL 300" grep -Eq "^example.test.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA" "$T/out"
$D www.example.org A >"$T/out"
check "REFUSED outside the zones" has "status: REFUSED" "$T/out"

# Truncation over UDP, the whole RRset over TCP.
$D +ignore +bufsize=1232 txt.big.test TXT >"$T/out"
check "UDP answer truncated" grep -q "flags: qr aa tc;" "$T/out"
$D +tcp txt.big.test TXT >"$T/out"
check "TCP answer complete (60 TXT)" has "ANSWER: 60," "$T/out"
check "dig retries over TCP by itself" [ "$($D +short txt.big.test TXT | wc -l)" -eq 60 ]

# Referral glue (RFC 9471): all in-domain glue or TC; sibling glue only
# where it fits, never TC.
$D +ignore +bufsize=1232 host.fat.glue.test A >"$T/out"
check "in-domain glue that does not fit: TC" grep -q "flags: qr tc;" "$T/out"
$D +tcp host.fat.glue.test A >"$T/out"
check "over TCP: all 64 glue records" grep -q "ADDITIONAL: 65$" "$T/out"
$D +ignore +bufsize=1232 host.sib.glue.test A >"$T/out"
check "sibling glue that does not fit: no TC" grep -q "flags: qr;" "$T/out"
check "...and the in-domain glue is there" \
	grep -Eq "^ns.sib.glue.test.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A" "$T/out"

# Several queries on one TCP connection (RFC 7766).
$K +tcp +keepopen www.example.test A mail.example.test A \
	ns1.example.test A >"$T/out" 2>&1
check "three answers on one TCP connection" [ "$(grep -c 'status: NOERROR' "$T/out")" -eq 3 ]

# Two pipelined queries in one write, two answers in order, one connection.
q='\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x04test\x00\x00\x01\x00\x01'
exec 3<>"/dev/tcp/127.0.0.1/$P"
printf "\x00\x22\x12\x34$q\x00\x22\x56\x78$q" >&3
# The server closes the connection after the 2 s idle timeout.
timeout 5 cat <&3 | od -An -tx1 | tr -d ' \n' >"$T/pipe"
exec 3<&-
h=$(cat "$T/pipe")
l1=$((0x${h:0:4}))
check "pipelined TCP: first answer has the first id" [ "${h:4:4}" = 1234 ]
check "pipelined TCP: second answer follows with the second id" [ "${h:$((4 + 2 * l1 + 4)):4}" = 5678 ]
check "pipelined TCP: nothing else" [ ${#h} -eq $((4 * 2 + 2 * l1 + 2 * $((0x${h:$((4 + 2 * l1)):4})))) ]

# The idle timeout closes a silent connection.
if exec 3<>"/dev/tcp/127.0.0.1/$P" 2>/dev/null; then
	sleep 3
	# A closed connection reads EOF at once.
	if timeout 2 sh -c 'cat <&3 >/dev/null'; then r=closed; else r=open; fi
	exec 3<&-
	check "idle TCP connection closed after the timeout" [ "$r" = closed ]
fi

if [ "$v6" = yes ]; then
	check "IPv6 UDP" [ "$(dig @::1 -p "$P" +short +norec www.example.test AAAA)" = "2001:db8::10" ]
	check "IPv6 TCP" [ "$(dig @::1 -p "$P" +short +norec +tcp www.example.test A | wc -l)" -eq 2 ]
fi

# Question case is echoed.
$D WwW.ExAmPlE.TeSt A >"$T/out"
check "question case echoed" grep -q "^;WwW.ExAmPlE.TeSt." "$T/out"

stop_authd
check "log has the ready line" has "ready: 3 zones" "$T/authd.log"
finish
