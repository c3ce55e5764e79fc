#!/bin/bash
# planner.sh - the planner against lbfarm: 3 endpoints x 8 load balancers
# (HTTP and TCP checks, IPv4 and IPv6 addresses), load balancers taken
# down, made sick or slow and brought back, and the plans in the store
# checked generation by generation: what changed, the velocity limit,
# fail-open, recovery, SIGHUP, the automation switch, restart, periodic
# generations, immutability, READY=1 and SIGTERM.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

E0=dynamodb.us-east-1.api.test.
E1=dynamodb-fips.us-east-1.api.test.
E2=streams.dynamodb.us-east-1.api.test.

start_lbfarm --listen "$NET.0.1-$NET.0.8:$LBPORT" \
	--listen "$NET.1.1-$NET.1.8:$LBPORT" \
	--listen "$NET.2.1-$NET.2.8:$LBPORT"

# E0: HTTP checks, A addresses; E1: TCP checks, AAAA; E2: HTTP, weight 20.
conf() {
	cat <<CONF
region us-east-1
store $STORE
check-interval-ms 100
check-timeout-ms 80
healthy-threshold 2
unhealthy-threshold 2
plan-interval-ms ${PLAN_INTERVAL:-600000}
velocity-max-drop 25
log-level debug
endpoint $E0
endpoint $E1
endpoint $E2
CONF
	for i in 1 2 3 4 5 6 7 8; do
		echo "lb $E0 192.0.2.$i http://$NET.0.$i:$LBPORT/health 10"
		echo "lb $E1 2001:db8::$i tcp://$NET.1.$i:$LBPORT 10"
		echo "lb $E2 198.51.100.$i http://$NET.2.$i:$LBPORT/ ${W21:-20}"
	done
}
conf >"$T/planner.conf"

socat -u "UNIX-RECV:$T/notify" "OPEN:$T/notes,creat,append" &
PIDS="$PIDS $!"
wait_for 5 test -S "$T/notify" || true

NOTIFY_SOCKET=$T/notify start_planner "$T/p1.log" -c "$T/planner.conf"
L=$T/p1.log
wait_for 5 has "READY=1" "$T/notes" || true
check "READY=1 after the first round" has "READY=1" "$T/notes"
check "generation 1 written before ready" [ "$(newest)" -eq 1 ]
check "plan 1 covers 3 endpoints" [ "$(q "SELECT endpoints FROM plan WHERE generation = 1")" -eq 3 ]
check "plan 1 has all 24 addresses" [ "$(q "SELECT count(*) FROM plan_addr WHERE generation = 1")" -eq 24 ]
check "plan 1 says why" [ "$(q "SELECT reason FROM plan WHERE generation = 1")" = "first plan, 24 of 24 load balancers up" ]
check "IPv6 addresses with weights" [ "$(q "SELECT weight FROM plan_addr WHERE generation = 1 AND address = '2001:db8::8'")" -eq 10 ]
check "weights as configured" [ "$(q "SELECT sum(weight) FROM plan_addr WHERE generation = 1 AND endpoint = '$E2'")" -eq 160 ]
check "one log line for generation 1" [ "$(grep -c "notice: generation 1 (3 endpoints, 24 addresses, written in [0-9.]* ms): first plan" "$L")" -eq 1 ]

# One load balancer down: one generation without it, nothing else.
ctl down "$NET.0.3:$LBPORT"
wait_for 5 newer_than 1 || true
check "generation 2 after a load balancer went down" [ "$(newest)" -eq 2 ]
check "plan 2 drops 192.0.2.3" [ "$(addrs 2 $E0)" = "192.0.2.1 192.0.2.2 192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7 192.0.2.8" ]
check "plan 2 keeps the other endpoints" [ "$(naddrs 2 $E1)$(naddrs 2 $E2)" = "88" ]
check "the log says what and why" grep -q "generation 2 (3 endpoints, 23 addresses, written in [0-9.]* ms): $E0: -192.0.2.3 (down: connection refused)$" "$L"
sleep 0.5
check "no generation without a change" [ "$(newest)" -eq 2 ]

