#!/bin/bash
# restore.sh - the order of generations survives what operators do to
# the plan store and the zone, and nothing gets stuck:
#   1. the store restored from an older copy (sqlite3 .backup), then a
#      load balancer taken down: the planner (with 'server' set) reads
#      the markers authd serves, raises the store's counter past them,
#      and the safe enactors take the change to DNS;
#   2. the store lost and recreated empty: the same;
#   3. a marker raised far ahead by a signed UPDATE (a typo during an
#      incident): within served-check-ms the planner writes past it;
#   4. a marker at the largest generation there is: dnsplanectl status
#      says "ahead", repair without --lower-fence refuses to touch it,
#      repair --lower-fence with the override key authd's
#      fence-override names moves it, and the enactors go on; the other
#      endpoint is never held up;
#   5. a plan's records edited by hand (an address added to the newest
#      plan's records): a safe enactor rewrites them to the plan's.
# Throughout, the marker authd serves for an endpoint never goes back.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

F=s3.us-east-1.api.test.
CTL=$BUILD_DIR/dnsplanectl
new_key "$T/k.key" enactor
new_key "$T/ops.key" repair
api_zone "$T/api.zone" 1 "dynamodb.us-east-1	A	192.0.2.250
s3.us-east-1	A	192.0.2.251"
P=$(free_port)
start_authd "$T/authd.log" --listen "127.0.0.1:$P" --zone "api.test.=$T/api.zone" \
	--state-dir "$T/state" --key "$T/k.key" --key "$T/ops.key" \
	--guard "$E" --guard "$F" --fence-override repair.
start_lbfarm --listen "$NET.0.1-$NET.0.4:$LBPORT"
{
	lab_planner_conf
	cat <<CONF
served-check-ms 500
endpoint $E
endpoint $F
lb $E 10.0.0.1 http://$NET.0.1:$LBPORT/health 10
lb $E 10.0.0.2 http://$NET.0.2:$LBPORT/health 10
lb $F 10.0.1.3 http://$NET.0.3:$LBPORT/health 10
lb $F 10.0.1.4 http://$NET.0.4:$LBPORT/health 10
CONF
} >"$T/planner.conf"
cat >"$T/ctl.conf" <<CONF
store $STORE
server 127.0.0.1:$P
zone api.test.
key $T/k.key
override-key $T/ops.key
CONF

ENS=""
start_enactors() {
	ENS=""
	for n in 1 2; do
		"$ENACTOR" --id "$n" --mode safe --store "$STORE" \
			--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
			--keep 2 --interval-ms 100 --heartbeat-ms 200 \
			--full-scan-ms 1000 >>"$T/enactor$n.log" 2>&1 &
		ENS="$ENS $!"
		PIDS="$PIDS $!"
	done
}
stop_all() {
	stop_planner
	for p in $ENS; do stop_pid "enactor $p" "$p"; done
}
served() { # served NAME: the generation of _gen.NAME
	dig @127.0.0.1 -p "$P" +short +norec "_gen.$1" TXT | tr -d '"'
}
addr_list() {
	dig @127.0.0.1 -p "$P" +short +norec "$1" A | grep '^10\.' | sort | tr '\n' ' '
}
serves() { [ "$(addr_list "$1")" = "$2" ]; }
above() { # above NAME G: NAME's marker is above G, on its newest plan
	g=$(served "$1")
	[ -n "$g" ] && [ "$g" -gt "$2" ] && [ "$g" -le "$(newest)" ]
}

# The marker of each endpoint, every 50 ms, to check it never goes back.
watch_markers() {
	while :; do
		echo "$(served "$E") $(served "$F")" >>"$T/markers"
		sleep 0.05
	done
}
never_back() { # never_back FILE: no column of FILE ever decreases
	awk '{ for (i = 1; i <= 2; i++) { if ($i != "" && $i + 0 < last[i]) bad++;
	       if ($i != "") last[i] = $i + 0 } } END { exit bad > 0 }' "$1"
}
highest() { # the higher marker of the two endpoints
	a=$(served "$E")
	b=$(served "$F")
	echo $((a > b ? a : b))
}
watch_markers &
PIDS="$PIDS $!"

start_planner "$T/planner1.log" -c "$T/planner.conf"
start_enactors
check "both endpoints on the newest plan" \
	wait_for 10 serves "$F" "10.0.1.3 10.0.1.4 "
sleep 1
sqlite3 "$STORE" ".backup $T/backup.db"
at_backup=$(sqlite3 "$T/backup.db" "SELECT max(generation) FROM plan")
at_least() { [ "$(newest)" -ge "$1" ]; }
check "the planner goes on past the backup ($at_backup)" \
	wait_for 10 at_least $((at_backup + 8))
sleep 0.5

# 1. Restored from the older copy, then a load balancer goes down.
stop_all
before=$(highest)
rm -f "$STORE" "$STORE-wal" "$STORE-shm"
cp "$T/backup.db" "$STORE"
check "the restored store is behind what authd serves ($at_backup < $before)" \
	[ "$at_backup" -lt "$before" ]
