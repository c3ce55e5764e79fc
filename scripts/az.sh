#!/bin/bash
# az.sh - faults by hand (and for tests/az/) in the three-zone lab that
# make az-lab (scripts/az-lab.sh) runs: it finds the lab's processes by
# the pid files in $AZ_DIR (default /run/dnsplane-az).  Root.
#
#   az.sh cut ZONE            link down in the zone: cut off both ways
#   az.sh heal ZONE           link up again (and undo cut-authd)
#   az.sh cut-authd ZONE      cut the zone off from authd alone, both ways
#                             (nftables in its namespace); etcd still reaches it
#   az.sh kill-leader         SIGKILL the etcd member that leads; prints N
#   az.sh stop-enactor ZONE   SIGSTOP the zone's enactor (cont-enactor)
#   az.sh stop-secondary ZONE SIGSTOP the zone's secondary (cont-secondary)
#   az.sh kill NAME           SIGKILL NAME (etcd1, enactor2, secondary3,
#                             planner, authd, probe1, lbfarm)
#   az.sh start NAME          start NAME again, as the lab started it
#   az.sh clock ZONE OFFSET   step the zone's enactor's wall clock to
#                             OFFSET from real time (+600s, -1h, +0)
#   az.sh lb down|up|sick N   load balancer 10.0.0.N, as the planner sees it
#   az.sh status              what runs, what each zone's secondary serves
#   az.sh down                remove a lab left behind (namespaces, bridge)
set -eu

AZ_DIR=${AZ_DIR:-/run/dnsplane-az}
BUILD=${BUILD:-build}
BUILD_DIR=${BUILD_DIR:-$BUILD}
# shellcheck disable=SC2034 # used by tests/az/lib.bash
E=dynamodb.us-east-1.api.test.
. "$(dirname "$0")/../tests/az/lib.bash"

die() {
	echo "az.sh: $*" >&2
	exit 1
}
zone() {
	case "${1:-}" in
	1 | 2 | 3) echo "$1" ;;
	az1 | az2 | az3) echo "${1#az}" ;;
	*) die "no zone '${1:-}' (1, 2 or 3)" ;;
	esac
}
pid() {
	f=$AZ_DIR/$1.pid
	[ -f "$f" ] || die "no $1 in the lab ($f)"
	cat "$f"
}
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat")" != Z ]; }
sig() { # sig SIGNAL NAME
	p=$(pid "$2")
	alive "$p" || die "$2 (pid $p) does not run"
	kill "-$1" "$p"
	echo "$2 (pid $p): SIG$1"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
cut)
	z=$(zone "${1:-}")
	ip -n "az$z" link set eth0 down
	echo "az$z cut off (eth0 down)"
	;;
heal)
	z=$(zone "${1:-}")
	ip -n "az$z" link set eth0 up
	az_heal_authd "$z"
	echo "az$z back (eth0 up, authd reachable)"
	;;
cut-authd)
	z=$(zone "${1:-}")
	az_cut_authd "$z"
	echo "az$z cut off from authd ($AZ_PRIMARY), both ways"
	;;
kill-leader)
	for z in $AZ_ZONES; do
		if ip netns exec "az$z" etcdctl --endpoints "$(az_ip "$z"):2379" \
			--command-timeout=1s endpoint status -w simple 2>/dev/null |
			awk -F', ' '{print $5}' | grep -q true; then
			kill -KILL "$(pid "etcd$z")"
			echo "etcd$z was the leader: SIGKILL"
			exit 0
		fi
	done
	die "no etcd member says it leads"
	;;
stop-enactor) sig STOP "enactor$(zone "${1:-}")" ;;
cont-enactor) sig CONT "enactor$(zone "${1:-}")" ;;
stop-secondary) sig STOP "secondary$(zone "${1:-}")" ;;
cont-secondary) sig CONT "secondary$(zone "${1:-}")" ;;
kill) sig KILL "${1:?kill NAME}" ;;
start)
	n=${1:?start NAME}
	f=$AZ_DIR/$n.cmd
	[ -f "$f" ] || die "no $n in the lab ($f)"
	if [ -f "$AZ_DIR/$n.pid" ] && alive "$(cat "$AZ_DIR/$n.pid")"; then
		die "$n runs already (pid $(cat "$AZ_DIR/$n.pid"))"
	fi
	log=$(head -n 1 "$f")
	# exec: the pid written is the process's own, not a shell's.
	(eval "exec $(sed -n 2p "$f")") >>"$log" 2>&1 &
	echo $! >"$AZ_DIR/$n.pid"
	echo "$n started again (pid $!)"
	;;
clock)
	z=$(zone "${1:-}")
	off=${2:?clock ZONE OFFSET}
	echo "$off" >"$AZ_DIR/clock$z"
	echo "enactor$z's wall clock: real time $off (within 1 s)"
	;;
lb)
	what=${1:?lb down|up|sick N}
	n=${2:?lb $what N}
	ip netns exec az1 "$BUILD/lbfarm" ctl "$AZ_DIR/lb.sock" "$what" \
		"127.0.1.$n" >/dev/null
	echo "load balancer 10.0.0.$n: $what"
	;;
status)
	echo "plan store: $(cat "$AZ_DIR/store" 2>/dev/null)"
	for f in "$AZ_DIR"/*.pid; do
		n=$(basename "$f" .pid)
		p=$(cat "$f")
		st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || echo gone)
		printf '  %-11s pid %-7s %s\n' "$n" "$p" "$st"
	done
	for z in $AZ_ZONES; do
		l=$(ip -n "az$z" -br link show eth0 | awk '{print $2}')
		printf '  az%s (link %s) %s serves: generation %s\n' "$z" "$l" \
			"${AZ_SECONDARY_KIND[$z]}" "$(az_served "$z")"
	done
	;;
down) az_net_down ;;
*)
	sed -n '2,/^set -eu/p' "$0" | sed '$d;s/^# \{0,1\}//'
	[ -z "$cmd" ] || exit 2
	;;
esac
