#!/bin/bash
# planner_config.sh - the planner's settings and store at the edges: -n,
# errors naming file, line and key, a foreign or other-region store
# refused, -h, lbfarm's own errors, and the safety rules switched off to
# show what they prevent (an endpoint emptied, capacity dropped at once).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

E=dynamodb.us-east-1.api.test.
cat >"$T/good.conf" <<CONF
region us-east-1
store $STORE
endpoint $E
lb $E 192.0.2.1 http://$NET.0.1:$LBPORT/health 10
lb $E 192.0.2.2 tcp://$NET.0.2:$LBPORT 10
lb $E 2001:db8::3 tcp://$NET.0.3:$LBPORT 10
lb $E 2001:db8::4 tcp://$NET.0.4:$LBPORT 10
check-interval-ms 100
check-timeout-ms 80
healthy-threshold 1
unhealthy-threshold 1
CONF

out=$("$PLANNER" -c "$T/good.conf" -n 2>&1)
check "-n accepts a good file" [ $? -eq 0 ]
check "-n says what it read" grep -q "valid: region us-east-1, 1 endpoints, 4 load balancers" <<<"$out"
check "-n does not create the store" [ ! -e "$STORE" ]

bad() { # bad NAME LINE KEY TEXT: -n fails naming FILE:LINE and KEY
	st=0
	"$PLANNER" -c "$T/$1" -n >"$T/out" 2>&1 || st=$?
	check "$1 is refused" [ "$st" -ne 0 ]
	check "$1: the error names file, line and key" has "$T/$1:$2: option '$3'" "$T/out"
	check "$1: and says what is wrong" has "$4" "$T/out"
}
{ cat "$T/good.conf"; echo "lb $E 192.0.2.9 tcp://$NET.0.9 10"; } >"$T/noport.conf"
bad noport.conf 12 lb "a port 1..65535 is needed"
{ cat "$T/good.conf"; echo "lb other.test. 192.0.2.9 tcp://$NET.0.9:1 10"; } >"$T/undeclared.conf"
bad undeclared.conf 12 lb "not declared by an endpoint line"
{ cat "$T/good.conf"; echo "lb $E 192.0.2.2 tcp://$NET.0.9:1 10"; } >"$T/twice.conf"
bad twice.conf 12 lb "the endpoint has this address twice"
sed 's/^check-timeout-ms 80/check-timeout-ms 100/' "$T/good.conf" >"$T/timeout.conf"
bad timeout.conf 9 check-timeout-ms "less than check-interval-ms"
{ cat "$T/good.conf"; echo "frobnicate yes"; } >"$T/unknown.conf"
st=0
"$PLANNER" -c "$T/unknown.conf" -n >"$T/out" 2>&1 || st=$?
check "an unknown option is refused" [ "$st" -ne 0 ]
check "naming file, line and key" has "$T/unknown.conf:12: unknown option 'frobnicate'" "$T/out"

check "-h lists the options" grep -q -- "--velocity-max-drop" <("$PLANNER" -h)
check "-h shows defaults" grep -q "default 25" <("$PLANNER" -h)

# A database that is not a plan store is refused and left alone.
sqlite3 "$T/other.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
st=0
"$PLANNER" -c "$T/good.conf" --store "$T/other.db" >"$T/out" 2>&1 || st=$?
check "a foreign database is refused" [ "$st" -ne 0 ]
check "with a message naming it" has "$T/other.db: not a dnsplane plan store" "$T/out"
check "and left as it was" [ "$(sqlite3 "$T/other.db" "SELECT count(*) FROM t")" -eq 1 ]

start_lbfarm --listen "$NET.0.1-$NET.0.4:$LBPORT"

# A store of another region is refused.
start_planner "$T/p1.log" -c "$T/good.conf"
stop_planner
st=0
"$PLANNER" -c "$T/good.conf" --region eu-west-1 >"$T/out" 2>&1 || st=$?
check "a store of another region is refused" [ "$st" -ne 0 ]
check "saying whose it is" has "belongs to region 'us-east-1', not 'eu-west-1'" "$T/out"

# lbfarm's own errors.
st=0
"$LBFARM" --listen "$NET.0.9" >"$T/out" 2>&1 || st=$?
check "lbfarm wants a port" [ "$st" -ne 0 ]
check "lbfarm says so" has "a port is needed" "$T/out"
st=0
"$LBFARM" ctl "$T/lb.sock" down 10.9.9.9:1 >"$T/out" 2>&1 || st=$?
check "lbfarm ctl fails for nothing matched" [ "$st" -ne 0 ]
check "and says so" has "no load balancer matches" "$T/out"
st=0
"$LBFARM" ctl "$T/lb.sock" status >"$T/out" 2>&1 || st=$?
check "lbfarm ctl status" [ "$st" -eq 0 ]
check "status counts the load balancers" has "ok 4" "$T/out"

# Velocity limit off: three of four go at once.
rm -f "$STORE"*
start_planner "$T/p2.log" -c "$T/good.conf" --velocity-limit no
g0=$(newest)
ctl down "$NET.0.2-$NET.0.4:$LBPORT"
wait_for 5 newer_than "$g0" || true
check "without the velocity limit 3 of 4 addresses go in one generation" [ "$(naddrs "$(newest)" $E)" -eq 1 ]
check "in exactly one" [ "$(newest)" -eq $((g0 + 1)) ]
stop_planner
ctl up all

# Fail-open off: the planner writes the plan that empties the endpoint.
rm -f "$STORE"*
start_planner "$T/p3.log" -c "$T/good.conf" --fail-open no
ctl down all
wait_for 5 newest_has "$E" 0 || true
check "without fail-open an endpoint is emptied" newest_has "$E" 0
check "stored as {}" [ "$(q "SELECT addresses FROM plan_endpoint WHERE generation = $(newest)")" = "{}" ]
check "with a warning" has "writing a plan that leaves an endpoint without an address" "$T/p3.log"
check "and the reason in the plan" grep -q "NO ADDRESS" <<<"$(q "SELECT reason FROM plan WHERE generation = $(newest)")"
stop_planner
finish
