#!/bin/bash
# starve.sh - the legacy race from timing alone, as AWS described it: no
# pause point.  Three legacy enactors contend for the endpoints' lock
# records (each holds a lock for lock-hold-ms, as slow work would); an
# enactor that finds a lock held backs off longer each time
# (lock-backoff: backoff-base-ms doubling to backoff-max-ms, jitter), so
# one that keeps losing falls behind the plans, and when it wins at last
# it writes its old plan over a newer one (a step back).  If that lands
# inside another enactor's pass whose cleanup deletes the old plan, the
# endpoint is left on a deleted tree (NXDOMAIN) and no enactor can commit
# again (the rollback record cannot point at it): the race.
#
# usage: [CONTROL=1] tests/chaos/starve.sh BUILD_DIR [TRIALS [SEED]]
#        (BUILD_DIR --trial SEED MODE runs one trial: the loop's own call)
#
# Trial i runs seed S+i: the endpoints, the plan rate, the lock hold and
# the backoff cap are drawn from it, and enactor n's lock-jitter-seed is
# 10 (S+i) + n, so a trial's enactors draw the same backoff waits every
# run.  That fixes the draws, not the scheduling: when each try reaches
# authd, and so who wins a lock, still depends on the machine's timing,
# and a trial can race in one run and not in the next.  Each trial
# writes plans for RUN_S seconds (default 6), then stops writing and
# looks 3 s later.  A table says how often the enactors stepped back and
# how often the race happened.  CONTROL=1 runs the same trials a second
# time with lock-backoff off (a steady 20 ms between tries), the
# control, and ends with both race rates.  Exit 0 unless a trial could
# not run.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && [ -d "$1" ] ||
	{ echo "usage: starve.sh BUILD_DIR [TRIALS [SEED]]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
TRIAL=""
if [ "${2:-}" = --trial ]; then
	TRIAL=$3
	MODE=$4
else
	TRIALS=${2:-10}
	SEED=${3:-$(date +%s)}
fi

# ---- the outer loop: one process per trial, a table per mode ----
# trials MODE: the trials with lock-backoff (MODE backoff) or without
# (steady); their table, and a "rate MODE RACES JUDGED" line to $rates.
trials() {
	case $1 in
	backoff) what="lock-backoff (growing waits, jitter seeded)" ;;
	steady) what="control: lock-backoff off (a steady 20 ms)" ;;
	esac
	echo "starve: $TRIALS legacy trials, seeds $((SEED + 1))..$((SEED + TRIALS)), no pause point; $what"
	out=$(mktemp /tmp/dnsplane-starve.XXXXXX)
	for i in $(seq "$TRIALS"); do
		bash "$0" "$BUILD" --trial $((SEED + i)) "$1" 2>/dev/null |
			tee -a "$out" | sed 's/^result /  /'
	done
	awk -v mode="$1" -v rates="$rates" '
	$1 == "result" {
		n++
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["status"] != "ok") { infra++; next }
		judged++
		if (v["back"] > 0) back++
		if (v["back"] > 0 && v["far"] > far) far = v["far"]
		if (v["race"] == "yes") race++
		if (v["stuck"] == "yes") stuck++
	}
	END {
		printf "\n%-44s %6d\n", "trials", n
		printf "%-44s %6d\n", "  not judged (the lab failed)", infra
		printf "%-44s %6d\n", "a stale write (the generation went back)", back
		printf "%-44s %6d\n", "  the furthest step back, generations", far
		printf "%-44s %6d\n", "the race: an endpoint on a deleted tree", race
		printf "%-44s %6d\n", "  and no enactor could commit after it", stuck
		if (judged > 0)
			printf "race rate: %d of %d trials (%.0f %%)\n", race, judged, 100 * race / judged
		printf "rate %s %d %d\n", mode, race, judged >> rates
	}' "$out"
	bad=$((bad + $(grep -c 'status=infra' "$out" || true)))
	rm -f "$out"
}
if [ -z "$TRIAL" ]; then
	bad=0
	rates=$(mktemp /tmp/dnsplane-starve-rates.XXXXXX)
	trials backoff
	if [ "${CONTROL:-0}" = 1 ]; then
		echo
		trials steady
		echo
		awk '{
			w = "control (steady 20 ms waits):"
			if ($2 == "backoff") w = "lock-backoff (growing waits):"
			printf "race rate, %-30s %d of %d\n", w, $3, $4
		}' "$rates"
	fi
	rm -f "$rates"
	[ "$bad" -eq 0 ]
	exit
