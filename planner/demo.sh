#!/bin/bash
# demo.sh - the planner against lbfarm, with load balancers flipping: 3
# endpoints x 8 load balancers on loopback, a scripted series of failures
# and recoveries, and the generations the planner writes as they happen.
#
# usage: planner/demo.sh [BUILD_DIR]      (make planner-demo)
set -eu
BUILD=$(cd "${1:-build}" && pwd)
T=$(mktemp -d /tmp/dnsplane-planner-demo.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

NET=127.0.$((RANDOM % 200 + 20))
PORT=8080
while ss -Hlnt "sport = :$PORT" | grep -q .; do PORT=$((PORT + 1)); done
E0=dynamodb.us-east-1.api.test.
E1=dynamodb-fips.us-east-1.api.test.
E2=streams.dynamodb.us-east-1.api.test.

{
	echo "region us-east-1"
	echo "store $T/plans.db"
	echo "check-interval-ms 500"
	echo "check-timeout-ms 250"
	echo "healthy-threshold 2"
	echo "unhealthy-threshold 2"
	echo "plan-interval-ms 600000"
	for e in $E0 $E1 $E2; do echo "endpoint $e"; done
	for i in 1 2 3 4 5 6 7 8; do
		echo "lb $E0 192.0.2.$i http://$NET.$i:$PORT/health 10"
		echo "lb $E1 2001:db8::$i tcp://$NET.$((i + 10)):$PORT 10"
		echo "lb $E2 198.51.100.$i http://$NET.$((i + 20)):$PORT/ 10"
	done
} >"$T/planner.conf"

"$BUILD/lbfarm" --listen "$NET.1-$NET.28:$PORT" --control "$T/lb.sock" \
	>"$T/lbfarm.log" 2>&1 &
PIDS="$PIDS $!"
"$BUILD/planner" -c "$T/planner.conf" >"$T/planner.log" 2>&1 &
PIDS="$PIDS $!"
tail -n +1 -f "$T/planner.log" --pid="$$" 2>/dev/null |
	grep --line-buffered -E "generation|fail-open|ready" &

step() {
	sleep "$1"
	shift
	echo
	echo "\$ lbfarm ctl $*"
	"$BUILD/lbfarm" ctl "$T/lb.sock" "$@" >/dev/null
}

sleep 1.5
step 0 down "$NET.3:$PORT"
step 2.5 sick "$NET.25:$PORT"
step 2.5 down "$NET.11-$NET.14:$PORT"
step 5 down "$NET.1-$NET.8:$PORT"
step 3 up all
sleep 3
echo
echo "== the plans in $T/plans.db:"
sqlite3 -header -column "$T/plans.db" \
	"SELECT generation AS gen, endpoints, addresses,
	        substr(reason, 1, 60) AS reason FROM plan ORDER BY generation"
