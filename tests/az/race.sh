#!/bin/bash
# race.sh - the 2025 race across zones in the three-zone lab (az_race in
# tests/az/lib.bash): the delayed enactor is az3's, cut off from authd
# while it holds an old plan.
#   race.sh legacy   every zone's secondary ends with no address, and the
#                    enactors cannot move the endpoint any more
#   race.sh safe     every zone's secondary answers with addresses all
#                    along, its generation never going back
# Root; skips with a message without network namespaces.
MODE=${1:?race.sh legacy|safe}
export AUTHD=${AUTHD:?set AUTHD} BUILD_DIR=${BUILD_DIR:?set BUILD_DIR}
. "$(dirname "$0")/../e2e/lib.bash"
. "$(dirname "$0")/../e2e/planner_lib.bash"
. "$(dirname "$0")/lib.bash"

az_test_begin
az_start "$MODE" ""
echo "# plan store: $AZ_STORE"
az_race "$MODE"
naddr() { az_served "$1" | awk '{print NF - 1}'; }
az_stop_probes
if [ "$MODE" = legacy ]; then
	for z in $AZ_ZONES; do
		check "legacy: az$z's ${AZ_SECONDARY_KIND[$z]} has no address for the endpoint" \
			[ "$(naddr "$z")" -eq 0 ]
		check "legacy: az$z's prober saw the outage (exit 1)" \
			[ "${PROBE_ST[$z]}" -eq 1 ]
	done
	check "legacy: enactor 3 put its stale plan $RACE_G1 back" \
		grep -q "on plan $RACE_G1\$" "$T/enactor3.log"
	check "legacy: enactor 1's cleanup deleted it" \
		grep -q "cleanup: deleted plan $RACE_G1 " "$T/enactor1.log"
	check "legacy: the enactors cannot move the endpoint any more" \
		grep -q "cannot move from plan $RACE_G1 to .*(the rollback record cannot point at plan $RACE_G1: it is deleted)" "$T/enactor1.log"
else
	for z in $AZ_ZONES; do
		check "safe: az$z's ${AZ_SECONDARY_KIND[$z]} answers with addresses" \
			[ "$(naddr "$z")" -ge 1 ]
		check "safe: az$z serves a plan newer than $RACE_G2" \
			[ "$(az_served "$z" | cut -d' ' -f1)" -gt "$RACE_G2" ]
		az_check_probe safe "$z"
	done
fi
finish
