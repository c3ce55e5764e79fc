#!/bin/bash
# frozen_writer.sh - an enactor frozen in the middle of a write of its
# reports stops nobody: it writes only its own report file, so while it
# is stopped holding that file's write lock (a SIGSTOPped sqlite3 inside
# BEGIN IMMEDIATE on the file, and the enactor itself SIGSTOPped) the
# planner keeps writing generations, the other enactor keeps moving
# endpoints and reporting, and dnsplanectl status answers, showing the
# frozen enactor's heartbeat getting old.  The planner's loop is not
# blocked by the store either: it answers SIGHUP at once.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

CTL=$BUILD_DIR/dnsplanectl
lab_authd
start_lbfarm --listen "$NET.0.1-$NET.0.2:$LBPORT"
{
	lab_planner_conf
	cat <<CONF
endpoint $E
lb $E 10.0.0.1 http://$NET.0.1:$LBPORT/health 10
lb $E 10.0.0.2 http://$NET.0.2:$LBPORT/health 10
CONF
} >"$T/planner.conf"
start_planner "$T/planner.log" -c "$T/planner.conf"
HOLD=
trap 'kill -CONT $EN1 $EN2 $HOLD 2>/dev/null || true; kill $HOLD 2>/dev/null || true; cleanup' EXIT INT TERM
for n in 1 2; do
	"$ENACTOR" --id "$n" --mode safe --store "$STORE" --server "127.0.0.1:$P" \
		--zone api.test. --key "$T/k.key" --keep 2 --interval-ms 100 \
		--heartbeat-ms 100 >>"$T/enactor$n.log" 2>&1 &
	eval "EN$n=$!"
	PIDS="$PIDS $!"
done
addr_list() { dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep '^10\.' | sort | tr '\n' ' '; }
serves() { [ "$(addr_list)" = "$1" ]; }
check "the endpoint on the newest plan" wait_for 10 serves "10.0.0.1 10.0.0.2 "
R1=$STORE.enactors/1.db
R2=$STORE.enactors/2.db
beat() { sqlite3 -cmd ".timeout 2000" "$1" "SELECT heartbeat_at FROM enactor"; }
check "each enactor reports into a file of its own" [ -f "$R1" -a -f "$R2" ]
b=$(beat "$R1")
check "enactor 1's heartbeats go there" wait_for 5 eval '[ "$(beat "$R1")" != "$b" ]'

# Enactor 1 frozen inside a write of its reports.
mkfifo "$T/hold"
sqlite3 "$R1" <"$T/hold" >"$T/hold.out" 2>&1 &
HOLD=$!
exec 9>"$T/hold"
echo ".timeout 5000" >&9
echo "BEGIN IMMEDIATE; UPDATE enactor SET heartbeat_at = heartbeat_at;" >&9
echo "SELECT 'holding';" >&9
check "the write lock of enactor 1's file is taken" wait_for 5 has holding "$T/hold.out"
kill -STOP "$HOLD" "$EN1"
g0=$(newest)
frozen_at=$(date +%s%3N)
ctl down "$NET.0.1:$LBPORT"
check "the planner writes the change" wait_for 5 eval '[ "$(newest)" -gt "$g0" ]'
check "enactor 2 takes it to DNS" wait_for 5 serves "10.0.0.2 "
b2=$(beat "$R2")
check "enactor 2 keeps reporting" wait_for 5 eval '[ "$(beat "$R2")" != "$b2" ]'
g1=$(newest)
check "the planner goes on writing" wait_for 5 eval '[ "$(newest)" -gt "$g1" ]'
st=0
"$CTL" --store "$STORE" --server "127.0.0.1:$P" --zone api.test. status >"$T/status" 2>&1 || st=$?
check "dnsplanectl status answers ($st)" [ "$st" -eq 0 ]
check "and shows both enactors" grep -qE '^(1|2) ' "$T/status"
check "enactor 1's heartbeat is older than the freeze" \
	[ "$(beat "$R1")" -lt "$frozen_at" ]
: >"$T/planner.log.mark"
kill -HUP "$PLANNER_PID"
check "the planner's loop answers SIGHUP at once" wait_for 3 has "reloaded" "$T/planner.log"
check "nothing waited for a lock" \
	bash -c "! grep -qi 'database is locked' $T/planner.log $T/enactor2.log"

# Let go: enactor 1 goes on.
kill -CONT "$HOLD" "$EN1"
echo "ROLLBACK;" >&9
exec 9>&-
wait "$HOLD" 2>/dev/null || true
HOLD=
ctl up "$NET.0.1:$LBPORT"
check "after the freeze both addresses are back" wait_for 10 serves "10.0.0.1 10.0.0.2 "
check "enactor 1 reports again" wait_for 5 eval '[ "$(beat "$R1")" -gt "$frozen_at" ]'
stop_pid "enactor 1" "$EN1"
stop_pid "enactor 2" "$EN2"
stop_planner
stop_authd
finish
