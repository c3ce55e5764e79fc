#!/bin/bash
# cleanup_bound.sh - a safe enactor's cleanup keeps the plan store
# bounded when its passes never get to the end of a walk: plans written
# every ~50 ms for 10 s,
#   1. to an enactor whose walk (three endpoints, --endpoint-delay-ms 40)
#      is slower than that, so every pass is overtaken by a newer plan;
#   2. with one endpoint authd keeps refusing (a plan that would leave it
#      without an address, refused by the guard), so no walk ends with
#      every endpoint on the newest plan.
# The store never holds more than BOUND plans: keep (3) + the newest +
# the plans endpoints still stand on (at most one each here) + the plans
# written during one pass and its cleanup (generous: 8); before the fix
# every plan written stayed.  Once the plans stop, every endpoint is on
# the last one (a last plan gives the refused endpoint an address), and
# the store keeps keep + the newest + at most one plan per endpoint: the
# one its rollback record names, which stays while it may be rolled back
# to.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

KEEP=3
A=a.us-east-1.api.test.
B=b.us-east-1.api.test.
C=c.us-east-1.api.test.
F=s3.us-east-1.api.test.
lab_authd --guard "$F"
addr() { dig @127.0.0.1 -p "$P" +short +norec "$1" A | grep -v '\.$'; }
on() { [ "$(addr "$1")" = "$2" ]; }
# The plans the store lists (a plan an enactor retired is gone for its
# readers; the planner, not running here, would delete its rows).
plans() { "$PLANWRITE" "$STORE" list | wc -l; }

start_enactor() { # start_enactor LOG ARGS...
	log=$1
	shift
	"$ENACTOR" --id 1 --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep "$KEEP" --interval-ms 100 --heartbeat-ms 100 "$@" \
		>"$log" 2>&1 &
	EN=$!
	PIDS="$PIDS $EN"
}
# flood SECONDS ENDPOINT=ADDR...: a plan every ~50 ms (ADDR's last
# octet counts up), the most plans the store held after each; sets MOST
# and LAST (the last plan's generation, counter).
flood() {
	end=$(($(date +%s%N) / 1000000 + $1 * 1000))
	shift
	MOST=0
	i=0
	while [ $(($(date +%s%N) / 1000000)) -lt "$end" ]; do
		i=$((i + 1))
		args=()
		for a in "$@"; do args+=("${a//X/$((i % 250 + 1))}"); done
		LAST=$("$PLANWRITE" "$STORE" write "${args[@]}")
		n=$(plans)
		[ "$n" -gt "$MOST" ] && MOST=$n
		sleep 0.05
	done
	LASTI=$i
}

# ---- 1. every pass overtaken ----
STORE=$T/overtaken.db
BOUND=$((KEEP + 1 + 3 + 8))
g1=$("$PLANWRITE" "$STORE" write "$A=10.1.0.1" "$B=10.1.1.1" "$C=10.1.2.1")
start_enactor "$T/overtaken.log" --endpoint-delay-ms 40
check "three endpoints on plan $g1" wait_for 10 on "$C" 10.1.2.1
flood 10 "$A=10.1.0.X" "$B=10.1.1.X" "$C=10.1.2.X"
n=$((LASTI % 250 + 1))
echo "     $LAST plans written; the store held $MOST at the most"
check "the enactor's passes were overtaken" \
	grep -q "superseded by a newer plan; starting over" "$T/overtaken.log"
check "the store held at most $BOUND plans ($MOST)" [ "$MOST" -le "$BOUND" ]
check "every endpoint ends on plan $LAST" wait_for 10 \
	eval 'on "$A" 10.1.0.$n && on "$B" 10.1.1.$n && on "$C" 10.1.2.$n'
# settled N: the store keeps keep + the newest + one per endpoint of N.
settled() { [ "$(plans)" -le $((KEEP + 1 + $1)) ]; }
check "...and the store keeps at most $((KEEP + 1 + 3)) plans" wait_for 10 settled 3
stop_pid "the enactor" "$EN"

# ---- 2. one endpoint refused ----
STORE=$T/refused.db
BOUND=$((KEEP + 1 + 1 + 8))
g1=$("$PLANWRITE" "$STORE" write "$E=10.2.0.1" "$F=10.2.1.1")
start_enactor "$T/refused.log"
check "both endpoints on plan $g1" wait_for 10 on "$F" 10.2.1.1
flood 10 "$E=10.2.0.X" "$F="
n=$((LASTI % 250 + 1))
echo "     $LAST plans written; the store held $MOST at the most"
check "authd refused $F all along" \
	grep -q "$F: authd refused plan .*: guard: update would leave $F with 0 addresses" "$T/refused.log"
check "the store held at most $BOUND plans ($MOST)" [ "$MOST" -le "$BOUND" ]
in_store() { "$PLANWRITE" "$STORE" list | grep -qx "$1"; }
check "plan $g1, which $F stands on, is kept" in_store "$g1"
check "$F still answers its address" on "$F" 10.2.1.1
check "$E follows to the last plan" wait_for 10 on "$E" "10.2.0.$n"
g=$("$PLANWRITE" "$STORE" write "$E=10.2.0.254" "$F=10.2.1.254")
check "a plan with an address moves $F" wait_for 10 on "$F" 10.2.1.254
check "...and $E" on "$E" 10.2.0.254
check "...and the store keeps at most $((KEEP + 1 + 2)) plans" wait_for 10 settled 2
stop_pid "the enactor" "$EN"
stop_authd
finish
