#!/bin/bash
# plan_weights.sh - a planner whose load balancers weigh differently ends
# up as weighted answers at authd, in both modes: the enactor writes the
# plan's weights as _weight.g<G>._plan.E beside the plan's records, authd
# then answers one address per query drawn by them, and the enactor still
# reads the endpoint as on its plan (it reads the weight set, which an
# answer by weight does not cut) instead of rewriting it on every pass.
# Equal weights again (SIGHUP) write no weight set: every address in every
# answer.  Cleanup deletes a plan's weights with its records.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

start_lbfarm --listen "$NET.0.1-$NET.0.3:$LBPORT"
D() { dig @127.0.0.1 -p "$P" +norec +time=3 +tries=1 "$@"; }
# ask N: N queries of E A in one dig run, the address of every answer.
ask() {
	args=()
	for _ in $(seq "$1"); do args+=("$E" A); done
	D +noall +answer "${args[@]}" | awk '$4 == "A" {print $5}'
}
count() { grep -cxF -- "$1" || true; }
# weights G: the weight records of plan G, sorted, on one line.
weights() {
	D +short "_weight.g$1._plan.$E" TXT | tr -d '"' | sort | tr '\n' ','
}
planner_conf() { # planner_conf W1 W2 W3
	lab_planner_conf
	echo "endpoint $E"
	i=1
	for w in "$@"; do
		echo "lb $E 10.0.0.$i http://$NET.0.$i:$LBPORT/health $w"
		i=$((i + 1))
	done
}

run_mode() { # run_mode MODE GUARD
	mode=$1
	rm -f "$STORE" "$STORE-wal" "$STORE-shm"
	rm -rf "$STORE.enactors" "$T/state"
	lab_authd --guard-enabled "$2"
	planner_conf 300 100 100 >"$T/planner.conf"
	start_planner "$T/planner-$mode.log" -c "$T/planner.conf"
	"$ENACTOR" --id 1 --mode "$mode" --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 2 --interval-ms 100 --heartbeat-ms 100 \
		>>"$T/enactor-$mode.log" 2>&1 &
	EN=$!
	PIDS="$PIDS $EN"
	on_weights() {
		g=$(gen_served)
		[ -n "$g" ] && [ "$(weights "$g")" = "10.0.0.1 300,10.0.0.2 100,10.0.0.3 100," ]
	}
	check "$mode: the plan's weights are in authd beside its records" \
		wait_for 10 on_weights
	g=$(gen_served)
	check "$mode: the endpoint is a CNAME to the plan's weighted node" \
		[ "$(D +short "$E" A | head -1)" = "g$g._plan.$E" ]
	out=$(ask 400)
	check "$mode: one address per answer" [ "$(wc -l <<<"$out")" -eq 400 ]
	n1=$(count 10.0.0.1 <<<"$out")
	# 3:1:1 over 400 answers: 240 expected, sd 9.8.
	check "$mode: 3:1:1 by weight ($n1 of 400 for weight 300)" \
		[ "$n1" -gt 200 ] && [ "$n1" -lt 280 ]
	check "$mode: and the others too" \
		[ "$(count 10.0.0.2 <<<"$out")" -gt 40 ] && [ "$(count 10.0.0.3 <<<"$out")" -gt 40 ]
	# The planner writes a generation every 300 ms: a pass for each.
	g0=$(newest)
	check "$mode: the enactor follows the plans" \
		wait_for 10 eval '[ "$(gen_served)" -gt "$g0" ]'
	check "$mode: and reads its endpoint as on them, never rewriting it" \
		bash -c "! grep -q 'are not the plan' '$T/enactor-$mode.log'"
	check "$mode: cleanup deleted plan $g's weights with its records" \
		wait_for 10 eval '[ -z "$(weights "$g")" ] && [ "$(D +short "g$g._plan.$E" A)" = "" ]'

	planner_conf 100 100 100 >"$T/planner.conf"
	kill -HUP "$PLANNER_PID"
	all3() {
		g=$(gen_served)
		[ -n "$g" ] && [ -z "$(weights "$g")" ] &&
			[ "$(D +short "$E" A | grep '^10\.' | sort | tr '\n' ' ')" = "10.0.0.1 10.0.0.2 10.0.0.3 " ]
	}
	check "$mode: equal weights again: no weight set, every address" \
		wait_for 10 all3
	stop_pid enactor "$EN"
	stop_planner
	stop_authd
}

run_mode safe yes
run_mode legacy no
finish
