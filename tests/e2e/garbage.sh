#!/bin/bash
# garbage.sh - random and malformed packets over UDP and TCP never crash
# authd; FORMERR for a bad question, no answer for a non-query.
. "$(dirname "$0")/lib.bash"

P=$(free_port)
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "example.test.=$ZONES/example.test.zone" --state-dir "$T/state"

# 500 random UDP datagrams of random sizes.
for i in $(seq 500); do
	head -c $((RANDOM % 600 + 1)) /dev/urandom >"$T/pkt"
	cat "$T/pkt" >"/dev/udp/127.0.0.1/$P" 2>/dev/null || true
done
# Random bytes, truncated frames and a huge length prefix over TCP.
for i in $(seq 50); do
	exec 3<>"/dev/tcp/127.0.0.1/$P" || continue
	head -c $((RANDOM % 3000 + 1)) /dev/urandom >&3 2>/dev/null || true
	exec 3<&-
done
exec 3<>"/dev/tcp/127.0.0.1/$P"
printf '\xff\xff\x12\x34' >&3 || true
exec 3<&-
check "still running after garbage" kill -0 "$AUTHD_PID"
check "still answering after garbage" [ "$(dig @127.0.0.1 -p "$P" +short +norec www.example.test AAAA)" = "2001:db8::10" ]

# A query with QDCOUNT 2 gets FORMERR (read back over TCP).
q='\x03www\x07example\x04test\x00\x00\x01\x00\x01'
exec 3<>"/dev/tcp/127.0.0.1/$P"
printf "\x00\x34\xab\xcd\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00$q$q" >&3
r=$(timeout 3 head -c 14 <&3 | od -An -tx1 | tr -d ' \n')
exec 3<&-
check "QDCOUNT 2: answer carries the query id" [ "${r:4:4}" = "abcd" ]
check "QDCOUNT 2: FORMERR with QR set" [ "$(( 0x${r:8:4} & 0x800f ))" -eq $(( 0x8001 )) ]

stop_authd
finish
