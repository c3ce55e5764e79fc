# cluster.bash - a real 3-member etcd cluster on loopback, for the tests
# and benchmarks of the etcd client (common/etcd.c).
#
# Sourced after tests/e2e/lib.bash, whose scratch directory $T holds
# every member's data directory (under $T/etcd) and log, and whose
# cleanup stops the processes in PIDS.
#   etcd_cluster_start    start members 1..3 and wait until they have a
#                         leader; sets ETCD_URL (etcd://A,B,C) and
#                         ETCD_CLIENT1..3 (HOST:PORT of each member)
#   etcd_member_kill N    SIGKILL member N (and wait for it)
#   etcd_member_start N   start member N again on its data directory
#   etcd_member_pid N     its PID, empty when it is not running
#   etcd_healthy N        does member N answer and see a leader?
# Run as a script it starts a cluster in a temporary directory, prints
# ETCD_URL and runs until interrupted, then removes everything
# (E2E_KEEP=1 keeps it).

ETCD_MEMBERS="1 2 3"

etcd_member_pid() {
	eval "p=\${ETCD_PID$1:-}"
	# A member killed by another process is a zombie until reaped.
	if [ -n "$p" ] && kill -0 "$p" 2>/dev/null &&
		[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
		echo "$p"
	fi
}

etcd_member_start() {
	n=$1
	eval "cport=\$ETCD_CPORT$n pport=\$ETCD_PPORT$n"
	# Short heartbeats and elections, so that a failover in a test takes
	# about a second, not the defaults' several.
	etcd --name "m$n" --data-dir "$T/etcd/m$n" \
		--listen-client-urls "http://127.0.0.1:$cport" \
		--advertise-client-urls "http://127.0.0.1:$cport" \
		--listen-peer-urls "http://127.0.0.1:$pport" \
		--initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "$ETCD_INITIAL" \
		--initial-cluster-token "dnsplane-$$" \
		--initial-cluster-state new \
		--heartbeat-interval 50 --election-timeout 500 \
		--logger zap --log-outputs stderr \
		>>"$T/etcd$n.log" 2>&1 &
	eval "ETCD_PID$n=$!"
	PIDS="$PIDS $!"
}

etcd_member_kill() {
	p=$(etcd_member_pid "$1")
	[ -n "$p" ] || return 0
	kill -KILL "$p"
	wait "$p" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | sed "s/ $p//")
}

etcd_healthy() {
	eval "cport=\$ETCD_CPORT$1"
	etcdctl --endpoints "127.0.0.1:$cport" --command-timeout=1s \
		endpoint health >/dev/null 2>&1
}

etcd_cluster_start() {
	mkdir -p "$T/etcd"
	ETCD_INITIAL=""
	ETCD_URL=""
	for n in $ETCD_MEMBERS; do
		c=$(free_port)
		p=$(free_port)
		while [ "$p" = "$c" ]; do p=$(free_port); done
		eval "ETCD_CPORT$n=$c ETCD_PPORT$n=$p ETCD_CLIENT$n=127.0.0.1:$c"
		ETCD_INITIAL="$ETCD_INITIAL${ETCD_INITIAL:+,}m$n=http://127.0.0.1:$p"
		ETCD_URL="$ETCD_URL${ETCD_URL:+,}127.0.0.1:$c"
	done
	ETCD_URL="etcd://$ETCD_URL"
	for n in $ETCD_MEMBERS; do etcd_member_start "$n"; done
	for n in $ETCD_MEMBERS; do
		i=0
		until etcd_healthy "$n"; do
			i=$((i + 1))
			if [ $i -gt 100 ] || [ -z "$(etcd_member_pid "$n")" ]; then
				echo "etcd member $n did not become healthy:" >&2
				tail -n 20 "$T/etcd$n.log" >&2
				return 1
			fi
			sleep 0.1
		done
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	# lib.bash wants an authd; nothing here starts one.
	AUTHD=${AUTHD:-none}
	. "$(dirname "$0")/../e2e/lib.bash"
	etcd_cluster_start
	echo "ETCD_URL=$ETCD_URL"
	echo "logs and data in $T (removed on exit); ^C to stop"
	while :; do sleep 3600 & wait $! || true; done
fi
