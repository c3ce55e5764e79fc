#!/bin/bash
# frozen_writer.sh - an enactor frozen in the middle of a write of its
# reports stops nobody: it writes only its own report files, which no
# reader can wait on.  Enactor 1 runs under tests/chaos/freeze.so, which
# stops it (SIGSTOP) with a new state file written under its temporary
# name, before renaming it into place, its reports' lock held; half a
# line is appended to its log meanwhile, as a write cut short leaves
# one.  While it is stopped the planner keeps writing generations, the
# other enactor keeps moving endpoints and reporting, and dnsplanectl
# status answers at once, showing the frozen enactor's last heartbeat.
# The planner's loop is not blocked by the store either: it answers
# SIGHUP at once.  Continued, enactor 1 cuts the half line and goes on.
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
FREEZE_SO=$BUILD_DIR/tests/chaos/freeze.so
check "freeze.so is built" [ -f "$FREEZE_SO" ]
for n in 1 2; do
	pre=()
	[ "$n" = 1 ] && pre=(env LD_PRELOAD="$FREEZE_SO" CHAOS_FREEZE="$T/freeze"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	"${pre[@]}" "$ENACTOR" --id "$n" --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 2 --interval-ms 100 --heartbeat-ms 100 \
		>>"$T/enactor$n.log" 2>&1 &
	eval "EN$n=$!"
	PIDS="$PIDS $!"
done
trap 'kill -CONT $EN1 2>/dev/null || true; cleanup' EXIT INT TERM
addr_list() { dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep '^10\.' | sort | tr '\n' ' '; }
serves() { [ "$(addr_list)" = "$1" ]; }
check "the endpoint on the newest plan" wait_for 10 serves "10.0.0.1 10.0.0.2 "
R1=$STORE.enactors/1.state
R2=$STORE.enactors/2.state
beat() { awk '$1 == "heartbeat_at" { print $2 }' "$1"; }
check "each enactor reports into files of its own" [ -f "$R1" -a -f "$R2" ]
b=$(beat "$R1")
check "enactor 1's heartbeats go there" wait_for 5 eval '[ "$(beat "$R1")" != "$b" ]'

# Enactor 1 frozen in the middle of a write of its reports.
: >"$T/freeze"
check "enactor 1 stops in the middle of a report write" \
	wait_for 5 has "chaos-freeze: stopped in the middle of a report write" "$T/enactor1.log"
check "stopped" wait_for 5 stopped "$EN1"
check "its new state file is written, not renamed" \
	bash -c "ls -a $STORE.enactors | grep -q '^\.1\.state\..*\.new\$'"
printf '%s' "999999 1" >>"$STORE.enactors/1.applied"
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
check "nothing met a half-written report" \
	bash -c "! grep -qiE 'not a dnsplane|is not a applied' $T/planner.log $T/enactor2.log $T/status"

# Let go: enactor 1 goes on.
kill -CONT "$EN1"
ctl up "$NET.0.1:$LBPORT"
check "after the freeze both addresses are back" wait_for 10 serves "10.0.0.1 10.0.0.2 "
check "enactor 1 reports again" wait_for 5 eval '[ "$(beat "$R1")" -gt "$frozen_at" ]'
stop_pid "enactor 1" "$EN1"
"$ENACTOR" --id 1 --mode safe --store "$STORE" --server "127.0.0.1:$P" \
	--zone api.test. --key "$T/k.key" --keep 2 --interval-ms 100 \
	--heartbeat-ms 100 >>"$T/enactor1.log" 2>&1 &
EN1=$!
PIDS="$PIDS $!"
b=$(beat "$R1")
check "enactor 1 starts again" wait_for 5 eval '[ "$(beat "$R1")" != "$b" ]'
check "the half line is cut, never read" \
	bash -c "! grep -q '^999999' $STORE.enactors/1.applied && [ -z \"\$(tail -c 1 $STORE.enactors/1.applied)\" ]"
check "dnsplanectl reads every report" \
	"$CTL" --store "$STORE" --server "127.0.0.1:$P" --zone api.test. status
stop_pid "enactor 1" "$EN1"
stop_pid "enactor 2" "$EN2"
stop_planner
stop_authd
finish
