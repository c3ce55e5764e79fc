#!/bin/bash
# trial.sh - one chaos trial: the real daemons on loopback, a seeded random
# schedule of faults, then the judges.
#
# usage: trial.sh MODE SEED RESULT_FILE [KEEP_DIR]
#   MODE  safe (authd's guard on, safe enactors) or legacy (guard off,
#         legacy enactors)
#   SEED  the schedule is a function of it alone (schedule.txt)
#
# The lab: authd, lbfarm (7 load balancers), the planner (a random pace,
# 100..400 ms between generations), three enactors (keep 2, each slowed
# by its own 0..150 ms before every endpoint), two
# endpoints, and one dnsprobe per endpoint.  For DURATION_MS (6000) the
# schedule SIGSTOPs and SIGCONTs enactors, restarts them with random pause
# points, kill -9s and restarts enactors, the planner and authd, and takes
# load balancers down, sick or slow and back.  Then everything is let go
# (every enactor continued, every load balancer up, the planner stopped)
# and the enactors get 8 s (legacy: 4 s) to bring every endpoint onto the
# newest plan.
#
# The judges: the probers (an answer without an address, a generation
# going back) and a final consistency check: every endpoint answers with
# addresses, its CNAME and its marker name the same plan, that plan is in
# the store, and authd serves exactly the store's addresses of it.
#
# One line of "key=value" goes to RESULT_FILE.  A trial that broke an
# invariant in safe mode (or any trial with KEEP=all) leaves its logs,
# timelines, schedule and a plot in KEEP_DIR/MODE-SEED/.
export AUTHD=${BUILD_DIR:?set BUILD_DIR}/authd
. "$(dirname "$0")/../e2e/lib.bash"
. "$(dirname "$0")/../e2e/planner_lib.bash"
set +e

MODE=$1
SEED=$2
RESULT=$3
KEEP_DIR=${4:-}
: "${DURATION_MS:=6000}"
ENACTOR=$BUILD_DIR/enactor
PROBE=$BUILD_DIR/dnsprobe
E1=dynamodb.us-east-1.api.test.
E2=dynamodb-fips.us-east-1.api.test.
ENDPOINTS="$E1 $E2"
AUTHD_PID="" PLANNER_PID="" EN1="" EN2="" EN3="" PR1="" PR2=""

