#!/bin/bash
# refusal_noise.sh - an endpoint authd keeps refusing is logged once with
# its reason, not on every pass; when it finally moves the enactor says
# after how many refusals.  (A plan that would leave the endpoint with no
# address, refused by authd's guard on every pass for 3 s.)
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

lab_authd
"$PLANWRITE" "$STORE" write "$E=" >/dev/null
"$ENACTOR" --id 1 --mode safe --store "$STORE" --server "127.0.0.1:$P" \
	--zone api.test. --key "$T/k.key" --interval-ms 100 \
	--full-scan-ms 200 >"$T/enactor.log" 2>&1 &
EN=$!
PIDS="$PIDS $EN"
sleep 3
refused=$(grep -c "authd refused plan" "$T/enactor.log" || true)
tries=$(grep -c "update refused: key enactor" "$T/authd.log" || true)
check "authd refused it many times ($tries)" [ "${tries:-0}" -ge 5 ]
check "the enactor said so once ($refused)" [ "${refused:-0}" -eq 1 ]
check "...with the reason" grep -q "authd refused plan 1: guard: update would leave $E with 0 addresses" "$T/enactor.log"
g=$("$PLANWRITE" "$STORE" write "$E=10.0.0.7")
on() { [ "$(dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep -v '\.$')" = 10.0.0.7 ]; }
check "a good plan moves it" wait_for 10 on
check "...and the enactor says after how many refusals" \
	wait_for 5 grep -qE "$E: moved after [0-9]+ refusals \(guard: " "$T/enactor.log"
stop_pid "the enactor" "$EN"
stop_authd
finish
