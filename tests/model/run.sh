#!/bin/bash
# run.sh - check tests/model/dnsplane.pml with SPIN, and replay the legacy
# counterexample against the real daemons.
#
# usage: tests/model/run.sh --build DIR [--full]
#
# Every configuration is compiled into DIR/model/NAME (spin -a, cc, pan)
# and printed as one row: what was expected, what pan found, states
# stored, transitions, depth reached, memory and time.  The quick set
# (make model-check, in make check) holds the legacy counterexample and
# its replay, the safe invariants for 3 enactors up to generation 3 and
# liveness for 2; --full (make model) adds 3 enactors up to generation 4,
# 2 enactors up to generation 6 with keep 2, the safe enactors without
# authd's guard and fence, liveness for 3 enactors, and liveness for 2
# when one of them may stop for good.
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

printf '%-22s %-9s %-9s %12s %13s %7s %9s %8s\n' configuration expected \
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
	printf '%-22s %-9s %-9s %12s %13s %7s %9s %8s\n' "$name" "$expect" \
		"$found" "$stored" "$trans" "$depth" "$mem" "$secs"
	ROWS=$((ROWS + 1))
	if [ "$found" != "$expect" ]; then
		echo "FAIL - $name: expected the properties to be $expect, pan says $found ($dir/pan.out)"
		FAILS=$((FAILS + 1))
	fi
}

ALL="-DCHECK_EMPTY -DCHECK_BACK -DCHECK_REF"
SAFE_CC="-DNOCLAIM -DSAFETY -DCOLLAPSE"
LIVE_CC="-DCOLLAPSE"

# legacy: every invariant breaks, and E stays off the newest plan.
verify legacy-empty violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DCHECK_EMPTY" "$SAFE_CC" "-m100000"
verify legacy-back violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DCHECK_BACK" "$SAFE_CC" "-m100000"
verify legacy-ref violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DCHECK_REF" "$SAFE_CC" "-m100000"
verify legacy-live violated "-DLEGACY -DNE=2 -DMAXGEN=3 -DLIVE" "$LIVE_CC" "-a -f -m100000"
# legacy at pause-point grain, breadth first: the shortest schedule the
# real daemons can be driven through.
REPLAY="-DLEGACY -DGRAIN -DNE=3 -DMAXGEN=3 -DKEEP=1 -DCHECK_EMPTY"
verify legacy-replay violated "$REPLAY" "-DNOCLAIM -DSAFETY -DBFS" ""
# safe: every invariant holds, and E always ends on the newest plan.
verify safe-3e-g3 holds "-DNE=3 -DMAXGEN=3 -DKEEP=1 $ALL" "$SAFE_CC" "-m200000 -w24"
verify safe-live-2e-g3 holds "-DNE=2 -DMAXGEN=3 -DKEEP=1 -DLIVE" "$LIVE_CC" "-a -f -m200000 -w24"
if [ "$FULL" = yes ]; then
	# 3 enactors, two plans to clean up: about 122 million states, 6 GB.
	verify safe-3e-g4 holds "-DNE=3 -DMAXGEN=4 -DKEEP=1 $ALL" \
		"$SAFE_CC -DMEMLIM=10000" "-m300000 -w27"
	verify safe-2e-g6-k2 holds "-DNE=2 -DMAXGEN=6 -DKEEP=2 $ALL" \
		"$SAFE_CC -DMEMLIM=4000" "-m400000 -w26"
	verify safe-noguard-3e-g3 holds "-DNOGUARD -DNE=3 -DMAXGEN=3 -DKEEP=1 $ALL" \
		"$SAFE_CC" "-m200000 -w24"
	verify safe-live-3e-g3 holds "-DNE=3 -DMAXGEN=3 -DKEEP=1 -DLIVE" \
		"$LIVE_CC -DMEMLIM=4000" "-a -f -m1000000 -w26"
	# Enactor 2 may stop at any pause point and never come back.
	verify safe-live-2e-g4-stop holds "-DNE=2 -DMAXGEN=4 -DKEEP=1 -DLIVE -DSTOPFOREVER" \
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
