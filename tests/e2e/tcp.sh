#!/bin/bash
# tcp.sh - the TCP connection limit: at tcp-max-clients open connections a
# worker stops accepting, and serves the next client once one closes.
. "$(dirname "$0")/lib.bash"

P=$(free_port)
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "example.test.=$ZONES/example.test.zone" --state-dir "$T/state" \
	--tcp-max-clients 2 --tcp-idle-timeout 30

# Two silent clients take both places.
exec 3<>"/dev/tcp/127.0.0.1/$P"
exec 4<>"/dev/tcp/127.0.0.1/$P"
sleep 0.3
check "limit reached is logged" has "pausing accept" "$T/authd.log"
D="dig @127.0.0.1 -p $P +tcp +norec +short +time=1 +tries=1"
r=$($D www.example.test AAAA 2>&1 || true)
check "a third TCP client waits while the limit is reached" [ "$r" != "2001:db8::10" ]
check "UDP is still served" [ "$(dig @127.0.0.1 -p "$P" +short +norec www.example.test AAAA)" = "2001:db8::10" ]
exec 3<&-
sleep 0.3
check "after one closes, TCP is served again" [ "$($D www.example.test AAAA)" = "2001:db8::10" ]
exec 4<&-
stop_authd
finish
