#!/bin/bash
# removed_endpoint.sh - an endpoint removed from the planner's settings
# keeps its last plan: a safe enactor's cleanup does not delete a plan
# that an endpoint, no longer in the newest plan, still stands on, while
# it deletes the other old plans.  (authd's guard is on for the endpoint
# that stays, off for the removed one, as for a name an operator forgot
# to guard: nothing but cleanup's own check keeps it from going empty.)
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

F=s3.us-east-1.api.test.
lab_authd
g1=$("$PLANWRITE" "$STORE" write "$E=10.0.0.1" "$F=10.0.9.1")
"$ENACTOR" --id 1 --mode safe --store "$STORE" --server "127.0.0.1:$P" \
	--zone api.test. --key "$T/k.key" --keep 1 --interval-ms 100 \
	--log-level debug >"$T/enactor.log" 2>&1 &
EN=$!
PIDS="$PIDS $EN"
addr() { dig @127.0.0.1 -p "$P" +short +norec "$1" A | grep -v '\.$'; }
on() { [ "$(addr "$1")" = "$2" ]; }
check "both endpoints on plan $g1" wait_for 10 on "$F" 10.0.9.1
# F leaves the planner's settings: the next plans have E only.
for i in 2 3 4 5; do
	g=$("$PLANWRITE" "$STORE" write "$E=10.0.0.$i")
	sleep 0.3
done
check "E follows to plan $g" wait_for 10 on "$E" 10.0.0.5
in_store() { "$PLANWRITE" "$STORE" list | grep -qx "$1"; }
gone() { ! in_store "$1"; }
check "old plans without a user are deleted (plan $((g1 + 1)))" wait_for 10 gone $((g1 + 1))
sleep 1
check "the plan F stands on is kept" in_store "$g1"
check "F still answers its last addresses" on "$F" 10.0.9.1
check "the enactor says why, once in a while (debug)" \
	grep -q "cleanup: plan $g1 kept: an endpoint that is not in the newest plan stands on it" "$T/enactor.log"
stop_pid "the enactor" "$EN"
stop_authd
finish
