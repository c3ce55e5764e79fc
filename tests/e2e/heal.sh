#!/bin/bash
# heal.sh - a safe enactor heals an endpoint broken behind its back,
# without an operator, and an idle one does not read every endpoint on
# every pass.
#
# authd (guard on) and one safe enactor on plans written with planwrite.
# Once the endpoint is on the newest plan:
#   1. an operator takes in an old zone file with a higher serial, which
#      puts the endpoint back on plan 1: the serial moved, so the next
#      pass reads the endpoint and moves it forward (the enactor's full
#      scans are ten minutes apart: only the serial can tell it); its
#      passes outnumber its reads of every endpoint;
#   2. authd is stopped, the newest plan's address records are deleted
#      from its database with the serial left as it was, and authd is
#      started again (the enactor stopped meanwhile): the endpoint
#      answers no address (SERVFAIL, Not Ready: it is guarded), and an
#      enactor with --full-scan-ms 3000 heals it at its next full scan.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

new_key "$T/k.key" enactor
api_zone "$T/api.zone" 1
P=$(free_port)
args=(--listen "127.0.0.1:$P" --zone "api.test.=$T/api.zone"
	--state-dir "$T/state" --key "$T/k.key" --guard "$E")
start_authd "$T/authd.log" "${args[@]}"

g1=$("$PLANWRITE" "$STORE" write "$E=10.0.0.1,10.0.0.2")
g2=$("$PLANWRITE" "$STORE" write "$E=10.0.0.3,10.0.0.4")
# A stopped enactor takes no SIGTERM: continue it before the cleanup.
EN=
trap 'kill -CONT "${EN:-none}" 2>/dev/null || true; cleanup' EXIT INT TERM
start_enactor() { # start_enactor FULL_SCAN_MS
	"$ENACTOR" --id 1 --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 5 --interval-ms 200 --heartbeat-ms 200 \
		--full-scan-ms "$1" >>"$T/enactor.log" 2>&1 &
	EN=$!
	PIDS="$PIDS $EN"
}
# stop_enactor: SIGTERM; set PASSES and WALKS from its last words.
stop_enactor() {
	stop_pid "the enactor" "$EN"
	line=$(grep -o 'stopped: [0-9]* passes ([0-9]* read every endpoint)' \
		"$T/enactor.log" | tail -1)
	echo "enactor: $line"
	PASSES=$(sed -E 's/stopped: ([0-9]+) passes.*/\1/' <<<"$line")
	WALKS=$(sed -E 's/.*\(([0-9]+) read.*/\1/' <<<"$line")
}
start_enactor 600000

addr_list() { dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep '^10\.' | sort | tr '\n' ' '; }
serial() { dig @127.0.0.1 -p "$P" +short +norec api.test. SOA | awk '{print $3}'; }
on_plan() { [ "$(gen_served)" = "$1" ] && [ "$(addr_list)" = "$2" ]; }
rcode() { dig @127.0.0.1 -p "$P" +norec "$E" A | grep -o 'status: [A-Z]*' | cut -d' ' -f2; }

check "the enactor puts the endpoint on plan $g2" \
	wait_for 10 on_plan "$g2" "10.0.0.3 10.0.0.4 "

# 1. An old zone file with a higher serial: the endpoint back on plan 1.
s=$(serial)
api_zone "$T/api.zone" $((s + 1)) "dynamodb.us-east-1	CNAME	g$g1._plan.dynamodb.us-east-1
g$g1._plan.dynamodb.us-east-1	A	10.0.0.1
g$g1._plan.dynamodb.us-east-1	A	10.0.0.2
_gen.dynamodb.us-east-1	TXT	\"$g1\""
kill -HUP "$AUTHD_PID"
check "the zone file took the endpoint back to plan $g1" \
	wait_for 5 has "serial $((s + 1))" "$T/authd.log"
check "the enactor moves it forward again" \
	wait_for 10 on_plan "$g2" "10.0.0.3 10.0.0.4 "
check "and says so" grep -q "$E: plan $g1 -> $g2" "$T/enactor.log"
sleep 3 # idle
stop_enactor
few_walks() { [ "${WALKS:-0}" -gt 0 ] && [ "${PASSES:-0}" -gt $((2 * WALKS)) ]; }
check "idle passes read the serial, not every endpoint ($WALKS of $PASSES)" \
	few_walks
start_enactor 3000

# 2. The newest plan's addresses deleted with the serial unchanged.  The
# enactor is stopped meanwhile: a pass that found authd down would read
# everything again as soon as it is back, and this is about the full scan.
sleep 1 # let a pass find everything in place
s=$(serial)
kill -STOP "$EN"
stop_authd
sqlite3 "$T/state/zones.db" "DELETE FROM rr WHERE owner = 'g$g2._plan.$E'"
start_authd "$T/authd2.log" "${args[@]}"
check "the serial did not move ($s)" [ "$(serial)" = "$s" ]
check "the endpoint is broken: $(rcode)" [ "$(rcode)" = SERVFAIL ]
kill -CONT "$EN"
check "a full scan heals it, with no operator" \
	wait_for 20 on_plan "$g2" "10.0.0.3 10.0.0.4 "
check "and says so" grep -q "$E: on plan $g2 but without addresses; healing" \
	"$T/enactor.log"
stop_enactor

stop_authd
finish
