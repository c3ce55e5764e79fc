#!/bin/bash
# run.sh - the three-zone lab (tests/az/lib.bash) in safe mode under a
# fixed schedule of faults (scripts/az.sh), with a dnsprobe in every zone.
# Checks: no prober in any zone sees an answer without an address or a
# generation going back; every change of the load balancers reaches the
# secondary of every zone that can reach authd; a zone cut off serves its
# last data, then catches up after the cut heals; a lost etcd majority
# stops plan changes but not DNS.
#   run.sh --short   one round (make check)
#   run.sh --full    every zone cut, paused and stepped in turn (make az-test)
# Root; skips with a message without network namespaces.
# Lists of zones ($ZONES_UP, $others) split into words on purpose.
# shellcheck disable=SC2086
SCHEDULE=${1:---short}
export AUTHD=${AUTHD:?set AUTHD} BUILD_DIR=${BUILD_DIR:?set BUILD_DIR}
. "$(dirname "$0")/../e2e/lib.bash"
. "$(dirname "$0")/../e2e/planner_lib.bash"
. "$(dirname "$0")/lib.bash"
az() { AZ_DIR=$AZ_DIR BUILD=$BUILD_DIR bash "$ROOT/scripts/az.sh" "$@"; }

az_test_begin
# has_addr ZONE ADDR / lacks_addr ZONE ADDR: what the zone's secondary
# answers for the endpoint (an empty answer lacks every address).
has_addr() { az_served "$1" | grep -qw "$2"; }
lacks_addr() {
	s=$(az_served "$1")
	[ "$(wc -w <<<"$s")" -ge 2 ] && ! grep -qw "$2" <<<"$s"
}
gen_of() { az_served "$1" | cut -d' ' -f1; }
# reach_all WHAT PRED ADDR ZONE...: wait until PRED holds in every zone,
# checking each, and record how long the slowest took.
reach_all() {
	what=$1
	pred=$2
	addr=$3
	shift 3
	t0=$(date +%s%N)
	for z in "$@"; do
		check "$what reaches az$z's ${AZ_SECONDARY_KIND[$z]}" \
			wait_for 20 "$pred" "$z" "$addr"
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "     ($what: every zone within $ms ms)"
	echo "$ms" >>"$T/reach-ms"
}
az_start safe
az_where | sed 's/^/# /'
ZONES_UP="1 2 3"

# One round: a load balancer change with each fault.  ROUND CUT PAUSE
# SECONDARY CLOCK: the zones to cut off, pause the enactor of, stop the
# secondary of, step the clock of.
round() {
	cz=$1 pz=$2 sz=$3 kz=$4
	others=$(tr ' ' '\n' <<<"$ZONES_UP" | grep -vx "$cz" | tr '\n' ' ')
	echo "# round: cut az$cz, pause enactor $pz, stop secondary $sz, clock az$kz"
	az lb down 4 >/dev/null
	reach_all "lb 4 down" lacks_addr 10.0.0.4 $ZONES_UP

	# A zone cut off keeps its last data, then catches up.
	before=$(az_served "$cz")
	az cut "$cz" >/dev/null
	az lb up 4 >/dev/null
	reach_all "lb 4 up, az$cz cut off," has_addr 10.0.0.4 $others
	sleep 1
	check "az$cz cut off still serves its last data ($before)" \
		[ "$(az_served "$cz" | cut -d' ' -f2-)" = "$(cut -d' ' -f2- <<<"$before")" ]
	check "az$cz cut off answers with addresses" lacks_addr "$cz" 10.0.0.4
	az heal "$cz" >/dev/null
	t0=$(date +%s%N)
	check "az$cz catches up after the cut heals" wait_for 30 has_addr "$cz" 10.0.0.4
	echo "     (caught up in $((($(date +%s%N) - t0) / 1000000)) ms)"

	# A paused enactor: the others carry the change.
	az stop-enactor "$pz" >/dev/null
	az lb down 3 >/dev/null
	reach_all "lb 3 down, enactor $pz paused," lacks_addr 10.0.0.3 $ZONES_UP
	az cont-enactor "$pz" >/dev/null

	# A stopped secondary catches up once it runs again.
	az stop-secondary "$sz" >/dev/null
	az lb up 3 >/dev/null
	others=$(tr ' ' '\n' <<<"$ZONES_UP" | grep -vx "$sz" | tr '\n' ' ')
	reach_all "lb 3 up, secondary $sz stopped," has_addr 10.0.0.3 $others
	az cont-secondary "$sz" >/dev/null
	reach_all "lb 3 up, secondary $sz again," has_addr 10.0.0.3 "$sz"

	# An enactor whose wall clock jumped an hour ahead.
	az clock "$kz" +3600s >/dev/null
	sleep 1.5
	az lb down 2 >/dev/null
	reach_all "lb 2 down, az$kz's clock +1h," lacks_addr 10.0.0.2 $ZONES_UP
	az clock "$kz" +0 >/dev/null
	az lb up 2 >/dev/null
	reach_all "lb 2 up" has_addr 10.0.0.2 $ZONES_UP

	# The etcd leader killed, and started again.
	leader=$(az kill-leader | grep -o 'etcd[0-9]')
	az lb down 1 >/dev/null
	reach_all "lb 1 down, the etcd leader killed," lacks_addr 10.0.0.1 $ZONES_UP
	az start "$leader" >/dev/null
	check "the killed leader $leader rejoins the cluster" \
		wait_for 20 az_etcd_healthy "${leader#etcd}"
	az lb up 1 >/dev/null
	reach_all "lb 1 up" has_addr 10.0.0.1 $ZONES_UP
}

if [ "$SCHEDULE" = --full ]; then
	round 2 1 3 2
	round 3 2 1 3
	round 2 3 2 1
else
	round 3 2 1 2
fi

# A lost store majority: two etcd members killed.
az kill etcd1 >/dev/null
az kill etcd2 >/dev/null
sleep 1
g0=$(gen_of 2)
sleep 4
g1=$(gen_of 2)
for z in $ZONES_UP; do
	check "etcd majority lost: az$z still answers with addresses" \
		[ "$(az_served "$z" | wc -w)" -ge 2 ]
done
check "etcd majority lost: no new generation ($g0 -> $g1)" [ "$g1" = "$g0" ]
az start etcd1 >/dev/null
az start etcd2 >/dev/null
for z in 1 2; do
	check "etcd$z rejoins the cluster" wait_for 20 az_etcd_healthy "$z"
done
gen_above() { [ "$(gen_of 2)" -gt "$1" ]; }
check "etcd majority back: plans move on" wait_for 20 gen_above "$g1"

# The probers' verdicts.
az_stop_probes
for z in $AZ_ZONES; do
	echo "# az$z prober: $(tr -d '{}"' <"$T/probe$z.json" | tr ',' '\n' | awk -F: '!seen[$1]++' | grep -E '^(probes|ok|empty|nxdomain|noanswer|generation_back|generation_back_txt|gen_max):' | tr '\n' ' ')"
	az_check_probe safe "$z"
done
sort -n "$T/reach-ms" | awk '{a[NR]=$1} END {printf "# a change reached every zone: median %d ms, worst %d ms, of %d\n", a[int((NR+1)/2)], a[NR], NR}'
echo "# plan store: $AZ_STORE"
finish
