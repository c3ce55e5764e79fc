#!/bin/bash
# az.sh - in the three-zone lab (tests/az/lib.bash, safe mode), how long
# a load balancer going down takes to be gone from every zone's
# secondary (NSD in az1, Knot DNS in az2, BIND in az3): from the moment
# lbfarm reports it down to the moment each secondary's answer lacks it.
# Three phases of ROUNDS changes each:
#   healthy   every zone up: the time until the last of the three lacks it
#   cut       az3 cut off (link down): the time until az1 and az2 lack it
#   catch-up  az3 cut off while the balancer goes down, then healed: the
#             time from the heal until az3's secondary lacks it
# Each secondary is asked every 10 ms or so (dig in its namespace), so a
# figure is at most one poll late.  With ROUNDS below 100, p99 is the
# worst round.  Nothing is asserted; the figures go to docs/BENCHMARKS.md.
#
# usage: bench/az.sh [--build DIR] [--rounds N]      (root)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build
ROUNDS=20
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	*) sed -n '16p' "$0" >&2; exit 2 ;;
	esac
done
case "$ROUNDS" in '' | *[!0-9]* | 0) echo "az.sh: --rounds is a count, not '$ROUNDS'" >&2; exit 2 ;; esac

export AUTHD=$BUILD/authd BUILD_DIR=$BUILD
. "$ROOT/tests/e2e/lib.bash"
ROOT=$(cd "$HERE/.." && pwd) # lib.bash sets it from $0, as a test's
. "$ROOT/tests/e2e/planner_lib.bash"
. "$ROOT/tests/az/lib.bash"
set +e
az() { AZ_DIR=$AZ_DIR BUILD=$BUILD_DIR bash "$ROOT/scripts/az.sh" "$@" >/dev/null; }

why=$(az_require) || { echo "az.sh: $why" >&2; exit 1; }
trap az_exit EXIT
trap 'exit 1' INT TERM
az_net_up
az_start safe >/dev/null

now_ms() { echo $(($(date +%s%N) / 1000000)); }
has_a() { # has_a ZONE ADDR: zone ZONE's secondary answers ADDR
	az_in "$1" dig @"$(az_ip "$1")" +short +norec +time=1 +tries=1 \
		"$E" A 2>/dev/null | grep -qx "$2"
}
# gone ADDR T0 ZONE...: poll the zones until none answers ADDR; prints
# the milliseconds from T0 to the last one (empty after 30 s), and
# appends each zone's own figure to $T/$phase.azZ.
gone() {
	addr=$1
	t0=$2
	shift 2
	left="$*"
	last=0
	while [ -n "$left" ]; do
		[ $(($(now_ms) - t0)) -gt 30000 ] && return 1
		still=""
		for z in $left; do
			if has_a "$z" "$addr"; then
				still="$still $z"
			else
				last=$(($(now_ms) - t0))
				echo "$last" >>"$T/$phase.az$z"
			fi
		done
		left=${still# }
		[ -n "$left" ] && sleep 0.01
	done
	echo "$last"
}
back() { # back ADDR ZONE...: wait until every zone answers ADDR again
	for z in "${@:2}"; do wait_for 30 has_a "$z" "$1" || return 1; done
}
# summary NAME FILE: p50, p99 and worst of the figures in FILE.
summary() {
	sort -n "$2" | awk -v name="$1" '{a[NR] = $1}
	END {
		p50 = a[int((NR + 1) / 2)]
		i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
		printf "%-12s rounds %3d   p50 %5d ms   p99 %5d ms   worst %5d ms\n",
			name, NR, p50, a[i], a[NR]
	}'
}

for z in $AZ_ZONES; do
	wait_for 30 has_a "$z" 10.0.0.4 || { echo "az.sh: az$z's secondary does not serve 10.0.0.4" >&2; exit 1; }
done
echo "# lab: plan store on the zones' etcd cluster; secondaries ${AZ_SECONDARY_KIND[1]}, ${AZ_SECONDARY_KIND[2]}, ${AZ_SECONDARY_KIND[3]}; $(nproc) cores"

for phase in healthy cut catch-up; do
	rm -f "$T/$phase".*
	zones="1 2 3"
	[ "$phase" = cut ] && { az cut 3; zones="1 2"; }
	round=0
	while [ "$round" -lt "$ROUNDS" ]; do
		round=$((round + 1))
		[ "$phase" = catch-up ] && az cut 3
		t0=$(now_ms)
		az lb down 4
		if [ "$phase" = catch-up ]; then
			gone 10.0.0.4 "$t0" 1 2 >/dev/null || { echo "az.sh: round $round of $phase: az1/az2 still answer 10.0.0.4" >&2; exit 1; }
			t0=$(now_ms)
			az heal 3
			ms=$(gone 10.0.0.4 "$t0" 3)
		else
			ms=$(gone 10.0.0.4 "$t0" $zones)
		fi
		[ -n "$ms" ] || { echo "az.sh: round $round of $phase: 10.0.0.4 not gone after 30 s" >&2; exit 1; }
		echo "$ms" >>"$T/$phase.ms"
		az lb up 4
		back 10.0.0.4 $zones || { echo "az.sh: round $round of $phase: 10.0.0.4 not back" >&2; exit 1; }
	done
	[ "$phase" = cut ] && { az heal 3; back 10.0.0.4 3; }
	summary "$phase" "$T/$phase.ms"
	for z in $zones; do
		[ "$phase" = catch-up ] && [ "$z" != 3 ] && continue
		summary "  az$z ${AZ_SECONDARY_KIND[$z]}" "$T/$phase.az$z"
	done
done
