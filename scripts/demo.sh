#!/bin/bash
# demo.sh - the DynamoDB DNS race of 2025-10-19/20, for real, on loopback,
# and the design that holds.  `make demo` runs it.
#
# usage: scripts/demo.sh [BUILD_DIR]
#
# Starts authd, lbfarm, the planner, three enactors, a resolver (unbound)
# in front of authd and two probers (one asking authd, one asking the
# resolver) in a temporary directory, then narrates two runs of the
# post-mortem's schedule, driven by the enactors' pause points:
#   1. legacy mode: enactor 1 is delayed with an old plan, enactors 2 and
#      3 apply the newest, enactor 1 writes its old plan over it, enactor
#      2's cleanup deletes that plan: the endpoint is empty (dig, the
#      prober), every enactor is stuck, the operator repairs, and the
#      clients behind the resolver get the cached NXDOMAIN a while longer;
#   2. safe mode (authd's guard and fence on, safe enactors): the same
#      schedule; no empty answer, the stale writes refused by authd (its
#      log, its /metrics);
#   3. legacy mode again with authd's failover on (backup addresses that
#      activate by themselves): the race still happens, but clients
#      asking authd get the backup addresses instead of NXDOMAIN, and the
#      enactors move on by themselves.
# The words are AWS's (re:Invent 2025, DAT453): each plan is a record
# tree (g<G>._plan.E, a leaf per load balancer), the endpoint's alias (E
# CNAME) points at the active tree, the rollback record (_rollback.E
# CNAME) at the one before, and every change batch starts by deleting and
# re-creating the enactor's exact lock record (_lock.E TXT "HOLDER
# EXPIRY").
# It ends with a summary and a picture (build/demo/demo.png), and stops
# every process it started.  Timelines, logs and the picture stay in
# BUILD_DIR/demo/.
BUILD=$(cd "${1:-build}" && pwd)
export AUTHD=$BUILD/authd BUILD_DIR=$BUILD
. "$(dirname "$0")/../tests/e2e/lib.bash"
. "$(dirname "$0")/../tests/e2e/planner_lib.bash"
. "$(dirname "$0")/../tests/e2e/unbound_lib.bash"
OUT=$BUILD/demo
ENACTOR=$BUILD/enactor
PROBE=$BUILD/dnsprobe
CTL=$BUILD/dnsplanectl
DPUPDATE=$BUILD/tests/dpupdate
E=dynamodb.us-east-1.api.test.
TTL=5     # of the records the enactors write: short, as endpoints' are
KEEP=2    # cleanup keeps this many generations before the one applied
T0=$(date +%s%3N)

