#!/bin/bash
# etcd.sh - a 100,000-address plan (2,000 endpoints x 50 addresses)
# written to a 3-member etcd cluster on loopback in one transaction
# split across keys, and read back (build/tests/etcd_plan, through the
# client of common/etcd.c and etcd's JSON gateway).
#
# usage: bench/etcd.sh [--build DIR] [--endpoints E] [--lbs N]
#                      [--chunk BYTES] [--rounds R]
#
# What limits it: etcd refuses a request over 1.5 MiB (its
# --max-request-bytes) and a transaction of more than 128 operations
# (--max-txn-ops), both at their defaults here.  The plan is encoded
# compactly (about 10 bytes an address), so that a whole generation fits
# in one transaction; the keys are cut at endpoint boundaries, at most
# BYTES each (64 KiB: 16 keys).  The members' data directories are in a
# temporary directory (its file system is printed: fsync costs differ).
# Then the same plan through the plan store (build/tests/etcd_store:
# planstore_write_plan, planstore_get_plan) on a SQLite file and on the
# cluster, as a ratio.  Nothing is asserted but that what was read is
# what was written; the figures go to docs/BENCHMARKS.md.
set -eu
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build
ARGS=""

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--endpoints | --lbs | --chunk | --rounds) ARGS="$ARGS $1 $2"; shift 2 ;;
	*) sed -n '2,8p' "$0" >&2; exit 2 ;;
	esac
done

# The e2e library: a temporary directory, free ports, cleanup on exit.
# (lib.bash sets ROOT from $0, as a test's; this is a bench's.)
AUTHD=none
. "$ROOT/tests/e2e/lib.bash"
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/tests/etcd/cluster.bash"

etcd_cluster_start
echo "etcd $(etcd --version | awk '/^etcd Version/ {print $3}'), 3 members on loopback: $ETCD_URL"
echo "data in $T ($(df -T "$T" | awk 'NR == 2 {print $2}')), $(nproc) cores"
# shellcheck disable=SC2086
"$BUILD/tests/etcd_plan" "$ETCD_URL" $ARGS

# The same size of plan through the plan store (planstore_write_plan,
# planstore_get_plan: validation, encoding, checks included), on a
# SQLite file and on the cluster, in this run.
STORE_ARGS=$(echo "$ARGS" | sed -E 's/--chunk [0-9]+//')
echo
# shellcheck disable=SC2086
"$BUILD/tests/etcd_store" "$T/plans.db" $STORE_ARGS | tee "$T/sqlite.out"
# shellcheck disable=SC2086
"$BUILD/tests/etcd_store" "$ETCD_URL" $STORE_ARGS | tee "$T/etcd.out"
med() { awk -v f="$2" '/^median/ {gsub(",", ""); print $(f)}' "$1"; }
awk -v sw="$(med "$T/sqlite.out" 3)" -v sr="$(med "$T/sqlite.out" 6)" \
	-v ew="$(med "$T/etcd.out" 3)" -v er="$(med "$T/etcd.out" 6)" 'BEGIN {
	printf "through the plan store, etcd / SQLite: write %.2fx (%.1f / %.1f ms), read %.2fx (%.1f / %.1f ms)\n",
		ew / sw, ew, sw, er / sr, er, sr }'
