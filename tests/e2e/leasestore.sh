#!/bin/bash
# leasestore.sh - the lease store's protocol and capacity over a real
# socket: answers in the order requests finish, a lease record written
# and read back, BUSY when the line is full, LATE for a request past its
# deadline, ERR for a line that is no request; and both cascade daemons'
# settings checked with -n, errors naming the option.
. "$(dirname "$0")/lib.bash"
STORE=$BUILD_DIR/leasestore
MGR=$BUILD_DIR/leasemgr

SP=$(free_port)
"$STORE" --listen "127.0.0.1:$SP" --slots 1 --service-ms 100 --knee 1000 \
	--queue-max 2 --timeout-ms 5000 >"$T/store.log" 2>&1 &
PIDS="$PIDS $!"
STORE_PID=$!
wait_for 5 has "ready:" "$T/store.log"

# talk LINES...: send the lines on one connection, print the answers.
talk() {
	n=$#
	exec 3<>"/dev/tcp/127.0.0.1/$SP"
	printf '%s\n' "$@" >&3
	for _ in $(seq "$n"); do
		IFS= read -r -t 5 line <&3 || break
		echo "$line"
	done
	exec 3<&-
}
now=$(date +%s%3N)
out=$(talk "1 WRITE 7 0" "2 READ 7 0" "3 CONFIRM 7 0" "4 READ 8 0")
# One slot of 100 ms: 1 in service, 2 and 3 wait, 4 finds the line full.
check "a full line answers BUSY at once" [ "$(echo "$out" | head -1)" = "4 BUSY" ]
check "answers in the order requests finish" \
	[ "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" = "4 1 2 3 " ]
g1=$(echo "$out" | awk '$1 == 1 { print $3 }')
g2=$(echo "$out" | awk '$1 == 2 { print $3 }')
check "WRITE grants the lease now ($g1)" [ "${g1:-0}" -ge "$now" ]
check "READ gives back the grant written" [ "$g2" = "$g1" ]
past=$(($(date +%s%3N) + 50))
out=$(talk "5 RENEW 9 0" "6 RENEW 9 $past")
check "a request whose client stopped waiting is answered LATE" \
	grep -qx "6 LATE" <<<"$out"
out=$(talk "hello")
check "a line that is no request is answered ERR" grep -qx "hello ERR" <<<"$out"
check "and logged" has "bad request line: hello" "$T/store.log"
out=$(talk "7 READ 99999999 0")
check "a host number past the largest fleet is refused" grep -qx "7 ERR" <<<"$out"

st=0
"$STORE" -n --slots 0 >"$T/n.out" 2>&1 || st=$?
check "leasestore -n refuses slots 0" [ "$st" -ne 0 ]
check "naming the option" grep -q "slots" "$T/n.out"
st=0
"$MGR" -n --renew-ms 7000 --lease-ms 6000 >"$T/n.out" 2>&1 || st=$?
check "leasemgr -n refuses a renewal after the lease's end" [ "$st" -ne 0 ]
check "naming both options" grep -q "renew-ms.*lease-ms\|lease-ms.*renew-ms" "$T/n.out"
check "leasemgr -n takes its defaults" grep -q "settings are valid" <<<"$("$MGR" -n)"
stop_pid leasestore "$STORE_PID"
check "leasestore says what it served when it stops" \
	has "stopped: 6 requests received, 4 served, 1 abandoned, 1 busy" "$T/store.log"
finish
