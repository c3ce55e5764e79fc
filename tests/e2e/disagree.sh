#!/bin/bash
# disagree.sh - an endpoint whose CNAME and marker name different plans
# (a hand edit: the CNAME back on an older plan whose records exist, the
# marker still on the newest) answers addresses, so nothing looks wrong
# to a prober; a safe enactor still moves it onto the newest plan.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

lab_authd
g1=$("$PLANWRITE" "$STORE" write "$E=10.0.0.1")
g2=$("$PLANWRITE" "$STORE" write "$E=10.0.0.2")
start_enactor() {
	"$ENACTOR" --id 1 --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 5 --interval-ms 100 >>"$T/enactor.log" 2>&1 &
	EN=$!
	PIDS="$PIDS $EN"
}
addr() { dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep -v '\.$'; }
on() { [ "$(addr)" = "$1" ]; }
start_enactor
check "on plan $g2" wait_for 10 on 10.0.0.2
stop_pid "the enactor" "$EN"
s=$(dig @127.0.0.1 -p "$P" +short +norec api.test. SOA | awk '{print $3}')
api_zone "$T/api.zone" $((s + 1)) "dynamodb.us-east-1	CNAME	g$g1._plan.dynamodb.us-east-1
g$g1._plan.dynamodb.us-east-1	A	10.0.0.1
_gen.dynamodb.us-east-1	TXT	\"$g2\""
kill -HUP "$AUTHD_PID"
check "the hand edit: CNAME on plan $g1, marker on $g2" wait_for 5 on 10.0.0.1
start_enactor
check "a safe enactor moves it onto plan $g2" wait_for 10 on 10.0.0.2
check "...and says so" grep -q "$E: plan $g2 -> $g2" "$T/enactor.log"
stop_pid "the enactor" "$EN"
stop_authd
finish
