#!/bin/bash
# run.sh - check tests/model/dnsplane.pml with SPIN, and replay the legacy
# counterexample against the real daemons.
#
# usage: tests/model/run.sh --build DIR [--full]
#
# Every configuration is compiled into DIR/model/NAME (spin -a, cc, pan)
# and printed as one row: what was expected, what pan found, states
# stored, transitions, depth reached, memory and time.  The quick set
# (make model-check, in make check) holds the legacy counterexamples
# (among them the stuck state: a transaction failing on its rollback
# record) and the replay, the safe invariants for 3 enactors up to
# generation 3 (the rollback record's among them: it never points at a
# deleted plan; and what fails without cleanup's read of it and the
# guard), liveness for 2; --full (make model) adds 3 enactors up to
# generation 4, 2 enactors up to generation 6 with keep 2, the safe
# enactors without authd's guard and fence, the update built from what
# was read for 3 enactors, liveness for 3 enactors, and liveness for 2
# when one of them may stop for good.
#
# The operational faults (the model's header says how they are modelled),
# with 2 endpoints: the quick set checks the invariants with 2 enactors,
# with an endpoint that leaves the plan and with a restored store, and
# liveness across two restores with the planner's read of the served
# markers and without it; --full adds liveness with 2 enactors, 2
# endpoints up to generation 4, 3 endpoints, two restores, a restored
# store and an endpoint that leaves together, a proposed fix, and what
# fails without authd's guard, without the digest check and in the
# enactor as it is.  A row expected "violated" under a fault is either a
# protocol finding or what a part of the protocol is there for, as said
# at the row.
set -euo pipefail

BUILD=build
FULL=no
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--full) FULL=yes; shift ;;
	*) echo "usage: run.sh --build DIR [--full]" >&2; exit 2 ;;
	esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$ROOT" && mkdir -p "$BUILD" && cd "$BUILD" && pwd)
MODEL=$HERE/dnsplane.pml
OUT=$BUILD/model
CC=${CC:-cc}
for tool in spin "$CC"; do
	command -v "$tool" >/dev/null || {
		echo "run.sh: $tool not found (scripts/deps.sh model installs it)" >&2
		exit 2
	}
done
mkdir -p "$OUT"
FAILS=0
ROWS=0

