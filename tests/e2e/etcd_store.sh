#!/bin/bash
# etcd_store.sh - the plan store on a real 3-member etcd cluster on
# loopback (tests/etcd/cluster.bash): check_planstore's behavioural tests
# run against it (DNSPLANE_TEST_ETCD), then the planner, three safe
# enactors and dnsplanectl share it with --store etcd://A,B,C while load
# balancers go down, the etcd leader is killed, an enactor is paused,
# and two of three members are lost and come back.
. "$(dirname "$0")/lib.bash"
. "$ROOT/tests/etcd/cluster.bash"

etcd_cluster_start
echo "cluster: $ETCD_URL"

check "the store's unit tests against the cluster" \
	env DNSPLANE_TEST_ETCD="$ETCD_URL" CK_VERBOSITY=minimal \
	"$BUILD_DIR/tests/check_planstore"

finish
