#!/bin/bash
# departed_fence.sh - an endpoint that left the plans cannot be moved onto
# a plan cleanup deletes.
#
# F is on plan 1.  Plan 2 still has F (other addresses); enactor B takes
# it and stops with F's update checked and built, not sent (a pause, a
# slow network).  F then leaves
# the planner's settings: plans 3 to 6 have E only.  Enactor A moves E
# on, plan by plan, and its cleanup deletes plan 2 (F stands on plan 1,
# and B's heartbeat is old).  B resumes: its compare-and-swap on F's marker must
# fail, because cleanup raised the marker of the endpoint that left
# before it read it; else F ends on plan 2, deleted from the store.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

F=s3.us-east-1.api.test.
lab_authd --guard "$F"
enactor() { # enactor ID LOG ARGS...
	id=$1
	log=$2
	shift 2
	"$ENACTOR" --id "$id" --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 2 --interval-ms 100 --heartbeat-ms 100 "$@" \
		>>"$log" 2>&1 &
	PIDS="$PIDS $!"
}
addr() { dig @127.0.0.1 -p "$P" +short +norec "$1" A | grep '^10\.' | sort | tr '\n' ' '; }
on() { [ "$(addr "$1")" = "$2" ]; }
target() { # target NAME: the generation NAME's CNAME names
	dig @127.0.0.1 -p "$P" +short +norec "$1" CNAME | sed -n 's/^g\([0-9]*\)\._plan\..*/\1/p'
}
in_store() { "$PLANWRITE" "$STORE" list | grep -qx "$1"; }
gone() { l=$("$PLANWRITE" "$STORE" list) && ! grep -qx "$1" <<<"$l"; }

"$PLANWRITE" "$STORE" write "$E=10.0.0.1" "$F=10.0.9.1" >/dev/null
enactor A "$T/a.log"
A=$!
check "both endpoints on plan 1" wait_for 10 on "$F" "10.0.9.1 "
stop_pid "enactor A" "$A"

"$PLANWRITE" "$STORE" write "$E=10.0.0.2" "$F=10.0.9.2" >/dev/null
enactor B "$T/b.log" --pause-at "before-send:$F"
B=$!
check "enactor B stops with the update moving $F to plan 2" wait_for 10 stopped "$B"
check "$F is still on plan 1" [ "$(target "$F")" = 1 ]

# A takes E through each plan, so that E's rollback record names plan 5
# in the end, not plan 1: plan 1 is then held by F alone.
enactor A "$T/a.log"
A=$!
for i in 3 4 5 6; do
	"$PLANWRITE" "$STORE" write "$E=10.0.0.$i" >/dev/null
	check "E follows to plan $i" wait_for 10 on "$E" "10.0.0.$i "
done
# B's heartbeat is old after 10 s: plan 2 is no longer held back.
check "cleanup deletes plan 2 (no endpoint on it)" wait_for 20 gone 2
check "plan 1 stays: $F stands on it" in_store 1
kill -CONT "$B"
sleep 1
check "$F stays on plan 1 after B resumed" [ "$(target "$F")" = 1 ]
check "$F serves plan 1's addresses" on "$F" "10.0.9.1 "
check "the plan $F is on is in the store" in_store "$(target "$F")"
check "cleanup said it raised the marker of $F" \
	grep -q "cleanup: $F marked [0-9]* before plan 1 may go" "$T/a.log"
finish
