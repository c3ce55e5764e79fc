#!/bin/bash
# kill9.sh - no acknowledged update is lost: a client streams signed
# updates one after the other while authd is killed with SIGKILL at random
# moments (KILLS times, 50 by default) and restarted; at the end every
# update the client saw acknowledged must be served.
. "$(dirname "$0")/lib.bash"

KILLS=${KILLS:-50}
DPUPDATE=$BUILD_DIR/tests/dpupdate
P=$(free_port)
printf 'key "k" { algorithm hmac-sha256; secret "%s"; };\n' \
	"$(head -c 32 /dev/urandom | base64)" >"$T/k.key"
cp "$ZONES/api.test.zone" "$T/api.zone"
args=(--listen "127.0.0.1:$P" --zone "api.test.=$T/api.zone"
	--state-dir "$T/state" --key "$T/k.key")

start_authd "$T/a0.log" "${args[@]}"
: >"$T/acked"
# Enough updates that the client is still streaming after the last kill.
"$DPUPDATE" -s "127.0.0.1:$P" -k "$T/k.key" -z api.test. \
	--stream 100000 --prefix kill --acked "$T/acked" >"$T/client.out" 2>&1 &
CLIENT=$!
PIDS="$PIDS $CLIENT"

kills=0
while [ $kills -lt "$KILLS" ]; do
	# A random moment: 20 to 220 ms into this run.
	sleep "0.$(printf '%03d' $((RANDOM % 200 + 20)))"
	kill -KILL "$AUTHD_PID"
	wait "$AUTHD_PID" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | sed "s/ $AUTHD_PID//")
	kills=$((kills + 1))
	start_authd "$T/a$kills.log" "${args[@]}"
done
alive=0
kill -0 "$CLIENT" 2>/dev/null && alive=1
check "the client kept streaming through every kill" [ "$alive" -eq 1 ]
[ "$alive" -eq 1 ] || { echo "client output:"; cat "$T/client.out"; }
kill "$CLIENT" 2>/dev/null || true
wait "$CLIENT" 2>/dev/null || true
# The client may have written a name after its answer came and before
# the kill reached it; everything in the file was acknowledged.
acked=$(wc -l <"$T/acked")
echo "kill9: $kills kills, $acked acknowledged updates"
check "the client got updates through between the kills" [ "$acked" -gt "$KILLS" ]

stop_authd
start_authd "$T/final.log" "${args[@]}"
# Every acknowledged name must be in the store and served.
sqlite3 "$T/state/zones.db" "SELECT owner FROM rr WHERE owner LIKE 'kill-%'" |
	sort -u >"$T/stored"
sort -u "$T/acked" >"$T/acked.sorted"
missing=$(comm -23 "$T/acked.sorted" "$T/stored" | wc -l)
check "no acknowledged update missing from the store ($acked acked)" [ "$missing" -eq 0 ]
# And served: a sample of 50 plus the last one, through DNS.
lost=0
for n in $(shuf -n 50 "$T/acked.sorted") $(tail -1 "$T/acked"); do
	a=$(dig @127.0.0.1 -p "$P" +short +norec "$n" A)
	[ -n "$a" ] || lost=$((lost + 1))
done
check "acknowledged updates answered by dig" [ "$lost" -eq 0 ]
check "the zone serial counts every committed update" [ "$(dig @127.0.0.1 -p "$P" +short api.test SOA | awk '{print $3}')" -ge "$acked" ]
stop_authd
finish