ctl down "$NET.0.1:$LBPORT"
start_planner "$T/planner2.log" -c "$T/planner.conf"
start_enactors
first_gen() { # first_gen LOG: the first generation the planner wrote
	grep -o 'notice: generation [0-9]* (' "$1" | head -1 | tr -dc 0-9
}
check "restored: the first generation written is above $before" \
	[ "$(first_gen "$T/planner2.log")" -gt "$before" ]
check "restored: the planner raises the store's counter past $before" \
	wait_for 10 has "authd serves generation $before" "$T/planner2.log"
check "restored: the load balancer taken down leaves DNS" \
	wait_for 10 serves "$E" "10.0.0.2 "
check "restored: the endpoint is on a generation above $before" above "$E" "$before"

# 2. The store lost and recreated empty.
stop_all
before=$(highest)
rm -f "$STORE" "$STORE-wal" "$STORE-shm"
ctl up "$NET.0.1:$LBPORT"
ctl down "$NET.0.3:$LBPORT"
start_planner "$T/planner3.log" -c "$T/planner.conf"
start_enactors
check "recreated: the first generation written is above $before" \
	[ "$(first_gen "$T/planner3.log")" -gt "$before" ]
check "recreated: the planner raises the new store's counter" \
	wait_for 10 has "the store's counter was at 0" "$T/planner3.log"
check "recreated: the change reaches DNS" wait_for 10 serves "$F" "10.0.1.4 "
check "recreated: E is on a generation above $before" wait_for 10 above "$E" "$before"

# 3. A marker raised far ahead by a signed UPDATE.
far=$(($(served "$E") + 100000))
"$DPUPDATE" -s "127.0.0.1:$P" -k "$T/k.key" -z api.test. \
	"del _gen.$E TXT" "add _gen.$E 60 TXT \"$far\"" >"$T/raise.out"
check "the raise is taken (the fence lets a marker rise)" grep -q NOERROR "$T/raise.out"
ctl up "$NET.0.3:$LBPORT"
check "raised: the planner writes past $far" \
	wait_for 10 has "authd serves generation $far" "$T/planner3.log"
check "raised: E moves past it" wait_for 10 above "$E" "$far"
check "raised: F follows its load balancers" \
	wait_for 10 serves "$F" "10.0.1.3 10.0.1.4 "

# 4. A marker at the largest generation: only the override key lowers it.
max=9007199254740991
"$DPUPDATE" -s "127.0.0.1:$P" -k "$T/k.key" -z api.test. \
	"del _gen.$E TXT" "add _gen.$E 60 TXT \"$max\"" >"$T/max.out"
check "a marker at $max is a marker" grep -q NOERROR "$T/max.out"
check "the planner says no plan can move it" \
	wait_for 10 has "marked with generation $max, the largest there is" "$T/planner3.log"
ctl down "$NET.0.4:$LBPORT"
check "F is not held up by E" wait_for 10 serves "$F" "10.0.1.3 "
"$CTL" -c "$T/ctl.conf" status >"$T/status.out" || true
check "status: E is ahead, the largest generation there is" grep -q "ahead: marked 9007199254740991, the largest generation there is" "$T/status.out"
st=0
"$CTL" -c "$T/ctl.conf" repair >"$T/repair1.out" 2>&1 || st=$?
check "repair without --lower-fence leaves it, exit 1 ($st)" [ "$st" -eq 1 ]
check "and says why" grep -q "the fence refuses (--lower-fence)" "$T/repair1.out"
check "the marker is still $max" [ "$(served "$E")" = "$max" ]
st=0
"$CTL" -c "$T/ctl.conf" repair --lower-fence >"$T/repair2.out" 2>&1 || st=$?
check "repair --lower-fence moves it, exit 0 ($st)" [ "$st" -eq 0 ]
check "authd logs the override" \
	wait_for 5 has "fence-override: generation marker of $E lowered from $max" "$T/authd.log"
lowered=$(served "$E")
check "E is back on the store's plans ($lowered)" [ "$lowered" -le "$(newest)" ]
ctl up "$NET.0.4:$LBPORT"
check "and the enactors go on with it" wait_for 10 above "$E" "$lowered"
# The marker went down once, by the operator: judge up to there, and
# from there on.
cut=$(grep -n "^$max " "$T/markers" | tail -1 | cut -d: -f1)
head -n "$cut" "$T/markers" >"$T/markers.before"

# 5. A plan's records edited by hand, the planner stopped.
stop_planner
g=$(newest)
check "E on plan $g" wait_for 10 above "$E" $((g - 1))
"$DPUPDATE" -s "127.0.0.1:$P" -k "$T/k.key" -z api.test. \
	"add g$g._plan.$E 60 A 10.9.9.9" >"$T/edit.out"
check "the hand edit is taken" grep -q NOERROR "$T/edit.out"
check "an enactor rewrites the plan's records" \
	wait_for 10 serves "$E" "10.0.0.1 10.0.0.2 "
check "and says so" grep -q "not the plan's 2; rewriting them" "$T/enactor1.log" "$T/enactor2.log"
for p in $ENS; do stop_pid "enactor $p" "$p"; done
tail -n +"$((cut + 1))" "$T/markers" >"$T/markers.after"
check "no marker went back before the override" never_back "$T/markers.before"
check "nor after it" never_back "$T/markers.after"
stop_authd
finish
