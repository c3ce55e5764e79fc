#!/bin/bash
# retire.sh - the clean way out for an endpoint removed from the
# planner's settings: it keeps its last addresses (cleanup keeps the plan
# it stands on) until an operator retires it with dnsplanectl, which
# deletes its name, its marker and its records in every plan in one
# signed UPDATE; then cleanup deletes the plans it stood on, and nothing
# is left dangling (its marker stays, a fence raised to the newest plan:
# an enactor paused with an older plan that has it cannot write it
# back).  Retiring an endpoint the newest plan still has is refused, and
# so is one authd still guards, each saying what to do.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

F=s3.us-east-1.api.test.
CTL=$BUILD_DIR/dnsplanectl
lab_authd --guard "$F"
g1=$("$PLANWRITE" "$STORE" write "$E=10.0.0.1" "$F=10.0.9.1")
start_enactor() {
	"$ENACTOR" --id 1 --mode safe --store "$STORE" --server "127.0.0.1:$P" \
		--zone api.test. --key "$T/k.key" --keep 1 --interval-ms 100 \
		--full-scan-ms 500 >>"$T/enactor.log" 2>&1 &
	EN=$!
	PIDS="$PIDS $EN"
}
start_enactor
addr() { dig @127.0.0.1 -p "$P" +short +norec "$1" A | grep -v '\.$'; }
on() { [ "$(addr "$1")" = "$2" ]; }
check "both endpoints on plan $g1" wait_for 10 on "$F" 10.0.9.1
ctl() { # ctl ARGS...: dnsplanectl, its output in $T/out, status in RC
	RC=0
	"$CTL" --store "$STORE" --server "127.0.0.1:$P" --zone api.test. \
		--key "$T/k.key" "$@" >"$T/out" 2>&1 || RC=$?
}
ctl retire "$F"
check "retiring an endpoint still planned: exit 1" [ "$RC" -eq 1 ]
check "...saying to take it out of the planner first" \
	grep -q "refused: still planned: the newest plan $g1 still has $F" "$T/out"
check "...and F still answers" on "$F" 10.0.9.1

# F leaves the planner's settings.
for i in 2 3 4; do
	g=$("$PLANWRITE" "$STORE" write "$E=10.0.0.$i")
done
check "E follows to plan $g" wait_for 10 on "$E" 10.0.0.4
check "F keeps its last addresses" on "$F" 10.0.9.1
listed() { "$PLANWRITE" "$STORE" list | grep -qx "$1"; }
check "the plan F stands on is kept" listed "$g1"

ctl retire "$F" --dry-run
check "retire --dry-run: exit 0" [ "$RC" -eq 0 ]
check "...says what it would delete" grep -q "$F: would retire (its name, marks and records in 1 plan; it was on plan $g1; its marker stays at $g, fencing older plans)" "$T/out"
check "...and deletes nothing" on "$F" 10.0.9.1
ctl retire "$F"
check "retiring a guarded endpoint: exit 1" [ "$RC" -eq 1 ]
check "...authd's guard refuses, and the advice is given" \
	grep -q "refused by authd: guard: .*authd guards $F: take 'guard $F' out of its settings" "$T/out"
check "...F still answers" on "$F" 10.0.9.1

# The operator drops the guard of F from authd's settings.
stop_authd
start_authd "$T/authd2.log" --listen "127.0.0.1:$P" --zone "api.test.=$T/api.zone" \
	--state-dir "$T/state" --key "$T/k.key" --guard "$E"
ctl retire "$F" --json
check "retire: exit 0" [ "$RC" -eq 0 ]
check "retire --json: retired" grep -q '"result":"retired"' "$T/out"
check "F answers no address" [ -z "$(addr "$F")" ]
check "its marker is a fence at the newest plan" \
	[ "$(dig @127.0.0.1 -p "$P" +short "_gen.$F" TXT | tr -d '"')" = "$g" ]
check "its plan records are gone" [ -z "$(dig @127.0.0.1 -p "$P" +short "g$g1._plan.$F" A)" ]
gone() { ! listed "$1"; }
check "cleanup then deletes the plan it stood on" wait_for 10 gone "$g1"
check "E is untouched" on "$E" 10.0.0.4
ctl status
check "status: all well, F no longer looked at" [ "$RC" -eq 0 ]

# An enactor stopped before it sends a plan with a new endpoint G, G
# taken out of the planner and retired meanwhile: resumed, it cannot
# write G back (the marker retire leaves fences its plan).
G=dynamodb-fips.us-east-1.api.test.
stop_pid "the enactor" "$EN"
"$ENACTOR" --id 1 --mode safe --store "$STORE" --server "127.0.0.1:$P" \
	--zone api.test. --key "$T/k.key" --keep 1 --interval-ms 100 \
	--pause-at "before-send:$G" >>"$T/enactor.log" 2>&1 &
EN=$!
PIDS="$PIDS $EN"
gp=$("$PLANWRITE" "$STORE" write "$G=10.0.8.1" "$E=10.0.0.4")
check "the enactor stops before it sends G on plan $gp" wait_for 10 stopped "$EN"
gn=$("$PLANWRITE" "$STORE" write "$E=10.0.0.4")
ctl retire "$G"
check "retiring G, never written: exit 0" [ "$RC" -eq 0 ]
check "...its marker stays at plan $gn, fencing older plans" \
	grep -q "its marker stays at $gn" "$T/out"
marker() { dig @127.0.0.1 -p "$P" +short "_gen.$1" TXT | tr -d '"'; }
check "...as authd serves it" [ "$(marker "$G")" = "$gn" ]
kill -CONT "$EN"
check "the enactor goes on past G" \
	wait_for 10 has "before-send: resumed" "$T/enactor.log"
check "...and its pass ends" wait_for 10 has "plan $gp -> $gn" "$T/enactor.log"
check "G is not written back" [ -z "$(addr "$G")" ]
check "...its marker not moved back" [ "$(marker "$G")" = "$gn" ]
stop_pid "the enactor" "$EN"
stop_authd
finish
