#!/bin/bash
# az-lab.sh - make az-lab: the three-zone lab (tests/az/lib.bash) in
# MODE (safe, the default, or legacy), running until interrupted; prints
# where everything runs and how to break it (scripts/az.sh).  Root.
# Everything it made (namespaces, bridge, processes, the scratch
# directory unless E2E_KEEP=1) is removed on exit, also on failure.
#   scripts/az-lab.sh [BUILD [MODE [race]]]
# With "race", the enactors of az1 and az3 start paused at the points of
# the 2025 race and az3 is cut off while its enactor holds an old plan
# (az_race in tests/az/lib.bash); the lab then runs on as it is left.
BUILD=$(cd "${1:-build}" && pwd)
MODE=${2:-safe}
RACE=${3:-}
case "$MODE" in safe | legacy) ;; *)
	echo "az-lab: MODE is safe or legacy, not '$MODE'" >&2
	exit 2
	;;
esac
export AUTHD=$BUILD/authd BUILD_DIR=$BUILD
. "$(dirname "$0")/../tests/e2e/lib.bash"
. "$(dirname "$0")/../tests/e2e/planner_lib.bash"
. "$(dirname "$0")/../tests/az/lib.bash"

az_require || exit 1
trap az_exit EXIT
trap 'exit 0' INT TERM
az_net_up
if [ "$RACE" = race ]; then
	az_start "$MODE" ""
	az_where
	az_race "$MODE"
else
	az_start "$MODE"
	az_where
fi
echo "the three-zone lab runs in $MODE mode"
echo "^C stops the lab and removes it."
while :; do
	sleep 5
	for z in $AZ_ZONES; do
		printf 'az%s %s: %s   ' "$z" "${AZ_SECONDARY_KIND[$z]}" \
			"$(az_served "$z")"
	done
	echo
done