# stop_pid PID: SIGTERM, and SIGCONT until it is gone (a stopped process
# takes its SIGTERM only once continued, and an enactor may still reach a
# pause point on its way out); kill -9 after 5 s.
stop_pid() {
	kill -CONT "$1" 2>/dev/null || true
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		kill -CONT "$1" 2>/dev/null || true
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
demo_cleanup() {
	for p in $PIDS; do stop_pid "$p"; done
	rm -rf "$T"
}
trap demo_cleanup EXIT INT TERM

# ---- the terminal ----

if [ -t 1 ]; then
	B=$'\e[1m' R=$'\e[31m' G=$'\e[32m' N=$'\e[0m'
else
	B='' R='' G='' N=''
fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*" | fold -s -w 76 | sed 's/^/   /'; }
indent() { sed 's/^/      /'; }
# event LABEL: a line on the plot.
event() { echo "$(date +%s%3N) $*" >>"$T/events"; }
# keep: what stays in OUT once the temporary directory is gone.
keep() {
	cp "$T"/*.csv "$T"/*.json "$T"/*.log "$T"/*.conf "$T/events" \
		"$T"/probe-*.err "$OUT"/ 2>/dev/null || true
}
die() {
	printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2
	keep
	printf 'demo: the logs are in %s\n' "$OUT" >&2
	exit 1
}

# ---- the lab ----

# Keys: one per enactor, as under systemd, so authd's log names the
# writer; the operator's for repairs and the replayed stale write.
for k in enactor-1 enactor-2 enactor-3 operator; do
	printf 'key "%s" { algorithm hmac-sha256; secret "%s"; };\n' "$k" \
		"$(head -c 32 /dev/urandom | base64)" >"$T/$k.key"
done
NEGTTL=10
cat >"$T/api.zone" <<ZONE
\$ORIGIN api.test.
\$TTL 60
; The negative TTL is min(SOA TTL, MINIMUM) = $NEGTTL s (RFC 2308).
@	SOA	ns1 hostmaster 1 3600 600 86400 $NEGTTL
	NS	ns1
ns1	A	192.0.2.53
dynamodb.us-east-1	$TTL	A	192.0.2.250
ZONE
P=$(free_port)
M=$(free_port)
# authd reads its guard switch (and, in act 3, its failover rule) from a
# file: SIGHUP applies them.
authd_conf() {
	cat >"$T/authd.conf" <<CONF
listen 127.0.0.1:$P
zone api.test.=$T/api.zone
state-dir $T/authd
metrics-listen 127.0.0.1:$M
guard $E
guard-enabled $1
key $T/enactor-1.key
key $T/enactor-2.key
key $T/enactor-3.key
key $T/operator.key
${2:+failover "$2"}
CONF
}
authd_conf no
: >"$T/events"
mkdir -p "$OUT"
rm -f "$OUT"/*

start_lbfarm --listen "$NET.0.1-$NET.0.4:$LBPORT"
start_authd "$T/authd.log" -c "$T/authd.conf"
cat >"$T/planner.conf" <<CONF
region us-east-1
store $STORE
check-interval-ms 100
check-timeout-ms 80
healthy-threshold 1
unhealthy-threshold 1
plan-interval-ms 300
endpoint $E
CONF
for i in 1 2 3 4; do
	echo "lb $E 10.0.0.$i http://$NET.0.$i:$LBPORT/health 10" >>"$T/planner.conf"
done
start_planner "$T/planner.log" -c "$T/planner.conf"
wait_for 10 newer_than 0 || die "the planner wrote no plan"

# The resolver clients sit behind: unbound, api.test. stubbed to authd.
start_unbound "$P" || die "unbound does not answer"

# start_enactor N MODE ARGS...: enactor N in the background, EN<N> its PID.
start_enactor() {
	n=$1
	mode=$2
	shift 2
	"$ENACTOR" --id "$n" --mode "$mode" --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/enactor-$n.key" \
		--keep "$KEEP" --ttl "$TTL" --interval-ms 200 --heartbeat-ms 200 \
		"$@" >>"$T/enactor$n-$PHASE.log" 2>&1 &
	eval "EN$n=$!"
	PIDS="$PIDS $!"
}
en() { eval "echo \$EN$1"; }
stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }
# stop_enactors N...: stop them for good.
stop_enactors() {
	for n in "$@"; do
		stop_pid "$(en "$n")"
		PIDS=$(echo "$PIDS" | sed "s/ $(en "$n")//")
	done
}
gen_served() { dig @127.0.0.1 -p "$P" +short +norec "_gen.$E" TXT | tr -d '"'; }
served_at_least() { [ "$(gen_served)" -ge "$1" ]; }
# show WHEN: what a client asking authd sees now.
show() {
	printf '   %s$ dig @127.0.0.1 -p %s %s A%s   (%s)\n' "$B" "$P" "$E" "$N" "$1"
	dig @127.0.0.1 -p "$P" +norec +noall +comments +answer "$E" A |
		grep -E "status|IN" | sed -e 's/;; ->>HEADER<<- opcode: QUERY, //' \
		-e 's/, id: [0-9]*//' | indent
}
# show_resolver WHEN: what a client behind unbound sees now, with the
# SOA of a negative answer (its TTL is what is left of the caching).
show_resolver() {
	printf '   %s$ dig @127.0.0.1 -p %s %s A%s   (through unbound: %s)\n' "$B" "$U" "$E" "$N" "$1"
	dig @127.0.0.1 -p "$U" +noall +comments +answer +authority "$E" A |
		grep -E "status|IN" | sed -e 's/;; ->>HEADER<<- opcode: QUERY, //' \
		-e 's/, id: [0-9]*//' -e 's/, flags:.*//' | indent
}
# the last line of enactor N's log (this phase) that matches RE, without
# the date.
elog() { echo "$T/enactor$1-$PHASE.log"; }
last_line() { grep -E "$2" "$(elog "$1")" | tail -1 | cut -d' ' -f2-; }
authd_lines() { grep -E "$1" "$T/authd.log" | cut -d' ' -f2- ; }
# newer_plans G: wait for five plans newer than G.
newer_plans() {
	wait_for 10 newer_than $(($1 + 4)) || die "the planner wrote no newer plan"
	say "Plans $(($1 + 1))..$(newest) are in the store now."
	sleep 0.5
}
# enactors_2_3 STEP: enactors 2 and 3 apply the newest plan and stop
# before their cleanup; GOT is the plan they left the endpoint on.
enactors_2_3() {
	start_enactor 2 "${MODE:-$PHASE}" --pause-at before-cleanup
	start_enactor 3 "${MODE:-$PHASE}" --pause-at before-cleanup
	wait_for 10 stopped "$EN2" && wait_for 10 stopped "$EN3" ||
		die "enactors 2 and 3 did not pause"
	GOT=$(gen_served)
	event "$1: enactors 2, 3 on plan $GOT"
	show "before: on plan $GOT"
	sleep 0.7
}
metric() {
	curl -s "127.0.0.1:$M/metrics" |
		awk -v k="$1" '$1 == k { print $2 }'
}

# The probers: 50 queries a second each, at authd and through unbound,
# from now to the end.
for v in "authd $P" "unbound $U"; do
	set -- $v
	"$PROBE" --server "127.0.0.1:$2" --name "$E" --rate 50 \
		--interval-ms 100 --label "$1" --csv "$T/$1.csv" \
		--summary "$T/$1.json" >"$T/probe-$1.out" 2>"$T/probe-$1.err" &
	PROBERS="${PROBERS:-} $!"
	PIDS="$PIDS $!"
done

printf '%sdnsplane demo: the DynamoDB DNS race of 2025-10-19/20, for real%s\n' "$B" "$N"
say "authd on 127.0.0.1:$P (zone api.test., its guard off: the legacy lab), \
lbfarm with 4 load balancers on $NET.0.1-4:$LBPORT, the planner \
(a new generation at least every 300 ms), three enactors (records TTL $TTL s, \
cleanup keeps $KEEP generations), unbound on 127.0.0.1:$U as the resolver \
clients sit behind, and dnsprobe asking $E A 50 times a second, of \
authd and of unbound."

# race A: the post-mortem's schedule with legacy enactors, steps Aa-Ae:
# enactor 1 delayed with plan G1, enactors 2 and 3 on the newest (G6),
# enactor 1 writes G1 over it, enactor 2's cleanup deletes G1.
race() {
	A=$1
	step "${A}a. The lab arms the enactors' pause points (the post-mortem's timing)"
	stop_enactors 1 2 3
	start_enactor 1 legacy --pause-at after-freshness-check --pause-at before-cleanup
	wait_for 10 stopped "$EN1" || die "enactor 1 did not pause"
	G1=$(last_line 1 "applying plan" | grep -o 'plan [0-9]*' | cut -d' ' -f2)
	event "${A}a: enactor 1 paused, plan $G1"
	say "Enactor 1 took plan $G1, checked once that it is newer than the plan \
last applied, and stopped right after that check (as if delayed: at AWS \
the enactor lost the endpoint's lock record again and again, backing off \
longer each time; a pause point stands in for that here):"
	grep -E "applying plan|pause point" "$(elog 1)" | tail -2 | cut -d' ' -f2- | indent

	step "${A}b. The planner writes newer generations"
	newer_plans "$G1"
	if [ "${2:-}" = hold ]; then
		# hold: no newer plan until the lab lets the planner go, so the
		# state after the cleanup stays to be looked at.
		kill -STOP "$PLANNER_PID"
		say "(The lab holds the planner now: no newer plan comes until \
it lets it go.)"
	fi

	step "${A}c. Enactors 2 and 3 apply the newest plan and stop before their cleanup"
	enactors_2_3 "${A}c"
	G6=$GOT

	step "${A}d. Enactor 1 resumes and writes its old plan $G1 over plan $G6"
	kill -CONT "$EN1"
	wait_for 10 stopped "$EN1" || die "enactor 1 did not pause again"
	event "${A}d: enactor 1 wrote plan $G1"
	say "Its freshness check was passed long ago.  Its change batch, all or \
nothing: the lock preamble (delete its exact lock record _lock.E, \
re-create it with a new expiry), the tree of plan $G1, the alias flipped \
to it, and the rollback record pointed at the tree it replaces, plan \
$G6, which must exist (it does).  It stops before its own cleanup."
	show "stale: the alias back on plan $G1"
	printf '   %s$ dig @127.0.0.1 -p %s _rollback.%s CNAME%s\n' "$B" "$P" "$E" "$N"
	dig @127.0.0.1 -p "$P" +norec +short "_rollback.$E" CNAME | indent
	[ "$(gen_served)" = "$G1" ] || die "enactor 1 did not write plan $G1"
	sleep 0.7

	step "${A}e. Enactor 2 resumes: its cleanup (the record cleaner) deletes plan $G1's tree"
	kill -CONT "$EN2"
	wait_for 10 grep -q "cleanup: deleted plan $G1 " "$(elog 2)" ||
		die "enactor 2 did not delete plan $G1"
	event "${A}e: plan $G1 deleted"
	last_line 2 "cleanup: deleted plan $G1 " | indent
}

# ==== 1. legacy ====

PHASE=legacy
step "1. Legacy mode: normal operation"
for n in 1 2 3; do start_enactor "$n" legacy; done
event "legacy enactors 1-3 start"
wait_for 10 served_at_least "$(newest)" || die "the enactors applied nothing"
sleep 2
say "The enactors apply each new plan as the planner writes it, and clean \
up the old ones:"
show "normal"
BACK0=$(grep -c "went back" "$T/probe-authd.err" || true)
[ "$BACK0" -eq 0 ] || say "(Already now the prober saw the generation go \
back $((BACK0 / 2)) times: legacy enactors that passed their freshness \
check together write in either order.)"

race 1
show "after: the endpoint is empty"
kill -CONT "$EN3" "$EN1"
sleep 1
say "The prober saw it:"
grep -E "from $G6 to $G1 \(the|INVARIANT BROKEN: NXDOMAIN" "$T/probe-authd.err" |
	cut -d' ' -f2- | indent
say "Behind the resolver, clients see it once their cached answer (TTL $TTL s) \
runs out:"
wait_for 10 grep -q "INVARIANT BROKEN: NXDOMAIN" "$T/probe-unbound.err" ||
	die "the clients behind unbound never saw the outage"
grep -E "INVARIANT BROKEN: NXDOMAIN" "$T/probe-unbound.err" | head -1 |
	cut -d' ' -f2- | indent

step "1f. Every enactor is stuck"
for n in 1 2 3; do
	wait_for 10 grep -q "cannot move from plan $G1" "$(elog "$n")" ||
		die "enactor $n is not stuck"
done
sleep 3
for n in 1 2 3; do last_line "$n" "cannot move from plan $G1" | indent; done
say "(Every pass of every enactor fails the same way, for every newer plan; \
each enactor says so once ($(cat "$(elog 1)" "$(elog 2)" "$(elog 3)" | grep -c "cannot move from plan $G1") \
lines in 3 s), and how often when that changes.)"
say "Every transaction must point the rollback record at the tree the \
alias leaves, plan $G1, and that tree is deleted: its prerequisite fails \
(NXDOMAIN), the whole batch with it, and no enactor can commit again (as \
at AWS), until an operator repairs it."
CTLA=(--store "$STORE" --server "127.0.0.1:$P" --zone api.test.
	--key "$T/operator.key" --ttl "$TTL")
printf '   %s$ dnsplanectl status%s\n' "$B" "$N"
"$CTL" "${CTLA[@]}" status 2>&1 | indent || true

step "1g. The operator pauses the automation and repairs"
event "1g: dnsplanectl repair"
for c in "pause --reason INC-2025-10-20" repair "resume --reason repaired"; do
	printf '   %s$ dnsplanectl %s%s\n' "$B" "$c" "$N"
	# shellcheck disable=SC2086
	"$CTL" "${CTLA[@]}" $c 2>&1 | indent || true
done
wait_for 10 grep -q "answers with addresses since" "$T/probe-authd.err" ||
	die "the endpoint did not come back"
show "repaired"

step "1h. Behind the resolver the outage goes on: the cached NXDOMAIN"
show_resolver "just after the repair"
say "Unbound cached what authd said: the endpoint's CNAME to plan $G1 \
(TTL $TTL s, as the enactors write it) and the NXDOMAIN of g$G1._plan.$E \
(for the zone's negative TTL: min(SOA TTL, MINIMUM) = $NEGTTL s, RFC 2308). \
Until that CNAME expires it follows it to the deleted plan, whatever authd \
says now:"
wait_for 30 grep -q "answers with addresses since" "$T/probe-unbound.err" ||
	die "the clients behind unbound did not recover"
event "1h: resolver recovers"
grep "answers with addresses since" "$T/probe-unbound.err" | head -1 |
	cut -d' ' -f2- | indent
show_resolver "recovered"
say "So behind a resolver the tail is at most the endpoint's record TTL \
($TTL s) here: the NXDOMAIN is for the plan's name, not the endpoint's. \
The zone's negative TTL sets the tail only for a name that is gone itself \
(tests/e2e/negcache.sh measures both)."
say "The enactors move it forward again, and say after how many failures:"
wait_for 5 grep -qE "$E: moved after [0-9]+ failure" "$(elog 1)" "$(elog 2)" "$(elog 3)" || true
grep -hE "$E: moved after [0-9]+ failure" "$(elog 1)" "$(elog 2)" "$(elog 3)" |
	cut -d' ' -f2- | indent
show "on the newest plan"
stop_enactors 1 2 3
# failed LOGS...: the updates the enactors' last words count as failed.
failed() {
	grep -hoE 'stopped: .*, [0-9]+ failed' "$@" | grep -oE '[0-9]+ failed$' |
		awk '{ n += $1 } END { print n + 0 }'
}
LEGACY_FAILED=$(failed "$(elog 1)" "$(elog 2)" "$(elog 3)")
LEGACY_LINES=$(cat "$(elog 1)" "$(elog 2)" "$(elog 3)" | grep -c "cannot move from plan $G1")

# ==== 2. safe ====

PHASE=safe
step "2. Safe mode: authd's guard and fence on (SIGHUP), safe enactors"
authd_conf yes
kill -HUP "$AUTHD_PID"
wait_for 10 grep -q "reloaded" "$T/authd.log" || die "authd did not reload"
event "2: safe mode"
SAFE_MS=$(date +%s%3N)
PREREQ0=$(metric 'dnsplane_authd_updates_total{result="prereq"}')
FENCE0=$(metric 'dnsplane_authd_updates_total{result="fence"}')
say "Same authd, same store, same planner; the enactors restart in safe \
mode with the same pause points."

step "2a. Enactor 1 reads the endpoint and stops before its write"
# Start it right after a new generation: it takes that one.
wait_for 10 newer_than "$(newest)" || die "the planner stopped"
start_enactor 1 safe --pause-at before-endpoint --pause-at before-cleanup
wait_for 10 stopped "$EN1" || die "enactor 1 did not pause"
S1=$(newest)
S1_ADDRS=$(addrs "$S1" "$E")
event "2a: enactor 1 paused, plan $S1"
say "It read the endpoint on plan $(gen_served) and is about to move it to \
plan $S1, with a compare-and-swap on what it read."

step "2b. The planner writes newer generations"
newer_plans "$S1"

step "2c. Enactors 2 and 3 move the endpoint forward and stop before cleanup"
enactors_2_3 2c
S6=$GOT

step "2d. Enactor 1 resumes: its write of plan $S1 is refused"
kill -CONT "$EN1"
wait_for 10 stopped "$EN1" || die "enactor 1 did not pause again"
event "2d: enactor 1's write refused"
wait_for 5 grep -qE "key enactor-1\.?: prereq" "$T/authd.log" ||
	die "enactor 1's write was not refused"
authd_lines "key enactor-1\.?: prereq" | tail -1 | indent
say "The endpoint moved since enactor 1 read it, so the prerequisite (the \
marker as read) fails; it reads again, finds plan $S6, newer than its own, \
and leaves it."
show "still on plan $S6"
sleep 0.7

step "2e. The enactors resume: cleanup deletes only plans nobody uses"
kill -CONT "$EN2"
wait_for 10 grep -q "cleanup: deleted plan" "$(elog 2)" || true
kill -CONT "$EN3" "$EN1"
sleep 1
grep -hE "cleanup" "$(elog 1)" "$(elog 2)" "$(elog 3)" | grep -v "pause point" |
	cut -d' ' -f2- | head -4 | indent
say "A plan goes only when it is more than $KEEP generations old, no \
endpoint is on it or marked with it, and no live enactor is applying it; \
authd's guard would refuse to empty an endpoint anyway."
show "after cleanup"
sleep 0.7

step "2f. The stale write of 1d, replayed word for word: authd's fence"
say "What enactor 1 sent in 1d, made for its plan $S1: the legacy update, \
without compare-and-swap (signed with the operator's key):"
args=("yxdomain g$(gen_served)._plan.$E" "del g$S1._plan.$E")
for a in $S1_ADDRS; do args+=("add g$S1._plan.$E $TTL A $a"); done
args+=("del $E A" "del $E AAAA" "del $E CNAME" "add $E $TTL CNAME g$S1._plan.$E"
	"del _gen.$E TXT" "add _gen.$E $TTL TXT \"$S1\"" "del _lock.$E TXT")
"$DPUPDATE" -s "127.0.0.1:$P" -k "$T/operator.key" -z api.test. \
	"${args[@]}" 2>&1 | indent
event "2f: stale write fenced"
authd_lines "update refused: key operator" | tail -1 | indent
printf '   %s$ curl -s 127.0.0.1:%s/metrics | grep -E "updates_total|guard_refusals"%s\n' "$B" "$M" "$N"
curl -s "127.0.0.1:$M/metrics" | grep -E '^dnsplane_authd_(updates_total|guard_refusals)' |
	grep -E 'accepted|prereq|guard|fence' | indent
say "(Counted since authd started: prereq includes the legacy run's lock \
waits.)"
sleep 1
show "safe, at the end"
stop_enactors 1 2 3

# ==== 3. legacy, with authd's failover ====

PHASE=failover
MODE=legacy
FO_ADDRS="192.0.2.250 2001:db8::250"
step "3. Legacy mode again, with authd's failover on (SIGHUP)"
RELOADS=$(grep -c "reloaded" "$T/authd.log")
authd_conf no "$E $FO_ADDRS"
kill -HUP "$AUTHD_PID"
reloaded_again() { [ "$(grep -c "reloaded" "$T/authd.log")" -gt "$RELOADS" ]; }
wait_for 10 reloaded_again || die "authd did not reload"
event "3: legacy + failover"
FO_MS=$(date +%s%3N)
say "authd's guard is off again (the legacy lab), but it now holds backup \
addresses for the endpoint (failover \"$E $FO_ADDRS\"): whenever a change \
would leave the endpoint without an address, it answers these instead, \
from the same commit on, as AWS added after the outage.  The legacy \
enactors run the same schedule."
for n in 1 2 3; do start_enactor "$n" legacy; done
wait_for 10 served_at_least "$(newest)" || die "the enactors applied nothing"
sleep 1
race 3 hold
show "after: the endpoint answers its backup addresses"
authd_lines "failover: .* has no address" | tail -1 | indent
printf '   %s$ curl -s 127.0.0.1:%s/metrics | grep failover%s\n' "$B" "$M" "$N"
curl -s "127.0.0.1:$M/metrics" | grep -E '^dnsplane_authd_failover' | indent
kill -CONT "$EN3" "$EN1"
sleep 1
show "a second later, still on its backup"
say "The race happened as in act 1 (plan $G1 over plan $G6, then deleted), \
but in the commit of that cleanup authd put the backup addresses in place \
of the dangling CNAME: no client asking authd got NXDOMAIN.  Clients behind \
unbound that had cached the CNAME to plan $G1 follow it to the deleted plan \
until its TTL ($TTL s) runs out: the failover cannot reach into their cache."

step "3f. The lab lets the planner go: the enactors move on by themselves"
kill -CONT "$PLANNER_PID"
event "3f: planner resumes"
say "The endpoint's alias no longer points at the deleted tree (authd's \
failover replaced it with the backup addresses), so the legacy batch has no \
tree to point the rollback record at, and requires none: the next plan goes \
through and takes the endpoint off its backup in its own commit."
wait_for 10 grep -q "failover: $E is off its backup" "$T/authd.log" ||
	die "the enactors did not move the endpoint off its backup"
authd_lines "failover: $E is off its backup" | tail -1 | indent
show "on the newest plan again"
FO_END=$(date +%s%3N)
stop_enactors 1 2 3

# ==== the end ====

for p in $PROBERS; do
	kill -TERM "$p"
	wait "$p" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | sed "s/ $p//")