fi

# ---- one trial ----
export BUILD_DIR=$BUILD AUTHD=$BUILD/authd
. "$HERE/../e2e/lib.bash"
. "$HERE/../e2e/planner_lib.bash"
RANDOM=$TRIAL
RUN_S=${RUN_S:-6}
NEP=$((2 + RANDOM % 3))          # endpoints, 2..4
PLAN_MS=$((40 + RANDOM % 81))    # a plan every 40..120 ms
HOLD_MS=$((10 + RANDOM % 31))    # a lock held 10..40 ms
CAP_MS=$((300 + RANDOM % 1701))  # the backoff cap, 300..2000 ms
infra() {
	echo "result seed=$TRIAL mode=$MODE status=infra why=\"$1\""
	exit 0
}
lab_authd --guard-enabled no >/dev/null || infra "authd did not start"
eps=()
for i in $(seq "$NEP"); do eps+=("e$i.us-east-1.api.test."); done
write_plan() { # write_plan N: a plan giving every endpoint address N
	args=()
	for e in "${eps[@]}"; do args+=("$e=10.$((N / 250)).$((N % 250)).1"); done
	"$PLANWRITE" "$STORE" write "${args[@]}" >/dev/null
}
N=1
write_plan || infra "planwrite failed"
case $MODE in
backoff) waiting=(--lock-backoff yes) ;;
steady) waiting=(--lock-backoff no) ;;
*) infra "mode $MODE: expected backoff or steady" ;;
esac
for n in 1 2 3; do
	"$ENACTOR" --id "$n" --mode legacy --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 2 --ttl 5 --interval-ms 50 --heartbeat-ms 100 \
		"${waiting[@]}" --lock-jitter-seed $((TRIAL * 10 + n)) \
		--backoff-base-ms 20 --backoff-max-ms "$CAP_MS" \
		--lock-hold-ms "$HOLD_MS" >>"$T/enactor$n.log" 2>&1 &
	PIDS="$PIDS $!"
done
end=$(($(date +%s%3N) + RUN_S * 1000))
while [ "$(date +%s%3N)" -lt "$end" ]; do
	N=$((N + 1))
	write_plan || infra "planwrite failed"
	sleep "$(printf '0.%03d' "$PLAN_MS")"
done
sleep 3
# The moves, in time order: "TIME ENDPOINT PLAN" from every enactor.
cat "$T"/enactor?.log | awk '$NF ~ /^[0-9]+$/ && $(NF - 2) == "on" && $(NF - 1) == "plan" {
	sub(":$", "", $(NF - 3)); print $1, $(NF - 3), $NF }' | sort >"$T/moves"
# No move at all: the enactors did not run (a bad option, a crash), and
# the endpoints' NXDOMAIN below would be no race.
[ -s "$T/moves" ] || infra "no enactor moved an endpoint (enactor1.log: $(tail -n 1 "$T/enactor1.log"))"
# Steps back: a move to a plan older than the one the endpoint was on.
read -r back far < <(awk '{ if ($2 in on && $3 < on[$2]) { b++; d = on[$2] - $3; if (d > f) f = d } on[$2] = $3 }
	END { print b + 0, f + 0 }' "$T/moves")
# The race: an endpoint's alias on a deleted plan (NXDOMAIN).  Stuck: an
# enactor's move of that endpoint failed on the rollback record, which
# cannot point at that plan (a failure that names another plan was a
# passing one: the alias had moved on since the enactor read it).
race=no
stuck=no
for e in "${eps[@]}"; do
	ans=$(dig @127.0.0.1 -p "$P" +norec +time=2 +tries=1 "$e" A)
	grep -q "status: NXDOMAIN" <<<"$ans" || continue
	race=yes
	# The answer carries the alias: "E TTL IN CNAME g<G>._plan.E".
	g=$(awk '$4 == "CNAME" { print $5 }' <<<"$ans" | sed -n 's/^g\([0-9]*\)\..*/\1/p')
	[ -n "$g" ] && grep -q "$e: cannot move from plan $g to .*(the rollback record cannot point at plan $g: it is deleted)" "$T"/enactor?.log && stuck=yes
done
echo "result seed=$TRIAL mode=$MODE status=ok endpoints=$NEP plan_ms=$PLAN_MS hold_ms=$HOLD_MS cap_ms=$CAP_MS plans=$N back=$back far=$far race=$race stuck=$stuck"
finish >/dev/null || true
