#!/bin/bash
# same_number.sh - a store restored in place may hold another plan under
# a number an enactor has read before; the enactor must apply the plan
# the store holds now, not the one it kept from its last pass.
#
# A safe enactor reads plan 1 (10.0.0.1) while authd is down, so the
# endpoint never moves; the store is then restored in place (sqlite3
# .restore) from a copy whose plan 1 has other addresses (10.0.0.2);
# authd comes up: the endpoint must serve 10.0.0.2.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

new_key "$T/k.key" enactor
api_zone "$T/api.zone" 1
P=$(free_port)
"$PLANWRITE" "$STORE" write "$E=10.0.0.1" >/dev/null
sleep 0.05
"$PLANWRITE" "$T/other.db" write "$E=10.0.0.2" >/dev/null

"$ENACTOR" --id 1 --mode safe --store "$STORE" --server "127.0.0.1:$P" \
	--zone api.test. --key "$T/k.key" --interval-ms 100 \
	--heartbeat-ms 200 --timeout-ms 100 --backoff-base-ms 5 \
	--backoff-max-ms 20 >"$T/enactor.log" 2>&1 &
PIDS="$PIDS $!"
check "the enactor read plan 1 and cannot reach authd" \
	wait_for 10 grep -q "authd: " "$T/enactor.log"
sleep 0.5
sqlite3 -cmd ".timeout 5000" "$STORE" ".restore $T/other.db"
check "the store holds another plan 1 now" \
	[ "$(addrs 1 "$E")" = "10.0.0.2" ]

start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/state" \
	--key "$T/k.key" --guard "$E"
on_plan() { [ "$(gen_served)" = 1 ]; }
check "the endpoint moves onto plan 1" wait_for 10 on_plan
sleep 0.5
check "and serves plan 1 as the store holds it (10.0.0.2)" \
	[ "$(dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep "^10\." | sort | tr "\n" " ")" = "10.0.0.2 " ]
check "the enactor says the store was replaced" \
	grep -q "plan 1 in the store is not the plan 1 read before" "$T/enactor.log"
finish