done
keep
"$PROBE" plot --out "$OUT/demo.png" --events "$OUT/events" \
	--title "dnsplane demo: $E as clients see it (legacy, safe, legacy with failover)" \
	"$OUT/authd.csv=asking authd 127.0.0.1:$P (UDP, 50 queries a second)" \
	"$OUT/unbound.csv=asking unbound 127.0.0.1:$U, the resolver in front of authd" ||
	die "no plot"

# Numbers from the timelines: the legacy outage, and the safe run.
# nx_periods FILE: "start end" of each NXDOMAIN or empty period.
nx_periods() {
	grep -oE '"outcome":"(nxdomain|empty)","start_ms":[0-9]+,"end_ms":[0-9]+' "$1" |
		sed -E 's/.*"start_ms":([0-9]+),"end_ms":([0-9]+)/\1 \2/'
}
# bad_after FILE MS [END]: probes without an address in rows from MS on
# (before END); back_after: steps back; probes_after: probes.
rows() { awk -F, -v t="$2" -v e="${3:-9999999999999}" -v c="$4" \
	'NR > 1 && $1 >= t && $1 < e { split(c, k, "+"); for (i in k) b += $k[i] } END { print b + 0 }' "$1"; }
bad_after() { rows "$1" "$2" "${3:-}" 4+5; }
back_after() { rows "$1" "$2" "${3:-}" 12; }
probes_after() { rows "$1" "$2" "${3:-}" 2; }
# legacy VIEW: "start end" of the outage seen there (first to last
# answer without an address before the safe run).
legacy() {
	nx_periods "$OUT/$1.json" | awk -v t="$SAFE_MS" '$1 < t' |
		awk 'NR == 1 { s = $1 } { e = $2 } END { if (NR) print s, e }'
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
read -r LS LE <<<"$(legacy authd)"
read -r US UE <<<"$(legacy unbound)"
LEGACY_S=$(secs "${LS:-0}" "${LE:-0}")
UNBOUND_S=$(secs "${US:-0}" "${UE:-0}")
TAIL_S=$(secs "${LE:-0}" "${UE:-0}")
SAFE_BAD=$(bad_after "$OUT/authd.csv" "$SAFE_MS" "$FO_MS")
SAFE_BACK=$(back_after "$OUT/authd.csv" "$SAFE_MS" "$FO_MS")
SAFE_N=$(probes_after "$OUT/authd.csv" "$SAFE_MS" "$FO_MS")
SAFE_UBAD=$(bad_after "$OUT/unbound.csv" "$SAFE_MS" "$FO_MS")
SAFE_UN=$(probes_after "$OUT/unbound.csv" "$SAFE_MS" "$FO_MS")
FO_BAD=$(bad_after "$OUT/authd.csv" "$FO_MS" "$FO_END")
FO_N=$(probes_after "$OUT/authd.csv" "$FO_MS" "$FO_END")
FO_UBAD=$(bad_after "$OUT/unbound.csv" "$FO_MS" "$FO_END")
FO_UN=$(probes_after "$OUT/unbound.csv" "$FO_MS" "$FO_END")
FO_ON=$(metric dnsplane_authd_failover_activations_total)
PREREQ=$(($(metric 'dnsplane_authd_updates_total{result="prereq"}') - PREREQ0))
# Who was refused, from authd's log of the safe run.
cas_by() { sed -n '/SIGHUP received/,$p' "$T/authd.log" | grep -cE "key enactor-$1\.?: prereq" || true; }
CAS_WHO="enactor 1: $(cas_by 1), enactor 2: $(cas_by 2), enactor 3: $(cas_by 3)"
FENCE=$(($(metric 'dnsplane_authd_updates_total{result="fence"}') - FENCE0))

step "Summary"
printf '   legacy: %sauthd answered NXDOMAIN for %s s%s, until the operator'"'"'s repair;\n' "$R" "$LEGACY_S" "$N"
printf '           %sclients behind unbound got NXDOMAIN for %s s%s: from %s s later (their cached\n' "$R" "$UNBOUND_S" "$N" "$(secs "${LS:-0}" "${US:-0}")"
printf '           answer) to %s s after the repair (the cached CNAME to the deleted plan,\n' "$TAIL_S"
printf '           TTL %s s; the zone'"'"'s negative TTL, %s s, did not count);\n' "$TTL" "$NEGTTL"
printf '           the enactors failed %s times to move it, and said so in %s lines (once each,\n' "$LEGACY_FAILED" "$LEGACY_LINES"
printf '           and the count when that ended)\n'
printf '   safe:   %s%s answers without an address%s in %s probes of authd, %s in %s through unbound;\n' \
	"$G" "$SAFE_BAD" "$N" "$SAFE_N" "$SAFE_UBAD" "$SAFE_UN"
printf '           the generation never went back (%s steps);\n' "$SAFE_BACK"
printf '           stale writes refused by authd: %s by compare-and-swap (%s:\n' "$PREREQ" "$CAS_WHO"
printf '           each lost a race and read again), %s by the fence (the replayed legacy write)\n' "$FENCE"
printf '   legacy+failover: %s%s answers without an address%s in %s probes of authd (the race ran;\n' \
	"$G" "$FO_BAD" "$N" "$FO_N"
printf '           the backup answered, %s activation), the enactors moved on by themselves;\n' "${FO_ON:-0}"
printf '           behind unbound %s in %s probes (a resolver holding a cached CNAME to the\n' "$FO_UBAD" "$FO_UN"
printf '           deleted plan follows it until its TTL, %s s, runs out)\n' "$TTL"
printf '   plot:   %s\n' "$OUT/demo.png"
printf '   logs, timelines (CSV) and the prober'"'"'s summaries: %s/\n' "$OUT"

[ -n "$LS" ] || die "the prober saw no outage in legacy mode"
[ "$LEGACY_FAILED" -gt 0 ] || die "the legacy enactors never failed"
[ -n "$US" ] || die "the clients behind unbound saw no outage"
[ "$SAFE_BAD" -eq 0 ] && [ "$SAFE_BACK" -eq 0 ] && [ "$SAFE_UBAD" -eq 0 ] ||
	die "safe mode broke an invariant"
[ "$FENCE" -ge 1 ] || die "authd's fence refused nothing"
[ "$FO_BAD" -eq 0 ] && [ "${FO_ON:-0}" -ge 1 ] ||
	die "with failover on, authd answered without an address"

stop_planner >/dev/null
stop_authd >/dev/null
printf '   stopped: authd, lbfarm, the planner, the enactors, unbound, the probers (%s s in all)\n' \
	"$((($(date +%s%3N) - T0) / 1000))"