# fields PAN_OUTPUT: the numbers of one pan run, tab-separated.
fields() {
	awk '
	/errors:/ { for (i = 1; i <= NF; i++) {
		if ($i == "reached") depth = $(i + 1)
		if ($i == "errors:") errors = $(i + 1) } }
	/states, stored/ { stored = $1 }
	/transitions \(= / { trans = $1 }
	/total actual memory usage/ { mem = $1 }
	/elapsed time/ { t = $4 }
	END { sub(",", "", depth)
	      printf "%s\t%s\t%s\t%s\t%s\t%s\n", errors, stored, trans, depth, mem, t }' "$1"
}

printf '%-38s %-9s %-9s %12s %13s %7s %9s %8s\n' configuration expected \
	found states transitions depth "MB" seconds
# verify NAME EXPECT SPIN_DEFINES CC_DEFINES PAN_ARGS: one configuration;
# EXPECT is "holds" (no error) or "violated" (pan finds one).
verify() {
	name=$1 expect=$2
	dir=$OUT/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	(
		cd "$dir"
		# shellcheck disable=SC2086
		spin $3 -a "$MODEL" >spin.out 2>&1 &&
			$CC -O2 -w $4 -o pan pan.c >cc.out 2>&1 &&
			nice ./pan $5 >pan.out 2>&1
	) || {
		if [ ! -x "$dir/pan" ]; then
			echo "FAIL - $name: the verifier did not build:"
			cat "$dir/spin.out" "$dir/cc.out" 2>/dev/null
			FAILS=$((FAILS + 1))
			return
		fi
	}
	IFS=$'\t' read -r errors stored trans depth mem secs < <(fields "$dir/pan.out")
	found=holds
	[ "${errors:-x}" = 0 ] || found=violated
	if grep -q "Search not completed" "$dir/pan.out" &&
		[ "$found" = holds ]; then
		found=incomplete
	fi
	if grep -qE "max search depth too small|out of memory|MEMLIM" "$dir/pan.out"; then
		found=incomplete
	fi
	printf '%-38s %-9s %-9s %12s %13s %7s %9s %8s\n' "$name" "$expect" \
		"$found" "$stored" "$trans" "$depth" "$mem" "$secs"
	ROWS=$((ROWS + 1))
	if [ "$found" != "$expect" ]; then
		echo "FAIL - $name: expected the properties to be $expect, pan says $found ($dir/pan.out)"
		FAILS=$((FAILS + 1))
	fi
}

ALL="-DCHECK_EMPTY -DCHECK_BACK -DCHECK_REF"
# One endpoint: the rollback record too.
ALL1="$ALL -DCHECK_RB"
SAFE_CC="-DNOCLAIM -DSAFETY -DCOLLAPSE"
LIVE_CC="-DCOLLAPSE"

# legacy: every invariant breaks, and E stays off the newest plan.
verify legacy-empty violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DCHECK_EMPTY" "$SAFE_CC" "-m100000"
verify legacy-back violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DCHECK_BACK" "$SAFE_CC" "-m100000"
verify legacy-ref violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DCHECK_REF" "$SAFE_CC" "-m100000"
verify legacy-live violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DLIVE" "$LIVE_CC" "-a -f -m100000"
# legacy's stuck state: a transaction fails because its rollback record
# would point at the deleted active plan (and so does every later one).
verify legacy-commit violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DCHECK_COMMIT" "$SAFE_CC" "-m100000"
# legacy at pause-point grain, breadth first: the shortest schedule the
# real daemons can be driven through.
REPLAY="-DLEGACY -DGRAIN -DNE=3 -DMAXGEN=3 -DKEEP=1 -DCHECK_EMPTY"
verify legacy-replay violated "$REPLAY" "-DNOCLAIM -DSAFETY -DBFS" ""
# safe: every invariant holds, and E always ends on the newest plan.
verify safe-3e-g3 holds "-DNE=3 -DMAXGEN=3 -DKEEP=1 $ALL1" "$SAFE_CC" "-m200000 -w24"
# The update built from what the enactor read (the alias, the rollback
# record): the same as what authd has whenever the CAS passes.
verify safe-rbread-2e-g4 holds "-DNE=2 -DMAXGEN=4 -DKEEP=1 -DRBREAD $ALL1" \
	"$SAFE_CC" "-m400000 -w24"
# Cleanup that does not read the rollback record deletes the plan it
# names: authd's guard refuses it, and without the guard the rollback
# record points at nothing.
verify norbkeep-noguard-2e-g3 violated \
	"-DNE=2 -DMAXGEN=3 -DKEEP=1 -DNORBKEEP -DNOGUARD -DCHECK_RB" \
	"$SAFE_CC" "-m200000 -w24"
# Without fence_plan(), cleanup after every pass lets an enactor holding
# an older plan move an endpoint a walk left behind onto a plan being
# deleted: CHECK_REF, one endpoint, plans 1..4.
verify nofence-ref-2e-g4 violated "-DNE=2 -DMAXGEN=4 -DNOFENCE -DCHECK_REF" \
	"$SAFE_CC" "-m400000 -w24"
verify safe-live-2e-g3 holds "-DNE=2 -DMAXGEN=3 -DKEEP=1 -DLIVE" "$LIVE_CC" "-a -f -m200000 -w24"
if [ "$FULL" = yes ]; then
	# 3 enactors, two plans to clean up: about 234 million states, 10 GB.
	verify safe-3e-g4 holds "-DNE=3 -DMAXGEN=4 -DKEEP=1 $ALL1" \
		"$SAFE_CC -DMEMLIM=14000" "-m300000 -w27"
	verify safe-2e-g6-k2 holds "-DNE=2 -DMAXGEN=6 -DKEEP=2 $ALL1" \
		"$SAFE_CC -DMEMLIM=4000" "-m400000 -w26"
	verify safe-noguard-3e-g3 holds "-DNOGUARD -DNE=3 -DMAXGEN=3 -DKEEP=1 $ALL1" \
		"$SAFE_CC" "-m200000 -w24"
	verify safe-rbread-3e-g3 holds "-DNE=3 -DMAXGEN=3 -DKEEP=1 -DRBREAD $ALL1" \
		"$SAFE_CC -DMEMLIM=6000" "-m200000 -w26"
	# With the guard the rollback record holds without cleanup's read.
	verify norbkeep-3e-g3 holds "-DNE=3 -DMAXGEN=3 -DKEEP=1 -DNORBKEEP $ALL1" \
		"$SAFE_CC" "-m200000 -w24"
	verify safe-live-3e-g3 holds "-DNE=3 -DMAXGEN=3 -DKEEP=1 -DLIVE" \
		"$LIVE_CC -DMEMLIM=4000" "-a -f -m1000000 -w26"
	# Enactor 2 may stop at any pause point and never come back.
	verify safe-live-2e-g4-stop holds "-DNE=2 -DMAXGEN=4 -DKEEP=1 -DLIVE -DSTOPFOREVER" \
		"$LIVE_CC" "-a -f -m400000 -w24"
fi

# Several endpoints (enactor.c's window and cleanup), 2 here.
verify multi-2ep-2e-g3 holds "-DNEP=2 -DNE=2 -DMAXGEN=3 -DKEEP=1 $ALL" \
	"$SAFE_CC" "-m200000 -w24"
# E2 may leave the planner's settings: it resolves, and never steps back.
verify leave-2e-g3 holds "-DNEP=2 -DNE=2 -DMAXGEN=3 -DLEAVE -DCHECK_EMPTY -DCHECK_BACK" \
	"$SAFE_CC" "-m200000 -w24"
# The store restored once, to any earlier copy or empty: every invariant.
verify restore-2e-g3 holds "-DNEP=2 -DNE=2 -DMAXGEN=3 -DRESTORE=1 $ALL" \
	"$SAFE_CC" "-m400000 -w24"
# Liveness across two restores.  With e->last reused by its number alone
# (safe_pass() before planstore_newest_stamp()), an enactor that read a
# plan the restore lost keeps applying its addresses under the number the
# planner issues again (the others rewrite them, it rewrites them back)
# until the next generation ...
verify restore-live-lastnum-1e-g3-r2 violated \
	"-DNEP=2 -DNE=1 -DMAXGEN=3 -DRESTORE=2 -DLASTNUM -DLIVE" \
	"$LIVE_CC" "-a -f -m400000 -w24"
# ... with e->last reused only while it is the store's plan: it holds ...
verify restore-live-1e-g3-r2 holds \
	"-DNEP=2 -DNE=1 -DMAXGEN=3 -DRESTORE=2 -DLIVE" \
	"$LIVE_CC" "-a -f -m400000 -w24"
# ... and not without the planner's read of the markers: a store restored
# below the served generation leaves the endpoints there, ahead of every
# plan the planner writes.
verify restore-live-nohwm-1e-g4 violated \
	"-DNEP=2 -DNE=1 -DMAXGEN=4 -DRESTORE=1 -DNOHWM -DLIVE" \
	"$LIVE_CC" "-a -f -m400000 -w24"
if [ "$FULL" = yes ]; then
	verify multi-2ep-2e-g4 holds "-DNEP=2 -DNE=2 -DMAXGEN=4 -DKEEP=1 $ALL" \
		"$SAFE_CC -DMEMLIM=8000" "-m400000 -w26"
	# Three endpoints, one of which leaves, the store restored once: one
	# enactor (with two, about 100 million states and more).
	verify multi-3ep-1e-g3-restore-leave holds \
		"-DNEP=3 -DNE=1 -DMAXGEN=3 -DRESTORE=1 -DLEAVE $ALL" \
		"$SAFE_CC" "-m400000 -w24"
	verify multi-live-3ep-1e-g3-restore-leave holds \
		"-DNEP=3 -DNE=1 -DMAXGEN=3 -DRESTORE=1 -DLEAVE -DLIVE" \
		"$LIVE_CC" "-a -f -m400000 -w24"
	verify multi-live-2ep-2e-g3 holds "-DNEP=2 -DNE=2 -DMAXGEN=3 -DKEEP=1 -DLIVE" \
		"$LIVE_CC" "-a -f -m400000 -w24"
	verify leave-live-2e-g3 holds "-DNEP=2 -DNE=2 -DMAXGEN=3 -DLEAVE -DLIVE" \
		"$LIVE_CC" "-a -f -m400000 -w24"
	# Without fence_plan() E2's marker stays where it was, so an enactor
	# holding an older plan with E2 in it (its heartbeat stale or not yet
	# written) can still put E2 on that plan after cleanup read E2 and
	# deleted its records: authd's guard refuses the deletion that would
	# empty E2 if the move comes first, but the plan leaves the store
	# with E2 on it, and without the guard E2 is emptied.
	verify leave-nofence-ref-2e-g3 violated \
		"-DNEP=2 -DNE=2 -DMAXGEN=3 -DLEAVE -DNOFENCE -DCHECK_REF" \
		"$SAFE_CC" "-m200000 -w24"
	verify leave-nofence-noguard-2e-g3 violated \
		"-DNEP=2 -DNE=2 -DMAXGEN=3 -DLEAVE -DNOFENCE -DNOGUARD -DCHECK_EMPTY" \
		"$SAFE_CC" "-m200000 -w24"
	# Cleanup raising E2's marker before it reads E2 (fence_plan()):
	# everything holds, without the guard too.
	verify leave-noguard-2e-g3 holds \
		"-DNEP=2 -DNE=2 -DMAXGEN=3 -DLEAVE -DNOGUARD $ALL" \
		"$SAFE_CC" "-m200000 -w24"
	# One enactor, authd's guard off: the enactor keeps E2 by itself
	# (unreferenced_by_own()) ...
	verify leave-noguard-1e-g3 holds \
		"-DNEP=2 -DNE=1 -DMAXGEN=3 -DLEAVE -DNOGUARD $ALL" \
		"$SAFE_CC" "-m200000 -w24"
	# ... and without it (the enactor before unreferenced_by_own()) E2 is
	# emptied.
	verify leave-noown-noguard-1e-g3 violated \
		"-DNEP=2 -DNE=1 -DMAXGEN=3 -DLEAVE -DNOOWN -DNOGUARD -DCHECK_EMPTY" \
		"$SAFE_CC" "-m200000 -w24"
	verify restore-2e-g3-r2 holds "-DNEP=2 -DNE=2 -DMAXGEN=3 -DRESTORE=2 $ALL" \
		"$SAFE_CC -DMEMLIM=6000" "-m400000 -w26"
	# The invariants do not rest on the planner's read: the fence and
	# the CAS keep them.
	verify restore-nohwm-2e-g3 holds "-DNEP=2 -DNE=2 -DMAXGEN=3 -DRESTORE=1 -DNOHWM $ALL" \
		"$SAFE_CC" "-m400000 -w24"
	verify restore-leave-2e-g3 holds \
		"-DNEP=2 -DNE=2 -DMAXGEN=3 -DRESTORE=1 -DLEAVE $ALL" \
		"$SAFE_CC -DMEMLIM=6000" "-m400000 -w26"
	verify restore-live-lastnum-2e-g3 violated \
		"-DNEP=2 -DNE=2 -DMAXGEN=3 -DRESTORE=1 -DLASTNUM -DLIVE" \
		"$LIVE_CC" "-a -f -m400000 -w24"
	verify restore-live-2e-g3 holds \
		"-DNEP=2 -DNE=2 -DMAXGEN=3 -DRESTORE=1 -DLIVE" \
		"$LIVE_CC -DMEMLIM=4000" "-a -f -m1000000 -w26"
	verify restore-leave-live-1e-g4-r2 holds \
		"-DNEP=2 -DNE=1 -DMAXGEN=4 -DRESTORE=2 -DLEAVE -DLIVE" \
		"$LIVE_CC" "-a -f -m1000000 -w26"
	# An endpoint marked with the newest plan counted up to date whatever
	# addresses it serves: a plan the restore lost keeps them.
	verify restore-live-nodigest-1e-g3 violated \
		"-DNEP=2 -DNE=1 -DMAXGEN=3 -DRESTORE=1 -DNODIGEST -DLIVE" \
		"$LIVE_CC" "-a -f -m400000 -w24"
fi

# The legacy trail, as pause points, against the real daemons.
dir=$OUT/legacy-replay
if [ -f "$dir/dnsplane.pml.trail" ]; then
	(
		cd "$dir"
		# shellcheck disable=SC2086
		spin $REPLAY -t -k dnsplane.pml.trail "$MODEL" >trail.txt 2>&1 || true
	)
	if awk -v keep=1 -f "$HERE/trail2schedule.awk" "$dir/trail.txt" \
		>"$dir/schedule"; then
		echo "== the legacy trail as a schedule ($dir/schedule):"
		sed 's/^/    /' "$dir/schedule"
		echo "== replayed against authd and the enactors:"
		if ! BUILD_DIR=$BUILD AUTHD=$BUILD/authd \
			bash "$HERE/replay.sh" "$dir/schedule"; then
			echo "FAIL - the replay of the legacy trail"
			FAILS=$((FAILS + 1))
		fi
	else
		echo "FAIL - the legacy trail did not become a schedule ($dir/trail.txt)"
		FAILS=$((FAILS + 1))
	fi
else
	echo "FAIL - SPIN wrote no legacy trail"
	FAILS=$((FAILS + 1))
fi

echo "model: $ROWS configurations, $FAILS failures"
[ "$FAILS" -eq 0 ]