# Everything this trial started goes, stopped ones included.
chaos_cleanup() {
	for p in $EN1 $EN2 $EN3 $AUTHD_PID $PLANNER_PID $PR1 $PR2 $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $EN1 $EN2 $EN3 $AUTHD_PID $PLANNER_PID $PR1 $PR2 $PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap chaos_cleanup EXIT INT TERM

now_ms() { date +%s%3N; }
say() { echo "$(now_ms) $*" >>"$T/events"; }
infra() { # the lab itself failed: not a verdict on the design
	echo "mode=$MODE seed=$SEED status=infra why=\"$1\"" >>"$RESULT"
	[ -n "$KEEP_DIR" ] && keep_logs
	exit 2
}
keep_logs() {
	d=$KEEP_DIR/$MODE-$SEED
	mkdir -p "$d"
	cp "$T"/*.log "$T"/*.csv "$T"/*.json "$T"/*.conf "$T/events" \
		"$T/schedule.txt" "$d"/ 2>/dev/null
	"$PROBE" plot --out "$d/plot.png" --events "$d/events" \
		--title "chaos $MODE seed $SEED" \
		"$d/e1.csv=$E1" "$d/e2.csv=$E2" 2>/dev/null
}

# Ports below the ephemeral range: a port kept across restarts of authd
# is not taken meanwhile by some client's connection.
low_port() {
	while :; do
		p=$(free_port)
		[ "$p" -lt 32768 ] && { echo "$p"; return; }
	done
}

# ---- the lab ----

KEY=$T/enactor.key
printf 'key "enactor" { algorithm hmac-sha256; secret "%s"; };\n' \
	"$(head -c 32 /dev/urandom | base64)" >"$KEY"
cat >"$T/api.zone" <<ZONE
\$ORIGIN api.test.
\$TTL 60
@	SOA	ns1 hostmaster 1 3600 600 86400 5
	NS	ns1
ns1	A	192.0.2.53
ZONE
P=$(low_port)
GUARD=yes
[ "$MODE" = legacy ] && GUARD=no
cat >"$T/authd.conf" <<CONF
listen 127.0.0.1:$P
zone api.test.=$T/api.zone
state-dir $T/authd
key $KEY
guard $E1
guard $E2
guard-enabled $GUARD
CONF
AUTHD_N=0
# authd_up: start authd (again) on its port, a few tries.
authd_up() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		AUTHD_N=$((AUTHD_N + 1))
		log=$T/authd-$AUTHD_N.log
		"$AUTHD" -c "$T/authd.conf" >"$log" 2>&1 &
		AUTHD_PID=$!
		for _ in $(seq 100); do
			grep -q "ready:" "$log" && return 0
			kill -0 "$AUTHD_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$AUTHD_PID" 2>/dev/null
		wait "$AUTHD_PID" 2>/dev/null
		sleep 0.2
	done
	return 1
}
authd_up || infra "authd does not start"

start_lbfarm --listen "$NET.0.1-$NET.0.7:$LBPORT"

RANDOM=$SEED
PLAN_MS=$((100 + RANDOM % 301))
cat >"$T/planner.conf" <<CONF
region us-east-1
store $STORE
check-interval-ms 50
check-timeout-ms 40
healthy-threshold 1
unhealthy-threshold 2
plan-interval-ms $PLAN_MS
endpoint $E1
endpoint $E2
CONF
for i in 1 2 3 4; do
	echo "lb $E1 10.0.1.$i http://$NET.0.$i:$LBPORT/health 10" >>"$T/planner.conf"
done
for i in 5 6 7; do
	echo "lb $E2 10.0.2.$i http://$NET.0.$i:$LBPORT/health 10" >>"$T/planner.conf"
done
PLANNER_N=0
planner_up() {
	PLANNER_N=$((PLANNER_N + 1))
	log=$T/planner-$PLANNER_N.log
	"$PLANNER" -c "$T/planner.conf" >"$log" 2>&1 &
	PLANNER_PID=$!
	wait_for 10 has "ready:" "$log"
}
planner_up || infra "the planner does not start"

# Each enactor is slow by its own delay before each endpoint (0..150 ms):
# the post-mortem's "unusually high delays".
for n in 1 2 3; do eval "DELAY$n=$((RANDOM % 151))"; done
# enactor_up N [PAUSE]: enactor N (again), maybe with a pause point.
enactor_up() {
	pause=()
	[ -n "${2:-}" ] && pause=(--pause-at "$2")
	"$ENACTOR" --id "$1" --mode "$MODE" --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$KEY" --keep 2 \
		--ttl 5 --interval-ms 200 --heartbeat-ms 200 --timeout-ms 500 \
		--backoff-max-ms 500 --endpoint-delay-ms "$(eval "echo \$DELAY$1")" \
		"${pause[@]}" >>"$T/enactor$1.log" 2>&1 &
	eval "EN$1=$!"
}
en() { eval "echo \$EN$1"; }
# enactor_down N: SIGTERM, and SIGCONT until it is gone (a pause point
# armed but not reached yet may stop it on its way out); kill -9 after 5 s.
enactor_down() {
	pid=$(en "$1")
	kill -CONT "$pid" 2>/dev/null
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		kill -CONT "$pid" 2>/dev/null
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
for n in 1 2 3; do enactor_up "$n"; done

gen_of() { dig @127.0.0.1 -p "$P" +short +norec +time=1 +tries=1 "_gen.$1" TXT | tr -d '"'; }
on_plans() {
	for e in $ENDPOINTS; do [ -n "$(gen_of "$e")" ] || return 1; done
}
wait_for 15 on_plans || infra "the enactors applied nothing"

# ---- the schedule, a function of the seed alone ----

PAUSES=(after-freshness-check before-endpoint before-cleanup before-delete)
t=0
while :; do
	t=$((t + 100 + RANDOM % 400))
	[ "$t" -ge "$DURATION_MS" ] && break
	r=$((RANDOM % 100))
	n=$((1 + RANDOM % 3))
	d=$((200 + RANDOM % 2300))
	if [ $r -lt 25 ]; then
		echo "$t stop $n"
		echo "$((t + d)) cont $n"
	elif [ $r -lt 37 ]; then
		echo "$t kill-enactor $n"
		echo "$((t + d / 4)) start-enactor $n"
	elif [ $r -lt 47 ]; then
		p=${PAUSES[$((RANDOM % 4))]}
		echo "$t restart-enactor $n $p"
		echo "$((t + d)) cont $n"
	elif [ $r -lt 54 ]; then
		echo "$t kill-planner"
		echo "$((t + d / 4)) start-planner"
	elif [ $r -lt 61 ]; then
		echo "$t kill-authd"
		echo "$((t + 100 + RANDOM % 700)) start-authd"
	elif [ $r -lt 90 ]; then
		lb=$((1 + RANDOM % 7))
		how=$(((RANDOM % 3)))
		case $how in
		0) echo "$t lb down $lb" ;;
		1) echo "$t lb sick $lb" ;;
		2) echo "$t lb slow $lb 100" ;;
		esac
		echo "$((t + d)) lb up $lb"
	else
		echo "$t cont $n"
	fi
done | sort -s -n -k1,1 >"$T/schedule.txt"

# ---- chaos ----

for i in 1 2; do
	e=E$i
	"$PROBE" --server "127.0.0.1:$P" --name "${!e}" --rate 50 \
		--interval-ms 100 --timeout-ms 300 --csv "$T/e$i.csv" \
		--summary "$T/e$i.json" >"$T/probe$i.out" 2>"$T/probe$i.log" &
	eval "PR$i=$!"
done
sleep 0.3

alive() { kill -0 "$1" 2>/dev/null; }
ACTIONS=0
start=$(now_ms)
while read -r at what a1 a2 a3; do
	now=$(($(now_ms) - start))
	[ "$at" -gt "$now" ] && sleep "$(awk -v d=$((at - now)) 'BEGIN { print d / 1000 }')"
	ACTIONS=$((ACTIONS + 1))
	say "$what $a1 $a2 $a3"
	case $what in
	stop) kill -STOP "$(en "$a1")" 2>/dev/null ;;
	cont) kill -CONT "$(en "$a1")" 2>/dev/null ;;
	kill-enactor)
		kill -9 "$(en "$a1")" 2>/dev/null
		wait "$(en "$a1")" 2>/dev/null ;;
	start-enactor) alive "$(en "$a1")" || enactor_up "$a1" ;;
	restart-enactor)
		enactor_down "$a1"
		enactor_up "$a1" "$a2" ;;
	kill-planner)
		kill -9 "$PLANNER_PID" 2>/dev/null
		wait "$PLANNER_PID" 2>/dev/null ;;
	start-planner) alive "$PLANNER_PID" || planner_up || infra "planner restart" ;;
	kill-authd)
		kill -9 "$AUTHD_PID" 2>/dev/null
		wait "$AUTHD_PID" 2>/dev/null ;;
	start-authd) alive "$AUTHD_PID" || authd_up || infra "authd restart" ;;
	lb) "$LBFARM" ctl "$T/lb.sock" "$a1" "$NET.0.$a2" $a3 >/dev/null 2>&1 ;;
	esac
done <"$T/schedule.txt"

# ---- let go, and give the enactors time to converge ----

say "let go"
alive "$AUTHD_PID" || authd_up || infra "authd restart"
alive "$PLANNER_PID" || planner_up || infra "planner restart"
"$LBFARM" ctl "$T/lb.sock" up all >/dev/null 2>&1
for n in 1 2 3; do
	alive "$(en "$n")" || enactor_up "$n"
	kill -CONT "$(en "$n")" 2>/dev/null
done
sleep 0.5
kill -TERM "$PLANNER_PID"
wait "$PLANNER_PID"
NEWEST=$(newest)
say "planner stopped at plan $NEWEST"
released=$(now_ms)
# A pause point armed but not reached yet fires now: keep continuing.
converged() {
	for n in 1 2 3; do kill -CONT "$(en "$n")" 2>/dev/null; done
	for e in $ENDPOINTS; do [ "$(gen_of "$e")" = "$NEWEST" ] || return 1; done
}
# Safe enactors heal within a pass; legacy ones either do that or never.
WAIT_S=8
[ "$MODE" = legacy ] && WAIT_S=4
if wait_for "$WAIT_S" converged; then
	CONVERGE_MS=$(($(now_ms) - released))
else
	CONVERGE_MS=-1
fi
say "converged: $CONVERGE_MS ms"
sleep 0.3
kill -TERM "$PR1" "$PR2"
wait "$PR1" "$PR2"

# ---- the consistency check ----

BAD_END=0
WHY=""
bad() { BAD_END=$((BAD_END + 1)); WHY="$WHY${WHY:+;}$1"; }
for e in $ENDPOINTS; do
	out=$(dig @127.0.0.1 -p "$P" +norec +time=1 +tries=2 +noall +comments +answer "$e" A)
	rcode=$(grep -o 'status: [A-Z]*' <<<"$out" | cut -d' ' -f2)
	served=$(awk '$4 == "A" { print $5 }' <<<"$out" | sort | tr '\n' ' ')
	target=$(awk -v e="$e" '$1 == e && $4 == "CNAME" { print $5 }' <<<"$out")
	g=${target#g}
	g=${g%%._plan.*}
	marker=$(gen_of "$e")
	[ "$rcode" = NOERROR ] && [ -n "$served" ] || bad "${e%%.*} empty ($rcode)"
	if [ -z "$g" ] || [ "$g" != "$marker" ]; then
		bad "${e%%.*} CNAME plan ${g:-none} != marker ${marker:-none}"
		continue
	fi
	[ "$(q "SELECT count(*) FROM plan WHERE generation = $g")" = 1 ] ||
		bad "${e%%.*} on plan $g, deleted from the store"
	want=$(q "SELECT address FROM plan_addr WHERE generation = $g AND
	          endpoint = '$e' ORDER BY address" | tr '\n' ' ')
	[ "$served" = "$want" ] ||
		bad "${e%%.*} serves '$served', plan $g has '$want'"
done

# ---- the verdict ----

num() { grep -o "\"$1\":[0-9-]*" "$2" | head -1 | cut -d: -f2; }
longest() { grep -o '"longest_ms":{[^}]*}' "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
EMPTY=0 NXD=0 BACK=0 LEMPTY=0 LNOANS=0 PROBES=0
for i in 1 2; do
	s=$T/e$i.json
	[ -s "$s" ] || infra "prober $i wrote no summary"
	EMPTY=$((EMPTY + $(num empty "$s")))
	NXD=$((NXD + $(num nxdomain "$s")))
	BACK=$((BACK + $(num generation_back "$s") + $(num generation_back_txt "$s")))
	PROBES=$((PROBES + $(num probes "$s")))
	l=$(num longest_empty_ms "$s")
	[ "$l" -gt "$LEMPTY" ] && LEMPTY=$l
	l=$(longest noanswer "$s")
	[ "$l" -gt "$LNOANS" ] && LNOANS=$l
done
VIOL=$((EMPTY + NXD + BACK + BAD_END))
STATUS=ok
[ "$VIOL" -gt 0 ] && STATUS=violation
echo "mode=$MODE seed=$SEED status=$STATUS violations=$VIOL empty=$EMPTY" \
	"nxdomain=$NXD back=$BACK bad_end=$BAD_END longest_empty_ms=$LEMPTY" \
	"longest_noanswer_ms=$LNOANS converge_ms=$CONVERGE_MS probes=$PROBES" \
	"actions=$ACTIONS plan_ms=$PLAN_MS newest=$NEWEST" \
	"why=\"$WHY\"" >>"$RESULT"
if [ -n "$KEEP_DIR" ] && { [ "$STATUS" != ok ] && [ "$MODE" = safe ] ||
	[ "${KEEP:-}" = all ]; }; then
	keep_logs
fi
exit 0