# HTTP 503 while TCP is accepted: down for an HTTP check.
ctl sick "$NET.2.5:$LBPORT"
wait_for 5 newer_than 2 || true
check "a sick load balancer is dropped" [ "$(naddrs 3 $E2)" -eq 7 ]
check "for HTTP 503" has "-198.51.100.5 (down: HTTP 503)" "$L"

# Half of E1 at once: the velocity limit removes it over generations.
g0=$(newest)
ctl down "$NET.1.1-$NET.1.4:$LBPORT"
wait_for 10 newest_has "$E1" 4 || true
check "E1 ends with its 4 healthy addresses" newest_has "$E1" 4
check "the velocity limit was applied" has "(velocity limit: at most 25% of the capacity per generation)" "$L"
prev=8
ok=yes
steps=0
for g in $(q "SELECT generation FROM plan WHERE generation > $g0 ORDER BY generation"); do
	n=$(naddrs "$g" "$E1")
	allowed=$((prev / 4))
	[ "$allowed" -lt 1 ] && allowed=1
	[ $((prev - n)) -le "$allowed" ] || ok="no: $prev -> $n in generation $g"
	[ "$n" -lt "$prev" ] && steps=$((steps + 1))
	prev=$n
done
check "no generation removed more than 25% of E1 ($ok)" [ "$ok" = yes ]
check "E1 went down in several generations ($steps)" [ "$steps" -ge 3 ]
check "the healthy addresses of E1 were never removed" [ "$(q "SELECT count(*) FROM plan_addr WHERE endpoint = '$E1' AND address IN ('2001:db8::5', '2001:db8::6', '2001:db8::7', '2001:db8::8')")" -eq "$((4 * $(newest)))" ]

# Every load balancer of E0 down: fail-open keeps the last set.
g0=$(newest)
ctl down "$NET.0.1-$NET.0.8:$LBPORT"
wait_for 5 has "endpoint $E0: no load balancer is up; fail-open keeps 7 addresses" "$L" || true
check "fail-open is said" has "endpoint $E0: no load balancer is up; fail-open keeps 7 addresses" "$L"
sleep 0.3
check "E0 keeps its 7 addresses" newest_has "$E0" 7
check "no plan in the store leaves an endpoint empty" [ "$(q "SELECT count(*) FROM plan_endpoint WHERE addresses = '{}'")" -eq 0 ]

# Everything back: all addresses at once.
ctl up all
wait_for 5 newest_has "$E0" 8 || true
wait_for 5 newest_has "$E1" 8 || true
wait_for 5 newest_has "$E2" 8 || true
check "all 24 addresses are back" [ "$(q "SELECT addresses FROM plan WHERE generation = $(newest)")" -eq 24 ]
check "fail-open ends" has "endpoint $E0: load balancers are up again, fail-open ends" "$L"
check "additions are logged as up" has "$E0: +192.0.2.3 (up)" "$L"

# A load balancer that does not answer in time; the others are unaffected.
g0=$(newest)
ctl slow "$NET.0.2:$LBPORT" 5000
wait_for 5 newer_than "$g0" || true
check "a slow load balancer goes down on timeouts" has "-192.0.2.2 (down: no answer within 80 ms)" "$L"
check "only it" [ "$(q "SELECT addresses FROM plan WHERE generation = $(newest)")" -eq 23 ]
ctl up all
wait_for 5 newest_has "$E0" 8 || true

# Checks run at once: with every HTTP target slow, a round lasts about one
# timeout, not one per target (the TCP checks of E1 still pass).
ctl slow all 5000
wait_for 5 grep -q "health round: 24 checks, 16 failed" "$L" || true
sleep 0.3
ctl up all
slowest=$(grep "health round: 24 checks, 16 failed" "$L" |
	sed 's/.*failed, \([0-9]*\) ms.*/\1/' | sort -n | tail -1)
