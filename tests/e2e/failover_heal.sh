#!/bin/bash
# failover_heal.sh - an endpoint on authd's backup addresses is a state of
# its own for dnsplanectl, and a safe enactor moves it onto the newest
# plan like any other broken endpoint, even when its marker already
# names that plan.
#
# authd (guard on, a failover rule) and a safe enactor put the endpoint on
# the newest plan; the enactor is stopped; an operator takes in a zone
# file that points the endpoint at a plan whose records it lacks (marker
# on the newest plan): authd answers the backup from the load on;
# dnsplanectl says "backup"; the enactor, started again, moves it back.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

CTL=$BUILD_DIR/dnsplanectl
new_key "$T/k.key" enactor
api_zone "$T/api.zone" 1
P=$(free_port)
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/state" \
	--key "$T/k.key" --guard "$E" --failover "$E 192.0.2.250"
g1=$("$PLANWRITE" "$STORE" write "$E=10.0.0.1,10.0.0.2")
g2=$("$PLANWRITE" "$STORE" write "$E=10.0.0.3,10.0.0.4")
start_enactor() {
	"$ENACTOR" --id 1 --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 5 --interval-ms 200 --heartbeat-ms 200 \
		>>"$T/enactor.log" 2>&1 &
	EN=$!
	PIDS="$PIDS $EN"
}
addrs() { dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep -v '\.$' | sort | tr '\n' ' '; }
on() { [ "$(addrs)" = "$1" ]; }
serial() { dig @127.0.0.1 -p "$P" +short +norec api.test. SOA | awk '{print $3}'; }
start_enactor
check "the enactor puts the endpoint on plan $g2" wait_for 10 on "10.0.0.3 10.0.0.4 "
stop_pid "the enactor" "$EN"

# A zone file whose endpoint points at plan g2 without its records.
s=$(serial)
api_zone "$T/api.zone" $((s + 1)) "dynamodb.us-east-1	CNAME	g$g2._plan.dynamodb.us-east-1
_gen.dynamodb.us-east-1	TXT	\"$g2\""
kill -HUP "$AUTHD_PID"
check "taken in: the endpoint answers its backup" wait_for 5 on "192.0.2.250 "
check "authd logged it" grep -q "failover: $E has no address of its own" "$T/authd.log"
st=0
"$CTL" --store "$STORE" --server "127.0.0.1:$P" status >"$T/status" 2>&1 || st=$?
check "dnsplanectl: a state of its own" grep -q "$E *backup .*192.0.2.250" "$T/status"
check "dnsplanectl: says why" grep -q "backup: on its 1 backup address (authd's failover); plan $g2 is the newest" "$T/status"
check "dnsplanectl: counted in the summary" grep -q "1 on backup" "$T/status"
check "dnsplanectl: not broken (exit 0)" [ "$st" -eq 0 ]
start_enactor
check "the enactor moves it off the backup onto plan $g2" wait_for 10 on "10.0.0.3 10.0.0.4 "
check "authd logged that" wait_for 5 grep -q "failover: $E is off its backup addresses" "$T/authd.log"
"$CTL" --store "$STORE" --server "127.0.0.1:$P" status >"$T/status" 2>&1 || true
check "dnsplanectl: ok again" grep -q "1 ok" "$T/status"
stop_pid "the enactor" "$EN"
stop_authd
finish
