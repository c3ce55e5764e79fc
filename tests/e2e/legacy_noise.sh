#!/bin/bash
# legacy_noise.sh - a legacy enactor stuck on an emptied endpoint (the
# records of the plan it is on deleted behind its back: every transition
# fails its prerequisite, NXDOMAIN) says so once, not on every pass; when
# the reason changes (its lock held by hand for two seconds) it says how
# often the old one repeated and the new one once; when the endpoint
# finally moves (the records put back) it says after how many failures.
# (authd's guard off: the legacy lab.)
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

lab_authd --guard-enabled no
addr() { dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep -v '\.$'; }
on() { [ "$(addr)" = "$1" ]; }
count() { grep -cE -- "$1" "$T/enactor.log" || true; }
refused() { grep -c "update refused: key enactor.: prereq" "$T/authd.log" || true; }

g1=$("$PLANWRITE" "$STORE" write "$E=10.0.0.1")
legacy_enactor "$T/enactor.log"
check "on plan $g1" wait_for 10 on 10.0.0.1
dpu "del g$g1._plan.$E"
check "its plan's records deleted: NXDOMAIN" \
	wait_for 5 eval '[ -z "$(addr)" ]'

# Stuck: every pass fails the same way, for every newer plan.
r0=$(refused)
g2=$("$PLANWRITE" "$STORE" write "$E=10.0.0.2")
sleep 1.5
g3=$("$PLANWRITE" "$STORE" write "$E=10.0.0.3")
sleep 1.5
tries=$(($(refused) - r0))
stuck="$E: cannot move from plan $g1 to [0-9]+: NXDOMAIN \(the rollback record cannot point at plan $g1: it is deleted\)"
check "authd refused its transitions many times ($tries)" [ "$tries" -ge 10 ]
check "the enactor said so once ($(count "$stuck"))" [ "$(count "$stuck")" -eq 1 ]
check "...with the reason" grep -qE "$stuck \(said once; again when the reason changes\)" "$T/enactor.log"
check "a plan it keeps trying is announced once ($(count "applying plan $g3 "))" \
	[ "$(count "applying plan $g3 ")" -eq 1 ]

# Another reason: the lock held by hand, then released.
dpu "add _lock.$E 60 TXT \"operator\""
sleep 2.5
held="$E: its lock held by operator for [0-9]+ ms and more; waiting"
check "its lock held: said once ($(count "$held"))" [ "$(count "$held")" -eq 1 ]
check "...after how often the reason before repeated" \
	grep -qE "$E: the failure before repeated [0-9]+ times \(cannot move from plan $g1: NXDOMAIN \(the rollback record cannot point at plan $g1: it is deleted\)\)" "$T/enactor.log"
dpu "del _lock.$E TXT"
sleep 1.5
check "lock released, stuck again: said again, once ($(count "$stuck"))" \
	[ "$(count "$stuck")" -eq 2 ]
check "...after the lock's count" \
	grep -qE "$E: the failure before repeated [0-9]+ time(s)? \(its lock held by operator\)" "$T/enactor.log"

# The records put back: the endpoint moves, with the count.
dpu "add g$g1._plan.$E 60 A 10.0.0.1"
check "the records put back: on plan $g3" wait_for 10 on 10.0.0.3
moved="$E: moved after ([0-9]+) failures \(cannot move from plan $g1: NXDOMAIN \(the rollback record cannot point at plan $g1: it is deleted\)\)"
check "...after how many failures" wait_for 5 grep -qE "$moved" "$T/enactor.log"
n=$(grep -oE "$moved" "$T/enactor.log" | grep -oE 'after [0-9]+' | cut -d' ' -f2)
check "...a count of every pass ($n)" [ "${n:-0}" -ge 5 ]
check "in all, $(grep -c . "$T/enactor.log") lines" [ "$(grep -c . "$T/enactor.log")" -le 25 ]
stop_pid "the enactor" "$EN"
stop_authd
finish