check "16 slow HTTP targets: a round lasts one timeout, not 16 (${slowest} ms)" [ "${slowest:-9999}" -lt 600 ]
recovered() {
	tail -n 5 "$L" | grep -q "health round: 24 checks, 0 failed"
}
wait_for 5 recovered || true

# SIGHUP: a new weight.
g0=$(newest)
W21=50 conf >"$T/planner.conf"
kill -HUP "$PLANNER_PID"
wait_for 5 newer_than "$g0" || true
check "SIGHUP: the new weight is written" [ "$(q "SELECT weight FROM plan_addr WHERE generation = $(newest) AND address = '198.51.100.1'")" -eq 50 ]
check "SIGHUP is logged" has "reloaded: 3 endpoints, 24 load balancers" "$L"
check "the weight change is said" grep -q "$E2: ~198.51.100.1 ~198.51.100.2 .*(weight 20 -> 50)" "$L"
echo "lb $E0 192.0.2.99 ftp://nowhere 1" >>"$T/planner.conf"
kill -HUP "$PLANNER_PID"
wait_for 5 has "reload failed" "$L" || true
check "a broken config is refused on SIGHUP, naming the line" grep -q "reload failed, keeping the old settings: $T/planner.conf:.*: option 'lb'" "$L"
W21=50 conf >"$T/planner.conf"

# The automation switch: nothing is written while it is paused.
g0=$(newest)
q "UPDATE control SET automation_paused = 1, changed_by = 'e2e'"
ctl down "$NET.2.8:$LBPORT"
wait_for 5 has "automation is paused" "$L" || true
sleep 0.5
check "paused: no generation" [ "$(newest)" -eq "$g0" ]
q "UPDATE control SET automation_paused = 0"
wait_for 5 newer_than "$g0" || true
check "resumed: the change is written" [ "$(naddrs "$(newest)" $E2)" -eq 7 ]
check "resume is logged" has "automation resumed" "$L"

# Plans cannot be edited, whoever tries.
st=0
out=$(sqlite3 "$STORE" "UPDATE plan_endpoint SET addresses = '{}'" 2>&1) || st=$?
check "a plan cannot be changed" [ "$st" -ne 0 ]
check "with a message" grep -q "plans are immutable" <<<"$out"

stop_planner
check "STOPPING=1 on SIGTERM" has "STOPPING=1" "$T/notes"
check "stopped is logged" has "stopped" "$L"

# Restart: the newest plan is the base; with a short plan interval, a
# generation is written even without a change.
g0=$(newest)
PLAN_INTERVAL=300 W21=50 conf >"$T/planner.conf"
start_planner "$T/p2.log" -c "$T/planner.conf"
wait_for 5 newer_than $((g0 + 1)) || true
check "periodic generations" has "no change, periodic" "$T/p2.log"
check "a restart does not start from scratch" [ "$(grep -c "first plan" "$T/p2.log")" -eq 0 ]
g=$(newest)
check "the periodic plan is the same plan" [ "$(addrs "$g" $E2)" = "$(addrs "$g0" $E2)" ]
stop_planner

# Across all of it: generations increase with time, every plan is whole.
check "creation times follow generations" [ "$(q "SELECT count(*) FROM plan a JOIN plan b ON b.generation > a.generation WHERE b.created_at < a.created_at")" -eq 0 ]
check "every plan covers the 3 endpoints" [ "$(q "SELECT count(*) FROM plan WHERE endpoints <> 3")" -eq 0 ]
check "counts match the rows" [ "$(q "SELECT count(*) FROM plan p WHERE addresses <> (SELECT count(*) FROM plan_addr a WHERE a.generation = p.generation)")" -eq 0 ]
check "one log line per generation" [ "$(cat "$T"/p[12].log | grep -c "planner notice: generation [0-9]* (")" -eq "$(newest)" ]
finish
