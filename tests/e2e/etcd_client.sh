#!/bin/bash
# etcd_client.sh - the etcd client of common/etcd.c against a real
# 3-member etcd cluster on loopback (tests/etcd/cluster.bash), driven by
# build/tests/etcd_client in phases: the calls one by one; the member the
# client talks to killed (requests fail over, the watch resumes without
# losing an event); two of three killed (requests fail with "no leader"
# in time, the loop keeps running); both restarted (requests succeed,
# the revision goes on).
. "$(dirname "$0")/lib.bash"
. "$ROOT/tests/etcd/cluster.bash"

BIN=$BUILD_DIR/tests/etcd_client

etcd_cluster_start
echo "cluster: $ETCD_URL"

# phase ARGS...: the driver, its errors on stdout.  Phases that kill
# members run with the shell's stderr on /dev/null: bash's "Killed" notes
# for them are no failure.
phase() {
	"$BIN" "$@" 2>&1
}

# restart_dead: reap and start again every member that is not running.
restart_dead() {
	for n in $ETCD_MEMBERS; do
		if [ -z "$(etcd_member_pid "$n")" ]; then
			eval "p=\$ETCD_PID$n"
			wait "$p" 2>/dev/null || true
			PIDS=$(echo "$PIDS" | sed "s/ $p//")
			etcd_member_start "$n"
		fi
	done
}

# all_healthy: every member answers and sees a leader.
all_healthy() {
	for n in $ETCD_MEMBERS; do etcd_healthy "$n" || return 1; done
}

check "the calls: put, range, txn, watch, compaction, limits, leases" \
	phase basic "$ETCD_URL"

check "the member the client talks to is killed" \
	phase failover "$ETCD_URL" "$ETCD_PID1" "$ETCD_PID2" "$ETCD_PID3" \
	2>/dev/null
restart_dead 2>/dev/null
check "the killed member is back" wait_for 20 all_healthy

# The quorum phase waits, its watch open, while the two are restarted.
phase quorum "$ETCD_URL" "$ETCD_PID1" "$ETCD_PID2" 2 "$T/revision" \
	>"$T/quorum.out" 2>/dev/null &
QPID=$!
check "two of three members are killed" wait_for 30 test -s "$T/revision" \
	2>/dev/null
restart_dead 2>/dev/null
st=0
wait "$QPID" 2>/dev/null || st=$?
cat "$T/quorum.out"
check "two of three members are killed, and restarted" [ "$st" -eq 0 ]
check "they are back" wait_for 20 all_healthy
check "after the restart" phase recovered "$ETCD_URL" "$T/revision"

finish
